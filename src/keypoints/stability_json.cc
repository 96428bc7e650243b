#include <nlohmann/json.hpp>

#include "stability_json.h"
#include "sweetspot/stability.h"
#include "sweetspot/task_stability.h"

namespace sweetspot {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ClassificationFlicker, frames, changes, share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DetectionStability, frames, matched_pairs, chains, centre_jitter, size_jitter,
                                   identity_flicker, appear_rate, disappear_rate)

nlohmann::json ToJson(const KeypointStabilityComparison& comparison) { return comparison; }
nlohmann::json ToJson(const ClassificationFlicker& flicker) { return flicker; }
nlohmann::json ToJson(const DetectionStability& stability) { return stability; }
nlohmann::json ToJson(const PairedStability& comparison) { return comparison; }
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
