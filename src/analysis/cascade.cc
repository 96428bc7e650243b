#include "sweetspot/cascade.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sweetspot/analysis.h"

namespace sweetspot {
namespace {

// One sample both models evaluated: the fast model's confidence and whether
// each model got it right.
struct PairedSample {
  double confidence = 0.0;
  bool fast_right = false;
  bool accurate_right = false;
};

Status CheckScores(const CascadeModel& fast) {
  const AccuracyRow& a = fast.accuracy;
  const std::size_t n = a.sample_indices.size();
  if (a.scores.empty()) {
    return Status::FailedPrecondition(fmt::format(
        "{}: its accuracy result kept no per-sample scores (a study keeps them when samples x classes is at most "
        "250,000 values); evaluate it on fewer samples ([dataset] limit)",
        fast.name));
  }
  if (n == 0 || a.labels.size() != n || a.predicted.size() != n || a.scores.size() % n != 0) {
    return Status::FailedPrecondition(
        fmt::format("{}: its stored scores ({} values) do not match its {} samples", fast.name, a.scores.size(), n));
  }
  return Status::Ok();
}

// The fast model's top-1 probability per sample, with the output kind
// resolved as `sweetspot eval` resolves it.
std::vector<double> Confidences(const AccuracyRow& fast, OutputKind* kind) {
  const std::size_t n = fast.sample_indices.size();
  const std::size_t classes = fast.scores.size() / n;
  std::vector<RowSummary> rows;
  rows.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    rows.push_back(SummarizeRow(std::span<const float>(fast.scores.data() + k * classes, classes)));
  }
  if (*kind == OutputKind::kAuto) *kind = DetectOutputKind(rows);
  const std::vector<int> labels(fast.labels.begin(), fast.labels.end());
  std::vector<double> confidence;
  confidence.reserve(n);
  for (const Prediction& p : ToPredictions(rows, labels, *kind)) confidence.push_back(p.confidence());
  return confidence;
}

Result<std::vector<PairedSample>> Pair(const CascadeModel& fast, const CascadeModel& accurate,
                                       const std::vector<double>& confidence) {
  const AccuracyRow& f = fast.accuracy;
  const AccuracyRow& a = accurate.accuracy;
  std::unordered_map<std::int64_t, std::size_t> accurate_at;
  for (std::size_t k = 0; k < a.sample_indices.size() && k < a.labels.size() && k < a.predicted.size(); ++k) {
    accurate_at.emplace(a.sample_indices[k], k);
  }
  std::vector<PairedSample> paired;
  for (std::size_t k = 0; k < f.sample_indices.size(); ++k) {
    const auto found = accurate_at.find(f.sample_indices[k]);
    if (found == accurate_at.end()) continue;
    const std::size_t j = found->second;
    if (a.labels[j] != f.labels[k]) {
      return Status::InvalidArgument(fmt::format("{} and {} disagree on the label of sample {}: not the same dataset",
                                                 fast.name, accurate.name, f.sample_indices[k]));
    }
    paired.push_back({confidence[k], f.predicted[k] == f.labels[k], a.predicted[j] == a.labels[j]});
  }
  if (paired.empty()) {
    return Status::InvalidArgument(fmt::format(
        "{} and {} were evaluated on no common sample: evaluate both on the same dataset", fast.name, accurate.name));
  }
  return paired;
}

Status CheckLatency(const CascadeModel& model) {
  if (model.latency.p50_ms > 0.0 && model.latency.mean_ms > 0.0) return Status::Ok();
  return Status::InvalidArgument(fmt::format("{}: its latency ({} ms p50, {} ms mean) is not a measured latency",
                                             model.name, model.latency.p50_ms, model.latency.mean_ms));
}

// Running counts as the threshold rises past the samples, lowest confidence first.
struct Counts {
  std::int64_t deferred = 0;
  std::int64_t correct = 0;  // of the system
  std::int64_t b = 0;        // kept, fast right, accurate wrong
  std::int64_t c = 0;        // kept, fast wrong, accurate right
};

CascadePoint MakePoint(const CascadeAnalysis& analysis, double threshold, const Counts& counts) {
  CascadePoint p;
  const auto n = static_cast<double>(analysis.samples);
  p.threshold = threshold;
  p.deferred = counts.deferred;
  p.deferred_share = static_cast<double>(counts.deferred) / n;
  p.correct = counts.correct;
  p.top1 = static_cast<double>(counts.correct) / n;
  p.top1_ci = stats::WilsonInterval(counts.correct, analysis.samples);
  p.cost_p50_ms = analysis.fast_p50_ms + p.deferred_share * analysis.accurate_p50_ms;
  p.cost_mean_ms = analysis.fast_mean_ms + p.deferred_share * analysis.accurate_mean_ms;
  p.only_cascade_correct = counts.b;
  p.only_accurate_correct = counts.c;
  p.mcnemar_p = stats::McNemarExactPValue(counts.b, counts.c);
  return p;
}

// `samples` ascending by confidence.
void BuildCurve(const std::vector<PairedSample>& samples, CascadeAnalysis* analysis) {
  Counts counts;
  for (const PairedSample& s : samples) {
    counts.correct += s.fast_right ? 1 : 0;
    counts.b += s.fast_right && !s.accurate_right ? 1 : 0;
    counts.c += !s.fast_right && s.accurate_right ? 1 : 0;
  }
  analysis->curve.push_back(MakePoint(*analysis, 0.0, counts));
  for (std::size_t k = 0; k < samples.size();) {
    // Defer every sample of this confidence at once: the next threshold is the next distinct confidence.
    const double level = samples[k].confidence;
    for (; k < samples.size() && samples[k].confidence == level; ++k) {
      const PairedSample& s = samples[k];
      ++counts.deferred;
      counts.correct += (s.accurate_right ? 1 : 0) - (s.fast_right ? 1 : 0);
      counts.b -= s.fast_right && !s.accurate_right ? 1 : 0;
      counts.c -= !s.fast_right && s.accurate_right ? 1 : 0;
    }
    const double next =
        k < samples.size() ? samples[k].confidence : std::nextafter(level, std::numeric_limits<double>::infinity());
    analysis->curve.push_back(MakePoint(*analysis, next, counts));
  }
}

void Recommend(CascadeAnalysis* analysis) {
  const auto& curve = analysis->curve;
  // Counts, not fractions, decide "meets": top-1 is correct / n, the target a fraction.
  const double needed = analysis->target_top1 * static_cast<double>(analysis->samples) - 1e-9;
  for (std::size_t k = 0; k < curve.size(); ++k) {
    if (curve[k].cost_p50_ms >= analysis->accurate_p50_ms) break;
    if (static_cast<double>(curve[k].correct) >= needed) {
      analysis->recommended = k;
      analysis->closest.reset();
      return;
    }
    if (!analysis->closest || curve[k].correct > curve[*analysis->closest].correct) analysis->closest = k;
  }
}

Result<const CandidateMeasurements*> FindCandidate(const std::vector<CandidateMeasurements>& candidates,
                                                   const std::string& name, std::string_view study) {
  for (const CandidateMeasurements& c : candidates) {
    if (c.name == name) return &c;
  }
  if (candidates.empty()) return Status::InvalidArgument(fmt::format("study '{}' has no measured candidates", study));
  std::vector<std::string> names;
  for (const CandidateMeasurements& c : candidates) names.push_back(c.name);
  return Status::InvalidArgument(
      fmt::format("study '{}' has no candidate '{}' (its candidates: {})", study, name, fmt::join(names, ", ")));
}

// The newest accuracy row, preferring one that kept per-sample scores when `scores`.
Result<const AccuracyRow*> PickAccuracy(const CandidateMeasurements& c, bool scores) {
  if (c.accuracy.empty()) {
    return Status::FailedPrecondition(
        fmt::format("{} has no stored accuracy result: run its study to measure it", c.name));
  }
  for (auto row = c.accuracy.rbegin(); scores && row != c.accuracy.rend(); ++row) {
    if (!row->scores.empty()) return &*row;
  }
  return &c.accuracy.back();
}

// The fast model's newest latency row, and the accurate model's newest one of
// the same setting, preferably from the same environment.
Result<std::pair<const LatencyRow*, const LatencyRow*>> PickLatencies(const CandidateMeasurements& fast,
                                                                      const CandidateMeasurements& accurate) {
  for (const CandidateMeasurements* c : {&fast, &accurate}) {
    if (c->latency.empty()) {
      return Status::FailedPrecondition(
          fmt::format("{} has no stored latency result: run its study to measure it", c->name));
    }
  }
  const LatencyRow& f = fast.latency.back();
  const LatencyRow* same_setting = nullptr;
  for (auto row = accurate.latency.rbegin(); row != accurate.latency.rend(); ++row) {
    if (row->setting != f.setting) continue;
    if (row->environment_id == f.environment_id) return std::make_pair(&f, &*row);
    if (same_setting == nullptr) same_setting = &*row;
  }
  if (same_setting != nullptr) return std::make_pair(&f, same_setting);
  return Status::FailedPrecondition(fmt::format("{} has no latency result in {}'s setting '{}': measure both in it",
                                                accurate.name, fast.name, f.setting));
}

std::string Percent(double fraction) { return fmt::format("{:.1f}", 100.0 * fraction); }

std::string PValue(double p) { return p < 0.001 ? fmt::format("{:.1e}", p) : fmt::format("{:.3f}", p); }

std::optional<std::size_t> Marked(const CascadeAnalysis& a) { return a.recommended ? a.recommended : a.closest; }

std::string ThresholdText(const CascadeAnalysis& a, std::size_t k) {
  if (k == 0) return "0 (never)";
  if (k + 1 == a.curve.size()) return "always";
  return fmt::format("{:.4f}", a.curve[k].threshold);
}

std::vector<std::string> Header(const CascadeAnalysis& a) {
  return {"defer when " + a.fast + " <",
          "deferred %",
          "top-1 % [95 % CI]",
          "p vs " + a.accurate,
          "cost p50 ms",
          "cost mean ms",
          ""};
}

std::vector<std::string> Row(const CascadeAnalysis& a, std::size_t k) {
  const CascadePoint& p = a.curve[k];
  const char* mark = Marked(a) == k ? (a.recommended ? "recommended" : "closest") : "";
  return {ThresholdText(a, k),
          Percent(p.deferred_share),
          fmt::format("{} [{}, {}]", Percent(p.top1), Percent(p.top1_ci.lower), Percent(p.top1_ci.upper)),
          PValue(p.mcnemar_p),
          fmt::format("{:.3f}", p.cost_p50_ms),
          fmt::format("{:.3f}", p.cost_mean_ms),
          mark};
}

std::string Headline(const CascadeAnalysis& a) {
  return fmt::format(
      "cascade {} -> {} on {} samples ({}; {} scores read as {}): {} alone {} % top-1, {:.3f} ms p50; {} alone {} % "
      "[{}, {}], {:.3f} ms p50",
      a.fast, a.accurate, a.samples, a.setting, a.fast, OutputKindName(a.fast_output_kind), a.fast,
      Percent(a.fast_top1), a.fast_p50_ms, a.accurate, Percent(a.accurate_top1), Percent(a.accurate_top1_ci.lower),
      Percent(a.accurate_top1_ci.upper), a.accurate_p50_ms);
}

nlohmann::json PointJson(const CascadePoint& p) {
  return {{"threshold", p.threshold},
          {"deferred", p.deferred},
          {"deferred_share", p.deferred_share},
          {"top1", p.top1},
          {"top1_ci", {p.top1_ci.lower, p.top1_ci.upper}},
          {"cost_p50_ms", p.cost_p50_ms},
          {"cost_mean_ms", p.cost_mean_ms},
          {"only_cascade_correct", p.only_cascade_correct},
          {"only_accurate_correct", p.only_accurate_correct},
          {"mcnemar_p", p.mcnemar_p}};
}

}  // namespace

