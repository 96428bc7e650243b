// What a keypoint evaluation found: the metrics of keypoint_metrics.h computed
// from EvaluateKeypoints' result (keypoint_eval.h) with the request's
// alphas, normalisation and bootstrap, the stage times, and the paired
// comparison of two models evaluated on the same persons.
//
// Scored joints: the dataset's joints the model has (KeypointEvalResult::
// joint_map >= 0). A dataset joint the model lacks (COCO's face joints for an
// MPII-trained model) is left out of every figure, PCK, OKS, AP, per-joint
// error and confidence alike, rather than counted as a miss at score 0; OKS
// then averages over the scored joints with their published sigmas.
//
// Comparison of `model` against `reference` (the same dataset, padding and
// limit, so truth person i is the same person in both):
//  - accuracy: CompareKeypointModels, model - reference, on the dataset
//    joints both models score (paired bootstrap over persons, p-values);
//  - confidence: CompareConfidence, the drop % of the model's mean joint
//    confidence against the reference's on the joints both models have,
//    positive when the model is less confident.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/detection_eval.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/keypoint_metrics.h"
#include "sweetspot/status.h"

namespace sweetspot {

// The request's metric settings (alphas, normalisation, replicates, seed).
KeypointMetricOptions MetricOptionsOf(const KeypointEvalRequest& request);

// Schema "sweetspot.keypoint-eval-summary/1".
struct KeypointEvalSummary {
  std::string model;       // path as given
  std::string model_name;  // as reports name it
  std::string model_schema;
  std::string engine;
  std::string dataset;  // the JSON read
  std::string dataset_format;
  std::vector<std::string> dataset_notes;
  std::string dataset_schema;
  std::vector<std::string> joints;  // the scored joints (top of this file), the dataset's order
  std::string preprocess_toml;      // the resolved PreprocessSpec
  std::string decoder_toml;         // the resolved KeypointDecoderSpec
  std::uint64_t bootstrap_replicates = 0;
  KeypointMetrics metrics;     // over the scored joints
  DetectionTimeSummary times;  // per person, milliseconds (preprocess = crop + preprocessing; postprocess = decoding)
};

// InvalidArgument naming `pck_normalization` or `pck_alphas` when the options
// are refused (ComputeKeypointMetrics).
Result<KeypointEvalSummary> SummarizeKeypointEval(const KeypointEvalResult& result,
                                                  const KeypointMetricOptions& options);

// `model` against `reference` (top of this file).
struct KeypointModelComparison {
  std::string model;  // model_name of each
  std::string reference;
  std::vector<std::string> joints;  // the dataset joints both score (accuracy's)
  KeypointComparison accuracy;      // model - reference
  ConfidenceDrop confidence;        // of model against reference
};
// InvalidArgument when the two did not evaluate the same persons ("give both
// models the same dataset, padding and limit"), or when they score no joint
// in common (the models' schemas: give a schema whose joint names match).
Result<KeypointModelComparison> CompareKeypointResults(const KeypointEvalResult& model,
                                                       const KeypointEvalResult& reference,
                                                       const KeypointMetricOptions& options);

// FromJson: InvalidData naming the key or a wrong "schema".
nlohmann::json ToJson(const KeypointEvalSummary& summary);
Result<KeypointEvalSummary> KeypointEvalSummaryFromJson(const nlohmann::json& json);
nlohmann::json ToJson(const KeypointModelComparison& comparison);
Result<KeypointModelComparison> KeypointModelComparisonFromJson(const nlohmann::json& json);

}  // namespace sweetspot
