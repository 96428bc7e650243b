// The renderings of a keypoint study's report (study_report.h): a table of
// the labelled persons' figures (PCK at each alpha, OKS, AP, confidence and
// its drop against the reference, the end-to-end time per crop), a table of
// the stability on video against the reference (jitter and each joint
// angle's noise, with intervals and verdicts), then the recommendation with
// its stability figures and why each other candidate lost.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "study/keypoint_study.h"
#include "study/report_tables.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using nlohmann::json;

std::string Pct(double fraction) { return fmt::format("{:.1f}", 100 * fraction); }

// "73.3 [60.1, 85.0]", or the figure alone without an interval.
std::string PctCi(const Estimate& e) {
  if (!e.ci.valid) return Pct(e.value);
  return fmt::format("{} [{}, {}]", Pct(e.value), Pct(e.ci.lower), Pct(e.ci.upper));
}

std::string Ms(double ms) { return fmt::format("{:.3g}", ms); }

// "1.23 [1.01, 1.50]": a noise figure with its interval.
std::string Noise(double value, const stats::Interval& ci) {
  if (!ci.valid) return fmt::format("{:.3g}", value);
  return fmt::format("{:.3g} [{:.3g}, {:.3g}]", value, ci.lower, ci.upper);
}

const KeypointStudySection& Section(const StudyReport& r) { return *r.keypoint_study; }

std::string ReferenceName(const StudyReport& r) {
  return r.reference ? r.candidates[*r.reference].model : std::string("none");
}

std::vector<std::string> Header(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  std::vector<std::string> header = {"name", "engine"};
  for (std::size_t a = 0; a < k.pck_alphas.size(); ++a) {
    header.push_back(fmt::format("PCK@{:g} %{}", k.pck_alphas[a], a == 0 ? " (95 % CI)" : ""));
  }
  for (const char* h : {"OKS % (95 % CI)", "AP %", "confidence", "confidence drop % vs ref (95 % CI)",
                        "PCK vs ref points (p)", "total p50 ms (95 % CI)", "p99 ms", "frontier", "verdict"}) {
    header.emplace_back(h);
  }
  return header;
}

std::string VsReference(const KeypointCandidateResult& x) {
  if (!x.vs_reference || x.vs_reference->pck.empty()) return "reference";
  const auto& d = x.vs_reference->pck.front();
  return fmt::format("{:+.1f} (p = {})", 100 * d.diff.value, PValueText(d.p_value));
}

std::string Drop(const KeypointCandidateResult& x) {
  if (!x.confidence_drop) return "-";
  const Estimate& d = x.confidence_drop->drop_percent;
  std::string text = fmt::format("{:+.1f}", d.value);
  if (d.ci.valid) text += fmt::format(" [{:+.1f}, {:+.1f}]", d.ci.lower, d.ci.upper);
  return text;
}

