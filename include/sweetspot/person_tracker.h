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
//   2. the pose: each confident joint at its position; a joint not confident
//      now keeps its last confident position, moved with the body (by the
//      median displacement of the joints confident in both frames t-1 and t),
//      for at most memory_frames frames, then it is forgotten;
//   3. the measurement: the pose's bounding box, centre (cx, cy) and side =
//      padding * max(width, height) (joints all at one point: the current
//      side);
//   4. exponential smoothing of centre and side, alpha = `smoothing` (the
//      newest measurement's weight; 1 follows it exactly):
//      next = alpha * measured + (1 - alpha) * current.
// The memory keeps the crop on the whole person when some joints fade for a
// few frames: on the kit's walking video EfficientPose I's knees and ankles
// drop below 0.1 for ~5 frames (motion blur); a box of the confident joints
// alone then shrank onto the upper body, cut the legs out of the next crop
// and never found them again (the track was lost at frame 67 of ~130).
// The smoothing keeps a joint found or lost at the edge of the crop from
// jerking the next crop, which would make every model look noisier.
//
// Thread-safety: a PersonTracker is used from one thread at a time.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

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
  // Frames an unconfident joint keeps its moved last position (step 2); 0:
  // the box of this frame's confident joints only. 25 is half a second at 50 fps.
  int memory_frames = 25;
  // InvalidArgument naming the field ("tracker.min_joints") and its range:
  // score_threshold in [0, 1], min_joints >= 2 (one joint has no extent),
  // padding >= 1, smoothing in (0, 1], memory_frames >= 0.
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
  // Every call passes the same number of joints (the tracking model's schema).
  bool Update(std::span<const Keypoint> keypoints);
  bool lost() const { return lost_; }
  // Frames taken before the loss (the frames measured).
  std::size_t tracked_frames() const { return tracked_frames_; }
  // Confident joints in the last Update's keypoints.
  int last_confident_joints() const { return last_confident_joints_; }
  const PersonTrackerOptions& options() const { return options_; }

 private:
  struct RememberedJoint {
    double x = 0.0;
    double y = 0.0;
    int age = -1;  // frames since it was confident; -1: none remembered
  };
  void Remember(std::span<const Keypoint> keypoints);

  PersonTrackerOptions options_;
  std::vector<RememberedJoint> pose_;  // step 2, per joint
  TrackSquare square_;
  bool lost_ = false;
  std::size_t tracked_frames_ = 0;
  int last_confident_joints_ = 0;
};

}  // namespace sweetspot
