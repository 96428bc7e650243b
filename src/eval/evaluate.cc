#include "sweetspot/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sweetspot/cpus.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;
namespace {

std::string Percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f %%", 100.0 * fraction);
  return buf;
}

bool IsFloat(DType dtype) { return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kFloat64; }

// Class scores per sample of `output` (float32/float16/float64), as float32.
Result<std::vector<float>> OutputAsFloat(const Tensor& output, const std::string& name) {
  if (output.dtype() == DType::kFloat32) {
    const auto v = output.values<float>();
    return std::vector<float>(v.begin(), v.end());
  }
  if (output.dtype() == DType::kFloat16) {
    std::vector<float> out(static_cast<std::size_t>(output.element_count()));
    const cv::Mat half(1, static_cast<int>(out.size()), CV_16F, const_cast<void*>(output.data()));
    cv::Mat single(1, static_cast<int>(out.size()), CV_32F, out.data());
    half.convertTo(single, CV_32F);
    return out;
  }
  if (output.dtype() == DType::kFloat64) {
    const auto v = output.values<double>();
    std::vector<float> out(v.size());
    std::transform(v.begin(), v.end(), out.begin(), [](double d) { return static_cast<float>(d); });
    return out;
  }
  return Status::Unsupported("model output '" + name + "' is " + std::string(DTypeName(output.dtype())) +
                             "; sweetspot eval reads float32, float16 or float64 class scores");
}

// The dataset's notes go into the message: a class folder left out for being
// empty is the usual reason a dataset has one class fewer than the model.
Status WidthMismatch(const std::string& output, std::int64_t width, const Dataset& dataset) {
  const std::vector<std::string> notes = dataset.notes();
  const std::string noted = notes.empty() ? "" : fmt::format(" (the dataset: {})", fmt::join(notes, "; "));
  return Status::InvalidData("model output '" + output + "' gives " + std::to_string(width) +
                             " scores per sample but the dataset has " + std::to_string(dataset.class_names().size()) +
                             " classes" + noted +
                             ": evaluate on data with the model's classes (check the class folders, the class list "
                             "or the manifest labels)")
      .WithFix({"classes", "", {"FILE"}});
}

}  // namespace

Result<ScoresOutput> FindScoresOutput(const std::vector<TensorInfo>& outputs) {
  const TensorInfo* first_tensor = nullptr;
  std::size_t fetched = 0;
  for (const TensorInfo& output : outputs) {
    if (!output.is_tensor()) continue;
    if (IsFloat(output.dtype) && !output.shape.empty() && !(output.shape.size() == 1 && output.shape[0] < 0)) {
      return ScoresOutput{fetched, output};
    }
    if (first_tensor == nullptr) first_tensor = &output;
    ++fetched;
  }
  const std::string fix =
      ": eval reads class scores, float [N,classes]; export the model with its scores (logits or probabilities) "
      "as an output";
  if (first_tensor == nullptr) {
    const std::string what =
        outputs.empty() ? "no outputs" : "no tensor output (only " + outputs.front().value_type + ")";
    return Status::InvalidData(what + fix);
  }
  const std::string declared =
      std::string(DTypeName(first_tensor->dtype)) + " " + ShapeToString(first_tensor->shape, first_tensor->dim_names);
  const std::string kind = !IsFloat(first_tensor->dtype) ? "labels or indices, not scores"
                           : first_tensor->shape.empty() ? "a scalar"
                                                         : "one value per sample";
  return Status::InvalidData("output '" + first_tensor->name + "' is " + declared + " (" + kind + ")" + fix);
}

Result<std::optional<std::string>> ReadModelMetadata(const fs::path& model, std::string_view key) {
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto proto, LoadOnnxModel(model));
  for (const auto& prop : proto.metadata_props()) {
    if (prop.key() == key) return std::optional<std::string>(prop.value());
  }
  return std::optional<std::string>();
}

