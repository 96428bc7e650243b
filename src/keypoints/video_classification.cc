#include "sweetspot/video_classification.h"

#include <algorithm>
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

struct Classifier {
  std::string path;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Session> session;
  PreprocessSpec spec;
};

// Flicker is of the top-1 of ONE row of class scores per frame ([N, C] or
// [N, C, 1, 1], as eval reads them): a map such as a keypoint model's
// [1, 16, 224, 224] heatmaps has an argmax too, which would flicker ~100 %.
Status CheckClassScores(const std::string& path, const Session& session) {
  SWEETSPOT_ASSIGN_OR_RETURN(const ScoresOutput scores, FindScoresOutput(session.outputs()));
  const Shape& shape = scores.info.shape;
  const auto wide =
      std::count_if(shape.begin() + (shape.empty() ? 0 : 1), shape.end(), [](std::int64_t d) { return d != 1; });
  if (wide <= 1) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("model {}: its output '{}' is {}, not one row of class scores [N, C]; --task classification needs a "
                  "classifier (a keypoint model: --task keypoints)",
                  path, scores.info.name, ShapeToString(shape, scores.info.dim_names)));
}

Result<Classifier> OpenClassifier(const std::string& path, const VideoClassificationRequest& request) {
  Classifier c;
  c.path = path;
  SWEETSPOT_ASSIGN_OR_RETURN(c.backend, CreateBackend(request.engine));
  BackendOptions options;
  options.intra_op_threads = EvalThreads(request.threads);
  auto session = c.backend->Load(path, options);
  if (!session.ok()) return session.status().WithContext("model " + path);
  c.session = std::move(session).value();
  if (c.session->inputs().empty()) return Status::InvalidData("model " + path + " has no inputs");
  SWEETSPOT_RETURN_IF_ERROR(CheckClassScores(path, *c.session));
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec layered, LayerPreprocessing(path, request.layers));
  auto resolved = Resolve(layered, c.session->inputs()[0]);
  if (!resolved.ok()) return resolved.status().WithContext("model " + path);
  c.spec = std::move(resolved).value();
  return c;
}

Result<int> Top1(Classifier& c, const cv::Mat& bgr) {
  Shape shape = c.spec.SampleShape();
  shape.insert(shape.begin(), 1);
  Tensor input = Tensor::Owned(c.spec.dtype, shape);
  SWEETSPOT_RETURN_IF_ERROR(
      ApplyPreprocess(c.spec, bgr, {static_cast<std::byte*>(input.data()), c.spec.SampleSizeBytes()}));
  auto outputs = c.session->Run(std::span<const Tensor>(&input, 1));
  if (!outputs.ok()) return outputs.status().WithContext("model " + c.path);
  if (outputs->empty() || (*outputs)[0].dtype() != DType::kFloat32 || (*outputs)[0].element_count() == 0) {
    return Status::InvalidData(
        fmt::format("model {}: its first output is not a float32 tensor of class scores; give a classifier", c.path));
  }
  const std::span<const float> scores = (*outputs)[0].values<float>();
  return static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

}  // namespace

Result<VideoClassificationResult> ClassifyVideo(const VideoClassificationRequest& request,
                                                const std::function<void(std::size_t)>& progress) {
  if (request.models.empty()) return Status::InvalidArgument("models: give at least one classifier");
  std::vector<Classifier> classifiers;
  VideoClassificationResult result;
  result.video = request.video_path;
  for (const std::string& path : request.models) {
    SWEETSPOT_ASSIGN_OR_RETURN(Classifier c, OpenClassifier(path, request));
    result.names.push_back(std::filesystem::path(path).stem().string());
    result.preprocess_toml.push_back(c.spec.ToToml());
    classifiers.push_back(std::move(c));
  }
  result.top1.resize(classifiers.size());
  SWEETSPOT_ASSIGN_OR_RETURN(VideoSource source, VideoSource::Open(request.video_path));
  result.fps = source.fps();
  const auto classify = [&](const VideoFrame& frame) -> Status {
    for (std::size_t m = 0; m < classifiers.size(); ++m) {
      SWEETSPOT_ASSIGN_OR_RETURN(int top1, Top1(classifiers[m], frame.bgr));
      result.top1[m].push_back(top1);
    }
    return Status::Ok();
  };
  SWEETSPOT_RETURN_IF_ERROR(ForEachFrame(source, request.max_frames, classify, progress));
  return result;
}

}  // namespace sweetspot
