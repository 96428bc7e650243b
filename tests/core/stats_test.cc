#include "sweetspot/stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace sweetspot::stats {
namespace {

using std::chrono::duration;

std::vector<double> Iota(int n) {  // 1, 2, ..., n
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1.0);
  return v;
}

// ---------------------------------------------------------------- Percentile

TEST(PercentileTest, NearestRankOnOneToTen) {
  const std::vector<double> v = Iota(10);
  // ceil(q * 10)-th smallest.
  EXPECT_EQ(Percentile(v, 0.50), 5.0);
  EXPECT_EQ(Percentile(v, 0.90), 9.0);
  EXPECT_EQ(Percentile(v, 0.95), 10.0);  // ceil(9.5) = 10
  EXPECT_EQ(Percentile(v, 0.99), 10.0);
  EXPECT_EQ(Percentile(v, 0.05), 1.0);  // ceil(0.5) = 1
  EXPECT_EQ(Percentile(v, 0.11), 2.0);  // ceil(1.1) = 2
  EXPECT_EQ(Percentile(v, 0.51), 6.0);
}

TEST(PercentileTest, UnevenValues) {
  const std::vector<double> v = {0.5, 1.25, 1.25, 7.0, 100.0};
  EXPECT_EQ(Percentile(v, 0.2), 0.5);   // rank 1
  EXPECT_EQ(Percentile(v, 0.21), 1.25);  // rank 2
  EXPECT_EQ(Percentile(v, 0.5), 1.25);  // rank 3
  EXPECT_EQ(Percentile(v, 0.7), 7.0);   // rank 4 (ceil(3.5))
  EXPECT_EQ(Percentile(v, 0.81), 100.0);
}

TEST(PercentileTest, EdgeCases) {
  const std::vector<double> one = {42.0};
  EXPECT_EQ(Percentile(one, 0.0), 42.0);
  EXPECT_EQ(Percentile(one, 0.5), 42.0);
  EXPECT_EQ(Percentile(one, 1.0), 42.0);
  const std::vector<double> v = Iota(7);
  EXPECT_EQ(Percentile(v, 0.0), 1.0);  // q = 0: the minimum
  EXPECT_EQ(Percentile(v, 1.0), 7.0);
}

TEST(PercentileTest, ProductsThatRoundAboveAnIntegerUseThatInteger) {
  // In binary floating point 0.07 * 100 == 7.000000000000001 and so on; the
  // nearest rank is still 7, not 8.
  const std::vector<double> v = Iota(100);
  ASSERT_GT(0.07 * 100.0, 7.0);  // the premise of this test
  EXPECT_EQ(Percentile(v, 0.07), 7.0);
  EXPECT_EQ(Percentile(v, 0.14), 14.0);
  EXPECT_EQ(Percentile(v, 0.28), 28.0);
  EXPECT_EQ(Percentile(v, 0.56), 56.0);
  EXPECT_EQ(Percentile(v, 0.29), 29.0);  // 28.999999999999996
  EXPECT_EQ(Percentile(v, 0.571), 58.0);
}

// ------------------------------------------------------ QuantileRankInterval

// Independent reference: every Binomial(n, q) pmf from lgammal in long
// double, summed in full (O(n) per call), and the documented rule applied by
// linear scans.
struct Reference {
  RankInterval ranks;
  double coverage = 0.0;  // P(l <= B < u)
};
Reference ReferenceRankInterval(std::size_t n, double q, double confidence) {
  std::vector<long double> cdf(n + 1);
  long double sum = 0.0L;
  const auto nl = static_cast<long double>(n);
  for (std::size_t k = 0; k <= n; ++k) {
    const auto kl = static_cast<long double>(k);
    sum += std::exp(std::lgamma(nl + 1) - std::lgamma(kl + 1) - std::lgamma(nl - kl + 1) +
                    kl * std::log(static_cast<long double>(q)) +
                    (nl - kl) * std::log1p(-static_cast<long double>(q)));
    cdf[k] = sum;
  }
  auto lower_miss = [&](std::size_t l) { return cdf[l - 1]; };         // P(B <= l - 1)
  auto upper_miss = [&](std::size_t u) { return 1.0L - cdf[u - 1]; };  // P(B >= u)
  auto largest_l = [&](long double budget) {
    std::size_t best = 0;
    for (std::size_t l = 1; l <= n; ++l) {
      if (lower_miss(l) <= budget) best = l;
    }
    return best;
  };
  auto smallest_u = [&](long double budget) {
    for (std::size_t u = 1; u <= n; ++u) {
      if (upper_miss(u) <= budget) return u;
    }
    return std::size_t{0};
  };
  const long double alpha = 1.0L - confidence;
  std::size_t l = largest_l(alpha / 2), u = smallest_u(alpha / 2);
  Reference ref;
  if (l == 0 && u == 0) return ref;
  if (u == 0) {
    u = n;
    l = largest_l(alpha - upper_miss(n));
  } else if (l == 0) {
    l = 1;
    u = smallest_u(alpha - lower_miss(1));
  }
  if (l == 0 || u == 0) return ref;
  ref.ranks = {l, u, true};
  ref.coverage = static_cast<double>(cdf[u - 1] - cdf[l - 1]);
  return ref;
}

TEST(QuantileRankIntervalTest, MedianOfTenIsRanksTwoAndNine) {
  // P(B <= 1) = 11/1024 = 0.0107 <= 0.025 < P(B <= 2) = 56/1024, and
  // symmetrically above, so (X_(2), X_(9)) with coverage 1 - 22/1024.
  const RankInterval r = QuantileRankInterval(10, 0.5, 0.95);
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.lower_rank, 2u);
  EXPECT_EQ(r.upper_rank, 9u);
  EXPECT_NEAR(ReferenceRankInterval(10, 0.5, 0.95).coverage, 0.978515625, 1e-12);
}

