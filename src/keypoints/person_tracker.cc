#include "sweetspot/person_tracker.h"

#include <algorithm>
#include <cassert>
#include <limits>

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
  return Status::Ok();
}

PersonTracker::PersonTracker(const TrackSquare& initial, const PersonTrackerOptions& options)
    : options_(options), square_(initial) {
  assert(options.Validate().ok());
  assert(initial.side_px > 0.0);
}

bool PersonTracker::Update(std::span<const Keypoint> keypoints) {
  if (lost_) return false;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Box extent{kInf, kInf, -kInf, -kInf};
  int confident = 0;
  for (const Keypoint& k : keypoints) {
    if (!(k.score >= options_.score_threshold)) continue;
    ++confident;
    extent = {std::min(extent.x1, k.x), std::min(extent.y1, k.y), std::max(extent.x2, k.x), std::max(extent.y2, k.y)};
  }
  last_confident_joints_ = confident;
  if (confident < options_.min_joints) {
    lost_ = true;
    return false;
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
