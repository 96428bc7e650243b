#include "sweetspot/isolated_eval.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "sweetspot/dataset.h"
#include "sweetspot/eval_report.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/preprocess.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<json> ReadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read '" + path.string() + "'");
  auto parsed = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidData("'" + path.string() + "' is not valid JSON");
  return parsed;
}

Status WriteJsonFile(const fs::path& path, const json& value) {
  std::ofstream out(path, std::ios::trunc);
  out << value;
  return out ? Status::Ok() : Status::IoError("cannot write '" + path.string() + "'");
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-study-XXXXXX").string();
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
  std::string line, last;
  while (std::getline(in, line)) {
    const auto end = line.find_last_not_of(" \r\t");
    if (end != std::string::npos) last = line.substr(0, end + 1);
  }
  const auto cr = last.rfind('\r');  // a progress line redrawn in place
  if (cr != std::string::npos) last = last.substr(cr + 1);
  return last.size() > 200 ? last.substr(0, 200) + "..." : last;
}

struct ChildOutcome {
  json result;
  std::int64_t peak_rss_bytes = 0;
  double wall_ms = 0.0;
};

// Runs `self_exe SUBCOMMAND REQUEST RESULT` with stdout discarded and stderr
// kept, and waits for it within `limits`. `what` completes "while ...".
Result<ChildOutcome> RunChild(const fs::path& self_exe, const char* subcommand, const json& request,
                              const ChildLimits& limits, const std::string& what) {
  ScratchDir scratch;
  if (scratch.path().empty())
    return Status::IoError("cannot create a temporary folder: " + std::string(strerror(errno)));
  const fs::path request_file = scratch.path() / "request.json";
  const fs::path result_file = scratch.path() / "result.json";
  const fs::path stderr_file = scratch.path() / "stderr.txt";
  SWEETSPOT_RETURN_IF_ERROR(WriteJsonFile(request_file, request));

  const std::string exe = self_exe.string(), req = request_file.string(), res = result_file.string(),
                    err = stderr_file.string();
  const pid_t parent = getpid();
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return Status::IoError("fork failed: " + std::string(strerror(errno)));
  if (pid == 0) {
    // A study killed with SIGKILL must not leave its measurement running on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null_fd = open("/dev/null", O_WRONLY);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    const char* argv[] = {exe.c_str(), subcommand, req.c_str(), res.c_str(), nullptr};
    execv(exe.c_str(), const_cast<char* const*>(argv));
    _exit(127);
  }

  int wait_status = 0;
  rusage usage{};
  const auto deadline = start + std::chrono::duration<double>(limits.timeout_s);
  std::string stopped;  // why the parent killed it, if it did
  for (;;) {
    const pid_t done = wait4(pid, &wait_status, WNOHANG, &usage);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return Status::Internal("wait4 failed: " + std::string(strerror(errno)));
    if (stopped.empty()) {
      if (limits.cancel != nullptr && limits.cancel->load()) {
        stopped = "interrupted";
      } else if (std::chrono::steady_clock::now() > deadline) {
        stopped = "timeout";
      }
      if (!stopped.empty()) kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (stopped == "interrupted") return Status::RuntimeError("interrupted");
  if (stopped == "timeout") {
    return Status::RuntimeError(fmt::format(
        "timed out after {:g} s while {}; the process was killed (raise [runtime] timeout_s if it needs longer)",
        limits.timeout_s, what));
  }
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const std::string last = LastLine(stderr_file);
    return Status::RuntimeError(fmt::format("the measuring process crashed (signal {}, {}) while {}{}", sig,
                                            strsignal(sig), what, last.empty() ? "" : " (last words: " + last + ")"));
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 127) {
    return Status::Internal("cannot start the measuring process '" + exe + "'");
  }
  auto parsed = ReadJsonFile(result_file);
  if (!parsed.ok()) {
    const std::string last = LastLine(stderr_file);
    return Status::RuntimeError(fmt::format("the measuring process exited with status {} without a result while {}{}",
                                            WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1, what,
                                            last.empty() ? "" : ": " + last));
  }
  const json& doc = *parsed;
  if (doc.contains("error")) {
    const auto& e = doc["error"];
    const int code = e.value("code_id", static_cast<int>(StatusCode::kInternal));
    const bool known = code > static_cast<int>(StatusCode::kOk) && code <= static_cast<int>(StatusCode::kInternal);
    return Status::FromCode(known ? static_cast<StatusCode>(code) : StatusCode::kInternal,
                            e.value("message", std::string("unknown error in the measuring process")));
  }
  if (!doc.contains("result")) return Status::Internal("the measuring process wrote no result while " + what);
  // ru_maxrss is in KiB on Linux.
  return ChildOutcome{doc["result"], static_cast<std::int64_t>(usage.ru_maxrss) * 1024, wall_ms};
}

template <typename T>
std::vector<T> Column(const json& array) {
  std::vector<T> out;
  out.reserve(array.size());
  for (const auto& v : array) out.push_back(v.get<T>());
  return out;
}

}  // namespace