TEST(QuantileRankIntervalTest, HandComputedSmallCases) {
  struct Case {
    std::size_t n;
    double q;
    std::size_t l, u;
  };
  // From the binomial tables (see ReferenceRankInterval for how).
  const Case cases[] = {
      {6, 0.5, 1, 6},        // each tail 1/64 = 0.0156
      {50, 0.5, 18, 33},     //
      {200, 0.5, 86, 115},   //
      {200, 0.9, 171, 189},  //
      {1000, 0.5, 469, 532},
      {1000, 0.9, 881, 919},
      {1000, 0.99, 983, 997},
      // 0.9^30 = 0.042 > 0.025: the upper side takes rank n and the lower
      // side the remaining 0.008.
      {30, 0.9, 22, 30},
      {300, 0.99, 290, 300},  // 0.99^300 = 0.049
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "n=" << c.n << " q=" << c.q);
    const RankInterval r = QuantileRankInterval(c.n, c.q, 0.95);
    EXPECT_TRUE(r.valid);
    EXPECT_EQ(r.lower_rank, c.l);
    EXPECT_EQ(r.upper_rank, c.u);
  }
}

TEST(QuantileRankIntervalTest, InvalidWhenTooFewSamples) {
  // P(B = 10) = 0.99^10 = 0.904: no upper bound at all for p99 of 10 samples.
  const RankInterval r = QuantileRankInterval(10, 0.99, 0.95);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.lower_rank, 1u);
  EXPECT_EQ(r.upper_rank, 10u);
  EXPECT_FALSE(QuantileRankInterval(5, 0.5, 0.95).valid);  // 2 / 32 = 0.0625 > 0.05
  EXPECT_FALSE(QuantileRankInterval(20, 0.9, 0.95).valid);
  EXPECT_FALSE(QuantileRankInterval(200, 0.99, 0.95).valid);
  EXPECT_FALSE(QuantileRankInterval(1, 0.5, 0.95).valid);
  EXPECT_FALSE(QuantileRankInterval(0, 0.5, 0.95).valid);
  EXPECT_FALSE(QuantileRankInterval(100, 0.0, 0.95).valid);
  EXPECT_FALSE(QuantileRankInterval(100, 1.0, 0.95).valid);
}

TEST(QuantileRankIntervalTest, ExactTieWithTheBudgetIsAccepted) {
  // n = 5, q = 1/2: each extreme tail is exactly 1/32 = (1 - 0.9375) / 2.
  const RankInterval r = QuantileRankInterval(5, 0.5, 0.9375);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.lower_rank, 1u);
  EXPECT_EQ(r.upper_rank, 5u);
}

TEST(QuantileRankIntervalTest, MatchesBruteForceReference) {
  for (double confidence : {0.9, 0.95, 0.99}) {
    for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99}) {
      for (std::size_t n = 1; n <= 400; n += (n < 120 ? 1 : 7)) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " q=" << q << " confidence=" << confidence);
        const Reference ref = ReferenceRankInterval(n, q, confidence);
        const RankInterval r = QuantileRankInterval(n, q, confidence);
        ASSERT_EQ(r.valid, ref.ranks.valid);
        if (!r.valid) continue;
        ASSERT_EQ(r.lower_rank, ref.ranks.lower_rank);
        ASSERT_EQ(r.upper_rank, ref.ranks.upper_rank);
        ASSERT_GE(ref.coverage, confidence);
      }
    }
  }
}

TEST(QuantileRankIntervalTest, MedianIntervalIsSymmetric) {
  for (std::size_t n : {6u, 11u, 100u, 101u, 999u, 12345u, 100000u}) {
    const RankInterval r = QuantileRankInterval(n, 0.5, 0.95);
    ASSERT_TRUE(r.valid) << n;
    EXPECT_EQ(r.lower_rank + r.upper_rank, n + 1) << n;
  }
}

TEST(QuantileRankIntervalTest, LargeNAgreesWithNormalApproximation) {
  // For large n the binomial is close to normal: l - 1 ~ nq - z sigma and
  // u ~ nq + z sigma, within a couple of ranks (continuity and skew).
  for (std::size_t n : {100000u, 1000000u}) {
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
      const double nq = static_cast<double>(n) * q;
      const double sigma = std::sqrt(nq * (1.0 - q));
      const RankInterval r = QuantileRankInterval(n, q, 0.95);
      ASSERT_TRUE(r.valid);
      EXPECT_NEAR(static_cast<double>(r.lower_rank), nq - 1.959964 * sigma, 3.0) << n << " " << q;
      EXPECT_NEAR(static_cast<double>(r.upper_rank), nq + 1.959964 * sigma, 3.0) << n << " " << q;
    }
  }
}

// ---------------------------------------------------------- QuantileInterval

TEST(QuantileIntervalTest, ReadsOrderStatistics) {
  const std::vector<double> v = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  const Interval i = QuantileInterval(v, 0.5, 0.95);
  EXPECT_TRUE(i.valid);
  EXPECT_EQ(i.lower, 20.0);  // ranks (2, 9)
  EXPECT_EQ(i.upper, 90.0);
}

TEST(QuantileIntervalTest, InvalidGivesMinAndMax) {
  const std::vector<double> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const Interval i = QuantileInterval(v, 0.99, 0.95);
  EXPECT_FALSE(i.valid);
  EXPECT_EQ(i.lower, 1.0);
  EXPECT_EQ(i.upper, 10.0);
}

// Draws `trials` sample sets of size n and counts how often the interval for
// each q contains the true quantile.
struct CoverageCase {
  double q;
  double true_quantile;
};
std::vector<double> SimulateCoverage(const std::function<double(std::mt19937_64&)>& draw, std::size_t n,
                                     const std::vector<CoverageCase>& cases, int trials, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int> covered(cases.size(), 0);
  std::vector<double> sample(n);
  for (int t = 0; t < trials; ++t) {
    for (double& x : sample) x = draw(rng);
    std::sort(sample.begin(), sample.end());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Interval ci = QuantileInterval(sample, cases[i].q, 0.95);
      EXPECT_TRUE(ci.valid);
      if (ci.lower <= cases[i].true_quantile && cases[i].true_quantile <= ci.upper) ++covered[i];
    }
  }
  std::vector<double> coverage;
  for (int c : covered) coverage.push_back(static_cast<double>(c) / trials);
  return coverage;
}

