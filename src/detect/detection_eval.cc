#include "sweetspot/detection_eval.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/detection_classes.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/elapsed.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// Everything the per-image loop needs, set up before any image is decoded.
struct Pipeline {
  std::unique_ptr<DetectionDataset> dataset;
  std::vector<std::size_t> indices;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Session> session;
  std::vector<TensorInfo> output_infos;  // the tensor outputs, Session::Run order
  int batch_size = 1;                    // images per Session::Run
  bool fixed_batch = false;              // the input's batch dimension is fixed: short batches are padded
};

// The request's model_classes, else the decoder's `classes`, else its class_names.
Result<std::vector<std::string>> ModelClassNames(const DetectionEvalRequest& request, const DetectorSpec& detector) {
  if (!request.model_classes.empty()) {
    auto loaded = LoadClassList(request.model_classes);
    if (!loaded.ok()) return loaded.status().WithContext("model_classes");
    return loaded;
  }
  if (!detector.classes.empty()) {
    auto loaded = LoadClassList(detector.classes);
    if (!loaded.ok()) return loaded.status().WithContext("classes" + detector.Origin("classes"));
    return loaded;
  }
  return detector.class_names;
}

// Model classes onto dataset classes by name; without a model class list,
// model class i is dataset class i.
Status MapClasses(const DetectionEvalRequest& request, DetectionEvalResult& result) {
  SWEETSPOT_ASSIGN_OR_RETURN(result.model_class_names, ModelClassNames(request, result.detector));
  if (result.model_class_names.empty()) {
    result.model_class_names = result.class_names;
    result.class_map.resize(result.class_names.size());
    for (std::size_t i = 0; i < result.class_map.size(); ++i) result.class_map[i] = static_cast<int>(i);
    return Status::Ok();
  }
  auto mapped = MapDetectionClasses(result.model_class_names, result.class_names);
  if (!mapped.ok()) return mapped.status().WithContext("model '" + request.model_path + "'");
  result.class_map = std::move(mapped).value();
  return Status::Ok();
}

Result<Pipeline> OpenPipeline(const DetectionEvalRequest& request, DetectionEvalResult& result) {
  Pipeline p;
  std::error_code ec;
  if (!fs::is_regular_file(request.model_path, ec)) {
    return Status::NotFound("model " + request.model_path + " does not exist");
  }
  DetectionDatasetOptions dataset_options;
  dataset_options.class_names_file = request.classes_file;
  auto opened = OpenDetectionDataset(request.dataset_path, dataset_options);
  if (!opened.ok()) return opened.status().WithContext(fmt::format("dataset '{}'", request.dataset_path));
  p.dataset = std::move(opened).value();
  p.indices = DetectionSubset(*p.dataset, request.limit, request.seed);
  if (p.indices.empty()) return Status::InvalidArgument("dataset '" + request.dataset_path + "' holds no image");
  result.dataset = p.dataset->description();
  result.dataset_format = std::string(p.dataset->format());
  result.dataset_notes = p.dataset->notes();
  result.class_names = p.dataset->class_names();

  auto backend = CreateBackend(request.engine);
  if (!backend.ok()) return backend.status().WithContext("engine");
  p.backend = std::move(backend).value();
  BackendOptions options;
  options.intra_op_threads = EvalThreads(request.threads);
  SWEETSPOT_ASSIGN_OR_RETURN(p.session, p.backend->Load(request.model_path, options));
  result.engine = p.backend->name();
  result.threads = options.intra_op_threads;
  return p;
}

Status ResolveModel(const DetectionEvalRequest& request, Pipeline& p, DetectionEvalResult& result) {
  const fs::path model = request.model_path;
  const auto& inputs = p.session->inputs();
  if (inputs.empty()) return Status::InvalidData("model " + request.model_path + " has no inputs");
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(model, request.layers));
  auto resolved = Resolve(spec, inputs[0]);
  if (!resolved.ok()) return resolved.status().WithContext(request.model_path);
  result.spec = std::move(resolved).value();
  SWEETSPOT_ASSIGN_OR_RETURN(result.detector,
                             ResolveDetector(model, request.decoder_layers, *p.session, &result.layout_detected));
  for (const TensorInfo& info : p.session->outputs()) {
    if (info.is_tensor()) p.output_infos.push_back(info);
  }
  const std::int64_t batch_dim = inputs[0].shape.empty() ? 1 : inputs[0].shape[0];
  p.fixed_batch = batch_dim > 0;
  p.batch_size = p.fixed_batch ? static_cast<int>(batch_dim) : std::max(1, request.batch_size);
  result.batch_size = p.batch_size;
  return MapClasses(request, result);
}

