#include "sweetspot/study_report.h"

#include "study/detection_study.h"
#include "study/keypoint_study.h"
#include "study/report_tables.h"
#include "sweetspot/text_file.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

using nlohmann::json;

constexpr double kMegabyte = 1e6;

std::string Mb(std::int64_t bytes) { return fmt::format("{:.2f}", static_cast<double>(bytes) / kMegabyte); }

// 270000 -> "0.27 M", 40800000 -> "40.8 M", 1.2e9 -> "1.20 G".
std::string Count(std::int64_t n) {
  const double v = static_cast<double>(n);
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.3g} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.3g} k", v / 1e3);
  return fmt::format("{}", n);
}

std::string Ms(double ms) { return fmt::format("{:.3f}", ms); }

std::string Top1(const Candidate& c) {
  return fmt::format("{:.2f} % [{:.2f}, {:.2f}]", 100 * c.top1, 100 * c.top1_ci.lower, 100 * c.top1_ci.upper);
}

// "0.800 [0.790, 0.812]", or the figure alone when its interval is unknown.
std::string P50(const Candidate& c) {
  if (!c.p50_ci.valid) return Ms(c.p50_ms);
  return fmt::format("{} [{}, {}]", Ms(c.p50_ms), Ms(c.p50_ci.lower), Ms(c.p50_ci.upper));
}

// "CPU ms" beside "p50 ms": the process's CPU time per query (measure.h).
std::vector<std::string> Header() {
  return {"name",   "size MB", "params",  "MACs",     "top-1 (95 % CI)", "p50 ms (95 % CI)", "CPU ms",
          "p99 ms", "items/s", "peak MB", "model MB", "frontier",        "verdict"};
}

std::vector<std::vector<std::string>> Rows(const StudyReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const Candidate& c = r.candidates[i];
    const CandidateAnalysis& a = r.analysis.candidates[i];
    const std::string verdict(VerdictName(a.verdict));
    if (!c.failure.empty()) {
      rows.push_back({c.name, c.size_bytes > 0 ? Mb(c.size_bytes) : "-", c.param_count > 0 ? Count(c.param_count) : "-",
                      c.macs > 0 ? Count(c.macs) : "-", "-", "-", "-", "-", "-", "-", "-", "-", verdict});
      continue;
    }
    rows.push_back(
        {c.name, Mb(c.size_bytes), Count(c.param_count), Count(c.macs), Top1(c), P50(c),
         c.cpu_ms_per_inference > 0 ? Ms(c.cpu_ms_per_inference) : "-", Ms(c.p99_ms),
         fmt::format("{:.0f}", c.items_per_s),
         fmt::format("{:.1f}", static_cast<double>(c.peak_memory_bytes) / kMegabyte),
         c.model_memory_bytes > 0 ? fmt::format("{:.1f}", static_cast<double>(c.model_memory_bytes) / kMegabyte) : "-",
         a.on_latency_frontier ? "yes" : "no", verdict});
  }
  return rows;
}

std::string Reasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
  return out;
}

std::vector<std::string> FitLines(const StudyReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.analysis.fits) {
    if (f.latency_vs_macs.valid) {
      out.push_back(fmt::format("[{}] latency vs MACs: p50 = {:.4g} ms + {:.4g} ms per GMAC (R^2 = {:.3f}, {} points)",
                                f.setting, f.latency_vs_macs.intercept, f.latency_vs_macs.slope * 1e9,
                                f.latency_vs_macs.r_squared, f.latency_vs_macs.count));
    }
    if (f.accuracy_vs_latency.valid) {
      out.push_back(fmt::format(
          "[{}] accuracy vs latency: top-1 = {:.2f} % {} {:.4g} %*ms / p50 (R^2 = {:.3f}, {} points)", f.setting,
          100 * f.accuracy_vs_latency.a, f.accuracy_vs_latency.b < 0 ? "-" : "+",
          std::abs(100 * f.accuracy_vs_latency.b), f.accuracy_vs_latency.r_squared, f.accuracy_vs_latency.count));
    }
  }
  return out;
}