json ToJson(const EvalRequest& r) {
  json layers = json::array();
  for (const auto& l : r.layers) layers.push_back({{"source", l.source}, {"toml", l.toml}});
  return {{"model_path", r.model_path},
          {"dataset_path", r.dataset_path},
          {"classes_file", r.classes_file},
          {"layers", layers},
          {"limit", r.limit},
          {"seed", r.seed},
          {"batch_size", r.batch_size},
          {"threads", r.threads},
          {"cache_enabled", r.cache_enabled},
          {"cache_dir", r.cache_dir}};
}

Result<EvalRequest> EvalRequestFromJson(const json& j) {
  try {
    EvalRequest r;
    r.model_path = j.at("model_path").get<std::string>();
    r.dataset_path = j.at("dataset_path").get<std::string>();
    r.classes_file = j.at("classes_file").get<std::string>();
    for (const auto& l : j.at("layers"))
      r.layers.push_back({l.at("source").get<std::string>(), l.at("toml").get<std::string>()});
    r.limit = j.at("limit").get<std::uint64_t>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.batch_size = j.at("batch_size").get<int>();
    r.threads = j.at("threads").get<int>();
    r.cache_enabled = j.at("cache_enabled").get<bool>();
    r.cache_dir = j.at("cache_dir").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("evaluation request: ") + e.what());
  }
}

Result<IsolatedEvalResult> RunEvalIsolated(const fs::path& self_exe, const EvalRequest& request,
                                           const ChildLimits& limits) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome, RunChild(self_exe, "__eval-child", ToJson(request), limits,
                                                            "evaluating '" + request.model_path + "'"));
  try {
    IsolatedEvalResult r;
    r.eval = outcome.result.at("eval");
    r.sample_indices = Column<std::int64_t>(outcome.result.at("indices"));
    r.labels = Column<std::int32_t>(outcome.result.at("labels"));
    r.predicted = Column<std::int32_t>(outcome.result.at("predicted"));
    r.wall_ms = outcome.wall_ms;
    return r;
  } catch (const json::exception& e) {
    return Status::Internal(std::string("the evaluation process wrote a malformed result: ") + e.what());
  }
}

Result<BenchResult> RunBenchIsolatedWithLimits(const fs::path& self_exe, const BenchRequest& request,
                                               const ChildLimits& limits) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome, RunChild(self_exe, "__bench-child", ToJson(request), limits,
                                                            "benchmarking '" + request.model_path + "'"));
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult result, BenchResultFromJson(outcome.result));
  result.memory.isolated = true;
  result.memory.process_peak_rss_bytes = outcome.peak_rss_bytes;
  return result;
}

namespace {

Result<json> EvaluateRequest(const EvalRequest& request) {
  DatasetOptions dataset_options;
  dataset_options.class_names_file = request.classes_file;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> dataset, OpenDataset(request.dataset_path, dataset_options));
  const std::vector<std::size_t> indices = StratifiedSubset(*dataset, request.limit, request.seed);

  // Defaults < the model's metadata < the study's layers (dataset, then model).
  PreprocessSpec spec;
  SWEETSPOT_ASSIGN_OR_RETURN(std::optional<std::string> metadata,
                             ReadModelMetadata(request.model_path, kPreprocessMetadataKey));
  if (metadata) {
    SWEETSPOT_ASSIGN_OR_RETURN(
        spec, ParsePreprocessToml(
                  *metadata, fmt::format("{} metadata_props '{}'", request.model_path, kPreprocessMetadataKey), spec));
  }
  for (const auto& layer : request.layers) {
    SWEETSPOT_ASSIGN_OR_RETURN(spec, ParsePreprocessToml(layer.toml, layer.source, spec));
  }
  const int threads =
      request.threads > 0 ? request.threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  BackendOptions backend_options;
  backend_options.intra_op_threads = threads;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));
  EvalOptions options;
  options.batch_size = request.batch_size;
  options.cache.enabled = request.cache_enabled;
  options.cache.dir = request.cache_dir;
  options.cache.threads = threads;
  SWEETSPOT_ASSIGN_OR_RETURN(EvalResult result, EvaluateModel(*backend, backend_options, request.model_path, *dataset,
                                                              indices, spec, options));
  json out;
  out["eval"] = json::parse(RenderEvalJson(result, nullptr, nullptr));
  std::vector<std::int32_t> labels, predicted;
  for (const auto& p : result.predictions) {
    labels.push_back(p.label);
    predicted.push_back(p.predicted());
  }
  out["indices"] = result.indices;
  out["labels"] = labels;
  out["predicted"] = predicted;
  return out;
}

}  // namespace

Status RunEvalChild(const fs::path& request_file, const fs::path& result_file) {
  json out;
  auto request_json = ReadJsonFile(request_file);
  auto request = request_json.ok() ? EvalRequestFromJson(*request_json) : Result<EvalRequest>(request_json.status());
  Status status = request.status();
  if (request.ok()) {
    auto result = EvaluateRequest(*request);
    if (result.ok()) {
      out["result"] = std::move(result).value();
    } else {
      status = result.status();
    }
  }
  if (!status.ok()) out["error"] = {{"code_id", static_cast<int>(status.code())}, {"message", status.message()}};
  SWEETSPOT_RETURN_IF_ERROR(WriteJsonFile(result_file, out));
  return status;
}

}  // namespace sweetspot
