// A single-person tracker for top-down keypoint models on video: the crop of
// frame t + 1 is a square around the joints the tracking (reference) model
// found confidently in frame t.
//
// Per frame t, given the keypoints (original-image pixels) found in the crop
// square():
//   1. confident joints: score >= score_threshold; fewer than min_joints of
//      them -> the track is lost at frame t: Update returns false, square()
//      stays the last one, and nothing of frame t counts as measured (the
//      caller keeps frames before t);
//   2. the measurement: the confident joints' bounding box, centre (cx, cy)
//      and side = padding * max(width, height) (joints all at one point: the
//      current side);
//   3. exponential smoothing of centre and side, alpha = `smoothing` (the
//      newest measurement's weight; 1 follows it exactly):
//      next = alpha * measured + (1 - alpha) * current.
// The smoothing keeps a joint found or lost at the edge of the crop from
// jerking the next crop, which would make every model look noisier.
//
// Thread-safety: a PersonTracker is used from one thread at a time.
#pragma once

#include <cstddef>
#include <span>

#include "sweetspot/detection.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/status.h"

namespace sweetspot {

// A square region of the original image, pixels (continuous coordinates).
struct TrackSquare {
  double cx_px = 0.0;
  double cy_px = 0.0;
  double side_px = 0.0;

  // The square around `box`: its centre, side = padding * max(width, height)
  // (the same square a dataset's person box is cropped with).
  static TrackSquare AroundBox(const Box& box, double padding);
  Box box() const;  // [cx - side/2, cx + side/2) on both axes
};

struct PersonTrackerOptions {
  // Defaults chosen on the kit's walking video with EfficientPose I, whose
  // peaks on it are ~0.1-0.5: a threshold of 0.3 or padding 1.25 lost the
  // woman within 10 frames (the crop shrank onto the upper body).
  float score_threshold = 0.1F;  // a joint is confident at score >= this
  int min_joints = 4;            // fewer confident joints: the track is lost
  double padding = 1.5;          // crop side / the confident joints' extent
  double smoothing = 0.5;        // alpha in (0, 1]: the newest measurement's weight
  // InvalidArgument naming the field ("tracker.min_joints") and its range:
  // score_threshold in [0, 1], min_joints >= 2 (one joint has no extent),
  // padding >= 1, smoothing in (0, 1].
  Status Validate() const;
};

class PersonTracker {
 public:
  // `options` must be valid (Validate) and `initial` have a positive side.
  PersonTracker(const TrackSquare& initial, const PersonTrackerOptions& options);

  // Where to crop the next frame.
  const TrackSquare& square() const { return square_; }
  // Takes the tracking model's keypoints on the frame cropped at square()
  // (original-image pixels). Returns false when the track is lost (above);
  // once lost it stays lost and ignores further updates.
  bool Update(std::span<const Keypoint> keypoints);
  bool lost() const { return lost_; }
  // Frames taken before the loss (the frames measured).
  std::size_t tracked_frames() const { return tracked_frames_; }
  // Confident joints in the last Update's keypoints.
  int last_confident_joints() const { return last_confident_joints_; }
  const PersonTrackerOptions& options() const { return options_; }

 private:
  PersonTrackerOptions options_;
  TrackSquare square_;
  bool lost_ = false;
  std::size_t tracked_frames_ = 0;
  int last_confident_joints_ = 0;
};

}  // namespace sweetspot