std::string Headline(const StudyReport& r) {
  return fmt::format("Study '{}': {} candidate(s) on {} ({} samples)", r.study, r.candidates.size(), r.dataset,
                     r.dataset_samples);
}

std::string Conditions(const StudyReport& r) {
  return fmt::format("objective {}; constraints: {}", ObjectiveName(r.objective), DescribeConstraints(r.constraints));
}

std::string Machine(const StudyReport& r) {
  return fmt::format("{}, {} logical cores, onnxruntime {}",
                     r.environment.cpu_model.empty() ? "unknown CPU" : r.environment.cpu_model,
                     r.environment.logical_cores, r.backend_version);
}

std::string NoRecommendation(const StudyReport& r) {
  std::string text = "no candidate meets the constraints";
  if (r.analysis.closest) {
    const std::size_t i = *r.analysis.closest;
    text += fmt::format("; the closest is {}: {}", r.candidates[i].name, Reasons(r.analysis.candidates[i].reasons));
  }
  return text;
}

// What a variant is and what was done to it: the heading
// "large/fp16 (fp16 of large)", then one line per note, the graph and the verdict.
struct VariantBlock {
  std::string heading;
  std::vector<std::string> lines;
};

std::vector<VariantBlock> VariantBlocks(const StudyReport& r) {
  std::vector<VariantBlock> blocks;
  for (const auto& v : r.variants) {
    VariantBlock block{fmt::format("{} ({} of {})", v.model, v.transform, v.parent), v.notes};
    for (std::string& line : RenderWorstSqnr(v.sqnr_worst, v.sqnr_layers)) block.lines.push_back(std::move(line));
    if (!v.diagnosis.empty()) block.lines.push_back(v.diagnosis);
    if (!v.verdict.empty()) block.lines.push_back("slower than " + v.parent + ": " + v.verdict);
    blocks.push_back(std::move(block));
  }
  return blocks;
}

// The measurement settings as a study spec names them.
const HygieneSettingNames kSpecSettings = {.threads = "[runtime] threads",
                                           .concurrency = "concurrency",
                                           .duration = "[runtime] duration_s",
                                           .max_duration = "[runtime] max_duration_s"};

// One line per distinct hygiene warning, "message: advice (candidates)", in
// order of first appearance; "every measured candidate" when all those share it.
std::vector<std::string> MeasurementWarningLines(const StudyReport& r) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (std::size_t i = 0; i < r.measurement_warnings.size(); ++i) {
    for (const HygieneWarning& w : r.measurement_warnings[i]) {
      const std::string text = fmt::format("{}: {}", w.message, HygieneAdvice(w, kSpecSettings));
      auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == text; });
      if (group == groups.end()) group = groups.insert(groups.end(), {text, {}});
      if (group->second.empty() || group->second.back() != r.candidates[i].name) {
        group->second.push_back(r.candidates[i].name);
      }
    }
  }
  std::vector<std::string> measured;
  for (const Candidate& c : r.candidates) {
    if (c.failure.empty()) measured.push_back(c.name);
  }
  std::vector<std::string> lines;
  for (const auto& [text, names] : groups) {
    const bool all = measured.size() > 1 && std::all_of(measured.begin(), measured.end(), [&](const std::string& m) {
                       return std::find(names.begin(), names.end(), m) != names.end();
                     });
    lines.push_back(
        fmt::format("{} ({})", text, all ? "every measured candidate" : fmt::format("{}", fmt::join(names, ", "))));
  }
  return lines;
}

std::string CalibrationLine(const StudyReport& r) {
  return r.calibration.empty() ? "" : fmt::format("int8 calibration: {}", r.calibration);
}

