// The study analysis on hand-made candidates: constraints, Pareto verdicts,
// the recommendation for each kind of objective, significance, and the fits.
#include "sweetspot/analysis.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::int64_t kSamples = 10000;

// Correct on samples [0, first) and on [extra_from, extra_from + extra).
Candidate Make(std::string name, std::int64_t first, double p50_ms, std::int64_t extra_from = 0,
               std::int64_t extra = 0) {
  Candidate c;
  c.model = name;
  c.name = std::move(name);
  c.setting = "single-stream b1 t1";
  c.eval_count = kSamples;
  c.correct.assign(kSamples, false);
  for (std::int64_t i = 0; i < kSamples; ++i) {
    c.sample_indices.push_back(i);
    if (i < first || (i >= extra_from && i < extra_from + extra)) c.correct[static_cast<std::size_t>(i)] = true;
  }
  c.top1 = static_cast<double>(first + extra) / kSamples;
  c.p50_ms = p50_ms;
  c.p99_ms = p50_ms * 1.5;
  c.items_per_s = 1000.0 / p50_ms;
  c.peak_memory_bytes = 50'000'000;
  c.size_bytes = 1'000'000;
  return c;
}

// The CIFAR-10 ResNets' shape: accuracy grows with latency; resnet44 differs
// from resnet32 on 111 samples (61 vs 50: not significant), resnet56 is
// right on 64 more samples than resnet32 and wrong on none of its (significant).
std::vector<Candidate> ResNets() {
  return {Make("resnet20", 8103, 1.0), Make("resnet32", 8256, 1.5), Make("resnet44", 8206, 2.0, 8256, 61),
          Make("resnet56", 8320, 2.5)};
}

std::string Joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += r + " | ";
  return out;
}

TEST(AnalysisTest, MinTop1RecommendsTheFastestThatMeetsIt) {
  Constraints k;
  k.min_top1 = 0.82;
  const std::vector<Candidate> c = ResNets();
  const Analysis a = Analyze(c, k, Objective::kMaxThroughput);
  ASSERT_TRUE(a.recommended.has_value());
  EXPECT_EQ(c[*a.recommended].name, "resnet32");
  EXPECT_FALSE(a.closest.has_value());

  EXPECT_EQ(a.candidates[0].verdict, Verdict::kExcluded);
  EXPECT_THAT(a.candidates[0].reasons, ElementsAre("fails top-1 >= 82 % by 0.97 points"));
  EXPECT_EQ(a.candidates[1].verdict, Verdict::kRecommended);
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("top-1 82.56 % >= 82 %"));
  EXPECT_THAT(Joined(a.recommendation_reasons),
              HasSubstr("the highest throughput (667 items/s) of the 3 candidate(s)"));

  EXPECT_EQ(a.candidates[2].verdict, Verdict::kOutranked);
  EXPECT_THAT(Joined(a.candidates[2].reasons), HasSubstr("1.33x slower than resnet32 (500 vs 667 items/s)"));
  EXPECT_THAT(Joined(a.candidates[2].reasons),
              HasSubstr("its +0.11 points of top-1 are not significant (McNemar p = 0."));
  EXPECT_EQ(a.candidates[3].verdict, Verdict::kOutranked);
  EXPECT_THAT(Joined(a.candidates[3].reasons), HasSubstr("its +0.64 points of top-1 are significant (McNemar p = "));

  for (const auto& ca : a.candidates) EXPECT_TRUE(ca.on_latency_frontier);  // each step buys accuracy
}

TEST(AnalysisTest, DominatedCandidateNamesItsDominatorAndTheMargins) {
  std::vector<Candidate> c = ResNets();
  c[2].p50_ms = 3.0;  // resnet44 now slower than resnet56 and less accurate
  c[2].items_per_s = 1000.0 / 3.0;
  const Analysis a = Analyze(c, {}, Objective::kMinP50);
  EXPECT_EQ(c[*a.recommended].name, "resnet20");
  EXPECT_EQ(a.candidates[2].verdict, Verdict::kDominated);
  EXPECT_FALSE(a.candidates[2].on_latency_frontier);
  // Only resnet56 is both more accurate and faster.
  EXPECT_THAT(a.candidates[2].reasons,
              ElementsAre("dominated by resnet56: 0.53 points more accurate, 1.20x faster (p50 2.5 ms vs 3 ms)"));
}

