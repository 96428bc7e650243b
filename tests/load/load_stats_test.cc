// The load level's statistics on inputs whose answers are known.
#include "sweetspot/load_stats.h"

#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(LoadStatsTest, PercentilesAndIntervalsOfKnownLatencies) {
  std::vector<double> ms(100);
  std::iota(ms.rbegin(), ms.rend(), 1.0);  // 100, 99, ..., 1: order does not matter
  const LatencyStats s = SummarizeLatencies(ms);
  EXPECT_EQ(s.count, 100U);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50.0);
  EXPECT_DOUBLE_EQ(s.p90_ms, 90.0);
  EXPECT_DOUBLE_EQ(s.p95_ms, 95.0);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99.0);
  ASSERT_TRUE(s.p50_ci.valid);
  EXPECT_LT(s.p50_ci.lower, 50.0);
  EXPECT_GT(s.p50_ci.upper, 50.0);
  // The 95 % interval of the median of 100 draws spans ranks 40..61 (binomial).
  EXPECT_GE(s.p50_ci.lower, 39.0);
  EXPECT_LE(s.p50_ci.upper, 62.0);
  EXPECT_FALSE(s.p99_ci.valid) << "100 answers cannot bound the 99th percentile at 95 %";
}

TEST(LoadStatsTest, NoAnswersGiveAnEmptySummary) {
  const LatencyStats s = SummarizeLatencies({});
  EXPECT_EQ(s.count, 0U);
  EXPECT_EQ(s.p50_ms, 0.0);
  EXPECT_FALSE(s.p50_ci.valid);
}

TEST(LoadStatsTest, WindowsCountWholeWindowsOnly) {
  const std::vector<double> done = {0.1, 0.5, 1.2, 1.5, 1.7, 2.9, 3.2, -0.5};
  const std::vector<double> windows = WindowThroughputs(done, 3.5, 1.0);
  ASSERT_EQ(windows.size(), 3U) << "the partial window [3, 3.5) and warm-up answers are left out";
  EXPECT_DOUBLE_EQ(windows[0], 2.0);
  EXPECT_DOUBLE_EQ(windows[1], 3.0);
  EXPECT_DOUBLE_EQ(windows[2], 1.0);
  const std::vector<double> halves = WindowThroughputs(done, 2.0, 0.5);
  ASSERT_EQ(halves.size(), 4U);
  EXPECT_DOUBLE_EQ(halves[0], 2.0);  // 0.1 only: 1 answer in 0.5 s
  EXPECT_DOUBLE_EQ(halves[1], 2.0);  // 0.5
  EXPECT_DOUBLE_EQ(halves[2], 2.0);  // 1.2
  EXPECT_DOUBLE_EQ(halves[3], 4.0);  // 1.5, 1.7
  EXPECT_TRUE(WindowThroughputs(done, 0.9, 1.0).empty());
}

TEST(LoadStatsTest, StabilityRuleOnSyntheticWindows) {
  EXPECT_TRUE(WindowsStable(std::vector<double>{100, 105, 96, 100}, 0.1));
  EXPECT_FALSE(WindowsStable(std::vector<double>{100, 105, 80, 100}, 0.1)) << "105 -> 80 differs by 24 %";
  EXPECT_TRUE(WindowsStable(std::vector<double>{100, 105, 80, 100}, 0.25));
  EXPECT_FALSE(WindowsStable(std::vector<double>{100, 89}, 0.1)) << "11 % of the larger";
  EXPECT_TRUE(WindowsStable(std::vector<double>{100, 90}, 0.1)) << "exactly the tolerance";
  EXPECT_FALSE(WindowsStable(std::vector<double>{100}, 0.5)) << "one window cannot show stability";
  EXPECT_FALSE(WindowsStable(std::vector<double>{}, 0.5));
  // A level that ramps slowly fails although each step is small relative to the tolerance of the first.
  EXPECT_FALSE(WindowsStable(std::vector<double>{100, 120, 150}, 0.15));
}

TEST(LoadStatsTest, PoissonArrivalsHaveTheRequestedMeanAndAreReproducible) {
  const double rate = 1000.0, duration = 20.0;
  const std::vector<double> t = PoissonArrivals(rate, duration, 7);
  ASSERT_GT(t.size(), 1000U);
  for (std::size_t i = 1; i < t.size(); ++i) ASSERT_GT(t[i], t[i - 1]);
  EXPECT_LT(t.back(), duration);
  const double mean_gap = t.back() / static_cast<double>(t.size());
  // 20,000 exponential gaps of mean 1 ms: the sample mean's standard error is
  // 1 ms / sqrt(20000) = 0.007 ms; 5 % is beyond 7 standard errors.
  EXPECT_NEAR(mean_gap, 1.0 / rate, 0.05 / rate);
  // Exponential gaps: the standard deviation equals the mean.
  double sum_sq = 0.0;
  for (std::size_t i = 1; i < t.size(); ++i) sum_sq += (t[i] - t[i - 1] - mean_gap) * (t[i] - t[i - 1] - mean_gap);
  EXPECT_NEAR(std::sqrt(sum_sq / static_cast<double>(t.size() - 2)), 1.0 / rate, 0.1 / rate);
  EXPECT_EQ(PoissonArrivals(rate, duration, 7), t) << "the same seed gives the same schedule";
  EXPECT_NE(PoissonArrivals(rate, duration, 8), t);
}

}  // namespace
}  // namespace sweetspot
