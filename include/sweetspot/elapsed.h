// Elapsed wall time in milliseconds on the monotonic clock: the one helper
// the runners' stage timings (evaluation, training, benchmark scenarios,
// detection pipeline) share, so every figure is taken the same way.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>

namespace sweetspot {

using SteadyClock = std::chrono::steady_clock;

// Milliseconds from `start` to now (steady_clock; never negative).
inline double MillisecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

}  // namespace sweetspot
