// The renderings of a detection study's report (study_report.h): per dataset
// a table of the mAPs with their intervals, the difference to the most
// accurate, AP by object size and the end-to-end time split by stage, then
// the recommendation and why each other candidate lost; with several
// datasets, the overall ranking after them.
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "study/detection_study.h"
#include "study/report_tables.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using nlohmann::json;

std::string Pct(double fraction) { return fmt::format("{:.2f}", 100 * fraction); }

// "45.20 [43.10, 47.30]", or the figure alone without an interval.
std::string PctCi(double fraction, const stats::Interval& ci) {
  if (!ci.valid) return Pct(fraction);
  return fmt::format("{} [{}, {}]", Pct(fraction), Pct(ci.lower), Pct(ci.upper));
}

std::string Ms(double ms) { return fmt::format("{:.3g}", ms); }

std::string Ap(double ap) { return ap < 0 ? "-" : Pct(ap); }

// Images per second: whole images from 100 up, three digits below.
std::string Rate(double items_per_s) {
  return items_per_s >= 100 ? fmt::format("{:.0f}", items_per_s) : fmt::format("{:.3g}", items_per_s);
}

// "812 [790, 835]": the candidate's throughput with its interval, when it has one.
std::string RateCi(const Candidate& c) {
  if (!c.items_per_s_ci.valid) return Rate(c.items_per_s);
  return fmt::format("{} [{}, {}]", Rate(c.items_per_s), Rate(c.items_per_s_ci.lower), Rate(c.items_per_s_ci.upper));
}

std::string RankedName(const StudyReport& r) { return r.ranked_metric == "map50" ? "mAP@0.5" : "mAP@[.5:.95]"; }

// "-3.10 [-5.20, -1.00] (p = 0.004)": the ranked mAP's difference to the most accurate.
std::string VsBest(const StudyReport& r, const DetectionCandidateResult& result) {
  if (!result.vs_best) return "best";
  const DetectionComparison& v = *result.vs_best;
  const bool map50 = r.ranked_metric == "map50";
  const double diff = map50 ? v.map50_diff : v.map50_95_diff;
  const stats::Interval& ci = map50 ? v.map50_diff_ci : v.map50_95_diff_ci;
  std::string text = fmt::format("{:+.2f}", 100 * diff);
  if (ci.valid) text += fmt::format(" [{:+.2f}, {:+.2f}]", 100 * ci.lower, 100 * ci.upper);
  if (v.metric == r.ranked_metric) text += fmt::format(" (p = {})", PValueText(v.p_value));
  return text;
}

std::vector<std::string> DatasetHeader(const StudyReport& r) {
  return {"name",
          "mAP@[.5:.95] % (95 % CI)",
          "mAP@0.5 % (95 % CI)",
          fmt::format("vs best {} points", RankedName(r)),
          "AP S/M/L %",
          "pre-proc p50 ms",
          "network p50 ms",
          "decode+NMS p50 ms",
          "total p50 ms (95 % CI)",
          "images/s (95 % CI)",
          "frontier",
          "verdict"};
}

