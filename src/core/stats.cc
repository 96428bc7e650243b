#include "sweetspot/stats.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

namespace sweetspot::stats {
namespace {

// 1-based nearest rank ceil(q * n), clamped to [1, n]. q * n is computed in
// binary floating point, so 0.07 * 100 comes out as 7.000000000000001 and a
// plain ceil would give 8; products within 1e-12 (relative) of an integer are
// taken as that integer.
std::size_t NearestRank(std::size_t n, double q) {
  assert(n > 0);
  assert(q >= 0.0 && q <= 1.0);
  const double x = q * static_cast<double>(n);
  const double nearest = std::round(x);
  double rank = std::ceil(x);
  if (std::abs(x - nearest) <= 1e-12 * std::max(1.0, x)) rank = nearest;
  return std::clamp<std::size_t>(static_cast<std::size_t>(rank), 1, n);
}

// Binomial(n, q) tail probabilities. Only the pmf within ~11 standard
// deviations of the mode is materialized (relative weight >= 1e-25), so the
// cost is O(sqrt(n q (1 - q))) rather than O(n), and the mass beyond that
// window is bounded by a geometric series and counted as if it were there, so
// the tails below are never underestimated.
//
// The weights are built by the ratio recurrence outward from the mode (weight
// 1, the largest) and normalized by their sum at the end: nothing overflows or
// underflows for any n, and there is no lgamma(n) - lgamma(k) - lgamma(n - k)
// cancellation, whose absolute error grows with log-factorials of size ~n log n.
class BinomialTails {
 public:
  BinomialTails(std::size_t n, double q) : n_(n) {
    assert(q > 0.0 && q < 1.0);
    constexpr double kNegligible = 1e-25;
    const double odds = q / (1.0 - q);  // pmf(k + 1) / pmf(k) = (n - k) / (k + 1) * odds
    const auto nd = static_cast<double>(n);
    const std::size_t mode = std::min(n, static_cast<std::size_t>(std::floor((nd + 1.0) * q)));

    // Below the mode, outward: pmf(k - 1) = pmf(k) * k / ((n - k + 1) * odds).
    std::vector<double> below;  // pmf(mode - 1), pmf(mode - 2), ...
    double w = 1.0;
    std::size_t k = mode;
    while (k > 0 && w >= kNegligible) {
      w *= static_cast<double>(k) / (static_cast<double>(n - k + 1) * odds);
      --k;
      below.push_back(w);
    }
    lo_ = k;
    if (lo_ > 0) {
      // Ratios shrink further from the mode, so the rest is at most a
      // geometric series with the current ratio.
      const double r = static_cast<double>(lo_) / (static_cast<double>(n - lo_ + 1) * odds);
      lower_outside_ = w * r / (1.0 - r);
    }

    std::vector<double> weights(below.rbegin(), below.rend());  // pmf(lo_), ..., pmf(hi)
    weights.push_back(1.0);
    w = 1.0;
    k = mode;
    while (k < n && w >= kNegligible) {
      w *= static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
      ++k;
      weights.push_back(w);
    }
    if (k < n) {
      const double r = static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
      upper_outside_ = w * r / (1.0 - r);
    }

    // Prefix sums P(B <= lo_ + i) and suffix sums P(B >= lo_ + i), each
    // accumulated from its own small end so neither tail suffers cancellation.
    at_most_ = weights;
    at_most_.front() += lower_outside_;
    std::partial_sum(at_most_.begin(), at_most_.end(), at_most_.begin());
    at_least_ = std::move(weights);
    at_least_.back() += upper_outside_;
    std::partial_sum(at_least_.rbegin(), at_least_.rend(), at_least_.rbegin());
    const double total = at_most_.back() + upper_outside_;
    for (double& p : at_most_) p /= total;
    for (double& p : at_least_) p /= total;
    lower_outside_ /= total;
    upper_outside_ /= total;
  }

  // P(B <= k).
  double AtMost(std::size_t k) const {
    if (k < lo_) return lower_outside_;
    if (k - lo_ >= at_most_.size()) return 1.0;
    return at_most_[k - lo_];
  }
  // P(B >= k).
  double AtLeast(std::size_t k) const {
    if (k < lo_) return 1.0;
    if (k - lo_ >= at_least_.size()) return upper_outside_;
    return at_least_[k - lo_];
  }
  std::size_t n() const { return n_; }

