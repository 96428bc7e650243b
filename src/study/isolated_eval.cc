#include "sweetspot/isolated_eval.h"

#include <algorithm>

#include <fmt/format.h>

#include "sweetspot/cpus.h"
#include "sweetspot/dataset.h"
#include "sweetspot/eval_report.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/preprocess.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

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
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome, RunChildProcess(self_exe, "__eval-child", ToJson(request),
                                                                   "evaluating '" + request.model_path + "'", limits));
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
  const int threads = request.threads > 0 ? request.threads : DefaultThreadCount();
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
  auto request_json = ReadChildRequest(request_file);
  auto request = request_json.ok() ? EvalRequestFromJson(*request_json) : Result<EvalRequest>(request_json.status());
  return WriteChildResult(result_file, request.ok() ? EvaluateRequest(*request) : Result<json>(request.status()));
}

}  // namespace sweetspot
