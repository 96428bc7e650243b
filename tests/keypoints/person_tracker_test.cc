#include "sweetspot/person_tracker.h"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

// A four-joint "skeleton": head (0,-50), hands (-20,0) and (20,0), feet (0,50)
// around (cx, cy), so its extent is 40 x 100 and its box centre (cx, cy).
std::vector<Keypoint> Skeleton(double cx, double cy, float score = 0.9F) {
  return {{cx, cy - 50.0, score}, {cx - 20.0, cy, score}, {cx + 20.0, cy, score}, {cx, cy + 50.0, score}};
}

PersonTrackerOptions Options(double smoothing) {
  PersonTrackerOptions options;
  options.score_threshold = 0.5F;
  options.min_joints = 3;
  options.padding = 1.2;
  options.smoothing = smoothing;
  return options;
}

TEST(PersonTracker, WithoutSmoothingTheSquareFollowsAMovingSkeletonExactly) {
  PersonTracker tracker({100.0, 100.0, 150.0}, Options(1.0));
  for (int t = 0; t < 10; ++t) {
    // The skeleton walks 7 px right and 3 px down per frame.
    const double cx = 100.0 + 7.0 * t;
    const double cy = 100.0 + 3.0 * t;
    ASSERT_TRUE(tracker.Update(Skeleton(cx, cy)));
    EXPECT_DOUBLE_EQ(tracker.square().cx_px, cx);
    EXPECT_DOUBLE_EQ(tracker.square().cy_px, cy);
    EXPECT_DOUBLE_EQ(tracker.square().side_px, 120.0);  // 1.2 * max(40, 100)
  }
  EXPECT_EQ(tracker.tracked_frames(), 10U);
  EXPECT_FALSE(tracker.lost());
}

TEST(PersonTracker, SmoothingBlendsEachMeasurementIntoTheSquare) {
  PersonTracker tracker({100.0, 100.0, 200.0}, Options(0.5));
  ASSERT_TRUE(tracker.Update(Skeleton(120.0, 100.0)));
  // 0.5 * 120 + 0.5 * 100 = 110; side 0.5 * 120 + 0.5 * 200 = 160.
  EXPECT_DOUBLE_EQ(tracker.square().cx_px, 110.0);
  EXPECT_DOUBLE_EQ(tracker.square().cy_px, 100.0);
  EXPECT_DOUBLE_EQ(tracker.square().side_px, 160.0);
  ASSERT_TRUE(tracker.Update(Skeleton(130.0, 80.0)));
  // 0.5 * 130 + 0.5 * 110 = 120; 0.5 * 80 + 0.5 * 100 = 90; 0.5 * 120 + 0.5 * 160 = 140.
  EXPECT_DOUBLE_EQ(tracker.square().cx_px, 120.0);
  EXPECT_DOUBLE_EQ(tracker.square().cy_px, 90.0);
  EXPECT_DOUBLE_EQ(tracker.square().side_px, 140.0);
}

TEST(PersonTracker, UnconfidentJointsAreLeftOutOfTheExtent) {
  PersonTracker tracker({100.0, 100.0, 150.0}, Options(1.0));
  std::vector<Keypoint> keypoints = Skeleton(100.0, 100.0);
  keypoints.push_back({900.0, 900.0, 0.49F});  // below the 0.5 threshold: not part of the crop
  ASSERT_TRUE(tracker.Update(keypoints));
  EXPECT_EQ(tracker.last_confident_joints(), 4);
  EXPECT_DOUBLE_EQ(tracker.square().side_px, 120.0);
}

TEST(PersonTracker, FadingConfidenceLosesTheTrackAtTheFrameWithTooFewJoints) {
  PersonTracker tracker({100.0, 100.0, 150.0}, Options(1.0));
  // Joint j drops below 0.5 from frame 2 + j on: frame 2 has 3 confident
  // joints (still tracked, min 3), frame 3 has 2 (lost there).
  std::size_t lost_at = 0;
  for (std::size_t t = 0; t < 8; ++t) {
    std::vector<Keypoint> keypoints = Skeleton(100.0 + static_cast<double>(t), 100.0);
    for (std::size_t j = 0; j < keypoints.size(); ++j) {
      if (t >= 2 + j) keypoints[j].score = 0.2F;
    }
    if (!tracker.Update(keypoints)) {
      lost_at = t;
      break;
    }
  }
  EXPECT_EQ(lost_at, 3U);
  EXPECT_TRUE(tracker.lost());
  EXPECT_EQ(tracker.tracked_frames(), 3U);  // frames 0, 1, 2
  EXPECT_EQ(tracker.last_confident_joints(), 2);
  // The square stays where frame 2 put it: centre 102 (no smoothing).
  EXPECT_DOUBLE_EQ(tracker.square().cx_px, 102.0);
  // Lost stays lost.
  EXPECT_FALSE(tracker.Update(Skeleton(100.0, 100.0)));
}

