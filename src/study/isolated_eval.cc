#include "sweetspot/isolated_eval.h"

#include <nlohmann/json.hpp>

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

Result<IsolatedEvalResult> RunEvalIsolated(const fs::path& self_exe, const EvalRequest& request,
                                           const ChildLimits& limits) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome, RunChildProcess(self_exe, "__eval-child", ToJson(request),
                                                                   "evaluating '" + request.model_path + "'", limits));
  auto summary = EvalSummaryFromJson(outcome.result);
  if (!summary.ok()) {
    return Status::Internal("the evaluation process wrote a malformed result: " + summary.status().message());
  }
  return IsolatedEvalResult{std::move(summary).value(), outcome.wall_ms};
}

Status RunEvalChild(const fs::path& request_file, const fs::path& result_file) {
  const auto run = [&]() -> Result<json> {
    SWEETSPOT_ASSIGN_OR_RETURN(json request_json, ReadChildRequest(request_file));
    SWEETSPOT_ASSIGN_OR_RETURN(EvalRequest request, EvalRequestFromJson(request_json));
    SWEETSPOT_ASSIGN_OR_RETURN(EvalResult result, Evaluate(request));
    return ToJson(Summarize(result));
  };
  return WriteChildResult(result_file, run());
}

}  // namespace sweetspot
