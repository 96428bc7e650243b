// RunKeypointVideo (keypoint_eval.h): several keypoint models on one tracked video.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "keypoints/keypoint_runner.h"
#include "sweetspot/elapsed.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/person_crop.h"
#include "sweetspot/video_source.h"

namespace sweetspot {

namespace {

struct VideoPipeline {
  std::vector<std::unique_ptr<KeypointRunner>> runners;
  std::vector<std::vector<int>> maps;  // per model: MapSchemas(model schema, reference schema)
  int crop_px = 0;                     // the largest model input
};

Status CheckVideoRequest(const KeypointVideoRequest& request) {
  if (request.models.empty()) return Status::InvalidArgument("models: give at least one keypoint model");
  const int count = static_cast<int>(request.models.size());
  if (request.reference < -1 || request.reference >= count) {
    return Status::InvalidArgument(
        fmt::format("reference is {}; give a model index 0..{} (or -1: the last)", request.reference, count - 1));
  }
  if (!(request.initial.side_px > 0.0)) {
    return Status::InvalidArgument(
        fmt::format("initial side is {} px; give the person's square in the first frame (centre and side > 0)",
                    request.initial.side_px));
  }
  return request.tracker.Validate();
}

Result<VideoPipeline> OpenModels(const KeypointVideoRequest& request, KeypointVideoResult& result) {
  VideoPipeline p;
  for (const KeypointModelRequest& model : request.models) {
    SWEETSPOT_ASSIGN_OR_RETURN(auto runner, KeypointRunner::Open(model, request.engine, request.threads));
    p.crop_px = std::max(p.crop_px, runner->input_px());
    KeypointVideoModel& out = result.models.emplace_back();
    out.model = model.model_path;
    out.name = runner->name();
    out.model_schema = runner->schema().name;
    out.engine = runner->engine();
    out.input_px = runner->input_px();
    p.runners.push_back(std::move(runner));
  }
  result.schema = p.runners[result.reference]->schema();
  for (const auto& runner : p.runners) {
    auto map = MapSchemas(runner->schema(), result.schema);
    if (!map.ok()) return map.status().WithContext("model '" + runner->name() + "'");
    p.maps.push_back(std::move(map).value());
  }
  return p;
}

// Runs model m on the shared crop; appends nothing (the caller decides whether the frame counts).
Result<std::vector<Keypoint>> RunModel(VideoPipeline& p, std::size_t m, const cv::Mat& crop, const TrackSquare& square,
                                       double crop_ms, KeypointStageSample& times) {
  KeypointRunner& runner = *p.runners[m];
  const CropGeometry geometry = CropFromCentreScale(square.cx_px, square.cy_px, square.side_px, runner.input_px());
  times.preprocess_ms = crop_ms;
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Keypoint> keypoints, runner.Run(crop, geometry, times));
  return MapKeypoints(keypoints, p.maps[m]);
}

void Append(KeypointVideoModel& model, std::vector<Keypoint> keypoints, const KeypointStageSample& times) {
  model.frames.push_back(std::move(keypoints));
  model.times.preprocess_ms.push_back(times.preprocess_ms);
  model.times.network_ms.push_back(times.network_ms);
  model.times.postprocess_ms.push_back(times.postprocess_ms);
}

// One frame: crop once, the reference first (it moves the tracker), then the
// others. Returns false when the track is lost at this frame.
Result<bool> RunFrame(VideoPipeline& p, const VideoFrame& frame, PersonTracker& tracker, KeypointVideoResult& result) {
  const TrackSquare square = tracker.square();
  const auto start = SteadyClock::now();
  SWEETSPOT_ASSIGN_OR_RETURN(
      cv::Mat crop, CropPerson(frame.bgr, CropFromCentreScale(square.cx_px, square.cy_px, square.side_px, p.crop_px)));
  const double crop_ms = MillisecondsSince(start);
  const std::size_t ref = result.reference;
  KeypointStageSample ref_times;
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Keypoint> ref_keypoints, RunModel(p, ref, crop, square, crop_ms, ref_times));
  if (!tracker.Update(ref_keypoints)) return false;
  Append(result.models[ref], std::move(ref_keypoints), ref_times);
  for (std::size_t m = 0; m < p.runners.size(); ++m) {
    if (m == ref) continue;
    KeypointStageSample times;
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Keypoint> keypoints, RunModel(p, m, crop, square, crop_ms, times));
    Append(result.models[m], std::move(keypoints), times);
  }
  result.crops.push_back(square);
  return true;
}