constexpr int kTrials = 2000;
// The intervals' true coverage is >= 0.95 by construction; allow three
// standard errors of the simulated proportion below that.
const double kMinCoverage = 0.95 - 3.0 * std::sqrt(0.95 * 0.05 / kTrials);

TEST(QuantileIntervalTest, CoverageBySimulationExponential) {
  // Exponential(1): the q-quantile is -ln(1 - q).
  auto draw = [](std::mt19937_64& rng) { return std::exponential_distribution<double>(1.0)(rng); };
  const std::vector<CoverageCase> with_p99 = {
      {0.5, std::log(2.0)}, {0.9, std::log(10.0)}, {0.99, std::log(100.0)}};
  const std::vector<CoverageCase> without_p99(with_p99.begin(), with_p99.begin() + 2);  // n = 200 cannot bound p99

  const std::vector<double> c200 = SimulateCoverage(draw, 200, without_p99, kTrials, 1);
  const std::vector<double> c1000 = SimulateCoverage(draw, 1000, with_p99, kTrials, 2);
  for (double c : c200) EXPECT_GE(c, kMinCoverage);
  for (double c : c1000) EXPECT_GE(c, kMinCoverage);
  // Exact coverage is 0.960 / 0.967 (n = 200) and 0.954 / 0.955 / 0.976
  // (n = 1000); a bug that widened the intervals would show up here.
  EXPECT_LT(c200[0], 0.99);
  EXPECT_LT(c1000[0], 0.995);
  EXPECT_LT(c1000[1], 0.995);
  EXPECT_LT(c1000[2], 0.995);
}

TEST(QuantileIntervalTest, CoverageBySimulationLognormal) {
  // Lognormal(0, 1): the q-quantile is exp(z_q).
  auto draw = [](std::mt19937_64& rng) { return std::lognormal_distribution<double>(0.0, 1.0)(rng); };
  const std::vector<CoverageCase> with_p99 = {
      {0.5, 1.0}, {0.9, std::exp(1.2815515655446004)}, {0.99, std::exp(2.3263478740408408)}};
  const std::vector<CoverageCase> without_p99(with_p99.begin(), with_p99.begin() + 2);

  const std::vector<double> c200 = SimulateCoverage(draw, 200, without_p99, kTrials, 3);
  const std::vector<double> c1000 = SimulateCoverage(draw, 1000, with_p99, kTrials, 4);
  // n = 300 exercises the one-sided fallback for p99: (290, 300), exact
  // coverage 0.9507.
  const std::vector<double> c300 = SimulateCoverage(draw, 300, {with_p99[2]}, kTrials, 5);
  for (double c : c200) EXPECT_GE(c, kMinCoverage);
  for (double c : c1000) EXPECT_GE(c, kMinCoverage);
  EXPECT_GE(c300[0], kMinCoverage);
  EXPECT_LT(c1000[0], 0.995);
  EXPECT_LT(c1000[1], 0.995);
  EXPECT_LT(c1000[2], 0.995);
}

// ------------------------------------------------------------ RelativeHalfWidth

TEST(RelativeHalfWidthTest, LargerSideOverEstimate) {
  EXPECT_DOUBLE_EQ(RelativeHalfWidth({9.0, 10.5, true}, 10.0), 0.1);
  EXPECT_DOUBLE_EQ(RelativeHalfWidth({9.5, 12.0, true}, 10.0), 0.2);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(RelativeHalfWidth({9.0, 11.0, false}, 10.0), inf);
  EXPECT_EQ(RelativeHalfWidth({-1.0, 1.0, true}, 0.0), inf);
  EXPECT_EQ(RelativeHalfWidth({-2.0, -1.0, true}, -1.5), inf);
}

// ------------------------------------------------------------------ Summarize

TEST(SummarizeTest, HandComputed) {
  const std::vector<double> v = {4, 1, 3, 2, 5};  // unsorted on purpose
  const Summary s = Summarize(v);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 5.0);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));  // (4 + 1 + 0 + 1 + 4) / 4
  EXPECT_EQ(s.p50, 3.0);
  EXPECT_EQ(s.p90, 5.0);
  EXPECT_EQ(s.p95, 5.0);
  EXPECT_EQ(s.p99, 5.0);
  EXPECT_FALSE(s.p50_ci.valid);  // 5 samples cannot bound a median at 95%
  EXPECT_EQ(s.p50_ci.lower, 1.0);
  EXPECT_EQ(s.p50_ci.upper, 5.0);
}

TEST(SummarizeTest, OneThousandSamples) {
  std::vector<double> v = Iota(1000);
  std::shuffle(v.begin(), v.end(), std::mt19937_64(7));
  const Summary s = Summarize(v);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.mean, 500.5);
  EXPECT_NEAR(s.stddev, std::sqrt(1000.0 * 1001.0 / 12.0), 1e-9);  // n(n+1)/12 for 1..n
  EXPECT_EQ(s.p50, 500.0);
  EXPECT_EQ(s.p90, 900.0);
  EXPECT_EQ(s.p95, 950.0);
  EXPECT_EQ(s.p99, 990.0);
  ASSERT_TRUE(s.p50_ci.valid && s.p90_ci.valid && s.p99_ci.valid);
  // Values equal ranks here, so the intervals are the ranks above.
  EXPECT_EQ(s.p50_ci.lower, 469.0);
  EXPECT_EQ(s.p50_ci.upper, 532.0);
  EXPECT_EQ(s.p90_ci.lower, 881.0);
  EXPECT_EQ(s.p90_ci.upper, 919.0);
  EXPECT_EQ(s.p99_ci.lower, 983.0);
  EXPECT_EQ(s.p99_ci.upper, 997.0);
}

