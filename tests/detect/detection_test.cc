#include "sweetspot/detection.h"

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(IntersectionOverUnion, HandComputedOverlap) {
  // [0,10)x[0,10) and [5,15)x[0,10): intersection 50, union 150.
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 10, 10}, {5, 0, 15, 10}), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 10, 10}, {10, 0, 20, 10}), 0.0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 0, 10}, {0, 0, 0, 10}), 0.0);
}

TEST(IntersectionOverUnion, InclusivePixelsAddOneToEveryWidth) {
  // VOC devkit: boxes (1,1)-(10,10) and (6,1)-(15,10) are 10x10 pixels each,
  // overlapping in columns 6..10 (5 columns): 50 / (100 + 100 - 50).
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({1, 1, 10, 10}, {6, 1, 15, 10}, true), 50.0 / 150.0);
  // Touching corners share one pixel column under the inclusive convention.
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({1, 1, 10, 10}, {10, 1, 19, 10}, true), 10.0 / 190.0);
}

}  // namespace
}  // namespace sweetspot
