#include "keypoints/keypoint_runner.h"

#include <span>
#include <utility>

#include <fmt/format.h>

#include "sweetspot/elapsed.h"
#include "sweetspot/evaluate.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

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
  SWEETSPOT_ASSIGN_OR_RETURN(const PreprocessSpec layered, LayerPreprocessing(request.model_path, request.layers));
  SWEETSPOT_ASSIGN_OR_RETURN(runner->spec_, ResolveKeypointModel(request.model_path, layered, request.decoder_layers,
                                                                 request.schema, *runner->session_));
  return runner;
}

Result<std::vector<Keypoint>> KeypointRunner::Run(const cv::Mat& crop, const CropGeometry& geometry,
                                                  KeypointStageSample& times) {
  const auto start = SteadyClock::now();
  const PreprocessSpec& preprocess = spec_.preprocess;
  Shape shape = preprocess.SampleShape();
  shape.insert(shape.begin(), 1);
  Tensor input = Tensor::Owned(preprocess.dtype, shape);
  SWEETSPOT_RETURN_IF_ERROR(
      ApplyPreprocess(preprocess, crop, {static_cast<std::byte*>(input.data()), preprocess.SampleSizeBytes()}));
  times.preprocess_ms += MillisecondsSince(start);
  const auto network_start = SteadyClock::now();
  auto outputs = session_->Run(std::span<const Tensor>(&input, 1));
  if (!outputs.ok()) return outputs.status().WithContext(path_);
  times.network_ms = MillisecondsSince(network_start);
  const auto post_start = SteadyClock::now();
  auto keypoints = DecodeKeypointsToImage(spec_, *outputs, geometry);
  times.postprocess_ms = MillisecondsSince(post_start);
  return keypoints;
}

}  // namespace sweetspot
