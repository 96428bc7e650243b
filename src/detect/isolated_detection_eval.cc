#include "sweetspot/isolated_detection_eval.h"

#include <nlohmann/json.hpp>

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

Result<IsolatedDetectionEvalResult> RunDetectionEvalIsolated(const fs::path& self_exe,
                                                             const DetectionEvalRequest& request,
                                                             const ChildLimits& limits) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome,
                             RunChildProcess(self_exe, "__detection-eval-child", ToJson(request),
                                             "evaluating detector '" + request.model_path + "'", limits));
  auto summary = DetectionEvalSummaryFromJson(outcome.result);
  if (!summary.ok()) {
    return Status::Internal("the detection evaluation process wrote a malformed result: " + summary.status().message());
  }
  return IsolatedDetectionEvalResult{std::move(summary).value(), outcome.wall_ms};
}

Status RunDetectionEvalChild(const fs::path& request_file, const fs::path& result_file) {
  const auto run = [&]() -> Result<json> {
    SWEETSPOT_ASSIGN_OR_RETURN(json request_json, ReadChildRequest(request_file));
    SWEETSPOT_ASSIGN_OR_RETURN(DetectionEvalRequest request, DetectionEvalRequestFromJson(request_json));
    SWEETSPOT_ASSIGN_OR_RETURN(DetectionEvalResult result, EvaluateDetector(request));
    return ToJson(SummarizeDetection(result));
  };
  return WriteChildResult(result_file, run());
}

}  // namespace sweetspot
