#include "detection_matching.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace sweetspot::detection_internal {
namespace {

// pycocotools' areaRng: [0, 1e10], [0, 32^2], [32^2, 96^2], [96^2, 1e10], closed.
constexpr std::array<std::array<double, 2>, kAreaRangeCount> kAreaRanges = {
    {{0.0, 1e10}, {0.0, 32.0 * 32.0}, {32.0 * 32.0, 96.0 * 96.0}, {96.0 * 96.0, 1e10}}};

bool OutsideRange(double area, int range) { return area < kAreaRanges[range][0] || area > kAreaRanges[range][1]; }

// GroundTruthBox::area when the dataset gave one, else the box's.
double TruthArea(const GroundTruthBox& truth) { return truth.area > 0.0 ? truth.area : truth.box.area(); }

// One image's detections and ground truth of one class.
struct ImageClass {
  std::vector<const Detection*> detections;  // score order, cut to max_detections
  std::vector<const GroundTruthBox*> truth;  // as given
};

// pycocotools' iscrowd overlap: intersection over the detection's area.
double CrowdOverlap(const Box& detection, const Box& crowd, bool inclusive_pixels) {
  const double extra = inclusive_pixels ? 1.0 : 0.0;
  const double w = std::min(detection.x2, crowd.x2) - std::max(detection.x1, crowd.x1) + extra;
  const double h = std::min(detection.y2, crowd.y2) - std::max(detection.y1, crowd.y1) + extra;
  const double area = (detection.width() + extra) * (detection.height() + extra);
  if (w <= 0.0 || h <= 0.0 || area <= 0.0) return 0.0;
  return w * h / area;
}

// ious[d * G + g]; VOC has no crowd rule (crowd boxes are ignored like difficult ones).
std::vector<double> Overlaps(const ImageClass& pair, const MatchOptions& options) {
  const std::size_t g_count = pair.truth.size();
  std::vector<double> ious(pair.detections.size() * g_count);
  for (std::size_t d = 0; d < pair.detections.size(); ++d) {
    for (std::size_t g = 0; g < g_count; ++g) {
      const Box& det = pair.detections[d]->box;
      const GroundTruthBox& truth = *pair.truth[g];
      ious[d * g_count + g] = truth.crowd && !options.voc
                                  ? CrowdOverlap(det, truth.box, options.inclusive_pixels)
                                  : IntersectionOverUnion(det, truth.box, options.inclusive_pixels);
    }
  }
  return ious;
}

struct Outcomes {
  std::vector<std::uint16_t> true_positive, ignored;  // per detection, bit per threshold
  std::int32_t findable = 0;
};

// pycocotools evaluateImg for one area range: ground truth ignored last, each
// detection (score order) takes the best unmatched match >= t, stopping at the
// ignored ones once it holds a regular one; crowd boxes stay matchable.
Outcomes MatchCoco(const ImageClass& pair, std::span<const double> ious, int range, const MatchOptions& options) {
  const std::size_t g_count = pair.truth.size(), d_count = pair.detections.size();
  std::vector<char> ignore(g_count);
  Outcomes out{std::vector<std::uint16_t>(d_count), std::vector<std::uint16_t>(d_count), 0};
  for (std::size_t g = 0; g < g_count; ++g) {
    const GroundTruthBox& truth = *pair.truth[g];
    ignore[g] = truth.crowd || truth.difficult || OutsideRange(TruthArea(truth), range);
    out.findable += ignore[g] ? 0 : 1;
  }
  std::vector<std::size_t> order(g_count);
  for (std::size_t g = 0; g < g_count; ++g) order[g] = g;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ignore[a] < ignore[b]; });
  for (int t = 0; t < kIouThresholdCount; ++t) {
    const double threshold = IouThresholds()[t];
    const auto bit = static_cast<std::uint16_t>(1U << t);
    std::vector<char> matched(g_count, 0);
    for (std::size_t d = 0; d < d_count; ++d) {
      double best_iou = std::min(threshold, 1.0 - 1e-10);
      std::ptrdiff_t best = -1;
      for (std::size_t g : order) {
        if (matched[g] && !pair.truth[g]->crowd) continue;
        if (best >= 0 && !ignore[best] && ignore[g]) break;
        const double iou = ious[d * g_count + g];
        if (iou < best_iou || (options.iou_strictly_greater && iou <= threshold)) continue;
        best_iou = iou;
        best = static_cast<std::ptrdiff_t>(g);
      }
      if (best < 0) {
        if (OutsideRange(pair.detections[d]->box.area(), range)) out.ignored[d] |= bit;
        continue;
      }
      matched[best] = 1;
      (ignore[best] ? out.ignored[d] : out.true_positive[d]) |= bit;
    }
  }
  return out;
}

