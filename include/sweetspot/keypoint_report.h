// The keypoint part of the HTML report (issue 14, docs/report.md
// "Keypoints"): what a keypoint study hands the report for a video on which
// two keypoint models ran on the same crops. The study fills one
// KeypointReportSection per video and runtime setting
// (StudyReport::keypoints); the report snapshot (report_data.h,
// BuildReportRun) turns it into the page's
// `keypoints` entries (docs/report-data.md): per schema angle the two
// models' angle over time on the jointly confident frames (the "joint
// angles, fast versus accurate" chart), the jitter per joint and the angle
// noise per angle of both with their intervals and verdicts, sample frames
// with both skeletons drawn, and the frame where the track was lost.
//
// Sample frames: kKeypointSampleFrames tracked frames evenly spaced from the
// first to the last (fewer when fewer were tracked), read again from the
// video when the snapshot is built, cut to the tracked square.
//
// Coordinates follow keypoints.h (original-image pixels); every model's
// frames are in the reference schema (KeypointVideoResult::schema).
// Thread-safety: plain value types.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "sweetspot/keypoint_eval.h"
#include "sweetspot/stability.h"

namespace sweetspot {

inline constexpr std::size_t kKeypointSampleFrames = 4;

// One video of a keypoint study, two of its models shown.
struct KeypointReportSection {
  std::string name;  // the study's name for the video ("" -> the video file's stem)
  // Every model's tracked frames (RunKeypointVideo or its JSON).
  KeypointVideoResult video;
  // Indices into video.models of the two models shown: `fast` (the
  // recommended or faster one, drawn first, in the first colour) and
  // `accurate` (the reference, second). Equal: one model is shown.
  std::size_t fast = 0;
  std::size_t accurate = 0;
  // The stability of `fast` (model_a) against `accurate` (model_b) on the
  // video (CompareKeypointStability on the two tracks, or
  // KeypointVideoSummary's); its min_confidence defines the jointly
  // confident joints the angle series and the drawn skeletons use.
  KeypointStabilityComparison stability;
  // Where the sample frames are read from: "" -> video.video (as given to
  // RunKeypointVideo, relative to the working directory). A video that
  // cannot be read gives the samples without pictures and a note.
  std::filesystem::path video_path;
};

}  // namespace sweetspot
