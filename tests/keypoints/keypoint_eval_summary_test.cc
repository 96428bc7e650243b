#include "sweetspot/keypoint_eval_summary.h"

#include <cmath>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

KeypointMetricOptions Options(std::size_t replicates = 0) {
  KeypointMetricOptions options;
  options.pck_alphas = {0.2, 0.1};
  options.bootstrap_replicates = replicates;
  return options;
}

// Two COCO persons evaluated by a model with the 12 body joints of
// efficientpose16: each scored joint predicted `offset_px` to the right of
// its label with confidence `score`; the face joints (which the model lacks)
// at (0, 0) with score 0, as EvaluateKeypoints maps them.
KeypointEvalResult CocoResult(const std::string& name, double offset_px, float score) {
  KeypointEvalResult r;
  r.model = name + ".onnx";
  r.model_name = name;
  r.dataset = "person_keypoints.json";
  r.dataset_format = "coco";
  r.model_schema = "efficientpose16";
  r.schema = BuiltinSchema("coco17").value();
  r.joint_map = MapSchemas(BuiltinSchema("efficientpose16").value(), r.schema).value();
  for (int p = 0; p < 2; ++p) {
    Person truth;
    truth.box = {100.0 * p, 0.0, 100.0 * p + 100.0, 200.0};  // norm 200 px
    truth.area = 10000.0;
    std::vector<Keypoint> predicted;
    for (std::size_t j = 0; j < r.schema.size(); ++j) {
      const Keypoint label{100.0 * p + 5.0 * static_cast<double>(j), 10.0 * static_cast<double>(j), 2.0F};
      truth.keypoints.push_back(label);
      predicted.push_back(r.joint_map[j] >= 0 ? Keypoint{label.x + offset_px, label.y, score} : Keypoint{});
    }
    r.truth.push_back(truth);
    r.predicted.push_back(predicted);
    r.image_ids.push_back("img" + std::to_string(p));
  }
  r.times = {{1.0, 2.0}, {3.0, 4.0}, {0.5, 0.5}};
  return r;
}

TEST(SummarizeKeypointEval, ScoresOnlyTheJointsTheModelHas) {
  // 30 px off: within 0.2 x 200 = 40 px, not within 20 px.
  auto summary = SummarizeKeypointEval(CocoResult("fast", 30.0, 0.5F), Options());
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->joints.size(), 12U);  // shoulders .. ankles; not the 5 face joints
  EXPECT_EQ(summary->joints.front(), "l_shoulder");
  EXPECT_EQ(summary->metrics.persons, 2);
  EXPECT_DOUBLE_EQ(summary->metrics.pck[0].pck.value, 1.0);  // the face joints are no misses
  EXPECT_DOUBLE_EQ(summary->metrics.pck[1].pck.value, 0.0);
  EXPECT_NEAR(summary->metrics.confidence_mean.value, 0.5, 1e-6);  // nor zero scores
  ASSERT_EQ(summary->metrics.joints.size(), 12U);
  EXPECT_DOUBLE_EQ(summary->metrics.joints[0].error_px.value, 30.0);
  EXPECT_GT(summary->metrics.oks.value, 0.0);  // coco17's sigmas of the scored joints
  EXPECT_LT(summary->metrics.oks.value, 1.0);
  EXPECT_EQ(summary->times.network_ms.count, 2U);
  EXPECT_DOUBLE_EQ(summary->times.total_ms.max, 2.0 + 4.0 + 0.5);
}

TEST(SummarizeKeypointEval, HeadNormalisationOnCocoNamesTheFieldAndBoxFixesIt) {
  const KeypointEvalResult result = CocoResult("fast", 30.0, 0.5F);
  KeypointMetricOptions options = Options();
  options.normalization = "head";
  const Status status = SummarizeKeypointEval(result, options).status();
  EXPECT_THAT(status.message(), HasSubstr("pck_normalization head"));
  ASSERT_EQ(status.fixes().size(), 1U);
  options.normalization = status.fixes()[0].values[0];
  EXPECT_TRUE(SummarizeKeypointEval(result, options).ok());
  options.pck_alphas = {0.0};
  EXPECT_THAT(SummarizeKeypointEval(result, options).status().message(), HasSubstr("pck_alphas"));
}

