#include "sweetspot/bench_json.h"

#include <cmath>
#include <limits>

namespace sweetspot {

NLOHMANN_JSON_SERIALIZE_ENUM(DType, {{DType::kFloat32, "float32"},
                                     {DType::kFloat16, "float16"},
                                     {DType::kFloat64, "float64"},
                                     {DType::kInt8, "int8"},
                                     {DType::kUInt8, "uint8"},
                                     {DType::kInt16, "int16"},
                                     {DType::kInt32, "int32"},
                                     {DType::kInt64, "int64"},
                                     {DType::kBool, "bool"}})
NLOHMANN_JSON_SERIALIZE_ENUM(GraphOptimization, {{GraphOptimization::kDisabled, "disabled"},
                                                 {GraphOptimization::kBasic, "basic"},
                                                 {GraphOptimization::kExtended, "extended"},
                                                 {GraphOptimization::kAll, "all"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ExecutionMode,
                             {{ExecutionMode::kSequential, "sequential"}, {ExecutionMode::kParallel, "parallel"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Scenario, {{Scenario::kSingleStream, "single-stream"},
                                        {Scenario::kOffline, "offline"},
                                        {Scenario::kConcurrent, "concurrent"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TensorInfo, name, dtype, shape, dim_names, value_type)
// With defaults: results stored before allow_spinning and memory_arena existed still read.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BackendOptions, intra_op_threads, inter_op_threads, graph_optimization,
                                                execution_mode, execution_provider, allow_spinning, memory_arena)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WarmupRecord, runs, stable, duration_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MemoryRecord, measured, isolated, baseline_rss_bytes, peak_rss_bytes, growth_bytes,
                                   process_peak_rss_bytes, runtime_baseline_rss_bytes, model_rss_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InputSpec, dim_values, files, seed)

namespace stats {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, lower, upper, valid)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Summary, count, min, max, mean, stddev, p50, p90, p95, p99, p50_ci, p90_ci, p99_ci)
}  // namespace stats

// Durations are plain seconds in JSON, with the unit in the key.
void to_json(nlohmann::json& j, const MeasureConfig& c) {
  j = {{"scenarios", c.scenarios},
       {"batch_sizes", c.batch_sizes},
       {"concurrency", c.concurrency},
       {"min_duration_s", c.stopping.min_duration.count()},
       {"max_duration_s", c.stopping.max_duration.count()},
       {"min_count", c.stopping.min_count},
       {"target_relative_half_width", c.stopping.target_relative_half_width},
       {"confidence", c.stopping.confidence},
       {"run_duration_s", c.run_duration.count()},
       {"warmup_window", c.warmup_window},
       {"warmup_tolerance", c.warmup_tolerance},
       {"warmup_max_duration_s", c.warmup_max_duration.count()}};
}
void from_json(const nlohmann::json& j, MeasureConfig& c) {
  j.at("scenarios").get_to(c.scenarios);
  j.at("batch_sizes").get_to(c.batch_sizes);
  j.at("concurrency").get_to(c.concurrency);
  c.stopping.min_duration = std::chrono::duration<double>(j.at("min_duration_s").get<double>());
  c.stopping.max_duration = std::chrono::duration<double>(j.at("max_duration_s").get<double>());
  j.at("min_count").get_to(c.stopping.min_count);
  j.at("target_relative_half_width").get_to(c.stopping.target_relative_half_width);
  j.at("confidence").get_to(c.stopping.confidence);
  c.run_duration = std::chrono::duration<double>(j.at("run_duration_s").get<double>());
  j.at("warmup_window").get_to(c.warmup_window);
  j.at("warmup_tolerance").get_to(c.warmup_tolerance);
  c.warmup_max_duration = std::chrono::duration<double>(j.at("warmup_max_duration_s").get<double>());
}

namespace {

// The raw latencies can be large; they are optional in the output.
nlohmann::json RecordJson(const LatencyRecord& r, bool raw) {
  nlohmann::json j = {{"summary_ms", r.summary_ms}};
  if (raw) j["raw_ms"] = r.raw_ms;
  return j;
}
// Throws nlohmann::json::exception; the callers catch it.
LatencyRecord RecordFromJson(const nlohmann::json& j) {
  LatencyRecord r;
  j.at("summary_ms").get_to(r.summary_ms);
  if (j.contains("raw_ms")) j.at("raw_ms").get_to(r.raw_ms);
  return r;
}

// Results stored before CPU time was measured have none: 0, "not measured".
template <typename ScenarioResult>
void ReadCpuTime(const nlohmann::json& j, ScenarioResult& r) {
  r.cpu_ms_per_inference = j.value("cpu_ms_per_inference", 0.0);
  r.cpu_ms_per_item = j.value("cpu_ms_per_item", 0.0);
}

}  // namespace

nlohmann::json ToJson(const BenchResult& r, bool raw) {
  nlohmann::json j = {{"model_path", r.model_path},
                      {"model_file_bytes", r.model_file_bytes},
                      {"backend", r.backend},
                      {"backend_version", r.backend_version},
                      {"options", r.options},
                      {"config", r.config},
                      {"inputs", r.inputs},
                      {"outputs", r.outputs},
                      {"load_ms", r.load_ms},
                      {"first_inference_ms", r.first_inference_ms},
                      {"memory", r.memory},
                      {"environment", r.environment},
                      {"machine_load", r.load ? nlohmann::json(*r.load) : nlohmann::json(nullptr)},
                      {"warnings", r.warnings}};
  if (r.single_stream) {
    const auto& s = *r.single_stream;
    j["single_stream"] = {{"batch_size", s.batch_size},
                          {"warmup", s.warmup},
                          {"latency", RecordJson(s.latency, raw)},
                          {"converged", s.converged},
                          {"target_relative_half_width", s.target_relative_half_width},
                          // Infinite when the interval is not valid; JSON has no infinity.
                          {"achieved_relative_half_width", std::isfinite(s.achieved_relative_half_width)
                                                               ? nlohmann::json(s.achieved_relative_half_width)
                                                               : nlohmann::json(nullptr)},
                          {"duration_s", s.duration_s},
                          {"items_per_s", s.items_per_s},
                          {"cpu_ms_per_inference", s.cpu_ms_per_inference},
                          {"cpu_ms_per_item", s.cpu_ms_per_item}};
  } else {
    j["single_stream"] = nullptr;
  }
  j["offline"] = nlohmann::json::array();
  for (const auto& o : r.offline) {
    j["offline"].push_back({{"batch_size", o.batch_size},
                            {"warmup", o.warmup},
                            {"batch_latency", RecordJson(o.batch_latency, raw)},
                            {"duration_s", o.duration_s},
                            {"items_per_s", o.items_per_s},
                            {"cpu_ms_per_inference", o.cpu_ms_per_inference},
                            {"cpu_ms_per_item", o.cpu_ms_per_item}});
  }
  j["concurrent"] = nlohmann::json::array();
  for (const auto& c : r.concurrent) {
    j["concurrent"].push_back({{"concurrency", c.concurrency},
                               {"separate_sessions", c.separate_sessions},
                               {"batch_size", c.batch_size},
                               {"warmup", c.warmup},
                               {"latency", RecordJson(c.latency, raw)},
                               {"duration_s", c.duration_s},
                               {"items_per_s", c.items_per_s},
                               {"cpu_ms_per_inference", c.cpu_ms_per_inference},
                               {"cpu_ms_per_item", c.cpu_ms_per_item}});
  }
  return j;
}

Result<BenchResult> BenchResultFromJson(const nlohmann::json& j) {
  try {
    BenchResult r;
    j.at("model_path").get_to(r.model_path);
    j.at("model_file_bytes").get_to(r.model_file_bytes);
    j.at("backend").get_to(r.backend);
    j.at("backend_version").get_to(r.backend_version);
    j.at("options").get_to(r.options);
    j.at("config").get_to(r.config);
    j.at("inputs").get_to(r.inputs);
    j.at("outputs").get_to(r.outputs);
    j.at("load_ms").get_to(r.load_ms);
    j.at("first_inference_ms").get_to(r.first_inference_ms);
    j.at("memory").get_to(r.memory);
    j.at("environment").get_to(r.environment);
    // Results stored before hygiene warnings were recorded have neither key.
    if (j.contains("machine_load") && !j.at("machine_load").is_null()) r.load = j.at("machine_load").get<MachineLoad>();
    if (j.contains("warnings")) j.at("warnings").get_to(r.warnings);
    if (!j.at("single_stream").is_null()) {
      const auto& s = j.at("single_stream");
      SingleStreamResult ss;
      s.at("batch_size").get_to(ss.batch_size);
      s.at("warmup").get_to(ss.warmup);
      ss.latency = RecordFromJson(s.at("latency"));
      s.at("converged").get_to(ss.converged);
      s.at("target_relative_half_width").get_to(ss.target_relative_half_width);
      const auto& achieved = s.at("achieved_relative_half_width");
      ss.achieved_relative_half_width =
          achieved.is_null() ? std::numeric_limits<double>::infinity() : achieved.get<double>();
      s.at("duration_s").get_to(ss.duration_s);
      s.at("items_per_s").get_to(ss.items_per_s);
      ReadCpuTime(s, ss);
      r.single_stream = std::move(ss);
    }
    for (const auto& o : j.at("offline")) {
      OfflineResult off;
      o.at("batch_size").get_to(off.batch_size);
      o.at("warmup").get_to(off.warmup);
      off.batch_latency = RecordFromJson(o.at("batch_latency"));
      o.at("duration_s").get_to(off.duration_s);
      o.at("items_per_s").get_to(off.items_per_s);
      ReadCpuTime(o, off);
      r.offline.push_back(std::move(off));
    }
    for (const auto& c : j.at("concurrent")) {
      ConcurrentResult cr;
      c.at("concurrency").get_to(cr.concurrency);
      c.at("separate_sessions").get_to(cr.separate_sessions);
      c.at("batch_size").get_to(cr.batch_size);
      c.at("warmup").get_to(cr.warmup);
      cr.latency = RecordFromJson(c.at("latency"));
      c.at("duration_s").get_to(cr.duration_s);
      c.at("items_per_s").get_to(cr.items_per_s);
      ReadCpuTime(c, cr);
      r.concurrent.push_back(std::move(cr));
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("bench result JSON: ") + e.what());
  }
}

nlohmann::json ToJson(const LatencyRecord& record, bool include_raw) { return RecordJson(record, include_raw); }

Result<LatencyRecord> LatencyRecordFromJson(const nlohmann::json& json) {
  try {
    return RecordFromJson(json);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("latency record JSON: ") + e.what());
  }
}

nlohmann::json ToJson(const BenchRequest& request) {
  return {{"model_path", request.model_path},
          {"backend", request.backend},
          {"options", request.options},
          {"config", request.config},
          {"inputs", request.inputs}};
}

Result<BenchRequest> BenchRequestFromJson(const nlohmann::json& j) {
  try {
    BenchRequest r;
    j.at("model_path").get_to(r.model_path);
    j.at("backend").get_to(r.backend);
    j.at("options").get_to(r.options);
    j.at("config").get_to(r.config);
    j.at("inputs").get_to(r.inputs);
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("bench request JSON: ") + e.what());
  }
}

nlohmann::json BenchDocument(const std::vector<BenchResult>& results, const std::vector<BenchFailure>& failures,
                             bool raw) {
  nlohmann::json doc = {{"schema_version", kBenchJsonSchemaVersion},
                        {"tool", "sweetspot bench"},
                        {"results", nlohmann::json::array()},
                        {"failures", nlohmann::json::array()}};
  for (const auto& r : results) doc["results"].push_back(ToJson(r, raw));
  for (const auto& f : failures) {
    doc["failures"].push_back({{"model_path", f.model_path},
                               {"runtime", f.runtime},
                               {"code", std::string(StatusCodeName(f.status.code()))},
                               {"message", f.status.message()}});
  }
  return doc;
}

}  // namespace sweetspot
