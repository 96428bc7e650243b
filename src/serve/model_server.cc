#include "sweetspot/model_server.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "serve/served_model.h"
#include "sweetspot/detection_classes.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"

namespace sweetspot {
namespace {

constexpr std::string_view kStageHelp = "Time a request spent in each stage (queue, preprocess, inference, serialize)";

double MicrosecondsSince(ServeClock::time_point start) {
  return std::chrono::duration<double, std::micro>(ServeClock::now() - start).count();
}

Status CheckOptions(const ServedModelOptions& o) {
  const std::string where = "model '" + o.name + "'";
  if (o.path.empty()) return Status::InvalidArgument(where + ": path is empty");
  auto at_least_one = [&](std::string_view field, long long value) {
    return value >= 1 ? Status::Ok()
                      : Status::InvalidArgument(fmt::format("{}: {} must be at least 1, got {}", where, field, value));
  };
  SWEETSPOT_RETURN_IF_ERROR(at_least_one("sessions", o.sessions));
  SWEETSPOT_RETURN_IF_ERROR(at_least_one("threads_per_session", o.threads_per_session));
  SWEETSPOT_RETURN_IF_ERROR(at_least_one("max_batch_size", o.batching.max_batch_size));
  SWEETSPOT_RETURN_IF_ERROR(at_least_one("max_queue_size", static_cast<long long>(o.max_queue_size)));
  // Bounded so that a request's deadline (queued time + delay) cannot overflow the clock.
  if (o.batching.max_queue_delay.count() < 0 || o.batching.max_queue_delay > std::chrono::hours(1)) {
    return Status::InvalidArgument(fmt::format("{}: max_queue_delay must be between 0 and 3600 s, got {} us", where,
                                               o.batching.max_queue_delay.count()));
  }
  for (int size : o.batching.preferred_batch_sizes) {
    if (size < 1 || size > o.batching.max_batch_size) {
      return Status::InvalidArgument(fmt::format("{}: preferred batch size {} is outside [1, max_batch_size {}]", where,
                                                 size, o.batching.max_batch_size));
    }
  }
  return Status::Ok();
}

// Batching concatenates along axis 0: every input needs a dynamic one, and
// every output that declares a shape (one that does not is checked when run).
Status CheckBatchable(const ServedModel& model) {
  if (model.options.batching.max_batch_size <= 1) return Status::Ok();
  auto check = [&](const std::vector<TensorInfo>& infos, bool undeclared_ok) {
    for (const TensorInfo& info : infos) {
      if (info.shape.empty() ? undeclared_ok : info.shape[0] < 0) continue;
      // The fix in the app's words (--max-batch 1 for serve): a FieldFix.
      return Status::InvalidArgument(fmt::format("{} cannot batch (up to {} rows): '{}' has shape {}, with no "
                                                 "dynamic batch dimension",
                                                 model.Label(), model.options.batching.max_batch_size, info.name,
                                                 ShapeToString(info.shape, info.dim_names)))
          .WithFix(FieldFix{.field = "max_batch", .key = "", .values = {"1"}});
    }
    return Status::Ok();
  };
  SWEETSPOT_RETURN_IF_ERROR(check(model.inputs, /*undeclared_ok=*/false));
  return check(model.outputs, /*undeclared_ok=*/true);
}

// Numbers compare as numbers ("10" > "9"), anything else as text.
bool VersionLess(const std::string& a, const std::string& b) {
  auto is_number = [](const std::string& v) {
    return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const bool a_number = is_number(a);
  const bool b_number = is_number(b);
  if (a_number && b_number && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

ModelMetadata MetadataOf(const ServedModel& model, std::vector<std::string> versions) {
  ModelMetadata meta;
  meta.name = model.options.name;
  meta.versions = std::move(versions);
  meta.platform = model.options.engine.starts_with("opencv") ? "opencv_onnx" : "onnxruntime_onnx";
  auto describe = [](const std::vector<TensorInfo>& infos, std::vector<TensorMetadata>& out) {
    for (const TensorInfo& info : infos) {
      TensorMetadata t;
      t.name = info.name;
      t.datatype = WireTypeOf(info.dtype);
      for (std::int64_t d : info.shape) t.shape.push_back(d < 0 ? -1 : d);
      out.push_back(std::move(t));
    }
  };
  describe(model.inputs, meta.inputs);
  meta.outputs = AddedOutputs(model);
  if (model.detector) meta.detection_classes = model.class_names;
  describe(model.outputs, meta.outputs);
  return meta;
}

// A model the runtime cannot load. ONNX Runtime refuses some models OpenCV's
// DNN runs (EfficientPose I's AveragePool pads): that engine is the fix, a
// FieldFix "runtime" keyed by the model's name.
Status LoadError(const Status& status, const ServedModel& model) {
  Status error = status.WithContext(model.Label());
  if (status.code() != StatusCode::kInvalidData || !model.options.engine.starts_with("onnxruntime")) return error;
  return error.WithFix(FieldFix{.field = "runtime", .key = model.options.name, .values = {"opencv-dnn"}});
}

// A detector's decoder and classes (model_server.h, "Detection"); nothing for
// a model with neither decoder options nor 'sweetspot.detection' metadata.
Status ResolveDetection(ServedModel& model) {
  const ServedModelOptions& o = model.options;
  if (o.decoder_layers.empty() && o.model_classes.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::optional<std::string> metadata, ReadModelMetadata(o.path, kDetectionMetadataKey));
    if (!metadata) return Status::Ok();
  }
  // Its errors name the model's file.
  SWEETSPOT_ASSIGN_OR_RETURN(model.detector, ResolveDetector(o.path, o.decoder_layers, *model.sessions.front()));
  const DetectorSpec& spec = *model.detector;
  const std::string& classes = o.model_classes.empty() ? spec.classes : o.model_classes;
  if (classes.empty()) {
    model.class_names = spec.class_names;
    return Status::Ok();
  }
  Result<std::vector<std::string>> names = LoadClassList(classes);
  if (!names.ok()) return names.status().WithContext(model.Label() + " model_classes");
  model.class_names = *std::move(names);
  return Status::Ok();
}

// A keypoint model's crop preprocessing, decoder and schema (model_server.h,
// "Keypoints"); nothing for a model with neither keypoint options nor
// 'sweetspot.keypoints' metadata.
Status ResolveKeypoints(ServedModel& model) {
  const ServedModelOptions& o = model.options;
  if (o.keypoint_schema.empty() && o.keypoint_decoder_layers.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::optional<std::string> metadata, ReadModelMetadata(o.path, kKeypointMetadataKey));
    if (!metadata) return Status::Ok();
  }
  if (model.detector) {
    return Status::InvalidArgument(fmt::format(
        "{} is given both a detection decoder and a keypoint schema: serve it as one of the two", model.Label()));
  }
  if (!(o.person_padding >= 1.0)) {
    return Status::InvalidArgument(
        fmt::format("{}: person_padding is {}; give 1 or more (1.25 is usual)", model.Label(), o.person_padding));
  }
  PreprocessSpec layered;
  if (o.preprocess) {
    layered = *o.preprocess;
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(layered, LayerPreprocessing(o.path, {}));
  }
  // Its errors name the model's file.
  SWEETSPOT_ASSIGN_OR_RETURN(model.keypoints, ResolveKeypointModel(o.path, layered, o.keypoint_decoder_layers,
                                                                   o.keypoint_schema, *model.sessions.front()));
  return Status::Ok();
}

}  // namespace

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

struct ModelServer::Impl {
  // Declaration order is destruction order reversed: models (sessions,
  // workers, gauges reading their queues) go before the metrics and backends.
  std::map<std::string, std::unique_ptr<Backend>> backends;
  ServerMetrics metrics;
  std::vector<std::unique_ptr<ServedModel>> models;  // sorted by name, then version

