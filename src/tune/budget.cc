#include <charconv>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "sweetspot/accuracy_aware.h"

namespace sweetspot {

double AccuracyBudget::AllowedDropPoints(double float_top1) const {
  return kind == Kind::kPoints ? value : float_top1 * value;  // fraction * percent = points
}

std::string AccuracyBudget::ToString() const {
  return kind == Kind::kPoints ? fmt::format("{:g} point{}", value, value == 1.0 ? "" : "s")
                               : fmt::format("{:g} % of float top-1", value);
}

Result<AccuracyBudget> ParseAccuracyBudget(std::string_view text) {
  AccuracyBudget budget;
  std::string_view number = text;
  if (number.ends_with('%')) {
    budget.kind = AccuracyBudget::Kind::kPercent;
    number.remove_suffix(1);
  }
  const char* end = number.data() + number.size();
  const auto [stop, error] = std::from_chars(number.data(), end, budget.value);
  if (number.empty() || error != std::errc() || stop != end || !std::isfinite(budget.value) || budget.value < 0.0) {
    return Status::InvalidArgument(fmt::format(
        "accuracy budget '{}' is not a non-negative number of top-1 points (e.g. 0.3) or a percent of the float "
        "top-1 (e.g. 1%)",
        text));
  }
  return budget;
}

MeasureConfig AccuracyAwareLatencyConfig() {
  MeasureConfig config;
  config.scenarios = {Scenario::kSingleStream};
  config.batch_sizes = {1};
  config.stopping.min_duration = std::chrono::duration<double>(0.5);
  config.stopping.max_duration = std::chrono::duration<double>(5.0);
  config.stopping.min_count = 50;
  config.warmup_max_duration = std::chrono::duration<double>(2.0);
  return config;
}

}  // namespace sweetspot
