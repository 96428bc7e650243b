// The `detection` entries of a report snapshot (docs/report-data.md): per
// DetectionReportSection (detection_report.h) the candidates' APs and
// precision-recall envelopes, and the example images where the two shown
// detectors disagree most, as JPEG thumbnails with each detector's boxes
// marked correct, false positive or ignored.
// Thread-safety: reentrant (reads the example images from disk).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/detection_report.h"

namespace sweetspot {

enum class BoxOutcome { kCorrect, kFalsePositive, kIgnored };
std::string_view BoxOutcomeName(BoxOutcome outcome);  // "correct" | "false-positive" | "ignored"

// How a box is matched for display: the section's protocol ("voc": +1 pixel
// widths and IoU > t; else IoU >= t).
struct DisplayMatching {
  double iou = kDetectionExampleIou;
  bool inclusive_pixels = false;
  bool iou_strictly_greater = false;
  static DisplayMatching ForProtocol(std::string_view protocol);
};

// Per detection of one image (same order): greedy by score (stable), each
// detection takes the unmatched ground truth of its class with the highest
// IoU at the threshold, crowd and difficult ones only when no other fits
// (then it is ignored); unmatched: a false positive. Whether a detection is
// correct does not depend on the detections scoring below it, so the page can
// filter by score without matching again.
std::vector<BoxOutcome> MatchForDisplay(const DetectionImage& image, std::span<const Detection> detections,
                                        const DisplayMatching& matching);

// F1 of one image at `min_score`: 2 TP / (2 TP + FP + FN) over the detections
// scoring >= min_score (ignored ones left out) and the ground truth that is
// neither crowd nor difficult; 1 when there is nothing to find and nothing found.
double ImageF1(const DetectionImage& image, std::span<const Detection> detections, std::span<const BoxOutcome> outcomes,
               double min_score);

// The example images of `section` (indices into section.images, in the order
// shown): detection_report.h's rule, at most `count`. None when either shown
// candidate has no detections kept.
std::vector<std::size_t> DisagreementExamples(const DetectionReportSection& section, std::size_t count);

struct DetectionSectionOptions {
  std::size_t examples = kDetectionExamples;
  int thumbnail_px = 400;  // the longer side at most, never enlarged
  int jpeg_quality = 80;
};

// The section's snapshot entry. An example image that cannot be read has
// "thumbnail": null (the boxes are still drawn) and a line in "notes".
nlohmann::json DetectionSectionJson(const DetectionReportSection& section, const DetectionSectionOptions& options = {});

}  // namespace sweetspot
