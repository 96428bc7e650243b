// Keypoint accuracy measured in a child process: `sweetspot
// __keypoint-eval-child REQUEST RESULT` runs EvaluateKeypoints
// (keypoint_eval.h) on one request and summarises it with the request's
// metric settings (keypoint_eval_summary.h), so a crash in the runtime or a
// model that hangs costs only that measurement (the parent kills it after a
// timeout). The keypoint counterpart of RunDetectionEvalIsolated
// (isolated_detection_eval.h) for `sweetspot study`.
//
// Thread-safety: reentrant; `limits.cancel` may be set from a signal handler.
#pragma once

#include <filesystem>

#include "sweetspot/child_process.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/keypoint_eval_summary.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct IsolatedKeypointEvalResult {
  // The persons and predictions: two models' results on the same dataset
  // compare with CompareKeypointResults.
  KeypointEvalResult result;
  KeypointEvalSummary summary;  // SummarizeKeypointEval(result, MetricOptionsOf(request))
  double wall_ms = 0.0;         // of the whole child process
};

// Parent side: runs `self_exe __keypoint-eval-child` (child_process.h). A
// crash, a timeout or an error in the child comes back as a Status naming
// the model (an error with its fixes, e.g. the engine that loads the model).
Result<IsolatedKeypointEvalResult> RunKeypointEvalIsolated(const std::filesystem::path& self_exe,
                                                           const KeypointEvalRequest& request,
                                                           const ChildLimits& limits);

// Child side: reads REQUEST, evaluates, writes RESULT as {"result":
// {"result": <KeypointEvalResult>, "summary": <KeypointEvalSummary>}} or
// {"error": {...}}. Returns the Status it wrote.
Status RunKeypointEvalChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file);

}  // namespace sweetspot
