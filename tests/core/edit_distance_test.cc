#include "sweetspot/edit_distance.h"

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0U);
  EXPECT_EQ(EditDistance("", "abc"), 3U);
  EXPECT_EQ(EditDistance("abc", ""), 3U);
  EXPECT_EQ(EditDistance("r_knee", "r_knee"), 0U);
  EXPECT_EQ(EditDistance("r_kne", "r_knee"), 1U);       // one insertion
  EXPECT_EQ(EditDistance("--threads", "--thread"), 1U);  // one deletion
  EXPECT_EQ(EditDistance("l_hip", "r_hip"), 1U);         // one substitution
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3U);      // the textbook case
  EXPECT_EQ(EditDistance("l_foot", "l_hip"), 4U);
  EXPECT_EQ(EditDistance("sitting", "kitten"), EditDistance("kitten", "sitting"));
}

}  // namespace
}  // namespace sweetspot