 private:
  std::size_t n_;
  std::size_t lo_ = 0;  // smallest k whose weight is materialized
  std::vector<double> at_most_;
  std::vector<double> at_least_;
  double lower_outside_ = 0.0;
  double upper_outside_ = 0.0;
};

// Tail probabilities are computed to ~1e-13 relative; a tail that equals its
// budget in exact arithmetic (e.g. 1/32 against (1 - 0.9375) / 2) must not be
// rejected for a last-bit rounding difference.
bool WithinBudget(double tail, double budget) { return tail <= budget * (1.0 + 1e-12); }

// Probability of missing below: P(X_(l) > xi_q) = P(B <= l - 1).
double LowerMiss(const BinomialTails& tails, std::size_t l) { return tails.AtMost(l - 1); }
// Probability of missing above: P(X_(u) < xi_q) = P(B >= u).
double UpperMiss(const BinomialTails& tails, std::size_t u) { return tails.AtLeast(u); }

// Largest l in [1, n] with LowerMiss(l) <= budget, or 0 if none; LowerMiss
// grows with l, so binary search.
std::size_t LargestLowerRank(const BinomialTails& tails, double budget) {
  std::size_t lo = 1, hi = tails.n() + 1;  // answer in [lo - 1, hi - 1]
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (WithinBudget(LowerMiss(tails, mid), budget)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

// Smallest u in [1, n] with UpperMiss(u) <= budget, or 0 if none; UpperMiss
// shrinks as u grows.
std::size_t SmallestUpperRank(const BinomialTails& tails, double budget) {
  std::size_t lo = 1, hi = tails.n() + 1;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (WithinBudget(UpperMiss(tails, mid), budget)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo <= tails.n() ? lo : 0;
}

double Median(std::vector<double> values) {
  assert(!values.empty());
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  if (values.size() % 2 == 1) return values[mid];
  const double upper = values[mid];
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return lower + (upper - lower) / 2.0;
}

}  // namespace

double Percentile(std::span<const double> sorted, double q) {
  assert(!sorted.empty());
  assert(std::is_sorted(sorted.begin(), sorted.end()));
  return sorted[NearestRank(sorted.size(), q) - 1];
}

RankInterval QuantileRankInterval(std::size_t n, double q, double confidence) {
  assert(q >= 0.0 && q <= 1.0);
  assert(confidence > 0.0 && confidence < 1.0);
  RankInterval result;
  if (n == 0) return result;
  result.lower_rank = 1;
  result.upper_rank = n;
  // The 0- and 1-quantiles are the ends of the support; no finite sample
  // brackets them with positive probability.
  if (q <= 0.0 || q >= 1.0) return result;

  const BinomialTails tails(n, q);
  const double alpha = 1.0 - confidence;
  std::size_t l = LargestLowerRank(tails, alpha / 2.0);
  std::size_t u = SmallestUpperRank(tails, alpha / 2.0);
  if (l == 0 && u == 0) return result;  // both tails exceed alpha / 2: the sum exceeds alpha
  // When one side cannot get down to alpha / 2 even at its extreme rank (few
  // samples, q near 0 or 1), that side takes the extreme rank and the other
  // side gets whatever miss probability is left.
  if (u == 0) {
    u = n;
    l = LargestLowerRank(tails, alpha - UpperMiss(tails, n));
  } else if (l == 0) {
    l = 1;
    u = SmallestUpperRank(tails, alpha - LowerMiss(tails, 1));
  }
  if (l == 0 || u == 0) return result;
  // Total miss <= alpha < 1 implies P(l <= B < u) > 0, hence l < u.
  assert(l < u);
  result.lower_rank = l;
  result.upper_rank = u;
  result.valid = true;
  return result;
}

Interval QuantileInterval(std::span<const double> sorted, double q, double confidence) {
  assert(!sorted.empty());
  assert(std::is_sorted(sorted.begin(), sorted.end()));
  const RankInterval ranks = QuantileRankInterval(sorted.size(), q, confidence);
  if (!ranks.valid) return {sorted.front(), sorted.back(), false};
  return {sorted[ranks.lower_rank - 1], sorted[ranks.upper_rank - 1], true};
}

double RelativeHalfWidth(const Interval& interval, double estimate) {
  if (!interval.valid || !(estimate > 0.0)) return std::numeric_limits<double>::infinity();
  return std::max(estimate - interval.lower, interval.upper - estimate) / estimate;
}

namespace {

// Draws bootstrap replicates of one sample's statistic (see stats.h for how).
class Replicator {
 public:
  Replicator(std::span<const double> samples, BootstrapStatistic statistic)
      : statistic_(statistic), sorted_(samples.begin(), samples.end()) {
    std::sort(sorted_.begin(), sorted_.end());
    const auto n = static_cast<double>(sorted_.size());
    if (statistic_.mean) {
      const double mean = std::accumulate(sorted_.begin(), sorted_.end(), 0.0) / n;
      double squares = 0.0;
      for (double x : sorted_) squares += (x - mean) * (x - mean);
      normal_ = std::normal_distribution<double>(mean, std::sqrt(squares / n / n));
      index_ = std::uniform_int_distribution<std::size_t>(0, sorted_.size() - 1);
    } else {
      const auto k = static_cast<double>(NearestRank(sorted_.size(), statistic_.q));
      below_ = std::gamma_distribution<double>(k, 1.0);
      above_ = std::gamma_distribution<double>(n + 1.0 - k, 1.0);
    }
  }

  double Draw(std::mt19937_64& rng) {
    const std::size_t n = sorted_.size();
    if (!statistic_.mean) {
      const double a = below_(rng);
      const double u = a / (a + above_(rng));  // Beta(k, n + 1 - k)
      const double rank = std::ceil(static_cast<double>(n) * u);
      return sorted_[std::clamp<std::size_t>(static_cast<std::size_t>(rank), 1, n) - 1];
    }
    if (n > kBootstrapResampledMeanLimit) return normal_(rng);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += sorted_[index_(rng)];
    return sum / static_cast<double>(n);
  }

 private:
  BootstrapStatistic statistic_;
  std::vector<double> sorted_;
  std::gamma_distribution<double> below_, above_;
  std::normal_distribution<double> normal_;
  std::uniform_int_distribution<std::size_t> index_;
};

}  // namespace

Interval PercentileBootstrapInterval(std::vector<double> replicates, double confidence) {
  if (replicates.empty()) return {};
  std::sort(replicates.begin(), replicates.end());
  const double tail = (1.0 - confidence) / 2.0;
  return {Percentile(replicates, tail), Percentile(replicates, 1.0 - tail), true};
}

Interval BootstrapInterval(std::span<const double> samples, BootstrapStatistic statistic,
                           const BootstrapOptions& options) {
  assert(options.replicates > 0);
  if (samples.empty()) return {};
  Replicator replicator(samples, statistic);
  std::mt19937_64 rng(options.seed);
  std::vector<double> replicates(options.replicates);
  for (double& r : replicates) r = replicator.Draw(rng);
  return PercentileBootstrapInterval(std::move(replicates), options.confidence);
}

Interval BootstrapRatioInterval(std::span<const double> numerator, std::span<const double> denominator,
                                BootstrapStatistic statistic, const BootstrapOptions& options) {
  assert(options.replicates > 0);
  if (numerator.empty() || denominator.empty()) return {};
  Replicator top(numerator, statistic), bottom(denominator, statistic);
  std::mt19937_64 rng(options.seed);
  std::vector<double> replicates(options.replicates);
  for (double& r : replicates) {
    const double t = top.Draw(rng), b = bottom.Draw(rng);
    if (!(b > 0.0)) return {};
    r = t / b;
  }
  return PercentileBootstrapInterval(std::move(replicates), options.confidence);
}

std::size_t DefaultBlockLength(std::size_t n) {
  std::size_t length = 1;
  while (length * length * length < n) ++length;  // integer ceil(cbrt(n)), no rounding of cbrt
  return length;
}

MovingBlockResampler::MovingBlockResampler(std::size_t n, std::size_t block_length, std::uint64_t seed)
    : n_(n), block_length_(std::min(block_length, n)), rng_(seed), start_(0, n - std::min(block_length, n)) {
  assert(n > 0 && block_length > 0);
  indices_.reserve(n);
}

const std::vector<std::size_t>& MovingBlockResampler::Next() {
  indices_.clear();
  while (indices_.size() < n_) {
    const std::size_t start = start_(rng_);
    const std::size_t take = std::min(block_length_, n_ - indices_.size());
    for (std::size_t k = 0; k < take; ++k) indices_.push_back(start + k);
  }
  return indices_;
}

double PairedBootstrapPValue(std::span<const double> differences) {
  if (differences.empty()) return 1.0;
  const auto at_most_zero = std::count_if(differences.begin(), differences.end(), [](double d) { return d <= 0.0; });
  const auto at_least_zero = std::count_if(differences.begin(), differences.end(), [](double d) { return d >= 0.0; });
  const double tail = (static_cast<double>(std::min(at_most_zero, at_least_zero)) + 1.0) /
                      (static_cast<double>(differences.size()) + 1.0);
  return std::min(1.0, 2.0 * tail);
}

Summary Summarize(std::span<const double> samples, double confidence) {
  assert(!samples.empty());
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());

  Summary s;
  s.count = sorted.size();
  s.min = sorted.front();
  s.max = sorted.back();
  double sum = 0.0;
  for (double x : sorted) sum += x;
  s.mean = sum / static_cast<double>(s.count);
  // Two passes: the one-pass sum-of-squares formula cancels catastrophically
  // for latencies whose spread is tiny next to their mean.
  if (s.count > 1) {
    double squares = 0.0;
    for (double x : sorted) squares += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(squares / static_cast<double>(s.count - 1));
  }
  s.p50 = Percentile(sorted, 0.50);
  s.p90 = Percentile(sorted, 0.90);
  s.p95 = Percentile(sorted, 0.95);
  s.p99 = Percentile(sorted, 0.99);
  s.p50_ci = QuantileInterval(sorted, 0.50, confidence);
  s.p90_ci = QuantileInterval(sorted, 0.90, confidence);
  s.p99_ci = QuantileInterval(sorted, 0.99, confidence);
  return s;
}

StopDecision ShouldStop(const StoppingRule& rule, std::chrono::duration<double> elapsed,
                        std::span<const double> samples) {
  assert(rule.confidence > 0.0 && rule.confidence < 1.0);
  const bool minimums_met = elapsed >= rule.min_duration && samples.size() >= rule.min_count && !samples.empty();
  if (minimums_met) {
    // Called after every sample, so avoid a full sort: only three order
    // statistics are needed, and nth_element finds each in linear time.
    const std::size_t n = samples.size();
    const RankInterval ranks = QuantileRankInterval(n, 0.5, rule.confidence);
    if (ranks.valid) {
      std::vector<double> v(samples.begin(), samples.end());
      auto at = [&v](std::size_t rank) { return v.begin() + static_cast<std::ptrdiff_t>(rank - 1); };
      const std::size_t median_rank = NearestRank(n, 0.5);
      assert(ranks.lower_rank <= median_rank && median_rank <= ranks.upper_rank);
      std::nth_element(v.begin(), at(median_rank), v.end());
      const double median = *at(median_rank);
      // Each bound lies on its own side of the median, so each search covers
      // one side only and leaves the median's slot alone.
      std::nth_element(v.begin(), at(ranks.lower_rank), at(median_rank));
      if (ranks.upper_rank > median_rank) {
        std::nth_element(at(median_rank + 1), at(ranks.upper_rank), v.end());
      }
      const Interval ci{*at(ranks.lower_rank), *at(ranks.upper_rank), true};
      if (RelativeHalfWidth(ci, median) <= rule.target_relative_half_width) {
        return StopDecision::kConverged;
      }
    }
  }
  if (elapsed >= rule.max_duration) return StopDecision::kMaxDuration;
  return StopDecision::kContinue;
}

WarmupDetector::WarmupDetector(std::size_t window, double tolerance, std::size_t max_samples)
    : window_(window), tolerance_(tolerance), max_samples_(max_samples) {
  assert(window > 0);
  assert(tolerance >= 0.0);
  assert(max_samples > 0);
}

bool WarmupDetector::Add(double latency) {
  // Once over, later samples belong to the measurement, not to warm-up, so
  // they are not recorded and count() stays the warm-up length.
  if (stable_ || hit_limit_) return true;
  samples_.push_back(latency);
  const std::size_t n = samples_.size();
  if (n >= 2 * window_) {
    const auto end = samples_.end();
    const auto w = static_cast<std::ptrdiff_t>(window_);
    const double recent = Median(std::vector<double>(end - w, end));
    const double previous = Median(std::vector<double>(end - 2 * w, end - w));
    if (std::abs(recent - previous) <= tolerance_ * std::abs(previous)) {
      stable_ = true;
      return true;
    }
  }
  if (n >= max_samples_) {
    hit_limit_ = true;
    return true;
  }
  return false;
}

Interval WilsonInterval(std::int64_t successes, std::int64_t n, double confidence) {
  assert(n > 0);
  assert(successes >= 0 && successes <= n);
  assert(confidence > 0.0 && confidence < 1.0);
  const double z = NormalQuantile(1.0 - (1.0 - confidence) / 2.0);
  const auto nd = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nd;
  const double z2 = z * z;
  const double denominator = 1.0 + z2 / nd;
  const double center = (p + z2 / (2.0 * nd)) / denominator;
  const double half = z / denominator * std::sqrt(p * (1.0 - p) / nd + z2 / (4.0 * nd * nd));
  // Mathematically inside [0, 1]; clamp the rounding at 0 and n successes.
  return {std::max(0.0, center - half), std::min(1.0, center + half), true};
}

double McNemarExactPValue(std::int64_t b, std::int64_t c) {
  assert(b >= 0 && c >= 0);
  const std::int64_t n = b + c;
  if (n == 0) return 1.0;
  const std::int64_t k = std::min(b, c);
  if (2 * k == n) return 1.0;  // P(X <= n / 2) >= 1/2, so the doubled tail is >= 1
  double tail = 0.0;
  if (n <= 1000) {
    // 2^-n is still a normal double: sum C(n, i) / 2^n upward from i = 0,
    // exactly for the small counts where p-values are quoted to the last digit.
    double term = std::ldexp(1.0, -static_cast<int>(n));
    for (std::int64_t i = 0; i <= k; ++i) {
      tail += term;
      term *= static_cast<double>(n - i) / static_cast<double>(i + 1);
    }
  } else {
    // Start from pmf(k) in log space (C(n, k) / 2^n overflows and 2^-n
    // underflows) and walk down, where terms shrink by i / (n - i + 1) < 1.
    const auto nd = static_cast<double>(n);
    const auto kd = static_cast<double>(k);
    double term =
        std::exp(std::lgamma(nd + 1.0) - std::lgamma(kd + 1.0) - std::lgamma(nd - kd + 1.0) - nd * std::numbers::ln2);
    for (std::int64_t i = k; i >= 0; --i) {
      tail += term;
      if (term <= tail * 1e-17) break;
      term *= static_cast<double>(i) / static_cast<double>(n - i + 1);
    }
  }
  return std::min(1.0, 2.0 * tail);
}

double NormalQuantile(double p) {
  assert(p > 0.0 && p < 1.0);
  // Acklam's rational approximation (relative error < 1.15e-9), then one
  // Halley step against erfc, which brings it to full double precision.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // Refine against the lower tail for p <= 1/2 and the upper tail otherwise,
  // so the residual is not lost to cancellation against 1.
  const double e =
      p <= 0.5 ? 0.5 * std::erfc(-x / std::numbers::sqrt2) - p : (1.0 - p) - 0.5 * std::erfc(x / std::numbers::sqrt2);
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(x * x / 2.0);
  return x - u / (1.0 + x * u / 2.0);
}

bool Dominates(double benefit_a, double cost_a, double benefit_b, double cost_b) {
  return benefit_a >= benefit_b && cost_a <= cost_b && (benefit_a > benefit_b || cost_a < cost_b);
}

std::vector<bool> ParetoFrontier(std::span<const double> benefit, std::span<const double> cost) {
  assert(benefit.size() == cost.size());
  std::vector<bool> on_frontier(benefit.size(), true);
  for (std::size_t i = 0; i < benefit.size(); ++i) {
    for (std::size_t j = 0; j < benefit.size() && on_frontier[i]; ++j) {
      if (j != i && Dominates(benefit[j], cost[j], benefit[i], cost[i])) on_frontier[i] = false;
    }
  }
  return on_frontier;
}

LineFit FitLine(std::span<const double> x, std::span<const double> y) {
  assert(x.size() == y.size());
  LineFit fit;
  const std::size_t n = x.size();
  if (n < 2) return fit;
  const double nd = static_cast<double>(n);
  const double mean_x = std::accumulate(x.begin(), x.end(), 0.0) / nd;
  const double mean_y = std::accumulate(y.begin(), y.end(), 0.0) / nd;
  // Centred sums: the raw sum-of-squares formula cancels catastrophically for
  // x values like MAC counts (1e8) that vary by a few percent.
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    syy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  if (sxx <= 0.0) return fit;
  fit.slope = sxy / sxx;
  fit.intercept = mean_y - fit.slope * mean_x;
  double ss_res = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - (fit.intercept + fit.slope * x[i]);
    ss_res += r * r;
  }
  fit.r_squared = syy > 0.0 ? 1.0 - ss_res / syy : 1.0;
  fit.count = n;
  fit.valid = true;
  return fit;
}

}  // namespace sweetspot::stats
