// The distribution of one tensor's values over calibration batches, in
// bounded memory, and the three ranges calibration.h derives from it.
//
// Values are binned by magnitude, negatives and non-negatives apart, on one
// bin width w shared by both sides: bin k of a side holds |x| in
// [k w, (k+1) w). Read together, the two sides are the symmetric histogram
// over [-T, T] (T = bins per side x w) that ONNX Runtime's HistogramCollector
// builds for the entropy method; summed, they are its histogram of |x| for the
// symmetric percentile method.
//
// The first non-zero value sets w so that the batch's largest magnitude falls
// mid-way into the last of the first bins (never on an edge). The range
// grows as later batches bring larger values, the way ONNX
// Runtime's merge_histogram does: bins of width w are appended, so earlier
// counts stay exact. To bound memory, a side never holds more than
// kMaxGrowth x its first bin count: past that, adjacent bins merge (w
// doubles) until the largest value fits.
//
// Non-finite values (NaN, +-inf) are ignored by every statistic.
//
// Thread-safety: none; one histogram per tensor, filled by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sweetspot/calibration.h"

namespace sweetspot::variants {

class ValueHistogram {
 public:
  static constexpr std::size_t kMaxGrowth = 4;

  // `bins_per_side` bins on each side of zero at first; 0 tracks only the
  // minimum and maximum (the minmax method needs nothing else).
  explicit ValueHistogram(std::size_t bins_per_side);

  void Add(std::span<const float> values);

  bool empty() const { return finite_count_ == 0; }
  float min() const { return min_; }  // exact over all finite values; 0 when empty
  float max() const { return max_; }
  double bin_width() const { return width_; }  // 0 until a non-zero value arrives
  std::size_t bins_per_side() const { return positive_.size(); }

  // Counts of |x| per bin, both signs pooled: bin k is [k w, (k+1) w).
  std::vector<std::uint64_t> AbsoluteCounts() const;
  // Counts over [-T, T]: bin j is [(j - n) w, (j - n + 1) w) for n =
  // bins_per_side(), so zero is the left edge of bin n.
  std::vector<std::uint64_t> SignedCounts() const;
  // A copy whose sides hold at most `max_bins_per_side` bins (adjacent bins
  // merged by the smallest integer factor that gets there).
  ValueHistogram Coarsened(std::size_t max_bins_per_side) const;

 private:
  void TrackRange(std::span<const float> values);
  void MakeRoomFor(double magnitude);
  void MergeAdjacentBins(std::size_t factor);

  std::size_t first_bins_per_side_ = 0;
  std::vector<std::uint64_t> negative_;  // |x| of x < 0
  std::vector<std::uint64_t> positive_;  // x >= 0
  double width_ = 0.0;
  float min_ = 0.0F;
  float max_ = 0.0F;
  std::uint64_t finite_count_ = 0;
};

// [min, max] of every value seen, widened to include 0.
TensorRange MinMaxRange(const ValueHistogram& histogram);

// Symmetric: T is the upper edge of the first |x| bin at which the
// cumulative share of |x| reaches `percentile` % (so T is at most one bin
// width above the exact quantile); the range is [-T, T] clipped to [min, max]
// and widened to include 0. Requires 0 < percentile <= 100 and a histogram
// with bins.
TensorRange PercentileRange(const ValueHistogram& histogram, double percentile);

// KL divergence D(p || q) between the signed histogram clipped to the
// central 2i bins (outliers folded into the edge bins: p) and that window
// quantized to `quantized_bins` levels and expanded back (q), both smoothed
// as in ONNX Runtime's smooth_distribution (eps 1e-4). +inf when q has no
// mass. Requires quantized_bins / 2 <= i <= counts.size() / 2.
double ClippedKlDivergence(std::span<const std::uint64_t> signed_counts, std::size_t i, std::size_t quantized_bins);

// Entropy calibration (Migacz 2017; ONNX Runtime's get_entropy_threshold on
// a symmetric window): T = i w for the i in [quantized_bins/2, n] that
// minimises ClippedKlDivergence, over the histogram coarsened to
// `max_bins_per_side`; the range is [-T, T] clipped to [min, max] and
// widened to include 0. A histogram with fewer than quantized_bins/2 bins
// per side gives the minmax range.
TensorRange EntropyRange(const ValueHistogram& histogram, std::size_t quantized_bins, std::size_t max_bins_per_side);

}  // namespace sweetspot::variants
