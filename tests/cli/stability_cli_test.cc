// `sweetspot stability` and the study's isolated keypoint video run
// (isolated_keypoint_video.h) end to end on the kit's real walking video and
// EfficientPose models (../shared/data/pose-efficientpose).
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/isolated_keypoint_video.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// RT on ONNX Runtime, I on OpenCV's DNN (ONNX Runtime refuses its AveragePool pads).
KeypointVideoRequest WalkingVideo(const fs::path& root, std::uint64_t frames) {
  KeypointVideoRequest request;
  for (const char* model : {"EfficientPoseRT_224.onnx", "EfficientPoseI_256.onnx"}) {
    KeypointModelRequest m;
    m.model_path = (root / "models" / model).string();
    m.schema = "efficientpose16";
    if (std::string(model).find("EfficientPoseI") != std::string::npos) m.engine = "opencv-dnn";
    request.models.push_back(m);
  }
  request.video_path = (root / "data" / "openpose_video.avi").string();
  request.initial = {640.0, 210.0, 440.0};
  request.threads = 1;
  request.max_frames = frames;
  request.bootstrap_replicates = 50;
  return request;
}

TEST(RunKeypointVideoIsolated, TheChildReturnsTheTracksAndTheirSummary) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root, 6);
  ChildLimits limits;
  limits.timeout_s = 120;
  auto isolated = RunKeypointVideoIsolated(SWEETSPOT_CLI_PATH, request, limits);
  ASSERT_TRUE(isolated.ok()) << isolated.status().ToString();
  EXPECT_EQ(isolated->result.crops.size(), 6U);
  ASSERT_EQ(isolated->result.models.size(), 2U);
  EXPECT_EQ(isolated->result.models[0].frames.size(), 6U);
  EXPECT_EQ(isolated->summary.frames, 6);
  EXPECT_EQ(isolated->summary.reference, "EfficientPoseI_256");
  ASSERT_EQ(isolated->summary.comparisons.size(), 1U);
  EXPECT_EQ(isolated->summary.comparisons[0].model, "EfficientPoseRT_224");
  EXPECT_EQ(isolated->summary.comparisons[0].stability.frames, 6);
  EXPECT_GT(isolated->summary.confidence[1].mean.value, 0.0);

  request.video_path = (root / "data" / "no_such_video.avi").string();
  const Status failed = RunKeypointVideoIsolated(SWEETSPOT_CLI_PATH, request, limits).status();
  EXPECT_THAT(failed.message(), HasSubstr("no_such_video.avi"));
}

}  // namespace
}  // namespace sweetspot