std::vector<std::vector<std::string>> Rows(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    const std::string verdict(VerdictName(r.analysis.candidates[c].verdict));
    std::vector<std::string> row = {r.candidates[c].name};
    if (!k.results[c]) {
      row.resize(Header(r).size() - 1, "-");
      row.push_back(verdict);
      rows.push_back(std::move(row));
      continue;
    }
    const KeypointCandidateResult& x = *k.results[c];
    const KeypointMetrics& m = x.metrics;
    row.push_back(x.engine);
    for (std::size_t a = 0; a < m.pck.size(); ++a)
      row.push_back(a == 0 ? PctCi(m.pck[a].pck) : Pct(m.pck[a].pck.value));
    row.push_back(m.oks.value < 0 ? "-" : PctCi(m.oks));
    row.push_back(m.ap.value < 0 ? "-" : Pct(m.ap.value));
    row.push_back(fmt::format("{:.3f}", m.confidence_mean.value));
    row.push_back(Drop(x));
    row.push_back(VsReference(x));
    std::string total = Ms(x.speed.total_p50_ms);
    if (x.speed.total_p50_ci.valid) {
      total += fmt::format(" [{}, {}]", Ms(x.speed.total_p50_ci.lower), Ms(x.speed.total_p50_ci.upper));
    }
    row.push_back(total);
    row.push_back(Ms(x.speed.total_p99_ms));
    row.push_back(r.analysis.candidates[c].on_latency_frontier ? "yes" : "no");
    row.push_back(verdict);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> StabilityHeader() {
  return {"name: figure", "measured", "model (95 % CI)", "reference (95 % CI)", "difference (95 % CI)", "p", "verdict"};
}

// One figure of a candidate against the reference; the reference's own figure alone.
std::vector<std::string> StabilityRow(const std::string& name, const PairedStability& p, bool reference) {
  if (p.count == 0) return {name, "0", "-", "-", "-", "-", p.verdict.empty() ? "not measured" : p.verdict};
  if (reference) return {name, std::to_string(p.count), Noise(p.a.value, p.a.ci), "-", "-", "-", "reference"};
  return {name,
          std::to_string(p.count),
          Noise(p.a.value, p.a.ci),
          Noise(p.b.value, p.b.ci),
          Noise(p.diff, p.diff_ci),
          PValueText(p.p_value),
          p.verdict};
}

std::vector<std::vector<std::string>> StabilityRows(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    if (!k.results[c] || !k.results[c]->stability) continue;
    const KeypointStabilityComparison& s = *k.results[c]->stability;
    const bool reference = r.reference == c;
    rows.push_back(StabilityRow(r.candidates[c].name + ": jitter px/frame^2", s.overall_jitter_px, reference));
    for (const PairedStability& angle : s.angle_noise_deg) {
      rows.push_back(
          StabilityRow(fmt::format("{}: {} noise deg/frame^2", r.candidates[c].name, angle.name), angle, reference));
    }
  }
  return rows;
}

// "jitter 1.23 px/frame^2 [1.01, 1.50] vs 1.10 [0.95, 1.30] for I: no measurable difference (p = 0.412)".
std::string PairedLine(const std::string& figure, const char* unit, const PairedStability& p, const std::string& ref) {
  return fmt::format("{} {} {} vs {} for {}: {}", figure, Noise(p.a.value, p.a.ci), unit, Noise(p.b.value, p.b.ci), ref,
                     p.verdict);
}

// The stability figures of candidate c against the reference, one bullet each.
std::string StabilityLines(const StudyReport& r, std::size_t c, const std::string& bullet) {
  const KeypointStudySection& k = Section(r);
  if (!k.results[c]) return "";
  const KeypointCandidateResult& x = *k.results[c];
  const std::string ref = ReferenceName(r);
  std::string out;
  if (x.confidence_drop) {
    const Estimate& d = x.confidence_drop->drop_percent;
    out += fmt::format("{}confidence drop against {} on the labelled persons: {:+.1f} %{} (p = {})\n", bullet, ref,
                       d.value, d.ci.valid ? fmt::format(" [{:+.1f}, {:+.1f}]", d.ci.lower, d.ci.upper) : "",
                       PValueText(x.confidence_drop->p_value));
  }
  if (!x.stability) return out;
  const KeypointStabilityComparison& s = *x.stability;
  if (r.reference == c) {
    out += fmt::format("{}its own jitter on its confident joints: {} px/frame^2\n", bullet,
                       Noise(s.overall_jitter_px.a.value, s.overall_jitter_px.a.ci));
    for (const PairedStability& angle : s.angle_noise_deg) {
      if (angle.count > 0) {
        out += fmt::format("{}{} noise: {} deg/frame^2\n", bullet, angle.name, Noise(angle.a.value, angle.a.ci));
      }
    }
    return out;
  }
  out += bullet + PairedLine("jitter", "px/frame^2", s.overall_jitter_px, ref) + "\n";
  std::vector<std::string> unmeasured;
  for (const PairedStability& angle : s.angle_noise_deg) {
    if (angle.count == 0) {
      unmeasured.push_back(angle.name);
      continue;
    }
    out += bullet + PairedLine(angle.name + " noise", "deg/frame^2", angle, ref) + "\n";
  }
  if (!unmeasured.empty()) {
    out += fmt::format("{}not measured (no frames where its joints are confident in both models): {}\n", bullet,
                       Joined(unmeasured));
  }
  return out;
}

