// Study analysis: from measured candidates to a recommendation, with a reason
// for every candidate that lost. Pure functions of plain structs; no I/O;
// thread-safe. `sweetspot study` fills the candidates, reporters render the
// Analysis.
//
// A candidate is one (model variant x runtime setting) with its accuracy (top-1
// and which samples it got right, for paired tests), its latency figures (with
// their intervals and every timed run's latency, for speed ratios) and its
// costs. The analysis, in order:
//  1. candidates that could not be measured are "failed" (with the reason);
//  2. each constraint is met, missed or undecided (ConstraintCheck). A figure
//     with an interval (top-1: top1_ci; p50, p99: p50_ci, p99_ci;
//     throughput: items_per_s_ci) is met when the whole interval is on the
//     right side of the bound, missed when the whole interval is on the wrong
//     side, and undecided when the interval holds the bound; a figure without
//     one (memory, size, or a figure whose interval is unknown) is judged on
//     its point estimate. A candidate missing one constraint is "excluded",
//     each miss phrased with its size ("fails top-1 >= 82 % by 0.97 points");
//     an undecided one is never excluded silently: it is "undecided", with how
//     many samples would decide each open constraint (see ConstraintCheck);
//  3. the objective picks the recommendation among the candidates that meet
//     every constraint. When none does, it picks among the undecided ones whose
//     point estimates meet every constraint, and says that the recommendation
//     rests on undecided verdicts (Analysis::rests_on_undecided). Either way an
//     undecided candidate better on the objective than the recommendation is
//     named in its reasons ("resnet20 could beat it: ..."). Accuracy
//     differences are tested with McNemar's exact test on the samples both
//     candidates evaluated: for the accuracy objective, the fastest candidate
//     whose top-1 is not significantly below the most accurate one's
//     (p >= kSignificanceLevel) and whose speed edge over it is measurable
//     wins, and the reasons say the difference is not significant. For a speed
//     objective, the reasons say whether the recommendation's edge over the
//     runner-up is measurable (SpeedRatio);
//  4. every other candidate of that pool is "dominated" (another is at least as
//     accurate and at least as fast: "dominated by X: as accurate, 2.10x
//     faster [1.90, 2.31]", or "... no measurable speed difference (1.012x
//     [0.925, 1.106])") or "outranked" (a trade-off the objective decided, with
//     whether its accuracy edge is significant).
// With no candidate to recommend there is no recommendation; `closest` names
// the candidate with the smallest total relative miss (on point estimates). A
// measured variant's reasons (and the recommendation's, when it is one) start
// with its lineage against its parent in the same setting:
// "int8-static:entropy of large: 2.30x faster [2.21, 2.38], -0.40 points, not
// significant (McNemar p = 0.41)".
//
// Speed ratios (SpeedRatio) get a 95 % percentile-bootstrap interval over the
// two candidates' timed runs (stats::BootstrapRatioInterval): of the p50 (or
// p99) for latency, of the mean latency for throughput (items/s is items per
// mean latency), scaled to the ratio of the stored figures, then widened by
// kRunToRunTolerance on each side ([l / (1 + t), u * (1 + t)]): the bootstrap
// only sees the noise within each measurement, while two candidates are timed
// in two processes, whose offsets it cannot see. A ratio whose interval holds
// 1 is "no measurable speed difference" wherever speed is phrased. Memory and
// size ratios are single measurements and have no interval.
//
// Pareto frontiers (accuracy vs p50 latency, vs peak memory, vs model size)
// are computed over the measured candidates, constraints aside. Fits across
// the candidates of each runtime setting: p50 latency vs MACs (linear) and
// top-1 vs latency (hyperbolic, top-1 = a + b / p50, as Canziani et al. 2016
// observed), each with R^2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr double kSignificanceLevel = 0.05;

// kMaxMap50_95 and kMaxMap50 (detection studies) rank as kMaxAccuracy does,
// on that mAP (the study puts it in Candidate::top1).
enum class Objective { kMaxThroughput, kMinP50, kMinP99, kMaxAccuracy, kMinMemory, kMinSize, kMaxMap50_95, kMaxMap50 };
// "max-throughput", "min-p50", "min-p99", "max-accuracy", "min-memory",
// "min-size", "max-map50-95", "max-map50". ParseObjective also takes '_' for '-'.
std::string_view ObjectiveName(Objective objective);
Result<Objective> ParseObjective(std::string_view name);

// Whether the objective ranks on accuracy (max-accuracy, max-map50-95, max-map50).
bool RanksOnAccuracy(Objective objective);