Status CheckExcluded(const PreparedTensors& tensors, const EvalOptions& options) {
  if (tensors.size() == 0) {
    if (tensors.excluded.empty()) return Status::InvalidData("the dataset has zero samples to evaluate");
    return Status::InvalidData("none of the " + std::to_string(tensors.requested) +
                               " images could be read; first: " + tensors.excluded.front().reason);
  }
  if (options.allow_corrupt || tensors.excluded.empty()) return Status::Ok();
  const double fraction = static_cast<double>(tensors.excluded.size()) / static_cast<double>(tensors.requested);
  if (fraction <= options.max_excluded_fraction) return Status::Ok();
  return Status::InvalidData(
             std::to_string(tensors.excluded.size()) + " of " + std::to_string(tensors.requested) + " images (" +
             Percent(fraction) + ") could not be read, more than the " + Percent(options.max_excluded_fraction) +
             " allowed; first: " + tensors.excluded.front().reason + "; fix or remove them, or evaluate the rest")
      .WithFix({"allow_corrupt", "", {}});
}

Result<EvalResult> RunEvaluation(Session& session, const PreparedTensors& tensors, const Dataset& dataset,
                                 const EvalOptions& options) {
  const auto& inputs = session.inputs();
  const auto& outputs = session.outputs();
  if (inputs.size() != 1) {
    return Status::Unsupported("the model takes " + std::to_string(inputs.size()) +
                               " inputs; sweetspot eval feeds a single image input");
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const ScoresOutput scores_output, FindScoresOutput(outputs));
  const TensorInfo& input = inputs[0];
  const TensorInfo& output = scores_output.info;
  const std::size_t classes = dataset.class_names().size();

  if (output.shape.size() >= 2) {
    const Shape per_sample(output.shape.begin() + 1, output.shape.end());
    if (IsStatic(per_sample) && ElementCount(per_sample) != static_cast<std::int64_t>(classes)) {
      return WidthMismatch(output.name, ElementCount(per_sample), dataset);
    }
  }
  const bool fixed_batch = !input.shape.empty() && input.shape[0] > 0;
  const std::size_t batch_size = fixed_batch ? static_cast<std::size_t>(input.shape[0])
                                             : static_cast<std::size_t>(std::max(1, options.batch_size));

  EvalResult result;
  result.dataset = dataset.description();
  result.dataset_notes = dataset.notes();
  result.class_names = dataset.class_names();
  result.input_name = input.name;
  result.output_name = output.name;
  result.batch_size = static_cast<int>(batch_size);
  result.requested = tensors.requested;
  result.excluded = tensors.excluded;
  result.indices = tensors.indices;
  result.cache_hit = tensors.from_cache;
  result.cache_file = tensors.cache_file.string();
  result.cache_warning = tensors.cache_warning;
  result.prepare_ms = tensors.prepare_ms;
  result.samples.reserve(tensors.size());
  for (auto i : tensors.indices) result.samples.push_back(dataset.sample(i));

  std::vector<RowSummary> rows;
  rows.reserve(tensors.size());
  const bool keep_scores = tensors.size() * classes <= options.max_score_values;
  if (keep_scores) result.scores.reserve(tensors.size() * classes);
  const std::size_t sample_bytes = tensors.sample_size_bytes();
  double inference_ms = 0.0;
  if (options.progress) options.progress({"infer", 0, tensors.size()});
  for (std::size_t begin = 0; begin < tensors.size(); begin += batch_size) {
    const std::size_t count = std::min(batch_size, tensors.size() - begin);
    std::vector<Tensor> feed;
    if (count == batch_size || !fixed_batch) {
      feed.push_back(tensors.Batch(begin, count));
    } else {
      // A fixed batch larger than what is left: zero-pad, ignore the padding's rows.
      Shape shape{static_cast<std::int64_t>(batch_size)};
      shape.insert(shape.end(), tensors.sample_shape.begin(), tensors.sample_shape.end());
      Tensor padded = Tensor::Owned(tensors.dtype, std::move(shape));
      std::memcpy(padded.data(), tensors.data + begin * sample_bytes, count * sample_bytes);
      feed.push_back(std::move(padded));
    }
    const auto start = std::chrono::steady_clock::now();
    auto ran = session.Run(feed);
    inference_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!ran.ok()) return ran.status();
    if (ran->size() <= scores_output.fetched_index) return Status::RuntimeError("the model returned too few outputs");
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<float> scores,
                               OutputAsFloat((*ran)[scores_output.fetched_index], output.name));
    const std::size_t fed = static_cast<std::size_t>(feed[0].shape()[0]);
    if (scores.empty() || scores.size() % fed != 0) {
      return Status::InvalidData("model output '" + output.name + "' has " + std::to_string(scores.size()) +
                                 " values for a batch of " + std::to_string(fed));
    }
    const std::size_t width = scores.size() / fed;
    if (width != classes) return WidthMismatch(output.name, static_cast<std::int64_t>(width), dataset);
    for (std::size_t i = 0; i < count; ++i) {
      const std::span<const float> row(scores.data() + i * width, width);
      for (float v : row) {
        if (!std::isfinite(v)) {
          const SampleInfo& s = result.samples[begin + i];
          return Status::InvalidData("model output '" + output.name + "' has " + (std::isnan(v) ? "NaN" : "Inf") +
                                     " for sample '" + s.id + "' (" + s.path.string() +
                                     "): the model is numerically broken for this input");
        }
      }
      rows.push_back(SummarizeRow(row));
      if (keep_scores) result.scores.insert(result.scores.end(), row.begin(), row.end());
    }
    if (options.progress) options.progress({"infer", begin + count, tensors.size()});
  }
  result.inference_ms = inference_ms;

  result.output_kind_detected = options.output_kind == OutputKind::kAuto;
  result.output_kind = result.output_kind_detected ? DetectOutputKind(rows) : options.output_kind;
  result.predictions = ToPredictions(rows, tensors.labels, result.output_kind);
  result.metrics = ComputeMetrics(result.predictions, result.class_names);
  if (options.label_map) {
    result.label_map = options.label_map;
    result.coarse_metrics =
        ComputeMetrics(MapToCoarse(result.predictions, *options.label_map), options.label_map->coarse_names);
  }
  return result;
}

