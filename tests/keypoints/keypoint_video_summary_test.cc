#include "sweetspot/keypoint_video_summary.h"

#include <cmath>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

KeypointSchema ThreeJoints() {
  KeypointSchema schema;
  schema.name = "three";
  schema.joints = {"wrist", "ankle", "nose"};
  return schema;
}

// Reference ("accurate"): every joint at constant velocity, score 0.8.
// "fast": the same path with x + d (-1)^t (jitter 4d, distance d), score 0.6,
// and no nose (score 0, as RunKeypointVideo gives a joint a schema lacks).
KeypointVideoResult WalkingPair(int frames, double d) {
  KeypointVideoResult result;
  result.video = "walk.avi";
  result.fps = 25.0;
  result.schema = ThreeJoints();
  result.reference = 1;
  result.models.resize(2);
  result.models[0].name = "fast";
  result.models[1].name = "accurate";
  for (int t = 0; t < frames; ++t) {
    result.crops.push_back({100.0 + t, 50.0, 200.0});
    const double sign = t % 2 == 0 ? 1.0 : -1.0;
    std::vector<Keypoint> truth = {{2.0 * t, 5.0, 0.8F}, {3.0 * t, 1.0 * t, 0.8F}, {1.0 * t, 10.0, 0.8F}};
    result.models[1].frames.push_back(truth);
    for (Keypoint& k : truth) {
      k.x += d * sign;
      k.score = 0.6F;
    }
    truth[2].score = 0.0F;
    result.models[0].frames.push_back(truth);
  }
  return result;
}

KeypointVideoSummaryOptions FewReplicates() {
  KeypointVideoSummaryOptions options;
  options.stability.bootstrap_replicates = 200;
  options.stability.min_confidence = 0.5F;
  options.agreement.threshold = 0.004;  // 1 px of a 200 px crop is 0.005: every joint disagrees
  return options;
}

TEST(SummarizeKeypointVideo, ComparesEachModelWithTheReferenceOnJitterAgreementAndConfidence) {
  const KeypointVideoSummary summary = SummarizeKeypointVideo(WalkingPair(40, 1.0), FewReplicates());
  EXPECT_EQ(summary.reference, "accurate");
  EXPECT_EQ(summary.frames, 40);
  EXPECT_FALSE(summary.lost_at_frame.has_value());
  ASSERT_EQ(summary.comparisons.size(), 1U);
  const KeypointVideoComparison& c = summary.comparisons[0];
  EXPECT_EQ(c.model, "fast");
  // Jitter of +/-1 px alternating: 4 px/frame^2 on the two joints both find confidently; the nose is not measured.
  EXPECT_NEAR(c.stability.overall_jitter_px.a.value, 4.0, 1e-9);
  EXPECT_NEAR(c.stability.overall_jitter_px.b.value, 0.0, 1e-9);
  EXPECT_EQ(c.stability.overall_jitter_px.count, 2);
  EXPECT_THAT(c.stability.overall_jitter_px.verdict, HasSubstr("fast is noisier than accurate"));
  EXPECT_EQ(c.stability.jitter_px[2].count, 0);
  // Agreement: 1 px apart on a 200 px crop.
  EXPECT_EQ(c.agreement.model_a, "accurate");
  EXPECT_NEAR(c.agreement.joints[0].distance_px.value, 1.0, 1e-9);
  EXPECT_NEAR(c.agreement.distance.value, 0.005, 1e-12);
  EXPECT_NEAR(c.agreement.any_beyond_share.value, 1.0, 1e-12);
  // Confidence: 0.6 against 0.8 on the joints both detect, a 25 % drop.
  EXPECT_EQ(c.confidence_drop.joint_frames, 80);
  EXPECT_NEAR(c.confidence_drop.drop_percent.value, 25.0, 1e-4);
  EXPECT_NEAR(c.confidence_drop.drop_percent.ci.lower, 25.0, 1e-4);
  EXPECT_LT(c.confidence_drop.p_value, 0.05);
  ASSERT_EQ(summary.confidence.size(), 2U);
  EXPECT_EQ(summary.confidence[0].joint_frames, 80);  // the nose (score 0) is not detected
  EXPECT_NEAR(summary.confidence[0].mean.value, 0.6, 1e-6);
  EXPECT_NEAR(summary.confidence[0].confident_share.value, 1.0, 1e-12);
  EXPECT_EQ(summary.confidence[1].joint_frames, 120);
  EXPECT_NEAR(summary.confidence[1].mean.value, 0.8, 1e-6);
}

TEST(SummarizeKeypointVideo, ARandomConfidenceDropHasAnIntervalAroundIt) {
  KeypointVideoResult result = WalkingPair(60, 0.0);
  std::mt19937 random(7);
  std::uniform_real_distribution<float> noise(-0.2F, 0.2F);
  for (auto& frame : result.models[0].frames) {
    for (Keypoint& k : frame) k.score = k.score > 0.0F ? 0.6F + noise(random) : 0.0F;
  }
  const KeypointVideoSummary summary = SummarizeKeypointVideo(result, FewReplicates());
  const VideoConfidenceDrop& drop = summary.comparisons[0].confidence_drop;
  EXPECT_NEAR(drop.drop_percent.value, 100.0 * (0.8 - drop.model_mean) / 0.8, 1e-4);
  EXPECT_TRUE(drop.drop_percent.ci.valid);
  EXPECT_LT(drop.drop_percent.ci.lower, drop.drop_percent.value);
  EXPECT_GT(drop.drop_percent.ci.upper, drop.drop_percent.value);
  // Identical paths: no jitter difference, no measurable verdict.
  EXPECT_THAT(summary.comparisons[0].stability.overall_jitter_px.verdict, HasSubstr("no measurable difference"));
}

TEST(SummarizeKeypointVideo, OptionsComeFromTheRequest) {
  KeypointVideoRequest request;
  request.min_confidence = 0.4F;
  request.agreement_threshold = 0.1;
  request.bootstrap_replicates = 17;
  request.seed = 3;
  const KeypointVideoSummaryOptions options = KeypointVideoSummaryOptions::FromRequest(request);
  EXPECT_FLOAT_EQ(options.stability.min_confidence, 0.4F);
  EXPECT_DOUBLE_EQ(options.agreement.threshold, 0.1);
  EXPECT_EQ(options.stability.bootstrap_replicates, 17U);
  EXPECT_EQ(options.stability.seed, 3U);
}

TEST(KeypointVideoSummary, JsonRoundTripKeepsEveryFigureAndTheLoss) {
  KeypointVideoResult result = WalkingPair(20, 1.0);
  result.lost_at_frame = 20;
  result.note = "track lost at frame 20";
  const KeypointVideoSummary summary = SummarizeKeypointVideo(result, FewReplicates());
  const nlohmann::json j = ToJson(summary);
  EXPECT_EQ(j.at("schema"), "sweetspot.keypoint-video-summary/1");
  auto back = KeypointVideoSummaryFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->lost_at_frame, std::optional<std::size_t>(20));

  nlohmann::json broken = j;
  broken["comparisons"][0].erase("confidence_drop");
  EXPECT_THAT(KeypointVideoSummaryFromJson(broken).status().message(), HasSubstr("confidence_drop"));
}

}  // namespace
}  // namespace sweetspot