TEST(AnalysisTest, EqualAccuracyIsPhrasedAsAccurate) {
  std::vector<Candidate> c = {Make("fast", 9000, 1.0), Make("slow", 9000, 2.1)};
  const Analysis a = Analyze(c, {}, Objective::kMinP50);
  EXPECT_EQ(*a.recommended, 0U);
  EXPECT_THAT(a.candidates[1].reasons,
              ElementsAre("dominated by fast: as accurate, 2.10x faster (p50 1 ms vs 2.1 ms)"));
}

TEST(AnalysisTest, MaxAccuracyPrefersTheFasterWhenTheDifferenceIsNotSignificant) {
  // b is 0.11 points above a on 111 discordant samples (p ~ 0.34), twice as slow.
  std::vector<Candidate> c = {Make("a", 8256, 1.0), Make("b", 8206, 2.0, 8256, 61), Make("c", 8000, 0.5)};
  const Analysis a = Analyze(c, {}, Objective::kMaxAccuracy);
  ASSERT_TRUE(a.recommended.has_value());
  EXPECT_EQ(c[*a.recommended].name, "a");
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("top-1 82.56 % is not significantly below b's 82.67 %"));
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("2.00x faster"));
  EXPECT_EQ(a.candidates[1].verdict, Verdict::kOutranked);
  EXPECT_THAT(Joined(a.candidates[1].reasons), HasSubstr("a is within noise of the most accurate"));
  // c is faster still, but 2.67 points below b on 256 + 61 discordant samples.
  EXPECT_EQ(a.candidates[2].verdict, Verdict::kOutranked);
  EXPECT_THAT(Joined(a.candidates[2].reasons), HasSubstr("top-1 80.00 % is significantly below b's 82.67 %"));
}

TEST(AnalysisTest, MaxAccuracyKeepsTheBestWhenTheDifferenceIsSignificant) {
  std::vector<Candidate> c = {Make("a", 8256, 1.0), Make("b", 8320, 2.0)};  // 64 vs 0 discordant
  const Analysis a = Analyze(c, {}, Objective::kMaxAccuracy);
  EXPECT_EQ(c[*a.recommended].name, "b");
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("the most accurate of the 2 candidate(s)"));
}

TEST(AnalysisTest, NoFeasibleCandidateNamesTheClosest) {
  Constraints k;
  k.min_top1 = 0.90;
  k.max_p50_ms = 2.0;
  const std::vector<Candidate> c = ResNets();
  const Analysis a = Analyze(c, k, Objective::kMaxThroughput);
  EXPECT_FALSE(a.recommended.has_value());
  ASSERT_TRUE(a.closest.has_value());
  // resnet44 misses only top-1, by 7.33 points (8.1 % relative); resnet56 by
  // 6.80 points and 0.5 ms (7.6 % + 25 %).
  EXPECT_EQ(c[*a.closest].name, "resnet44");
  EXPECT_THAT(a.candidates[3].reasons,
              ElementsAre("fails top-1 >= 90 % by 6.80 points", "fails p50 <= 2 ms by 0.5 ms"));
  for (const auto& ca : a.candidates) EXPECT_EQ(ca.verdict, Verdict::kExcluded);
}

TEST(AnalysisTest, EveryConstraintKindIsChecked) {
  Candidate c = Make("m", 9000, 4.0);
  c.size_bytes = 12'000'000;
  c.peak_memory_bytes = 300'000'000;
  Constraints k;
  k.max_p99_ms = 5.0;         // p99 is 6
  k.min_items_per_s = 300.0;  // 250
  k.max_peak_memory_bytes = 200'000'000;
  k.max_size_bytes = 10'000'000;
  const Analysis a = Analyze({c}, k, Objective::kMinSize);
  EXPECT_THAT(a.candidates[0].reasons,
              ElementsAre("fails p99 <= 5 ms by 1 ms", "fails throughput >= 300 items/s by 50 items/s",
                          "fails peak memory <= 200 MB by 100.0 MB", "fails size <= 10 MB by 2.00 MB"));
  EXPECT_NEAR(a.candidates[0].total_relative_miss, 0.2 + 1.0 / 6.0 + 0.5 + 0.2, 1e-12);
  EXPECT_EQ(DescribeConstraints(k), "p99 <= 5 ms, throughput >= 300 items/s, peak memory <= 200 MB, size <= 10 MB");
  EXPECT_EQ(DescribeConstraints({}), "none");
}

