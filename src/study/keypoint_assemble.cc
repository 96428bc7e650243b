#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "study/keypoint_study.h"
#include "sweetspot/keypoint_eval_summary.h"

namespace sweetspot {
namespace {

KeypointMetricOptions MetricOptions(const StudySpec& spec) {
  KeypointMetricOptions options;
  options.pck_alphas = spec.keypoints.pck_alphas;
  options.normalization = spec.keypoints.normalization;
  if (spec.seed != 0) options.seed = spec.seed;
  return options;
}

// The split of every timed crop (the labelled persons', then the video
// frames'), and each crop's end-to-end time in `totals`.
DetectionSpeedSplit SpeedOf(const std::vector<const KeypointStageTimes*>& times, std::vector<double>* totals) {
  std::vector<double> pre, net, post;
  for (const KeypointStageTimes* t : times) {
    for (std::size_t k = 0; k < t->network_ms.size(); ++k) {
      pre.push_back(t->preprocess_ms[k]);
      net.push_back(t->network_ms[k]);
      post.push_back(t->postprocess_ms[k]);
      totals->push_back(t->preprocess_ms[k] + t->network_ms[k] + t->postprocess_ms[k]);
    }
  }
  if (totals->empty()) return {};
  return SpeedSplitOf(stats::Summarize(pre).p50, stats::Summarize(net).p50, stats::Summarize(post).p50,
                      stats::Summarize(*totals));
}

// Model i's position in setting s's video run, if it ran there.
std::optional<std::size_t> VideoPosition(const KeypointMeasurements& m, std::size_t s, std::size_t i) {
  if (!m.videos[s]) return std::nullopt;
  const auto& models = m.video_models[s];
  const auto found = std::find(models.begin(), models.end(), i);
  if (found == models.end()) return std::nullopt;
  return static_cast<std::size_t>(found - models.begin());
}

// Model i against the reference on the video (the reference: against itself).
std::optional<KeypointStabilityComparison> StabilityOf(const StudySpec& spec, const StudyPlan& plan,
                                                       const KeypointMeasurements& m, std::size_t i, std::size_t s) {
  if (!m.references[s]) return std::nullopt;
  const auto a = VideoPosition(m, s, i), b = VideoPosition(m, s, *m.references[s]);
  if (!a || !b) return std::nullopt;
  const KeypointVideoResult& video = *m.videos[s];
  if (video.crops.empty()) return std::nullopt;
  StabilityOptions options;
  options.min_confidence = static_cast<float>(spec.video.min_confidence);
  if (spec.seed != 0) options.seed = spec.seed;
  return CompareKeypointStability(KeypointTrack{video.models[*a].frames}, KeypointTrack{video.models[*b].frames},
                                  video.schema, plan.models[i].name, plan.models[*m.references[s]].name, options);
}

// What the constraints judge: PCK, OKS, jitter and the noisiest angle.
Candidate::KeypointFigures Figures(const KeypointMetrics& m, const std::optional<KeypointStabilityComparison>& st) {
  Candidate::KeypointFigures f;
  f.pck = m.pck.front().pck.value;
  f.pck_ci = m.pck.front().pck.ci;
  f.persons = m.persons;
  if (m.oks.value >= 0) {
    f.oks = m.oks.value;
    f.oks_ci = m.oks.ci;
  }
  if (!st || st->overall_jitter_px.count == 0) return f;
  f.frames = st->frames;
  f.jitter_px = st->overall_jitter_px.a.value;
  f.jitter_ci = st->overall_jitter_px.a.ci;
  for (const PairedStability& angle : st->angle_noise_deg) {
    if (angle.count == 0 || (!f.noisiest_angle.empty() && angle.a.value <= f.angle_noise_deg)) continue;
    f.noisiest_angle = angle.name;
    f.angle_noise_deg = angle.a.value;
    f.angle_noise_ci = angle.a.ci;
  }
  return f;
}

// The paired bootstrap of two candidates' predictions on the same persons,
// computed once per pair: the p-value of the primary alpha's PCK difference.
class PairedPck {
 public:
  PairedPck(std::vector<const KeypointEvalResult*> results, KeypointMetricOptions options)
      : results_(std::move(results)), options_(std::move(options)) {}

