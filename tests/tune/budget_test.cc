#include <gtest/gtest.h>

#include "sweetspot/accuracy_aware.h"

namespace sweetspot {
namespace {

TEST(AccuracyBudget, PointsAreAbsoluteAndPercentIsOfTheFloatTop1) {
  auto points = ParseAccuracyBudget("0.3");
  ASSERT_TRUE(points.ok()) << points.status().ToString();
  EXPECT_EQ(points->kind, AccuracyBudget::Kind::kPoints);
  EXPECT_DOUBLE_EQ(points->AllowedDropPoints(0.9), 0.3);
  EXPECT_EQ(points->ToString(), "0.3 points");

  auto percent = ParseAccuracyBudget("1%");
  ASSERT_TRUE(percent.ok()) << percent.status().ToString();
  EXPECT_EQ(percent->kind, AccuracyBudget::Kind::kPercent);
  EXPECT_DOUBLE_EQ(percent->AllowedDropPoints(0.9), 0.9);  // 1 % of 90 %
  EXPECT_EQ(percent->ToString(), "1 % of float top-1");
}

TEST(AccuracyBudget, BadTextNamesItAndTheTwoForms) {
  for (const char* text : {"", "%", "-0.3", "0.3pt", "nan", "inf"}) {
    auto budget = ParseAccuracyBudget(text);
    ASSERT_FALSE(budget.ok()) << text;
    EXPECT_EQ(budget.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(budget.status().message().find(std::string("'") + text + "'"), std::string::npos);
    EXPECT_NE(budget.status().message().find("1%"), std::string::npos);
  }
}

}  // namespace
}  // namespace sweetspot
