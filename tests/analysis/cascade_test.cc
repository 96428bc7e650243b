// The cascade analysis on hand-made rows whose curve can be worked out by
// hand: thresholds, deferred share, system top-1, cost, the paired test, the
// recommendation and the live deferral prediction.
#include "sweetspot/cascade.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Two classes; sample k has label 0. The fast model's probability of its
// predicted class is confidence[k]; it is right where right[k].
AccuracyRow FastRow(const std::vector<double>& confidence, const std::vector<bool>& right) {
  AccuracyRow row;
  for (std::size_t k = 0; k < confidence.size(); ++k) {
    row.sample_indices.push_back(static_cast<std::int64_t>(k));
    row.labels.push_back(0);
    const int predicted = right[k] ? 0 : 1;
    row.predicted.push_back(predicted);
    const auto p = static_cast<float>(confidence[k]);
    row.scores.push_back(predicted == 0 ? p : 1.0f - p);
    row.scores.push_back(predicted == 0 ? 1.0f - p : p);
  }
  return row;
}

AccuracyRow AccurateRow(const std::vector<bool>& right) {
  AccuracyRow row;
  for (std::size_t k = 0; k < right.size(); ++k) {
    row.sample_indices.push_back(static_cast<std::int64_t>(k));
    row.labels.push_back(0);
    row.predicted.push_back(right[k] ? 0 : 1);
  }
  return row;
}

LatencyRow Latency(double p50_ms, double mean_ms) {
  LatencyRow row;
  row.setting = "single-stream b1 t1";
  row.p50_ms = p50_ms;
  row.mean_ms = mean_ms;
  return row;
}

// Ten samples: the fast model is wrong on its three least confident ones
// (0.55, 0.6, 0.6) and right elsewhere; the accurate model is wrong only on
// sample 9 (confidence 0.99, where the fast one is right).
struct Fixture {
  AccuracyRow fast = FastRow({0.9, 0.55, 0.6, 0.95, 0.6, 0.8, 0.7, 0.85, 0.75, 0.99},
                             {true, false, false, true, false, true, true, true, true, true});
  AccuracyRow accurate = AccurateRow({true, true, true, true, true, true, true, true, true, false});
  LatencyRow fast_latency = Latency(0.1, 0.12);
  LatencyRow accurate_latency = Latency(1.0, 1.1);
  Result<CascadeAnalysis> Analyze(double max_drop_points = 0.3) const {
    CascadeOptions options;
    options.max_drop_points = max_drop_points;
    return AnalyzeCascade({"nano", fast, fast_latency}, {"large", accurate, accurate_latency}, options);
  }
};

TEST(CascadeTest, CurveHasOnePointPerDistinctConfidenceBetweenNeverAndAlwaysDefer) {
  const auto analysis = Fixture().Analyze();
  ASSERT_TRUE(analysis.ok()) << analysis.status().ToString();
  EXPECT_EQ(analysis->samples, 10);
  EXPECT_EQ(analysis->fast_output_kind, OutputKind::kProbabilities);
  EXPECT_DOUBLE_EQ(analysis->fast_top1, 0.7);
  EXPECT_DOUBLE_EQ(analysis->accurate_top1, 0.9);
  // 9 distinct confidences: t = 0, then one threshold above each.
  ASSERT_EQ(analysis->curve.size(), 10u);
  std::vector<std::int64_t> deferred;
  std::vector<std::int64_t> correct;
  for (const CascadePoint& p : analysis->curve) {
    deferred.push_back(p.deferred);
    correct.push_back(p.correct);
  }
  EXPECT_THAT(deferred, ElementsAre(0, 1, 3, 4, 5, 6, 7, 8, 9, 10));
  // Deferring the three wrong ones gains 3; deferring sample 9 (last) loses 1.
  EXPECT_THAT(correct, ElementsAre(7, 8, 10, 10, 10, 10, 10, 10, 10, 9));
  EXPECT_DOUBLE_EQ(analysis->curve.front().threshold, 0.0);
  EXPECT_NEAR(analysis->curve[1].threshold, 0.6, 1e-6);  // defers 0.55 only
  EXPECT_GT(analysis->curve.back().threshold, analysis->fast_confidence.back());
}

TEST(CascadeTest, PointCarriesCostIntervalAndPairedTestAgainstTheAccurateModel) {
  const auto analysis = Fixture().Analyze();
  ASSERT_TRUE(analysis.ok());
  const CascadePoint& p = analysis->curve[2];  // defers the three wrong ones
  EXPECT_DOUBLE_EQ(p.deferred_share, 0.3);
  EXPECT_DOUBLE_EQ(p.cost_p50_ms, 0.1 + 0.3 * 1.0);
  EXPECT_DOUBLE_EQ(p.cost_mean_ms, 0.12 + 0.3 * 1.1);
  EXPECT_DOUBLE_EQ(p.top1, 1.0);
  const stats::Interval wilson = stats::WilsonInterval(10, 10);
  EXPECT_DOUBLE_EQ(p.top1_ci.lower, wilson.lower);
  // Kept samples: only sample 9 differs (the cascade right, the accurate model wrong).
  EXPECT_EQ(p.only_cascade_correct, 1);
  EXPECT_EQ(p.only_accurate_correct, 0);
  EXPECT_DOUBLE_EQ(p.mcnemar_p, stats::McNemarExactPValue(1, 0));
  // Never deferring: the fast model alone, 3 vs 1 discordant.
  EXPECT_EQ(analysis->curve.front().only_accurate_correct, 3);
  EXPECT_DOUBLE_EQ(analysis->curve.front().cost_p50_ms, 0.1);
  EXPECT_DOUBLE_EQ(analysis->curve.back().cost_p50_ms, 1.1);
}