// One batch's images, preprocessed into one input tensor.
struct Batch {
  std::vector<std::size_t> positions;  // in Pipeline::indices
  std::vector<ImageGeometry> geometry;
  std::vector<cv::Size> sizes;  // of the decoded images
  Tensor input;
};

// Decodes and preprocesses indices[begin, end) into `batch`; an unreadable
// image fails, or with allow_corrupt is listed in `excluded` and skipped.
Status PrepareBatch(const Pipeline& p, const DetectionEvalRequest& request, std::size_t begin, std::size_t end,
                    DetectionEvalResult& result, Batch& batch) {
  const PreprocessSpec& spec = result.spec;
  const std::size_t sample_bytes = spec.SampleSizeBytes();
  Shape shape = spec.SampleShape();
  shape.insert(shape.begin(), p.fixed_batch ? p.batch_size : static_cast<std::int64_t>(end - begin));
  batch.input = Tensor::Owned(spec.dtype, shape);
  auto* bytes = static_cast<std::byte*>(batch.input.data());
  for (std::size_t i = begin; i < end; ++i) {
    const DetectionImage& image = p.dataset->image(p.indices[i]);
    auto loaded = p.dataset->Load(p.indices[i]);
    Status status = loaded.status();
    if (status.ok()) {
      status = ApplyPreprocess(spec, *loaded, {bytes + batch.positions.size() * sample_bytes, sample_bytes});
    }
    if (!status.ok()) {
      if (!request.allow_corrupt) return status.WithContext(image.path.string());
      result.excluded.push_back(image.id + ": " + status.message());
      continue;
    }
    batch.positions.push_back(i);
    batch.geometry.push_back(PreprocessGeometry(spec, loaded->cols, loaded->rows));
    batch.sizes.push_back(loaded->size());
  }
  return Status::Ok();
}

// Raw detections of one image (model classes, input pixels) into the
// dataset's classes and the original image's pixels.
std::vector<Detection> MapToDataset(const std::vector<Detection>& raw, const DetectionEvalResult& result,
                                    const ImageGeometry& geometry, cv::Size size) {
  std::vector<Detection> out;
  out.reserve(raw.size());
  for (const Detection& d : raw) {
    if (d.class_id < 0 || d.class_id >= static_cast<int>(result.class_map.size())) continue;
    const int dataset_class = result.class_map[static_cast<std::size_t>(d.class_id)];
    if (dataset_class < 0) continue;
    out.push_back({MapBoxToImage(d.box, geometry, size.width, size.height), dataset_class, d.score});
  }
  return out;
}

// Runs one prepared batch and appends its images, detections and times.
Status RunBatch(Pipeline& p, Batch& batch, double preprocess_ms, DetectionEvalResult& result) {
  if (batch.positions.empty()) return Status::Ok();
  const auto network_start = Clock::now();
  auto outputs = p.session->Run(std::span<const Tensor>(&batch.input, 1));
  if (!outputs.ok()) return outputs.status().WithContext(result.model);
  const double network_ms = MillisecondsSince(network_start);
  const auto post_start = Clock::now();
  auto decoded = DecodeDetections(result.detector, p.output_infos, *outputs, result.spec.width, result.spec.height);
  if (!decoded.ok()) {
    const DetectionImage& first = p.dataset->image(p.indices[batch.positions.front()]);
    const std::string which = batch.positions.size() == 1 ? "image " : "the batch starting at image ";
    return decoded.status().WithContext(fmt::format("model '{}', {}{}", result.model, which, first.path.string()));
  }
  for (std::size_t k = 0; k < batch.positions.size(); ++k) {
    const std::size_t index = p.indices[batch.positions[k]];
    result.indices.push_back(index);
    result.images.push_back(p.dataset->image(index));
    result.detections.push_back(MapToDataset((*decoded)[k], result, batch.geometry[k], batch.sizes[k]));
  }
  const double postprocess_ms = MillisecondsSince(post_start);
  const double per_image = 1.0 / static_cast<double>(batch.positions.size());
  for (std::size_t k = 0; k < batch.positions.size(); ++k) {
    result.times.preprocess_ms.push_back(preprocess_ms * per_image);
    result.times.network_ms.push_back(network_ms * per_image);
    result.times.postprocess_ms.push_back(postprocess_ms * per_image);
  }
  return Status::Ok();
}

