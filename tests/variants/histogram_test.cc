#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace sweetspot::variants {
namespace {

std::vector<float> Uniform(std::size_t count, float low, float high, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> values(count);
  for (auto& v : values) v = dist(rng);
  return values;
}

std::vector<float> Normal(std::size_t count, float stddev, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0F, stddev);
  std::vector<float> values(count);
  for (auto& v : values) v = dist(rng);
  return values;
}

// Counts of |x| per bin of `histogram`'s final width, computed from the raw values.
std::vector<std::uint64_t> BruteForceAbsoluteCounts(const ValueHistogram& histogram, const std::vector<float>& all) {
  std::vector<std::uint64_t> counts(histogram.bins_per_side());
  for (const float x : all) {
    const auto bin = static_cast<std::size_t>(std::fabs(static_cast<double>(x)) / histogram.bin_width());
    ++counts[std::min(bin, counts.size() - 1)];
  }
  return counts;
}

TEST(ValueHistogram, MinMaxIsTheExactRangeOverBatchesIgnoringNaNAndIncludesZero) {
  ValueHistogram histogram(0);
  histogram.Add(std::vector<float>{0.5F, 2.0F, std::numeric_limits<float>::quiet_NaN()});
  histogram.Add(std::vector<float>{3.25F, 0.75F});
  auto range = MinMaxRange(histogram);
  EXPECT_EQ(range.min, 0.0F);  // every value is positive: widened to zero
  EXPECT_EQ(range.max, 3.25F);
  histogram.Add(std::vector<float>{-1.5F, std::numeric_limits<float>::infinity()});
  range = MinMaxRange(histogram);
  EXPECT_EQ(range.min, -1.5F);
  EXPECT_EQ(range.max, 3.25F);
}

TEST(ValueHistogram, CountsMatchBruteForceAfterTheRangeGrows) {
  ValueHistogram histogram(64);
  const auto first = Uniform(5000, -1.0F, 1.0F, 1);
  const auto second = Uniform(5000, -3.0F, 2.5F, 2);
  histogram.Add(first);
  const double first_width = histogram.bin_width();
  histogram.Add(second);
  EXPECT_EQ(histogram.bin_width(), first_width);  // grown by appending bins, not by re-binning
  EXPECT_GT(histogram.bins_per_side(), 64U);
  std::vector<float> all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_EQ(histogram.AbsoluteCounts(), BruteForceAbsoluteCounts(histogram, all));
  EXPECT_EQ(histogram.min(), *std::min_element(all.begin(), all.end()));
  EXPECT_EQ(histogram.max(), *std::max_element(all.begin(), all.end()));
}

TEST(ValueHistogram, AFarOutlierMergesBinsInsteadOfGrowingWithoutBound) {
  ValueHistogram histogram(64);
  auto values = Uniform(4000, -1.0F, 1.0F, 3);
  histogram.Add(values);
  histogram.Add(std::vector<float>{1000.0F});
  values.push_back(1000.0F);
  EXPECT_LE(histogram.bins_per_side(), ValueHistogram::kMaxGrowth * 64);
  EXPECT_EQ(histogram.AbsoluteCounts(), BruteForceAbsoluteCounts(histogram, values));
}

TEST(ValueHistogram, SignedCountsPutNegativesLeftOfZero) {
  ValueHistogram histogram(2);
  // Width 2 / 1.5: bins [-8/3,-4/3) [-4/3,0) [0,4/3) [4/3,8/3).
  histogram.Add(std::vector<float>{-2.0F, -0.5F, 0.0F, 0.25F, 1.5F});
  EXPECT_EQ(histogram.SignedCounts(), (std::vector<std::uint64_t>{1, 1, 2, 1}));
  EXPECT_EQ(histogram.AbsoluteCounts(), (std::vector<std::uint64_t>{3, 2}));
}

TEST(ValueHistogram, ZerosBeforeTheFirstNonZeroValueStayInTheZeroBin) {
  ValueHistogram histogram(4);
  histogram.Add(std::vector<float>{0.0F, 0.0F});
  EXPECT_EQ(histogram.bin_width(), 0.0);
  histogram.Add(std::vector<float>{-4.0F, 3.0F});  // width 4 / 3.5: 3 / width = 2.625
  EXPECT_EQ(histogram.SignedCounts(), (std::vector<std::uint64_t>{1, 0, 0, 0, 2, 0, 1, 0}));
}

