#include "sweetspot/video_detection.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <utility>

#include <fmt/format.h>

#include "sweetspot/backend.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/video_source.h"

namespace sweetspot {
namespace {

struct Detector {
  std::string path;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Session> session;
  std::vector<TensorInfo> output_infos;  // the tensor outputs, Session::Run order (DecodeDetections')
  PreprocessSpec spec;
  DetectorSpec decoder;
};

Result<Detector> OpenDetector(const std::string& path, const std::string& engine,
                              const VideoDetectionRequest& request) {
  Detector d;
  d.path = path;
  auto backend = CreateBackend(engine.empty() ? "onnxruntime" : engine);
  if (!backend.ok()) return backend.status().WithContext("engine");
  d.backend = std::move(backend).value();
  BackendOptions options;
  options.intra_op_threads = EvalThreads(request.threads);
  auto session = d.backend->Load(path, options);
  if (!session.ok()) return session.status().WithContext("model " + path);
  d.session = std::move(session).value();
  if (d.session->inputs().empty()) return Status::InvalidData("model " + path + " has no inputs");
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec layered, LayerPreprocessing(path, request.layers));
  auto resolved = Resolve(layered, d.session->inputs()[0]);
  if (!resolved.ok()) return resolved.status().WithContext("model " + path);
  d.spec = std::move(resolved).value();
  SWEETSPOT_ASSIGN_OR_RETURN(d.decoder, ResolveDetector(path, request.decoder_layers, *d.session));  // names the model
  for (const TensorInfo& info : d.session->outputs()) {
    if (info.is_tensor()) d.output_infos.push_back(info);
  }
  return d;
}

// One frame's detections in the frame's pixels, the model's classes.
Result<std::vector<Detection>> Detect(Detector& d, const VideoFrame& frame) {
  Shape shape = d.spec.SampleShape();
  shape.insert(shape.begin(), 1);
  Tensor input = Tensor::Owned(d.spec.dtype, shape);
  SWEETSPOT_RETURN_IF_ERROR(
      ApplyPreprocess(d.spec, frame.bgr, {static_cast<std::byte*>(input.data()), d.spec.SampleSizeBytes()}));
  auto outputs = d.session->Run(std::span<const Tensor>(&input, 1));
  if (!outputs.ok()) return outputs.status().WithContext("model " + d.path);
  auto decoded = DecodeDetections(d.decoder, d.output_infos, *outputs, d.spec.width, d.spec.height);
  if (!decoded.ok()) return decoded.status().WithContext(fmt::format("model {}, frame {}", d.path, frame.index));
  const ImageGeometry geometry = PreprocessGeometry(d.spec, frame.bgr.cols, frame.bgr.rows);
  std::vector<Detection> out;
  for (const Detection& raw : decoded->front()) {
    out.push_back({MapBoxToImage(raw.box, geometry, frame.bgr.cols, frame.bgr.rows), raw.class_id, raw.score});
  }
  return out;
}

}  // namespace

Result<VideoDetectionResult> DetectVideo(const VideoDetectionRequest& request,
                                         const std::function<void(std::size_t)>& progress) {
  if (request.models.empty()) return Status::InvalidArgument("models: give at least one detector");
  if (!request.engines.empty() && request.engines.size() != request.models.size()) {
    return Status::InvalidArgument(fmt::format("engines: {} given for {} models; give none or one per model",
                                               request.engines.size(), request.models.size()));
  }
  std::vector<Detector> detectors;
  VideoDetectionResult result;
  result.video = request.video_path;
  for (std::size_t m = 0; m < request.models.size(); ++m) {
    const std::string& path = request.models[m];
    SWEETSPOT_ASSIGN_OR_RETURN(Detector d,
                               OpenDetector(path, request.engines.empty() ? "" : request.engines[m], request));
    result.names.push_back(std::filesystem::path(path).stem().string());
    result.engines.push_back(d.backend->name());
    result.preprocess_toml.push_back(d.spec.ToToml());
    result.decoder_toml.push_back(d.decoder.ToToml());
    detectors.push_back(std::move(d));
  }
  result.detections.resize(detectors.size());
  SWEETSPOT_ASSIGN_OR_RETURN(VideoSource source, VideoSource::Open(request.video_path));
  result.fps = source.fps();
  const auto detect = [&](const VideoFrame& frame) -> Status {
    for (std::size_t m = 0; m < detectors.size(); ++m) {
      SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Detection> boxes, Detect(detectors[m], frame));
      result.detections[m].push_back(std::move(boxes));
    }
    return Status::Ok();
  };
  SWEETSPOT_RETURN_IF_ERROR(ForEachFrame(source, request.max_frames, detect, progress));
  return result;
}

}  // namespace sweetspot
