// Detection metrics: COCO mAP@[.5:.95] and Pascal VOC AP over a set of
// images, with bootstrap intervals over images and a paired comparison of two
// detectors on the same images.
//
// COCO protocol (options Coco(); the semantics of pycocotools cocoeval.py,
// COCOeval.evaluateImg / accumulate / summarize, github.com/cocodataset/cocoapi):
// - IoU thresholds 0.50:0.05:0.95 (as numpy linspace), a match needs IoU >= t
//   (> t with iou_strictly_greater). A crowd ground truth's IoU is
//   intersection / detection area (pycocotools' iscrowd IoU).
// - Per image AND class (as evaluateImg and computeIoU), detections sorted by
//   score (stable) and cut to the best max_detections; max_detections <= 0: no cut.
// - Greedy matching in that order: a detection takes the unmatched ground
//   truth with the highest IoU >= t, non-ignored ones first (a crowd one may
//   be matched any number of times). Ground truth is ignored when crowd,
//   difficult or outside the area range; detections matched to ignored ground
//   truth are ignored, and so are unmatched detections whose own box area is
//   outside the area range.
// - Per class, detections of all images sorted by score (ties: image order,
//   then score order within the image), cumulative precision/recall, the
//   precision envelope (precision at r = max precision at any recall >= r),
//   sampled at the 101 recall points 0:0.01:1 (0 beyond the achieved recall)
//   and averaged. A class without non-ignored ground truth has AP -1 and is
//   left out of the means (all classes -1: the mean is -1).
// - Area ranges on GroundTruthBox::area (the box's area when 0, i.e. not
//   given), closed at both ends as pycocotools: all [0, 1e10], small
//   [0, 32^2], medium [32^2, 96^2], large [96^2, 1e10]. A detection's own
//   area is its box's.
// - ar100: mean over classes and IoU thresholds of the final recall.
//
// VOC protocol (options Voc(); VOC devkit 2010+ VOCevalDet, py-faster-rcnn
// voc_eval.py): per class, detections of all images sorted by score (stable,
// ties by image order; voc_eval's argsort leaves ties unordered); each takes
// the ground truth of its image and class with the highest IoU (first on
// ties; +1 pixel widths with inclusive_pixels); if IoU > t (>= t without
// iou_strictly_greater): difficult (or crowd) ground truth -> the detection
// is ignored, already matched -> false positive, else true positive;
// otherwise false positive. AP is the area under the precision envelope at
// every recall change (all-point). map50_95 averages the VOC AP at the COCO
// thresholds; ap_small/medium/large are -1 (no VOC area ranges). Which
// matching applies follows `interpolation`: kVocAllPoint selects the VOC
// protocol ("voc"), kCoco101 the COCO one ("coco").
//
// Intervals: percentile bootstrap over images (Efron & Tibshirani 1993,
// An Introduction to the Bootstrap, ch. 13): each replicate resamples the
// image indices with replacement and recomputes the mean AP from the match
// results, which are computed once (matching is per image, so a resampled
// image contributes its matches as many times as it is drawn). The paired
// comparison draws the same image indices for both detectors; its p-value is
// two-sided, from inverting the percentile interval of the difference d*
// (stats::PairedBootstrapPValue, Efron & Tibshirani 1993, ch. 16):
//   p = min(1, 2 * (min(#{d* <= 0}, #{d* >= 0}) + 1) / (B + 1)),   B replicates,
// so p < 1 - confidence roughly when the interval excludes 0; identical
// detectors give p = 1. The +1s (Davison & Hinkley 1997, eq. 4.11) keep p
// above 0: B replicates cannot show a p-value below about 2 / B, and a
// printed "p = 0" would claim more than they measured (PValueText,
// p_value_text.h, prints that floor as "p < 0.002" for B = 1000). Replicates
// in which no class has ground truth are
// left out; an interval is valid when at least one replicate remains.
// Replicates come from std::mt19937_64 seeded with `seed` (deterministic for
// given data and standard library).
//
// Inputs: truth[i] and detections[i] belong to image i, in the dataset's
// class space (class_id < class_names.size(); others are a bug), in
// original-image pixels, scores not NaN (decoders reject NaN).
// Cost: matching once, O(sum over images and classes of detections x ground
// truth x 10 thresholds); then each replicate O(detections + 10 x true
// positives) (bench_detection_metrics: 5,000 images, 80 classes, 500,000
// detections, 1,000 replicates in about 2.5 s of one core).
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