TEST(AnalysisTest, ModelMemoryIsConstrainedAndUnknownFails) {
  Candidate light = Make("light", 9000, 4.0);
  light.model_memory_bytes = 5'000'000;
  Candidate heavy = Make("heavy", 9000, 2.0);
  heavy.model_memory_bytes = 60'000'000;
  Candidate unknown = Make("unknown", 9000, 1.0);  // stored before the figure existed
  Constraints k;
  k.max_model_memory_bytes = 50'000'000;
  const Analysis a = Analyze({light, heavy, unknown}, k, Objective::kMaxThroughput);
  ASSERT_EQ(a.candidates.size(), 3U);
  EXPECT_EQ(a.candidates[0].verdict, Verdict::kRecommended);
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("model memory 5.0 MB <= 50 MB"));
  EXPECT_THAT(a.candidates[1].reasons, ElementsAre("fails model memory <= 50 MB by 10.0 MB"));
  EXPECT_THAT(Joined(a.candidates[2].reasons), HasSubstr("not measured"));
  EXPECT_EQ(DescribeConstraints(k), "model memory <= 50 MB");
}

TEST(AnalysisTest, FailedCandidatesAreReportedAndLeftOut) {
  std::vector<Candidate> c = ResNets();
  Candidate broken;
  broken.name = broken.model = "broken";
  broken.setting = c[0].setting;
  broken.failure = "the measuring process crashed (signal 11, Segmentation fault)";
  c.push_back(broken);
  const Analysis a = Analyze(c, {}, Objective::kMinSize);
  EXPECT_EQ(a.candidates[4].verdict, Verdict::kFailed);
  EXPECT_THAT(a.candidates[4].reasons, ElementsAre(broken.failure));
  EXPECT_FALSE(a.candidates[4].on_latency_frontier);
  ASSERT_TRUE(a.recommended.has_value());
  // Equal sizes: the tie goes to the most accurate.
  EXPECT_EQ(c[*a.recommended].name, "resnet56");
}

TEST(AnalysisTest, MemoryAndSizeFrontiers) {
  std::vector<Candidate> c = {Make("small", 8000, 1.0), Make("big", 9000, 2.0), Make("bloated", 8500, 3.0)};
  c[0].peak_memory_bytes = 10;
  c[1].peak_memory_bytes = 20;
  c[2].peak_memory_bytes = 30;  // less accurate than big and more memory
  c[0].size_bytes = 300;
  c[1].size_bytes = 200;  // the most accurate is also the smallest
  c[2].size_bytes = 100;
  const Analysis a = Analyze(c, {}, Objective::kMinMemory);
  EXPECT_TRUE(a.candidates[0].on_memory_frontier);
  EXPECT_TRUE(a.candidates[1].on_memory_frontier);
  EXPECT_FALSE(a.candidates[2].on_memory_frontier);
  EXPECT_FALSE(a.candidates[0].on_size_frontier);
  EXPECT_TRUE(a.candidates[1].on_size_frontier);
  EXPECT_TRUE(a.candidates[2].on_size_frontier);
  EXPECT_EQ(*a.recommended, 0U);
  EXPECT_THAT(a.candidates[2].reasons,
              ElementsAre(HasSubstr("dominated by big: 5.00 points more accurate, 1.50x less memory")));
}