Result<EvalResult> EvaluateModel(Backend& backend, const BackendOptions& backend_options, const fs::path& model,
                                 const Dataset& dataset, std::span<const std::size_t> indices,
                                 const PreprocessSpec& spec, const EvalOptions& options) {
  auto session = backend.Load(model, backend_options);
  if (!session.ok()) return session.status();
  const auto& inputs = (*session)->inputs();
  if (inputs.empty()) return Status::InvalidData("model " + model.string() + " has no inputs");
  // Before any image is decoded: a model without class scores is the model's problem.
  if (auto scores = FindScoresOutput((*session)->outputs()); !scores.ok()) {
    return scores.status().WithContext("model '" + model.string() + "'");
  }
  auto resolved = Resolve(spec, inputs[0]);
  if (!resolved.ok()) return resolved.status().WithContext(model.string());

  PrepareProgress progress;
  if (options.progress) {
    progress = [&](std::size_t done, std::size_t total) { options.progress({"decode", done, total}); };
  }
  SWEETSPOT_ASSIGN_OR_RETURN(PreparedTensors tensors,
                             PrepareTensors(dataset, indices, *resolved, options.cache, progress));
  if (tensors.from_cache && options.progress) options.progress({"cache", tensors.requested, tensors.requested});
  SWEETSPOT_RETURN_IF_ERROR(CheckExcluded(tensors, options));
  auto result = RunEvaluation(**session, tensors, dataset, options);
  if (!result.ok()) return result.status().WithContext(model.string());
  result->model = model.string();
  result->spec = *resolved;
  result->threads = backend_options.intra_op_threads;
  result->engine = backend.name();
  return result;
}

json ToJson(const EvalRequest& r) {
  json layers = json::array();
  for (const auto& l : r.layers) {
    layers.push_back(
        {{"source", l.source.name}, {"source_has_lines", l.source.has_lines}, {"toml", l.toml}, {"file", l.file}});
  }
  return {{"model_path", r.model_path},
          {"dataset_path", r.dataset_path},
          {"classes_file", r.classes_file},
          {"layers", layers},
          {"limit", r.limit},
          {"seed", r.seed},
          {"exclude_indices", r.exclude_indices},
          {"batch_size", r.batch_size},
          {"threads", r.threads},
          {"engine", r.engine},
          {"max_score_values", r.max_score_values},
          {"output_kind", OutputKindName(r.output_kind)},
          {"allow_corrupt", r.allow_corrupt},
          {"cache_enabled", r.cache_enabled},
          {"cache_dir", r.cache_dir},
          {"label_map_file", r.label_map_file}};
}

