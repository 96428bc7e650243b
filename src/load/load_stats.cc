#include "sweetspot/load_stats.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <random>

namespace sweetspot {

LatencyStats SummarizeLatencies(std::vector<double> latencies_ms) {
  LatencyStats out;
  if (latencies_ms.empty()) return out;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  out.count = latencies_ms.size();
  out.mean_ms = std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) / static_cast<double>(out.count);
  const std::span<const double> sorted(latencies_ms);
  out.p50_ms = stats::Percentile(sorted, 0.50);
  out.p90_ms = stats::Percentile(sorted, 0.90);
  out.p95_ms = stats::Percentile(sorted, 0.95);
  out.p99_ms = stats::Percentile(sorted, 0.99);
  out.p50_ci = stats::QuantileInterval(sorted, 0.50);
  out.p90_ci = stats::QuantileInterval(sorted, 0.90);
  out.p95_ci = stats::QuantileInterval(sorted, 0.95);
  out.p99_ci = stats::QuantileInterval(sorted, 0.99);
  return out;
}

std::vector<double> WindowThroughputs(std::span<const double> completion_s, double duration_s, double window_s) {
  assert(window_s > 0);
  const auto windows = static_cast<std::size_t>(std::floor(duration_s / window_s + 1e-9));
  std::vector<double> counts(windows, 0.0);
  for (const double t : completion_s) {
    if (t < 0) continue;
    const auto k = static_cast<std::size_t>(t / window_s);
    if (k < windows) counts[k] += 1.0;
  }
  for (double& c : counts) c /= window_s;
  return counts;
}

bool WindowsStable(std::span<const double> window_throughputs, double tolerance) {
  if (window_throughputs.size() < 2) return false;
  for (std::size_t i = 1; i < window_throughputs.size(); ++i) {
    const double a = window_throughputs[i - 1], b = window_throughputs[i];
    if (std::abs(a - b) > tolerance * std::max(a, b)) return false;
  }
  return true;
}

std::vector<double> PoissonArrivals(double rate_per_s, double duration_s, std::uint64_t seed) {
  assert(rate_per_s > 0);
  std::mt19937_64 engine(seed);
  std::exponential_distribution<double> gap(rate_per_s);
  std::vector<double> out;
  for (double t = gap(engine); t < duration_s; t += gap(engine)) out.push_back(t);
  return out;
}

}  // namespace sweetspot
