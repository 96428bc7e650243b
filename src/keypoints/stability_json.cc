#include <nlohmann/json.hpp>

#include "sweetspot/stability.h"
#include "sweetspot/task_stability.h"

namespace sweetspot {

namespace stats {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, lower, upper, valid)
}  // namespace stats

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StabilityFigure, value, ci)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PairedStability, name, count, a, b, diff, diff_ci, p_value, verdict)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointStabilityComparison, model_a, model_b, schema, frames, block_length,
                                   replicates, min_confidence, jitter_px, overall_jitter_px, angle_noise_deg)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JointAgreement, joint, frames, distance_px, distance, beyond_share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointAgreement, model_a, model_b, schema, frames, threshold, joints, distance,
                                   frames_measured, any_beyond_share)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ClassificationFlicker, frames, changes, share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DetectionStability, frames, matched_pairs, chains, centre_jitter, size_jitter,
                                   identity_flicker, appear_rate, disappear_rate)

nlohmann::json ToJson(const KeypointStabilityComparison& comparison) { return comparison; }
nlohmann::json ToJson(const ClassificationFlicker& flicker) { return flicker; }
nlohmann::json ToJson(const DetectionStability& stability) { return stability; }
nlohmann::json ToJson(const KeypointAgreement& agreement) { return agreement; }

Result<KeypointStabilityComparison> KeypointStabilityComparisonFromJson(const nlohmann::json& json) {
  try {
    return json.get<KeypointStabilityComparison>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("keypoint stability: ") + e.what());
  }
}

Result<KeypointAgreement> KeypointAgreementFromJson(const nlohmann::json& json) {
  try {
    return json.get<KeypointAgreement>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("keypoint agreement: ") + e.what());
  }
}

}  // namespace sweetspot
