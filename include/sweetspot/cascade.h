// Cascade analysis: a fast and an accurate model deployed as one system that
// answers with the fast model and defers to the accurate one the inputs the
// fast model is unsure of (docs/cascade.md). Evaluated before deployment from
// what a study stored: both models' per-sample results on the same samples
// (AccuracyRow: predictions, and the fast model's per-sample scores) and
// their measured latencies (LatencyRow). Pure functions of plain data; no
// I/O; thread-safe.
//
// The rule (the confidence-threshold cascade of Viola & Jones 2001 and the
// "defer when unsure" selective classification of Geifman & El-Yaniv 2017,
// as NoScope (Kang et al. 2017) deploys it): for a threshold t on the fast
// model's confidence c (its top-1 probability: softmax of its scores when
// they are logits, as `sweetspot eval` detects it, metrics.h
// DetectOutputKind), an input with c < t is deferred and answered by the
// accurate model, any other by the fast one. For every distinct threshold
// (each distinct confidence on the samples, plus t = 0 "never defer" and one
// above the largest confidence "always defer"), on the n paired samples:
//   deferred share  d = #{c < t} / n;
//   system top-1    = (#{c >= t and fast right} + #{c < t and accurate right}) / n,
//                     with its 95 % Wilson score interval (stats.h);
//   cost per input  = fast latency + d * accurate latency, in ms, once with
//                     each model's p50 and once with its mean (the fast model
//                     always runs; the accurate one on the deferred share);
//   vs the accurate model alone: McNemar's exact test (stats.h) on the
//                     samples where exactly one of the two is right (only the
//                     kept samples can differ).
// The recommendation is the cheapest threshold (by p50 cost) whose system
// top-1 is at least the accurate model's top-1 minus max_drop_points (point
// estimates) and that costs less than the accurate model alone (by p50); when
// none does, there is none and `closest` names the threshold with the
// highest top-1 among those cheaper than the accurate model alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/metrics.h"
#include "sweetspot/results_store.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr double kDefaultMaxDropPoints = 0.3;

// One model of the pair: its name (as the study names its candidate) and its
// stored rows. The rows must outlive the call.
struct CascadeModel {
  std::string name;
  const AccuracyRow& accuracy;
  const LatencyRow& latency;
};

struct CascadeOptions {
  double max_drop_points = kDefaultMaxDropPoints;   // percentage points of top-1, >= 0
  OutputKind fast_output_kind = OutputKind::kAuto;  // kAuto: detected over the fast model's rows
};

struct CascadePoint {
  double threshold = 0.0;  // defer when the fast model's confidence < threshold
  std::int64_t deferred = 0;
  double deferred_share = 0.0;  // fraction of the samples
  std::int64_t correct = 0;
  double top1 = 0.0;  // fraction
  stats::Interval top1_ci;
  double cost_p50_ms = 0.0;
  double cost_mean_ms = 0.0;
  std::int64_t only_cascade_correct = 0;   // McNemar's b vs the accurate model alone
  std::int64_t only_accurate_correct = 0;  // McNemar's c
  double mcnemar_p = 1.0;
};

struct CascadeAnalysis {
  std::string fast;
  std::string accurate;
  std::string setting;  // the latency rows' setting label
  std::int64_t samples = 0;
  OutputKind fast_output_kind = OutputKind::kLogits;  // as resolved
  double max_drop_points = kDefaultMaxDropPoints;
  double fast_top1 = 0.0;  // on the paired samples
  double accurate_top1 = 0.0;
  stats::Interval accurate_top1_ci;
  double target_top1 = 0.0;  // accurate_top1 - max_drop_points / 100
  double fast_p50_ms = 0.0;
  double fast_mean_ms = 0.0;
  double accurate_p50_ms = 0.0;
  double accurate_mean_ms = 0.0;
  // Every distinct threshold, ascending (so deferred share and cost ascend);
  // the first is t = 0, the last defers every sample.
  std::vector<CascadePoint> curve;
  std::optional<std::size_t> recommended;  // into curve
  std::optional<std::size_t> closest;      // into curve; set only without a recommendation
  // The fast model's confidence on each paired sample, ascending.
  std::vector<double> fast_confidence;

  // The share of the analysed samples a live cascade with this threshold
  // defers (confidence < threshold): what `serve --cascade-threshold`
  // should measure on the same images. 0 when there are no samples.
  double PredictedDeferral(double threshold) const;
};

// Pairs the two rows on the samples both evaluated (by dataset index) and
// computes the curve and the recommendation.
// Errors: kFailedPrecondition when the fast row kept no per-sample scores
// (naming the model: scores are kept when samples x classes fits
// the study's bound) or its scores do not match its sample count;
// kInvalidArgument when the rows share no sample, their labels disagree on a
// shared sample, a latency is not positive, or max_drop_points < 0.
Result<CascadeAnalysis> AnalyzeCascade(const CascadeModel& fast, const CascadeModel& accurate,
                                       const CascadeOptions& options = {});

// The same from a study's stored measurements (ResultsStore::StudyMeasurements
// of `study`), the models named as the study names its candidates: the fast
// model's newest accuracy row that kept scores (else its newest), the accurate
// model's newest; the fast model's newest latency row and the accurate
// model's newest of the same setting, preferably from the same environment.
// Errors: AnalyzeCascade's; kInvalidArgument for a name that is no candidate
// (listing the study's) or both names the same; kFailedPrecondition for a
// candidate with no stored accuracy or latency row, or none in that setting.
Result<CascadeAnalysis> AnalyzeStoredCascade(const std::vector<CandidateMeasurements>& candidates,
                                             std::string_view study, const std::string& fast,
                                             const std::string& accurate, const CascadeOptions& options = {});

// Indices into analysis.curve for a display of about `rows` rows: the first
// point at or above each multiple of 1 / (rows - 1) of deferred share, plus
// the first and last points and the recommended (or closest) one; ascending,
// distinct. The whole curve when it has at most `rows` points. rows >= 2.
std::vector<std::size_t> ThinCurve(const CascadeAnalysis& analysis, std::size_t rows);

// The recommendation as one sentence, e.g. "defer when nano's confidence <
// 0.93: 18.2 % of inputs go to large; top-1 93.1 % [92.6, 93.6] vs large
// 93.3 % (McNemar p = 0.21, not significant); 0.41 ms per input (p50) vs 1.90
// ms for large alone", or "no threshold meets top-1 >= ...; the closest: ...".
std::string DescribeRecommendation(const CascadeAnalysis& analysis);

// Renderings (docs/cascade.md). Text and Markdown: the pair and its figures,
// a table of the ThinCurve(analysis, rows) points (threshold, deferred %,
// top-1 % with its interval, McNemar p vs the accurate model, p50 and mean
// cost in ms; the recommended or closest point marked), then the sentence.
std::string RenderCascadeText(const CascadeAnalysis& analysis, std::size_t rows = 10);
std::string RenderCascadeMarkdown(const CascadeAnalysis& analysis, std::size_t rows = 10);
// Every curve point, header first; fractions as fractions, costs in ms.
std::string RenderCascadeCsv(const CascadeAnalysis& analysis);
// {"fast", "accurate", "setting", "samples", ..., "curve": [...],
// "recommended": point|null, "closest": point|null, "sentence"}: the curve
// thinned to about `max_points` points (ThinCurve; 0 = every point), and
// "curve_points" the size of the whole curve.
nlohmann::json CascadeJson(const CascadeAnalysis& analysis, std::size_t max_points = 0);

}  // namespace sweetspot