// The model's accuracy under one engine: the first of its candidates there
// with figures, else the first failed one.
const Candidate* EngineCandidate(const StudyReport& r, const StudyReport::EngineSection& e, const std::string& model) {
  const Candidate* found = nullptr;
  for (std::size_t i : e.candidates) {
    const Candidate& c = r.candidates[i];
    if (c.model != model) continue;
    if (c.failure.empty()) return &c;
    if (!found) found = &c;
  }
  return found;
}

std::string AgreementText(const RuntimeAgreement& a, const std::string& reference) {
  std::string text =
      fmt::format("agreement {:.2f} % with {} ({} of {} samples; {} right->wrong, {} wrong->right)",
                  100 * a.top1_agreement, reference, a.same_top1, a.compared, a.right_to_wrong, a.wrong_to_right);
  if (a.scores_compared) {
    text += fmt::format("; scores |diff| max {:.3g}, mean {:.3g}", a.max_abs_score_diff, a.mean_abs_score_diff);
  }
  return text;
}

std::string RatioText(const StudyReport::EngineRatio& q) {
  const std::string figure = fmt::format("{:.2f}x [{:.2f}, {:.2f}]", q.speed_ratio, q.interval.lower, q.interval.upper);
  return fmt::format("{} vs {}: {} {} {}", q.engine, q.reference_engine, q.model, q.setting,
                     q.measurable() ? figure : "no measurable difference (" + figure + ")");
}

// The per-engine block: a heading line per engine (its recommendation), its
// models' accuracy and agreement indented under it, then the speed ratios.
std::vector<std::string> EngineLines(const StudyReport& r) {
  std::vector<std::string> lines;
  if (r.engines.empty()) return lines;
  const std::string& reference = r.engines.front().engine;
  lines.push_back(fmt::format("Engines (reference: {}):", reference));
  for (const auto& e : r.engines) {
    const auto& rec = e.analysis.recommended;
    lines.push_back(fmt::format("  {}: {}", e.engine,
                                rec ? "recommended " + r.candidates[e.candidates[*rec]].name
                                    : std::string("no candidate meets the constraints")));
    for (const auto& m : e.models) {
      const Candidate* c = EngineCandidate(r, e, m.model);
      if (c == nullptr) continue;
      const std::string top1 = c->failure.empty() ? "top-1 " + Top1(*c) : "failed: " + c->failure;
      const std::string vs = m.agreement ? AgreementText(*m.agreement, reference) : m.note;
      lines.push_back(fmt::format("    {}: {}; {}", m.model, top1, vs));
    }
  }
  if (!r.engine_ratios.empty()) {
    lines.push_back("Speed vs the reference engine (its p50 over this engine's; > 1: faster; 95 % interval):");
    for (const auto& q : r.engine_ratios) lines.push_back("  " + RatioText(q));
  }
  return lines;
}

json EnginesJson(const StudyReport& r) {
  json engines = json::array();
  for (const auto& e : r.engines) {
    json models = json::array();
    for (const auto& m : e.models) {
      const Candidate* c = EngineCandidate(r, e, m.model);
      json j = {{"model", m.model},
                {"top1", c && c->failure.empty() ? json(c->top1) : json(nullptr)},
                {"failure", c && !c->failure.empty() ? json(c->failure) : json(nullptr)},
                {"note", m.note.empty() ? json(nullptr) : json(m.note)}};
      if (m.agreement) {
        const RuntimeAgreement& a = *m.agreement;
        j["agreement"] = {{"compared", a.compared},
                          {"same_top1", a.same_top1},
                          {"top1_agreement", a.top1_agreement},
                          {"right_to_wrong", a.right_to_wrong},
                          {"wrong_to_right", a.wrong_to_right},
                          {"max_abs_score_diff", a.scores_compared ? json(a.max_abs_score_diff) : json(nullptr)},
                          {"mean_abs_score_diff", a.scores_compared ? json(a.mean_abs_score_diff) : json(nullptr)}};
      }
      models.push_back(j);
    }
    json names = json::array();
    for (std::size_t i : e.candidates) names.push_back(r.candidates[i].name);
    const auto& rec = e.analysis.recommended;
    engines.push_back({{"engine", e.engine},
                       {"candidates", names},
                       {"recommendation", rec ? json(r.candidates[e.candidates[*rec]].name) : json(nullptr)},
                       {"recommendation_reasons", e.analysis.recommendation_reasons},
                       {"models", models}});
  }
  json ratios = json::array();
  for (const auto& q : r.engine_ratios) {
    ratios.push_back({{"model", q.model},
                      {"setting", q.setting},
                      {"engine", q.engine},
                      {"reference_engine", q.reference_engine},
                      {"speed_ratio", q.speed_ratio},
                      {"ci95", {q.interval.lower, q.interval.upper}},
                      {"measurable", q.measurable()}});
  }
  return {{"reference", r.engines.front().engine}, {"engines", engines}, {"speed_ratios", ratios}};
}

}  // namespace