// The recommendation's stability figures, and every other candidate's
// against the reference when the recommendation is the reference itself.
std::string RecommendationStability(const StudyReport& r, const std::string& bullet) {
  const KeypointStudySection& k = Section(r);
  if (!r.analysis.recommended) return "";
  const std::size_t c = *r.analysis.recommended;
  std::string out;
  const std::string video = k.video.empty()
                                ? "no video run (add [video] for the stability figures)"
                                : fmt::format("on {} frames of {}, joints confident (>= {:g}) in both models", k.frames,
                                              k.video, k.min_confidence);
  out += fmt::format("Stability of {} ({}):\n", r.candidates[c].name, video);
  out += StabilityLines(r, c, bullet);
  if (r.reference != c) return out;
  for (std::size_t other = 0; other < r.candidates.size(); ++other) {
    if (other == c || !k.results[other]) continue;
    out += fmt::format("Stability of {} against it:\n", r.candidates[other].name);
    out += StabilityLines(r, other, bullet);
  }
  return out;
}

std::string Title(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  return fmt::format(
      "Study '{}' (keypoints): {} candidate(s) on {}, {} persons; PCK ({}-normalised) ranked at {:g}; "
      "reference {}",
      r.study, r.candidates.size(), k.dataset, k.persons, k.normalization, k.pck_alphas.front(), ReferenceName(r));
}

std::string Conditions(const StudyReport& r) {
  return fmt::format(
      "objective {}; constraints: {}; latency = crop and preprocessing + network + decoding per person crop "
      "(single-stream; the labelled persons' and the video frames')",
      ObjectiveName(r.objective), DescribeConstraints(r.constraints));
}

std::string StabilityTitle(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  if (k.video.empty()) return "";
  std::string title = fmt::format(
      "Stability on {}: {} tracked frames{}, against the reference {}, on joints "
      "confident (>= {:g}) in both; 95 % moving-block bootstrap intervals",
      k.video, k.frames, k.fps > 0 ? fmt::format(" at {:g} fps", k.fps) : "", ReferenceName(r), k.min_confidence);
  if (!k.video_note.empty()) title += "\n  note: " + k.video_note;
  return title;
}

json EstimateJson(const Estimate& e) { return {{"value", e.value}, {"ci95", IntervalJson(e.ci)}}; }

json CandidateJson(const StudyReport& r, std::size_t c) {
  const Candidate& candidate = r.candidates[c];
  const CandidateAnalysis& a = r.analysis.candidates[c];
  json j = {{"name", candidate.name},
            {"model", candidate.model},
            {"setting", candidate.setting},
            {"failure", candidate.failure.empty() ? json(nullptr) : json(candidate.failure)},
            {"verdict", VerdictName(a.verdict)},
            {"reasons", a.reasons},
            {"meets_constraints", a.meets_constraints},
            {"on_latency_frontier", a.on_latency_frontier},
            {"reference", r.reference == c}};
  const auto& result = Section(r).results[c];
  if (!result) return j;
  j["engine"] = result->engine;
  j["metrics"] = ToJson(result->metrics);
  j["vs_reference"] = result->vs_reference ? ToJson(*result->vs_reference) : json(nullptr);
  j["confidence_drop"] = result->confidence_drop ? ToJson(*result->confidence_drop) : json(nullptr);
  j["stability"] = result->stability ? ToJson(*result->stability) : json(nullptr);
  const DetectionSpeedSplit& s = result->speed;
  j["speed"] = {{"preprocess_p50_ms", s.preprocess_p50_ms},       {"network_p50_ms", s.network_p50_ms},
                {"postprocess_p50_ms", s.postprocess_p50_ms},     {"total_p50_ms", s.total_p50_ms},
                {"total_p50_ci95", IntervalJson(s.total_p50_ci)}, {"total_p99_ms", s.total_p99_ms},
                {"total_p99_ci95", IntervalJson(s.total_p99_ci)}, {"total_mean_ms", s.total_mean_ms}};
  j["pck"] = EstimateJson(result->metrics.pck.front().pck);
  return j;
}

}  // namespace

