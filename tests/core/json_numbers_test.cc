// The guard against NaN written as JSON null.
#include "sweetspot/json_numbers.h"

#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

using nlohmann::json;

TEST(FirstNonFiniteNumber, FindsNanAndInfinityByPointer) {
  json j = {{"report", {{"epochs", json::array({{{"loss", 0.5}}, {{"loss", 1.0}}})}}}, {"count", 3}};
  EXPECT_EQ(FirstNonFiniteNumber(j), std::nullopt);
  j["report"]["epochs"][1]["loss"] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(FirstNonFiniteNumber(j), "/report/epochs/1/loss");
  j["report"]["epochs"][1]["loss"] = 2.0;
  j["a"] = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(FirstNonFiniteNumber(j), "/a");
  // What nlohmann would otherwise write, and a reader then trips over:
  EXPECT_EQ(j.dump().find("\"a\":null"), 1U);
}

}  // namespace
}  // namespace sweetspot