std::string RenderStudyText(const StudyReport& r) {
  if (r.task == StudyTask::kDetection) return RenderDetectionStudyText(r);
  if (r.task == StudyTask::kKeypoints) return RenderKeypointStudyText(r);
  std::string out = Headline(r) + "\n";
  for (const std::string& note : r.dataset_notes) out += "  note: " + note + "\n";
  out += Conditions(r) + "\n";
  if (!r.calibration.empty()) out += CalibrationLine(r) + "\n";
  out += "\n";
  out += TextTable(Header(), Rows(r));
  out += "\n";

  if (r.analysis.recommended) {
    out += fmt::format("Recommended: {}\n", r.candidates[*r.analysis.recommended].name);
    for (const auto& reason : r.analysis.recommendation_reasons) out += "  - " + reason + "\n";
  } else {
    out += "No recommendation: " + NoRecommendation(r) + "\n";
  }
  bool header_done = false;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    if (r.analysis.recommended && i == *r.analysis.recommended) continue;
    if (!header_done) {
      out += r.analysis.recommended ? "Why the others lost:\n" : "Why each candidate fails:\n";
      header_done = true;
    }
    out += fmt::format("  {} ({}): {}\n", r.candidates[i].name, VerdictName(r.analysis.candidates[i].verdict),
                       Reasons(r.analysis.candidates[i].reasons));
  }
  const auto warnings = MeasurementWarningLines(r);
  if (!warnings.empty()) {
    out += "Measurement warnings:\n";
    for (const auto& w : warnings) out += "  " + w + "\n";
  }
  const auto fits = FitLines(r);
  if (!fits.empty()) {
    out += "Fits:\n";
    for (const auto& f : fits) out += "  " + f + "\n";
  }
  if (!r.variants.empty()) {
    out += "Variants:\n";
    for (const auto& block : VariantBlocks(r)) {
      out += "  " + block.heading + "\n";
      for (const auto& note : block.lines) out += "    " + note.substr(0, note.find_last_not_of(' ') + 1) + "\n";
    }
  }
  for (const auto& engine_line : EngineLines(r)) out += engine_line + "\n";
  if (r.reference) {
    std::vector<std::string> deltas;
    for (std::size_t i = 0; i < r.candidates.size(); ++i) {
      if (i == *r.reference || !r.reference_p[i]) continue;
      deltas.push_back(fmt::format("{} {:+.2f} points (p = {})", r.candidates[i].name,
                                   100 * (r.candidates[i].top1 - r.candidates[*r.reference].top1),
                                   PValueText(*r.reference_p[i])));
    }
    if (!deltas.empty()) {
      out +=
          fmt::format("Top-1 vs the reference {} (McNemar p): {}\n", r.candidates[*r.reference].name, Reasons(deltas));
    }
  }
  if (r.cascade) out += fmt::format("Cascade: {}\n", DescribeRecommendation(*r.cascade));
  if (!r.cascade_note.empty()) out += fmt::format("Cascade: none ({})\n", r.cascade_note);
  out += fmt::format("Measured on {}: {} new, {} reused, {} failed; stored in {}\n", Machine(r), r.measured, r.reused,
                     r.failed, r.db_path);
  return out;
}

