#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "sweetspot/bench_json.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

Result<nlohmann::json> ReadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read '" + path.string() + "'");
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::InvalidData("'" + path.string() + "' is not valid JSON");
  return json;
}

Status WriteJsonFile(const fs::path& path, const nlohmann::json& json) {
  std::ofstream out(path, std::ios::trunc);
  out << json;  // streamed: a dump() string would add to the child's peak RSS
  return out ? Status::Ok() : Status::IoError("cannot write '" + path.string() + "'");
}

// A private temp folder that disappears with this object.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-bench-XXXXXX").string();
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

}  // namespace

Result<BenchResult> RunBenchIsolated(const fs::path& self_exe, const BenchRequest& request) {
  ScratchDir scratch;
  if (scratch.path().empty())
    return Status::IoError("cannot create a temporary folder: " + std::string(strerror(errno)));
  const fs::path request_file = scratch.path() / "request.json";
  const fs::path result_file = scratch.path() / "result.json";
  SWEETSPOT_RETURN_IF_ERROR(WriteJsonFile(request_file, ToJson(request)));

  const std::string exe = self_exe.string();
  const std::string req = request_file.string();
  const std::string res = result_file.string();
  const pid_t pid = fork();
  if (pid < 0) return Status::IoError("fork failed: " + std::string(strerror(errno)));
  if (pid == 0) {
    const char* argv[] = {exe.c_str(), "__bench-child", req.c_str(), res.c_str(), nullptr};
    execv(exe.c_str(), const_cast<char* const*>(argv));
    _exit(127);
  }
  int wait_status = 0;
  rusage usage{};
  while (wait4(pid, &wait_status, 0, &usage) < 0) {
    if (errno != EINTR) return Status::Internal("wait4 failed: " + std::string(strerror(errno)));
  }
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return Status::RuntimeError("the measuring process crashed (signal " + std::to_string(sig) + ", " + strsignal(sig) +
                                ") while benchmarking '" + request.model_path + "'; the runtime cannot run this model");
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 127) {
    return Status::Internal("cannot start the measuring process '" + exe + "'");
  }
  SWEETSPOT_ASSIGN_OR_RETURN(nlohmann::json json, ReadJsonFile(result_file));
  if (json.contains("error")) {
    const auto& e = json["error"];
    return Status::FromCode(static_cast<StatusCode>(e.value("code_id", static_cast<int>(StatusCode::kInternal))),
                            e.value("message", std::string("unknown error in the measuring process")));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult result, BenchResultFromJson(json.at("result")));
  result.memory.isolated = true;
  // ru_maxrss is in KiB on Linux.
  result.memory.process_peak_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  return result;
}

Status RunBenchChild(const fs::path& request_file, const fs::path& result_file, const ProgressFn& progress) {
  Status status;
  nlohmann::json out;
  auto request_json = ReadJsonFile(request_file);
  auto request = request_json.ok() ? BenchRequestFromJson(*request_json) : Result<BenchRequest>(request_json.status());
  if (!request.ok()) {
    status = request.status();
  } else {
    auto backend = CreateBackend(request->backend);
    auto result = backend.ok() ? RunBench(**backend, request->model_path, request->options, request->config,
                                          request->inputs, progress)
                               : Result<BenchResult>(backend.status());
    if (result.ok()) {
      out["result"] = ToJson(*result);
    } else {
      status = result.status();
    }
  }
  if (!status.ok()) out["error"] = {{"code_id", static_cast<int>(status.code())}, {"message", status.message()}};
  SWEETSPOT_RETURN_IF_ERROR(WriteJsonFile(result_file, out));
  return status;
}

}  // namespace sweetspot
