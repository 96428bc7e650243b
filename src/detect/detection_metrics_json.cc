#include <nlohmann/json.hpp>

#include "sweetspot/detection_metrics.h"

namespace sweetspot {

namespace stats {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, lower, upper, valid)
}  // namespace stats

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PrPoint, recall, precision)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ClassAp, class_id, name, ground_truth, ap50_95, ap50, ap75, pr50)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DetectionMetrics, protocol, images, ground_truth, detections, map50_95, map50, map75,
                                   map50_95_ci, map50_ci, ap_small, ap_medium, ap_large, ar100, per_class)

nlohmann::json ToJson(const DetectionMetrics& metrics) { return metrics; }

Result<DetectionMetrics> DetectionMetricsFromJson(const nlohmann::json& json) {
  try {
    return json.get<DetectionMetrics>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("detection metrics: ") + e.what());
  }
}

}  // namespace sweetspot
