// Detections in Open Inference Protocol answers (docs/serve.md, "Detection
// models"): the two outputs `sweetspot serve` adds for a detector, read back
// by `sweetspot load` and the job journal, and the agreement of two
// detectors' answers (fast now, accurate later).
//
// Outputs of a detector, per request of B rows (images) and K =
// max_detections of the model's decoder:
//   detections       FP32  [B, K, 6]  rows x1, y1, x2, y2, score, class, best
//                                     score first; rows past detection_count
//                                     are padding: all 0 with class -1.
//   detection_count  INT32 [B]        real rows of each image (0..K).
// Boxes are pixels, [x1, x2) x [y1, y2) (detection.h): of the original image
// when the request sent it encoded (the image extension), else of the model
// input tensor. class indexes the model's class list (the decoder's
// class_names: the server's model metadata does not carry it).
//
// Agreement of a fast and an accurate answer (per image, then pooled over
// the request's images): the accurate boxes with score >= min_score are the
// reference, the fast boxes with score >= min_score the candidates; greedy
// one-to-one matching, candidates by descending score, each to the unmatched
// reference box of the same class with the highest IoU >= min_iou (ties: the
// lower index). recall = matched / reference, precision = matched /
// candidates, f1 = 2 matched / (reference + candidates); each 1 when its
// denominator is 0 (nothing to find, nothing claimed). agree: f1 >=
// kAgreementF1.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr std::string_view kDetectionsOutput = "detections";
inline constexpr std::string_view kDetectionCountOutput = "detection_count";

// The two outputs for `images` (each at most max_detections long, best first).
std::vector<InferTensor> DetectionOutputs(std::span<const std::vector<Detection>> images, int max_detections);
// Their metadata: detections [-1, K, 6] FP32, detection_count [-1] INT32.
std::vector<TensorMetadata> DetectionOutputMetadata(int max_detections);

// True when `response` holds both outputs.
bool HasDetectionOutputs(const InferResponse& response);
// The detections of every image of `response`, padding left out.
// InvalidData naming the output when one is missing, of the wrong datatype or
// shape, or a count is outside [0, K].
Result<std::vector<std::vector<Detection>>> ReadDetectionOutputs(const InferResponse& response);

inline constexpr double kAgreementMinScore = 0.3;
inline constexpr double kAgreementMinIou = 0.5;
inline constexpr double kAgreementF1 = 0.8;

struct DetectionAgreement {
  std::int64_t reference = 0;   // accurate boxes with score >= min_score
  std::int64_t candidates = 0;  // fast boxes with score >= min_score
  std::int64_t matched = 0;
  double recall = 1.0, precision = 1.0, f1 = 1.0;
  bool agree() const { return f1 >= kAgreementF1; }
};
// Pooled over the images (fast[i] and accurate[i] the same image); images
// missing from the shorter list count as empty.
DetectionAgreement CompareDetectionAnswers(std::span<const std::vector<Detection>> fast,
                                           std::span<const std::vector<Detection>> accurate,
                                           double min_score = kAgreementMinScore, double min_iou = kAgreementMinIou);

}  // namespace sweetspot
