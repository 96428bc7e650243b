#include "sweetspot/keypoint_metrics.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/keypoint_dataset.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

KeypointSchema Schema(std::vector<std::string> joints, std::vector<double> sigmas = {}) {
  KeypointSchema schema;
  schema.name = "test";
  schema.joints = std::move(joints);
  schema.sigmas = std::move(sigmas);
  return schema;
}

Person Make(std::vector<Keypoint> keypoints, Box box = {0, 0, 100, 50}, double area = 0.0, double head = 0.0) {
  Person person;
  person.box = box;
  person.keypoints = std::move(keypoints);
  person.area = area;
  person.head_size = head;
  return person;
}

KeypointMetricOptions Options(std::vector<double> alphas, std::string normalization = "box",
                              std::size_t replicates = 0) {
  KeypointMetricOptions options;
  options.pck_alphas = std::move(alphas);
  options.normalization = std::move(normalization);
  options.bootstrap_replicates = replicates;
  return options;
}

TEST(KeypointMetrics, PckCountsJointsWithinAlphaTimesTheNorm) {
  const KeypointSchema schema = Schema({"a", "b", "c"});
  // Labels at the origin; predictions 5, 15 and 10 px away (10 = |(6, 8)|).
  const std::vector<Person> truth = {Make({{0, 0, 2}, {0, 0, 2}, {0, 0, 1}}, {0, 0, 100, 50}, 0.0, 50.0)};
  const std::vector<Person> predicted = {Make({{5, 0, 0.9F}, {0, 15, 0.6F}, {6, 8, 0.3F}})};
  // box: norm max(100, 50) = 100; alpha .1 -> 10 px: 5 and 10 (<=) in -> 2/3; alpha .2 -> 20 px: 3/3.
  const auto box = ComputeKeypointMetrics(schema, truth, predicted, Options({0.1, 0.2}));
  ASSERT_TRUE(box.ok()) << box.status().message();
  EXPECT_DOUBLE_EQ(box->pck[0].pck.value, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(box->pck[1].pck.value, 1.0);
  // Joint b: 15 px, 15 / 100 normalised. Confidence (0.9 + 0.6 + 0.3) / 3 = 0.6.
  EXPECT_DOUBLE_EQ(box->joints[1].error_px.value, 15.0);
  EXPECT_DOUBLE_EQ(box->joints[1].error_norm.value, 0.15);
  EXPECT_NEAR(box->confidence_mean.value, 0.6, 1e-6);
  EXPECT_DOUBLE_EQ(box->oks.value, -1.0);  // no sigmas
  // head: norm 50; alpha .1 -> 5 px: only a -> 1/3.
  const auto head = ComputeKeypointMetrics(schema, truth, predicted, Options({0.1}, "head"));
  ASSERT_TRUE(head.ok());
  EXPECT_DOUBLE_EQ(head->pck[0].pck.value, 1.0 / 3.0);
}

TEST(KeypointMetrics, UnknownNormalizationIsRefusedThenAccepted) {
  const KeypointSchema schema = Schema({"a"});
  const std::vector<Person> people = {Make({{1, 1, 2}})};
  const auto refused = ComputeKeypointMetrics(schema, people, people, Options({0.1}, "torso"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("normalization 'torso': use box"));
  EXPECT_TRUE(ComputeKeypointMetrics(schema, people, people, Options({0.1}, "box")).ok());
}

TEST(KeypointMetrics, OksIgnoresUnlabelledJointsAndScalesWithArea) {
  // sigma 0.5 -> (2 sigma)^2 = 1; d = 2: e = 4 / 1 / area / 2.
  const std::vector<double> sigmas = {0.5, 0.5};
  const Person predicted = Make({{2, 0, 1.0F}, {900, 900, 1.0F}});
  // Joint 1 has v = 0: its 900 px error is ignored. area 8: e = 0.25.
  EXPECT_NEAR(Oks(Make({{0, 0, 2}, {0, 0, 0}}, {}, 8.0), predicted, sigmas), std::exp(-0.25), 1e-12);
  // area 32: e = 0.0625; v = 1 (occluded) counts like v = 2.
  EXPECT_NEAR(Oks(Make({{0, 0, 1}, {0, 0, 0}}, {}, 32.0), predicted, sigmas), std::exp(-0.0625), 1e-12);
  EXPECT_DOUBLE_EQ(Oks(Make({{0, 0, 0}, {0, 0, 0}}, {}, 8.0), predicted, sigmas), -1.0);
}

TEST(KeypointMetrics, ApInterpolatesAt101RecallPoints) {
  // Two persons, OKS .82 (score .9) and .62 (score .5).
  const std::vector<double> oks = {0.82, 0.62};
  // t = .5: both true positives -> precision 1 at every recall -> AP 1.
  EXPECT_DOUBLE_EQ(KeypointAp(oks, std::vector<double>{0.9, 0.5}, 0.5), 1.0);
  // t = .75: TP then FP: recall [.5, .5], precision [1, .5]; recall points
  // 0 .. .50 (51 of 101) find precision 1, the rest nothing: 51 / 101.
  EXPECT_DOUBLE_EQ(KeypointAp(oks, std::vector<double>{0.9, 0.5}, 0.75), 51.0 / 101.0);
  // Scores swapped: FP then TP: recall [0, .5], precision [0, .5] -> envelope
  // [.5, .5]; 51 points at .5: 25.5 / 101.
  EXPECT_DOUBLE_EQ(KeypointAp(oks, std::vector<double>{0.5, 0.9}, 0.75), 25.5 / 101.0);
  EXPECT_DOUBLE_EQ(KeypointAp(oks, std::vector<double>{0.9, 0.5}, 0.85), 0.0);
}

TEST(KeypointMetrics, CocoApOverThresholdsOnTwoPersons) {
  // sigma 0.5, one joint, area 1: OKS = exp(-d^2 / 2). d^2 = 2 * -ln(OKS):
  // OKS .82 -> d^2 = 0.396896..., OKS .62 -> d^2 = 0.956067...
  const KeypointSchema schema = Schema({"a"}, {0.5});
  const double d1 = std::sqrt(-2.0 * std::log(0.82)), d2 = std::sqrt(-2.0 * std::log(0.62));
  const std::vector<Person> truth = {Make({{0, 0, 2}}, {0, 0, 10, 10}, 1.0), Make({{0, 0, 2}}, {0, 0, 10, 10}, 1.0)};
  const std::vector<Person> predicted = {Make({{d1, 0, 0.9F}}), Make({{d2, 0, 0.5F}})};
  const auto metrics = ComputeKeypointMetrics(schema, truth, predicted, Options({0.1}));
  ASSERT_TRUE(metrics.ok());
  EXPECT_NEAR(metrics->oks.value, (0.82 + 0.62) / 2.0, 1e-9);
  // Thresholds .50 .55 .60: AP 1; .65 .70 .75 .80: 51/101; .85 .90 .95: 0.
  EXPECT_NEAR(metrics->ap.value, (3.0 + 4.0 * 51.0 / 101.0) / 10.0, 1e-12);
  EXPECT_DOUBLE_EQ(metrics->ap50.value, 1.0);
  EXPECT_DOUBLE_EQ(metrics->ap75.value, 51.0 / 101.0);
}

// n persons, one joint, errors cycling through 0..9 px; box side 100.
std::vector<Person> Cycling(std::size_t n, std::vector<Person>& predicted) {
  std::vector<Person> truth;
  predicted.clear();
  for (std::size_t i = 0; i < n; ++i) {
    truth.push_back(Make({{0, 0, 2}}));
    predicted.push_back(Make({{static_cast<double>(i % 10), 0, 0.1F * static_cast<float>(i % 10)}}));
  }
  return truth;
}

TEST(KeypointMetrics, IntervalsContainTheEstimateAndShrinkWithPersons) {
  const KeypointSchema schema = Schema({"a"});
  std::vector<Person> small_predicted, large_predicted;
  const auto small_truth = Cycling(20, small_predicted);
  const auto large_truth = Cycling(400, large_predicted);
  const auto options = Options({0.05}, "box", 300);
  const auto small = ComputeKeypointMetrics(schema, small_truth, small_predicted, options);
  const auto large = ComputeKeypointMetrics(schema, large_truth, large_predicted, options);
  ASSERT_TRUE(small.ok() && large.ok());
  // Alpha .05 of 100 px: errors 0..5 in, 6 of 10 -> PCK 0.6.
  for (const auto* m : {&*small, &*large}) {
    const Estimate& pck = m->pck[0].pck;
    EXPECT_DOUBLE_EQ(pck.value, 0.6);
    ASSERT_TRUE(pck.ci.valid);
    EXPECT_LE(pck.ci.lower, pck.value);
    EXPECT_GE(pck.ci.upper, pck.value);
    EXPECT_LE(m->confidence_mean.ci.lower, m->confidence_mean.value);
    EXPECT_GE(m->confidence_mean.ci.upper, m->confidence_mean.value);
  }
  EXPECT_LT(large->pck[0].pck.ci.upper - large->pck[0].pck.ci.lower,
            small->pck[0].pck.ci.upper - small->pck[0].pck.ci.lower);
}

TEST(KeypointMetrics, IdenticalModelsCompareAsEqualWithPOne) {
  const KeypointSchema schema = Schema({"a"}, {0.5});
  std::vector<Person> predicted;
  auto truth = Cycling(30, predicted);
  for (auto& person : truth) person.area = 100.0;
  const auto comparison = CompareKeypointModels(schema, truth, predicted, predicted, Options({0.05}, "box", 200));
  ASSERT_TRUE(comparison.ok()) << comparison.status().message();
  EXPECT_DOUBLE_EQ(comparison->pck[0].diff.value, 0.0);
  EXPECT_DOUBLE_EQ(comparison->pck[0].p_value, 1.0);
  EXPECT_DOUBLE_EQ(comparison->oks_diff.value, 0.0);
  EXPECT_DOUBLE_EQ(comparison->oks_p_value, 1.0);
}

TEST(KeypointMetrics, ClearlyBetterModelHasSmallPValue) {
  const KeypointSchema schema = Schema({"a"});
  std::vector<Person> worse;
  const auto truth = Cycling(50, worse);
  const std::vector<Person> perfect(truth.size(), Make({{0, 0, 1.0F}}));
  const auto comparison = CompareKeypointModels(schema, truth, perfect, worse, Options({0.05}, "box", 200));
  ASSERT_TRUE(comparison.ok());
  // Perfect: PCK 1; cycling: 0.6 -> diff 0.4; every replicate > 0 -> p = 2 / 201.
  EXPECT_NEAR(comparison->pck[0].diff.value, 0.4, 1e-12);
  EXPECT_NEAR(comparison->pck[0].p_value, 2.0 / 201.0, 1e-12);
}

TEST(KeypointMetrics, ConfidenceDropOnSharedJoints) {
  const KeypointSchema reference_schema = Schema({"a", "b", "c"});
  const KeypointSchema model_schema = Schema({"c", "b"});
  // Shared b and c: reference 0.8, model 0.6 -> 100 * (0.8 - 0.6) / 0.8 = 25 %; a (0.1) is not shared.
  const std::vector<Person> reference(10, Make({{0, 0, 0.1F}, {0, 0, 0.8F}, {0, 0, 0.8F}}));
  const std::vector<Person> model(10, Make({{0, 0, 0.6F}, {0, 0, 0.6F}}));
  const auto drop = CompareConfidence(reference_schema, reference, model_schema, model, Options({0.1}, "box", 100));
  ASSERT_TRUE(drop.ok()) << drop.status().message();
  EXPECT_EQ(drop->joints, (std::vector<std::string>{"b", "c"}));
  EXPECT_NEAR(drop->drop_percent.value, 25.0, 1e-4);
  EXPECT_NEAR(drop->reference_mean, 0.8, 1e-6);
  // Itself: drop 0, p 1.
  const auto none = CompareConfidence(reference_schema, reference, reference_schema, reference, Options({0.1}, "box", 100));
  ASSERT_TRUE(none.ok());
  EXPECT_DOUBLE_EQ(none->drop_percent.value, 0.0);
  EXPECT_DOUBLE_EQ(none->p_value, 1.0);
}

TEST(KeypointMetrics, JsonRoundTripAndMissingKeyNamed) {
  const KeypointSchema schema = Schema({"a"}, {0.5});
  std::vector<Person> predicted;
  auto truth = Cycling(10, predicted);
  for (auto& person : truth) person.area = 100.0;
  const auto metrics = ComputeKeypointMetrics(schema, truth, predicted, Options({0.05, 0.1}, "box", 50));
  ASSERT_TRUE(metrics.ok());
  nlohmann::json json = ToJson(*metrics);
  const auto back = KeypointMetricsFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), json);
  EXPECT_DOUBLE_EQ(back->pck[1].pck.ci.upper, metrics->pck[1].pck.ci.upper);
  json.erase("oks");
  const auto refused = KeypointMetricsFromJson(json);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("'oks'"));

  const auto comparison = CompareKeypointModels(schema, truth, predicted, predicted, Options({0.05}, "box", 20));
  ASSERT_TRUE(comparison.ok());
  const auto comparison_back = KeypointComparisonFromJson(ToJson(*comparison));
  ASSERT_TRUE(comparison_back.ok());
  EXPECT_EQ(ToJson(*comparison_back), ToJson(*comparison));
  const auto drop = CompareConfidence(schema, predicted, schema, predicted, Options({0.05}, "box", 20));
  ASSERT_TRUE(drop.ok());
  const auto drop_back = ConfidenceDropFromJson(ToJson(*drop));
  ASSERT_TRUE(drop_back.ok());
  EXPECT_EQ(ToJson(*drop_back), ToJson(*drop));
}

TEST(KeypointMetrics, SharedCocoLabelsAgainstThemselvesScorePerfectly) {
  SWEETSPOT_REQUIRE_SHARED_DATA(file, "pose-efficientpose/data/coco/test_coco.json");
  const auto dataset = OpenKeypointDataset(file);
  ASSERT_TRUE(dataset.ok()) << dataset.status().message();
  std::vector<Person> truth;
  for (const auto& labelled : dataset->persons) truth.push_back(labelled.person);
  // Labels as predictions: every distance 0 -> PCK 1, OKS exp(0) = 1, AP 1 at every threshold.
  const auto metrics = ComputeKeypointMetrics(dataset->schema, truth, truth, Options({0.05}, "box", 50));
  ASSERT_TRUE(metrics.ok()) << metrics.status().message();
  EXPECT_EQ(metrics->persons, 12);
  EXPECT_DOUBLE_EQ(metrics->pck[0].pck.value, 1.0);
  EXPECT_DOUBLE_EQ(metrics->oks.value, 1.0);
  EXPECT_DOUBLE_EQ(metrics->ap.value, 1.0);
}

}  // namespace
}  // namespace sweetspot