// Every bound is optional; a candidate must meet all that are set.
struct Constraints {
  std::optional<double> min_top1;  // fraction in [0, 1]
  // Detection: COCO mAP@[.5:.95] and mAP@0.5, fractions in [0, 1], judged on
  // Candidate::detection's figures and intervals (a candidate without them misses).
  std::optional<double> min_map50_95;
  std::optional<double> min_map50;
  // Keypoint studies (docs/study.md "Keypoint studies"), judged on
  // Candidate::keypoints' figures and intervals (a candidate without them
  // misses): PCK at `pck_alpha` (the spec's primary alpha) and mean OKS,
  // fractions in [0, 1]; jitter (px/frame^2) and the noisiest joint angle's
  // noise (deg/frame^2) on the video, upper bounds.
  std::optional<double> min_pck;
  double pck_alpha = 0.2;
  std::optional<double> min_oks;
  std::optional<double> max_jitter_px;
  std::optional<double> max_angle_noise_deg;
  std::optional<double> max_p50_ms;
  std::optional<double> max_p99_ms;
  std::optional<double> min_items_per_s;
  std::optional<std::int64_t> max_peak_memory_bytes;
  // The model's own memory (Candidate::model_memory_bytes); a candidate whose
  // increment is unknown (0) fails it.
  std::optional<std::int64_t> max_model_memory_bytes;
  std::optional<std::int64_t> max_size_bytes;
};

struct Candidate {
  std::string name;     // unique, e.g. "resnet20" or "resnet20 t2 b8"
  std::string model;    // the model (variant) name
  std::string setting;  // runtime setting label; fits are per setting
  // A variant derived from another candidate's model (variant.h): the parent's
  // `model` and the transform's canonical text ("int8-static:entropy"); both
  // empty for a model as given.
  std::string parent;
  std::string transform;
  // Non-empty: the candidate could not be measured, and why. Its figures are unset.
  std::string failure;

  std::int64_t size_bytes = 0;  // model file
  std::int64_t param_count = 0;
  std::int64_t macs = 0;  // per sample

  std::int64_t eval_count = 0;
  // The accuracy the analysis ranks on (fraction): top-1, or in a detection
  // study the ranked mAP (AccuracyMeasure::name says which).
  double top1 = 0.0;
  stats::Interval top1_ci;
  // Dataset indices of the evaluated samples and whether each was right, in
  // the same order; McNemar pairs candidates on the indices they share.
  std::vector<std::int64_t> sample_indices;
  std::vector<bool> correct;

  double p50_ms = 0.0;
  double p99_ms = 0.0;
  double items_per_s = 0.0;
  // 95 % intervals of the three figures above (FillLatencyIntervals); invalid
  // when unknown, and the constraints on them are then judged on the estimate.
  stats::Interval p50_ci, p99_ci, items_per_s_ci;
  // Every timed run's latency in ms, in order (single-stream: one query;
  // offline: one batch); empty when unknown, and speed ratios then have no
  // interval.
  std::vector<double> latency_ms;
  // CPU time of the measuring process per query (one batch), all threads
  // (measure.h); set beside p50_ms it shows what a faster setting costs.
  // 0 = unknown (a measurement stored before it was recorded).
  double cpu_ms_per_inference = 0.0;
  std::int64_t peak_memory_bytes = 0;
  // Peak RSS minus that of the same process with no model (the runtime's
  // share); 0 = unknown (a measurement stored before it was recorded).
  std::int64_t model_memory_bytes = 0;

  // Detection candidates: both mAPs with their bootstrap intervals over
  // images (detection_metrics.h), which the mAP constraints judge.
  struct DetectionFigures {
    double map50_95 = 0.0, map50 = 0.0;
    stats::Interval map50_95_ci, map50_ci;
    std::int64_t images = 0;
  };
  std::optional<DetectionFigures> detection;

  // Keypoint candidates: PCK at the primary alpha and mean OKS over the
  // labelled persons (bootstrap over persons, keypoint_metrics.h), and on
  // the video the overall jitter and the noisiest angle's noise on joints
  // confident in both this model and the reference (moving-block bootstrap
  // over frames, stability.h); `frames` 0 when there was no video run.
  struct KeypointFigures {
    double pck = 0.0, oks = 0.0;
    stats::Interval pck_ci, oks_ci;
    std::int64_t persons = 0;
    double jitter_px = 0.0, angle_noise_deg = 0.0;
    stats::Interval jitter_ci, angle_noise_ci;
    std::string noisiest_angle;  // the angle angle_noise_deg is of ("" none measured)
    std::int64_t frames = 0;
  };
  std::optional<KeypointFigures> keypoints;
};

// What Candidate::top1 is and how two candidates' accuracies are tested.
// Classification: top-1, McNemar's exact test (PairedPValue). A detection
// study ranks on an mAP and tests a difference with a paired bootstrap over
// images (CompareDetections, detection_metrics.h), which needs the
// detections: the caller computes it and hands it in as `paired_p`.
struct AccuracyMeasure {
  std::string name = "top-1";    // as figures are shown: "top-1", "mAP@[.5:.95]", "mAP@0.5"
  std::string test = "McNemar";  // as p-values are shown: "McNemar p = 0.041"
  // Two-sided p-value of candidates a and b (indices into Analyze's input);
  // nullopt: no paired data. Unset: PairedPValue.
  std::function<std::optional<double>(std::size_t a, std::size_t b)> paired_p;
};

