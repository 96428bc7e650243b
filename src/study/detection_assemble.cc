#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "study/detection_study.h"

namespace sweetspot {
namespace {

std::string RankedMetric(const StudySpec& spec) {
  if (spec.objective == Objective::kMaxMap50) return "map50";
  if (spec.objective == Objective::kMaxMap50_95) return "map50_95";
  return spec.detection.protocol == "voc" ? "map50" : "map50_95";
}

std::string RankedName(const std::string& metric) { return metric == "map50" ? "mAP@0.5" : "mAP@[.5:.95]"; }

// The split of a stored latency row, whose bench_json is the
// DetectionBenchResult of one setting: its single-stream scenario, else its
// offline batch; unset when it has neither.
std::optional<DetectionSpeedSplit> SpeedSplit(const LatencyRow& row) {
  const nlohmann::json j = nlohmann::json::parse(row.bench_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  auto result = DetectionBenchResultFromJson(j);
  if (!result.ok()) return std::nullopt;
  const DetectionStageRecords* stages = nullptr;
  const stats::Summary* total = nullptr;
  Scenario scenario = Scenario::kSingleStream;
  if (result->single_stream && result->bench.single_stream) {
    stages = &*result->single_stream;
    total = &result->bench.single_stream->latency.summary_ms;
  } else if (!result->offline.empty() && !result->bench.offline.empty()) {
    stages = &result->offline.front();
    total = &result->bench.offline.front().batch_latency.summary_ms;
    scenario = Scenario::kOffline;
  } else {
    return std::nullopt;
  }
  DetectionSpeedSplit split = SpeedSplitOf(stages->preprocess.summary_ms.p50, stages->network.summary_ms.p50,
                                           stages->postprocess.summary_ms.p50, *total);
  split.scenario = std::string(ScenarioName(scenario));
  split.batch_size = stages->batch_size;
  split.preprocess_items_per_s = stages->preprocess_items_per_s;
  split.network_items_per_s = stages->network_items_per_s;
  split.postprocess_items_per_s = stages->postprocess_items_per_s;
  return split;
}

// A candidate on one dataset: the ranked mAP as its accuracy, the end-to-end
// time (pre-processing + network + decoding and NMS) as its latency, with the
// intervals of every timed image.
Candidate DatasetCandidate(Candidate c, const DetectionEvalSummary& summary, const LatencyRow& latency,
                           const std::string& metric) {
  const DetectionMetrics& m = summary.metrics;
  c.detection = Candidate::DetectionFigures{m.map50_95, m.map50, m.map50_95_ci, m.map50_ci, m.images};
  c.eval_count = m.images;
  c.top1 = metric == "map50" ? m.map50 : m.map50_95;
  c.top1_ci = metric == "map50" ? m.map50_ci : m.map50_95_ci;
  c.p50_ms = latency.p50_ms;
  c.p99_ms = latency.p99_ms;
  c.items_per_s = latency.items_per_s;
  c.peak_memory_bytes = latency.peak_rss_bytes;
  c.latency_ms = latency.raw_ms;
  FillLatencyIntervals(&c);
  return c;
}

// The paired bootstrap's p-value of two candidates on one dataset, computed
// once per pair; nullopt when either is unmeasured or the comparison's
// p-value is of the other mAP than the one ranked.
class PairedTests {
 public:
  PairedTests(const std::vector<const DetectionEvalSummary*>& summaries, std::string metric)
      : summaries_(summaries), metric_(std::move(metric)) {}

  std::optional<DetectionComparison> Compare(std::size_t a, std::size_t b) {
    if (summaries_[a] == nullptr || summaries_[b] == nullptr) return std::nullopt;
    const auto key = std::pair(a, b);
    if (auto found = cache_.find(key); found != cache_.end()) return found->second;
    auto compared = CompareDetectionSummaries(*summaries_[a], *summaries_[b]);
    std::optional<DetectionComparison> value;
    if (compared.ok()) value = *compared;
    cache_.emplace(key, value);
    return value;
  }

  std::optional<double> P(std::size_t a, std::size_t b) {
    const auto compared = Compare(a, b);
    if (!compared || compared->metric != metric_) return std::nullopt;
    return compared->p_value;
  }

 private:
  std::vector<const DetectionEvalSummary*> summaries_;
  std::string metric_;
  std::map<std::pair<std::size_t, std::size_t>, std::optional<DetectionComparison>> cache_;
};

// The boxes a report page may draw: those at or above kDetectionShownScore.
std::vector<std::vector<Detection>> ShownDetections(const std::vector<std::vector<Detection>>& all) {
  std::vector<std::vector<Detection>> shown;
  for (const auto& image : all) {
    auto& kept = shown.emplace_back();
    std::copy_if(image.begin(), image.end(), std::back_inserter(kept),
                 [](const Detection& d) { return d.score >= kDetectionShownScore; });
  }
  return shown;
}

// One dataset: its candidates, their analysis, each one's comparison with
// the most accurate, and the report section.
DetectionStudyDataset AssembleDataset(const StudySpec& spec, const StudyPlan& plan,
                                      const DetectionMeasurements& measured, std::size_t d, const std::string& metric,
                                      const std::vector<Candidate>& planned, PairedTests* tests,
                                      DetectionReportSection* section, std::vector<Status>* failures) {
  const std::size_t settings = plan.settings.size();
  DetectionStudyDataset out;
  const auto& info = measured.datasets[d];
  out.name = info.name;
  out.description = info.description;
  out.notes = info.notes;
  out.images = info.images;
  std::vector<const DetectionEvalSummary*> summaries;
  for (std::size_t k = 0; k < planned.size(); ++k) {
    const std::size_t i = k / settings, s = k % settings;
    const auto& summary = measured.summaries[i][d][s];
    const auto& latency = measured.latency[i][d][s];
    const std::optional<DetectionSpeedSplit> split = latency ? SpeedSplit(*latency) : std::nullopt;
    const Status& failure = !measured.failures[i][d][s].ok() ? measured.failures[i][d][s]
                            : !latency                       ? measured.latency_failures[i][d][s]
                                                             : Status::Ok();
    summaries.push_back(summary ? &*summary : nullptr);
    Candidate c = planned[k];
    if (summary && split) {
      c = DatasetCandidate(std::move(c), *summary, *latency, metric);
      out.results.push_back(DetectionCandidateResult{summary->metrics, *split, std::nullopt});
      if (!out.most_accurate || c.top1 > out.candidates[*out.most_accurate].top1) out.most_accurate = k;
    } else {
      c.failure = failure.ok() ? "not measured" : failure.message();
      if (!failure.ok()) failures->push_back(failure.WithContext(fmt::format("{} on {}", c.name, out.name)));
      out.results.push_back(std::nullopt);
    }
    out.candidates.push_back(std::move(c));
  }
  *tests = PairedTests(summaries, metric);
  AccuracyMeasure measure{RankedName(metric), "paired bootstrap",
                          [tests](std::size_t a, std::size_t b) { return tests->P(a, b); }};
  out.analysis = Analyze(out.candidates, spec.constraints, spec.objective, measure);
  for (std::size_t k = 0; k < out.results.size() && out.most_accurate; ++k) {
    if (out.results[k] && k != *out.most_accurate) out.results[k]->vs_best = tests->Compare(k, *out.most_accurate);
  }
  section->dataset = out.name;
  section->description = out.description;
  for (std::size_t k = 0; k < summaries.size(); ++k) {
    if (summaries[k] == nullptr) continue;
    if (section->candidates.empty()) {
      section->class_names = summaries[k]->class_names;
      section->images = summaries[k]->images;
    }
    if (out.analysis.recommended == k) section->fast = section->candidates.size();
    section->candidates.push_back(
        {out.candidates[k].name, summaries[k]->metrics, ShownDetections(summaries[k]->detections)});
  }
  // Beside the recommendation: the most accurate other detector.
  section->accurate = section->fast;
  const auto ranked = [&](std::size_t j) {
    const DetectionMetrics& m = section->candidates[j].metrics;
    return metric == "map50" ? m.map50 : m.map50_95;
  };
  for (std::size_t j = 0; j < section->candidates.size(); ++j) {
    if (j == section->fast) continue;
    if (section->accurate == section->fast || ranked(j) > ranked(section->accurate)) section->accurate = j;
  }
  return out;
}

// Per candidate, its figures averaged over the datasets (a failure on one
// dataset fails it); intervals are left unknown.
std::vector<Candidate> MeanCandidates(const std::vector<DetectionStudyDataset>& datasets) {
  std::vector<Candidate> means;
  const double n = static_cast<double>(datasets.size());
  for (std::size_t k = 0; k < datasets.front().candidates.size(); ++k) {
    Candidate c = datasets.front().candidates[k];
    c.top1_ci = c.p50_ci = c.p99_ci = c.items_per_s_ci = {};
    Candidate::DetectionFigures figures;
    double top1 = 0, p50 = 0, p99 = 0, inverse_rate = 0;
    for (const DetectionStudyDataset& d : datasets) {
      const Candidate& x = d.candidates[k];
      if (!x.failure.empty() && c.failure.empty()) c.failure = fmt::format("on {}: {}", d.name, x.failure);
      if (!x.detection) continue;
      figures.map50_95 += x.detection->map50_95 / n;
      figures.map50 += x.detection->map50 / n;
      figures.images += x.detection->images;
      top1 += x.top1 / n;
      p50 += x.p50_ms / n;
      p99 += x.p99_ms / n;
      inverse_rate += x.items_per_s > 0 ? 1.0 / x.items_per_s / n : 0.0;
    }
    c.detection = figures;
    c.eval_count = figures.images;
    c.top1 = top1;
    c.p50_ms = p50;
    c.p99_ms = p99;
    c.items_per_s = inverse_rate > 0 ? 1.0 / inverse_rate : 0.0;
    means.push_back(std::move(c));
  }
  return means;
}

// Candidate k's verdict where it is not in the overall pool: its reasons on
// each dataset where it does not meet the constraints.
CandidateAnalysis OutOfPool(const std::vector<DetectionStudyDataset>& datasets, const Candidate& mean, std::size_t k) {
  CandidateAnalysis a;
  if (!mean.failure.empty()) {
    a.verdict = Verdict::kFailed;
    a.reasons.push_back(mean.failure);
    return a;
  }
  a.verdict = Verdict::kUndecided;
  for (const DetectionStudyDataset& d : datasets) {
    const CandidateAnalysis& on = d.analysis.candidates[k];
    if (on.meets_constraints) continue;
    if (on.verdict == Verdict::kExcluded) a.verdict = Verdict::kExcluded;
    a.total_relative_miss += on.total_relative_miss;
    for (const auto& reason : on.reasons) a.reasons.push_back(fmt::format("on {}: {}", d.name, reason));
  }
  return a;
}

// The overall ranking (docs/study.md): the pool is the candidates that meet
// the constraints on every dataset (else, flagged, those undecided somewhere
// but missing nothing); the objective ranks them on their means over the
// datasets; a difference in mAP is significant overall when it is on some
// dataset after Bonferroni's correction (p = min(1, D x the smallest p)).
void AssembleOverall(const StudySpec& spec, std::vector<PairedTests>* tests, StudyReport* report) {
  const auto& datasets = report->detection_datasets;
  if (datasets.size() == 1) {
    report->candidates = datasets.front().candidates;
    report->analysis = datasets.front().analysis;
    return;
  }
  report->candidates = MeanCandidates(datasets);
  const std::vector<Candidate>& means = report->candidates;
  std::vector<std::size_t> pool, leaning;
  for (std::size_t k = 0; k < means.size(); ++k) {
    if (!means[k].failure.empty()) continue;
    bool all_met = true, none_missed = true;
    for (const auto& d : datasets) {
      const CandidateAnalysis& on = d.analysis.candidates[k];
      all_met = all_met && on.meets_constraints;
      none_missed = none_missed && on.verdict != Verdict::kExcluded && on.total_relative_miss == 0.0;
    }
    if (all_met) pool.push_back(k);
    if (!all_met && none_missed) leaning.push_back(k);
  }
  const bool undecided = pool.empty() && !leaning.empty();
  if (undecided) pool = leaning;
  const auto p = [tests, &pool](std::size_t a, std::size_t b) -> std::optional<double> {
    std::optional<double> smallest;
    for (PairedTests& t : *tests) {
      const auto one = t.P(pool[a], pool[b]);
      if (one && (!smallest || *one < *smallest)) smallest = one;
    }
    if (!smallest) return std::nullopt;
    return std::min(1.0, static_cast<double>(tests->size()) * *smallest);
  };
  const AccuracyMeasure measure{"mean " + RankedName(report->ranked_metric), "paired bootstrap (Bonferroni)", p};
  std::vector<Candidate> pooled;
  for (std::size_t k : pool) pooled.push_back(means[k]);
  const Analysis ranked = Analyze(pooled, {}, spec.objective, measure);
  // Frontiers over every measured candidate, constraints aside.
  const Analysis all = Analyze(means, {}, spec.objective, AccuracyMeasure{measure.name, measure.test, {}});
  Analysis& out = report->analysis;
  out.rests_on_undecided = undecided;
  for (std::size_t k = 0; k < means.size(); ++k) {
    const auto j = std::find(pool.begin(), pool.end(), k);
    CandidateAnalysis a = j != pool.end() ? ranked.candidates[static_cast<std::size_t>(j - pool.begin())]
                                          : OutOfPool(datasets, means[k], k);
    a.meets_constraints = j != pool.end() && !undecided;
    a.on_latency_frontier = all.candidates[k].on_latency_frontier;
    a.on_memory_frontier = all.candidates[k].on_memory_frontier;
    a.on_size_frontier = all.candidates[k].on_size_frontier;
    out.candidates.push_back(std::move(a));
  }
  if (ranked.recommended) {
    out.recommended = pool[*ranked.recommended];
    out.recommendation_reasons.push_back(
        undecided ? "no candidate meets the constraints on every dataset for certain: this recommendation rests on "
                    "undecided verdicts, not misses"
                  : fmt::format("meets the constraints ({}) on every dataset", DescribeConstraints(spec.constraints)));
    for (const auto& reason : ranked.recommendation_reasons) {
      if (reason != "no constraints are set") out.recommendation_reasons.push_back(reason);
    }
  } else {
    for (std::size_t k = 0; k < means.size(); ++k) {
      if (!means[k].failure.empty()) continue;
      if (!out.closest || out.candidates[k].total_relative_miss < out.candidates[*out.closest].total_relative_miss) {
        out.closest = k;
      }
    }
  }
}

}  // namespace

StudyReport AssembleDetectionReport(const StudySpec& spec, const StudyPlan& plan,
                                    const DetectionMeasurements& measured) {
  StudyReport report = NewStudyReport(spec, plan, measured.measured, measured.reused, measured.failed);
  report.protocol = spec.detection.protocol;
  report.ranked_metric = RankedMetric(spec);
  std::vector<Candidate> planned;
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    for (std::size_t s = 0; s < plan.settings.size(); ++s) planned.push_back(PlannedCandidate(plan, i, s));
  }
  std::vector<PairedTests> tests(measured.datasets.size(), PairedTests({}, ""));
  for (std::size_t d = 0; d < measured.datasets.size(); ++d) {
    DetectionReportSection section;
    report.detection_datasets.push_back(
        AssembleDataset(spec, plan, measured, d, report.ranked_metric, planned, &tests[d], &section, &report.failures));
    report.detection.push_back(std::move(section));
  }
  AssembleOverall(spec, &tests, &report);
  report.reference_p.assign(report.candidates.size(), std::nullopt);
  report.dataset = report.detection_datasets.size() == 1 ? report.detection_datasets.front().description
                                                         : fmt::format("{} datasets", report.detection_datasets.size());
  return report;
}

}  // namespace sweetspot
