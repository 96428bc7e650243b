#include "variants/histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

namespace sweetspot::variants {
namespace {

// ONNX Runtime's smooth_distribution: the mass given to empty bins so that
// log(p / q) stays finite.
constexpr double kSmoothingEps = 1e-4;

TensorRange IncludingZero(TensorRange range) { return {std::min(range.min, 0.0F), std::max(range.max, 0.0F)}; }

// [-threshold, threshold] clipped to the values actually seen.
TensorRange SymmetricRange(const ValueHistogram& histogram, double threshold) {
  const auto t = static_cast<float>(threshold);
  return IncludingZero({std::max(-t, histogram.min()), std::min(t, histogram.max())});
}

// Spreads eps over the empty bins and takes it back from the others; false
// when no bin has mass or a bin would turn non-positive.
bool Smooth(std::vector<double>* bins) {
  const auto zeros = static_cast<std::size_t>(std::count(bins->begin(), bins->end(), 0.0));
  const std::size_t nonzeros = bins->size() - zeros;
  if (nonzeros == 0) return false;
  const double eps1 = kSmoothingEps * static_cast<double>(zeros) / static_cast<double>(nonzeros);
  for (double& v : *bins) {
    v = v == 0.0 ? kSmoothingEps : v - eps1;
    if (v <= 0.0) return false;
  }
  return true;
}

// D(p || q) after smoothing both and normalising each to 1 (scipy.stats.entropy).
double SmoothedKl(std::vector<double> p, std::vector<double> q) {
  if (!Smooth(&p) || !Smooth(&q)) return std::numeric_limits<double>::infinity();
  const double p_total = std::accumulate(p.begin(), p.end(), 0.0);
  const double q_total = std::accumulate(q.begin(), q.end(), 0.0);
  double kl = 0.0;
  for (std::size_t j = 0; j < p.size(); ++j) {
    const double pj = p[j] / p_total;
    kl += pj * std::log(pj / (q[j] / q_total));
  }
  return kl;
}

}  // namespace

ValueHistogram::ValueHistogram(std::size_t bins_per_side)
    : first_bins_per_side_(bins_per_side), negative_(bins_per_side), positive_(bins_per_side) {}

void ValueHistogram::Add(std::span<const float> values) {
  const std::uint64_t finite_before = finite_count_;
  TrackRange(values);
  if (first_bins_per_side_ == 0) return;
  MakeRoomFor(std::max(-static_cast<double>(min_), static_cast<double>(max_)));
  if (width_ == 0.0) {  // every finite value so far is zero: bin 0 of the non-negative side
    positive_[0] += finite_count_ - finite_before;
    return;
  }
  const double per_width = 1.0 / width_;
  const std::size_t last = positive_.size() - 1;
  for (const float x : values) {
    if (!std::isfinite(x)) continue;
    auto& side = x < 0.0F ? negative_ : positive_;
    const auto bin = static_cast<std::size_t>(std::fabs(static_cast<double>(x)) * per_width);
    ++side[std::min(bin, last)];
  }
}

void ValueHistogram::TrackRange(std::span<const float> values) {
  for (const float x : values) {
    if (!std::isfinite(x)) continue;
    if (finite_count_ == 0 || x < min_) min_ = x;
    if (finite_count_ == 0 || x > max_) max_ = x;
    ++finite_count_;
  }
}

// Grows both sides by whole bins of the current width (earlier counts keep
// their bins); past kMaxGrowth x the first size, merges bins first.
void ValueHistogram::MakeRoomFor(double magnitude) {
  if (magnitude == 0.0) return;
  if (width_ == 0.0) {
    // The largest value lands mid-way into the last bin, not on its edge.
    width_ = magnitude / (static_cast<double>(first_bins_per_side_) - 0.5);
    return;
  }
  auto needed = static_cast<std::size_t>(magnitude / width_) + 1;
  if (needed <= positive_.size()) return;
  const std::size_t cap = kMaxGrowth * first_bins_per_side_;
  if (needed > cap) {
    MergeAdjacentBins((needed + cap - 1) / cap);
    needed = std::min(static_cast<std::size_t>(magnitude / width_) + 1, cap);
  }
  negative_.resize(std::max(needed, negative_.size()));
  positive_.resize(std::max(needed, positive_.size()));
}

void ValueHistogram::MergeAdjacentBins(std::size_t factor) {
  assert(factor >= 1);
  for (auto* side : {&negative_, &positive_}) {
    std::vector<std::uint64_t> merged((side->size() + factor - 1) / factor);
    for (std::size_t k = 0; k < side->size(); ++k) merged[k / factor] += (*side)[k];
    *side = std::move(merged);
  }
  width_ *= static_cast<double>(factor);
}

std::vector<std::uint64_t> ValueHistogram::AbsoluteCounts() const {
  std::vector<std::uint64_t> counts(positive_.size());
  for (std::size_t k = 0; k < counts.size(); ++k) counts[k] = negative_[k] + positive_[k];
  return counts;
}

std::vector<std::uint64_t> ValueHistogram::SignedCounts() const {
  std::vector<std::uint64_t> counts(negative_.rbegin(), negative_.rend());
  counts.insert(counts.end(), positive_.begin(), positive_.end());
  return counts;
}

ValueHistogram ValueHistogram::Coarsened(std::size_t max_bins_per_side) const {
  assert(max_bins_per_side > 0);
  ValueHistogram copy = *this;
  const std::size_t factor = (positive_.size() + max_bins_per_side - 1) / max_bins_per_side;
  if (factor > 1) copy.MergeAdjacentBins(factor);
  return copy;
}

TensorRange MinMaxRange(const ValueHistogram& histogram) { return IncludingZero({histogram.min(), histogram.max()}); }

TensorRange PercentileRange(const ValueHistogram& histogram, double percentile) {
  assert(percentile > 0.0 && percentile <= 100.0 && histogram.bins_per_side() > 0);
  const auto counts = histogram.AbsoluteCounts();
  const double total = static_cast<double>(std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}));
  const double wanted = percentile / 100.0 * total;
  std::size_t bin = 0;
  auto cumulative = static_cast<double>(counts[0]);
  while (cumulative < wanted && bin + 1 < counts.size()) cumulative += static_cast<double>(counts[++bin]);
  const double threshold = static_cast<double>(bin + 1) * histogram.bin_width();
  return SymmetricRange(histogram, threshold);
}

