#include <nlohmann/json.hpp>

#include "sweetspot/keypoint_metrics.h"

namespace sweetspot {

namespace stats {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, lower, upper, valid)
}  // namespace stats

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Estimate, value, ci)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PckAt, alpha, pck)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JointError, joint, persons, error_px, error_norm)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointMetrics, schema, normalization, persons, pck, oks, ap, ap50, ap75,
                                   confidence_mean, confidence_median, joints)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointComparison::PckDiff, alpha, diff, p_value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointComparison, persons, pck, oks_diff, oks_p_value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConfidenceDrop, joints, persons, reference_mean, model_mean, drop_percent, p_value)

namespace {

template <typename T>
Result<T> FromJson(const nlohmann::json& json, const char* what) {
  try {
    return json.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string(what) + ": " + e.what());
  }
}

}  // namespace

nlohmann::json ToJson(const KeypointMetrics& metrics) { return metrics; }
nlohmann::json ToJson(const KeypointComparison& comparison) { return comparison; }
nlohmann::json ToJson(const ConfidenceDrop& drop) { return drop; }

Result<KeypointMetrics> KeypointMetricsFromJson(const nlohmann::json& json) {
  return FromJson<KeypointMetrics>(json, "keypoint metrics");
}
Result<KeypointComparison> KeypointComparisonFromJson(const nlohmann::json& json) {
  return FromJson<KeypointComparison>(json, "keypoint comparison");
}
Result<ConfidenceDrop> ConfidenceDropFromJson(const nlohmann::json& json) {
  return FromJson<ConfidenceDrop>(json, "confidence drop");
}

}  // namespace sweetspot