Status RunImages(Pipeline& p, const DetectionEvalRequest& request,
                 const std::function<void(const EvalProgress&)>& progress, DetectionEvalResult& result) {
  const std::size_t total = p.indices.size();
  const auto step = static_cast<std::size_t>(p.batch_size);
  for (std::size_t begin = 0; begin < total; begin += step) {
    const std::size_t end = std::min(total, begin + step);
    const auto prepare_start = Clock::now();
    Batch batch;
    SWEETSPOT_RETURN_IF_ERROR(PrepareBatch(p, request, begin, end, result, batch));
    SWEETSPOT_RETURN_IF_ERROR(RunBatch(p, batch, MillisecondsSince(prepare_start), result));
    if (progress) progress({"infer", end, total});
  }
  if (result.images.empty()) {
    return Status::InvalidData(fmt::format("dataset '{}': none of its {} images could be read (first: {})",
                                           request.dataset_path, total, result.excluded.front()));
  }
  return Status::Ok();
}

json IntervalJson(const stats::Interval& i) { return {{"lower", i.lower}, {"upper", i.upper}, {"valid", i.valid}}; }

stats::Interval IntervalFromJson(const json& j) {
  return {j.at("lower").get<double>(), j.at("upper").get<double>(), j.at("valid").get<bool>()};
}

json TimeSummaryJson(const stats::Summary& s) {
  return {{"count", s.count},
          {"mean", s.mean},
          {"stddev", s.stddev},
          {"min", s.min},
          {"max", s.max},
          {"p50", s.p50},
          {"p90", s.p90},
          {"p95", s.p95},
          {"p99", s.p99},
          {"p50_ci", IntervalJson(s.p50_ci)},
          {"p90_ci", IntervalJson(s.p90_ci)},
          {"p99_ci", IntervalJson(s.p99_ci)}};
}

stats::Summary TimeSummaryFromJson(const json& j) {
  stats::Summary s;
  s.count = j.at("count").get<std::size_t>();
  s.mean = j.at("mean").get<double>();
  s.stddev = j.at("stddev").get<double>();
  s.min = j.at("min").get<double>();
  s.max = j.at("max").get<double>();
  s.p50 = j.at("p50").get<double>();
  s.p90 = j.at("p90").get<double>();
  s.p95 = j.at("p95").get<double>();
  s.p99 = j.at("p99").get<double>();
  s.p50_ci = IntervalFromJson(j.at("p50_ci"));
  s.p90_ci = IntervalFromJson(j.at("p90_ci"));
  s.p99_ci = IntervalFromJson(j.at("p99_ci"));
  return s;
}

json ImageJson(const DetectionImage& image, const std::vector<Detection>& detections) {
  json labels = json::array();
  for (const GroundTruthBox& g : image.objects) {
    labels.push_back(
        {g.class_id, g.box.x1, g.box.y1, g.box.x2, g.box.y2, g.crowd ? 1 : 0, g.difficult ? 1 : 0, g.area});
  }
  json found = json::array();
  for (const Detection& d : detections) found.push_back({d.class_id, d.score, d.box.x1, d.box.y1, d.box.x2, d.box.y2});
  return {{"id", image.id},   {"path", image.path.string()}, {"width", image.width}, {"height", image.height},
          {"labels", labels}, {"detections", found}};
}

void ImageFromJson(const json& j, DetectionImage& image, std::vector<Detection>& detections) {
  image.id = j.at("id").get<std::string>();
  image.path = j.at("path").get<std::string>();
  image.width = j.at("width").get<int>();
  image.height = j.at("height").get<int>();
  for (const json& l : j.at("labels")) {
    GroundTruthBox g;
    g.class_id = l.at(0).get<int>();
    g.box = {l.at(1).get<double>(), l.at(2).get<double>(), l.at(3).get<double>(), l.at(4).get<double>()};
    g.crowd = l.at(5).get<int>() != 0;
    g.difficult = l.at(6).get<int>() != 0;
    g.area = l.at(7).get<double>();
    image.objects.push_back(g);
  }
  for (const json& d : j.at("detections")) {
    detections.push_back({{d.at(2).get<double>(), d.at(3).get<double>(), d.at(4).get<double>(), d.at(5).get<double>()},
                          d.at(0).get<int>(),
                          d.at(1).get<float>()});
  }
}

// The images `a` and `b` both hold (by dataset index): truth and both detections.
struct PairedImages {
  std::vector<DetectionImage> truth;
  std::vector<std::vector<Detection>> a;
  std::vector<std::vector<Detection>> b;
};