std::vector<std::vector<std::string>> DatasetRows(const StudyReport& r, const DetectionStudyDataset& d) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t k = 0; k < d.candidates.size(); ++k) {
    const Candidate& c = d.candidates[k];
    const CandidateAnalysis& a = d.analysis.candidates[k];
    const std::string verdict(VerdictName(a.verdict));
    if (!d.results[k]) {
      rows.push_back({c.name, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", verdict});
      continue;
    }
    const DetectionCandidateResult& x = *d.results[k];
    const DetectionMetrics& m = x.metrics;
    const DetectionSpeedSplit& s = x.speed;
    std::string total = Ms(s.total_p50_ms);
    if (s.total_p50_ci.valid) total += fmt::format(" [{}, {}]", Ms(s.total_p50_ci.lower), Ms(s.total_p50_ci.upper));
    rows.push_back({c.name, PctCi(m.map50_95, m.map50_95_ci), PctCi(m.map50, m.map50_ci), VsBest(r, x),
                    fmt::format("{}/{}/{}", Ap(m.ap_small), Ap(m.ap_medium), Ap(m.ap_large)), Ms(s.preprocess_p50_ms),
                    Ms(s.network_p50_ms), Ms(s.postprocess_p50_ms), total, RateCi(c),
                    a.on_latency_frontier ? "yes" : "no", verdict});
  }
  return rows;
}

std::vector<std::string> OverallHeader(const StudyReport& r) {
  return {"name", fmt::format("mean {} %", RankedName(r)), "mean total p50 ms", "images/s", "frontier", "verdict"};
}

std::vector<std::vector<std::string>> OverallRows(const StudyReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t k = 0; k < r.candidates.size(); ++k) {
    const Candidate& c = r.candidates[k];
    const CandidateAnalysis& a = r.analysis.candidates[k];
    const bool measured = c.failure.empty();
    rows.push_back({c.name, measured ? Pct(c.top1) : "-", measured ? Ms(c.p50_ms) : "-",
                    measured ? Rate(c.items_per_s) : "-", a.on_latency_frontier ? "yes" : "no",
                    std::string(VerdictName(a.verdict))});
  }
  return rows;
}

std::string Title(const StudyReport& r) {
  return fmt::format("Study '{}' (detection): {} candidate(s) on {} dataset(s); protocol {}, ranked on {}", r.study,
                     r.candidates.size(), r.detection_datasets.size(), r.protocol, RankedName(r));
}

// How the measured candidates were timed: "per image (single-stream)", "per
// batch of 1 or 8 images (offline; ...)", or both.
std::string TimedPer(const StudyReport& r) {
  bool single = false;
  std::set<std::int64_t> batches;
  for (const DetectionStudyDataset& d : r.detection_datasets) {
    for (const auto& result : d.results) {
      if (!result) continue;
      if (result->speed.scenario == ScenarioName(Scenario::kOffline)) {
        batches.insert(result->speed.batch_size);
      } else {
        single = true;
      }
    }
  }
  std::vector<std::string> parts;
  if (single || batches.empty()) parts.emplace_back("per image (single-stream)");
  if (!batches.empty()) {
    const bool one = batches.size() == 1 && *batches.begin() == 1;
    parts.push_back(fmt::format("per batch of {} image{} (offline; images/s over the whole run)",
                                fmt::join(batches, " or "), one ? "" : "s"));
  }
  return fmt::format("{}", fmt::join(parts, " and "));
}

std::string Conditions(const StudyReport& r) {
  return fmt::format("objective {}; constraints: {}; latency = pre-processing + network + decoding and NMS {}",
                     ObjectiveName(r.objective), DescribeConstraints(r.constraints), TimedPer(r));
}

std::string DatasetTitle(const DetectionStudyDataset& d) {
  return fmt::format("Dataset '{}': {}, {} images", d.name, d.description, d.images);
}

json ComparisonJson(const std::optional<DetectionComparison>& v) {
  if (!v) return nullptr;
  return {{"map50_95_diff", v->map50_95_diff},
          {"map50_95_diff_ci95", IntervalJson(v->map50_95_diff_ci)},
          {"map50_diff", v->map50_diff},
          {"map50_diff_ci95", IntervalJson(v->map50_diff_ci)},
          {"p_value", v->p_value},
          {"p_value_metric", v->metric},
          {"images", v->images}};
}

json SpeedJson(const DetectionSpeedSplit& s) {
  return {{"scenario", s.scenario},
          {"batch_size", s.batch_size},
          {"preprocess_p50_ms", s.preprocess_p50_ms},
          {"network_p50_ms", s.network_p50_ms},
          {"postprocess_p50_ms", s.postprocess_p50_ms},
          {"total_p50_ms", s.total_p50_ms},
          {"total_p50_ci95", IntervalJson(s.total_p50_ci)},
          {"total_p99_ms", s.total_p99_ms},
          {"total_mean_ms", s.total_mean_ms},
          {"preprocess_items_per_s", s.preprocess_items_per_s},
          {"network_items_per_s", s.network_items_per_s},
          {"postprocess_items_per_s", s.postprocess_items_per_s}};
}

