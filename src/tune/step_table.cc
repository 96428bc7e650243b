#include <string>

#include <fmt/core.h>

#include "sweetspot/accuracy_aware.h"

namespace sweetspot {
namespace {

std::string Line(std::string_view step, std::string_view node, double top1, double drop_points, double latency_ms,
                 std::string_view within, bool chosen) {
  return fmt::format("{:>5}  {:<32}  {:>7.2f}  {:>+7.2f}  {:>9.3f}  {:<6}{}\n", step, node, 100.0 * top1,
                     0.0 - drop_points, latency_ms, within, chosen ? "  <- chosen" : "");
}

}  // namespace

std::string RenderAccuracyAwareTable(const AccuracyAwareResult& result) {
  std::string text = fmt::format("{:>5}  {:<32}  {:>7}  {:>7}  {:>9}  {}\n", "step", "reverted to float", "top-1 %",
                                 "points", "p50 ms", "budget");
  text += Line("fp32", "(float model)", result.float_top1, 0.0, result.float_latency_ms, "-", result.chosen_step < 0);
  for (const AccuracyAwareStep& step : result.steps) {
    text += Line(std::to_string(step.step), step.step == 0 ? "(none: fully int8)" : step.reverted_node, step.top1,
                 step.drop_points, step.latency_ms, step.within_budget ? "within" : "over",
                 step.step == result.chosen_step);
  }
  return text + result.message + "\n";
}

}  // namespace sweetspot