TEST(SummarizeTest, SingleSampleAndTinySpread) {
  const Summary one = Summarize(std::vector<double>{2.5});
  EXPECT_EQ(one.count, 1u);
  EXPECT_EQ(one.mean, 2.5);
  EXPECT_EQ(one.stddev, 0.0);
  EXPECT_EQ(one.p99, 2.5);
  // A naive sum-of-squares variance loses everything here.
  const Summary tiny = Summarize(std::vector<double>{1e9 + 1, 1e9 + 2, 1e9 + 3});
  EXPECT_NEAR(tiny.stddev, 1.0, 1e-6);
}

// ------------------------------------------------------------------ ShouldStop

// n samples around 10 with relative spread `spread` (lognormal), seeded.
std::vector<double> Latencies(std::size_t n, double spread, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(10.0), spread);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

StoppingRule Rule() {
  StoppingRule rule;
  rule.min_duration = duration<double>(1.0);
  rule.max_duration = duration<double>(60.0);
  rule.min_count = 100;
  rule.target_relative_half_width = 0.02;
  return rule;
}

TEST(ShouldStopTest, ContinuesUntilMinDurationAndCount) {
  const std::vector<double> tight = Latencies(1000, 0.001, 1);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(0.5), tight), StopDecision::kContinue);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(5.0), std::span(tight).first(99)), StopDecision::kContinue);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(5.0), std::span<const double>()), StopDecision::kContinue);
  // Both met: converged.
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(1.0), std::span(tight).first(100)), StopDecision::kConverged);
}

TEST(ShouldStopTest, ConvergesWithTightData) {
  // 1% spread: the median's 95% interval at n = 1000 is about +-0.08% wide.
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(2.0), Latencies(1000, 0.01, 2)), StopDecision::kConverged);
}

TEST(ShouldStopTest, DoesNotConvergeWithNoisyData) {
  // sigma = 2 in log space: the median's interval at n = 1000 spans about
  // exp(+-2 * 0.078) = +-17%.
  const std::vector<double> noisy = Latencies(1000, 2.0, 3);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(2.0), noisy), StopDecision::kContinue);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(59.9), noisy), StopDecision::kContinue);
  // A looser target accepts the same data.
  StoppingRule loose = Rule();
  loose.target_relative_half_width = 0.5;
  EXPECT_EQ(ShouldStop(loose, duration<double>(2.0), noisy), StopDecision::kConverged);
}

TEST(ShouldStopTest, ConvergenceNeedsAValidInterval) {
  StoppingRule rule = Rule();
  rule.min_count = 1;
  rule.target_relative_half_width = 10.0;
  // 5 identical samples: half-width would be 0, but 5 samples cannot bound a
  // median at 95%.
  EXPECT_EQ(ShouldStop(rule, duration<double>(2.0), std::vector<double>(5, 3.0)), StopDecision::kContinue);
  EXPECT_EQ(ShouldStop(rule, duration<double>(2.0), std::vector<double>(6, 3.0)), StopDecision::kConverged);
}

TEST(ShouldStopTest, StopsAtMaxDuration) {
  const std::vector<double> noisy = Latencies(1000, 2.0, 4);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(60.0), noisy), StopDecision::kMaxDuration);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(120.0), noisy), StopDecision::kMaxDuration);
  // Even with too few samples to judge.
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(60.0), std::vector<double>(3, 1.0)), StopDecision::kMaxDuration);
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(60.0), std::span<const double>()), StopDecision::kMaxDuration);
  // Converged data at the deadline reports convergence, the stronger result.
  EXPECT_EQ(ShouldStop(Rule(), duration<double>(60.0), Latencies(1000, 0.01, 5)), StopDecision::kConverged);
}

TEST(ShouldStopTest, AgreesWithSummarize) {
  // ShouldStop selects order statistics without sorting; it must decide as
  // the sorted computation would, including right at the threshold.
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const std::vector<double> v = Latencies(100 + 37 * seed, 0.1, 100 + seed);
    const Summary s = Summarize(v);
    const double width = RelativeHalfWidth(s.p50_ci, s.p50);
    StoppingRule rule = Rule();
    rule.target_relative_half_width = width;
    EXPECT_EQ(ShouldStop(rule, duration<double>(2.0), v), StopDecision::kConverged) << seed;
    rule.target_relative_half_width = std::nextafter(width, 0.0);
    EXPECT_EQ(ShouldStop(rule, duration<double>(2.0), v), StopDecision::kContinue) << seed;
  }
}

// -------------------------------------------------------------- WarmupDetector

TEST(WarmupDetectorTest, StableRightAfterTheDecay) {
  // 100, 96, ..., 24 (20 samples), then flat at 10. With window 5 the first
  // count whose two windows have equal medians is 28: the last five are all
  // 10 and the five before are 28, 24, 10, 10, 10 (median 10). At 27 they are
  // 32, 28, 24, 10, 10 (median 24).
  WarmupDetector detector(5, 0.05, 1000);
  std::vector<double> sequence;
  for (int i = 0; i < 20; ++i) sequence.push_back(100.0 - 4.0 * i);
  for (int i = 0; i < 30; ++i) sequence.push_back(10.0);
  std::size_t ended_at = 0;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const bool over = detector.Add(sequence[i]);
    if (over && ended_at == 0) ended_at = i + 1;
    if (ended_at != 0) {
      EXPECT_TRUE(over) << "must stay over";
    }
  }
  EXPECT_EQ(ended_at, 28u);
  EXPECT_TRUE(detector.stable());
  EXPECT_FALSE(detector.hit_limit());
  EXPECT_EQ(detector.count(), 28u);  // later samples are not warm-up
}