  mutable std::mutex mutex;
  std::condition_variable idle;
  bool shutting_down = false;
  int active = 0;  // Infer calls admitted and not yet answered

  Result<Backend*> BackendFor(const std::string& engine);
  Status Load(ServedModelOptions options);
  void AddMetrics(ServedModel& model);
  Result<ServedModel*> Find(std::string_view name, std::string_view version) const;
  std::vector<std::string> Versions(const std::string& name) const;
  Result<InferResponse> Run(ServedModel& model, const InferRequest& request, StageTimes& times);
  void Count(std::string_view model, const Status& status);
};

Result<Backend*> ModelServer::Impl::BackendFor(const std::string& engine) {
  auto it = backends.find(engine);
  if (it == backends.end()) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend(engine));
    it = backends.emplace(engine, std::move(backend)).first;
  }
  return it->second.get();
}

Status ModelServer::Impl::Load(ServedModelOptions options) {
  auto model = std::make_unique<ServedModel>();
  model->options = std::move(options);
  SWEETSPOT_ASSIGN_OR_RETURN(Backend * backend, BackendFor(model->options.engine));
  BackendOptions backend_options;
  backend_options.intra_op_threads = model->options.threads_per_session;
  for (int i = 0; i < model->options.sessions; ++i) {
    auto session = backend->Load(model->options.path, backend_options);
    if (!session.ok()) return LoadError(session.status(), *model);
    model->sessions.push_back(std::move(*session));
  }
  model->inputs = model->sessions.front()->inputs();
  for (const TensorInfo& info : model->sessions.front()->outputs()) {
    if (info.is_tensor()) model->outputs.push_back(info);
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckBatchable(*model));
  SWEETSPOT_RETURN_IF_ERROR(ResolveDetection(*model));
  SWEETSPOT_RETURN_IF_ERROR(ResolveKeypoints(*model));
  ResolveImageSpecs(*model);
  model->queue = std::make_unique<RequestQueue>(model->options.batching, model->options.max_queue_size);
  AddMetrics(*model);
  for (auto& session : model->sessions) {
    model->workers.emplace_back([m = model.get(), s = session.get()] { RunWorker(*m, *s); });
  }
  models.push_back(std::move(model));
  return Status::Ok();
}