TEST(CompareKeypointResults, PairsTheSamePersonsAndMeasuresTheConfidenceDrop) {
  const KeypointEvalResult fast = CocoResult("fast", 30.0, 0.3F);
  const KeypointEvalResult accurate = CocoResult("accurate", 10.0, 0.6F);
  auto comparison = CompareKeypointResults(fast, accurate, Options(200));
  ASSERT_TRUE(comparison.ok()) << comparison.status().message();
  EXPECT_EQ(comparison->model, "fast");
  EXPECT_EQ(comparison->joints.size(), 12U);
  EXPECT_EQ(comparison->accuracy.persons, 2);
  EXPECT_DOUBLE_EQ(comparison->accuracy.pck[0].diff.value, 0.0);   // both within 40 px
  EXPECT_DOUBLE_EQ(comparison->accuracy.pck[1].diff.value, -1.0);  // only the accurate one within 20 px
  EXPECT_LT(comparison->accuracy.oks_diff.value, 0.0);
  // (0.6 - 0.3) / 0.6 on the 12 joints both models have.
  EXPECT_NEAR(comparison->confidence.drop_percent.value, 50.0, 1e-4);
  EXPECT_EQ(comparison->confidence.joints.size(), 12U);
}

TEST(CompareKeypointResults, OtherPersonsAreRefused) {
  KeypointEvalResult fast = CocoResult("fast", 30.0, 0.3F);
  const KeypointEvalResult accurate = CocoResult("accurate", 10.0, 0.6F);
  fast.truth.pop_back();
  fast.predicted.pop_back();
  fast.image_ids.pop_back();
  EXPECT_THAT(CompareKeypointResults(fast, accurate, Options()).status().message(),
              HasSubstr("give both models the same dataset, padding and limit"));
}

TEST(KeypointEvalSummary, JsonRoundTripsWithItsSchemaName) {
  auto summary = SummarizeKeypointEval(CocoResult("fast", 30.0, 0.5F), Options(50));
  ASSERT_TRUE(summary.ok());
  const nlohmann::json j = ToJson(*summary);
  EXPECT_EQ(j.at("schema"), "sweetspot.keypoint-eval-summary/1");
  auto back = KeypointEvalSummaryFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), j);
  nlohmann::json missing = j;
  missing.erase("joints");
  EXPECT_THAT(KeypointEvalSummaryFromJson(missing).status().message(), HasSubstr("joints"));

  auto comparison = CompareKeypointResults(CocoResult("fast", 30.0, 0.3F), CocoResult("i", 10.0, 0.6F), Options(50));
  ASSERT_TRUE(comparison.ok());
  const nlohmann::json c = ToJson(*comparison);
  EXPECT_EQ(c.at("schema"), "sweetspot.keypoint-comparison/1");
  auto c_back = KeypointModelComparisonFromJson(c);
  ASSERT_TRUE(c_back.ok()) << c_back.status().message();
  EXPECT_EQ(ToJson(*c_back), c);
}

// The kit's models on its 12 COCO persons: the summary's box PCK is the one
// EvaluateKeypoints' own test computes by hand, and the comparison pairs them.
TEST(KeypointEvalSummary, EfficientPoseRtAgainstIOnTheKitsCocoPersons) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointEvalRequest request;
  request.model.model_path = (root / "models" / "EfficientPoseRT_224.onnx").string();
  request.model.schema = "efficientpose16";
  request.dataset_path = (root / "data" / "coco" / "test_coco.json").string();
  request.threads = 1;
  request.bootstrap_replicates = 200;
  auto fast = EvaluateKeypoints(request);
  ASSERT_TRUE(fast.ok()) << fast.status().message();
  request.model.model_path = (root / "models" / "EfficientPoseI_256.onnx").string();
  request.model.engine = "opencv-dnn";
  auto accurate = EvaluateKeypoints(request);
  ASSERT_TRUE(accurate.ok()) << accurate.status().message();
  auto summary = SummarizeKeypointEval(*fast, MetricOptionsOf(request));
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->metrics.pck.size(), 3U);
  const Estimate& pck = summary->metrics.pck[0].pck;
  EXPECT_DOUBLE_EQ(summary->metrics.pck[0].alpha, 0.2);
  EXPECT_GT(pck.value, 0.5);
  ASSERT_TRUE(pck.ci.valid);
  EXPECT_LE(pck.ci.lower, pck.value);
  EXPECT_GE(pck.ci.upper, pck.value);
  auto comparison = CompareKeypointResults(*fast, *accurate, MetricOptionsOf(request));
  ASSERT_TRUE(comparison.ok()) << comparison.status().message();
  EXPECT_EQ(comparison->accuracy.persons, 12);
  EXPECT_EQ(comparison->confidence.joints.size(), 12U);
  std::printf("RT: PCK@0.2 %.3f [%.3f, %.3f]; RT - I: PCK@0.2 %+.3f (p %.3f); confidence drop %.1f %% [%.1f, %.1f]\n",
              pck.value, pck.ci.lower, pck.ci.upper, comparison->accuracy.pck[0].diff.value,
              comparison->accuracy.pck[0].p_value, comparison->confidence.drop_percent.value,
              comparison->confidence.drop_percent.ci.lower, comparison->confidence.drop_percent.ci.upper);
}

}  // namespace
}  // namespace sweetspot
