// Keypoint accuracy and confidence over labelled persons, with bootstrap
// intervals over persons, and paired comparisons of two models on the same
// persons. Truth and predictions are persons in ONE schema (a model's
// predictions mapped onto the dataset's schema with MapSchemas), truth[i]
// and predicted[i] the same person, in original-image pixels.
//
// Per person (truth with at least one labelled joint, score > 0):
//  - PCK@alpha: the share of its labelled joints whose predicted location is
//    within alpha * norm px of the label (distance <= threshold), norm
//    "box" = max(w, h) of the truth box or "head" = Person::head_size
//    (persons with norm 0 are left out of PCK and the normalised errors).
//    The figure is the mean over persons (so each person weighs the same,
//    whatever its number of labelled joints).
//  - OKS (cocoapi, PythonAPI/pycocotools/cocoeval.py, computeOks):
//    OKS = mean over labelled joints (v > 0) of exp(-d^2 / (2 s^2 (2 sigma)^2)),
//    s^2 = Person::area of the truth (+ eps), sigma the schema's per-joint
//    sigma. Undefined (-1) when the schema has no sigmas.
//  - confidence: the mean of the predicted joints' scores (all joints).
// COCO keypoint AP (cocoeval's evaluate/accumulate for the keypoint task):
// for each OKS threshold t in .50:.05:.95 the predictions, ranked by score
// (the person's confidence above, descending, ties in order), are true
// positives when the OKS with their truth person is >= t; AP(t) is the mean
// of the 101-point interpolated precision at recall 0:.01:1 (precision made
// monotone from the right, 0 past the last recall). AP = mean over t, AP50
// and AP75 the t = .5 and .75 values. Top-down evaluation gives exactly one
// prediction per truth person, so the pairing is fixed where COCO matches
// every prediction of an image greedily to the unmatched truth of highest
// OKS: the figures agree with COCO's whenever no prediction overlaps another
// person better than its own, and there are no false positives from extra
// detections (AP then measures localisation ranked by confidence only).
//
// Intervals: percentile bootstrap over persons (stats.h), every statistic
// recomputed on the same resamples, so a comparison of two models is paired.
// p-values as detection's CompareDetections: stats::PairedBootstrapPValue,
// (min tail + 1) / (B + 1), two-sided.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/keypoints.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct KeypointMetricOptions {
  std::vector<double> pck_alphas = {0.05, 0.1, 0.2};  // strict ones first
  std::string normalization = "box";                 // "box" | "head"
  std::size_t bootstrap_replicates = 1000;            // over persons; 0: no intervals (valid = false)
  std::uint64_t seed = 20240501;
  double confidence = 0.95;
};

// A figure and its bootstrap interval.
struct Estimate {
  double value = 0.0;
  stats::Interval ci;
};

struct PckAt {
  double alpha = 0.0;
  Estimate pck;  // 0..1
};

struct JointError {
  std::string joint;
  std::int64_t persons = 0;  // persons where it is labelled
  Estimate error_px;         // mean distance to the label
  Estimate error_norm;       // mean distance / norm (persons with norm > 0)
};

struct KeypointMetrics {
  std::string schema;
  std::string normalization;
  std::int64_t persons = 0;    // truth persons with a labelled joint (the rest are left out)
  std::vector<PckAt> pck;      // one per alpha, in the options' order
  Estimate oks;                // mean OKS; -1 without sigmas
  Estimate ap, ap50, ap75;     // -1 without sigmas
  Estimate confidence_mean;    // over persons of their mean joint confidence
  Estimate confidence_median;  // median over persons of the same
  std::vector<JointError> joints;
};

// OKS of one person (formula above); -1 when the truth has no labelled joint.
// Requires sigmas, truth and predicted keypoints of equal length.
double Oks(const Person& truth, const Person& predicted, std::span<const double> sigmas);

// AP(t) of persons with OKS `oks` and confidence `scores` (101-point, above);
// 0 without persons. Requires equal lengths.
double KeypointAp(std::span<const double> oks, std::span<const double> scores, double threshold);

// InvalidArgument for an unknown normalization ("normalization 'x': use box
// or head") or an alpha <= 0. Requires truth.size() == predicted.size() and
// every person with schema.size() keypoints (a bug otherwise).
Result<KeypointMetrics> ComputeKeypointMetrics(const KeypointSchema& schema, std::span<const Person> truth,
                                               std::span<const Person> predicted,
                                               const KeypointMetricOptions& options = {});

// Model a minus model b on the same truth persons.
struct KeypointComparison {
  struct PckDiff {
    double alpha = 0.0;
    Estimate diff;
    double p_value = 1.0;
  };
  std::int64_t persons = 0;
  std::vector<PckDiff> pck;
  Estimate oks_diff;  // -1 value and p 1 without sigmas
  double oks_p_value = 1.0;
};
Result<KeypointComparison> CompareKeypointModels(const KeypointSchema& schema, std::span<const Person> truth,
                                                 std::span<const Person> a, std::span<const Person> b,
                                                 const KeypointMetricOptions& options = {});

// The confidence drop of `model` against `reference` on the same persons
// (crops), each in its own schema, over the joints both schemas share
// (MapSchemas' error when none): per person the mean score of the shared
// joints; drop % = 100 * (mean_ref - mean_model) / mean_ref over persons,
// positive when the model is less confident. Paired bootstrap interval and
// p-value (drop 0). InvalidArgument when the person counts differ or the
// reference's mean confidence is 0.
struct ConfidenceDrop {
  std::vector<std::string> joints;  // the shared joints, in the reference's order
  std::int64_t persons = 0;
  double reference_mean = 0.0, model_mean = 0.0;
  Estimate drop_percent;
  double p_value = 1.0;
};
Result<ConfidenceDrop> CompareConfidence(const KeypointSchema& reference_schema, std::span<const Person> reference,
                                         const KeypointSchema& model_schema, std::span<const Person> model,
                                         const KeypointMetricOptions& options = {});

// Every field; intervals as {"lower", "upper", "valid"}. FromJson fails
// (InvalidData, naming the key) on a missing or mistyped key.
nlohmann::json ToJson(const KeypointMetrics& metrics);
nlohmann::json ToJson(const KeypointComparison& comparison);
nlohmann::json ToJson(const ConfidenceDrop& drop);
Result<KeypointMetrics> KeypointMetricsFromJson(const nlohmann::json& json);
Result<KeypointComparison> KeypointComparisonFromJson(const nlohmann::json& json);
Result<ConfidenceDrop> ConfidenceDropFromJson(const nlohmann::json& json);

}  // namespace sweetspot
