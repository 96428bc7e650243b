#include "sweetspot/detection_metrics.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <random>

#include "detection_ap.h"
#include "detection_matching.h"

namespace sweetspot {
namespace {

using detection_internal::AccumulateClass;
using detection_internal::ClassCurve;
using detection_internal::ClassMatches;
using detection_internal::kAreaAll;
using detection_internal::kAreaRangeCount;

bool IsVoc(const DetectionMetricOptions& options) { return options.interpolation == ApInterpolation::kVocAllPoint; }

std::vector<ClassMatches> Match(std::span<const DetectionImage> truth,
                                std::span<const std::vector<Detection>> detections, std::size_t class_count,
                                const DetectionMetricOptions& options) {
  const detection_internal::MatchOptions match{IsVoc(options), options.inclusive_pixels, options.iou_strictly_greater,
                                               options.max_detections};
  return detection_internal::MatchDetections(truth, detections, class_count, match);
}

double Mean(std::span<const double> values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// Mean of `sum / count` over classes, -1 (pycocotools' "absent") when no class counts.
double MeanOrAbsent(double sum, int count) { return count > 0 ? sum / count : -1.0; }

// The figures bootstrapped: mAP@[.5:.95] and mAP@0.5 over classes with ground truth.
struct Headline {
  double map50_95 = -1.0, map50 = -1.0;
  bool defined() const { return map50_95 >= 0.0; }
};

Headline HeadlineOf(std::span<const ClassMatches> matches, std::span<const std::uint32_t> weights,
                    ApInterpolation interpolation, int area_range = kAreaAll) {
  double sum50_95 = 0.0, sum50 = 0.0;
  int count = 0;
  for (const ClassMatches& m : matches) {
    const ClassCurve curve = AccumulateClass(m, area_range, weights, interpolation);
    if (!curve.defined) continue;
    sum50_95 += Mean(curve.ap);
    sum50 += curve.ap[0];
    ++count;
  }
  return {MeanOrAbsent(sum50_95, count), MeanOrAbsent(sum50, count)};
}

// Bootstrap resamples of the images: how many times each image is drawn.
class ImageResampler {
 public:
  ImageResampler(std::size_t images, std::uint64_t seed)
      : rng_(seed), index_(0, images == 0 ? 0 : images - 1), weights_(images) {}

  std::span<const std::uint32_t> Next() {
    std::fill(weights_.begin(), weights_.end(), 0U);
    for (std::size_t i = 0; i < weights_.size(); ++i) ++weights_[index_(rng_)];
    return weights_;
  }

 private:
  std::mt19937_64 rng_;
  std::uniform_int_distribution<std::size_t> index_;
  std::vector<std::uint32_t> weights_;
};

// Headlines of detectors on the same resamples: replicates[r][k] for detector k.
std::vector<std::vector<Headline>> Bootstrap(std::span<const std::vector<ClassMatches>> detectors, std::size_t images,
                                             const DetectionMetricOptions& options) {
  std::vector<std::vector<Headline>> replicates(options.bootstrap_replicates);
  if (images == 0) return {};
  ImageResampler resampler(images, options.seed);
  for (auto& replicate : replicates) {
    const std::span<const std::uint32_t> weights = resampler.Next();
    for (const auto& matches : detectors) replicate.push_back(HeadlineOf(matches, weights, options.interpolation));
  }
  return replicates;
}

// Percentile interval of `statistic` over the replicates where it is defined.
template <typename Statistic>
stats::Interval IntervalOf(const std::vector<std::vector<Headline>>& replicates, double confidence,
                           Statistic statistic) {
  std::vector<double> values;
  values.reserve(replicates.size());
  for (const auto& replicate : replicates) {
    if (std::all_of(replicate.begin(), replicate.end(), [](const Headline& h) { return h.defined(); })) {
      values.push_back(statistic(replicate));
    }
  }
  return stats::PercentileBootstrapInterval(std::move(values), confidence);
}

ClassAp ClassApOf(const ClassMatches& matches, int class_id, const std::string& name, int ground_truth,
                  ApInterpolation interpolation, ClassCurve& curve) {
  curve = AccumulateClass(matches, kAreaAll, {}, interpolation);
  ClassAp out{class_id, name, ground_truth, -1.0, -1.0, -1.0, {}};
  if (!curve.defined) return out;
  out.ap50_95 = Mean(curve.ap);
  out.ap50 = curve.ap[0];
  out.ap75 = curve.ap[5];
  const auto& points = detection_internal::RecallPoints();
  for (std::size_t r = 0; r < points.size(); ++r) out.pr50.push_back({points[r], curve.precision50[r]});
  return out;
}

// Per class figures, the means over classes and ar100 (all areas).
void FillClasses(std::span<const ClassMatches> matches, std::span<const DetectionImage> truth,
                 std::span<const std::string> class_names, ApInterpolation interpolation, DetectionMetrics& out) {
  std::vector<int> findable(class_names.size(), 0);
  for (const DetectionImage& image : truth) {
    for (const GroundTruthBox& box : image.objects) findable[box.class_id] += box.crowd || box.difficult ? 0 : 1;
  }
  double sum50_95 = 0.0, sum50 = 0.0, sum75 = 0.0, recall = 0.0;
  int count = 0;
  for (std::size_t c = 0; c < class_names.size(); ++c) {
    ClassCurve curve;
    out.per_class.push_back(
        ClassApOf(matches[c], static_cast<int>(c), class_names[c], findable[c], interpolation, curve));
    out.ground_truth += findable[c];
    if (!curve.defined) continue;
    sum50_95 += out.per_class.back().ap50_95;
    sum50 += curve.ap[0];
    sum75 += curve.ap[5];
    recall += Mean(curve.recall);
    ++count;
  }
  out.map50_95 = MeanOrAbsent(sum50_95, count);
  out.map50 = MeanOrAbsent(sum50, count);
  out.map75 = MeanOrAbsent(sum75, count);
  out.ar100 = MeanOrAbsent(recall, count);
}

std::int64_t CountDetections(std::span<const std::vector<Detection>> detections) {
  std::int64_t count = 0;
  for (const auto& image : detections) count += static_cast<std::int64_t>(image.size());
  return count;
}

}  // namespace

DetectionMetricOptions DetectionMetricOptions::Coco() { return {}; }

DetectionMetricOptions DetectionMetricOptions::Voc() {
  DetectionMetricOptions options;
  options.interpolation = ApInterpolation::kVocAllPoint;
  options.inclusive_pixels = true;
  options.iou_strictly_greater = true;
  options.max_detections = 0;
  return options;
}

DetectionMetrics EvaluateDetections(std::span<const DetectionImage> truth,
                                    std::span<const std::vector<Detection>> detections,
                                    std::span<const std::string> class_names, const DetectionMetricOptions& options) {
  assert(truth.size() == detections.size());
  DetectionMetrics out;
  out.protocol = IsVoc(options) ? "voc" : "coco";
  out.images = static_cast<std::int64_t>(truth.size());
  out.detections = CountDetections(detections);
  const std::vector<ClassMatches> matches = Match(truth, detections, class_names.size(), options);
  FillClasses(matches, truth, class_names, options.interpolation, out);
  if (!IsVoc(options)) {
    static_assert(kAreaRangeCount == 4);  // all, small, medium, large
    out.ap_small = HeadlineOf(matches, {}, ApInterpolation::kCoco101, 1).map50_95;
    out.ap_medium = HeadlineOf(matches, {}, ApInterpolation::kCoco101, 2).map50_95;
    out.ap_large = HeadlineOf(matches, {}, ApInterpolation::kCoco101, 3).map50_95;
  }
  if (options.bootstrap_replicates > 0) {
    const auto replicates = Bootstrap(std::span(&matches, 1), truth.size(), options);
    out.map50_95_ci = IntervalOf(replicates, options.confidence, [](const auto& r) { return r[0].map50_95; });
    out.map50_ci = IntervalOf(replicates, options.confidence, [](const auto& r) { return r[0].map50; });
  }
  return out;
}

DetectionComparison CompareDetections(std::span<const DetectionImage> truth, std::span<const std::vector<Detection>> a,
                                      std::span<const std::vector<Detection>> b,
                                      std::span<const std::string> class_names, const DetectionMetricOptions& options) {
  assert(truth.size() == a.size() && truth.size() == b.size());
  DetectionComparison out;
  out.images = static_cast<std::int64_t>(truth.size());
  out.metric = IsVoc(options) ? "map50" : "map50_95";
  const std::vector<std::vector<ClassMatches>> detectors = {Match(truth, a, class_names.size(), options),
                                                            Match(truth, b, class_names.size(), options)};
  const Headline first = HeadlineOf(detectors[0], {}, options.interpolation);
  const Headline second = HeadlineOf(detectors[1], {}, options.interpolation);
  out.map50_95_diff = first.map50_95 - second.map50_95;
  out.map50_diff = first.map50 - second.map50;
  if (options.bootstrap_replicates == 0) return out;
  const auto replicates = Bootstrap(detectors, truth.size(), options);
  const auto diff50_95 = [](const auto& r) { return r[0].map50_95 - r[1].map50_95; };
  const auto diff50 = [](const auto& r) { return r[0].map50 - r[1].map50; };
  out.map50_95_diff_ci = IntervalOf(replicates, options.confidence, diff50_95);
  out.map50_diff_ci = IntervalOf(replicates, options.confidence, diff50);
  std::vector<double> headline;
  for (const auto& r : replicates) {
    if (r[0].defined() && r[1].defined()) headline.push_back(IsVoc(options) ? diff50(r) : diff50_95(r));
  }
  out.p_value = stats::PairedBootstrapPValue(headline);
  return out;
}

}  // namespace sweetspot
