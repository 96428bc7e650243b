#include <gtest/gtest.h>

#include "sweetspot/calibration.h"

namespace sweetspot {
namespace {

TEST(CalibrationMethod, NamesRoundTripAndUnknownNamesListTheChoices) {
  for (auto method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    auto parsed = ParseCalibrationMethod(CalibrationMethodName(method));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, method);
  }
  auto bad = ParseCalibrationMethod("kl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("minmax, percentile or entropy"), std::string::npos);
}

}  // namespace
}  // namespace sweetspot
