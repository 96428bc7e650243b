// A synthetic keypoint video for the report's tests: a stick figure in the
// efficientpose16 schema walking in place, seen from the front, whose joint
// angles follow known curves (KnownAngleDeg); the accurate model gives the
// exact joints, the fast one the same plus +/- kFastNoisePx alternating from
// frame to frame. The fast model's left ankle is unconfident at frame
// kUnconfidentFrame. Shared by test_report and the browser test's page writer.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "sweetspot/keypoint_report.h"

namespace sweetspot::testing {

inline constexpr std::size_t kSyntheticFrames = 24;  // tracked; the video has one more, where the track is lost
inline constexpr std::size_t kUnconfidentFrame = 5;
inline constexpr double kFastNoisePx = 1.5;

// The true value of a schema angle (keypoints.h's definition) at frame t:
// knee flexion 20 +/- 15 sin, elbow flexion 30 +/- 10 sin, hip
// abduction-adduction 5 +/- 3 sin (right +, left -) of 2 pi t / 12.
double KnownAngleDeg(std::string_view angle, std::size_t t);

// The section (fast = 0, accurate = 1, stability compared with
// `replicates` bootstrap replicates), its video a frame folder at
// `frames_dir` (drawn there as PNG, 320 x 240, when `write_frames`:
// kSyntheticFrames + 1 frames, the track lost at the last).
KeypointReportSection SyntheticKeypointSection(const std::filesystem::path& frames_dir, bool write_frames,
                                               std::size_t replicates = 200);

}  // namespace sweetspot::testing
