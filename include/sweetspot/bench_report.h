// Human-readable rendering of bench results. Reads the structs; measures nothing.
#pragma once

#include <string>

#include "sweetspot/measure.h"

namespace sweetspot {

// A multi-line report: model, conditions, load/first-inference, each
// scenario's latency percentiles with intervals, throughput, memory, and a
// warning line when the single-stream interval missed its target.
std::string RenderBenchText(const BenchResult& result);

}  // namespace sweetspot