  std::optional<double> P(std::size_t a, std::size_t b) {
    if (results_[a] == nullptr || results_[b] == nullptr) return std::nullopt;
    const auto key = std::minmax(a, b);
    if (auto found = cache_.find(key); found != cache_.end()) return found->second;
    auto compared = CompareKeypointResults(*results_[a], *results_[b], options_);
    std::optional<double> p;
    if (compared.ok() && !compared->accuracy.pck.empty()) p = compared->accuracy.pck.front().p_value;
    cache_.emplace(key, p);
    return p;
  }

 private:
  std::vector<const KeypointEvalResult*> results_;
  KeypointMetricOptions options_;
  std::map<std::pair<std::size_t, std::size_t>, std::optional<double>> cache_;
};

// Candidate (i, s) with its figures, and its result for the renderings.
std::optional<KeypointCandidateResult> Measure(const StudySpec& spec, const StudyPlan& plan,
                                               const KeypointMeasurements& m, std::size_t i, std::size_t s,
                                               Candidate* c) {
  const KeypointEvalResult& eval = *m.evals[i][s];
  const KeypointMetricOptions options = MetricOptions(spec);
  auto summary = SummarizeKeypointEval(eval, options);
  if (!summary.ok()) {
    c->failure = summary.status().message();
    return std::nullopt;
  }
  KeypointCandidateResult r;
  r.engine = eval.engine;
  r.metrics = summary->metrics;
  const std::optional<std::size_t> reference = m.references[s];
  if (reference && *reference != i && m.evals[*reference][s]) {
    auto compared = CompareKeypointResults(eval, *m.evals[*reference][s], options);
    if (compared.ok()) {
      r.vs_reference = compared->accuracy;
      r.confidence_drop = compared->confidence;
    }
  }
  r.stability = StabilityOf(spec, plan, m, i, s);
  std::vector<const KeypointStageTimes*> times = {&eval.times};
  if (const auto at = VideoPosition(m, s, i)) times.push_back(&m.videos[s]->models[*at].times);
  r.speed = SpeedOf(times, &c->latency_ms);
  c->top1 = r.metrics.pck.front().pck.value;
  c->top1_ci = r.metrics.pck.front().pck.ci;
  c->eval_count = r.metrics.persons;
  c->p50_ms = r.speed.total_p50_ms;
  c->p99_ms = r.speed.total_p99_ms;
  c->items_per_s = r.speed.total_mean_ms > 0 ? 1000.0 / r.speed.total_mean_ms : 0.0;
  FillLatencyIntervals(c);
  c->keypoints = Figures(r.metrics, r.stability);
  return r;
}

// The section's dataset and video facts.
KeypointStudySection Section(const StudySpec& spec, const KeypointMeasurements& m) {
  KeypointStudySection section;
  section.dataset = m.dataset;
  section.notes = m.notes;
  section.persons = m.persons;
  section.pck_alphas = spec.keypoints.pck_alphas;
  section.normalization = spec.keypoints.normalization;
  section.min_confidence = spec.video.min_confidence;
  if (spec.video.path.empty()) return section;
  section.video = spec.video.path.string();
  for (std::size_t s = 0; s < m.videos.size(); ++s) {
    if (!m.video_failures[s].ok() && section.video_note.empty()) section.video_note = m.video_failures[s].message();
    if (!m.videos[s] || section.frames > 0) continue;
    section.frames = static_cast<std::int64_t>(m.videos[s]->crops.size());
    section.fps = m.videos[s]->fps;
    if (!m.videos[s]->note.empty()) section.video_note = m.videos[s]->note;
  }
  return section;
}

// The HTML report's section of setting s's video: the recommended model
// (when it is one of s's candidates other than the reference, else s's
// fastest other) against the reference.
std::optional<KeypointReportSection> ReportSection(const StudySpec& spec, const StudyPlan& plan,
                                                   const KeypointMeasurements& m, const StudyReport& report,
                                                   std::size_t s) {
  if (!m.videos[s] || !m.references[s]) return std::nullopt;
  const std::size_t settings = plan.settings.size();
  const KeypointStudySection& section = *report.keypoint_study;
  const std::size_t reference = *m.references[s];
  std::optional<std::size_t> shown;  // into plan.models
  const auto candidate = [&](std::size_t i) -> const std::optional<KeypointCandidateResult>& {
    return section.results[i * settings + s];
  };
  const auto showable = [&](std::size_t i) { return i != reference && candidate(i) && candidate(i)->stability; };
  const std::optional<std::size_t> recommended = report.analysis.recommended;
  if (recommended && *recommended % settings == s && showable(*recommended / settings)) {
    shown = *recommended / settings;
  }
  const bool chosen = shown.has_value();
  for (std::size_t i = 0; i < plan.models.size() && !chosen; ++i) {
    if (!showable(i)) continue;
    if (!shown || candidate(i)->speed.total_p50_ms < candidate(*shown)->speed.total_p50_ms) shown = i;
  }
  const auto fast = shown ? VideoPosition(m, s, *shown) : std::nullopt;
  const auto accurate = VideoPosition(m, s, reference);
  if (!fast || !accurate) return std::nullopt;
  KeypointReportSection out;
  // One section per setting: named apart when there are several.
  if (settings > 1) out.name = fmt::format("{} [{}]", spec.video.path.stem().string(), plan.settings[s].Label());
  out.video = *m.videos[s];
  out.fast = *fast;
  out.accurate = *accurate;
  out.stability = *candidate(*shown)->stability;
  out.video_path = spec.video.path;
  return out;
}

// One section per runtime setting whose video run has two models to show.
std::vector<KeypointReportSection> ReportSections(const StudySpec& spec, const StudyPlan& plan,
                                                  const KeypointMeasurements& m, const StudyReport& report) {
  std::vector<KeypointReportSection> sections;
  for (std::size_t s = 0; s < m.videos.size(); ++s) {
    if (auto section = ReportSection(spec, plan, m, report, s)) sections.push_back(std::move(*section));
  }
  return sections;
}

}  // namespace

StudyReport AssembleKeypointReport(const StudySpec& spec, const StudyPlan& plan, const KeypointMeasurements& measured) {
  StudyReport report = NewStudyReport(spec, plan, measured.measured, measured.reused, measured.failed);
  report.ranked_metric = fmt::format("pck@{:g}", spec.keypoints.pck_alphas.front());
  report.dataset = measured.dataset;
  report.dataset_notes = measured.notes;
  report.dataset_samples = measured.persons;
  KeypointStudySection section = Section(spec, measured);
  const std::size_t settings = plan.settings.size();
  std::vector<const KeypointEvalResult*> evaluated;
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    for (std::size_t s = 0; s < settings; ++s) {
      Candidate c = PlannedCandidate(plan, i, s);
      std::optional<KeypointCandidateResult> result;
      const Status& failure = measured.eval_failures[i][s];
      if (measured.evals[i][s]) {
        result = Measure(spec, plan, measured, i, s, &c);
      } else {
        c.failure = failure.ok() ? "not measured" : failure.message();
        if (!failure.ok()) report.failures.push_back(failure.WithContext(c.name));
      }
      evaluated.push_back(result ? &*measured.evals[i][s] : nullptr);
      section.results.push_back(std::move(result));
      report.candidates.push_back(std::move(c));
      if (measured.references[s] == i && s == 0) section.reference = report.candidates.size() - 1;
    }
  }
  for (const Status& failure : measured.video_failures) {
    if (!failure.ok()) report.failures.push_back(failure.WithContext("video run"));
  }
  PairedPck tests(evaluated, MetricOptions(spec));
  const AccuracyMeasure measure{fmt::format("PCK@{:g}", spec.keypoints.pck_alphas.front()), "paired bootstrap",
                                [&tests](std::size_t a, std::size_t b) { return tests.P(a, b); }};
  report.analysis = Analyze(report.candidates, spec.constraints, spec.objective, measure);
  report.reference = section.reference;
  report.reference_p.assign(report.candidates.size(), std::nullopt);
  report.keypoint_study = std::move(section);
  report.keypoints = ReportSections(spec, plan, measured, report);
  return report;
}

}  // namespace sweetspot
