#include "keypoint_fixture.h"

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sweetspot/stability.h"

namespace sweetspot::testing {
namespace {

constexpr double kLimbPx = 48.0;  // thigh and shin
constexpr double kForearmPx = 32.0;
constexpr float kConfident = 0.9F;

double Phase(std::size_t t) { return std::sin(2.0 * std::numbers::pi * static_cast<double>(t) / 12.0); }
double Rad(double deg) { return deg * std::numbers::pi / 180.0; }

struct Point {
  double x, y;
};

// `d` (a unit direction) turned by `deg` (towards +x for the image's y down).
Point Turn(Point d, double deg) {
  const double c = std::cos(Rad(deg)), s = std::sin(Rad(deg));
  return {d.x * c - d.y * s, d.x * s + d.y * c};
}

Point Along(Point from, Point d, double length) { return {from.x + length * d.x, from.y + length * d.y}; }

// The exact joints at frame t, efficientpose16's order, seen from the front
// (the person's right on the image's left).
std::vector<Keypoint> Pose(const KeypointSchema& schema, std::size_t t) {
  std::vector<Keypoint> out(schema.size());
  const auto put = [&](std::string_view joint, Point p) {
    out[static_cast<std::size_t>(schema.JointIndex(joint))] = {p.x, p.y, kConfident};
  };
  put("head_top", {160, 28});
  put("upper_neck", {160, 52});
  put("thorax", {160, 62});
  put("pelvis", {160, 118});
  for (const double side : {-1.0, 1.0}) {  // right, left
    const std::string s = side < 0 ? "r" : "l";
    const Point shoulder{160 + side * 22, 62}, elbow{160 + side * 22, 100}, hip{160 + side * 12, 118};
    const double elbow_deg = KnownAngleDeg(s + "_elbow_flexion", t);
    const Point wrist = Along(elbow, {side * std::sin(Rad(elbow_deg)), std::cos(Rad(elbow_deg))}, kForearmPx);
    const double hip_deg = KnownAngleDeg(s + "_hip_abduction_adduction", t);
    const Point thigh{side * std::sin(Rad(hip_deg)), std::cos(Rad(hip_deg))};
    const Point knee = Along(hip, thigh, kLimbPx);
    const Point ankle = Along(knee, Turn(thigh, side * KnownAngleDeg(s + "_knee_flexion", t)), kLimbPx);
    put(s + "_shoulder", shoulder);
    put(s + "_elbow", elbow);
    put(s + "_wrist", wrist);
    put(s + "_hip", hip);
    put(s + "_knee", knee);
    put(s + "_ankle", ankle);
  }
  return out;
}

// The fast model: every joint moved by +/- kFastNoisePx, the sign alternating
// over frames and joints; its left ankle unconfident at kUnconfidentFrame.
std::vector<Keypoint> Noisy(const KeypointSchema& schema, std::vector<Keypoint> joints, std::size_t t) {
  for (std::size_t j = 0; j < joints.size(); ++j) {
    const double sign = (t + j) % 2 == 0 ? 1.0 : -1.0;
    joints[j].x += sign * kFastNoisePx;
    joints[j].y -= sign * kFastNoisePx;
    joints[j].score = 0.6F;
  }
  if (t == kUnconfidentFrame) joints[static_cast<std::size_t>(schema.JointIndex("l_ankle"))].score = 0.1F;
  return joints;
}

void WriteFrame(const std::filesystem::path& file, const KeypointSchema& schema, const std::vector<Keypoint>& joints) {
  cv::Mat frame(240, 320, CV_8UC3, cv::Scalar(190, 200, 205));
  const auto at = [&](int j) { return cv::Point(static_cast<int>(joints[j].x), static_cast<int>(joints[j].y)); };
  for (const auto& [a, b] : schema.skeleton) cv::line(frame, at(a), at(b), cv::Scalar(60, 60, 70), 6, cv::LINE_AA);
  cv::circle(frame, at(schema.JointIndex("head_top")) + cv::Point(0, 10), 12, cv::Scalar(80, 110, 160), cv::FILLED);
  cv::imwrite(file.string(), frame);
}

}  // namespace

double KnownAngleDeg(std::string_view angle, std::size_t t) {
  const double s = (angle.starts_with("r_") ? 1.0 : -1.0) * Phase(t);
  if (angle.ends_with("knee_flexion")) return 20.0 + 15.0 * s;
  if (angle.ends_with("elbow_flexion")) return 30.0 + 10.0 * s;
  return 5.0 + 3.0 * s;  // hip abduction-adduction
}

KeypointReportSection SyntheticKeypointSection(const std::filesystem::path& frames_dir, bool write_frames,
                                               std::size_t replicates) {
  KeypointReportSection section;
  section.name = "walk";
  KeypointVideoResult& video = section.video;
  video.video = frames_dir.string();
  video.fps = 25.0;
  video.reference = 1;
  video.schema = *BuiltinSchema("efficientpose16");
  video.models.resize(2);
  video.models[0].model = "fast.onnx";
  video.models[0].name = "fast-rt";
  video.models[0].input_px = 224;
  video.models[1].model = "accurate.onnx";
  video.models[1].name = "accurate-i";
  video.models[1].input_px = 256;
  for (KeypointVideoModel& model : video.models) model.model_schema = "efficientpose16";
  for (std::size_t t = 0; t <= kSyntheticFrames; ++t) {
    const std::vector<Keypoint> exact = Pose(video.schema, t);
    if (write_frames) WriteFrame(frames_dir / fmt::format("frame{:03}.png", t), video.schema, exact);
    if (t == kSyntheticFrames) break;  // the frame where the track is lost
    video.crops.push_back({.cx_px = 160, .cy_px = 125, .side_px = 230});
    video.models[0].frames.push_back(Noisy(video.schema, exact, t));
    video.models[1].frames.push_back(exact);
  }
  video.lost_at_frame = kSyntheticFrames;
  video.note = fmt::format("track lost at frame {}: 2 of accurate-i's joints at confidence >= 0.1", kSyntheticFrames);
  section.fast = 0;
  section.accurate = 1;
  StabilityOptions options;
  options.bootstrap_replicates = replicates;
  section.stability = CompareKeypointStability({video.models[0].frames}, {video.models[1].frames}, video.schema,
                                               "fast-rt", "accurate-i", options);
  return section;
}

}  // namespace sweetspot::testing
