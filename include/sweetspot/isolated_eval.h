// Accuracy measured in a child process: `sweetspot __eval-child REQUEST RESULT`
// runs Evaluate (evaluate.h) on one request, so a crash in the runtime or a
// model that hangs costs only that measurement (the parent kills it after a
// timeout). The counterpart of RunBenchIsolated (bench_json.h) for
// `sweetspot study`. The child answers with a typed EvalSummary.
//
// Thread-safety: reentrant; `cancel` may be set from a signal handler.
#pragma once

#include <filesystem>

#include "sweetspot/child_process.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct IsolatedEvalResult {
  EvalSummary summary;
  double wall_ms = 0.0;  // of the whole child process
};

// Parent side: runs `self_exe __eval-child` (see child_process.h). A crash, a
// timeout or an error in the child comes back as a Status naming the model.
Result<IsolatedEvalResult> RunEvalIsolated(const std::filesystem::path& self_exe, const EvalRequest& request,
                                           const ChildLimits& limits);

// Child side: reads REQUEST, evaluates, writes RESULT as {"result": <EvalSummary>}
// or {"error": {"code_id", "message", "fixes"}}. Returns the Status it wrote.
Status RunEvalChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file);

}  // namespace sweetspot
