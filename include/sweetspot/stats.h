// Statistics used by every measurement and decision in sweetspot:
// percentiles and their distribution-free confidence intervals, the stopping
// and warm-up rules of the latency loop, and the binomial intervals and tests
// of the accuracy comparison. Pure functions of plain data; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace sweetspot::stats {

struct Interval {
  double lower = 0.0;
  double upper = 0.0;
  // False when the data cannot support the requested confidence (too few
  // samples for a distribution-free bound); lower/upper are then min/max.
  bool valid = false;
};

// Nearest-rank percentile of ascending `sorted` data: the ceil(q*n)-th
// smallest value (1-based), q in [0, 1]; q = 0 gives the minimum. Requires n > 0.
double Percentile(std::span<const double> sorted, double q);

// 1-based ranks (l, u) of the order statistics X_(l) <= X_(u) that bound the
// q-quantile with probability >= confidence for any continuous distribution
// (Binomial(n, q) tail sums, as MLPerf LoadGen's early stopping). Ranks are
// chosen as equal-tailed as possible. valid = false if no such pair exists.
struct RankInterval {
  std::size_t lower_rank = 0;
  std::size_t upper_rank = 0;
  bool valid = false;
};
RankInterval QuantileRankInterval(std::size_t n, double q, double confidence = 0.95);

// The interval above, read off ascending `sorted` data.
Interval QuantileInterval(std::span<const double> sorted, double q, double confidence = 0.95);

// max(estimate - lower, upper - estimate) / estimate; infinity if !valid or estimate <= 0.
double RelativeHalfWidth(const Interval& interval, double estimate);

// ---------------------------------------------------------------- bootstrap
// Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): the interval of a
// statistic is the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles
// of the statistic recomputed on `replicates` resamples (with replacement,
// each the size of the data). The samples are taken as independent draws;
// drifting or autocorrelated latencies make the interval too narrow.
//
// A quantile replicate is drawn exactly and in O(1): the k-th smallest of a
// resample of n is sorted[ceil(n U) - 1] with U ~ Beta(k, n + 1 - k) (the
// k-th order statistic of n uniforms pushed through the empirical inverse
// CDF, which is monotone), k the nearest rank of Percentile. A mean replicate
// resamples the data (O(n)) up to kBootstrapResampledMeanLimit samples; above
// it, it is drawn from the bootstrap distribution's normal limit N(mean,
// s^2 / n), s^2 the plug-in variance (Berry-Esseen: error O(1 / sqrt(n))).
// Replicates come from std::mt19937_64 seeded with `seed`, so a result is
// deterministic for given data (and standard library).
inline constexpr std::size_t kBootstrapResampledMeanLimit = 2000;

// The percentile interval of bootstrap `replicates` of any statistic (any
// order): their (1 - confidence) / 2 and (1 + confidence) / 2 nearest-rank
// percentiles. valid = false when `replicates` is empty.
Interval PercentileBootstrapInterval(std::vector<double> replicates, double confidence);

struct BootstrapOptions {
  double confidence = 0.95;
  std::size_t replicates = 2000;
  std::uint64_t seed = 20240501;
};

// The statistic bootstrapped: the nearest-rank q-quantile (as Percentile), or the mean.
struct BootstrapStatistic {
  bool mean = false;
  double q = 0.5;  // used when !mean
};

// Interval of the statistic of `samples` (unsorted, any unit). valid = false
// when `samples` is empty.
Interval BootstrapInterval(std::span<const double> samples, BootstrapStatistic statistic,
                           const BootstrapOptions& options = {});

// Interval of statistic(numerator) / statistic(denominator), the two samples
// resampled independently (e.g. p50 of a slower candidate over a faster one's:
// how many times faster the second is). valid = false when either sample is
// empty or a replicate of the denominator is not positive.
Interval BootstrapRatioInterval(std::span<const double> numerator, std::span<const double> denominator,
                                BootstrapStatistic statistic, const BootstrapOptions& options = {});

// ---------------------------------------------------------------- block bootstrap
// Moving-block bootstrap (Kuensch 1989, "The jackknife and the bootstrap for
// general stationary observations", Ann. Statist. 17(3):1217-1241) for
// autocorrelated series, e.g. per-frame measurements of a video, where the
// resampling above (independent draws) gives intervals that are too narrow.
// A resample of n indices concatenates blocks of `block_length` consecutive
// indices [s, s + block_length), s uniform in [0, n - block_length], the last
// block cut so the resample has n indices. Dependence shorter than the block
// is kept; block_length 1 is the ordinary bootstrap.

// The default block length ceil(n^(1/3)) (the order that minimises the error
// of the bootstrap variance and distribution estimates, Hall, Horowitz & Jing
// 1995, Biometrika 82(3):561-574); 1 for n <= 1.
std::size_t DefaultBlockLength(std::size_t n);