TEST(AnalysisTest, FitsRecoverExactRelations) {
  // p50 = 0.5 + 2e-8 * MACs; top-1 = 0.9 - 0.1 / p50.
  std::vector<Candidate> c;
  const std::vector<std::int64_t> macs = {25'000'000, 50'000'000, 100'000'000, 200'000'000};
  for (std::size_t i = 0; i < macs.size(); ++i) {
    Candidate m = Make("m" + std::to_string(i), 8000, 0.5 + 2e-8 * static_cast<double>(macs[i]));
    m.macs = macs[i];
    m.top1 = 0.9 - 0.1 / m.p50_ms;
    c.push_back(m);
  }
  Candidate other = c[0];
  other.name = "other setting";
  other.setting = "offline b8 t1";  // alone in its setting: too few points for a fit
  c.push_back(other);
  const Analysis a = Analyze(c, {}, Objective::kMinP50);
  ASSERT_EQ(a.fits.size(), 1U);
  const SettingFits& f = a.fits[0];
  EXPECT_EQ(f.setting, "single-stream b1 t1");
  ASSERT_TRUE(f.latency_vs_macs.valid);
  EXPECT_NEAR(f.latency_vs_macs.intercept, 0.5, 1e-9);
  EXPECT_NEAR(f.latency_vs_macs.slope, 2e-8, 1e-18);
  EXPECT_NEAR(f.latency_vs_macs.r_squared, 1.0, 1e-12);
  EXPECT_EQ(f.latency_vs_macs.count, 4U);
  ASSERT_TRUE(f.accuracy_vs_latency.valid);
  EXPECT_NEAR(f.accuracy_vs_latency.a, 0.9, 1e-12);
  EXPECT_NEAR(f.accuracy_vs_latency.b, -0.1, 1e-12);
  EXPECT_NEAR(f.accuracy_vs_latency.r_squared, 1.0, 1e-12);
}

TEST(AnalysisTest, PairedPValueMatchesOnSharedIndicesOnly) {
  Candidate a = Make("a", 0, 1.0);
  Candidate b = Make("b", 0, 1.0);
  a.sample_indices = {1, 2, 3, 4, 5, 6};
  a.correct = {true, true, true, true, true, true};
  b.sample_indices = {6, 5, 4, 3, 2, 99};
  b.correct = {false, false, false, false, false, true};
  // Shared: 2..6, a right and b wrong on all 5 -> p = 2 / 32.
  ASSERT_TRUE(PairedPValue(a, b).has_value());
  EXPECT_DOUBLE_EQ(*PairedPValue(a, b), 0.0625);
  b.sample_indices = {10, 11, 12, 13, 14, 15};
  EXPECT_FALSE(PairedPValue(a, b).has_value());
}

TEST(AnalysisTest, AVariantsReasonsStartWithItsLineage) {
  std::vector<Candidate> c = {Make("large", 8320, 2.5), Make("large/int8-static:entropy", 8280, 1.0)};
  c[1].parent = "large";
  c[1].transform = "int8-static:entropy";
  const Analysis a = Analyze(c, {}, Objective::kMaxThroughput);
  ASSERT_EQ(a.recommended, std::optional<std::size_t>(1));
  const std::string lineage = "int8-static:entropy of large: 2.50x faster, -0.40 points, significant (McNemar p = ";
  EXPECT_THAT(a.recommendation_reasons.back(), ::testing::StartsWith(lineage));
  EXPECT_THAT(a.candidates[1].reasons.front(), ::testing::StartsWith(lineage));
  EXPECT_THAT(Joined(a.candidates[0].reasons), Not(HasSubstr(" of large:")));
  // A slower variant says so, in the objective's terms.
  c[1].p50_ms = 5.0;
  c[1].items_per_s = 200.0;
  const Analysis slower = Analyze(c, {}, Objective::kMaxThroughput);
  EXPECT_THAT(slower.candidates[1].reasons.front(), HasSubstr("of large: 2.00x slower, -0.40 points"));
}

TEST(AnalysisTest, ObjectiveAndVerdictNames) {
  for (Objective o : {Objective::kMaxThroughput, Objective::kMinP50, Objective::kMinP99, Objective::kMaxAccuracy,
                      Objective::kMinMemory, Objective::kMinSize}) {
    auto parsed = ParseObjective(ObjectiveName(o));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, o);
  }
  auto bad = ParseObjective("fastest");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown objective 'fastest' (known: max-throughput"));
  EXPECT_EQ(VerdictName(Verdict::kDominated), "dominated");
}

