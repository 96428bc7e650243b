#include "detection_ap.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

namespace sweetspot::detection_internal {
namespace {

// Cumulative (weighted) counts at a true positive, and the precision
// envelope there (the maximum precision at it or after; false positives only
// lower precision, so the maximum over true positives is the maximum).
struct Step {
  std::uint64_t true_positives = 0;
  std::uint64_t false_positives = 0;
  double envelope = 0.0;
};

// Fills each step's envelope (one reverse pass) and returns the all-point
// area under it: the sum over recall steps of step width * envelope.
double FillEnvelope(std::span<Step> steps, double findable, ApInterpolation interpolation) {
  // pycocotools divides by tp + fp + eps; voc_eval by max(tp + fp, eps).
  const double eps = interpolation == ApInterpolation::kCoco101 ? std::numeric_limits<double>::epsilon() : 0.0;
  double envelope = 0.0, all_point = 0.0;
  for (std::size_t j = steps.size(); j-- > 0;) {
    const auto tp = static_cast<double>(steps[j].true_positives);
    envelope = std::max(envelope, tp / (tp + static_cast<double>(steps[j].false_positives) + eps));
    steps[j].envelope = envelope;
    const double previous = j > 0 ? static_cast<double>(steps[j - 1].true_positives) : 0.0;
    all_point += (tp - previous) / findable * envelope;
  }
  return all_point;
}

// The envelope at each recall point: that of the first step whose recall
// reaches it (numpy.searchsorted(rc, recThrs, 'left') in accumulate), 0 past
// the last. Returns the AP of `interpolation`: their mean (101-point) or the
// all-point area.
double Integrate(std::span<Step> steps, double findable, ApInterpolation interpolation,
                 std::array<double, kRecallPointCount>& envelope_at_points) {
  const double all_point = FillEnvelope(steps, findable, interpolation);
  envelope_at_points.fill(0.0);
  const auto& points = RecallPoints();
  std::size_t j = 0;
  for (int r = 0; r < kRecallPointCount; ++r) {
    while (j < steps.size() && static_cast<double>(steps[j].true_positives) / findable < points[r]) ++j;
    if (j == steps.size()) break;
    envelope_at_points[r] = steps[j].envelope;
  }
  if (interpolation == ApInterpolation::kVocAllPoint) return all_point;
  return std::accumulate(envelope_at_points.begin(), envelope_at_points.end(), 0.0) / kRecallPointCount;
}

std::uint64_t Findable(const RangeMatches& matches, std::span<const std::uint32_t> weights) {
  std::uint64_t findable = 0;
  for (const auto& [image, count] : matches.findable) {
    findable += static_cast<std::uint64_t>(count) * (weights.empty() ? 1U : weights[image]);
  }
  return findable;
}

// How many times the always-false detections [from, to) count.
std::uint64_t FalseWeight(const RangeMatches& matches, std::span<const std::uint32_t> weights, std::size_t from,
                          std::size_t to) {
  if (weights.empty()) return to - from;
  std::uint64_t sum = 0;
  for (std::size_t k = from; k < to; ++k) sum += weights[matches.false_images[k]];
  return sum;
}

}  // namespace

const std::array<double, kRecallPointCount>& RecallPoints() {
  static const std::array<double, kRecallPointCount> points = [] {
    std::array<double, kRecallPointCount> values{};
    const double step = 1.0 / (kRecallPointCount - 1);
    for (int i = 0; i < kRecallPointCount; ++i) values[i] = i * step;
    values.back() = 1.0;
    return values;
  }();
  return points;
}

ClassCurve AccumulateClass(const ClassMatches& matches, int area_range, std::span<const std::uint32_t> weights,
                           ApInterpolation interpolation) {
  ClassCurve curve;
  const RangeMatches& range = matches.ranges[area_range];
  const std::uint64_t findable = Findable(range, weights);
  if (findable == 0) return curve;
  curve.defined = true;
  std::array<std::vector<Step>, kIouThresholdCount> steps;
  for (auto& per_threshold : steps) per_threshold.reserve(range.outcomes.size());
  std::array<std::uint64_t, kIouThresholdCount> true_positives{}, false_positives{};
  std::uint64_t always_false = 0;
  std::size_t false_seen = 0;
  for (const RangeMatches::Outcome& outcome : range.outcomes) {
    always_false += FalseWeight(range, weights, false_seen, outcome.false_before);
    false_seen = outcome.false_before;
    const std::uint64_t weight = weights.empty() ? 1U : weights[outcome.image];
    if (weight == 0) continue;
    for (int t = 0; t < kIouThresholdCount; ++t) {
      if ((outcome.true_positive >> t) & 1U) {
        true_positives[t] += weight;
        steps[t].push_back({true_positives[t], false_positives[t] + always_false, 0.0});
      } else if (!((outcome.ignored >> t) & 1U)) {
        false_positives[t] += weight;
      }
    }
  }
  std::array<double, kRecallPointCount> envelope{};
  for (int t = 0; t < kIouThresholdCount; ++t) {
    curve.ap[t] = Integrate(steps[t], static_cast<double>(findable), interpolation, envelope);
    curve.recall[t] = static_cast<double>(true_positives[t]) / static_cast<double>(findable);
    if (t == 0) curve.precision50 = envelope;
  }
  return curve;
}

}  // namespace sweetspot::detection_internal