json DatasetJson(const DetectionStudyDataset& d) {
  json candidates = json::array();
  for (std::size_t k = 0; k < d.candidates.size(); ++k) {
    const Candidate& c = d.candidates[k];
    const CandidateAnalysis& a = d.analysis.candidates[k];
    json j = {{"name", c.name},
              {"failure", c.failure.empty() ? json(nullptr) : json(c.failure)},
              {"verdict", VerdictName(a.verdict)},
              {"reasons", a.reasons},
              {"meets_constraints", a.meets_constraints},
              {"on_latency_frontier", a.on_latency_frontier}};
    if (d.results[k]) {
      const DetectionMetrics& m = d.results[k]->metrics;
      j["map50_95"] = m.map50_95;
      j["map50_95_ci95"] = IntervalJson(m.map50_95_ci);
      j["map50"] = m.map50;
      j["map50_ci95"] = IntervalJson(m.map50_ci);
      j["map75"] = m.map75;
      j["ap_small"] = m.ap_small;
      j["ap_medium"] = m.ap_medium;
      j["ap_large"] = m.ap_large;
      j["ar100"] = m.ar100;
      j["images"] = m.images;
      j["vs_best"] = ComparisonJson(d.results[k]->vs_best);
      j["scenario"] = d.results[k]->speed.scenario;
      j["batch_size"] = d.results[k]->speed.batch_size;
      j["items_per_s"] = c.items_per_s;
      j["items_per_s_ci95"] = IntervalJson(c.items_per_s_ci);
      j["speed"] = SpeedJson(d.results[k]->speed);
    }
    candidates.push_back(std::move(j));
  }
  json out = {{"name", d.name},
              {"description", d.description},
              {"images", d.images},
              {"notes", d.notes},
              {"candidates", candidates}};
  out.update(AnalysisJson(d.candidates, d.analysis));
  return out;
}

}  // namespace

std::string RenderDetectionStudyText(const StudyReport& r) {
  std::string out = Title(r) + "\n" + Conditions(r) + "\n";
  const bool several = r.detection_datasets.size() > 1;
  for (const DetectionStudyDataset& d : r.detection_datasets) {
    out += "\n" + DatasetTitle(d) + "\n";
    for (const auto& note : d.notes) out += "  note: " + note + "\n";
    out += TextTable(DatasetHeader(r), DatasetRows(r, d));
    out += Verdicts(d.candidates, d.analysis, several ? " on " + d.name : "", "  - ");
  }
  if (several) {
    out += "\nOverall (a candidate must meet the constraints on every dataset; figures are means over them)\n";
    out += TextTable(OverallHeader(r), OverallRows(r));
    out += Verdicts(r.candidates, r.analysis, " overall", "  - ");
  }
  for (const auto& warning : r.warnings) out += "warning: " + warning + "\n";
  return out + MeasuredFooter(r) + "\n";
}

std::string RenderDetectionStudyMarkdown(const StudyReport& r) {
  std::string out = fmt::format("# Study `{}` (detection)\n\n{}.\n\n{}.\n", r.study, Title(r), Conditions(r));
  const bool several = r.detection_datasets.size() > 1;
  for (const DetectionStudyDataset& d : r.detection_datasets) {
    out += fmt::format("\n## {}\n\n", DatasetTitle(d));
    for (const auto& note : d.notes) out += "- note: " + note + "\n";
    out += MarkdownTable(DatasetHeader(r), DatasetRows(r, d)) + "\n";
    out += Verdicts(d.candidates, d.analysis, several ? " on " + d.name : "", "- ");
  }
  if (several) {
    out += "\n## Overall\n\nA candidate must meet the constraints on every dataset; figures are means over them.\n\n";
    out += MarkdownTable(OverallHeader(r), OverallRows(r)) + "\n";
    out += Verdicts(r.candidates, r.analysis, " overall", "- ");
  }
  return out + "\n" + MeasuredFooter(r) + ".\n";
}

