#include "sweetspot/bench_json.h"

namespace sweetspot {
namespace fs = std::filesystem;

Result<BenchResult> RunBenchIsolated(const fs::path& self_exe, const BenchRequest& request, const ChildLimits& limits,
                                     const ChildOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome,
                             RunChildProcess(self_exe, "__bench-child", ToJson(request),
                                             "benchmarking '" + request.model_path + "'", limits, options));
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult result, BenchResultFromJson(outcome.result));
  result.memory.isolated = true;
  result.memory.process_peak_rss_bytes = outcome.peak_rss_bytes;
  return result;
}

namespace {

Result<nlohmann::json> MeasureRequest(const fs::path& request_file, const ProgressFn& progress) {
  SWEETSPOT_ASSIGN_OR_RETURN(nlohmann::json json, ReadChildRequest(request_file));
  SWEETSPOT_ASSIGN_OR_RETURN(BenchRequest request, BenchRequestFromJson(json));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend(request.backend));
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult result, RunBench(*backend, request.model_path, request.options, request.config,
                                                          request.inputs, progress));
  return ToJson(result);
}

}  // namespace

Status RunBenchChild(const fs::path& request_file, const fs::path& result_file, const ProgressFn& progress) {
  return WriteChildResult(result_file, MeasureRequest(request_file, progress));
}

}  // namespace sweetspot