Result<EvalRequest> EvalRequestFromJson(const json& j) {
  try {
    EvalRequest r;
    r.model_path = j.at("model_path").get<std::string>();
    r.dataset_path = j.at("dataset_path").get<std::string>();
    r.classes_file = j.at("classes_file").get<std::string>();
    for (const auto& l : j.at("layers")) {
      r.layers.push_back({PreprocessSource(l.at("source").get<std::string>(), l.at("source_has_lines").get<bool>()),
                          l.at("toml").get<std::string>(), l.at("file").get<std::string>()});
    }
    r.limit = j.at("limit").get<std::uint64_t>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.exclude_indices = j.value("exclude_indices", std::vector<std::size_t>());
    r.batch_size = j.at("batch_size").get<int>();
    r.threads = j.at("threads").get<int>();
    r.engine = j.value("engine", r.engine);
    r.max_score_values = j.value("max_score_values", r.max_score_values);
    SWEETSPOT_ASSIGN_OR_RETURN(r.output_kind, ParseOutputKind(j.at("output_kind").get<std::string>()));
    r.allow_corrupt = j.at("allow_corrupt").get<bool>();
    r.cache_enabled = j.at("cache_enabled").get<bool>();
    r.cache_dir = j.at("cache_dir").get<std::string>();
    r.label_map_file = j.at("label_map_file").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("evaluation request: ") + e.what());
  }
}

int EvalThreads(int requested) { return requested > 0 ? requested : DefaultThreadCount(); }

Result<PreprocessSpec> LayerPreprocessing(const fs::path& model, std::span<const PreprocessLayer> layers) {
  PreprocessSpec spec;
  SWEETSPOT_ASSIGN_OR_RETURN(std::optional<std::string> metadata, ReadModelMetadata(model, kPreprocessMetadataKey));
  if (metadata) {
    const std::string source = fmt::format("{} metadata_props '{}'", model.string(), kPreprocessMetadataKey);
    SWEETSPOT_ASSIGN_OR_RETURN(spec, ParsePreprocessToml(*metadata, source, spec, /*validate=*/false));
  }
  return LayerPreprocessing(spec, layers);
}

Result<PreprocessSpec> LayerPreprocessing(PreprocessSpec spec, std::span<const PreprocessLayer> layers) {
  for (const PreprocessLayer& layer : layers) {
    SWEETSPOT_ASSIGN_OR_RETURN(spec, layer.file.empty()
                                         ? ParsePreprocessToml(layer.toml, layer.source, spec, /*validate=*/false)
                                         : LoadPreprocessFile(layer.file, spec, /*validate=*/false));
  }
  // Validated once, after the last layer; errors name the layer that set each value.
  SWEETSPOT_RETURN_IF_ERROR(spec.Validate());
  return spec;
}

Result<ModelInputs> PrepareModelInputs(Backend& backend, const fs::path& model, const Dataset& dataset,
                                       std::span<const std::size_t> indices, std::span<const PreprocessLayer> layers,
                                       const TensorCacheOptions& cache) {
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(model, layers));
  BackendOptions backend_options;
  backend_options.intra_op_threads = 1;  // only the input's description is read
  auto session = backend.Load(model, backend_options);
  if (!session.ok()) return session.status();
  const auto& inputs = (*session)->inputs();
  if (inputs.empty()) return Status::InvalidData("model " + model.string() + " has no inputs");
  auto resolved = Resolve(spec, inputs[0]);
  if (!resolved.ok()) return resolved.status().WithContext(model.string());
  ModelInputs out;
  SWEETSPOT_ASSIGN_OR_RETURN(out.tensors, PrepareTensors(dataset, indices, *resolved, cache));
  SWEETSPOT_RETURN_IF_ERROR(CheckExcluded(out.tensors, EvalOptions{}));
  out.key = TensorCacheKey(dataset, indices, *resolved);
  out.input = inputs[0];
  return out;
}

