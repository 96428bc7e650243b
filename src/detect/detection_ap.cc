#include "detection_ap.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

namespace sweetspot::detection_internal {
namespace {

// Cumulative (weighted) counts at a true positive.
struct Step {
  double true_positives = 0.0;
  double false_positives = 0.0;
};

// How many recall points are <= recall (numpy.searchsorted(rc, recThrs, 'left')
// gives each point the first detection whose recall reaches it).
std::ptrdiff_t PointsUpTo(double recall) {
  const auto& points = RecallPoints();
  return std::upper_bound(points.begin(), points.end(), recall) - points.begin();
}

// One reverse pass over the true positives: the precision envelope at each
// (the maximum precision at it or after: false positives only lower it), its
// value at the recall points it is the first to reach (101-point), and its
// area over each recall step (all-point). Returns the AP of `interpolation`.
double Integrate(std::span<const Step> steps, double findable, ApInterpolation interpolation,
                 std::array<double, kRecallPointCount>& envelope_at_points) {
  envelope_at_points.fill(0.0);
  // pycocotools divides by tp + fp + eps; voc_eval by max(tp + fp, eps).
  const double eps = interpolation == ApInterpolation::kCoco101 ? std::numeric_limits<double>::epsilon() : 0.0;
  double envelope = 0.0, all_point = 0.0;
  for (std::size_t j = steps.size(); j-- > 0;) {
    const Step& step = steps[j];
    envelope = std::max(envelope, step.true_positives / (step.true_positives + step.false_positives + eps));
    const double previous = j > 0 ? steps[j - 1].true_positives : 0.0;
    all_point += (step.true_positives - previous) / findable * envelope;
    const std::ptrdiff_t first = j > 0 ? PointsUpTo(previous / findable) : 0;
    std::fill(envelope_at_points.begin() + first,
              envelope_at_points.begin() + PointsUpTo(step.true_positives / findable), envelope);
  }
  if (interpolation == ApInterpolation::kVocAllPoint) return all_point;
  return std::accumulate(envelope_at_points.begin(), envelope_at_points.end(), 0.0) / kRecallPointCount;
}

double Findable(const ClassMatches& matches, int area_range, std::span<const std::uint32_t> weights) {
  double findable = 0.0;
  for (const auto& [image, count] : matches.findable[area_range]) {
    findable += static_cast<double>(count) * (weights.empty() ? 1.0 : weights[image]);
  }
  return findable;
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
  const double findable = Findable(matches, area_range, weights);
  if (findable <= 0.0) return curve;
  curve.defined = true;
  std::array<std::vector<Step>, kIouThresholdCount> steps;
  std::array<double, kIouThresholdCount> true_positives{}, false_positives{};
  const auto& tp_bits = matches.true_positive[area_range];
  const auto& ignored_bits = matches.ignored[area_range];
  for (std::size_t k = 0; k < matches.image.size(); ++k) {
    const double weight = weights.empty() ? 1.0 : weights[matches.image[k]];
    if (weight == 0.0) continue;
    const unsigned tp = tp_bits[k], ignored = ignored_bits[k];
    for (int t = 0; t < kIouThresholdCount; ++t) {
      if ((tp >> t) & 1U) {
        true_positives[t] += weight;
        steps[t].push_back({true_positives[t], false_positives[t]});
      } else if (!((ignored >> t) & 1U)) {
        false_positives[t] += weight;
      }
    }
  }
  std::array<double, kRecallPointCount> envelope{};
  for (int t = 0; t < kIouThresholdCount; ++t) {
    curve.ap[t] = Integrate(steps[t], findable, interpolation, envelope);
    curve.recall[t] = true_positives[t] / findable;
    if (t == 0) curve.precision50 = envelope;
  }
  return curve;
}

}  // namespace sweetspot::detection_internal
