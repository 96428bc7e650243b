// Renderings of a load run (load_generator.h): the `sweetspot.load/1` JSON
// document (docs/load.md lists its keys), CSV with one row per level, and the
// terminal table. Pure functions of the structs; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sweetspot/environment.h"
#include "sweetspot/load_generator.h"

namespace sweetspot {

// The run's options as JSON (url, model, version, form, concurrency, rates,
// timing, max_in_flight, seed): what the results store keeps as options_json.
nlohmann::json LoadOptionsJson(const LoadOptions& options);
// One level as JSON (mode, concurrency, rate_per_s, completed, errors,
// throughput, latency_ms with intervals, client_us, server_us, top1, windows,
// detection: the DetectionMetrics JSON of a one-pass detection level, else null).
nlohmann::json LevelJson(const LevelResult& level);
// {"schema": "sweetspot.load/1", "options", "dataset", "samples", "environment", "levels": [...]}.
nlohmann::json LoadRunJson(const LoadRun& run, const Environment& environment);

// Header plus one row per level; latencies in ms, client/server times in us;
// map50_95 and map50 empty but for one-pass detection levels.
std::string RenderLoadCsv(const LoadRun& run);

// Aligned columns, one line per level: mode and level, answers/s, p50/p90/p99
// (ms, with the p50 interval), errors, dropped, top-1 (detection runs: the
// protocol's headline mAP), and "unstable" for a
// level whose windows disagree.
std::string RenderLoadTable(const LoadRun& run);

}  // namespace sweetspot