Result<EvalResult> Evaluate(const EvalRequest& request, const std::function<void(const EvalProgress&)>& progress) {
  const fs::path model = request.model_path;
  std::error_code ec;
  if (!fs::is_regular_file(model, ec)) return Status::NotFound("model " + model.string() + " does not exist");
  DatasetOptions dataset_options;
  dataset_options.class_names_file = request.classes_file;
  auto opened = OpenDataset(request.dataset_path, dataset_options);
  if (!opened.ok()) return opened.status().WithContext(fmt::format("dataset '{}'", request.dataset_path));
  const Dataset& dataset = **opened;
  const std::vector<std::size_t> indices =
      StratifiedSubset(dataset, request.limit, request.seed, request.exclude_indices);
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(model, request.layers));

  const int threads = EvalThreads(request.threads);
  BackendOptions backend_options;
  backend_options.intra_op_threads = threads;
  auto backend = CreateBackend(request.engine);
  if (!backend.ok()) return backend.status().WithContext("engine");
  EvalOptions options;
  options.batch_size = request.batch_size;
  options.max_score_values = request.max_score_values;
  options.output_kind = request.output_kind;
  options.allow_corrupt = request.allow_corrupt;
  options.cache.enabled = request.cache_enabled;
  options.cache.dir = request.cache_dir;
  options.cache.threads = threads;
  options.progress = progress;
  if (!request.label_map_file.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(LabelMap map, LoadLabelMap(request.label_map_file, dataset.class_names()));
    options.label_map = std::move(map);
  }
  return EvaluateModel(**backend, backend_options, model, dataset, indices, spec, options);
}

EvalSummary Summarize(const EvalResult& r) {
  EvalSummary s;
  s.model = r.model;
  s.dataset = r.dataset;
  s.preprocess_toml = r.spec.ToToml();
  s.output_kind = std::string(OutputKindName(r.output_kind));
  s.output_kind_detected = r.output_kind_detected;
  s.requested = static_cast<std::int64_t>(r.requested);
  s.excluded_count = static_cast<std::int64_t>(r.excluded.size());
  const ClassificationMetrics& m = r.metrics;
  ClassificationMetrics& out = s.metrics;
  out.count = m.count;
  out.top1_correct = m.top1_correct;
  out.top5_correct = m.top5_correct;
  out.top1 = m.top1;
  out.top5 = m.top5;
  out.top1_ci = m.top1_ci;
  out.top5_ci = m.top5_ci;
  out.macro_f1 = m.macro_f1;
  out.ece = m.ece;
  s.cache_hit = r.cache_hit;
  s.cache_warning = r.cache_warning;
  s.prepare_ms = r.prepare_ms;
  s.inference_ms = r.inference_ms;
  s.sample_indices.assign(r.indices.begin(), r.indices.end());
  for (const Prediction& p : r.predictions) {
    s.labels.push_back(p.label);
    s.predicted.push_back(p.predicted());
  }
  s.scores = r.scores;
  return s;
}

json ToJson(const EvalSummary& s, bool include_samples) {
  const ClassificationMetrics& m = s.metrics;
  json out = {{"schema", "sweetspot.eval-summary/1"},
              {"model", s.model},
              {"dataset", s.dataset},
              {"preprocess", s.preprocess_toml},
              {"output_kind", s.output_kind},
              {"output_kind_detected", s.output_kind_detected},
              {"requested", s.requested},
              {"excluded_count", s.excluded_count},
              {"count", m.count},
              {"top1_correct", m.top1_correct},
              {"top5_correct", m.top5_correct},
              {"top1", m.top1},
              {"top5", m.top5},
              {"top1_ci95", {m.top1_ci.lower, m.top1_ci.upper}},
              {"top5_ci95", {m.top5_ci.lower, m.top5_ci.upper}},
              {"macro_f1", m.macro_f1},
              {"ece", m.ece},
              {"cache_hit", s.cache_hit},
              {"cache_warning", s.cache_warning},
              {"prepare_ms", s.prepare_ms},
              {"inference_ms", s.inference_ms}};
  if (include_samples) {
    out["samples"] = {{"indices", s.sample_indices}, {"labels", s.labels}, {"predicted", s.predicted}};
    if (!s.scores.empty()) out["samples"]["scores"] = s.scores;
  }
  return out;
}

