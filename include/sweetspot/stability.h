// Keypoint stability on video: how much a model's keypoints and the joint
// angles derived from them shake from frame to frame, compared between two
// models on the same frames, and how far two models' keypoints lie apart
// (agreement with a gold-standard model on unlabelled video).
//
// Series: a KeypointTrack per model, frames aligned (the same crops fed to
// every model), keypoints in original-image pixels in ONE schema (map
// models' schemas first, MapSchemas). Only joints confident in BOTH models
// are measured (JointlyConfident): a model that finds more of the hard joints
// would otherwise look noisier.
//
// Jitter of joint j at frame t, defined when t-1, t and t+1 are all jointly
// confident for j: |p[t+1] - 2 p[t] + p[t-1]| (Euclidean, px/frame^2); a
// constant-velocity path has 0, alternating +/-d noise has 4d. A joint's
// jitter is the mean over its measured frames; the overall jitter is the mean
// over the joints measured at least once.
//
// Angle noise of a schema JointAngle (keypoints.h: interior angle at the
// vertex, value = sign * (interior - offset_deg), degrees): the sample
// standard deviation (n - 1) of the angle's second difference
// a[t+1] - 2 a[t] + a[t-1] over frames where the angle's three joints are
// jointly confident at t-1, t and t+1 (degrees/frame^2). Interior angles lie
// in [0, 180], so no wrap-around is involved.
//
// Intervals: moving-block bootstrap over the frame triples (stats.h,
// MovingBlockResampler; Kuensch 1989), block length ceil(L^(1/3)) of the L
// triples unless given; the two models are resampled with the SAME blocks
// (paired), so the interval and p-value of the difference A - B account for
// the frames both saw. Percentile intervals; p-value two-sided
// (stats::PairedBootstrapPValue: min(1, 2 (min tail + 1) / (B + 1))).
// Replicates in which a figure is undefined (a joint never measured in the
// resample) are left out of that figure's interval.
//
// Shapes are the caller's contract (bugs assert): both tracks have the same
// number of frames and every frame the schema's number of joints; scale_px
// has one entry per frame.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/keypoints.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

// One model's keypoints over a video: frames[t][j], joint j in the schema's
// order, original-image pixels, score = confidence.
struct KeypointTrack {
  std::vector<std::vector<Keypoint>> frames;
};

struct StabilityOptions {
  float min_confidence = 0.3F;              // a joint is confident when score >= this
  std::size_t bootstrap_replicates = 1000;  // 0: no intervals, p = 1
  std::size_t block_length = 0;             // 0: stats::DefaultBlockLength of the resampled series
  double confidence = 0.95;                 // of the intervals
  double significance = 0.05;               // the verdict's level: "noisier" when p < significance
  std::uint64_t seed = 20240501;
};

// mask[t][j]: joint j is confident (score >= min_confidence) in both a and b at frame t.
std::vector<std::vector<bool>> JointlyConfident(const KeypointTrack& a, const KeypointTrack& b, float min_confidence);

// The angle's value in degrees (keypoints.h's definition) on one frame's
// keypoints; nullopt when vertex->a or vertex->c has zero length (no
// direction). Requires the schema to name the angle's three joints.
std::optional<double> JointAngleDeg(std::span<const Keypoint> keypoints, const JointAngle& angle,
                                    const KeypointSchema& schema);

// The angle per frame, nullopt where any of its three joints is outside
// `mask` or the angle is undefined (the series the report draws).
std::vector<std::optional<double>> AngleSeriesDeg(const KeypointTrack& track, const JointAngle& angle,
                                                  const KeypointSchema& schema,
                                                  const std::vector<std::vector<bool>>& mask);

