#include "sweetspot/person_tracker.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace sweetspot {

TrackSquare TrackSquare::AroundBox(const Box& box, double padding) {
  return {(box.x1 + box.x2) / 2.0, (box.y1 + box.y2) / 2.0, padding * std::max(box.width(), box.height())};
}

Box TrackSquare::box() const {
  const double half = side_px / 2.0;
  return {cx_px - half, cy_px - half, cx_px + half, cy_px + half};
}

Status PersonTrackerOptions::Validate() const {
  if (!(score_threshold >= 0.0F && score_threshold <= 1.0F)) {
    return Status::InvalidArgument(
        fmt::format("tracker.score_threshold is {}; give a confidence in [0, 1]", score_threshold));
  }
  if (min_joints < 2) {
    return Status::InvalidArgument(
        fmt::format("tracker.min_joints is {}; give 2 or more (one joint has no extent to crop around)", min_joints));
  }
  if (!(padding >= 1.0)) {
    return Status::InvalidArgument(fmt::format("tracker.padding is {}; give 1 or more (1.25 is usual)", padding));
  }
  if (!(smoothing > 0.0 && smoothing <= 1.0)) {
    return Status::InvalidArgument(
        fmt::format("tracker.smoothing is {}; give the newest measurement's weight in (0, 1]", smoothing));
  }
  if (memory_frames < 0) {
    return Status::InvalidArgument(fmt::format(
        "tracker.memory_frames is {}; give 0 or more (0 forgets an unconfident joint at once)", memory_frames));
  }
  return Status::Ok();
}

PersonTracker::PersonTracker(const TrackSquare& initial, const PersonTrackerOptions& options)
    : options_(options), square_(initial) {
  assert(options.Validate().ok());
  assert(initial.side_px > 0.0);
}

namespace {

double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace

void PersonTracker::Remember(std::span<const Keypoint> keypoints) {
  if (pose_.empty()) pose_.resize(keypoints.size());
  assert(pose_.size() == keypoints.size());
  const auto confident = [&](std::size_t j) { return keypoints[j].score >= options_.score_threshold; };
  std::vector<double> dx, dy;
  for (std::size_t j = 0; j < pose_.size(); ++j) {
    if (confident(j) && pose_[j].age == 0) {
      dx.push_back(keypoints[j].x - pose_[j].x);
      dy.push_back(keypoints[j].y - pose_[j].y);
    }
  }
  const double shift_x = Median(std::move(dx)), shift_y = Median(std::move(dy));
  for (std::size_t j = 0; j < pose_.size(); ++j) {
    RememberedJoint& joint = pose_[j];
    if (confident(j)) {
      joint = {keypoints[j].x, keypoints[j].y, 0};
    } else if (joint.age >= 0) {
      joint = {joint.x + shift_x, joint.y + shift_y, joint.age + 1};
      if (joint.age > options_.memory_frames) joint.age = -1;
    }
  }
}

bool PersonTracker::Update(std::span<const Keypoint> keypoints) {
  if (lost_) return false;
  int confident = 0;
  for (const Keypoint& k : keypoints) confident += k.score >= options_.score_threshold ? 1 : 0;
  last_confident_joints_ = confident;
  if (confident < options_.min_joints) {
    lost_ = true;
    return false;
  }
  Remember(keypoints);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Box extent{kInf, kInf, -kInf, -kInf};
  for (const RememberedJoint& j : pose_) {
    if (j.age < 0) continue;
    extent = {std::min(extent.x1, j.x), std::min(extent.y1, j.y), std::max(extent.x2, j.x), std::max(extent.y2, j.y)};
  }
  TrackSquare measured = TrackSquare::AroundBox(extent, options_.padding);
  if (measured.side_px <= 0.0) measured.side_px = square_.side_px;
  const double a = options_.smoothing;
  square_ = {a * measured.cx_px + (1.0 - a) * square_.cx_px, a * measured.cy_px + (1.0 - a) * square_.cy_px,
             a * measured.side_px + (1.0 - a) * square_.side_px};
  ++tracked_frames_;
  return true;
}

}  // namespace sweetspot