double CascadeAnalysis::PredictedDeferral(double threshold) const {
  if (fast_confidence.empty()) return 0.0;
  const auto below = std::lower_bound(fast_confidence.begin(), fast_confidence.end(), threshold);
  return static_cast<double>(below - fast_confidence.begin()) / static_cast<double>(fast_confidence.size());
}

Result<CascadeAnalysis> AnalyzeCascade(const CascadeModel& fast, const CascadeModel& accurate,
                                       const CascadeOptions& options) {
  if (!(options.max_drop_points >= 0.0)) {
    return Status::InvalidArgument(
        fmt::format("max_drop_points is {}: give the top-1 drop allowed, in points, >= 0", options.max_drop_points));
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckScores(fast));
  SWEETSPOT_RETURN_IF_ERROR(CheckLatency(fast));
  SWEETSPOT_RETURN_IF_ERROR(CheckLatency(accurate));
  CascadeAnalysis analysis;
  analysis.fast = fast.name;
  analysis.accurate = accurate.name;
  analysis.setting = fast.latency.setting;
  analysis.fast_output_kind = options.fast_output_kind;
  const std::vector<double> confidence = Confidences(fast.accuracy, &analysis.fast_output_kind);
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<PairedSample> samples, Pair(fast, accurate, confidence));
  std::stable_sort(samples.begin(), samples.end(),
                   [](const PairedSample& x, const PairedSample& y) { return x.confidence < y.confidence; });

  analysis.samples = static_cast<std::int64_t>(samples.size());
  analysis.max_drop_points = options.max_drop_points;
  std::int64_t fast_right = 0;
  std::int64_t accurate_right = 0;
  for (const PairedSample& s : samples) {
    fast_right += s.fast_right ? 1 : 0;
    accurate_right += s.accurate_right ? 1 : 0;
    analysis.fast_confidence.push_back(s.confidence);
  }
  const auto n = static_cast<double>(analysis.samples);
  analysis.fast_top1 = static_cast<double>(fast_right) / n;
  analysis.accurate_top1 = static_cast<double>(accurate_right) / n;
  analysis.accurate_top1_ci = stats::WilsonInterval(accurate_right, analysis.samples);
  analysis.target_top1 = analysis.accurate_top1 - options.max_drop_points / 100.0;
  analysis.fast_p50_ms = fast.latency.p50_ms;
  analysis.fast_mean_ms = fast.latency.mean_ms;
  analysis.accurate_p50_ms = accurate.latency.p50_ms;
  analysis.accurate_mean_ms = accurate.latency.mean_ms;
  BuildCurve(samples, &analysis);
  Recommend(&analysis);
  return analysis;
}

