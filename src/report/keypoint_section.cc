#include "report/keypoint_section.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "report/snapshot_numbers.h"
#include "report/thumbnails.h"
#include "sweetspot/video_source.h"

namespace sweetspot {
using nlohmann::json;

namespace {

// The two shown models: one when fast == accurate.
std::vector<std::size_t> Shown(const KeypointReportSection& section) {
  if (section.fast == section.accurate) return {section.fast};
  return {section.fast, section.accurate};
}

KeypointTrack TrackOf(const KeypointVideoModel& model) { return {model.frames}; }

json FigureJson(const StabilityFigure& figure, std::int64_t count) {
  return count > 0 ? json({{"value", Fraction(figure.value)}, {"ci95", SnapshotIntervalJson(figure.ci)}}) : json();
}

// A paired figure; a and b are null when not measured (count 0).
json PairedJson(const PairedStability& p) {
  return {{"name", p.name},
          {"count", p.count},
          {"a", FigureJson(p.a, p.count)},
          {"b", FigureJson(p.b, p.count)},
          {"diff", p.count > 0 ? json(Fraction(p.diff)) : json()},
          {"diff_ci95", SnapshotIntervalJson(p.diff_ci)},
          {"p_value", Fraction(p.p_value)},
          {"verdict", p.verdict}};
}

json SeriesJson(const std::vector<std::optional<double>>& series) {
  json out = json::array();
  for (const std::optional<double>& v : series) out.push_back(v.has_value() ? json(RoundTo(*v, 100)) : json());
  return out;
}

// Per schema angle: each shown model's angle per tracked frame on the
// jointly confident mask, and its noise figure (matched by name).
json AnglesJson(const KeypointReportSection& section) {
  const KeypointVideoResult& video = section.video;
  const float min_confidence = static_cast<float>(section.stability.min_confidence);
  const auto mask =
      JointlyConfident(TrackOf(video.models[section.fast]), TrackOf(video.models[section.accurate]), min_confidence);
  json out = json::array();
  for (const JointAngle& angle : video.schema.angles) {
    json series = json::array();
    for (const std::size_t m : Shown(section)) {
      series.push_back(SeriesJson(AngleSeriesDeg(TrackOf(video.models[m]), angle, video.schema, mask)));
    }
    const auto& noise = section.stability.angle_noise_deg;
    const auto found = std::find_if(noise.begin(), noise.end(), [&](const auto& p) { return p.name == angle.name; });
    out.push_back({{"name", angle.name},
                   {"joints", {angle.a, angle.vertex, angle.c}},
                   {"series", series},
                   {"noise", found != noise.end() ? PairedJson(*found) : json()}});
  }
  return out;
}

// The frames a video source gives for `wanted` (ascending) frame indices.
std::map<std::size_t, cv::Mat> ReadFrames(const std::filesystem::path& path, const std::vector<std::size_t>& wanted,
                                          json* notes) {
  std::map<std::size_t, cv::Mat> out;
  if (wanted.empty()) return out;
  auto source = VideoSource::Open(path);
  if (!source.ok()) {
    notes->push_back(fmt::format("no pictures of the sample frames: {}", source.status().message()));
    return out;
  }
  while (out.size() < wanted.size()) {
    auto frame = source->Next();
    if (!frame.ok() || !frame->has_value()) {
      notes->push_back(fmt::format("no picture of frame {} and later: {} {}", wanted[out.size()], path.string(),
                                   frame.ok() ? "has fewer frames now" : frame.status().message()));
      break;
    }
    if (std::binary_search(wanted.begin(), wanted.end(), (*frame)->index)) out.emplace((*frame)->index, (*frame)->bgr);
  }
  return out;
}

// The tracked square clipped to the frame, as [x1, y1, x2, y2] whole pixels.
cv::Rect SquareInFrame(const TrackSquare& square, const cv::Mat& frame) {
  const Box b = square.box();
  const cv::Rect rect(static_cast<int>(std::floor(b.x1)), static_cast<int>(std::floor(b.y1)),
                      static_cast<int>(std::ceil(b.x2 - b.x1)), static_cast<int>(std::ceil(b.y2 - b.y1)));
  return rect & cv::Rect(0, 0, frame.cols, frame.rows);
}

// The picture of the square on `frame`, and the square it shows.
json PictureJson(const TrackSquare& square, const std::map<std::size_t, cv::Mat>& frames, std::size_t index,
                 const KeypointSectionOptions& options, json* notes) {
  const Box b = square.box();
  json picture = {{"view", {RoundTo(b.x1, 10), RoundTo(b.y1, 10), RoundTo(b.x2, 10), RoundTo(b.y2, 10)}},
                  {"thumbnail", nullptr}};
  const auto found = frames.find(index);
  if (found == frames.end()) return picture;
  const cv::Rect rect = SquareInFrame(square, found->second);
  if (rect.area() == 0) return picture;
  auto uri = JpegDataUri(found->second(rect), options.thumbnail_px, options.jpeg_quality);
  if (!uri.ok()) {
    notes->push_back(fmt::format("no picture of frame {}: {}", index, uri.status().message()));
    return picture;
  }
  picture["view"] = {rect.x, rect.y, rect.x + rect.width, rect.y + rect.height};
  picture["thumbnail"] = *uri;
  return picture;
}

// Each shown model's joints at frame t: [x, y, score] when confident, else null.
json ConfidentJoints(const KeypointReportSection& section, std::size_t t) {
  json out = json::array();
  for (const std::size_t m : Shown(section)) {
    json joints = json::array();
    for (const Keypoint& k : section.video.models[m].frames[t]) {
      const bool confident = k.score >= section.stability.min_confidence;
      joints.push_back(confident ? json({RoundTo(k.x, 10), RoundTo(k.y, 10), RoundTo(k.score, 1e3)}) : json());
    }
    out.push_back(joints);
  }
  return out;
}

// The sample frames and, when the track was lost, that frame with the last square.
void AddPictures(const KeypointReportSection& section, const KeypointSectionOptions& options, json* out) {
  const KeypointVideoResult& video = section.video;
  const std::vector<std::size_t> samples = KeypointSampleFrames(video.crops.size(), options.samples);
  std::vector<std::size_t> wanted = samples;
  const bool lost = video.lost_at_frame.has_value() && !video.crops.empty();
  if (lost) wanted.push_back(*video.lost_at_frame);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  json& notes = (*out)["notes"];
  const std::filesystem::path path =
      section.video_path.empty() ? std::filesystem::path(video.video) : section.video_path;
  const std::map<std::size_t, cv::Mat> frames = ReadFrames(path, wanted, &notes);
  json shown = json::array();
  for (const std::size_t t : samples) {
    json sample = PictureJson(video.crops[t], frames, t, options, &notes);
    sample["frame"] = t;
    sample["keypoints"] = ConfidentJoints(section, t);
    shown.push_back(sample);
  }
  (*out)["samples"] = shown;
  if (!lost) return;
  json picture = PictureJson(video.crops.back(), frames, *video.lost_at_frame, options, &notes);
  picture["frame"] = *video.lost_at_frame;
  picture["note"] = video.note;
  (*out)["lost"] = picture;
}

json SchemaJson(const KeypointSchema& schema) {
  json skeleton = json::array();
  for (const auto& [a, b] : schema.skeleton) skeleton.push_back({a, b});
  return {{"name", schema.name}, {"joints", schema.joints}, {"skeleton", skeleton}};
}

json ModelsJson(const KeypointReportSection& section) {
  json out = json::array();
  for (const std::size_t m : Shown(section)) {
    const KeypointVideoModel& model = section.video.models[m];
    out.push_back({{"name", model.name}, {"schema", model.model_schema}, {"input_px", model.input_px}});
  }
  return out;
}

std::string NameOf(const KeypointReportSection& section) {
  return section.name.empty() ? std::filesystem::path(section.video.video).stem().string() : section.name;
}

}  // namespace

std::vector<std::size_t> KeypointSampleFrames(std::size_t frames, std::size_t count) {
  std::vector<std::size_t> out;
  if (frames == 0 || count == 0) return out;
  if (frames <= count) {
    for (std::size_t t = 0; t < frames; ++t) out.push_back(t);
    return out;
  }
  const double step = count > 1 ? static_cast<double>(frames - 1) / static_cast<double>(count - 1) : 0.0;
  for (std::size_t k = 0; k < count; ++k) out.push_back(static_cast<std::size_t>(std::llround(step * k)));
  return out;
}

json KeypointSectionJson(const KeypointReportSection& section, const KeypointSectionOptions& options) {
  assert(section.fast < section.video.models.size() && section.accurate < section.video.models.size() &&
         "KeypointReportSection's fast and accurate index video.models");
  const KeypointStabilityComparison& s = section.stability;
  json jitter = json::array();
  for (const PairedStability& p : s.jitter_px) jitter.push_back(PairedJson(p));
  json out = {{"name", NameOf(section)},
              {"video", section.video.video},
              {"fps", section.video.fps},
              {"frames", section.video.crops.size()},
              {"schema", SchemaJson(section.video.schema)},
              {"models", ModelsJson(section)},
              {"compared", {s.model_a, s.model_b}},
              {"min_confidence", Fraction(s.min_confidence)},
              {"bootstrap", {{"replicates", s.replicates}, {"block_length", s.block_length}}},
              {"verdict", s.overall_jitter_px.verdict},
              {"overall_jitter_px", PairedJson(s.overall_jitter_px)},
              {"jitter_px", jitter},
              {"angles", AnglesJson(section)},
              {"samples", json::array()},
              {"lost", nullptr},
              {"notes", json::array()}};
  AddPictures(section, options, &out);
  return out;
}

}  // namespace sweetspot