void ModelServer::Impl::AddMetrics(ServedModel& model) {
  const std::string& name = model.options.name;
  auto stage = [&](const char* stage_name) {
    return &metrics.GetHistogram("sweetspot_stage_seconds", kStageHelp, StageSecondsBuckets(),
                                 {{"model", name}, {"stage", stage_name}});
  };
  model.queue_seconds = stage("queue");
  model.preprocess_seconds = stage("preprocess");
  model.inference_seconds = stage("inference");
  model.serialize_seconds = stage("serialize");
  if (model.detector || model.keypoints) model.postprocess_seconds = stage("postprocess");
  model.batch_rows = &metrics.GetHistogram("sweetspot_batch_size", "Rows per batch the model ran", BatchSizeBuckets(),
                                           {{"model", name}});
  RequestQueue* queue = model.queue.get();
  metrics.AddGauge("sweetspot_queue_depth", "Requests waiting in the model's queue",
                   [queue] { return static_cast<double>(queue->depth()); }, {{"model", name}});
}

Result<std::unique_ptr<ModelServer>> ModelServer::Create(std::vector<ServedModelOptions> models) {
  if (models.empty()) return Status::InvalidArgument("no model to serve");
  for (ServedModelOptions& o : models) {
    if (o.name.empty()) o.name = o.path.stem().string();
    SWEETSPOT_RETURN_IF_ERROR(CheckOptions(o));
  }
  std::sort(models.begin(), models.end(), [](const ServedModelOptions& a, const ServedModelOptions& b) {
    return a.name != b.name ? a.name < b.name : VersionLess(a.version, b.version);
  });
  for (std::size_t i = 1; i < models.size(); ++i) {
    if (models[i].name == models[i - 1].name && models[i].version == models[i - 1].version) {
      return Status::InvalidArgument(
          fmt::format("model '{}' version '{}' is given twice", models[i].name, models[i].version));
    }
  }
  std::unique_ptr<ModelServer> server(new ModelServer(std::make_unique<Impl>()));
  for (ServedModelOptions& o : models) SWEETSPOT_RETURN_IF_ERROR(server->impl_->Load(std::move(o)));
  return server;
}

