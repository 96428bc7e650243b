#include "sweetspot/p_value_text.h"

#include <cmath>

#include <fmt/format.h>

namespace sweetspot {
namespace {

constexpr double kExactFloor = 1e-4;

// `value` (> 0) rounded up to one significant digit: 0.001998 -> 0.002, 0.00995 -> 0.01.
double RoundUpOneDigit(double value) {
  const double unit = std::pow(10.0, std::floor(std::log10(value)));
  return std::ceil(value / unit * (1.0 - 1e-12)) * unit;
}

}  // namespace

std::string PValueFigure(double p, std::size_t resamples) {
  if (resamples > 0) {
    const double floor = 2.0 / (static_cast<double>(resamples) + 1.0);
    // Relative slack: the p was computed as 2 * (0 + 1) / (B + 1) in floating point.
    if (p <= floor * (1.0 + 1e-9)) return fmt::format("< {:g}", RoundUpOneDigit(floor));
  } else if (p < kExactFloor) {
    return fmt::format("< {:g}", kExactFloor);
  }
  return fmt::format("{:.2g}", p);
}

std::string PValueText(double p, std::size_t resamples) {
  const std::string figure = PValueFigure(p, resamples);
  return figure.starts_with('<') ? "p " + figure : "p = " + figure;
}

}  // namespace sweetspot
