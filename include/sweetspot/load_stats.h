// The statistics of one load level (`sweetspot load`): latency percentiles
// with distribution-free intervals, throughput per window and the stability
// rule over those windows, and the Poisson arrival schedule of the open loop.
// Pure functions of plain data; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sweetspot/stats.h"

namespace sweetspot {

// Latency figures of a level's answered requests, in milliseconds. The
// percentiles are nearest-rank (stats::Percentile) and each interval is the
// 95 % order-statistic interval of stats::QuantileInterval (valid = false
// when too few answers support it). count 0: no answers, every figure 0.
struct LatencyStats {
  std::size_t count = 0;
  double mean_ms = 0.0;
  double p50_ms = 0.0, p90_ms = 0.0, p95_ms = 0.0, p99_ms = 0.0;
  stats::Interval p50_ci, p90_ci, p95_ci, p99_ci;
};
// `latencies_ms` in any order (taken by value: it is sorted).
LatencyStats SummarizeLatencies(std::vector<double> latencies_ms);

// Completions per second in each whole window of `window_s` seconds from 0
// up to `duration_s`: window k counts the `completion_s` (seconds since the
// measurement began, any order) in [k w, (k + 1) w). A last partial window is
// left out (its rate would be noisier than the others'). Requires window_s > 0.
std::vector<double> WindowThroughputs(std::span<const double> completion_s, double duration_s, double window_s);

// The stability rule: a level is stable when it has at least two windows and
// every two consecutive windows agree within `tolerance`, |a - b| <= tolerance
// * max(a, b) (as perf_analyzer's --stability-percentage compares its
// consecutive measurement windows). Fewer than two windows: not stable (the
// level was too short to tell).
bool WindowsStable(std::span<const double> window_throughputs, double tolerance);

// Intended send times, in seconds from 0, of a Poisson process of `rate_per_s`
// arrivals per second up to `duration_s` (exclusive): exponential
// inter-arrival times of mean 1 / rate_per_s drawn from std::mt19937_64
// seeded with `seed`, so a schedule is the same on every run.
// Requires rate_per_s > 0.
std::vector<double> PoissonArrivals(double rate_per_s, double duration_s, std::uint64_t seed);

}  // namespace sweetspot