template <typename Index>
PairedImages PairImages(std::span<const Index> a_indices, std::span<const DetectionImage> a_images,
                        std::span<const std::vector<Detection>> a_detections, std::span<const Index> b_indices,
                        std::span<const std::vector<Detection>> b_detections) {
  std::unordered_map<std::int64_t, std::size_t> b_position;
  for (std::size_t i = 0; i < b_indices.size(); ++i) b_position[static_cast<std::int64_t>(b_indices[i])] = i;
  PairedImages paired;
  for (std::size_t i = 0; i < a_indices.size(); ++i) {
    const auto it = b_position.find(static_cast<std::int64_t>(a_indices[i]));
    if (it == b_position.end()) continue;
    paired.truth.push_back(a_images[i]);
    paired.a.push_back(a_detections[i]);
    paired.b.push_back(b_detections[it->second]);
  }
  return paired;
}

Result<DetectionComparison> ComparePaired(const PairedImages& paired, const std::vector<std::string>& a_classes,
                                          const std::vector<std::string>& b_classes, const std::string& a_protocol,
                                          const std::string& b_protocol, const DetectionMetricOptions& options) {
  if (a_protocol != b_protocol) {
    return Status::InvalidArgument(
        fmt::format("the two evaluations were scored under different protocols ({} and {})", a_protocol, b_protocol));
  }
  if (a_classes != b_classes) return Status::InvalidArgument("the two evaluations score different class lists");
  if (paired.truth.empty()) return Status::InvalidArgument("the two evaluations share no evaluated image");
  return CompareDetections(paired.truth, paired.a, paired.b, a_classes, options);
}

}  // namespace

namespace {

json LayerJson(const PreprocessSource& source, const std::string& toml, const std::string& file) {
  return {{"source", source.name}, {"source_has_lines", source.has_lines}, {"toml", toml}, {"file", file}};
}

template <typename Layer>
Layer LayerFromJson(const json& l) {
  return {PreprocessSource(l.at("source").get<std::string>(), l.at("source_has_lines").get<bool>()),
          l.at("toml").get<std::string>(), l.at("file").get<std::string>()};
}

}  // namespace

json LayerToJson(const PreprocessLayer& layer) { return LayerJson(layer.source, layer.toml, layer.file); }
json LayerToJson(const DecoderLayer& layer) { return LayerJson(layer.source, layer.toml, layer.file); }
PreprocessLayer PreprocessLayerFromJson(const json& j) { return LayerFromJson<PreprocessLayer>(j); }
DecoderLayer DecoderLayerFromJson(const json& j) { return LayerFromJson<DecoderLayer>(j); }

json ToJson(const DetectionEvalRequest& r) {
  json layers = json::array();
  for (const auto& l : r.layers) layers.push_back(LayerToJson(l));
  json decoder_layers = json::array();
  for (const auto& l : r.decoder_layers) decoder_layers.push_back(LayerToJson(l));
  return {{"model_path", r.model_path},
          {"dataset_path", r.dataset_path},
          {"classes_file", r.classes_file},
          {"model_classes", r.model_classes},
          {"layers", layers},
          {"decoder_layers", decoder_layers},
          {"limit", r.limit},
          {"seed", r.seed},
          {"batch_size", r.batch_size},
          {"threads", r.threads},
          {"engine", r.engine},
          {"protocol", r.protocol},
          {"bootstrap_replicates", r.bootstrap_replicates},
          {"allow_corrupt", r.allow_corrupt}};
}

Result<DetectionEvalRequest> DetectionEvalRequestFromJson(const json& j) {
  try {
    DetectionEvalRequest r;
    r.model_path = j.at("model_path").get<std::string>();
    r.dataset_path = j.at("dataset_path").get<std::string>();
    r.classes_file = j.at("classes_file").get<std::string>();
    r.model_classes = j.at("model_classes").get<std::string>();
    for (const auto& l : j.at("layers")) r.layers.push_back(PreprocessLayerFromJson(l));
    for (const auto& l : j.at("decoder_layers")) r.decoder_layers.push_back(DecoderLayerFromJson(l));
    r.limit = j.at("limit").get<std::uint64_t>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.batch_size = j.at("batch_size").get<int>();
    r.threads = j.at("threads").get<int>();
    r.engine = j.at("engine").get<std::string>();
    r.protocol = j.at("protocol").get<std::string>();
    r.bootstrap_replicates = j.at("bootstrap_replicates").get<std::uint64_t>();
    r.allow_corrupt = j.at("allow_corrupt").get<bool>();
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("detection evaluation request: ") + e.what());
  }
}

