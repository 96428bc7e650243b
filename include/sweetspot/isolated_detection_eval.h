// Detection accuracy measured in a child process: `sweetspot
// __detection-eval-child REQUEST RESULT` runs EvaluateDetector
// (detection_eval.h) on one request, so a crash in the runtime or a model that
// hangs costs only that measurement (the parent kills it after a timeout).
// The detection counterpart of RunEvalIsolated (isolated_eval.h) for
// `sweetspot study`; the child answers with a typed DetectionEvalSummary.
//
// Thread-safety: reentrant; `limits.cancel` may be set from a signal handler.
#pragma once

#include <filesystem>

#include "sweetspot/child_process.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct IsolatedDetectionEvalResult {
  DetectionEvalSummary summary;  // with the per-image arrays
  double wall_ms = 0.0;          // of the whole child process
};

// Parent side: runs `self_exe __detection-eval-child` (child_process.h). A
// crash, a timeout or an error in the child comes back as a Status naming the model.
Result<IsolatedDetectionEvalResult> RunDetectionEvalIsolated(const std::filesystem::path& self_exe,
                                                             const DetectionEvalRequest& request,
                                                             const ChildLimits& limits);

// Child side: reads REQUEST, evaluates, writes RESULT as
// {"result": <DetectionEvalSummary>} or {"error": {...}}. Returns the Status it wrote.
Status RunDetectionEvalChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file);

}  // namespace sweetspot