// ---------------------------------------------------------------- significance

// `runs` timed runs spread evenly over p50 +- 10 %, scrambled, and the figures from them.
void Time(Candidate* c, double p50_ms, int runs = 400) {
  c->latency_ms.clear();
  for (int i = 0; i < runs; ++i) {
    c->latency_ms.push_back(p50_ms * (1.0 + 0.1 * ((i * 97 % runs) - runs / 2) / (runs / 2.0)));
  }
  std::vector<double> sorted = c->latency_ms;
  std::sort(sorted.begin(), sorted.end());
  c->p50_ms = stats::Percentile(sorted, 0.5);
  c->p99_ms = stats::Percentile(sorted, 0.99);
  c->items_per_s = 1000.0 * runs / std::accumulate(sorted.begin(), sorted.end(), 0.0);
  FillLatencyIntervals(c);
}

TEST(SignificanceTest, TwoIdenticalCandidatesHaveNoMeasurableSpeedDifference) {
  // The same model measured twice: the same accuracy and the same timed runs.
  std::vector<Candidate> c = {Make("first", 9000, 1.0), Make("second", 9000, 1.0)};
  Time(&c[0], 1.0);
  Time(&c[1], 1.0);
  for (SpeedFigure figure : {SpeedFigure::kItemsPerS, SpeedFigure::kP50, SpeedFigure::kP99}) {
    const SpeedRatio r = SpeedupOf(c[0], c[1], figure);
    EXPECT_DOUBLE_EQ(r.ratio, 1.0);
    ASSERT_TRUE(r.ci.valid);
    EXPECT_LT(r.ci.lower, 1.0);
    EXPECT_GT(r.ci.upper, 1.0);
    EXPECT_FALSE(r.Measurable());
    EXPECT_THAT(DescribeSpeedup(r), StartsWith("no measurable speed difference (1.000x ["));
  }
  for (Objective objective : {Objective::kMaxThroughput, Objective::kMinP50, Objective::kMinP99}) {
    const Analysis a = Analyze(c, {}, objective);
    ASSERT_EQ(a.recommended, std::optional<std::size_t>(0));
    EXPECT_THAT(Joined(a.candidates[1].reasons), HasSubstr("tied with first: as accurate, no measurable speed "
                                                           "difference (1.000x ["));
    EXPECT_THAT(Joined(a.recommendation_reasons),
                HasSubstr("its speed edge over the runner-up second is not measurable (1.000x ["));
  }
  // One run slower in the second measurement: dominated on the point
  // estimates, but still no measurable difference.
  c[1].latency_ms[3] += 0.5;
  c[1].items_per_s = 1000.0 * 400 / std::accumulate(c[1].latency_ms.begin(), c[1].latency_ms.end(), 0.0);
  const Analysis a = Analyze(c, {}, Objective::kMaxThroughput);
  EXPECT_EQ(a.candidates[1].verdict, Verdict::kDominated);
  EXPECT_THAT(Joined(a.candidates[1].reasons),
              HasSubstr("dominated by first: as accurate, no measurable speed difference (1.001x ["));
}

TEST(SignificanceTest, AClearlyFasterCandidateHasAnIntervalAboveOne) {
  std::vector<Candidate> c = {Make("fast", 9000, 1.0), Make("slow", 9000, 2.1)};
  Time(&c[0], 1.0);
  Time(&c[1], 2.1);
  const SpeedRatio r = SpeedupOf(c[0], c[1], SpeedFigure::kP50);
  EXPECT_NEAR(r.ratio, 2.1, 1e-9);
  EXPECT_TRUE(r.Measurable());
  EXPECT_LT(r.ci.lower, 2.1);
  EXPECT_GT(r.ci.upper, 2.1);
  EXPECT_GT(r.ci.lower, 1.9);
  const Analysis a = Analyze(c, {}, Objective::kMinP50);
  EXPECT_THAT(a.candidates[1].reasons, ElementsAre(StartsWith("dominated by fast: as accurate, 2.10x faster [")));
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("2.10x faster ["));
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("] than the runner-up slow"));
  // The other way round, and without an interval.
  EXPECT_THAT(DescribeSpeedup(SpeedupOf(c[1], c[0], SpeedFigure::kP50)), StartsWith("2.10x slower ["));
  c[1].latency_ms.clear();
  EXPECT_EQ(DescribeSpeedup(SpeedupOf(c[0], c[1], SpeedFigure::kP50)), "2.10x faster");
}

