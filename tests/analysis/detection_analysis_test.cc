// The study analysis for detectors: mAP constraints judged on their
// intervals, the mAP objectives, and the paired test handed in by the caller
// named in every reason.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweetspot/analysis.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A detector with both mAPs (+-2 points) over 100 images; ranked on mAP@[.5:.95].
Candidate Detector(std::string name, double map50_95, double map50, double p50_ms) {
  Candidate c;
  c.model = name;
  c.name = std::move(name);
  c.setting = "single-stream b1 t1";
  c.detection = Candidate::DetectionFigures{
      map50_95, map50, {map50_95 - 0.02, map50_95 + 0.02, true}, {map50 - 0.02, map50 + 0.02, true}, 100};
  c.eval_count = 100;
  c.top1 = map50_95;
  c.top1_ci = c.detection->map50_95_ci;
  c.p50_ms = p50_ms;
  c.p99_ms = p50_ms * 1.2;
  c.items_per_s = 1000.0 / p50_ms;
  return c;
}

std::string Joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += r + " | ";
  return out;
}

AccuracyMeasure Map5095(std::function<std::optional<double>(std::size_t, std::size_t)> p) {
  return {"mAP@[.5:.95]", "paired bootstrap", std::move(p)};
}

TEST(DetectionAnalysisTest, MinMap50ExcludesTheDetectorBelowItAndNamesTheMiss) {
  const std::vector<Candidate> candidates = {Detector("fast", 0.20, 0.40, 2.0), Detector("accurate", 0.35, 0.60, 5.0)};
  Constraints k;
  k.min_map50 = 0.5;
  const Analysis a = Analyze(candidates, k, Objective::kMinP50, Map5095({}));
  ASSERT_TRUE(a.recommended.has_value());
  EXPECT_EQ(*a.recommended, 1u);
  EXPECT_EQ(a.candidates[0].verdict, Verdict::kExcluded);
  EXPECT_THAT(Joined(a.candidates[0].reasons), HasSubstr("fails mAP@0.5 >= 50 % by 10.00 points"));
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("mAP@0.5 60.00 % >= 50 %"));
  EXPECT_EQ(DescribeConstraints(k), "mAP@0.5 >= 50 %");
}

TEST(DetectionAnalysisTest, AnIntervalHoldingTheMapBoundIsUndecided) {
  const std::vector<Candidate> candidates = {Detector("edge", 0.30, 0.50, 2.0)};
  Constraints k;
  k.min_map50_95 = 0.31;
  const Analysis a = Analyze(candidates, k, Objective::kMaxMap50_95, Map5095({}));
  EXPECT_EQ(a.candidates[0].verdict, Verdict::kUndecided);
  EXPECT_THAT(Joined(a.candidates[0].reasons), HasSubstr("undecided on mAP@[.5:.95] >= 31 %"));
  EXPECT_THAT(Joined(a.candidates[0].reasons), HasSubstr("images would decide it"));
}

TEST(DetectionAnalysisTest, MapObjectiveTakesTheFasterWhenTheDifferenceIsNotSignificant) {
  const std::vector<Candidate> candidates = {Detector("fast", 0.33, 0.55, 2.0), Detector("accurate", 0.35, 0.60, 5.0)};
  const Analysis a = Analyze(candidates, {}, Objective::kMaxMap50_95,
                             Map5095([](std::size_t, std::size_t) { return std::optional<double>(0.40); }));
  ASSERT_TRUE(a.recommended.has_value());
  EXPECT_EQ(*a.recommended, 0u);
  EXPECT_THAT(Joined(a.recommendation_reasons),
              HasSubstr("mAP@[.5:.95] 33.00 % is not significantly below accurate's 35.00 % (paired bootstrap p = "
                        "0.400 >= 0.05)"));
  EXPECT_THAT(Joined(a.recommendation_reasons), Not(HasSubstr("McNemar")));
  EXPECT_THAT(Joined(a.candidates[1].reasons), HasSubstr("paired bootstrap p = 0.400"));
}

TEST(DetectionAnalysisTest, MapObjectiveKeepsTheMostAccurateWhenTheDifferenceIsSignificant) {
  const std::vector<Candidate> candidates = {Detector("fast", 0.20, 0.40, 2.0), Detector("accurate", 0.35, 0.60, 5.0)};
  const Analysis a = Analyze(candidates, {}, Objective::kMaxMap50_95,
                             Map5095([](std::size_t, std::size_t) { return std::optional<double>(0.001); }));
  ASSERT_TRUE(a.recommended.has_value());
  EXPECT_EQ(*a.recommended, 1u);
  EXPECT_THAT(Joined(a.candidates[0].reasons),
              HasSubstr("mAP@[.5:.95] 20.00 % is significantly below accurate's 35.00 % (paired bootstrap p = 0.001)"));
}

TEST(DetectionAnalysisTest, ObjectiveNamesTakeDashesOrUnderscores) {
  EXPECT_EQ(*ParseObjective("max-map50-95"), Objective::kMaxMap50_95);
  EXPECT_EQ(*ParseObjective("max_map50_95"), Objective::kMaxMap50_95);
  EXPECT_EQ(*ParseObjective("max-map50"), Objective::kMaxMap50);
  EXPECT_EQ(ObjectiveName(Objective::kMaxMap50), "max-map50");
  EXPECT_TRUE(RanksOnAccuracy(Objective::kMaxMap50));
  EXPECT_FALSE(RanksOnAccuracy(Objective::kMinP50));
  EXPECT_THAT(ParseObjective("max-map").status().message(), HasSubstr("max-map50-95, max-map50"));
}

}  // namespace
}  // namespace sweetspot