ModelServer::ModelServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ModelServer::~ModelServer() {
  BeginShutdown();
  WaitIdle();
  for (auto& model : impl_->models) {
    for (std::thread& worker : model->workers) worker.join();
  }
}

std::vector<std::string> ModelServer::Impl::Versions(const std::string& name) const {
  std::vector<std::string> versions;
  for (const auto& model : models) {
    if (model->options.name == name) versions.push_back(model->options.version);
  }
  return versions;
}

Result<ServedModel*> ModelServer::Impl::Find(std::string_view name, std::string_view version) const {
  ServedModel* found = nullptr;
  for (const auto& model : models) {  // sorted by version: the last match is the latest
    if (model->options.name == name && (version.empty() || model->options.version == version)) found = model.get();
  }
  if (found != nullptr) return found;
  const std::vector<std::string> versions = Versions(std::string(name));
  if (!versions.empty()) {
    return Status::NotFound(
        fmt::format("model '{}' has no version '{}' (served: {})", name, version, fmt::join(versions, ", ")));
  }
  std::vector<std::string> names;
  for (const auto& model : models) {
    if (names.empty() || names.back() != model->options.name) names.push_back(model->options.name);
  }
  return Status::NotFound(fmt::format("no model '{}' is served (models: {})", name, fmt::join(names, ", ")));
}

std::vector<ModelMetadata> ModelServer::Models() const {
  std::vector<ModelMetadata> out;
  for (const auto& model : impl_->models) out.push_back(MetadataOf(*model, impl_->Versions(model->options.name)));
  return out;
}

Result<ModelMetadata> ModelServer::Metadata(std::string_view name, std::string_view version) const {
  SWEETSPOT_ASSIGN_OR_RETURN(ServedModel * model, impl_->Find(name, version));
  return MetadataOf(*model, impl_->Versions(model->options.name));
}

bool ModelServer::Live() const { return true; }

bool ModelServer::Ready() const {
  std::lock_guard lock(impl_->mutex);
  return !impl_->shutting_down;
}

bool ModelServer::ModelReady(std::string_view name, std::string_view version) const {
  return Ready() && impl_->Find(name, version).ok();
}

void ModelServer::Impl::Count(std::string_view model, const Status& status) {
  metrics
      .GetCounter("sweetspot_requests_total", "Inference requests answered, by model and HTTP status code",
                  {{"model", std::string(model)}, {"code", std::to_string(HttpStatusFor(status))}})
      .Increment();
}

namespace {

// The input's width and height in pixels: the model's preprocessing says
// its layout, else NCHW.
std::pair<int, int> InputPixels(const ServedModel& model, const Shape& shape) {
  if (shape.size() != 4) return {0, 0};
  const bool nhwc = model.image_specs.front() && model.image_specs.front()->layout == Layout::kNhwc;
  return nhwc ? std::pair<int, int>(static_cast<int>(shape[2]), static_cast<int>(shape[1]))
              : std::pair<int, int>(static_cast<int>(shape[3]), static_cast<int>(shape[2]));
}

// A detector's boxes per row of the request: decoded in input pixels, then
// mapped to each original image when the request sent images.
Result<std::vector<std::vector<Detection>>> Detect(const ServedModel& model, const BatchResult& result,
                                                   const Shape& input_shape, const std::vector<ImageOrigin>& origins) {
  const auto [width, height] = InputPixels(model, input_shape);
  auto decoded = DecodeDetections(*model.detector, model.outputs, result.outputs, width, height);
  if (!decoded.ok()) return decoded.status().WithContext(model.Label());
  if (origins.size() != decoded->size()) return decoded;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    for (Detection& d : (*decoded)[i])
      d.box = MapBoxToImage(d.box, origins[i].geometry, origins[i].width, origins[i].height);
  }
  return decoded;
}