// The tracker starts from the initial square: a centre off frame 0 would
// crop nobody (black borders) and lose the track at once, or follow
// whoever the padding happens to catch.
Status CheckInitialInFrame(const KeypointVideoRequest& request, const cv::Mat& frame) {
  const TrackSquare& s = request.initial;
  const bool inside = s.cx_px >= 0.0 && s.cx_px <= frame.cols && s.cy_px >= 0.0 && s.cy_px <= frame.rows;
  if (inside) return Status::Ok();
  return Status::InvalidArgument(fmt::format("video {}: the initial square's centre ({:g}, {:g}) lies outside "
                                             "frame 0 ({} x {} px)",
                                             request.video_path, s.cx_px, s.cy_px, frame.cols, frame.rows))
      .WithFix({"initial", "", {std::to_string(frame.cols), std::to_string(frame.rows)}});
}

// The frames a run will track if the track holds: the video's count (a
// container's estimate) capped by max_frames; 0 when neither is known.
std::size_t ExpectedFrames(const KeypointVideoRequest& request, const VideoSource& source) {
  const std::size_t hint = source.frame_count_hint();
  if (request.max_frames == 0) return hint;
  const auto max_frames = static_cast<std::size_t>(request.max_frames);
  return hint == 0 ? max_frames : std::min(hint, max_frames);
}

}  // namespace

Result<KeypointVideoResult> RunKeypointVideo(const KeypointVideoRequest& request,
                                             const KeypointVideoProgress& progress) {
  SWEETSPOT_RETURN_IF_ERROR(CheckVideoRequest(request));
  KeypointVideoResult result;
  result.video = request.video_path;
  result.reference = request.reference < 0 ? request.models.size() - 1 : static_cast<std::size_t>(request.reference);
  SWEETSPOT_ASSIGN_OR_RETURN(VideoSource source, VideoSource::Open(request.video_path));
  result.fps = source.fps();
  // Open read frame 0, so there is one.
  SWEETSPOT_ASSIGN_OR_RETURN(std::optional<VideoFrame> frame, source.Next());
  SWEETSPOT_RETURN_IF_ERROR(CheckInitialInFrame(request, frame->bgr));
  SWEETSPOT_ASSIGN_OR_RETURN(VideoPipeline p, OpenModels(request, result));
  PersonTracker tracker(request.initial, request.tracker);
  const std::size_t expected = ExpectedFrames(request, source);
  while (frame.has_value()) {
    SWEETSPOT_ASSIGN_OR_RETURN(bool tracked, RunFrame(p, *frame, tracker, result));
    if (!tracked) {
      result.lost_at_frame = frame->index;
      result.note = fmt::format(
          "track lost at frame {}: {} of {}'s joints at confidence >= {} (tracker.min_joints {}); {} frames measured",
          frame->index, tracker.last_confident_joints(), result.models[result.reference].name,
          request.tracker.score_threshold, request.tracker.min_joints, result.crops.size());
      if (result.crops.empty()) {
        return Status::InvalidData(fmt::format("video {}: {}; give the initial square around the person in frame 0",
                                               request.video_path, result.note));
      }
      break;
    }
    const std::size_t done = result.crops.size();
    if (progress) progress(done, expected == 0 ? 0 : std::max(expected, done));
    if (request.max_frames != 0 && result.crops.size() >= request.max_frames) break;
    SWEETSPOT_ASSIGN_OR_RETURN(frame, source.Next());
  }
  return result;
}

}  // namespace sweetspot