Result<DetectionMetricOptions> DetectionProtocolOptions(std::string_view protocol, std::uint64_t bootstrap_replicates) {
  DetectionMetricOptions options;
  if (protocol == "coco") {
    options = DetectionMetricOptions::Coco();
  } else if (protocol == "voc") {
    options = DetectionMetricOptions::Voc();
  } else {
    return Status::InvalidArgument(fmt::format("protocol: '{}' is not a detection protocol (coco or voc)", protocol));
  }
  options.bootstrap_replicates = bootstrap_replicates;
  return options;
}

Result<DetectorSpec> ResolveDetector(const fs::path& model, std::span<const DecoderLayer> layers,
                                     const Session& session, bool* layout_detected) {
  // Validated once, after the last layer, as the preprocessing is.
  SWEETSPOT_ASSIGN_OR_RETURN(DetectorSpec spec,
                             OverlayDecoderLayers(
                                 model, kDetectionMetadataKey, layers, DetectorSpec{},
                                 [](std::string_view text, const PreprocessSource& source, const DetectorSpec& base) {
                                   return ParseDetectorToml(text, source, base, /*validate=*/false);
                                 },
                                 [](const fs::path& file, const DetectorSpec& base) {
                                   return LoadDetectorFile(file, base, /*validate=*/false);
                                 }));
  if (layout_detected != nullptr) *layout_detected = !spec.set_by.contains("layout");
  if (session.inputs().empty()) return Status::InvalidData("model " + model.string() + " has no inputs");
  // Detects the layout when no layer set it, else checks the set one fits.
  auto fitted = DetectDetectorLayout(session.outputs(), session.inputs().front(), spec);
  if (!fitted.ok()) return fitted.status().WithContext("model '" + model.string() + "'");
  SWEETSPOT_RETURN_IF_ERROR(fitted->Validate());
  return fitted;
}

Result<DetectionEvalResult> EvaluateDetector(const DetectionEvalRequest& request,
                                             const std::function<void(const EvalProgress&)>& progress) {
  DetectionEvalResult result;
  result.model = request.model_path;
  SWEETSPOT_ASSIGN_OR_RETURN(result.metric_options,
                             DetectionProtocolOptions(request.protocol, request.bootstrap_replicates));
  SWEETSPOT_ASSIGN_OR_RETURN(Pipeline pipeline, OpenPipeline(request, result));
  SWEETSPOT_RETURN_IF_ERROR(ResolveModel(request, pipeline, result));
  SWEETSPOT_RETURN_IF_ERROR(RunImages(pipeline, request, progress, result));
  result.metrics = EvaluateDetections(result.images, result.detections, result.class_names, result.metric_options);
  return result;
}

Result<DetectionComparison> CompareDetectionResults(const DetectionEvalResult& a, const DetectionEvalResult& b) {
  const PairedImages paired = PairImages<std::size_t>(a.indices, a.images, a.detections, b.indices, b.detections);
  return ComparePaired(paired, a.class_names, b.class_names, a.metrics.protocol, b.metrics.protocol, a.metric_options);
}

json ToJson(const DetectionTimeSummary& t) {
  return {{"preprocess_ms", TimeSummaryJson(t.preprocess_ms)},
          {"network_ms", TimeSummaryJson(t.network_ms)},
          {"postprocess_ms", TimeSummaryJson(t.postprocess_ms)},
          {"total_ms", TimeSummaryJson(t.total_ms)}};
}

Result<DetectionTimeSummary> DetectionTimeSummaryFromJson(const json& j) {
  try {
    return DetectionTimeSummary{TimeSummaryFromJson(j.at("preprocess_ms")), TimeSummaryFromJson(j.at("network_ms")),
                                TimeSummaryFromJson(j.at("postprocess_ms")), TimeSummaryFromJson(j.at("total_ms"))};
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("stage times: ") + e.what());
  }
}

DetectionTimeSummary SummarizeTimes(const DetectionStageTimes& times) {
  DetectionTimeSummary out;
  if (times.preprocess_ms.empty()) return out;
  std::vector<double> total(times.preprocess_ms.size());
  for (std::size_t i = 0; i < total.size(); ++i) {
    total[i] = times.preprocess_ms[i] + times.network_ms[i] + times.postprocess_ms[i];
  }
  out.preprocess_ms = stats::Summarize(times.preprocess_ms);
  out.network_ms = stats::Summarize(times.network_ms);
  out.postprocess_ms = stats::Summarize(times.postprocess_ms);
  out.total_ms = stats::Summarize(total);
  return out;
}