Result<EvalSummary> EvalSummaryFromJson(const json& j) {
  try {
    if (j.at("schema").get<std::string>() != "sweetspot.eval-summary/1") {
      return Status::InvalidData("evaluation summary: unknown schema " + j.at("schema").dump());
    }
    EvalSummary s;
    s.model = j.at("model").get<std::string>();
    s.dataset = j.at("dataset").get<std::string>();
    s.preprocess_toml = j.at("preprocess").get<std::string>();
    s.output_kind = j.at("output_kind").get<std::string>();
    s.output_kind_detected = j.at("output_kind_detected").get<bool>();
    s.requested = j.at("requested").get<std::int64_t>();
    s.excluded_count = j.at("excluded_count").get<std::int64_t>();
    s.metrics.count = j.at("count").get<std::int64_t>();
    s.metrics.top1_correct = j.at("top1_correct").get<std::int64_t>();
    s.metrics.top5_correct = j.at("top5_correct").get<std::int64_t>();
    s.metrics.top1 = j.at("top1").get<double>();
    s.metrics.top5 = j.at("top5").get<double>();
    s.metrics.top1_ci = {j.at("top1_ci95").at(0).get<double>(), j.at("top1_ci95").at(1).get<double>(), true};
    s.metrics.top5_ci = {j.at("top5_ci95").at(0).get<double>(), j.at("top5_ci95").at(1).get<double>(), true};
    s.metrics.macro_f1 = j.at("macro_f1").get<double>();
    s.metrics.ece = j.at("ece").get<double>();
    s.cache_hit = j.at("cache_hit").get<bool>();
    s.cache_warning = j.at("cache_warning").get<std::string>();
    s.prepare_ms = j.at("prepare_ms").get<double>();
    s.inference_ms = j.at("inference_ms").get<double>();
    if (j.contains("samples")) {
      const json& samples = j.at("samples");
      s.sample_indices = samples.at("indices").get<std::vector<std::int64_t>>();
      s.labels = samples.at("labels").get<std::vector<std::int32_t>>();
      s.predicted = samples.at("predicted").get<std::vector<std::int32_t>>();
      s.scores = samples.value("scores", std::vector<float>());
    }
    if (s.labels.size() != s.sample_indices.size() || s.predicted.size() != s.sample_indices.size()) {
      return Status::InvalidData("evaluation summary: the per-sample arrays differ in length");
    }
    if (!s.sample_indices.empty() && s.scores.size() % s.sample_indices.size() != 0) {
      return Status::InvalidData("evaluation summary: the scores are not whole rows, one per sample");
    }
    return s;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("evaluation summary: ") + e.what());
  }
}

Result<Comparison> CompareResults(const EvalResult& model, const EvalResult& reference) {
  std::unordered_map<std::size_t, std::size_t> reference_position;
  for (std::size_t i = 0; i < reference.indices.size(); ++i) reference_position[reference.indices[i]] = i;
  std::vector<Prediction> a;
  std::vector<Prediction> b;
  std::vector<std::size_t> model_position;
  for (std::size_t i = 0; i < model.indices.size(); ++i) {
    const auto it = reference_position.find(model.indices[i]);
    if (it == reference_position.end()) continue;
    a.push_back(model.predictions[i]);
    b.push_back(reference.predictions[it->second]);
    model_position.push_back(i);
  }
  if (a.empty()) return Status::InvalidArgument("the model and the reference share no evaluated sample");
  SWEETSPOT_ASSIGN_OR_RETURN(Comparison comparison, Compare(a, b));
  for (auto& flip : comparison.flips) flip.position = model_position[flip.position];
  return comparison;
}

}  // namespace sweetspot