TEST(CascadeTest, RecommendsTheCheapestThresholdWithinTheAllowedDrop) {
  const auto analysis = Fixture().Analyze(0.3);
  ASSERT_TRUE(analysis.ok());
  ASSERT_TRUE(analysis->recommended.has_value());
  EXPECT_EQ(*analysis->recommended, 2u);
  EXPECT_FALSE(analysis->closest.has_value());
  const std::string sentence = DescribeRecommendation(*analysis);
  EXPECT_THAT(sentence, HasSubstr("defer when nano's confidence < 0.7: 30.0 % of inputs go to large"));
  EXPECT_THAT(sentence, HasSubstr("vs large 90.0 %"));
  EXPECT_THAT(sentence, HasSubstr("0.4 ms per input (p50) vs 1 ms for large alone"));

  // Allowing a 15-point drop (target 75 %): the fast model alone (70 %) misses it, deferring one sample (80 %) meets
  // it.
  const auto lax = Fixture().Analyze(15.0);
  ASSERT_TRUE(lax.ok());
  EXPECT_EQ(lax->recommended, std::optional<std::size_t>(1));
}

TEST(CascadeTest, NoThresholdCheaperThanTheAccurateModelNamesTheClosest) {
  Fixture f;
  f.fast_latency = Latency(0.9, 0.9);  // a 10 % deferral already costs as much as the accurate model
  const auto analysis = f.Analyze();
  ASSERT_TRUE(analysis.ok());
  EXPECT_FALSE(analysis->recommended.has_value());
  ASSERT_TRUE(analysis->closest.has_value());
  EXPECT_EQ(*analysis->closest, 0u);  // the only point below 1 ms: never defer
  EXPECT_THAT(DescribeRecommendation(*analysis), HasSubstr("no threshold meets top-1 >= 89.7 % (large 90.0 % - 0.3 "
                                                           "points) at a lower cost than large alone; the closest"));
}

TEST(CascadeTest, LogitsAreSoftmaxedBeforeTheThreshold) {
  Fixture f;
  // Logits (0, log 3): softmax gives 0.25 / 0.75, so the confidence is 0.75.
  for (std::size_t k = 0; k < f.fast.scores.size(); k += 2) {
    const bool right = f.fast.predicted[k / 2] == 0;
    f.fast.scores[k] = right ? static_cast<float>(std::log(3.0)) : 0.0f;
    f.fast.scores[k + 1] = right ? 0.0f : static_cast<float>(std::log(3.0)) + 5.0f;
  }
  const auto analysis = f.Analyze();
  ASSERT_TRUE(analysis.ok());
  EXPECT_EQ(analysis->fast_output_kind, OutputKind::kLogits);
  EXPECT_NEAR(analysis->fast_confidence.front(), 0.75, 1e-6);  // the right ones
  EXPECT_GT(analysis->fast_confidence.back(), 0.99);           // the wrong ones: e^(log 3 + 5) vs 1
  // The wrong answers are the most confident: deferring helps only at the very end.
  EXPECT_EQ(analysis->curve.size(), 3u);
}

TEST(CascadeTest, PredictedDeferralIsTheShareBelowTheThreshold) {
  const auto analysis = Fixture().Analyze();
  ASSERT_TRUE(analysis.ok());
  EXPECT_DOUBLE_EQ(analysis->PredictedDeferral(0.0), 0.0);
  EXPECT_DOUBLE_EQ(analysis->PredictedDeferral(0.6), 0.1);
  EXPECT_DOUBLE_EQ(analysis->PredictedDeferral(0.75), 0.4);
  EXPECT_DOUBLE_EQ(analysis->PredictedDeferral(1.0), 1.0);
  for (const CascadePoint& p : analysis->curve) {
    EXPECT_DOUBLE_EQ(analysis->PredictedDeferral(p.threshold), p.deferred_share) << p.threshold;
  }
}

TEST(CascadeTest, PairsSamplesByDatasetIndex) {
  Fixture f;
  // The accurate model evaluated the samples in reverse order, and one more.
  AccuracyRow reversed;
  for (std::size_t k = f.accurate.sample_indices.size(); k-- > 0;) {
    reversed.sample_indices.push_back(f.accurate.sample_indices[k]);
    reversed.labels.push_back(f.accurate.labels[k]);
    reversed.predicted.push_back(f.accurate.predicted[k]);
  }
  reversed.sample_indices.push_back(99);
  reversed.labels.push_back(1);
  reversed.predicted.push_back(1);
  f.accurate = reversed;
  const auto analysis = f.Analyze();
  ASSERT_TRUE(analysis.ok());
  EXPECT_EQ(analysis->samples, 10);
  EXPECT_DOUBLE_EQ(analysis->accurate_top1, 0.9);
  EXPECT_EQ(analysis->curve[2].correct, 10);
}

