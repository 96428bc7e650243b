// Cost of the interval behind every latency percentile: the stopping rule
// calls QuantileRankInterval after each sample, so at 100,000 samples one
// call must stay far below a typical inference (target: under 1 ms per call,
// i.e. a benchmark time in microseconds, not milliseconds).
//
//   bench_stats [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstddef>

#include "sweetspot/stats.h"

namespace {

void BM_QuantileRankInterval(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sweetspot::stats::QuantileRankInterval(n, 0.5, 0.95));
  }
}
BENCHMARK(BM_QuantileRankInterval)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_QuantileRankIntervalP99(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sweetspot::stats::QuantileRankInterval(n, 0.99, 0.95));
  }
}
BENCHMARK(BM_QuantileRankIntervalP99)->Arg(100000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
