#include "sweetspot/bench_json.h"

#include <algorithm>

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

Result<RuntimeBaseline> MeasureRuntimeBaseline(const fs::path& self_exe, const BenchRequest& request,
                                               const ChildLimits& limits, const ChildOptions& options) {
  BenchRequest baseline = request;
  baseline.model_path.clear();
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome,
                             RunChildProcess(self_exe, "__bench-child", ToJson(baseline),
                                             "measuring the runtime's baseline memory", limits, options));
  RuntimeBaseline result{outcome.peak_rss_bytes, Status::Ok()};
  if (const auto error = outcome.result.find("provider_error"); error != outcome.result.end()) {
    result.provider = Status::Unsupported(error->get<std::string>());
  }
  return result;
}

void ApplyRuntimeBaseline(BenchResult& result, int64_t runtime_baseline_rss_bytes) {
  result.memory.runtime_baseline_rss_bytes = runtime_baseline_rss_bytes;
  result.memory.model_rss_bytes =
      std::max<int64_t>(0, result.memory.process_peak_rss_bytes - runtime_baseline_rss_bytes);
}

namespace {

Result<nlohmann::json> MeasureRequest(const fs::path& request_file, const ProgressFn& progress) {
  SWEETSPOT_ASSIGN_OR_RETURN(nlohmann::json json, ReadChildRequest(request_file));
  SWEETSPOT_ASSIGN_OR_RETURN(BenchRequest request, BenchRequestFromJson(json));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend(request.backend));
  if (request.model_path.empty()) {
    // The baseline: everything the measuring child does up to loading a model.
    nlohmann::json baseline = {{"providers", backend->AvailableProviders()}};
    if (Status provider = backend->CheckProvider(request.options.execution_provider); !provider.ok()) {
      baseline["provider_error"] = provider.message();
    }
    return baseline;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult result, RunBench(*backend, request.model_path, request.options, request.config,
                                                          request.inputs, progress));
  return ToJson(result);
}

}  // namespace

Status RunBenchChild(const fs::path& request_file, const fs::path& result_file, const ProgressFn& progress) {
  return WriteChildResult(result_file, MeasureRequest(request_file, progress));
}

}  // namespace sweetspot
