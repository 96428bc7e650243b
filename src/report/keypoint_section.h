// The `keypoints` entries of a report snapshot (docs/report-data.md): per
// KeypointReportSection (keypoint_report.h) the two shown models' joint
// angles over time on the jointly confident frames, their jitter per joint
// and angle noise per angle with intervals and verdicts, sample frames as
// JPEG thumbnails of the tracked square with each model's confident joints,
// and the frame where the track was lost.
// Thread-safety: reentrant (reads the video from disk).
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/keypoint_report.h"

namespace sweetspot {

// The tracked frames shown: `count` evenly spaced from 0 to frames - 1
// (rounded to the nearest), each once, ascending; all when frames <= count.
std::vector<std::size_t> KeypointSampleFrames(std::size_t frames, std::size_t count);

struct KeypointSectionOptions {
  std::size_t samples = kKeypointSampleFrames;
  int thumbnail_px = 400;  // the longer side at most, never enlarged
  int jpeg_quality = 80;
};

// The section's snapshot entry. Angles are stored to 0.01 degree, keypoints
// to 0.1 pixel, figures to 4 decimals. A video that cannot be read gives
// samples with "thumbnail": null and a line in "notes".
nlohmann::json KeypointSectionJson(const KeypointReportSection& section, const KeypointSectionOptions& options = {});

}  // namespace sweetspot