// From `latency_ms`: p50_ci and p99_ci as distribution-free order-statistic
// intervals (stats::QuantileInterval), items_per_s_ci as items_per_s scaled by
// the bootstrap interval of the mean latency (stats::BootstrapInterval). Leaves
// them invalid when latency_ms is empty.
void FillLatencyIntervals(Candidate* candidate);

// The offset between two measurements of the same model in two measuring
// processes, relative: the same 2 us model measured twice by a study on a
// shared 2-core VM had p50s 5 % apart, each with a bootstrap interval of
// +-0.3 %. Speed ratios are only called measurable beyond it. Under heavy
// load (load average 19 on those 2 cores) the two p50s were 1.86x apart: no
// interval computed from the runs covers a machine that changes between them.
inline constexpr double kRunToRunTolerance = 0.06;

// How many times faster one candidate is than another, with the interval.
enum class SpeedFigure { kItemsPerS, kP50, kP99 };
struct SpeedRatio {
  double ratio = 1.0;  // > 1: the first is faster
  stats::Interval ci;  // invalid when either candidate has no latencies
  // The interval excludes 1.
  bool Measurable() const { return ci.valid && (ci.lower > 1.0 || ci.upper < 1.0); }
};
// a's items/s over b's, or b's p50 (p99) over a's; the interval as the header says.
SpeedRatio SpeedupOf(const Candidate& a, const Candidate& b, SpeedFigure figure);
// For a ratio >= 1: "2.10x faster [1.90, 2.31]", "no measurable speed
// difference (1.012x [0.925, 1.106])", or "2.10x faster" without an interval.
std::string DescribeSpeedup(const SpeedRatio& ratio);

enum class ConstraintStatus { kMet, kMissed, kUndecided };
std::string_view ConstraintStatusName(ConstraintStatus status);  // "met", "missed", "undecided"

struct ConstraintCheck {
  std::string constraint;  // as DescribeConstraints words it: "top-1 >= 82 %"
  ConstraintStatus status = ConstraintStatus::kMet;
  // What the figure's interval rests on: evaluation samples (top-1) or timed
  // runs (latency, throughput); 0 for a point estimate.
  std::int64_t samples = 0;
  // Undecided only: about how many samples in all would decide it, assuming
  // the interval's half-width on the bound's side, h, shrinks as 1/sqrt(n)
  // around the same estimate e: n' = ceil(n (h / |e - bound|)^2). 0 when the
  // estimate equals the bound (no sample count decides it).
  std::int64_t samples_needed = 0;
};

enum class Verdict { kRecommended, kOutranked, kDominated, kUndecided, kExcluded, kFailed };
// "recommended", "outranked", "dominated", "undecided", "excluded", "failed"
std::string_view VerdictName(Verdict verdict);

struct CandidateAnalysis {
  Verdict verdict = Verdict::kFailed;
  std::vector<std::string> reasons;     // one short sentence each
  std::vector<ConstraintCheck> checks;  // one per constraint set, in DescribeConstraints' order; empty when failed
  bool meets_constraints = false;       // every check met
  bool on_latency_frontier = false;     // accuracy vs p50
  bool on_memory_frontier = false;      // accuracy vs peak memory
  bool on_size_frontier = false;        // accuracy vs file size
  // Relative misses of the point estimates summed over the constraints they miss (0 when none).
  double total_relative_miss = 0.0;
};

struct HyperbolicFit {  // top-1 = a + b / p50_ms
  double a = 0.0;
  double b = 0.0;
  double r_squared = 0.0;
  std::size_t count = 0;
  bool valid = false;
};

struct SettingFits {
  std::string setting;
  stats::LineFit latency_vs_macs;  // p50_ms = intercept + slope * MACs
  HyperbolicFit accuracy_vs_latency;
};

struct Analysis {
  std::vector<CandidateAnalysis> candidates;  // parallel to the input
  std::optional<std::size_t> recommended;     // index into the input
  std::vector<std::string> recommendation_reasons;
  // No candidate meets every constraint; the recommendation is an undecided one.
  bool rests_on_undecided = false;
  std::optional<std::size_t> closest;  // when nothing is feasible: the smallest miss
  std::vector<SettingFits> fits;       // settings with >= kMinFitPoints measured candidates
};

inline constexpr std::size_t kMinFitPoints = 3;

// McNemar's exact p-value between two candidates over the samples both
// evaluated; nullopt when they share none (or either lacks per-sample data).
std::optional<double> PairedPValue(const Candidate& a, const Candidate& b);

Analysis Analyze(const std::vector<Candidate>& candidates, const Constraints& constraints, Objective objective,
                 const AccuracyMeasure& measure = {});

// "top-1 >= 0.82, p99 <= 5 ms": the constraints as text ("none" when empty).
std::string DescribeConstraints(const Constraints& constraints);

}  // namespace sweetspot
