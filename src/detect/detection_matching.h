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

// One class over all images. Detections are in the order pycocotools'
// accumulate sorts them: score descending, ties by image index, then by the
// order within the image. Bit t of true_positive / ignored is the outcome at
// IoU threshold t (neither bit: false positive).
struct ClassMatches {
  std::vector<std::uint32_t> image;  // image index of each detection
  std::array<std::vector<std::uint16_t>, kAreaRangeCount> true_positive, ignored;
  // Per area range, (image, ground truth boxes to find) for images with any.
  std::array<std::vector<std::pair<std::uint32_t, std::int32_t>>, kAreaRangeCount> findable;
};

// truth.size() == detections.size(); every class_id < class_count. Matches
// only the "all" range when options.voc (the other ranges stay empty).
std::vector<ClassMatches> MatchDetections(std::span<const DetectionImage> truth,
                                          std::span<const std::vector<Detection>> detections, std::size_t class_count,
                                          const MatchOptions& options);

}  // namespace sweetspot::detection_internal