TEST(CascadeTest, RefusesRowsItCannotPair) {
  Fixture f;
  f.fast.scores.clear();
  EXPECT_EQ(f.Analyze().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(f.Analyze().status().message(), HasSubstr("nano: its accuracy result kept no per-sample scores"));

  Fixture disjoint;
  for (auto& index : disjoint.accurate.sample_indices) index += 100;
  EXPECT_THAT(disjoint.Analyze().status().message(), HasSubstr("no common sample"));

  Fixture relabelled;
  relabelled.accurate.labels[4] = 1;
  EXPECT_THAT(relabelled.Analyze().status().message(), HasSubstr("disagree on the label of sample 4"));

  Fixture unmeasured;
  unmeasured.accurate_latency.p50_ms = 0.0;
  EXPECT_THAT(unmeasured.Analyze().status().message(), HasSubstr("large: its latency"));

  EXPECT_EQ(Fixture().Analyze(-1.0).status().code(), StatusCode::kInvalidArgument);
}

TEST(CascadeTest, ThinCurveKeepsEndsAndTheRecommendation) {
  const auto analysis = Fixture().Analyze();
  ASSERT_TRUE(analysis.ok());
  EXPECT_EQ(ThinCurve(*analysis, 20).size(), analysis->curve.size());
  const std::vector<std::size_t> thin = ThinCurve(*analysis, 3);
  // Shares 0, 0.5, 1 -> points 0, 4 (the first deferring >= 5 of 10), 9; plus the recommended 2.
  EXPECT_THAT(thin, ElementsAre(0u, 2u, 4u, 9u));
}

TEST(CascadeTest, StoredCascadePicksTheRowsWithScoresAndTheSameSetting) {
  const Fixture f;
  CandidateMeasurements nano;
  nano.name = "nano";
  AccuracyRow newer_without_scores = f.fast;
  newer_without_scores.scores.clear();
  nano.accuracy = {f.fast, newer_without_scores};
  nano.latency = {f.fast_latency};
  CandidateMeasurements large;
  large.name = "large";
  large.accuracy = {f.accurate};
  LatencyRow other_setting = Latency(0.5, 0.5);
  other_setting.setting = "single-stream b1 t2";
  large.latency = {f.accurate_latency, other_setting};
  const auto analysis = AnalyzeStoredCascade({nano, large}, "pair", "nano", "large");
  ASSERT_TRUE(analysis.ok()) << analysis.status().ToString();
  EXPECT_DOUBLE_EQ(analysis->accurate_p50_ms, 1.0);  // not the t2 row
  EXPECT_EQ(analysis->recommended, std::optional<std::size_t>(2));

  EXPECT_THAT(AnalyzeStoredCascade({nano, large}, "pair", "tiny", "large").status().message(),
              HasSubstr("study 'pair' has no candidate 'tiny' (its candidates: nano, large)"));
  EXPECT_EQ(AnalyzeStoredCascade({}, "pair", "nano", "large").status().message(),
            "study 'pair' has no measured candidates");
  large.latency = {other_setting};
  EXPECT_THAT(AnalyzeStoredCascade({nano, large}, "pair", "nano", "large").status().message(),
              HasSubstr("large has no latency result in nano's setting 'single-stream b1 t1'"));
}

TEST(CascadeTest, RenderingsShowTheCurveAndTheRecommendation) {
  const auto analysis = Fixture().Analyze();
  ASSERT_TRUE(analysis.ok());
  const std::string text = RenderCascadeText(*analysis, 3);
  EXPECT_THAT(text, HasSubstr("cascade nano -> large on 10 samples (single-stream b1 t1; nano scores read as "
                              "probabilities)"));
  EXPECT_THAT(text, HasSubstr("0.7000             30.0        100.0 [72.2, 100.0]  1.000       0.400        0.450"));
  EXPECT_THAT(text, HasSubstr("recommended"));
  EXPECT_THAT(text, HasSubstr("10 thresholds in all"));
  EXPECT_THAT(RenderCascadeMarkdown(*analysis, 3), HasSubstr("| 0.7000 | 30.0 | 100.0 [72.2, 100.0] |"));
  const std::string csv = RenderCascadeCsv(*analysis);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 11);
  const nlohmann::json json = CascadeJson(*analysis, 3);
  EXPECT_EQ(json["curve"].size(), 4u);
  EXPECT_EQ(json["curve_points"], 10);
  EXPECT_EQ(json["recommended"]["deferred"], 3);
  EXPECT_TRUE(json["closest"].is_null());
  EXPECT_EQ(CascadeJson(*analysis)["curve"].size(), 10u);
}

}  // namespace
}  // namespace sweetspot