Result<CascadeAnalysis> AnalyzeStoredCascade(const std::vector<CandidateMeasurements>& candidates,
                                             std::string_view study, const std::string& fast,
                                             const std::string& accurate, const CascadeOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const CandidateMeasurements* f, FindCandidate(candidates, fast, study));
  SWEETSPOT_ASSIGN_OR_RETURN(const CandidateMeasurements* a, FindCandidate(candidates, accurate, study));
  if (f == a) return Status::InvalidArgument(fmt::format("the fast and the accurate model are both '{}'", fast));
  SWEETSPOT_ASSIGN_OR_RETURN(const AccuracyRow* fast_accuracy, PickAccuracy(*f, true));
  SWEETSPOT_ASSIGN_OR_RETURN(const AccuracyRow* accurate_accuracy, PickAccuracy(*a, false));
  SWEETSPOT_ASSIGN_OR_RETURN(const auto latencies, PickLatencies(*f, *a));
  return AnalyzeCascade({f->name, *fast_accuracy, *latencies.first}, {a->name, *accurate_accuracy, *latencies.second},
                        options);
}

std::vector<std::size_t> ThinCurve(const CascadeAnalysis& analysis, std::size_t rows) {
  const std::size_t size = analysis.curve.size();
  std::vector<std::size_t> picked;
  if (size <= rows) {
    picked.resize(size);
    std::iota(picked.begin(), picked.end(), std::size_t{0});
    return picked;
  }
  const std::size_t steps = std::max<std::size_t>(rows, 2) - 1;
  std::size_t k = 0;
  for (std::size_t step = 0; step <= steps; ++step) {
    const double share = static_cast<double>(step) / static_cast<double>(steps);
    while (k + 1 < size && analysis.curve[k].deferred_share < share) ++k;
    picked.push_back(k);
  }
  picked.push_back(0);
  picked.push_back(size - 1);
  if (const auto marked = analysis.recommended ? analysis.recommended : analysis.closest) picked.push_back(*marked);
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  return picked;
}