// The cascade curve in the study's JSON: about this many points (the whole
// curve has one per distinct confidence; RenderCascadeCsv writes it all).
constexpr std::size_t kCascadeJsonPoints = 101;

std::string RenderStudyJson(const StudyReport& r) {
  if (r.task == StudyTask::kDetection) return RenderDetectionStudyJson(r);
  if (r.task == StudyTask::kKeypoints) return RenderKeypointStudyJson(r);
  json candidates = json::array();
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const Candidate& c = r.candidates[i];
    const CandidateAnalysis& a = r.analysis.candidates[i];
    json j = {{"name", c.name},
              {"model", c.model},
              {"setting", c.setting},
              {"failure", c.failure.empty() ? json(nullptr) : json(c.failure)},
              {"size_bytes", c.size_bytes},
              {"param_count", c.param_count},
              {"macs", c.macs},
              {"verdict", VerdictName(a.verdict)},
              {"reasons", a.reasons},
              {"meets_constraints", a.meets_constraints},
              {"on_frontier",
               {{"accuracy_latency", a.on_latency_frontier},
                {"accuracy_memory", a.on_memory_frontier},
                {"accuracy_size", a.on_size_frontier}}}};
    j["warnings"] = i < r.measurement_warnings.size() ? json(r.measurement_warnings[i]) : json::array();
    if (!c.parent.empty()) {
      j["parent"] = c.parent;
      j["transform"] = c.transform;
    }
    if (c.failure.empty()) {
      j["eval_count"] = c.eval_count;
      j["top1"] = c.top1;
      j["top1_ci95"] = {c.top1_ci.lower, c.top1_ci.upper};
      j["p50_ms"] = c.p50_ms;
      j["p50_ci95"] = IntervalJson(c.p50_ci);
      j["cpu_ms_per_inference"] = c.cpu_ms_per_inference > 0 ? json(c.cpu_ms_per_inference) : json();
      j["p99_ms"] = c.p99_ms;
      j["p99_ci95"] = IntervalJson(c.p99_ci);
      j["items_per_s"] = c.items_per_s;
      j["items_per_s_ci95"] = IntervalJson(c.items_per_s_ci);
      json checks = json::array();
      for (const ConstraintCheck& check : a.checks) {
        checks.push_back({{"constraint", check.constraint},
                          {"status", ConstraintStatusName(check.status)},
                          {"samples", check.samples},
                          {"samples_needed", check.status == ConstraintStatus::kUndecided && check.samples_needed > 0
                                                 ? json(check.samples_needed)
                                                 : json(nullptr)}});
      }
      j["constraint_checks"] = checks;
      j["peak_memory_bytes"] = c.peak_memory_bytes;
      j["model_memory_bytes"] = c.model_memory_bytes > 0 ? nlohmann::json(c.model_memory_bytes) : nlohmann::json();
      if (r.reference && r.reference_p[i]) {
        j["vs_reference"] = {{"top1_delta", c.top1 - r.candidates[*r.reference].top1},
                             {"mcnemar_p", *r.reference_p[i]}};
      }
    }
    candidates.push_back(j);
  }
  json fits = json::array();
  for (const auto& f : r.analysis.fits) {
    fits.push_back({{"setting", f.setting},
                    {"latency_vs_macs",
                     {{"intercept_ms", f.latency_vs_macs.intercept},
                      {"slope_ms_per_mac", f.latency_vs_macs.slope},
                      {"r_squared", f.latency_vs_macs.r_squared},
                      {"count", f.latency_vs_macs.count},
                      {"valid", f.latency_vs_macs.valid}}},
                    {"accuracy_vs_latency",
                     {{"a", f.accuracy_vs_latency.a},
                      {"b_ms", f.accuracy_vs_latency.b},
                      {"r_squared", f.accuracy_vs_latency.r_squared},
                      {"count", f.accuracy_vs_latency.count},
                      {"valid", f.accuracy_vs_latency.valid}}}});
  }
  const Constraints& k = r.constraints;
  const auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json environment = r.environment;
  environment["backend_version"] = r.backend_version;
  json doc = {{"schema", "sweetspot.study/1"},
              {"study", r.study},
              {"spec", r.spec_path},
              {"db", r.db_path},
              {"dataset", {{"description", r.dataset}, {"samples", r.dataset_samples}, {"notes", r.dataset_notes}}},
              {"objective", ObjectiveName(r.objective)},
              {"constraints",
               {{"min_top1", opt(k.min_top1)},
                {"max_p50_ms", opt(k.max_p50_ms)},
                {"max_p99_ms", opt(k.max_p99_ms)},
                {"min_items_per_s", opt(k.min_items_per_s)},
                {"max_peak_memory_bytes", opt(k.max_peak_memory_bytes)},
                {"max_model_memory_bytes", opt(k.max_model_memory_bytes)},
                {"max_size_bytes", opt(k.max_size_bytes)}}},
              {"candidates", candidates},
              {"recommendation",
               {{"name", r.analysis.recommended ? json(r.candidates[*r.analysis.recommended].name) : json(nullptr)},
                {"reasons", r.analysis.recommendation_reasons},
                {"rests_on_undecided", r.analysis.rests_on_undecided}}},
              {"closest", r.analysis.closest ? json(r.candidates[*r.analysis.closest].name) : json(nullptr)},
              {"reference", r.reference ? json(r.candidates[*r.reference].name) : json(nullptr)},
              {"fits", fits},
              {"measurements", {{"measured", r.measured}, {"reused", r.reused}, {"failed", r.failed}}},
              {"environment", environment}};
  if (!r.variants.empty()) {
    json variants = json::array();
    for (const auto& v : r.variants) {
      variants.push_back({{"model", v.model},
                          {"parent", v.parent},
                          {"transform", v.transform},
                          {"notes", v.notes},
                          {"diagnosis", v.diagnosis},
                          {"slower_verdict", v.verdict.empty() ? json(nullptr) : json(v.verdict)},
                          {"same_as", v.same_as.empty() ? json(nullptr) : json(v.same_as)},
                          {"sqnr_layers", v.sqnr_layers},
                          {"sqnr_worst", SqnrToJson(v.sqnr_worst)}});
    }
    doc["variants"] = variants;
    doc["calibration"] = r.calibration.empty() ? json(nullptr) : json(r.calibration);
  }
  if (!r.engines.empty()) doc["engines"] = EnginesJson(r);
  if (r.cascade) doc["cascade"] = CascadeJson(*r.cascade, kCascadeJsonPoints);
  if (!r.cascade_note.empty()) doc["cascade"] = {{"note", r.cascade_note}};
  return DumpJson(doc, 2) + "\n";
}