TEST(SignificanceTest, ThroughputRatioCarriesTheBatchSizes) {
  // Offline batches: 8 items per 4 ms vs 1 item per 1 ms.
  std::vector<Candidate> c = {Make("b8", 9000, 4.0), Make("b1", 9000, 1.0)};
  Time(&c[0], 4.0);
  Time(&c[1], 1.0);
  c[0].items_per_s *= 8;
  FillLatencyIntervals(&c[0]);
  const SpeedRatio r = SpeedupOf(c[0], c[1], SpeedFigure::kItemsPerS);
  EXPECT_NEAR(r.ratio, 2.0, 1e-9);
  EXPECT_TRUE(r.Measurable());
  EXPECT_LT(r.ci.lower, 2.0);
  EXPECT_GT(r.ci.upper, 2.0);
  ASSERT_TRUE(c[0].items_per_s_ci.valid);
  EXPECT_LT(c[0].items_per_s_ci.lower, c[0].items_per_s);
  EXPECT_GT(c[0].items_per_s_ci.upper, c[0].items_per_s);
}

// A candidate with a top-1 interval of [lower, upper] on `n` samples.
Candidate WithTop1(std::string name, double top1, double lower, double upper, std::int64_t n, double p50_ms) {
  Candidate c = Make(std::move(name), 9000, p50_ms);
  c.top1 = top1;
  c.top1_ci = {lower, upper, true};
  c.eval_count = n;
  return c;
}

TEST(SignificanceTest, ConstraintsAreMetMissedOrUndecided) {
  Constraints k;
  k.min_top1 = 0.82;
  // The example: 81.00 % [77.30, 84.20] on 1000 samples straddles 82 %.
  const std::vector<Candidate> c = {WithTop1("straddles", 0.81, 0.773, 0.842, 1000, 1.0),
                                    WithTop1("above", 0.85, 0.83, 0.87, 1000, 2.0),
                                    WithTop1("below", 0.78, 0.76, 0.80, 1000, 0.5)};
  const Analysis a = Analyze(c, k, Objective::kMaxThroughput);
  ASSERT_EQ(a.candidates[0].checks.size(), 1U);
  const ConstraintCheck& open = a.candidates[0].checks[0];
  EXPECT_EQ(open.constraint, "top-1 >= 82 %");
  EXPECT_EQ(open.status, ConstraintStatus::kUndecided);
  EXPECT_EQ(open.samples, 1000);
  // The bound is above the estimate: the upper half-width 3.2 points must
  // shrink below the 1.0-point gap: n = 1000 * (3.2 / 1.0)^2 = 10240.
  EXPECT_EQ(open.samples_needed, 10240);
  EXPECT_EQ(a.candidates[0].verdict, Verdict::kUndecided);
  EXPECT_THAT(a.candidates[0].reasons,
              ElementsAre("undecided on top-1 >= 82 %: 81.00 % [77.30, 84.20] holds the bound (the estimate fails "
                          "it by 1.00 points); about 10240 evaluation samples would decide it (1000 now, if the "
                          "interval narrows as 1/sqrt(n))"));
  EXPECT_EQ(a.candidates[1].checks[0].status, ConstraintStatus::kMet);
  EXPECT_EQ(a.candidates[1].verdict, Verdict::kRecommended);
  EXPECT_FALSE(a.rests_on_undecided);
  EXPECT_EQ(a.candidates[2].checks[0].status, ConstraintStatus::kMissed);
  EXPECT_THAT(a.candidates[2].reasons, ElementsAre("fails top-1 >= 82 % by 4.00 points"));
  // The undecided one is faster: the recommendation names it.
  EXPECT_THAT(Joined(a.recommendation_reasons),
              HasSubstr("straddles could beat it (2.00x faster), but top-1 >= 82 % is undecided for it"));
  EXPECT_THAT(Joined(a.recommendation_reasons), Not(HasSubstr("below could beat it")));
  EXPECT_EQ(ConstraintStatusName(ConstraintStatus::kUndecided), "undecided");
  EXPECT_EQ(VerdictName(Verdict::kUndecided), "undecided");
}