std::string RenderKeypointStudyText(const StudyReport& r) {
  std::string out = Title(r) + "\n" + Conditions(r) + "\n";
  for (const auto& note : r.dataset_notes) out += "  note: " + note + "\n";
  out += "\n" + TextTable(Header(r), Rows(r));
  if (const std::string title = StabilityTitle(r); !title.empty()) {
    out += "\n" + title + "\n" + TextTable(StabilityHeader(), StabilityRows(r));
  }
  out += "\n" + Verdicts(r.candidates, r.analysis, "", "  - ") + RecommendationStability(r, "  - ");
  for (const auto& warning : r.warnings) out += "warning: " + warning + "\n";
  return out + MeasuredFooter(r) + "\n";
}

std::string RenderKeypointStudyMarkdown(const StudyReport& r) {
  std::string out = fmt::format("# Study `{}` (keypoints)\n\n{}.\n\n{}.\n\n", r.study, Title(r), Conditions(r));
  for (const auto& note : r.dataset_notes) out += "- note: " + note + "\n";
  out += MarkdownTable(Header(r), Rows(r));
  if (const std::string title = StabilityTitle(r); !title.empty()) {
    out += "\n## Stability\n\n" + title + ".\n\n" + MarkdownTable(StabilityHeader(), StabilityRows(r));
  }
  out += "\n## Recommendation\n\n" + Verdicts(r.candidates, r.analysis, "", "- ") + RecommendationStability(r, "- ");
  return out + "\n" + MeasuredFooter(r) + ".\n";
}

std::string RenderKeypointStudyJson(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  json candidates = json::array();
  for (std::size_t c = 0; c < r.candidates.size(); ++c) candidates.push_back(CandidateJson(r, c));
  json failures = json::array();
  for (const Status& f : r.failures) failures.push_back(f.message());
  json out = {{"schema", "sweetspot.study/1"},
              {"task", "keypoints"},
              {"study", r.study},
              {"spec", r.spec_path},
              {"db", r.db_path},
              {"dataset", k.dataset},
              {"persons", k.persons},
              {"pck_alphas", k.pck_alphas},
              {"normalization", k.normalization},
              {"video", k.video.empty() ? json(nullptr) : json(k.video)},
              {"frames", k.frames},
              {"video_note", k.video_note},
              {"reference", r.reference ? json(ReferenceName(r)) : json(nullptr)},
              {"objective", ObjectiveName(r.objective)},
              {"constraints", DescribeConstraints(r.constraints)},
              {"candidates", candidates},
              {"failures", failures},
              {"warnings", r.warnings},
              {"measured", r.measured},
              {"reused", r.reused},
              {"failed", r.failed}};
  out.update(AnalysisJson(r.candidates, r.analysis));
  return DumpJson(out, 2) + "\n";
}

std::string RenderKeypointStudyCsv(const StudyReport& r) {
  const KeypointStudySection& k = Section(r);
  std::string out =
      "name,engine,pck,pck_low,pck_high,oks,ap,confidence,confidence_drop_percent,jitter_px,"
      "noisiest_angle,angle_noise_deg,total_p50_ms,total_p99_ms,verdict,reasons\n";
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    const Candidate& candidate = r.candidates[c];
    std::string figures = ",,,,,,,,,,,,";
    if (k.results[c] && candidate.keypoints) {
      const KeypointCandidateResult& x = *k.results[c];
      const Candidate::KeypointFigures& f = *candidate.keypoints;
      const bool video = f.frames > 0;
      figures = fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}", CsvField(x.engine), f.pck, f.pck_ci.lower,
                            f.pck_ci.upper, x.metrics.oks.value, x.metrics.ap.value, x.metrics.confidence_mean.value,
                            x.confidence_drop ? fmt::format("{}", x.confidence_drop->drop_percent.value) : "",
                            video ? fmt::format("{}", f.jitter_px) : "", CsvField(f.noisiest_angle),
                            video && !f.noisiest_angle.empty() ? fmt::format("{}", f.angle_noise_deg) : "",
                            x.speed.total_p50_ms, x.speed.total_p99_ms);
    }
    const CandidateAnalysis& a = r.analysis.candidates[c];
    out += fmt::format("{},{},{},{}\n", CsvField(candidate.name), figures, VerdictName(a.verdict),
                       CsvField(Joined(a.reasons)));
  }
  return out;
}

}  // namespace sweetspot
