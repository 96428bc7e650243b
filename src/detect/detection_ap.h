// Average precision of one class from its precomputed matches
// (detection_matching.h): cumulative precision/recall in the global score
// order, the precision envelope, and its 101-point (pycocotools accumulate)
// or all-point (VOC devkit) integral.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "detection_matching.h"
#include "sweetspot/detection_metrics.h"

namespace sweetspot::detection_internal {

inline constexpr int kRecallPointCount = 101;  // 0:0.01:1

// numpy.linspace(0, 1, 101), pycocotools' recThrs.
const std::array<double, kRecallPointCount>& RecallPoints();

struct ClassCurve {
  bool defined = false;  // false: no ground truth to find (AP -1, left out of means)
  std::array<double, kIouThresholdCount> ap{};
  std::array<double, kIouThresholdCount> recall{};  // final recall
  // Precision envelope at IoU threshold 0 (0.5) at each recall point.
  std::array<double, kRecallPointCount> precision50{};
};

// `weights[i]`: how many times image i counts (a bootstrap resample); empty:
// every image once.
ClassCurve AccumulateClass(const ClassMatches& matches, int area_range, std::span<const std::uint32_t> weights,
                           ApInterpolation interpolation);

}  // namespace sweetspot::detection_internal