std::string RenderStudyCsv(const StudyReport& r) {
  if (r.task == StudyTask::kDetection) return RenderDetectionStudyCsv(r);
  if (r.task == StudyTask::kKeypoints) return RenderKeypointStudyCsv(r);
  const auto field = CsvField;
  std::string out =
      "name,model,setting,size_bytes,param_count,macs,top1,top1_ci_lower,top1_ci_upper,p50_ms,p50_ci_lower,p50_ci_"
      "upper,cpu_ms_per_inference,"
      "p99_ms,items_per_s,"
      "peak_memory_bytes,model_memory_bytes,on_latency_frontier,on_memory_frontier,on_size_frontier,verdict,reasons\n";
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const Candidate& c = r.candidates[i];
    const CandidateAnalysis& a = r.analysis.candidates[i];
    const bool ok = c.failure.empty();
    const auto num = [ok](double v) { return ok ? fmt::format("{:.6g}", v) : std::string(); };
    const auto bound = [&](double v) { return c.p50_ci.valid ? num(v) : std::string(); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", field(c.name),
                       field(c.model), field(c.setting), c.size_bytes, c.param_count, c.macs, num(c.top1),
                       num(c.top1_ci.lower), num(c.top1_ci.upper), num(c.p50_ms), bound(c.p50_ci.lower),
                       bound(c.p50_ci.upper), c.cpu_ms_per_inference > 0 ? num(c.cpu_ms_per_inference) : "",
                       num(c.p99_ms), num(c.items_per_s), ok ? std::to_string(c.peak_memory_bytes) : "",
                       ok && c.model_memory_bytes > 0 ? std::to_string(c.model_memory_bytes) : "",
                       a.on_latency_frontier ? 1 : 0, a.on_memory_frontier ? 1 : 0, a.on_size_frontier ? 1 : 0,
                       VerdictName(a.verdict), field(Reasons(a.reasons)));
  }
  return out;
}