// A keypoint model's keypoints per row of the request: each row's outputs
// decoded and mapped back through its crop (a tensor input: its own pixels).
Result<std::vector<std::vector<Keypoint>>> FindKeypoints(const ServedModel& model, BatchResult& result,
                                                         const std::vector<ImageOrigin>& origins) {
  const KeypointModelSpec& spec = *model.keypoints;
  if (result.outputs.empty()) return Status::InvalidData(model.Label() + " gave no output to decode");
  const std::int64_t rows = result.outputs.front().shape().empty() ? 1 : result.outputs.front().shape().front();
  const CropGeometry input_pixels{0.0, 0.0, static_cast<double>(spec.input_px()), spec.input_px()};
  std::vector<std::vector<Keypoint>> out;
  for (std::int64_t i = 0; i < rows; ++i) {
    std::vector<Tensor> row;
    for (Tensor& t : result.outputs) {
      if (t.shape().empty() || t.shape().front() != rows) {
        return Status::InvalidData(fmt::format("{}: an output of shape {} has no batch dimension of {} rows",
                                               model.Label(), ShapeToString(t.shape()), rows));
      }
      Shape shape = t.shape();
      shape.front() = 1;
      const std::size_t row_bytes = t.size_bytes() / static_cast<std::size_t>(rows);
      row.push_back(Tensor::Borrowed(t.dtype(), shape, static_cast<std::byte*>(t.data()) + i * row_bytes));
    }
    const auto index = static_cast<std::size_t>(i);
    SWEETSPOT_ASSIGN_OR_RETURN(
        std::vector<Keypoint> keypoints,
        DecodeKeypointsToImage(spec, row, index < origins.size() ? origins[index].crop : input_pixels));
    out.push_back(std::move(keypoints));
  }
  return out;
}

// The outputs the server adds (AddedOutputs) for the request's rows, decoded
// after the batch ran.
Result<std::vector<InferTensor>> AddedTensors(const ServedModel& model, BatchResult& result, const Shape& input_shape,
                                              const std::vector<ImageOrigin>& origins) {
  if (model.detector) {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<std::vector<Detection>> detections,
                               Detect(model, result, input_shape, origins));
    return DetectionOutputs(detections, model.detector->max_detections);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<std::vector<Keypoint>> keypoints, FindKeypoints(model, result, origins));
  return std::vector<InferTensor>{KeypointOutput(keypoints, static_cast<int>(model.keypoints->schema.size()))};
}

bool WantsAdded(const ServedModel& model, const std::vector<std::size_t>& selected) {
  return std::any_of(selected.begin(), selected.end(), [&](std::size_t i) { return i >= model.outputs.size(); });
}

// The answer to `request` from the worker's result: the selected outputs
// (`added` holds the AddedOutputs when the request asked for one) and the
// stage times as parameters.
InferResponse Respond(const ServedModel& model, const InferRequest& request, BatchResult& result,
                      const std::vector<std::size_t>& selected, const std::vector<InferTensor>& added,
                      const StageTimes& t) {
  InferResponse response;
  response.model_name = model.options.name;
  response.model_version = model.options.version;
  response.id = request.id;
  for (std::size_t index : selected) {
    if (index >= model.outputs.size()) {
      response.outputs.push_back(added[index - model.outputs.size()]);
      continue;
    }
    const Tensor& tensor = result.outputs[index];
    InferTensor out;
    out.name = model.outputs[index].name;
    out.datatype = WireTypeOf(tensor.dtype());
    out.shape = tensor.shape();
    out.data.assign(static_cast<const char*>(tensor.data()), tensor.size_bytes());
    response.outputs.push_back(std::move(out));
  }
  response.parameters["sweetspot_queue_us"] = t.queue_us;
  response.parameters["sweetspot_preprocess_us"] = t.preprocess_us;
  response.parameters["sweetspot_inference_us"] = t.inference_us;
  response.parameters["sweetspot_batch_size"] = static_cast<std::int64_t>(t.batch_size);
  if (model.detector || model.keypoints) response.parameters["sweetspot_postprocess_us"] = t.postprocess_us;
  if (model.keypoints) AddKeypointParameters(model.keypoints->schema, response.parameters);
  return response;
}

}  // namespace

