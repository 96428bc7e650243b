// The report snapshot's keypoint entries (src/report/keypoint_section.*) from
// a synthetic walking figure with known joint angles (keypoint_fixture.h):
// the angle series hold the known angles on the jointly confident frames,
// the jitter and angle noise are the comparison's, the sample frames carry
// their pictures and each model's confident joints, and the lost frame is shown.
#include "keypoint_section.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "keypoint_fixture.h"
#include "support/support.h"

namespace sweetspot {
namespace {

using nlohmann::json;
using testing::TempDir;

TEST(KeypointSectionTest, SampleFramesAreEvenlySpacedFromFirstToLast) {
  EXPECT_EQ(KeypointSampleFrames(10, 4), (std::vector<std::size_t>{0, 3, 6, 9}));
  EXPECT_EQ(KeypointSampleFrames(24, 4), (std::vector<std::size_t>{0, 8, 15, 23}));
  EXPECT_EQ(KeypointSampleFrames(3, 4), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(KeypointSampleFrames(5, 1), (std::vector<std::size_t>{0}));
  EXPECT_TRUE(KeypointSampleFrames(0, 4).empty());
}

TEST(KeypointSectionTest, AngleSeriesHoldTheKnownAnglesOnJointlyConfidentFrames) {
  const KeypointReportSection s = testing::SyntheticKeypointSection("/nowhere", false);
  const json doc = KeypointSectionJson(s);
  EXPECT_EQ(doc["name"], "walk");
  EXPECT_EQ(doc["frames"], testing::kSyntheticFrames);
  EXPECT_EQ(doc["models"][0]["name"], "fast-rt");
  EXPECT_EQ(doc["models"][1]["name"], "accurate-i");
  ASSERT_EQ(doc["angles"].size(), s.video.schema.angles.size());
  const auto angle_of = [&](const std::string& name) {
    return *std::find_if(s.video.schema.angles.begin(), s.video.schema.angles.end(),
                         [&](const JointAngle& a) { return a.name == name; });
  };
  for (const json& angle : doc["angles"]) {
    const std::string name = angle["name"];
    ASSERT_EQ(angle["series"].size(), 2U) << name;
    const json& fast = angle["series"][0];
    const json& accurate = angle["series"][1];
    ASSERT_EQ(accurate.size(), testing::kSyntheticFrames) << name;
    for (std::size_t t = 0; t < testing::kSyntheticFrames; ++t) {
      if (name == "l_knee_flexion" && t == testing::kUnconfidentFrame) {
        // The fast model's ankle is unconfident there: neither model's angle is drawn.
        EXPECT_TRUE(fast[t].is_null() && accurate[t].is_null()) << name << " at " << t;
        continue;
      }
      ASSERT_TRUE(accurate[t].is_number()) << name << " at " << t;
      EXPECT_NEAR(accurate[t].get<double>(), testing::KnownAngleDeg(name, t), 0.006) << name << " at " << t;
      // The fast model's line is its own (noisy) angle on that frame.
      const std::optional<double> own = JointAngleDeg(s.video.models[0].frames[t], angle_of(name), s.video.schema);
      EXPECT_NEAR(fast[t].get<double>(), own.value(), 0.006) << name << " at " << t;
    }
    ASSERT_TRUE(angle["noise"].is_object()) << name;
    EXPECT_EQ(angle["noise"]["name"], name);
  }
}

TEST(KeypointSectionTest, JitterAndAngleNoiseAreTheComparisons) {
  const KeypointReportSection s = testing::SyntheticKeypointSection("/nowhere", false);
  const json doc = KeypointSectionJson(s);
  const KeypointStabilityComparison& c = s.stability;
  ASSERT_EQ(doc["jitter_px"].size(), c.jitter_px.size());
  for (std::size_t j = 0; j < c.jitter_px.size(); ++j) {
    const json& shown = doc["jitter_px"][j];
    EXPECT_EQ(shown["name"], c.jitter_px[j].name);
    EXPECT_EQ(shown["count"], c.jitter_px[j].count);
    EXPECT_NEAR(shown["a"]["value"].get<double>(), c.jitter_px[j].a.value, 5e-5);
    EXPECT_NEAR(shown["b"]["value"].get<double>(), c.jitter_px[j].b.value, 5e-5);
    ASSERT_EQ(shown["a"]["ci95"].size(), 2U);
    EXPECT_NEAR(shown["a"]["ci95"][0].get<double>(), c.jitter_px[j].a.ci.lower, 5e-5);
    EXPECT_EQ(shown["verdict"], c.jitter_px[j].verdict);
  }
  // The fast model's alternating +/- 1.5 px on both axes: second differences of 4 x 1.5 x sqrt(2).
  EXPECT_GT(doc["overall_jitter_px"]["a"]["value"].get<double>(), 6.0);
  EXPECT_LT(doc["overall_jitter_px"]["b"]["value"].get<double>(), 2.0);
  EXPECT_EQ(doc["verdict"], c.overall_jitter_px.verdict);
  EXPECT_TRUE(doc["verdict"].get<std::string>().starts_with("fast-rt is noisier than accurate-i")) << doc["verdict"];
  for (std::size_t k = 0; k < c.angle_noise_deg.size(); ++k) {
    const json& noise = doc["angles"][k]["noise"];
    EXPECT_NEAR(noise["a"]["value"].get<double>(), c.angle_noise_deg[k].a.value, 5e-5);
    EXPECT_NEAR(noise["diff"].get<double>(), c.angle_noise_deg[k].diff, 5e-5);
    EXPECT_EQ(noise["verdict"], c.angle_noise_deg[k].verdict);
  }
}

TEST(KeypointSectionTest, SampleFramesShowEachModelsConfidentJointsAndTheLostFrame) {
  TempDir dir;
  const KeypointReportSection s = testing::SyntheticKeypointSection(dir.path(), true);
  const json doc = KeypointSectionJson(s);
  EXPECT_TRUE(doc["notes"].empty()) << doc["notes"];
  ASSERT_EQ(doc["samples"].size(), kKeypointSampleFrames);
  for (const json& sample : doc["samples"]) {
    EXPECT_TRUE(sample["thumbnail"].get<std::string>().starts_with("data:image/jpeg;base64,"));
    // The square 230 px around (160, 125), clipped to the 320 x 240 frame.
    EXPECT_EQ(sample["view"], json({45, 10, 275, 240}));
    ASSERT_EQ(sample["keypoints"].size(), 2U);
    EXPECT_EQ(sample["keypoints"][1].size(), s.video.schema.size());
  }
  const std::size_t head = static_cast<std::size_t>(s.video.schema.JointIndex("head_top"));
  EXPECT_EQ(doc["samples"][0]["keypoints"][1][head], json({160.0, 28.0, 0.9}));
  ASSERT_TRUE(doc["lost"].is_object());
  EXPECT_EQ(doc["lost"]["frame"], testing::kSyntheticFrames);
  EXPECT_TRUE(doc["lost"]["thumbnail"].get<std::string>().starts_with("data:image/jpeg;base64,"));
  EXPECT_EQ(doc["lost"]["note"], s.video.note);
}

TEST(KeypointSectionTest, AnUnconfidentJointIsNotDrawn) {
  KeypointReportSection s = testing::SyntheticKeypointSection("/nowhere", false, 0);
  s.video.models[0].frames[0][3].score = 0.05F;  // below min_confidence 0.3
  const json doc = KeypointSectionJson(s);
  EXPECT_TRUE(doc["samples"][0]["keypoints"][0][3].is_null());
  EXPECT_FALSE(doc["samples"][0]["keypoints"][1][3].is_null());
}

TEST(KeypointSectionTest, AVideoThatCannotBeReadGivesSamplesWithoutPicturesAndANote) {
  const json doc = KeypointSectionJson(testing::SyntheticKeypointSection("/nowhere", false, 0));
  ASSERT_EQ(doc["samples"].size(), kKeypointSampleFrames);
  EXPECT_TRUE(doc["samples"][0]["thumbnail"].is_null());
  EXPECT_EQ(doc["samples"][0]["keypoints"].size(), 2U);
  ASSERT_EQ(doc["notes"].size(), 1U);
  EXPECT_TRUE(doc["notes"][0].get<std::string>().starts_with("no pictures of the sample frames: ")) << doc["notes"];
  EXPECT_NE(doc["notes"][0].get<std::string>().find("/nowhere"), std::string::npos) << doc["notes"];
}

TEST(KeypointSectionTest, OneModelShownWhenFastIsAccurate) {
  KeypointReportSection s = testing::SyntheticKeypointSection("/nowhere", false, 0);
  s.fast = s.accurate = 1;
  const json doc = KeypointSectionJson(s);
  EXPECT_EQ(doc["models"].size(), 1U);
  EXPECT_EQ(doc["angles"][0]["series"].size(), 1U);
  EXPECT_EQ(doc["samples"][0]["keypoints"].size(), 1U);
}

// The kit's walking video (../shared/data/pose-efficientpose): EfficientPose
// RT and I on 30 frames of the woman in the middle, compared and turned into the section.
TEST(KeypointSectionTest, RealVideoOfTwoEfficientPoseModels) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request;
  // RT on ONNX Runtime; I on opencv-dnn, the only engine that loads it (the kit's README).
  for (const auto& [model, engine] :
       {std::pair{"EfficientPoseRT_224.onnx", "onnxruntime"}, std::pair{"EfficientPoseI_256.onnx", "opencv-dnn"}}) {
    KeypointModelRequest m;
    m.model_path = (root / "models" / model).string();
    m.schema = "efficientpose16";
    m.engine = engine;
    request.models.push_back(m);
  }
  request.video_path = (root / "data" / "openpose_video.avi").string();
  request.initial = {640.0, 210.0, 440.0};  // the kit's README
  request.threads = 1;
  request.max_frames = 30;
  auto video = RunKeypointVideo(request);
  ASSERT_TRUE(video.ok()) << video.status().message();
  ASSERT_EQ(video->crops.size(), 30U) << video->note;
  KeypointReportSection section;
  section.video = *video;
  section.accurate = 1;
  StabilityOptions options;
  options.bootstrap_replicates = 200;
  // EfficientPose I's peaks on this video are ~0.1-0.5 (person_tracker.h): at
  // the default 0.3 her knees are never confident in both models at once.
  options.min_confidence = 0.1F;
  section.stability = CompareKeypointStability({video->models[0].frames}, {video->models[1].frames}, video->schema,
                                               video->models[0].name, video->models[1].name, options);
  const json doc = KeypointSectionJson(section);
  EXPECT_EQ(doc["name"], "openpose_video");
  EXPECT_EQ(doc["fps"], 50.0);
  EXPECT_TRUE(doc["notes"].empty()) << doc["notes"];
  // Both models see her legs: their knee angles are drawn on most frames
  // (how far they lie apart is a finding, printed, not assumed: 22-27 degrees
  // in the median on these frames).
  for (const json& angle : doc["angles"]) {
    if (angle["name"] != "r_knee_flexion" && angle["name"] != "l_knee_flexion") continue;
    const JointAngle& definition = *std::find_if(video->schema.angles.begin(), video->schema.angles.end(),
                                                 [&](const JointAngle& a) { return a.name == angle["name"]; });
    std::vector<double> gaps;
    for (std::size_t t = 0; t < 30; ++t) {
      if (angle["series"][0][t].is_null()) continue;
      // Each line is its model's own angle on the frame.
      EXPECT_NEAR(angle["series"][1][t].get<double>(),
                  JointAngleDeg(video->models[1].frames[t], definition, video->schema).value(), 0.006);
      gaps.push_back(std::abs(angle["series"][0][t].get<double>() - angle["series"][1][t].get<double>()));
    }
    std::sort(gaps.begin(), gaps.end());
    const double median_gap = gaps.empty() ? 0.0 : gaps[gaps.size() / 2];
    std::printf("%s: drawn on %zu of 30 frames, median gap %.1f deg; noise %s\n",
                angle["name"].get<std::string>().c_str(), gaps.size(), median_gap,
                angle["noise"]["verdict"].get<std::string>().c_str());
    EXPECT_GE(gaps.size(), 15U) << angle["name"];
  }
  std::printf("jitter: %s\n", doc["verdict"].get<std::string>().c_str());
  EXPECT_GT(doc["overall_jitter_px"]["count"].get<int>(), 0);
  // The sample frames show her: a picture of the tracked square, each model's joints inside it.
  ASSERT_EQ(doc["samples"].size(), kKeypointSampleFrames);
  for (const json& sample : doc["samples"]) {
    EXPECT_TRUE(sample["thumbnail"].get<std::string>().starts_with("data:image/jpeg;base64,"));
    const json& view = sample["view"];
    std::size_t inside = 0;
    for (const json& joints : sample["keypoints"]) {
      for (const json& p : joints) {
        if (p.is_null()) continue;
        inside += p[0] >= view[0] && p[0] <= view[2] && p[1] >= view[1] && p[1] <= view[3] ? 1 : 0;
      }
    }
    EXPECT_GE(inside, 12U) << "frame " << sample["frame"];
  }
}

}  // namespace
}  // namespace sweetspot