std::string DescribeRecommendation(const CascadeAnalysis& analysis) {
  const auto point = [&analysis](const CascadePoint& p) {
    return fmt::format(
        "defer when {}'s confidence < {:.4g}: {:.1f} % of inputs go to {}; top-1 {:.1f} % [{:.1f}, {:.1f}] vs {} "
        "{:.1f} % (McNemar p = {:.2g}, {}); {:.3g} ms per input (p50) vs {:.3g} ms for {} alone",
        analysis.fast, p.threshold, 100.0 * p.deferred_share, analysis.accurate, 100.0 * p.top1,
        100.0 * p.top1_ci.lower, 100.0 * p.top1_ci.upper, analysis.accurate, 100.0 * analysis.accurate_top1,
        p.mcnemar_p, p.mcnemar_p < kSignificanceLevel ? "significant" : "not significant", p.cost_p50_ms,
        analysis.accurate_p50_ms, analysis.accurate);
  };
  if (analysis.recommended) return point(analysis.curve[*analysis.recommended]);
  std::string text =
      fmt::format("no threshold meets top-1 >= {:.1f} % ({} {:.1f} % - {:.2g} points) at a lower cost than {} alone",
                  100.0 * analysis.target_top1, analysis.accurate, 100.0 * analysis.accurate_top1,
                  analysis.max_drop_points, analysis.accurate);
  if (analysis.closest) text += "; the closest: " + point(analysis.curve[*analysis.closest]);
  return text;
}