enum class ApInterpolation { kCoco101, kVocAllPoint };

struct DetectionMetricOptions {
  ApInterpolation interpolation = ApInterpolation::kCoco101;  // also selects the protocol (above)
  bool inclusive_pixels = false;                              // VOC devkit +1 in IoU
  bool iou_strictly_greater = false;                          // VOC: IoU > t; COCO: IoU >= t
  int max_detections = 100;                                   // per image and class, best scores; <= 0: no limit
  std::size_t bootstrap_replicates = 1000;                    // over images; 0: no intervals
  std::uint64_t seed = 20240501;
  double confidence = 0.95;
  static DetectionMetricOptions Coco();
  static DetectionMetricOptions Voc();  // all-point, +1, strict >, no detection limit, difficult ignored (always)
};

struct PrPoint {
  double recall = 0, precision = 0;
};

struct ClassAp {
  int class_id = 0;
  std::string name;
  int ground_truth = 0;                    // boxes to find (not crowd/difficult)
  double ap50_95 = 0, ap50 = 0, ap75 = 0;  // -1 when ground_truth == 0 (left out of the mean)
  // Precision envelope at IoU 0.5 at the 101 recall points 0:0.01:1 (both
  // protocols; empty when ground_truth == 0).
  std::vector<PrPoint> pr50;
};

struct DetectionMetrics {
  std::string protocol;                                       // "coco" | "voc"
  std::int64_t images = 0, ground_truth = 0, detections = 0;  // detections: all given, before any cut
  double map50_95 = 0, map50 = 0, map75 = 0;                  // mean over classes with ground truth
  stats::Interval map50_95_ci, map50_ci;                      // bootstrap over images (percentile)
  double ap_small = -1, ap_medium = -1, ap_large = -1;        // mAP@[.5:.95] by area (COCO ranges)
  double ar100 = 0;                                           // mean recall at 100 detections, [.5:.95]
  std::vector<ClassAp> per_class;
};

// truth[i] and detections[i] belong to image i (dataset class space, original pixels).
// Requires truth.size() == detections.size().
DetectionMetrics EvaluateDetections(std::span<const DetectionImage> truth,
                                    std::span<const std::vector<Detection>> detections,
                                    std::span<const std::string> class_names, const DetectionMetricOptions& options);

struct DetectionComparison {  // a − b over the same images
  double map50_95_diff = 0, map50_diff = 0;
  stats::Interval map50_95_diff_ci, map50_diff_ci;  // paired bootstrap over images
  double p_value = 1.0;  // two-sided, paired bootstrap of the headline metric's difference (1 without replicates)
  std::string metric;    // "map50_95" (coco) or "map50" (voc): which one p_value is for
  std::int64_t images = 0;
};

// Requires truth, a and b of equal length.
DetectionComparison CompareDetections(std::span<const DetectionImage> truth, std::span<const std::vector<Detection>> a,
                                      std::span<const std::vector<Detection>> b,
                                      std::span<const std::string> class_names, const DetectionMetricOptions& options);

// Every field; intervals as {"lower", "upper", "valid"}. FromJson fails
// (InvalidData, naming the key) on a missing or mistyped key.
nlohmann::json ToJson(const DetectionMetrics& metrics);
Result<DetectionMetrics> DetectionMetricsFromJson(const nlohmann::json& json);

}  // namespace sweetspot
