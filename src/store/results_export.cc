#include "sweetspot/results_export.h"

#include <map>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/text_file.h"

namespace sweetspot {

using nlohmann::json;

std::string RenderStudyListText(const std::vector<StudyListing>& studies) {
  if (studies.empty()) return "no studies stored yet: run `sweetspot study SPEC.toml`\n";
  std::size_t width = 5;
  for (const auto& s : studies) width = std::max(width, s.name.size());
  std::string out =
      fmt::format("{:<{}}  candidates  accuracy  latency  failures  updated (UTC)         spec\n", "study", width);
  for (const auto& s : studies) {
    out += fmt::format("{:<{}}  {:>10}  {:>8}  {:>7}  {:>8}  {:<20}  {}\n", s.name, width, s.candidates,
                       s.accuracy_results, s.latency_results, s.failures, s.updated_utc, s.spec_path);
  }
  return out;
}

std::string RenderStudyListJson(const std::vector<StudyListing>& studies) {
  json list = json::array();
  for (const auto& s : studies) {
    list.push_back({{"name", s.name},
                    {"spec", s.spec_path},
                    {"created_utc", s.created_utc},
                    {"updated_utc", s.updated_utc},
                    {"candidates", s.candidates},
                    {"accuracy_results", s.accuracy_results},
                    {"latency_results", s.latency_results},
                    {"failures", s.failures}});
  }
  return DumpJson(json{{"schema", "sweetspot.results/1"}, {"studies", list}}, 2) + "\n";
}

std::string RenderStudyListCsv(const std::vector<StudyListing>& studies) {
  std::string out = "study,spec,created_utc,updated_utc,candidates,accuracy_results,latency_results,failures\n";
  for (const auto& s : studies) {
    out += fmt::format("{},{},{},{},{},{},{},{}\n", CsvField(s.name), CsvField(s.spec_path), s.created_utc,
                       s.updated_utc, s.candidates, s.accuracy_results, s.latency_results, s.failures);
  }
  return out;
}

namespace {

// Every environment the candidates' rows name, by id.
std::map<std::int64_t, const StoredEnvironment*> EnvironmentsById(
    const std::vector<CandidateMeasurements>& candidates) {
  std::map<std::int64_t, const StoredEnvironment*> by_id;
  for (const auto& c : candidates) {
    for (const auto& e : c.environments) by_id.emplace(e.id, &e);
  }
  return by_id;
}

std::string Description(const std::map<std::int64_t, const StoredEnvironment*>& by_id, std::int64_t id) {
  const auto found = by_id.find(id);
  return found == by_id.end() ? "" : DescribeEnvironment(found->second->environment, found->second->backend_version);
}

}  // namespace

std::string RenderMeasurementsText(const std::string& study, const std::vector<CandidateMeasurements>& candidates) {
  const auto environments = EnvironmentsById(candidates);
  std::string out = fmt::format("Study '{}': {} candidate(s)\n", study, candidates.size());
  // Rows name their environment ("env 2") when a merged store holds several.
  const bool several = environments.size() > 1;
  for (const auto& [id, e] : environments) {
    out += fmt::format("{}{}\n", several ? fmt::format("env {}: ", id) : "measured on ",
                       DescribeEnvironment(e->environment, e->backend_version));
  }
  const auto env = [&](std::int64_t id) { return several ? fmt::format("env {}  ", id) : std::string(); };
  for (const auto& c : candidates) {
    out += fmt::format("\n{}  ({}, sha256 {}, {} bytes, {} params, {} MACs)\n", c.name, c.path,
                       c.model.sha256.substr(0, 12), c.model.file_bytes, c.model.param_count, c.model.macs);
    for (const auto& a : c.accuracy) {
      out += fmt::format("  {}  {}accuracy  top-1 {:.2f} % [{:.2f}, {:.2f}]  top-5 {:.2f} %  {} samples\n",
                         a.measured_utc, env(a.environment_id), 100 * a.top1, 100 * a.top1_ci.lower,
                         100 * a.top1_ci.upper, 100 * a.top5, a.sample_count);
    }
    for (const auto& l : c.latency) {
      out += fmt::format("  {}  {}latency   {}  p50 {:.3f} ms  p99 {:.3f} ms  {:.0f} items/s  peak {:.1f} MB{}\n",
                         l.measured_utc, env(l.environment_id), l.setting, l.p50_ms, l.p99_ms, l.items_per_s,
                         static_cast<double>(l.peak_rss_bytes) / 1e6, l.converged ? "" : "  (not converged)");
    }
    for (const auto& f : c.failures) {
      out += fmt::format("  {}  {}FAILED {}{}: {}\n", f.failed_utc, env(f.environment_id), f.kind,
                         f.setting.empty() ? "" : " " + f.setting, f.reason);
    }
    if (c.accuracy.empty() && c.latency.empty() && c.failures.empty()) out += "  nothing stored yet\n";
  }
  return out;
}

std::string RenderMeasurementsJson(const std::string& study, const std::vector<CandidateMeasurements>& candidates) {
  json list = json::array();
  for (const auto& c : candidates) {
    json accuracy = json::array();
    for (const auto& a : c.accuracy) {
      auto eval = json::parse(a.eval_json, nullptr, /*allow_exceptions=*/false);
      accuracy.push_back({{"measured_utc", a.measured_utc},
                          {"settings", json::parse(a.settings_key, nullptr, false)},
                          {"sample_count", a.sample_count},
                          {"top1", a.top1},
                          {"top1_correct", a.top1_correct},
                          {"top1_ci95", {a.top1_ci.lower, a.top1_ci.upper}},
                          {"top5", a.top5},
                          {"top5_correct", a.top5_correct},
                          {"excluded_count", a.excluded_count},
                          {"duration_ms", a.duration_ms},
                          {"environment_id", a.environment_id},
                          {"eval", eval.is_discarded() ? json(nullptr) : eval}});
    }
    json latency = json::array();
    for (const auto& l : c.latency) {
      latency.push_back({{"measured_utc", l.measured_utc},
                         {"settings", json::parse(l.settings_key, nullptr, false)},
                         {"setting", l.setting},
                         {"scenario", l.scenario},
                         {"batch_size", l.batch_size},
                         {"threads", l.threads},
                         {"p50_ms", l.p50_ms},
                         {"p90_ms", l.p90_ms},
                         {"p99_ms", l.p99_ms},
                         {"mean_ms", l.mean_ms},
                         {"items_per_s", l.items_per_s},
                         {"converged", l.converged},
                         {"sample_count", l.sample_count},
                         {"load_ms", l.load_ms},
                         {"first_inference_ms", l.first_inference_ms},
                         {"peak_rss_bytes", l.peak_rss_bytes},
                         {"model_rss_bytes", l.model_rss_bytes ? json(*l.model_rss_bytes) : json(nullptr)},
                         {"duration_ms", l.duration_ms},
                         {"environment_id", l.environment_id},
                         {"raw_ms", l.raw_ms}});
    }
    json failures = json::array();
    for (const auto& f : c.failures) {
      failures.push_back({{"failed_utc", f.failed_utc},
                          {"kind", f.kind},
                          {"setting", f.setting},
                          {"code", f.code},
                          {"reason", f.reason},
                          {"environment_id", f.environment_id}});
    }
    list.push_back({{"name", c.name},
                    {"path", c.path},
                    {"model",
                     {{"sha256", c.model.sha256},
                      {"file_bytes", c.model.file_bytes},
                      {"param_count", c.model.param_count},
                      {"macs", c.model.macs},
                      {"weight_bytes", c.model.weight_bytes}}},
                    {"accuracy", accuracy},
                    {"latency", latency},
                    {"failures", failures}});
  }
  json environments = json::array();
  for (const auto& [id, e] : EnvironmentsById(candidates)) {
    environments.push_back({{"id", id},
                            {"description", DescribeEnvironment(e->environment, e->backend_version)},
                            {"backend_version", e->backend_version},
                            {"environment", e->environment}});
  }
  return DumpJson(json{{"schema", "sweetspot.results/2"},
                       {"study", study},
                       {"environments", environments},
                       {"candidates", list}},
                  2) +
         "\n";
}

std::string RenderMeasurementsCsv(const std::string& study, const std::vector<CandidateMeasurements>& candidates) {
  std::string out =
      "study,candidate,model_sha256,kind,setting,measured_utc,top1,top1_ci_lower,top1_ci_upper,sample_count,p50_ms,"
      "p90_ms,p99_ms,items_per_s,peak_rss_bytes,model_rss_bytes,converged,reason,environment_id,environment\n";
  const auto environments = EnvironmentsById(candidates);
  const auto env = [&](std::int64_t id) { return fmt::format("{},{}", id, CsvField(Description(environments, id))); };
  for (const auto& c : candidates) {
    const std::string prefix = fmt::format("{},{},{}", CsvField(study), CsvField(c.name), c.model.sha256);
    for (const auto& a : c.accuracy) {
      out += fmt::format("{},accuracy,,{},{:.6g},{:.6g},{:.6g},{},,,,,,,,,{}\n", prefix, a.measured_utc, a.top1,
                         a.top1_ci.lower, a.top1_ci.upper, a.sample_count, env(a.environment_id));
    }
    for (const auto& l : c.latency) {
      // An empty model_rss_bytes field: not measured.
      out += fmt::format("{},latency,{},{},,,,{},{:.6g},{:.6g},{:.6g},{:.6g},{},{},{},,{}\n", prefix,
                         CsvField(l.setting), l.measured_utc, l.sample_count, l.p50_ms, l.p90_ms, l.p99_ms,
                         l.items_per_s, l.peak_rss_bytes, l.model_rss_bytes ? std::to_string(*l.model_rss_bytes) : "",
                         l.converged ? 1 : 0, env(l.environment_id));
    }
    for (const auto& f : c.failures) {
      out += fmt::format("{},failed {},{},{},,,,,,,,,,,,{},{}\n", prefix, f.kind, CsvField(f.setting), f.failed_utc,
                         CsvField(f.reason), env(f.environment_id));
    }
  }
  return out;
}

}  // namespace sweetspot
