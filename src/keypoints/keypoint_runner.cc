#include "keypoints/keypoint_runner.h"

#include <span>
#include <utility>

#include <fmt/format.h>

#include "sweetspot/elapsed.h"
#include "sweetspot/evaluate.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

// The layered preprocessing, resolved, for a square crop resized exactly.
Result<PreprocessSpec> CropPreprocessing(const KeypointModelRequest& request, const TensorInfo& input) {
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(request.model_path, request.layers));
  if (spec.resize != ResizeMode::kExact) {
    return Status::InvalidArgument(fmt::format(
        "model '{}': resize = {}{}, but keypoint crops are square and resized exactly; remove that resize key",
        request.model_path, ResizeModeName(spec.resize), spec.Origin("resize")));
  }
  auto resolved = Resolve(spec, input);
  if (!resolved.ok()) return resolved.status().WithContext(request.model_path);
  if (resolved->width != resolved->height) {
    return Status::Unsupported(fmt::format(
        "model '{}': input {}x{} is not square; keypoint crops are square: give a model with a square input",
        request.model_path, resolved->width, resolved->height));
  }
  return resolved;
}

Result<KeypointSchema> ModelSchema(const KeypointModelRequest& request, const KeypointDecoderSpec& decoder) {
  const std::string& name = request.schema.empty() ? decoder.schema : request.schema;
  if (name.empty()) {
    return Status::InvalidArgument(fmt::format(
        "model '{}' names no keypoint schema; give its schema (a built-in name such as efficientpose16, or a file)",
        request.model_path));
  }
  auto schema = ResolveSchema(name);
  if (!schema.ok()) return schema.status().WithContext(fmt::format("model '{}' schema", request.model_path));
  return schema;
}

// ONNX Runtime refuses some models OpenCV's DNN runs (EfficientPose I's
// AveragePool pads): when it does and opencv-dnn loads the model, that engine
// is the fix.
Result<std::unique_ptr<Session>> LoadOn(Backend& backend, const std::string& engine, const std::string& model_path,
                                        const BackendOptions& options) {
  auto session = backend.Load(model_path, options);
  if (session.ok() || !engine.starts_with("onnxruntime")) return session;
  auto opencv = CreateBackend("opencv-dnn");
  if (!opencv.ok() || !(*opencv)->Load(model_path, options).ok()) return session;
  return Status::FromCode(session.status().code(), session.status().message() + " (engine opencv-dnn loads it)",
                          session.status().fixes())
      .WithFix({.field = "engine", .key = "", .values = {"opencv-dnn"}});
}

}  // namespace

Result<std::unique_ptr<KeypointRunner>> KeypointRunner::Open(const KeypointModelRequest& request,
                                                             const std::string& default_engine, int threads) {
  auto runner = std::make_unique<KeypointRunner>();
  runner->path_ = request.model_path;
  runner->engine_ = request.engine.empty() ? default_engine : request.engine;
  runner->name_ = request.name.empty() ? fs::path(request.model_path).stem().string() : request.name;
  std::error_code ec;
  if (!fs::is_regular_file(request.model_path, ec)) {
    return Status::NotFound("model " + request.model_path + " does not exist");
  }
  auto backend = CreateBackend(runner->engine_);
  if (!backend.ok()) return backend.status().WithContext("engine");
  runner->backend_ = std::move(backend).value();
  BackendOptions options;
  options.intra_op_threads = EvalThreads(threads);
  SWEETSPOT_ASSIGN_OR_RETURN(runner->session_, LoadOn(*runner->backend_, runner->engine_, request.model_path, options));
  const auto& inputs = runner->session_->inputs();
  if (inputs.empty()) return Status::InvalidData("model " + request.model_path + " has no inputs");
  SWEETSPOT_ASSIGN_OR_RETURN(runner->preprocess_, CropPreprocessing(request, inputs[0]));
  SWEETSPOT_ASSIGN_OR_RETURN(runner->decoder_,
                             ResolveKeypointDecoder(request.model_path, request.decoder_layers, *runner->session_));
  for (const TensorInfo& info : runner->session_->outputs()) {
    if (info.is_tensor()) runner->output_infos_.push_back(info);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(runner->schema_, ModelSchema(request, runner->decoder_));
  return runner;
}

Result<std::vector<Keypoint>> KeypointRunner::Run(const cv::Mat& crop, const CropGeometry& geometry,
                                                  KeypointStageSample& times) {
  const auto start = SteadyClock::now();
  Shape shape = preprocess_.SampleShape();
  shape.insert(shape.begin(), 1);
  Tensor input = Tensor::Owned(preprocess_.dtype, shape);
  SWEETSPOT_RETURN_IF_ERROR(
      ApplyPreprocess(preprocess_, crop, {static_cast<std::byte*>(input.data()), preprocess_.SampleSizeBytes()}));
  times.preprocess_ms += MillisecondsSince(start);
  const auto network_start = SteadyClock::now();
  auto outputs = session_->Run(std::span<const Tensor>(&input, 1));
  if (!outputs.ok()) return outputs.status().WithContext(path_);
  times.network_ms = MillisecondsSince(network_start);
  const auto post_start = SteadyClock::now();
  auto decoded = DecodeKeypoints(*outputs, decoder_, preprocess_.width, preprocess_.height, output_infos_);
  if (!decoded.ok()) return decoded.status().WithContext("model '" + path_ + "'");
  if (decoded->size() != schema_.size()) {
    return Status::InvalidArgument(fmt::format("model '{}' gives {} joints, its schema '{}' names {}; give its schema",
                                               path_, decoded->size(), schema_.name, schema_.size()));
  }
  std::vector<Keypoint> keypoints;
  keypoints.reserve(decoded->size());
  for (const Keypoint& k : *decoded) keypoints.push_back(MapToImage(k, geometry));
  times.postprocess_ms = MillisecondsSince(post_start);
  return keypoints;
}

std::vector<Keypoint> MapKeypoints(const std::vector<Keypoint>& keypoints, const std::vector<int>& map) {
  std::vector<Keypoint> out(map.size());
  for (std::size_t j = 0; j < map.size(); ++j) {
    if (map[j] >= 0) out[j] = keypoints[static_cast<std::size_t>(map[j])];
  }
  return out;
}

}  // namespace sweetspot