// voc_eval.py: each detection (score order) looks at the ground truth it
// overlaps most (first on ties), matched or not; difficult -> ignored,
// matched before -> false positive.
Outcomes MatchVoc(const ImageClass& pair, std::span<const double> ious, const MatchOptions& options) {
  const std::size_t g_count = pair.truth.size(), d_count = pair.detections.size();
  Outcomes out{std::vector<std::uint16_t>(d_count), std::vector<std::uint16_t>(d_count), 0};
  for (const GroundTruthBox* truth : pair.truth) out.findable += truth->crowd || truth->difficult ? 0 : 1;
  for (int t = 0; t < kIouThresholdCount; ++t) {
    const double threshold = IouThresholds()[t];
    const auto bit = static_cast<std::uint16_t>(1U << t);
    std::vector<char> matched(g_count, 0);
    for (std::size_t d = 0; d < d_count; ++d) {
      const auto row = ious.subspan(d * g_count, g_count);
      const auto best = std::max_element(row.begin(), row.end());
      if (best == row.end()) continue;
      const bool passes = options.iou_strictly_greater ? *best > threshold : *best >= threshold;
      const auto g = static_cast<std::size_t>(best - row.begin());
      if (!passes) continue;
      if (pair.truth[g]->crowd || pair.truth[g]->difficult) {
        out.ignored[d] |= bit;
      } else if (!matched[g]) {
        matched[g] = 1;
        out.true_positive[d] |= bit;
      }
    }
  }
  return out;
}

// A detection's outcomes before the per-class sort by score.
struct Record {
  float score = 0.0F;
  std::uint32_t image = 0;
  std::array<std::uint16_t, kAreaRangeCount> true_positive{}, ignored{};
};

struct ClassBuilder {
  std::vector<Record> records;  // image order, then score order within the image
  std::array<std::vector<std::pair<std::uint32_t, std::int32_t>>, kAreaRangeCount> findable;
};

void AddImageClass(const ImageClass& pair, std::uint32_t image, const MatchOptions& options, ClassBuilder& out) {
  const std::vector<double> ious = Overlaps(pair, options);
  const std::size_t first = out.records.size();
  for (const Detection* det : pair.detections) out.records.push_back({det->score, image, {}, {}});
  const int ranges = options.voc ? 1 : kAreaRangeCount;
  for (int range = 0; range < ranges; ++range) {
    const Outcomes outcomes = options.voc ? MatchVoc(pair, ious, options) : MatchCoco(pair, ious, range, options);
    for (std::size_t d = 0; d < pair.detections.size(); ++d) {
      out.records[first + d].true_positive[range] = outcomes.true_positive[d];
      out.records[first + d].ignored[range] = outcomes.ignored[d];
    }
    if (outcomes.findable > 0) out.findable[range].emplace_back(image, outcomes.findable);
  }
}

// The image's detections and ground truth grouped by class (index = class id).
std::vector<ImageClass> GroupByClass(const DetectionImage& truth, const std::vector<Detection>& detections,
                                     std::size_t class_count, int max_detections) {
  std::vector<ImageClass> groups(class_count);
  for (const Detection& det : detections) {
    assert(det.class_id >= 0 && static_cast<std::size_t>(det.class_id) < class_count);
    groups[det.class_id].detections.push_back(&det);
  }
  for (const GroundTruthBox& box : truth.objects) {
    assert(box.class_id >= 0 && static_cast<std::size_t>(box.class_id) < class_count);
    groups[box.class_id].truth.push_back(&box);
  }
  for (ImageClass& group : groups) {
    std::stable_sort(group.detections.begin(), group.detections.end(),
                     [](const Detection* a, const Detection* b) { return a->score > b->score; });
    if (max_detections > 0 && group.detections.size() > static_cast<std::size_t>(max_detections)) {
      group.detections.resize(max_detections);
    }
  }
  return groups;
}

ClassMatches Finish(ClassBuilder& builder, int ranges) {
  std::stable_sort(builder.records.begin(), builder.records.end(),
                   [](const Record& a, const Record& b) { return a.score > b.score; });
  ClassMatches out;
  for (int range = 0; range < ranges; ++range) {
    RangeMatches& matches = out.ranges[range];
    for (const Record& record : builder.records) {
      if ((record.true_positive[range] | record.ignored[range]) == 0) {
        matches.false_images.push_back(record.image);
      } else {
        matches.outcomes.push_back({record.image, record.true_positive[range], record.ignored[range],
                                    static_cast<std::uint32_t>(matches.false_images.size())});
      }
    }
    matches.findable = std::move(builder.findable[range]);
  }
  return out;
}

}  // namespace

const std::array<double, kIouThresholdCount>& IouThresholds() {
  static const std::array<double, kIouThresholdCount> thresholds = [] {
    std::array<double, kIouThresholdCount> values{};
    const double step = (0.95 - 0.5) / (kIouThresholdCount - 1);
    for (int i = 0; i < kIouThresholdCount; ++i) values[i] = i * step + 0.5;
    values.back() = 0.95;
    return values;
  }();
  return thresholds;
}

std::vector<ClassMatches> MatchDetections(std::span<const DetectionImage> truth,
                                          std::span<const std::vector<Detection>> detections, std::size_t class_count,
                                          const MatchOptions& options) {
  assert(truth.size() == detections.size());
  assert(truth.size() <= std::numeric_limits<std::uint32_t>::max());
  std::vector<ClassBuilder> builders(class_count);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const std::vector<ImageClass> groups = GroupByClass(truth[i], detections[i], class_count, options.max_detections);
    for (std::size_t c = 0; c < class_count; ++c) {
      if (groups[c].detections.empty() && groups[c].truth.empty()) continue;
      AddImageClass(groups[c], static_cast<std::uint32_t>(i), options, builders[c]);
    }
  }
  std::vector<ClassMatches> out;
  out.reserve(class_count);
  for (ClassBuilder& builder : builders) out.push_back(Finish(builder, options.voc ? 1 : kAreaRangeCount));
  return out;
}

}  // namespace sweetspot::detection_internal