Result<InferResponse> ModelServer::Impl::Run(ServedModel& model, const InferRequest& request, StageTimes& t) {
  const ServeClock::time_point start = ServeClock::now();
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<std::size_t> selected, SelectOutputs(model, request));
  auto item = std::make_shared<BatchItem>();
  std::vector<ImageOrigin> origins;
  SWEETSPOT_ASSIGN_OR_RETURN(item->inputs, RequestTensors(model, request, &origins));
  const Shape input_shape = item->inputs.empty() ? Shape{} : item->inputs.front().shape();
  // Rows: dimension 0, which batching concatenates along (CheckBatchable made sure every input has one).
  const bool has_rows = !item->inputs.empty() && !item->inputs.front().shape().empty();
  item->rows = has_rows ? item->inputs.front().shape().front() : 1;
  for (const Tensor& input : item->inputs) {
    if (model.options.batching.max_batch_size > 1 && input.shape().front() != item->rows) {
      return Status::InvalidArgument(fmt::format("{}: the inputs disagree on the batch dimension ({} and {} rows)",
                                                 model.Label(), item->rows, input.shape().front()));
    }
  }
  t.preprocess_us = MicrosecondsSince(start);
  model.preprocess_seconds->Observe(t.preprocess_us * 1e-6);
  std::future<BatchResult> done = item->done.get_future();
  item->queued = ServeClock::now();
  switch (model.queue->Push(std::move(item))) {
    case PushResult::kQueued: break;
    case PushResult::kFull:
      // The fix in the app's words (--max-queue for serve): a FieldFix.
      return Status::ResourceExhausted(fmt::format("{}: queue full ({} requests waiting); retry later, or queue more",
                                                   model.Label(), model.options.max_queue_size))
          .WithFix(
              FieldFix{.field = "max_queue", .key = "", .values = {std::to_string(2 * model.options.max_queue_size)}});
    case PushResult::kClosed:
      return Status::Unavailable(fmt::format("the server is shutting down; {} takes no new requests", model.Label()));
  }
  BatchResult result = done.get();
  t.queue_us = result.queue_us;
  t.inference_us = result.inference_us;
  t.batch_size = result.batch_size;
  model.queue_seconds->Observe(t.queue_us * 1e-6);
  model.inference_seconds->Observe(t.inference_us * 1e-6);
  if (!result.status.ok()) return result.status;
  std::vector<InferTensor> added;
  if (WantsAdded(model, selected)) {
    const ServeClock::time_point decode_start = ServeClock::now();
    SWEETSPOT_ASSIGN_OR_RETURN(added, AddedTensors(model, result, input_shape, origins));
    t.postprocess_us = MicrosecondsSince(decode_start);
    model.postprocess_seconds->Observe(t.postprocess_us * 1e-6);
  }
  return Respond(model, request, result, selected, added, t);
}

Result<InferResponse> ModelServer::Infer(const InferRequest& request, StageTimes* times) {
  StageTimes local;
  StageTimes& t = times != nullptr ? *times : local;
  t = StageTimes{};
  auto model = impl_->Find(request.model_name, request.model_version);
  if (!model.ok()) {
    // Unknown names share one series, so clients cannot grow the metrics without bound.
    impl_->Count("", model.status());
    return model.status();
  }
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->shutting_down) {
      Status status =
          Status::Unavailable(fmt::format("the server is shutting down; {} takes no new requests", (*model)->Label()));
      impl_->Count((*model)->options.name, status);
      return status;
    }
    ++impl_->active;
  }
  Result<InferResponse> response = impl_->Run(**model, request, t);
  impl_->Count((*model)->options.name, response.status());
  {
    std::lock_guard lock(impl_->mutex);
    --impl_->active;
  }
  impl_->idle.notify_all();
  return response;
}

void ModelServer::RecordSerializeTime(std::string_view name, double serialize_us) {
  auto model = impl_->Find(name, "");
  if (model.ok()) (*model)->serialize_seconds->Observe(serialize_us * 1e-6);
}

ServerMetrics& ModelServer::metrics() { return impl_->metrics; }

void ModelServer::BeginShutdown() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->shutting_down = true;
  }
  for (auto& model : impl_->models) model->queue->Close();
}

void ModelServer::WaitIdle() {
  std::unique_lock lock(impl_->mutex);
  impl_->idle.wait(lock, [&] { return impl_->active == 0; });
}

}  // namespace sweetspot
