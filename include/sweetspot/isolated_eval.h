// Accuracy measured in a child process: `sweetspot __eval-child REQUEST RESULT`
// runs EvaluateModel on one model, so a crash in the runtime or a model that
// hangs costs only that measurement (the parent kills it after a timeout).
// The counterpart of RunBenchIsolated (bench_json.h) for `sweetspot study`.
//
// Thread-safety: reentrant; `cancel` may be set from a signal handler.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/child_process.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct EvalRequest {
  std::string model_path;
  std::string dataset_path;
  std::string classes_file;  // "" for none
  // Preprocessing layers applied in order over the defaults and the model's
  // metadata (each a TOML text and the name errors give it).
  struct Layer {
    std::string source;
    std::string toml;
  };
  std::vector<Layer> layers;
  std::uint64_t limit = 0;
  std::uint64_t seed = 0;
  int batch_size = 32;
  int threads = 0;  // 0: DefaultThreadCount() (cpus.h)
  bool cache_enabled = true;
  std::string cache_dir;  // "" for the default
};
nlohmann::json ToJson(const EvalRequest& request);
Result<EvalRequest> EvalRequestFromJson(const nlohmann::json& json);

struct IsolatedEvalResult {
  nlohmann::json eval;  // the `sweetspot eval --json` document
  std::vector<std::int64_t> sample_indices;
  std::vector<std::int32_t> labels;
  std::vector<std::int32_t> predicted;
  double wall_ms = 0.0;
};

// Parent side: runs `self_exe __eval-child` (see child_process.h). A crash, a
// timeout or an error in the child comes back as a Status naming the model.
Result<IsolatedEvalResult> RunEvalIsolated(const std::filesystem::path& self_exe, const EvalRequest& request,
                                           const ChildLimits& limits);

// Child side: reads REQUEST, evaluates, writes RESULT as {"result": ...} or
// {"error": {"code_id", "message"}}. Returns the Status it wrote.
Status RunEvalChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file);

}  // namespace sweetspot
