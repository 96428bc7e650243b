#include <string>

#include "sweetspot/calibration.h"

namespace sweetspot {

std::string_view CalibrationMethodName(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kEntropy: return "entropy";
  }
  return "minmax";
}

Result<CalibrationMethod> ParseCalibrationMethod(std::string_view name) {
  for (auto method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    if (CalibrationMethodName(method) == name) return method;
  }
  return Status::InvalidArgument("unknown calibration method '" + std::string(name) +
                                 "' (expected minmax, percentile or entropy)");
}

}  // namespace sweetspot