// Draws moving-block resamples of the indices 0..n-1, from std::mt19937_64
// seeded with `seed` (deterministic for given arguments and standard library).
// Several statistics resampled with the SAME indices give a paired bootstrap.
// Not thread-safe (one generator); one per thread.
class MovingBlockResampler {
 public:
  // Requires n > 0 and block_length > 0; a block longer than n is taken as n.
  MovingBlockResampler(std::size_t n, std::size_t block_length, std::uint64_t seed);
  // The next resample: n indices in [0, n), valid until the next call.
  const std::vector<std::size_t>& Next();
  std::size_t block_length() const { return block_length_; }

 private:
  std::size_t n_;
  std::size_t block_length_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<std::size_t> start_;
  std::vector<std::size_t> indices_;
};

// Two-sided p-value of "the paired difference is 0" from bootstrap replicates
// d* of the difference, by inverting the percentile interval (Efron &
// Tibshirani 1993, ch. 16):
//   p = min(1, 2 * (min(#{d* <= 0}, #{d* >= 0}) + 1) / (B + 1)),   B replicates;
// the +1s (Davison & Hinkley 1997, eq. 4.11) keep p above 0, since B
// replicates cannot show a p-value below about 2 / B. 1 when `differences` is empty.
double PairedBootstrapPValue(std::span<const double> differences);

struct Summary {
  std::size_t count = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;  // stddev: sample (n-1) standard deviation
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
  Interval p50_ci, p90_ci, p99_ci;
};
// Summary of unsorted samples (any unit; the caller's). Requires non-empty.
Summary Summarize(std::span<const double> samples, double confidence = 0.95);

// When the single-stream loop may stop.
struct StoppingRule {
  std::chrono::duration<double> min_duration{1.0};
  std::chrono::duration<double> max_duration{60.0};
  std::size_t min_count = 100;
  double target_relative_half_width = 0.02;  // of the p50 interval
  double confidence = 0.95;
};
enum class StopDecision {
  kContinue,
  kConverged,    // min duration and count met, p50 interval within target
  kMaxDuration,  // max duration reached before convergence
};
// `samples` unsorted; `elapsed` since the measurement began.
StopDecision ShouldStop(const StoppingRule& rule, std::chrono::duration<double> elapsed,
                        std::span<const double> samples);

// Decides when warm-up is over: latencies are fed one by one; warm-up ends when
// the median of the last `window` samples is within `tolerance` (relative) of
// the median of the `window` before it, or after `max_samples`.
class WarmupDetector {
 public:
  explicit WarmupDetector(std::size_t window = 10, double tolerance = 0.05, std::size_t max_samples = 1000);
  // Returns true once warm-up is over (and stays true).
  bool Add(double latency);
  bool stable() const { return stable_; }
  bool hit_limit() const { return hit_limit_; }  // ended by max_samples, not by stability
  std::size_t count() const { return samples_.size(); }

 private:
  std::size_t window_;
  double tolerance_;
  std::size_t max_samples_;
  std::vector<double> samples_;
  bool stable_ = false;
  bool hit_limit_ = false;
};

// Wilson score interval for a binomial proportion successes / n (n > 0).
Interval WilsonInterval(std::int64_t successes, std::int64_t n, double confidence = 0.95);

// Two-sided exact McNemar test: p-value for discordant counts b (only the
// first classifier right) and c (only the second right), from Binomial(b+c, 1/2).
// Returns 1.0 when b + c == 0.
double McNemarExactPValue(std::int64_t b, std::int64_t c);

// Standard normal quantile (inverse CDF), p in (0, 1).
double NormalQuantile(double p);

// ---------------------------------------------------------------- Pareto frontier
// Trade-offs between a figure to maximise (`benefit`, e.g. top-1) and one to
// minimise (`cost`, e.g. p50 latency, peak memory, file size).

// True when point a dominates point b: a is at least as good in both figures
// and strictly better in one.
bool Dominates(double benefit_a, double cost_a, double benefit_b, double cost_b);

// For each point i (benefit[i], cost[i]), whether it is on the Pareto frontier,
// i.e. no other point dominates it. Identical points do not dominate each
// other, so both stay on the frontier. Requires equal lengths; O(n^2), meant
// for the handful of candidates a study compares.
std::vector<bool> ParetoFrontier(std::span<const double> benefit, std::span<const double> cost);

// ---------------------------------------------------------------- least squares

// y = intercept + slope * x, fitted by ordinary least squares.
struct LineFit {
  double intercept = 0.0;
  double slope = 0.0;
  // Coefficient of determination 1 - SS_res / SS_tot; 1 when every y is equal
  // (the line fits exactly).
  double r_squared = 0.0;
  std::size_t count = 0;
  // False with fewer than 2 points or when every x is equal (no line is
  // determined); the other fields are then 0.
  bool valid = false;
};
// Requires equal lengths.
LineFit FitLine(std::span<const double> x, std::span<const double> y);

}  // namespace sweetspot::stats