// The verdict on a paired difference a - b of a noise figure (larger = noisier):
// "<a> is noisier than <b> (p = 0.003)", "<b> is noisier than <a> (p = ...)",
// "no measurable difference (p = 0.412)"; "not measured (no jointly confident
// frames)" when count == 0; "too few to test (3 measurements; at least 10)"
// when 0 < count < kMinTestedMeasurements. count: the measurements behind the
// figure (frame triples, or pairs for flicker; an overall figure's: its
// joints' triples together), at most the frame triples (pairs) that hold
// them: the bootstrap resamples those, so 30 boxes in each of 2 triples are
// 2 to test. p printed as %.3f, or %.1e below 0.001.
//
// Why the minimum: a bootstrap of a handful of values whose differences share
// a sign puts every replicate on that side and reports p ~ 2/(B+1), calling
// 2 frame triples "significant"; 10 is the smallest count at which an exact
// sign test of independent values could reach p < 0.002 (2 * 0.5^10).
inline constexpr std::int64_t kMinTestedMeasurements = 10;
std::string StabilityVerdict(std::string_view a_name, std::string_view b_name, double diff, double p_value,
                             double significance, std::int64_t count);

struct StabilityFigure {
  double value = 0.0;  // 0 when not measured (count 0)
  stats::Interval ci;  // moving-block bootstrap
};

// One figure of two models on the same frames.
struct PairedStability {
  std::string name;        // the joint, the angle, or "overall"
  std::int64_t count = 0;  // measurements both models contributed (triples; the overall: joints measured)
  StabilityFigure a, b;
  double diff = 0.0;        // a - b
  stats::Interval diff_ci;  // paired (same blocks)
  double p_value = 1.0;     // two-sided, of diff = 0
  std::string verdict;      // StabilityVerdict
};

struct KeypointStabilityComparison {
  std::string model_a, model_b, schema;
  std::int64_t frames = 0;
  std::int64_t block_length = 0;  // frames per bootstrap block
  std::int64_t replicates = 0;
  double min_confidence = 0.0;
  std::vector<PairedStability> jitter_px;        // per joint, schema order (px/frame^2)
  PairedStability overall_jitter_px;             // mean over joints; its verdict is the headline
  std::vector<PairedStability> angle_noise_deg;  // per schema angle (deg/frame^2)
};

// Jitter and angle noise of a and b on their jointly confident joints.
KeypointStabilityComparison CompareKeypointStability(const KeypointTrack& a, const KeypointTrack& b,
                                                     const KeypointSchema& schema, std::string_view model_a,
                                                     std::string_view model_b, const StabilityOptions& options = {});

// ---------------------------------------------------------------- agreement
// How far model b's keypoints lie from model a's (a: the gold standard) on
// frames where the joint is jointly confident: distance in px and divided by
// the frame's scale (scale_px[t], e.g. the crop side), and the share of
// measured frames beyond `threshold` (normalised). Intervals: moving-block
// bootstrap over frames (as above).
struct AgreementOptions {
  double threshold = 0.05;  // normalised distance beyond which two keypoints disagree
};

struct JointAgreement {
  std::string joint;
  std::int64_t frames = 0;       // jointly confident frames
  StabilityFigure distance_px;   // mean
  StabilityFigure distance;      // mean of distance_px / scale_px
  StabilityFigure beyond_share;  // share of frames with distance > threshold
};

struct KeypointAgreement {
  std::string model_a, model_b, schema;
  std::int64_t frames = 0;
  double threshold = 0.0;
  std::vector<JointAgreement> joints;  // schema order
  StabilityFigure distance;            // mean over joints of their mean normalised distance
  // Share of frames with at least one jointly confident joint in which ANY of
  // them lies beyond the threshold (the frames a viewer would see disagree).
  std::int64_t frames_measured = 0;
  StabilityFigure any_beyond_share;
};

KeypointAgreement MeasureKeypointAgreement(const KeypointTrack& a, const KeypointTrack& b,
                                           std::span<const double> scale_px, const KeypointSchema& schema,
                                           std::string_view model_a, std::string_view model_b,
                                           const AgreementOptions& agreement = {},
                                           const StabilityOptions& options = {});

// Every field; intervals as {"lower", "upper", "valid"}. FromJson fails
// (InvalidData, naming the key) on a missing or mistyped key.
nlohmann::json ToJson(const KeypointStabilityComparison& comparison);
Result<KeypointStabilityComparison> KeypointStabilityComparisonFromJson(const nlohmann::json& json);
nlohmann::json ToJson(const KeypointAgreement& agreement);
Result<KeypointAgreement> KeypointAgreementFromJson(const nlohmann::json& json);

}  // namespace sweetspot