DetectionEvalSummary SummarizeDetection(const DetectionEvalResult& r) {
  DetectionEvalSummary s;
  s.model = r.model;
  s.dataset = r.dataset;
  s.dataset_format = r.dataset_format;
  s.preprocess_toml = r.spec.ToToml();
  s.detector_toml = r.detector.ToToml();
  s.layout_detected = r.layout_detected;
  s.engine = r.engine;
  s.threads = r.threads;
  s.batch_size = r.batch_size;
  s.class_names = r.class_names;
  s.model_class_names = r.model_class_names;
  s.excluded = r.excluded;
  s.bootstrap_replicates = r.metric_options.bootstrap_replicates;
  s.metrics = r.metrics;
  s.times = SummarizeTimes(r.times);
  s.image_indices.assign(r.indices.begin(), r.indices.end());
  s.images = r.images;
  s.detections = r.detections;
  return s;
}

json ToJson(const DetectionEvalSummary& s, bool include_images) {
  json out = {{"schema", "sweetspot.detection-eval-summary/1"},
              {"model", s.model},
              {"dataset", s.dataset},
              {"dataset_format", s.dataset_format},
              {"preprocess", s.preprocess_toml},
              {"decoder", s.detector_toml},
              {"layout_detected", s.layout_detected},
              {"engine", s.engine},
              {"threads", s.threads},
              {"batch_size", s.batch_size},
              {"class_names", s.class_names},
              {"model_class_names", s.model_class_names},
              {"excluded", s.excluded},
              {"bootstrap_replicates", s.bootstrap_replicates},
              {"metrics", ToJson(s.metrics)},
              {"times", ToJson(s.times)}};
  if (include_images) {
    json images = json::array();
    for (std::size_t i = 0; i < s.images.size(); ++i) {
      images.push_back(ImageJson(s.images[i], s.detections[i]));
      images.back()["index"] = s.image_indices[i];
    }
    out["images"] = std::move(images);
  }
  return out;
}

Result<DetectionEvalSummary> DetectionEvalSummaryFromJson(const json& j) {
  try {
    if (j.at("schema").get<std::string>() != "sweetspot.detection-eval-summary/1") {
      return Status::InvalidData("detection evaluation summary: unknown schema " + j.at("schema").dump());
    }
    DetectionEvalSummary s;
    s.model = j.at("model").get<std::string>();
    s.dataset = j.at("dataset").get<std::string>();
    s.dataset_format = j.at("dataset_format").get<std::string>();
    s.preprocess_toml = j.at("preprocess").get<std::string>();
    s.detector_toml = j.at("decoder").get<std::string>();
    s.layout_detected = j.at("layout_detected").get<bool>();
    s.engine = j.at("engine").get<std::string>();
    s.threads = j.at("threads").get<int>();
    s.batch_size = j.at("batch_size").get<int>();
    s.class_names = j.at("class_names").get<std::vector<std::string>>();
    s.model_class_names = j.at("model_class_names").get<std::vector<std::string>>();
    s.excluded = j.at("excluded").get<std::vector<std::string>>();
    s.bootstrap_replicates = j.at("bootstrap_replicates").get<std::uint64_t>();
    SWEETSPOT_ASSIGN_OR_RETURN(s.metrics, DetectionMetricsFromJson(j.at("metrics")));
    SWEETSPOT_ASSIGN_OR_RETURN(s.times, DetectionTimeSummaryFromJson(j.at("times")));
    for (const json& image : j.value("images", json::array())) {
      s.image_indices.push_back(image.at("index").get<std::int64_t>());
      ImageFromJson(image, s.images.emplace_back(), s.detections.emplace_back());
    }
    return s;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("detection evaluation summary: ") + e.what());
  }
}

Result<DetectionComparison> CompareDetectionSummaries(const DetectionEvalSummary& a, const DetectionEvalSummary& b) {
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionMetricOptions options,
                             DetectionProtocolOptions(a.metrics.protocol, a.bootstrap_replicates));
  const PairedImages paired =
      PairImages<std::int64_t>(a.image_indices, a.images, a.detections, b.image_indices, b.detections);
  return ComparePaired(paired, a.class_names, b.class_names, a.metrics.protocol, b.metrics.protocol, options);
}

}  // namespace sweetspot
