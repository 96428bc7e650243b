// JSON form of bench results: the `--json` output of `sweetspot bench`
// (schema: docs/bench-result.schema.json) and the transport between the
// parent and the child process that measures one model.
#pragma once

#include <nlohmann/json.hpp>

#include "sweetspot/child_process.h"
#include "sweetspot/measure.h"

namespace sweetspot {

inline constexpr int kBenchJsonSchemaVersion = 1;

// Everything the child needs to measure one model.
struct BenchRequest {
  std::string model_path;
  std::string backend = "onnxruntime";
  BackendOptions options;
  MeasureConfig config;
  InputSpec inputs;
};

nlohmann::json ToJson(const BenchResult& result, bool include_raw_latencies = true);
Result<BenchResult> BenchResultFromJson(const nlohmann::json& json);

// A latency record as the documents above write it: {"summary_ms", "raw_ms"
// (when include_raw)}; for other documents that embed one (detection_bench.h).
nlohmann::json ToJson(const LatencyRecord& record, bool include_raw);
Result<LatencyRecord> LatencyRecordFromJson(const nlohmann::json& json);

nlohmann::json ToJson(const BenchRequest& request);
Result<BenchRequest> BenchRequestFromJson(const nlohmann::json& json);

// A model that failed under one runtime, in a run of several models or
// runtimes: kept next to the results that succeeded.
struct BenchFailure {
  std::string model_path;
  std::string runtime;  // the engine name as asked for, e.g. "opencv-dnn"
  Status status;
};

// The whole `--json` document: {"schema_version", "tool", "results", "failures"}.
nlohmann::json BenchDocument(const std::vector<BenchResult>& results, const std::vector<BenchFailure>& failures,
                             bool include_raw_latencies = true);

}  // namespace sweetspot

namespace sweetspot {

// Measures one model in a child process (`self_exe __bench-child`, see
// child_process.h): its peak RSS is its own and a crash in the runtime costs
// only this model. `process_peak_rss_bytes` comes from wait4.
Result<BenchResult> RunBenchIsolated(const std::filesystem::path& self_exe, const BenchRequest& request,
                                     const ChildLimits& limits = {}, const ChildOptions& options = {});

// What the same child process as RunBenchIsolated's, run with `request` but
// loading no model, weighs (its peak RSS from wait4: the runtime's and the
// tool's own share, which the caller measures once per run and engine and
// hands to ApplyRuntimeBaseline), and whether request.backend can enable
// request.options.execution_provider (Backend::CheckProvider, run in the
// child: a process holds one ONNX Runtime version, so the parent cannot check
// several). Errors: those of CreateBackend(request.backend) and of the child.
struct RuntimeBaseline {
  int64_t peak_rss_bytes = 0;
  Status provider;  // Ok, or CheckProvider's error
};
Result<RuntimeBaseline> MeasureRuntimeBaseline(const std::filesystem::path& self_exe, const BenchRequest& request,
                                               const ChildLimits& limits = {}, const ChildOptions& options = {});

// Sets memory.runtime_baseline_rss_bytes and the model's own increment,
// memory.model_rss_bytes = process peak - baseline (never below 0), of an
// isolated result.
void ApplyRuntimeBaseline(BenchResult& result, int64_t runtime_baseline_rss_bytes);

// The child's side of RunBenchIsolated: reads REQUEST, runs RunBench, writes
// RESULT. A request with an empty model_path loads nothing (the baseline).
Status RunBenchChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file,
                     const ProgressFn& progress = {});

}  // namespace sweetspot
