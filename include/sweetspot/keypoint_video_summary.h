// The figures of a keypoint video run (RunKeypointVideo, keypoint_eval.h):
// every model's confidence on the tracked frames and, for every model other
// than the reference (the tracked one, the gold standard), its stability
// against the reference (CompareKeypointStability: jitter per joint and
// overall, angle noise per schema angle, verdicts; stability.h), its
// agreement with it (MeasureKeypointAgreement, scale = the frame's crop side)
// and its confidence drop.
//
// Confidence on video: a joint is DETECTED on a frame when its score is > 0
// (RunKeypointVideo gives a joint the model's schema lacks score 0). A
// model's confidence is the mean score over its detected joint-frames, its
// confident share the share of those with score >= min_confidence. The
// confidence drop of a model against the reference is measured on the joints
// detected by BOTH on each frame: drop % = 100 * (mean_ref - mean_model) /
// mean_ref, positive when the model is less confident (keypoint_metrics.h's
// CompareConfidence on a dataset; here frames are the samples).
// Intervals: moving-block bootstrap over frames (stats.h, Kuensch 1989;
// block length as stability.h), the drop's paired (same blocks for both
// models); p-value two-sided, stats::PairedBootstrapPValue.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/keypoint_eval.h"
#include "sweetspot/stability.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct KeypointVideoSummaryOptions {
  StabilityOptions stability;  // min_confidence: the jointly confident rule; bootstrap settings
  AgreementOptions agreement;
  // The request's min_confidence, agreement_threshold, bootstrap_replicates and seed.
  static KeypointVideoSummaryOptions FromRequest(const KeypointVideoRequest& request);
};

struct VideoConfidence {
  std::string model;
  std::int64_t joint_frames = 0;    // detected joint-frames (score > 0)
  StabilityFigure mean;             // mean score, ~0..1
  StabilityFigure confident_share;  // share with score >= min_confidence, 0..1
};

struct VideoConfidenceDrop {
  std::int64_t joint_frames = 0;  // joint-frames detected by both
  double reference_mean = 0.0;
  double model_mean = 0.0;
  StabilityFigure drop_percent;  // 100 * (reference - model) / reference
  double p_value = 1.0;          // of drop 0
};

// One model other than the reference, against the reference.
struct KeypointVideoComparison {
  std::string model;                      // its name
  KeypointStabilityComparison stability;  // a = this model, b = the reference
  KeypointAgreement agreement;            // a = the reference (gold standard), b = this model
  VideoConfidenceDrop confidence_drop;
};

struct KeypointVideoSummary {
  std::string video;
  double fps = 0.0;
  std::string schema;                        // the reference's schema: every figure's joints and angles
  std::string reference;                     // the reference model's name
  std::int64_t frames = 0;                   // tracked frames measured
  std::optional<std::size_t> lost_at_frame;  // RunKeypointVideo's
  std::string note;
  double min_confidence = 0.0;
  double agreement_threshold = 0.0;                  // normalised by the crop side
  std::vector<VideoConfidence> confidence;           // every model, in the result's order
  std::vector<KeypointVideoComparison> comparisons;  // every model but the reference, in order
};

// The figures above. Requires a result as RunKeypointVideo makes it (every
// model with one frame per crop, every frame the schema's joints; a bug
// otherwise). A result without frames gives figures with count 0.
KeypointVideoSummary SummarizeKeypointVideo(const KeypointVideoResult& result,
                                            const KeypointVideoSummaryOptions& options = {});

// JSON (schema "sweetspot.keypoint-video-summary/1"): every field, figures
// as {"value", "ci": {"lower", "upper", "valid"}}, lost_at_frame null when the
// track was kept. FromJson: InvalidData naming the key.
nlohmann::json ToJson(const KeypointVideoSummary& summary);
Result<KeypointVideoSummary> KeypointVideoSummaryFromJson(const nlohmann::json& json);

}  // namespace sweetspot