TEST(WarmupDetectorTest, ExponentialDecayWithJitter) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> jitter(-0.1, 0.1);
  WarmupDetector detector;  // window 10, tolerance 5%
  int i = 0;
  while (!detector.Add(10.0 + 200.0 * std::exp(-i / 4.0) + jitter(rng))) ++i;
  EXPECT_TRUE(detector.stable());
  // At count c the previous window's median sits near sample c - 15.5, so the
  // medians differ by about 200 (1 - e^-2.5) e^(-(c - 15.5) / 4); that falls
  // under 5% of 10 at c = 39.
  EXPECT_GE(detector.count(), 36u);
  EXPECT_LE(detector.count(), 42u);
}

TEST(WarmupDetectorTest, NeedsTwoWindows) {
  WarmupDetector detector(10, 0.05, 1000);
  for (int i = 0; i < 19; ++i) EXPECT_FALSE(detector.Add(5.0)) << i;
  EXPECT_TRUE(detector.Add(5.0));
  EXPECT_TRUE(detector.stable());
  EXPECT_EQ(detector.count(), 20u);
}

TEST(WarmupDetectorTest, ToleranceIsRelative) {
  // Windows of medians 100 and 104 (4%) pass at 5%; 100 then 106 do not.
  WarmupDetector pass(3, 0.05, 100);
  for (double x : {100.0, 100.0, 100.0, 104.0, 104.0}) EXPECT_FALSE(pass.Add(x));
  EXPECT_TRUE(pass.Add(104.0));
  WarmupDetector fail(3, 0.05, 100);
  for (double x : {100.0, 100.0, 100.0, 106.0, 106.0, 106.0}) EXPECT_FALSE(fail.Add(x));
}

TEST(WarmupDetectorTest, MediansIgnoreASpike) {
  // A single slow sample (a GC pause, a context switch) in either window
  // moves neither median.
  WarmupDetector detector(5, 0.05, 100);
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(detector.Add(i == 2 ? 80.0 : 10.0));
  EXPECT_TRUE(detector.Add(50.0));
  EXPECT_TRUE(detector.stable());
}

TEST(WarmupDetectorTest, AlternatingNeverStabilizes) {
  // With an odd window consecutive windows have opposite majorities, so their
  // medians are 1 and 100 forever.
  WarmupDetector detector(5, 0.05, 200);
  int calls = 0;
  while (!detector.Add(calls % 2 == 0 ? 1.0 : 100.0)) ++calls;
  EXPECT_EQ(calls + 1, 200);
  EXPECT_FALSE(detector.stable());
  EXPECT_TRUE(detector.hit_limit());
  EXPECT_EQ(detector.count(), 200u);
  EXPECT_TRUE(detector.Add(1.0));
  EXPECT_FALSE(detector.stable());
}

// -------------------------------------------------------------- WilsonInterval

TEST(WilsonIntervalTest, KnownValues) {
  // (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), z = 1.959963984540054;
  // values from that formula in Python.
  Interval i = WilsonInterval(81, 100);
  EXPECT_TRUE(i.valid);
  EXPECT_NEAR(i.lower, 0.7222115462093562, 1e-12);
  EXPECT_NEAR(i.upper, 0.8748524849023126, 1e-12);
  i = WilsonInterval(1, 2);
  EXPECT_NEAR(i.lower, 0.09453120573423074, 1e-12);
  EXPECT_NEAR(i.upper, 0.9054687942657693, 1e-12);
  i = WilsonInterval(0, 10);
  EXPECT_EQ(i.lower, 0.0);
  EXPECT_NEAR(i.upper, 0.2775327998628892, 1e-12);
  i = WilsonInterval(10, 10);
  EXPECT_NEAR(i.lower, 0.7224672001371107, 1e-12);
  EXPECT_LE(i.upper, 1.0);
  EXPECT_NEAR(i.upper, 1.0, 1e-12);
}

TEST(WilsonIntervalTest, HigherConfidenceIsWider) {
  const Interval i95 = WilsonInterval(500, 1000, 0.95);
  const Interval i99 = WilsonInterval(500, 1000, 0.99);
  EXPECT_LT(i99.lower, i95.lower);
  EXPECT_GT(i99.upper, i95.upper);
  EXPECT_NEAR(i95.lower + i95.upper, 1.0, 1e-12);  // symmetric at p = 1/2
}

// ---------------------------------------------------------- McNemarExactPValue

TEST(McNemarTest, KnownValues) {
  // 2 * sum_{i <= min(b, c)} C(b + c, i) / 2^(b + c), exact fractions in Python.
  EXPECT_DOUBLE_EQ(McNemarExactPValue(1, 9), 0.021484375);  // 2 * 11 / 1024
  EXPECT_DOUBLE_EQ(McNemarExactPValue(9, 1), 0.021484375);
  EXPECT_DOUBLE_EQ(McNemarExactPValue(0, 10), 0.001953125);  // 2 / 1024
  EXPECT_DOUBLE_EQ(McNemarExactPValue(2, 8), 0.109375);
  EXPECT_EQ(McNemarExactPValue(0, 0), 1.0);
  EXPECT_EQ(McNemarExactPValue(5, 5), 1.0);
  EXPECT_EQ(McNemarExactPValue(3, 4), 1.0);
  EXPECT_NEAR(McNemarExactPValue(40, 60), 0.05688793364098079, 1e-12);
  EXPECT_NEAR(McNemarExactPValue(1000, 1100), 0.030720707864242296, 1e-11);
}

TEST(McNemarTest, LargeCountsNeitherOverflowNorLoseTheTail) {
  EXPECT_EQ(McNemarExactPValue(500000, 500000), 1.0);
  const double p = McNemarExactPValue(499000, 501000);  // z = 2000 / 1000 = 2
  EXPECT_GT(p, 0.04);
  EXPECT_LT(p, 0.05);
  EXPECT_GE(McNemarExactPValue(0, 5000), 0.0);
  EXPECT_LT(McNemarExactPValue(0, 5000), 1e-300);
}

// -------------------------------------------------------------- NormalQuantile