// Five joints: the Skeleton's four and a second foot; both feet fade for `fade` frames from frame 2.
std::vector<Keypoint> WalkingWithFadingFeet(double cx, std::size_t t, std::size_t fade) {
  std::vector<Keypoint> keypoints = Skeleton(cx, 100.0);
  keypoints.push_back({cx + 10.0, 150.0, 0.9F});
  if (t >= 2 && t < 2 + fade) keypoints[3].score = keypoints[4].score = 0.1F;
  return keypoints;
}

TEST(PersonTracker, FadingFeetKeepTheirPlaceMovedWithTheBodySoTheSquareKeepsItsSide) {
  PersonTracker tracker({100.0, 100.0, 150.0}, Options(1.0));
  for (std::size_t t = 0; t < 6; ++t) {
    // The body walks 4 px right per frame; frames 2..4 find only head and hands.
    const double cx = 100.0 + 4.0 * static_cast<double>(t);
    ASSERT_TRUE(tracker.Update(WalkingWithFadingFeet(cx, t, 3)));
    EXPECT_EQ(tracker.last_confident_joints(), t >= 2 && t < 5 ? 3 : 5);
    // The remembered feet move with the hands and head (median shift 4 px): the box is the whole body's.
    EXPECT_DOUBLE_EQ(tracker.square().side_px, 120.0) << "frame " << t;
    EXPECT_DOUBLE_EQ(tracker.square().cy_px, 100.0) << "frame " << t;
    EXPECT_DOUBLE_EQ(tracker.square().cx_px, cx) << "frame " << t;
  }
}

TEST(PersonTracker, WithoutMemoryOrPastItTheSquareShrinksOntoTheConfidentJoints) {
  for (const int memory : {0, 2}) {
    PersonTrackerOptions options = Options(1.0);
    options.memory_frames = memory;
    PersonTracker tracker({100.0, 100.0, 150.0}, options);
    for (std::size_t t = 0; t < 6; ++t) ASSERT_TRUE(tracker.Update(WalkingWithFadingFeet(100.0, t, 4)));
    // Frame 5: the feet unconfident for 4 frames (2..5) are forgotten (memory 0 or 2): head and hands remain,
    // extent 40 x 50, side 1.2 * 50.
    EXPECT_DOUBLE_EQ(tracker.square().side_px, 60.0) << "memory " << memory;
  }
}

TEST(PersonTracker, AroundBoxPadsTheLongerSide) {
  const TrackSquare square = TrackSquare::AroundBox({10.0, 20.0, 50.0, 120.0}, 1.25);
  EXPECT_DOUBLE_EQ(square.cx_px, 30.0);
  EXPECT_DOUBLE_EQ(square.cy_px, 70.0);
  EXPECT_DOUBLE_EQ(square.side_px, 125.0);  // 1.25 * max(40, 100)
  const Box box = square.box();
  EXPECT_DOUBLE_EQ(box.x1, -32.5);
  EXPECT_DOUBLE_EQ(box.y2, 132.5);
}

TEST(PersonTracker, OptionsOutOfRangeNameTheFieldAndTheFixedValueIsAccepted) {
  PersonTrackerOptions options;
  options.min_joints = 1;
  EXPECT_THAT(options.Validate().message(), HasSubstr("tracker.min_joints"));
  options.min_joints = 2;
  EXPECT_TRUE(options.Validate().ok());
  options.smoothing = 0.0;
  EXPECT_THAT(options.Validate().message(), HasSubstr("tracker.smoothing"));
  options.smoothing = 1.0;
  options.padding = 0.5;
  EXPECT_THAT(options.Validate().message(), HasSubstr("tracker.padding"));
  options.padding = 1.25;
  options.score_threshold = 1.5F;
  EXPECT_THAT(options.Validate().message(), HasSubstr("tracker.score_threshold"));
  options.score_threshold = 0.3F;
  EXPECT_TRUE(options.Validate().ok());
  options.memory_frames = -1;
  EXPECT_THAT(options.Validate().message(), HasSubstr("tracker.memory_frames"));
  options.memory_frames = 0;
  EXPECT_TRUE(options.Validate().ok());
}

}  // namespace
}  // namespace sweetspot