TEST(PercentileRange, MatchesTheSortedQuantileOfAbsoluteValuesWithinOneBin) {
  ValueHistogram histogram(2048);
  std::vector<float> all;
  for (unsigned batch = 0; batch < 4; ++batch) {
    const auto values = Normal(25000, 1.0F + 0.5F * static_cast<float>(batch), 10 + batch);
    histogram.Add(values);
    all.insert(all.end(), values.begin(), values.end());
  }
  for (const double percentile : {99.0, 99.9, 99.99}) {
    std::vector<float> magnitudes(all.size());
    std::transform(all.begin(), all.end(), magnitudes.begin(), [](float x) { return std::fabs(x); });
    std::sort(magnitudes.begin(), magnitudes.end());
    const auto rank = static_cast<std::size_t>(std::ceil(percentile / 100.0 * static_cast<double>(all.size())));
    const float quantile = magnitudes[rank - 1];
    const auto range = PercentileRange(histogram, percentile);
    EXPECT_NEAR(range.max, quantile, histogram.bin_width()) << percentile;
    EXPECT_EQ(range.min, -range.max) << "symmetric";
  }
}

TEST(PercentileRange, OneHundredPercentIsTheMinMaxRange) {
  ValueHistogram histogram(128);
  histogram.Add(std::vector<float>{0.0F, 0.3F, 2.75F, 1.0F});
  const auto range = PercentileRange(histogram, 100.0);
  EXPECT_EQ(range.min, 0.0F);
  EXPECT_EQ(range.max, 2.75F);
}

TEST(ClippedKlDivergence, MatchesAHandComputation) {
  const std::vector<std::uint64_t> counts{1, 2, 3, 4};
  // i = 1: window {2, 3}, outliers folded in: p = {3, 7}; q = the window, one bin per level: {2, 3}.
  const double narrow = 0.3 * std::log(0.3 / 0.4) + 0.7 * std::log(0.7 / 0.6);
  EXPECT_NEAR(ClippedKlDivergence(counts, 1, 2), narrow, 1e-12);
  // i = 2: p = {1, 2, 3, 4}; two levels of two bins: q = {1.5, 1.5, 3.5, 3.5}.
  const double wide =
      0.1 * std::log(0.1 / 0.15) + 0.2 * std::log(0.2 / 0.15) + 0.3 * std::log(0.3 / 0.35) + 0.4 * std::log(0.4 / 0.35);
  EXPECT_NEAR(ClippedKlDivergence(counts, 2, 2), wide, 1e-12);
  // As many levels as bins: nothing is lost.
  EXPECT_NEAR(ClippedKlDivergence(counts, 2, 4), 0.0, 1e-12);
}

TEST(EntropyRange, AFewOutliersPullTheThresholdBelowTheMaximum) {
  ValueHistogram histogram(1024);
  auto values = Normal(200000, 1.0F, 20);
  values.insert(values.end(), {40.0F, -38.0F, 45.0F});
  histogram.Add(values);
  const auto range = EntropyRange(histogram, 128, 1024);
  EXPECT_LT(range.max, 45.0F / 2);
  EXPECT_GT(range.max, 2.0F);  // but keeps the bulk of a unit Gaussian
  EXPECT_EQ(range.min, -range.max);
}

TEST(EntropyRange, KeepsNearlyAllOfAUniformDistribution) {
  ValueHistogram histogram(1024);
  histogram.Add(Uniform(200000, -1.0F, 1.0F, 21));
  const auto range = EntropyRange(histogram, 128, 1024);
  EXPECT_GT(range.max, 0.9F);
  EXPECT_LE(range.max, histogram.max());
}

TEST(EntropyRange, ANonNegativeTensorKeepsZeroAsItsMinimum) {
  ValueHistogram histogram(1024);
  auto values = Normal(100000, 1.0F, 22);
  for (auto& v : values) v = std::max(v, 0.0F);  // a ReLU's output
  histogram.Add(values);
  const auto range = EntropyRange(histogram, 128, 1024);
  EXPECT_EQ(range.min, 0.0F);
  EXPECT_GT(range.max, 1.0F);
  EXPECT_LE(range.max, histogram.max());
}

}  // namespace
}  // namespace sweetspot::variants
