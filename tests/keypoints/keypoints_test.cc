#include "sweetspot/keypoints.h"

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(KeypointSchema, JointIndexFindsByNameAndMinusOneOtherwise) {
  KeypointSchema schema;
  schema.joints = {"l_knee", "r_knee"};
  EXPECT_EQ(schema.JointIndex("r_knee"), 1);
  EXPECT_EQ(schema.JointIndex("nose"), -1);
}

}  // namespace
}  // namespace sweetspot
