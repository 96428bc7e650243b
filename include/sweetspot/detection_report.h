// The detection part of the HTML report (issue 13, docs/report.md
// "Detection"): what a detection study hands the report for each of its
// evaluation datasets. The study fills one DetectionReportSection per dataset
// (StudyReport::detection); the report snapshot (report_data.h,
// BuildReportRun) turns it into the page's `detection` entries: a
// precision-recall chart per class (every candidate one line, the envelope at
// IoU 0.5), a per-class AP table, and example images with the boxes of two
// detectors side by side.
//
// Example images: the kDetectionExamples images where the two shown detectors
// disagree most, by the absolute difference of their per-image F1 at IoU >=
// kDetectionExampleIou over the detections scoring >= kDetectionExampleScore
// (ties: more ground truth boxes first, then image order; an image where both
// find nothing and there is nothing to find has F1 1 for both). The page draws
// the boxes scoring >= kDetectionShownScore; its slider starts at
// kDetectionExampleScore.
//
// Coordinates and classes follow detection.h: the dataset's class space,
// original-image pixels. Thread-safety: plain value types.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/detection_metrics.h"

namespace sweetspot {

inline constexpr std::size_t kDetectionExamples = 6;
inline constexpr double kDetectionExampleIou = 0.5;
inline constexpr double kDetectionExampleScore = 0.3;
// Boxes below this score are not stored for the page (the slider's minimum).
inline constexpr double kDetectionShownScore = 0.05;

// One candidate of a detection study on one dataset.
struct DetectionCandidateView {
  std::string name;          // as the study names the candidate ("yolox-nano", "yolox-nano/int8-dynamic")
  DetectionMetrics metrics;  // over the section's images, per-class pr50 filled
  // Per image of DetectionReportSection::images, in order: what the candidate
  // detected (after its decoder's score threshold and NMS), dataset classes,
  // original pixels. Empty when the study kept none: the candidate then has
  // its curves and APs on the page but cannot be one of the two shown.
  std::vector<std::vector<Detection>> detections;
};

// One evaluation dataset of a detection study.
struct DetectionReportSection {
  std::string dataset;                   // the study's name for it
  std::string description;               // DetectionDataset::description()
  std::vector<std::string> class_names;  // the dataset's classes, index = class_id
  // The evaluated images, in order (labels as scored; `path` is read for the
  // example thumbnails when the snapshot is built).
  std::vector<DetectionImage> images;
  std::vector<DetectionCandidateView> candidates;
  // Indices into `candidates` of the two detectors shown side by side: `fast`
  // (the recommended candidate, left) and `accurate` (the most accurate other
  // one by the study's headline metric, right). Equal: one detector is shown.
  std::size_t fast = 0;
  std::size_t accurate = 0;
};

}  // namespace sweetspot
