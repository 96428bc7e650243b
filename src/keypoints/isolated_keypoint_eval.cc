#include "sweetspot/isolated_keypoint_eval.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

Result<IsolatedKeypointEvalResult> RunKeypointEvalIsolated(const fs::path& self_exe, const KeypointEvalRequest& request,
                                                           const ChildLimits& limits) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome,
                             RunChildProcess(self_exe, "__keypoint-eval-child", ToJson(request),
                                             "evaluating keypoint model '" + request.model.model_path + "'", limits));
  auto result = KeypointEvalResultFromJson(outcome.result.value("result", json()));
  auto summary = KeypointEvalSummaryFromJson(outcome.result.value("summary", json()));
  if (!result.ok() || !summary.ok()) {
    const Status& malformed = result.ok() ? summary.status() : result.status();
    return Status::Internal("the keypoint evaluation process wrote a malformed result: " + malformed.message());
  }
  return IsolatedKeypointEvalResult{std::move(result).value(), std::move(summary).value(), outcome.wall_ms};
}

Status RunKeypointEvalChild(const fs::path& request_file, const fs::path& result_file) {
  const auto run = [&]() -> Result<json> {
    SWEETSPOT_ASSIGN_OR_RETURN(json request_json, ReadChildRequest(request_file));
    SWEETSPOT_ASSIGN_OR_RETURN(KeypointEvalRequest request, KeypointEvalRequestFromJson(request_json));
    SWEETSPOT_ASSIGN_OR_RETURN(KeypointEvalResult result, EvaluateKeypoints(request));
    SWEETSPOT_ASSIGN_OR_RETURN(KeypointEvalSummary summary, SummarizeKeypointEval(result, MetricOptionsOf(request)));
    return json{{"result", ToJson(result)}, {"summary", ToJson(summary)}};
  };
  return WriteChildResult(result_file, run());
}

}  // namespace sweetspot