TEST(SignificanceTest, ARecommendationThatRestsOnAnUndecidedVerdictSaysSo) {
  Constraints k;
  k.min_top1 = 0.82;
  // Estimate 83 %, above the bound, but the interval [81.5, 84.5] holds it: the
  // lower half-width 1.5 points against a 1.0-point gap: 1000 * 2.25 = 2250.
  const std::vector<Candidate> c = {WithTop1("likely", 0.83, 0.815, 0.845, 1000, 1.0),
                                    WithTop1("unlikely", 0.81, 0.795, 0.825, 1000, 0.5)};
  const Analysis a = Analyze(c, k, Objective::kMaxThroughput);
  ASSERT_EQ(a.recommended, std::optional<std::size_t>(0));  // the one whose estimate meets the bound
  EXPECT_TRUE(a.rests_on_undecided);
  EXPECT_EQ(a.candidates[0].checks[0].samples_needed, 2250);
  EXPECT_THAT(Joined(a.recommendation_reasons),
              HasSubstr("this recommendation rests on top-1 >= 82 % being undecided, not missed"));
  EXPECT_THAT(Joined(a.recommendation_reasons), HasSubstr("unlikely could beat it"));
  EXPECT_EQ(a.candidates[1].verdict, Verdict::kUndecided);
  EXPECT_FALSE(a.closest.has_value());
  // An estimate exactly on the bound: no sample count decides it.
  const Analysis on = Analyze({WithTop1("on", 0.82, 0.80, 0.84, 1000, 1.0)}, k, Objective::kMaxThroughput);
  EXPECT_EQ(on.candidates[0].checks[0].samples_needed, 0);
  EXPECT_THAT(Joined(on.candidates[0].reasons), HasSubstr("no sample count decides it"));
}

TEST(SignificanceTest, LatencyConstraintsUseTheirIntervals) {
  Candidate c = Make("m", 9000, 1.0);
  Time(&c, 2.0);  // p50 2 ms, runs over [1.8, 2.2] ms
  ASSERT_TRUE(c.p50_ci.valid);
  Constraints k;
  k.max_p50_ms = c.p50_ci.upper - 1e-6;  // inside the interval, above the estimate
  k.max_p99_ms = 1.5;                    // below every run
  k.min_items_per_s = c.items_per_s / 2;
  const Analysis a = Analyze({c}, k, Objective::kMinP50);
  ASSERT_EQ(a.candidates[0].checks.size(), 3U);
  EXPECT_EQ(a.candidates[0].checks[0].status, ConstraintStatus::kUndecided);
  EXPECT_EQ(a.candidates[0].checks[0].samples, 400);
  EXPECT_GT(a.candidates[0].checks[0].samples_needed, 400);
  EXPECT_EQ(a.candidates[0].checks[1].status, ConstraintStatus::kMissed);
  EXPECT_EQ(a.candidates[0].checks[2].status, ConstraintStatus::kMet);
  EXPECT_THAT(Joined(a.candidates[0].reasons), HasSubstr("timed runs would decide it (400 now"));
  EXPECT_EQ(a.candidates[0].verdict, Verdict::kExcluded);
}

TEST(SignificanceTest, MaxAccuracyDoesNotTradeAccuracyForASpeedEdgeWithinNoise) {
  // a is 0.11 points less accurate than b (not significant) and faster only by noise.
  std::vector<Candidate> c = {Make("a", 8256, 1.0), Make("b", 8206, 1.0, 8256, 61)};
  Time(&c[0], 0.998);
  Time(&c[1], 1.0);
  const Analysis a = Analyze(c, {}, Objective::kMaxAccuracy);
  EXPECT_EQ(c[*a.recommended].name, "b");
}

}  // namespace
}  // namespace sweetspot
