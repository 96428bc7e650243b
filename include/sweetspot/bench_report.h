// Human-readable rendering of bench results. Reads the structs; measures nothing.
#pragma once

#include <string>

#include "sweetspot/measure.h"

namespace sweetspot {

// How the report says to fix what it could not measure, in the caller's
// vocabulary (bench passes "drop --no-isolate" and its flags as the settings
// the hygiene warnings name); the defaults name the library's functions and
// config fields.
struct BenchTextHints {
  std::string isolate = "measure in a child process (RunBenchIsolated)";  // memory was not measured
  HygieneSettingNames settings;
};

// A multi-line report: model, conditions, load/first-inference, each
// scenario's latency percentiles with intervals, throughput, memory, and one
// WARNING line per measurement hygiene warning (hygiene.h) with what to do.
std::string RenderBenchText(const BenchResult& result, const BenchTextHints& hints = {});

}  // namespace sweetspot