// A CSV row's figures: a measured candidate's, else as many empty fields.
constexpr std::size_t kCsvFigures = 18;

std::string CsvFigures(const DetectionCandidateResult& x, const Candidate& c) {
  const DetectionMetrics& m = x.metrics;
  const DetectionSpeedSplit& s = x.speed;
  const auto bound = [&](double v) { return c.items_per_s_ci.valid ? fmt::format("{}", v) : std::string(); };
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", m.map50_95, m.map50_95_ci.lower,
                     m.map50_95_ci.upper, m.map50, m.map50_ci.lower, m.map50_ci.upper, m.ap_small, m.ap_medium,
                     m.ap_large, s.preprocess_p50_ms, s.network_p50_ms, s.postprocess_p50_ms, s.total_p50_ms,
                     s.scenario, s.batch_size, c.items_per_s, bound(c.items_per_s_ci.lower),
                     bound(c.items_per_s_ci.upper));
}

std::string RenderDetectionStudyCsv(const StudyReport& r) {
  const auto field = CsvField;
  std::string out =
      "dataset,name,map50_95,map50_95_low,map50_95_high,map50,map50_low,map50_high,ap_small,ap_medium,ap_large,"
      "preprocess_p50_ms,network_p50_ms,postprocess_p50_ms,total_p50_ms,scenario,batch_size,items_per_s,"
      "items_per_s_low,items_per_s_high,verdict,reasons\n";
  for (const DetectionStudyDataset& d : r.detection_datasets) {
    for (std::size_t k = 0; k < d.candidates.size(); ++k) {
      const std::string figures =
          d.results[k] ? CsvFigures(*d.results[k], d.candidates[k]) : std::string(kCsvFigures - 1, ',');
      const CandidateAnalysis& a = d.analysis.candidates[k];
      out += fmt::format("{},{},{},{},{}\n", field(d.name), field(d.candidates[k].name), figures,
                         VerdictName(a.verdict), field(Joined(a.reasons)));
    }
  }
  return out;
}

std::string RenderDetectionStudyJson(const StudyReport& r) {
  json datasets = json::array();
  for (const DetectionStudyDataset& d : r.detection_datasets) datasets.push_back(DatasetJson(d));
  json overall = json::array();
  for (std::size_t k = 0; k < r.candidates.size(); ++k) {
    const Candidate& c = r.candidates[k];
    const CandidateAnalysis& a = r.analysis.candidates[k];
    overall.push_back({{"name", c.name},
                       {"model", c.model},
                       {"setting", c.setting},
                       {"failure", c.failure.empty() ? json(nullptr) : json(c.failure)},
                       {"ranked_map_mean", c.top1},
                       {"total_p50_ms_mean", c.p50_ms},
                       {"items_per_s_mean", c.items_per_s},
                       {"size_bytes", c.size_bytes},
                       {"verdict", VerdictName(a.verdict)},
                       {"reasons", a.reasons}});
  }
  json failures = json::array();
  for (const Status& f : r.failures) failures.push_back(f.message());
  json out = {{"schema", "sweetspot.study/1"},
              {"task", "detection"},
              {"study", r.study},
              {"spec", r.spec_path},
              {"db", r.db_path},
              {"protocol", r.protocol},
              {"ranked_metric", r.ranked_metric},
              {"objective", ObjectiveName(r.objective)},
              {"constraints", DescribeConstraints(r.constraints)},
              {"datasets", datasets},
              {"overall", {{"candidates", overall}}},
              {"failures", failures},
              {"warnings", r.warnings},
              {"measured", r.measured},
              {"reused", r.reused},
              {"failed", r.failed}};
  out["overall"].update(AnalysisJson(r.candidates, r.analysis));
  return DumpJson(out, 2) + "\n";
}

}  // namespace sweetspot
