#include "sweetspot/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "sweetspot/json_numbers.h"
#include "sweetspot/text_file.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<json> ReadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read '" + path.string() + "'");
  json parsed = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidData("'" + path.string() + "' is not valid JSON");
  return parsed;
}

// A private temporary folder that disappears with this object.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-child-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The last non-empty line of the child's stderr: often the runtime's own
// words for why it died.
std::string LastLine(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    const auto end = line.find_last_not_of(" \r\t");
    if (end != std::string::npos) last = line.substr(0, end + 1);
  }
  const auto cr = last.rfind('\r');  // a progress line redrawn in place
  if (cr != std::string::npos) last = last.substr(cr + 1);
  return last.size() > 200 ? last.substr(0, 200) + "..." : last;
}

}  // namespace

Result<ChildOutcome> RunChildProcess(const fs::path& self_exe, std::string_view subcommand, const json& request,
                                     const std::string& what, const ChildLimits& limits, const ChildOptions& options) {
  ScratchDir scratch;
  if (scratch.path().empty()) {
    return Status::IoError("cannot create a temporary folder: " + std::string(strerror(errno)));
  }
  const fs::path request_file = scratch.path() / "request.json";
  const fs::path result_file = scratch.path() / "result.json";
  const fs::path stderr_file = scratch.path() / "stderr.txt";
  SWEETSPOT_RETURN_IF_ERROR(WriteTextFile(request_file, DumpJson(request)));

  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls are allowed.
  const std::string exe = self_exe.string();
  const std::string sub(subcommand);
  const std::string req = request_file.string();
  const std::string res = result_file.string();
  const std::string err = stderr_file.string();
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), options.extra_env.begin(), options.extra_env.end());
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const char* argv[] = {exe.c_str(), sub.c_str(), req.c_str(), res.c_str(), nullptr};
  const pid_t parent = getpid();

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return Status::IoError("fork failed: " + std::string(strerror(errno)));
  if (pid == 0) {
    // A parent killed with SIGKILL must not leave its measurement running on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    if (!options.share_stderr) {
      const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    }
    execve(exe.c_str(), const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }

  int wait_status = 0;
  rusage usage{};
  const bool has_deadline = limits.timeout_s > 0;
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(limits.timeout_s));
  std::string stopped;  // why we killed it, if we did
  for (;;) {
    const pid_t done = wait4(pid, &wait_status, WNOHANG, &usage);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return Status::Internal("wait4 failed: " + std::string(strerror(errno)));
    if (stopped.empty()) {
      if (limits.cancel != nullptr && limits.cancel->load()) {
        stopped = "interrupted";
      } else if (has_deadline && std::chrono::steady_clock::now() > deadline) {
        stopped = "timeout";
      }
      if (!stopped.empty()) kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (stopped == "interrupted") return Status::RuntimeError("interrupted");
  if (stopped == "timeout") {
    return Status::RuntimeError(fmt::format("timed out after {:g} s while {}; the process was killed{}",
                                            limits.timeout_s, what,
                                            limits.timeout_hint.empty() ? "" : " (" + limits.timeout_hint + ")"));
  }
  const std::string last = options.share_stderr ? std::string() : LastLine(stderr_file);
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return Status::RuntimeError(fmt::format("the measuring process crashed (signal {}, {}) while {}{}", sig,
                                            strsignal(sig), what, last.empty() ? "" : " (last words: " + last + ")"));
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 127) {
    return Status::Internal("cannot start the measuring process '" + exe + "'");
  }
  auto parsed = ReadJsonFile(result_file);
  if (!parsed.ok()) {
    return Status::RuntimeError(fmt::format("the measuring process exited with status {} without a result while {}{}",
                                            WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1, what,
                                            last.empty() ? "" : ": " + last));
  }
  const json& doc = *parsed;
  if (doc.contains("error")) {
    const auto& e = doc["error"];
    const int code = e.value("code_id", static_cast<int>(StatusCode::kInternal));
    const bool known = code > static_cast<int>(StatusCode::kOk) && code <= static_cast<int>(StatusCode::kUnavailable);
    std::vector<FieldFix> fixes;
    for (const json& fix : e.value("fixes", json::array())) {
      fixes.push_back({fix.value("field", std::string()), fix.value("key", std::string()),
                       fix.value("values", std::vector<std::string>())});
    }
    return Status::FromCode(known ? static_cast<StatusCode>(code) : StatusCode::kInternal,
                            e.value("message", std::string("unknown error in the measuring process")),
                            std::move(fixes));
  }
  if (!doc.contains("result")) return Status::Internal("the measuring process wrote no result while " + what);
  // ru_maxrss is in KiB on Linux.
  return ChildOutcome{doc["result"], static_cast<std::int64_t>(usage.ru_maxrss) * 1024, wall_ms};
}

Result<json> ReadChildRequest(const fs::path& request_file) { return ReadJsonFile(request_file); }

Status WriteChildResult(const fs::path& result_file, Result<json> result) {
  if (result.ok()) {
    // Written as null, a NaN would surface in the parent as a type error.
    if (std::optional<std::string> where = FirstNonFiniteNumber(*result)) {
      result = Status::Internal("the measuring process's result holds a non-finite number at " + *where);
    }
  }
  json out;
  if (result.ok()) {
    out["result"] = std::move(*result);
  } else {
    json fixes = json::array();
    for (const FieldFix& fix : result.status().fixes()) {
      fixes.push_back({{"field", fix.field}, {"key", fix.key}, {"values", fix.values}});
    }
    out["error"] = {{"code_id", static_cast<int>(result.status().code())},
                    {"message", result.status().message()},
                    {"fixes", std::move(fixes)}};
  }
  SWEETSPOT_RETURN_IF_ERROR(WriteTextFile(result_file, DumpJson(out)));
  return result.status();
}

Result<fs::path> SelfExecutable() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return Status::Internal("cannot find the running executable (/proc/self/exe): " + ec.message());
  return self;
}

}  // namespace sweetspot
