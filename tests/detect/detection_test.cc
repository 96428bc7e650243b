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

TEST(MapBoxToImage, UndoesScaleAndPaddingThenClips) {
  // A 200x100 image letterboxed into 320x320: r = 1.6, 320x160 centred, 80 px above.
  const ImageGeometry geometry{.scale_x = 1.6, .scale_y = 1.6, .offset_x = 0.0, .offset_y = 80.0};
  const Box box = MapBoxToImage({16, 96, 176, 240}, geometry, 200, 100);
  EXPECT_DOUBLE_EQ(box.x1, 10.0);
  EXPECT_DOUBLE_EQ(box.y1, 10.0);
  EXPECT_DOUBLE_EQ(box.x2, 110.0);
  EXPECT_DOUBLE_EQ(box.y2, 100.0);  // (240 - 80) / 1.6 = 100: on the edge
  const Box outside = MapBoxToImage({-16, 0, 400, 320}, geometry, 200, 100);
  EXPECT_DOUBLE_EQ(outside.x1, 0.0);
  EXPECT_DOUBLE_EQ(outside.y1, 0.0);
  EXPECT_DOUBLE_EQ(outside.x2, 200.0);
  EXPECT_DOUBLE_EQ(outside.y2, 100.0);
}

}  // namespace
}  // namespace sweetspot