TEST(NormalQuantileTest, KnownValues) {
  // Reference values: Python's statistics.NormalDist().inv_cdf (AS241).
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_EQ(NormalQuantile(0.5), 0.0);
  EXPECT_NEAR(NormalQuantile(0.995), 2.5758293035489, 1e-13);
  EXPECT_NEAR(NormalQuantile(0.9), 1.2815515655446008, 1e-14);
  EXPECT_NEAR(NormalQuantile(0.05), -1.6448536269514726, 1e-14);
  EXPECT_NEAR(NormalQuantile(0.3), -0.5244005127080407, 1e-14);
  EXPECT_NEAR(NormalQuantile(0.02425), -1.9729610513118845, 1e-14);  // region boundary
  EXPECT_NEAR(NormalQuantile(0.001), -3.090232306167813, 1e-13);
  EXPECT_NEAR(NormalQuantile(1e-10), -6.361340902404056, 1e-12);
}

TEST(NormalQuantileTest, AntisymmetricAndMonotone) {
  double previous = -std::numeric_limits<double>::infinity();
  for (int i = 1; i < 1000; ++i) {
    const double p = i / 1000.0;
    const double x = NormalQuantile(p);
    EXPECT_GT(x, previous) << p;
    previous = x;
    // 1 - p is exact for these p >= 1/2, so the two must agree to rounding.
    if (p >= 0.5) {
      EXPECT_NEAR(NormalQuantile(1.0 - p), -x, 1e-13 * std::max(1.0, x)) << p;
    }
  }
}

// ---------------------------------------------------------------- Pareto

TEST(DominatesTest, NeedsAtLeastAsGoodInBothAndBetterInOne) {
  EXPECT_TRUE(Dominates(0.9, 1.0, 0.8, 2.0));   // better in both
  EXPECT_TRUE(Dominates(0.9, 1.0, 0.9, 2.0));   // as accurate, cheaper
  EXPECT_TRUE(Dominates(0.9, 1.0, 0.8, 1.0));   // more accurate, as cheap
  EXPECT_FALSE(Dominates(0.9, 1.0, 0.9, 1.0));  // identical
  EXPECT_FALSE(Dominates(0.9, 2.0, 0.8, 1.0));  // a trade-off
  EXPECT_FALSE(Dominates(0.8, 2.0, 0.9, 1.0));  // worse in both
}

TEST(ParetoFrontierTest, HandMadeTradeOffs) {
  // (accuracy, latency): a fast/inaccurate, b balanced, c slow/accurate,
  // d dominated by b (less accurate and slower), e identical to b, f dominated by c (as accurate, slower).
  const std::vector<double> accuracy = {0.70, 0.80, 0.90, 0.75, 0.80, 0.90};
  const std::vector<double> latency = {1.0, 2.0, 4.0, 3.0, 2.0, 5.0};
  const std::vector<bool> frontier = ParetoFrontier(accuracy, latency);
  EXPECT_EQ(frontier, (std::vector<bool>{true, true, true, false, true, false}));
}

TEST(ParetoFrontierTest, EmptyAndSingle) {
  EXPECT_TRUE(ParetoFrontier({}, {}).empty());
  const std::vector<double> one = {0.5};
  EXPECT_EQ(ParetoFrontier(one, one), std::vector<bool>{true});
}

TEST(ParetoFrontierTest, StrictlyOrderedChainKeepsOnlyTheBest) {
  // Each point is more accurate and faster than the next.
  const std::vector<double> accuracy = {0.9, 0.8, 0.7, 0.6};
  const std::vector<double> latency = {1.0, 2.0, 3.0, 4.0};
  EXPECT_EQ(ParetoFrontier(accuracy, latency), (std::vector<bool>{true, false, false, false}));
}

// ---------------------------------------------------------------- FitLine

TEST(FitLineTest, ExactLineHasRSquaredOne) {
  const std::vector<double> x = {1, 2, 3, 4};
  const std::vector<double> y = {3, 5, 7, 9};  // 1 + 2x
  const LineFit fit = FitLine(x, y);
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.intercept, 1.0, 1e-12);
  EXPECT_NEAR(fit.slope, 2.0, 1e-12);
  EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);
  EXPECT_EQ(fit.count, 4U);
}

TEST(FitLineTest, NoisyPointsMatchHandComputedValues) {
  // x = 0,1,2,3; y = 1,3,2,5: mean x 1.5, mean y 2.75, sxx 5, sxy 5.5, syy 8.75.
  const std::vector<double> x = {0, 1, 2, 3};
  const std::vector<double> y = {1, 3, 2, 5};
  const LineFit fit = FitLine(x, y);
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.slope, 1.1, 1e-12);
  EXPECT_NEAR(fit.intercept, 2.75 - 1.1 * 1.5, 1e-12);
  // SS_res = syy - sxy^2 / sxx = 8.75 - 6.05 = 2.7.
  EXPECT_NEAR(fit.r_squared, 1.0 - 2.7 / 8.75, 1e-12);
}

TEST(FitLineTest, LargeOffsetsDoNotCancel) {
  // MAC-sized x: 1e9 + small steps.
  const std::vector<double> x = {1e9, 1e9 + 1e3, 1e9 + 2e3};
  const std::vector<double> y = {5.0, 5.5, 6.0};
  const LineFit fit = FitLine(x, y);
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.slope, 5e-4, 1e-12);
  EXPECT_NEAR(fit.r_squared, 1.0, 1e-9);
}

TEST(FitLineTest, DegenerateInputsAreInvalid) {
  EXPECT_FALSE(FitLine(std::vector<double>{1.0}, std::vector<double>{2.0}).valid);
  EXPECT_FALSE(FitLine(std::vector<double>{2.0, 2.0}, std::vector<double>{1.0, 3.0}).valid);
  const LineFit flat = FitLine(std::vector<double>{1.0, 2.0, 3.0}, std::vector<double>{4.0, 4.0, 4.0});
  ASSERT_TRUE(flat.valid);
  EXPECT_EQ(flat.slope, 0.0);
  EXPECT_EQ(flat.r_squared, 1.0);
}

