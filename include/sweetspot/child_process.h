// Measurements in a child process of the sweetspot binary itself.
//
// The parent writes a JSON request, runs `self_exe SUBCOMMAND REQUEST RESULT`
// and reads back {"result": ...} or {"error": {"code_id", "message", "fixes"}}. The
// child's peak RSS comes from the kernel (wait4's ru_maxrss, the figure
// /usr/bin/time reports), a crash or a hang costs only that child, and a
// parent killed with SIGKILL takes its child with it (PR_SET_PDEATHSIG).
// Used by bench, eval (for study) and train.
//
// Thread-safety: reentrant; `ChildLimits::cancel` may be set from a signal handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/status.h"

namespace sweetspot {

struct ChildLimits {
  double timeout_s = 0;                       // 0: no limit; else kill the child and fail
  const std::atomic<bool>* cancel = nullptr;  // when set to true: kill the child, fail with "interrupted"
  std::string timeout_hint;                   // appended to the timeout error: how to allow longer
};

struct ChildOptions {
  // false: the child's stderr is kept in a file and its last line is quoted
  // if it dies; true: it goes to our stderr (the child draws progress there).
  bool share_stderr = false;
  std::vector<std::string> extra_env;  // "NAME=VALUE", added to our environment
};

struct ChildOutcome {
  nlohmann::json result;            // the "result" member the child wrote
  std::int64_t peak_rss_bytes = 0;  // of the child, from wait4
  double wall_ms = 0;
};

// `what` completes "... while <what>" in errors, e.g. "benchmarking 'm.onnx'".
// An error the child reported comes back with its own StatusCode.
Result<ChildOutcome> RunChildProcess(const std::filesystem::path& self_exe, std::string_view subcommand,
                                     const nlohmann::json& request, const std::string& what,
                                     const ChildLimits& limits = {}, const ChildOptions& options = {});

// Child side: reads the request file written by RunChildProcess.
Result<nlohmann::json> ReadChildRequest(const std::filesystem::path& request_file);

// Child side: writes `result` (or its error) where the parent looks for it.
// Returns `result`'s status, or the write error.
Status WriteChildResult(const std::filesystem::path& result_file, Result<nlohmann::json> result);

// The sweetspot binary currently running (/proc/self/exe).
Result<std::filesystem::path> SelfExecutable();

}  // namespace sweetspot