std::string RenderCascadeText(const CascadeAnalysis& analysis, std::size_t rows) {
  std::vector<std::vector<std::string>> table{Header(analysis)};
  for (const std::size_t k : ThinCurve(analysis, rows)) table.push_back(Row(analysis, k));
  std::vector<std::size_t> widths(table.front().size(), 0);
  for (const auto& row : table) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string text = Headline(analysis) + "\n\n";
  for (const auto& row : table) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) line += fmt::format("{:<{}}  ", row[c], widths[c]);
    text += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
  }
  return text + fmt::format("\n({} thresholds in all)\n{}\n", analysis.curve.size(), DescribeRecommendation(analysis));
}

std::string RenderCascadeMarkdown(const CascadeAnalysis& analysis, std::size_t rows) {
  const auto line = [](const std::vector<std::string>& cells) {
    std::string text = "|";
    for (const auto& cell : cells) text += " " + cell + " |";
    return text + "\n";
  };
  std::string text = Headline(analysis) + ".\n\n" + line(Header(analysis));
  text += line(std::vector<std::string>(Header(analysis).size(), "---"));
  for (const std::size_t k : ThinCurve(analysis, rows)) text += line(Row(analysis, k));
  return text + "\n" + DescribeRecommendation(analysis) + ".\n";
}

std::string RenderCascadeCsv(const CascadeAnalysis& analysis) {
  std::string text =
      "threshold,deferred,deferred_share,top1,top1_ci_lower,top1_ci_upper,cost_p50_ms,cost_mean_ms,"
      "only_cascade_correct,only_accurate_correct,mcnemar_p\n";
  for (const CascadePoint& p : analysis.curve) {
    text += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", p.threshold, p.deferred, p.deferred_share, p.top1,
                        p.top1_ci.lower, p.top1_ci.upper, p.cost_p50_ms, p.cost_mean_ms, p.only_cascade_correct,
                        p.only_accurate_correct, p.mcnemar_p);
  }
  return text;
}

nlohmann::json CascadeJson(const CascadeAnalysis& analysis, std::size_t max_points) {
  nlohmann::json curve = nlohmann::json::array();
  const std::vector<std::size_t> points =
      max_points == 0 ? ThinCurve(analysis, analysis.curve.size()) : ThinCurve(analysis, max_points);
  for (const std::size_t k : points) curve.push_back(PointJson(analysis.curve[k]));
  const auto point = [&analysis](std::optional<std::size_t> k) {
    return k ? PointJson(analysis.curve[*k]) : nlohmann::json(nullptr);
  };
  return {{"fast", analysis.fast},
          {"accurate", analysis.accurate},
          {"setting", analysis.setting},
          {"samples", analysis.samples},
          {"fast_output_kind", OutputKindName(analysis.fast_output_kind)},
          {"max_drop_points", analysis.max_drop_points},
          {"fast_top1", analysis.fast_top1},
          {"accurate_top1", analysis.accurate_top1},
          {"accurate_top1_ci", {analysis.accurate_top1_ci.lower, analysis.accurate_top1_ci.upper}},
          {"target_top1", analysis.target_top1},
          {"fast_p50_ms", analysis.fast_p50_ms},
          {"fast_mean_ms", analysis.fast_mean_ms},
          {"accurate_p50_ms", analysis.accurate_p50_ms},
          {"accurate_mean_ms", analysis.accurate_mean_ms},
          {"curve_points", analysis.curve.size()},
          {"curve", std::move(curve)},
          {"recommended", point(analysis.recommended)},
          {"closest", point(analysis.closest)},
          {"sentence", DescribeRecommendation(analysis)}};
}

}  // namespace sweetspot