double ClippedKlDivergence(std::span<const std::uint64_t> signed_counts, std::size_t i, std::size_t quantized_bins) {
  const std::size_t zero = signed_counts.size() / 2;
  assert(quantized_bins >= 2 && quantized_bins / 2 <= i && i <= zero);
  const auto window = signed_counts.subspan(zero - i, 2 * i);
  std::vector<double> p(window.begin(), window.end());
  p.front() += std::accumulate(signed_counts.begin(), signed_counts.begin() + (zero - i), 0.0);
  p.back() += std::accumulate(signed_counts.begin() + (zero + i), signed_counts.end(), 0.0);
  // Each level merges `merged` bins of the window (outliers left out); the
  // last takes the remainder. Expanding back spreads a level's count evenly
  // over the bins where p has mass (TensorRT, MXNet).
  const std::size_t merged = window.size() / quantized_bins;
  std::vector<double> q(window.size(), 0.0);
  for (std::size_t level = 0; level < quantized_bins; ++level) {
    const std::size_t begin = level * merged;
    const std::size_t end = level + 1 == quantized_bins ? window.size() : begin + merged;
    const double count = std::accumulate(window.begin() + begin, window.begin() + end, 0.0);
    const auto nonzero = std::count_if(p.begin() + begin, p.begin() + end, [](double v) { return v != 0.0; });
    if (nonzero == 0) continue;
    for (std::size_t j = begin; j < end; ++j) q[j] = p[j] != 0.0 ? count / static_cast<double>(nonzero) : 0.0;
  }
  return SmoothedKl(std::move(p), std::move(q));
}

TensorRange EntropyRange(const ValueHistogram& histogram, std::size_t quantized_bins, std::size_t max_bins_per_side) {
  assert(quantized_bins >= 2);
  if (histogram.bin_width() == 0.0) return MinMaxRange(histogram);
  const ValueHistogram coarse = histogram.Coarsened(max_bins_per_side);
  const std::size_t n = coarse.bins_per_side();
  if (n < quantized_bins / 2) return MinMaxRange(histogram);
  const auto counts = coarse.SignedCounts();
  std::size_t best_i = n;
  double best_kl = std::numeric_limits<double>::infinity();
  for (std::size_t i = quantized_bins / 2; i <= n; ++i) {
    const double kl = ClippedKlDivergence(counts, i, quantized_bins);
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  return SymmetricRange(histogram, static_cast<double>(best_i) * coarse.bin_width());
}

}  // namespace sweetspot::variants