// ---------------------------------------------------------------- bootstrap

// P(Binomial(n, p) >= k), summed in long double.
long double BinomialAtLeast(std::size_t n, double p, std::size_t k) {
  long double sum = 0.0L;
  const auto nl = static_cast<long double>(n);
  for (std::size_t i = k; i <= n; ++i) {
    const auto il = static_cast<long double>(i);
    if (p >= 1.0) return 1.0L;
    sum += std::exp(std::lgamma(nl + 1) - std::lgamma(il + 1) - std::lgamma(nl - il + 1) +
                    il * std::log(static_cast<long double>(p)) + (nl - il) * std::log1p(-static_cast<long double>(p)));
  }
  return sum;
}

// The exact bootstrap distribution of the k-th smallest of a resample of the
// distinct values 1..n: P(Y_(k) <= j) = P(Binomial(n, j / n) >= k). Returns
// the smallest j whose probability reaches `level` (the percentile interval's
// bound with infinitely many replicates).
double ExactBootstrapQuantile(std::size_t n, std::size_t k, double level) {
  for (std::size_t j = 1; j <= n; ++j) {
    if (BinomialAtLeast(n, static_cast<double>(j) / static_cast<double>(n), k) >= level) {
      return static_cast<double>(j);
    }
  }
  return static_cast<double>(n);
}

TEST(BootstrapTest, QuantileReplicatesFollowTheExactBootstrapDistribution) {
  BootstrapOptions options;
  options.replicates = 200000;
  for (const auto& [n, q] : {std::pair<int, double>{41, 0.5}, {100, 0.5}, {100, 0.9}, {25, 0.2}}) {
    const std::vector<double> data = Iota(n);
    const auto k = static_cast<std::size_t>(std::ceil(q * n));
    for (double confidence : {0.5, 0.8, 0.95}) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " q=" << q << " confidence=" << confidence);
      options.confidence = confidence;
      const Interval ci = BootstrapInterval(data, {false, q}, options);
      ASSERT_TRUE(ci.valid);
      const double tail = (1.0 - confidence) / 2.0;
      // Monte Carlo error can move a bound by one rank where the exact CDF is
      // within a few 1e-3 of the level.
      EXPECT_NEAR(ci.lower, ExactBootstrapQuantile(n, k, tail), 1.0);
      EXPECT_NEAR(ci.upper, ExactBootstrapQuantile(n, k, 1.0 - tail), 1.0);
    }
  }
}

TEST(BootstrapTest, MeanMatchesBruteForceResampling) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(0.0, 0.4);
  std::vector<double> data(60);
  for (double& x : data) x = latency(rng);
  // Brute force: resample, average, sort, read the 2.5 % and 97.5 % points.
  std::vector<double> means(100000);
  std::uniform_int_distribution<std::size_t> pick(0, data.size() - 1);
  for (double& m : means) {
    double sum = 0;
    for (std::size_t i = 0; i < data.size(); ++i) sum += data[pick(rng)];
    m = sum / static_cast<double>(data.size());
  }
  std::sort(means.begin(), means.end());
  BootstrapOptions options;
  options.replicates = 100000;
  const Interval ci = BootstrapInterval(data, {true, 0}, options);
  ASSERT_TRUE(ci.valid);
  EXPECT_NEAR(ci.lower, Percentile(means, 0.025), 0.01 * ci.lower);
  EXPECT_NEAR(ci.upper, Percentile(means, 0.975), 0.01 * ci.upper);
}

TEST(BootstrapTest, MeanOfManySamplesUsesTheNormalLimit) {
  std::mt19937_64 rng(8);
  std::lognormal_distribution<double> latency(0.0, 0.4);
  std::vector<double> data(kBootstrapResampledMeanLimit * 3);
  for (double& x : data) x = latency(rng);
  const double n = static_cast<double>(data.size());
  const double mean = std::accumulate(data.begin(), data.end(), 0.0) / n;
  double squares = 0;
  for (double x : data) squares += (x - mean) * (x - mean);
  const double half = 1.959964 * std::sqrt(squares / n / n);
  BootstrapOptions options;
  options.replicates = 100000;
  const Interval ci = BootstrapInterval(data, {true, 0}, options);
  EXPECT_NEAR(ci.lower, mean - half, 0.02 * half);
  EXPECT_NEAR(ci.upper, mean + half, 0.02 * half);
}

TEST(BootstrapTest, DeterministicAndEmptyIsInvalid) {
  const std::vector<double> a = {1.0, 1.2, 0.9, 1.1, 1.05, 0.95, 1.3};
  const std::vector<double> b = {2.0, 2.2, 1.9, 2.1};
  const Interval first = BootstrapRatioInterval(b, a, {false, 0.5});
  const Interval second = BootstrapRatioInterval(b, a, {false, 0.5});
  EXPECT_TRUE(first.valid);
  EXPECT_EQ(first.lower, second.lower);
  EXPECT_EQ(first.upper, second.upper);
  EXPECT_GT(first.lower, 1.0);  // every resample of b is above every resample of a
  EXPECT_FALSE(BootstrapRatioInterval({}, a, {false, 0.5}).valid);
  EXPECT_FALSE(BootstrapInterval({}, {true, 0}).valid);
  const std::vector<double> zero = {0.0, 0.0};
  EXPECT_FALSE(BootstrapRatioInterval(a, zero, {true, 0}).valid);
}