std::string RenderStudyMarkdown(const StudyReport& r) {
  if (r.task == StudyTask::kDetection) return RenderDetectionStudyMarkdown(r);
  if (r.task == StudyTask::kKeypoints) return RenderKeypointStudyMarkdown(r);
  std::string out = fmt::format("# Study `{}`\n\n{} candidate(s) on {} ({} samples); {}.\n\n", r.study,
                                r.candidates.size(), r.dataset, r.dataset_samples, Conditions(r));
  for (const std::string& note : r.dataset_notes) out += "- note: " + note + "\n";
  if (!r.dataset_notes.empty()) out += "\n";
  if (!r.calibration.empty()) out += CalibrationLine(r) + ".\n\n";
  const auto escape = [](std::string s) {
    std::string o;
    for (char ch : s) o += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return o;
  };
  out += MarkdownTable(Header(), Rows(r)) + "\n";
  if (r.analysis.recommended) {
    out += fmt::format("**Recommended: {}**\n\n", escape(r.candidates[*r.analysis.recommended].name));
    for (const auto& reason : r.analysis.recommendation_reasons) out += "- " + reason + "\n";
  } else {
    out += "**No recommendation:** " + NoRecommendation(r) + "\n";
  }
  out += r.analysis.recommended ? "\nWhy the others lost:\n\n" : "\nWhy each candidate fails:\n\n";
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    if (r.analysis.recommended && i == *r.analysis.recommended) continue;
    out += fmt::format("- **{}** ({}): {}\n", escape(r.candidates[i].name),
                       VerdictName(r.analysis.candidates[i].verdict), Reasons(r.analysis.candidates[i].reasons));
  }
  const auto warnings = MeasurementWarningLines(r);
  if (!warnings.empty()) {
    out += "\nMeasurement warnings:\n\n";
    for (const auto& w : warnings) out += "- " + escape(w) + "\n";
  }
  const auto fits = FitLines(r);
  if (!fits.empty()) {
    out += "\nFits:\n\n";
    for (const auto& f : fits) out += "- " + f + "\n";
  }
  if (!r.variants.empty()) {
    out += "\nVariants:\n";
    for (const auto& block : VariantBlocks(r)) {
      out += "\n" + escape(block.heading) + ":\n\n```\n";
      for (const auto& line : block.lines) out += line + "\n";
      out += "```\n";
    }
  }
  const auto engines = EngineLines(r);
  if (!engines.empty()) out += "\n```\n";
  for (const auto& line : engines) out += line + "\n";
  if (!engines.empty()) out += "```\n";
  if (r.cascade) out += "\n## Cascade\n\n" + RenderCascadeMarkdown(*r.cascade);
  if (!r.cascade_note.empty()) out += "\n## Cascade\n\nNone: " + r.cascade_note + ".\n";
  out += fmt::format("\nMeasured on {}.\n", Machine(r));
  return out;
}

}  // namespace sweetspot
