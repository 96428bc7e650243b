// Stability of classifiers' and detectors' outputs over video frames: is the
// small model stable enough on video? (The keypoint task's is stability.h.)
//
// Classification flicker: the share of consecutive frame pairs (t, t+1) whose
// top-1 class differs. Detection stability: boxes with score >= min_score are
// matched between consecutive frames greedily by IoU (highest first, IoU >=
// iou_threshold, ANY class, so that a class change of one object is seen as
// identity flicker instead of one box vanishing and another appearing);
//   - centre jitter |c[t+1] - 2 c[t] + c[t-1]| / s[t] and size jitter
//     |s[t+1] - 2 s[t] + s[t-1]| / s[t], s = sqrt(width * height), on chains
//     of boxes matched t-1 -> t -> t+1 (share of the box size per frame^2);
//   - identity flicker: share of matched pairs whose class differs;
//   - appear rate: share of the boxes of frame t+1 matched to none of t;
//     disappear rate: share of the boxes of frame t matched to none of t+1.
// Intervals: moving-block bootstrap over frame pairs (triples for jitter),
// as stability.h (StabilityOptions: replicates, block length, confidence,
// significance, seed; min_confidence is not used here). Figures with nothing
// measured are 0 with an invalid interval.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/stability.h"

namespace sweetspot {

struct ClassificationFlicker {
  std::int64_t frames = 0;
  std::int64_t changes = 0;  // pairs whose top-1 differs
  StabilityFigure share;     // changes / (frames - 1)
};

// top1[t]: the top-1 class of frame t.
ClassificationFlicker MeasureClassificationFlicker(std::span<const int> top1, const StabilityOptions& options = {});

// Flicker of classifiers a and b on the same frames (requires equal lengths),
// paired; the verdict names the one that flickers more as "noisier".
PairedStability CompareClassificationFlicker(std::span<const int> a, std::span<const int> b, std::string_view a_name,
                                             std::string_view b_name, const StabilityOptions& options = {});

struct DetectionStabilityOptions {
  double iou_threshold = 0.5;
  float min_score = 0.25F;  // the operating threshold: boxes a viewer would see
};

struct DetectionStability {
  std::int64_t frames = 0;
  std::int64_t matched_pairs = 0;  // boxes matched between consecutive frames
  std::int64_t chains = 0;         // boxes matched over three consecutive frames
  StabilityFigure centre_jitter, size_jitter, identity_flicker, appear_rate, disappear_rate;
};

// frames[t]: the detections of frame t (any class space, original pixels).
DetectionStability MeasureDetectionStability(std::span<const std::vector<Detection>> frames,
                                             const DetectionStabilityOptions& detection = {},
                                             const StabilityOptions& options = {});

// Detectors a and b on the same frames (requires equal lengths), paired:
// both are resampled with the same blocks of frame pairs (frame triples for
// the jitters). The five figures of DetectionStability in its order, named
// "centre_jitter", "size_jitter", "identity_flicker", "appear_rate",
// "disappear_rate"; each verdict names the one with the larger figure as
// "noisier". count: the measurements of the one with fewer (chains for the
// jitters, matched pairs for identity flicker, boxes for the rates); with
// count 0 the verdict is "not measured (a model has no box matched ...)".
std::vector<PairedStability> CompareDetectionStability(std::span<const std::vector<Detection>> a,
                                                       std::span<const std::vector<Detection>> b,
                                                       std::string_view a_name, std::string_view b_name,
                                                       const DetectionStabilityOptions& detection = {},
                                                       const StabilityOptions& options = {});

nlohmann::json ToJson(const ClassificationFlicker& flicker);
nlohmann::json ToJson(const DetectionStability& stability);
nlohmann::json ToJson(const PairedStability& comparison);

}  // namespace sweetspot
