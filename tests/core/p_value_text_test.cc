#include "sweetspot/p_value_text.h"

#include <vector>

#include <gtest/gtest.h>

#include "sweetspot/stats.h"

namespace sweetspot {
namespace {

TEST(PValueText, TwoSignificantDigits) {
  EXPECT_EQ(PValueText(0.0342, 1000), "p = 0.034");
  EXPECT_EQ(PValueText(0.5, 1000), "p = 0.5");
  EXPECT_EQ(PValueText(1.0, 1000), "p = 1");
  EXPECT_EQ(PValueText(0.00123, 0), "p = 0.0012");
  EXPECT_EQ(PValueText(0.0001, 0), "p = 0.0001");
}

// The smallest p B replicates give, 2 / (B + 1), is a bound; the next one up is not.
TEST(PValueText, ABootstrapPAtItsFloorIsABoundNeverZero) {
  const std::vector<double> all_positive(1000, 0.5);
  const double floor = stats::PairedBootstrapPValue(all_positive);
  EXPECT_DOUBLE_EQ(floor, 2.0 / 1001.0);
  EXPECT_EQ(PValueText(floor, 1000), "p < 0.002");
  EXPECT_EQ(PValueText(4.0 / 1001.0, 1000), "p = 0.004");
  EXPECT_EQ(PValueText(2.0 / 2001.0, 2000), "p < 0.001");
  EXPECT_EQ(PValueText(2.0 / 201.0, 200), "p < 0.01");
  EXPECT_EQ(PValueText(2.0 / 1000.0, 999), "p < 0.002");  // exactly 0.002: not rounded up to 0.003
  // Just above the floor of 1000 replicates: an ordinary p.
  EXPECT_EQ(PValueText(2.0 / 1001.0 * 1.5, 1000), "p = 0.003");
}

TEST(PValueFigure, IsTheTextWithoutP) {
  EXPECT_EQ(PValueFigure(0.0342, 1000), "0.034");
  EXPECT_EQ(PValueFigure(2.0 / 1001.0, 1000), "< 0.002");
}

TEST(PValueText, AnExactPBelowATenThousandthIsABound) {
  EXPECT_EQ(PValueText(3e-9, 0), "p < 0.0001");
  EXPECT_EQ(PValueText(0.0, 0), "p < 0.0001");
  EXPECT_EQ(PValueText(0.00011, 0), "p = 0.00011");
}

}  // namespace
}  // namespace sweetspot