// Coverage by simulation: how often the interval of the ratio of two
// candidates' statistics holds the true ratio of their distributions.
double RatioCoverage(BootstrapStatistic statistic, std::size_t n_slow, std::size_t n_fast, double true_ratio,
                     int trials) {
  std::mt19937_64 rng(11);
  // Latencies: a shifted lognormal, as timings look (a floor plus a right tail).
  std::lognormal_distribution<double> tail(0.0, 0.5);
  int covered = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> slow(n_slow), fast(n_fast);
    for (double& x : fast) x = 1.0 + tail(rng);
    for (double& x : slow) x = true_ratio * (1.0 + tail(rng));
    const Interval ci = BootstrapRatioInterval(slow, fast, statistic);
    if (ci.valid && ci.lower <= true_ratio && true_ratio <= ci.upper) ++covered;
  }
  return static_cast<double>(covered) / trials;
}

TEST(BootstrapTest, MedianRatioCoversTheTrueRatio) {
  // 400 trials: a 95 % coverage has a standard error of 1.1 points.
  EXPECT_NEAR(RatioCoverage({false, 0.5}, 300, 200, 1.25, 400), 0.95, 0.03);
  // Identical distributions: the interval holds 1 (no measurable difference).
  EXPECT_NEAR(RatioCoverage({false, 0.5}, 500, 500, 1.0, 400), 0.95, 0.03);
}

TEST(BootstrapTest, MeanRatioCoversTheTrueRatio) {
  // The means of the shifted lognormals scale with the factor too.
  EXPECT_NEAR(RatioCoverage({true, 0}, 40, 60, 1.3, 400), 0.95, 0.035);
  EXPECT_NEAR(RatioCoverage({true, 0}, 3000, 2500, 1.0, 300), 0.95, 0.035);
}


TEST(BlockBootstrapTest, DefaultBlockLengthIsTheCeilingOfTheCubeRoot) {
  EXPECT_EQ(DefaultBlockLength(0), 1U);
  EXPECT_EQ(DefaultBlockLength(1), 1U);
  EXPECT_EQ(DefaultBlockLength(8), 2U);   // 2^3 = 8 exactly
  EXPECT_EQ(DefaultBlockLength(9), 3U);
  EXPECT_EQ(DefaultBlockLength(27), 3U);  // cbrt(27) in floating point is not needed
  EXPECT_EQ(DefaultBlockLength(203), 6U);  // 5^3 = 125 < 203 <= 216 = 6^3
}

TEST(BlockBootstrapTest, ResamplesAreRunsOfConsecutiveIndicesOfLengthN) {
  MovingBlockResampler resampler(10, 4, 7);
  for (int r = 0; r < 50; ++r) {
    const std::vector<std::size_t>& indices = resampler.Next();
    ASSERT_EQ(indices.size(), 10U);
    // Blocks of 4, 4 and a last one cut to 2: within each, consecutive indices.
    for (std::size_t i = 0; i < indices.size(); ++i) {
      EXPECT_LT(indices[i], 10U);
      if (i % 4 != 0) {
        EXPECT_EQ(indices[i], indices[i - 1] + 1);
      }
    }
    EXPECT_LE(indices[0], 6U);  // a block start s is at most n - block_length
  }
  // A block longer than the series is the series itself.
  MovingBlockResampler whole(3, 10, 7);
  EXPECT_EQ(whole.Next(), (std::vector<std::size_t>{0, 1, 2}));
}

TEST(BlockBootstrapTest, PairedPValueCountsTheSmallerTail) {
  EXPECT_EQ(PairedBootstrapPValue({}), 1.0);
  // 9 replicates, all positive: 2 * (0 + 1) / 10.
  const std::vector<double> positive(9, 1.0);
  EXPECT_DOUBLE_EQ(PairedBootstrapPValue(positive), 0.2);
  // 3 of 9 at most 0: 2 * (3 + 1) / 10.
  const std::vector<double> mixed = {-1, 0, -2, 1, 1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(PairedBootstrapPValue(mixed), 0.8);
  // All zero (identical inputs): both tails hold every replicate, p capped at 1.
  EXPECT_EQ(PairedBootstrapPValue(std::vector<double>(5, 0.0)), 1.0);
}

// Share of AR(1) series x_t = phi x_{t-1} + e_t (mean 0) whose percentile
// block-bootstrap interval of the mean holds 0.
double Ar1MeanCoverage(std::size_t block_length, int trials) {
  constexpr std::size_t kN = 200;
  constexpr double kPhi = 0.5;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  int covered = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<double> x(kN);
    double previous = noise(rng) / std::sqrt(1.0 - kPhi * kPhi);  // stationary start
    for (double& v : x) v = previous = kPhi * previous + noise(rng);
    MovingBlockResampler resampler(kN, block_length, static_cast<std::uint64_t>(trial));
    std::vector<double> means(300);
    for (double& m : means) {
      double sum = 0.0;
      for (std::size_t i : resampler.Next()) sum += x[i];
      m = sum / kN;
    }
    const Interval ci = PercentileBootstrapInterval(std::move(means), 0.95);
    if (ci.lower <= 0.0 && 0.0 <= ci.upper) ++covered;
  }
  return static_cast<double>(covered) / trials;
}

TEST(BlockBootstrapTest, BlocksKeepTheCoverageOfAnAutocorrelatedMean) {
  // AR(1) with phi = 0.5: the variance of the mean is (1 + phi) / (1 - phi) =
  // 3 times the independent one. Independent resampling (blocks of 1) sees
  // 1/3 of it: sd ratio 0.58, coverage about 2 Phi(1.96 * 0.58) - 1 = 0.74.
  // Blocks of ceil(200^(1/3)) = 6 lose about (2 / 6) * sum k phi^k = 2/3 of the
  // marginal variance out of 3 (Kuensch 1989's bias), sd ratio 0.88, coverage
  // about 0.91. 300 trials: standard error about 2 points.
  const double blocks = Ar1MeanCoverage(DefaultBlockLength(200), 300);
  const double independent = Ar1MeanCoverage(1, 300);
  EXPECT_GT(blocks, 0.86);
  EXPECT_LT(blocks, 0.99);
  EXPECT_LT(independent, 0.82);
}

}  // namespace
}  // namespace sweetspot::stats
