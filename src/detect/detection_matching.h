// Matching detections to ground truth, once, for every image, class, area
// range and IoU threshold (the semantics are in detection_metrics.h). The
// outcome of each detection is kept in the global score order of its class,
// so that AP over any multiset of images (a bootstrap replicate) is one pass
// over these arrays with per-image weights, without re-matching or re-sorting.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sweetspot/detection.h"

namespace sweetspot::detection_internal {

inline constexpr int kIouThresholdCount = 10;  // 0.50:0.05:0.95
inline constexpr int kAreaRangeCount = 4;      // all, small, medium, large (pycocotools' order)
inline constexpr int kAreaAll = 0;

// The COCO IoU thresholds, computed as numpy.linspace(.5, .95, 10) does
// (pycocotools' iouThrs), so that boundary IoUs compare as there.
const std::array<double, kIouThresholdCount>& IouThresholds();

struct MatchOptions {
  bool voc = false;  // VOC devkit matching, else pycocotools'
  bool inclusive_pixels = false;
  bool iou_strictly_greater = false;
  int max_detections = 100;  // per image and class; <= 0: all
};

// One class and area range over all images. Detections are in the order
// pycocotools' accumulate sorts them: score descending, ties by image index,
// then by the order within the image. Those that are false positives at every
// IoU threshold (most of them at a low score threshold) are kept apart, by
// image only, so that a replicate passes over them with one add each.
struct RangeMatches {
  struct Outcome {
    std::uint32_t image = 0;
    std::uint16_t true_positive = 0;  // bit t: true positive at IoU threshold t
    std::uint16_t ignored = 0;        // bit t: neither true nor false positive
    std::uint32_t false_before = 0;   // how many of false_images rank above it
  };
  std::vector<std::uint32_t> false_images;                       // image of each always-false detection, score order
  std::vector<Outcome> outcomes;                                 // the other detections, score order
  std::vector<std::pair<std::uint32_t, std::int32_t>> findable;  // (image, boxes to find) where any
};

struct ClassMatches {
  std::array<RangeMatches, kAreaRangeCount> ranges;
};

// truth.size() == detections.size(); every class_id < class_count. Matches
// only the "all" range when options.voc (the other ranges stay empty).
std::vector<ClassMatches> MatchDetections(std::span<const DetectionImage> truth,
                                          std::span<const std::vector<Detection>> detections, std::size_t class_count,
                                          const MatchOptions& options);

}  // namespace sweetspot::detection_internal
