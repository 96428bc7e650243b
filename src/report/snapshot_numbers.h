// How report snapshots store figures: rounded to what the page shows and a
// little more, so a snapshot stays small (80 classes x 20 candidates of
// curves; 16 joints x 200 frames x 2 models). Dividing by the integer scale
// gives the double nearest the decimal.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

#include "sweetspot/stats.h"

namespace sweetspot {

// `value` to the nearest 1 / per_unit (per_unit 10: 0.1).
inline double RoundTo(double value, double per_unit) { return std::round(value * per_unit) / per_unit; }
// A figure to 4 decimals.
inline double Fraction(double value) { return RoundTo(value, 1e4); }
// [lower, upper] to 4 decimals, or null when the interval is not valid.
inline nlohmann::json SnapshotIntervalJson(const stats::Interval& ci) {
  return ci.valid ? nlohmann::json({Fraction(ci.lower), Fraction(ci.upper)}) : nlohmann::json();
}

}  // namespace sweetspot
