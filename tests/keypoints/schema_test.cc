#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/stability.h"

namespace sweetspot {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(BuiltinSchema, Coco17HasCocoOrderSigmasSkeletonAndAngles) {
  auto schema = BuiltinSchema("coco17");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ(schema->size(), 17U);
  EXPECT_EQ(schema->joints.front(), "nose");
  EXPECT_EQ(schema->joints[11], "l_hip");
  EXPECT_EQ(schema->joints.back(), "r_ankle");
  // cocoapi: hips .107 (1.07 / 10), ears .035, eyes .025.
  ASSERT_EQ(schema->sigmas.size(), 17U);
  EXPECT_DOUBLE_EQ(schema->sigmas[11], 0.107);
  EXPECT_DOUBLE_EQ(schema->sigmas[3], 0.035);
  EXPECT_DOUBLE_EQ(schema->sigmas[1], 0.025);
  // cocoapi's 19 limbs; the first is [16, 14] 1-based: l_ankle - l_knee.
  ASSERT_EQ(schema->skeleton.size(), 19U);
  EXPECT_EQ(schema->skeleton.front(), (std::pair<int, int>{15, 13}));
  ASSERT_EQ(schema->angles.size(), 6U);
  for (const auto& angle : schema->angles) {
    for (const auto& joint : {angle.a, angle.vertex, angle.c}) EXPECT_GE(schema->JointIndex(joint), 0) << joint;
  }
}

TEST(BuiltinSchema, MpiiAndEfficientPoseFollowTheirOutputOrders) {
  auto mpii = BuiltinSchema("mpii16");
  auto efficientpose = BuiltinSchema("efficientpose16");
  ASSERT_TRUE(mpii.ok() && efficientpose.ok());
  EXPECT_EQ(mpii->joints[0], "r_ankle");
  EXPECT_EQ(mpii->joints[9], "head_top");
  EXPECT_EQ(mpii->joints[15], "l_wrist");
  EXPECT_EQ(efficientpose->joints[0], "head_top");
  EXPECT_EQ(efficientpose->joints[5], "thorax");
  EXPECT_EQ(efficientpose->joints[15], "l_ankle");
  EXPECT_TRUE(mpii->sigmas.empty());
  EXPECT_EQ(mpii->skeleton.size(), 15U);
  const auto knee = std::find_if(efficientpose->angles.begin(), efficientpose->angles.end(),
                                 [](const JointAngle& a) { return a.name == "l_knee_flexion"; });
  ASSERT_NE(knee, efficientpose->angles.end());
  EXPECT_EQ(knee->vertex, "l_knee");
  EXPECT_DOUBLE_EQ(knee->offset_deg, 180.0);
}

TEST(BuiltinSchema, UnknownNameListsTheBuiltinsAndABuiltinNameWorks) {
  auto unknown = BuiltinSchema("coco18");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("coco17, mpii16, efficientpose16"), std::string::npos);
  EXPECT_TRUE(BuiltinSchema(BuiltinSchemaNames().front()).ok());
}

TEST(MapSchemas, MapsEfficientPoseOntoCocoByName) {
  const auto efficientpose = *BuiltinSchema("efficientpose16");
  const auto coco = *BuiltinSchema("coco17");
  auto map = MapSchemas(efficientpose, coco);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  ASSERT_EQ(map->size(), 17U);
  EXPECT_EQ((*map)[0], -1);   // nose: EfficientPose has none
  EXPECT_EQ((*map)[13], 14);  // coco l_knee <- efficientpose l_knee (index 14)
  EXPECT_EQ((*map)[6], 2);    // coco r_shoulder <- efficientpose r_shoulder
  // Shared: shoulders, elbows, wrists, hips, knees, ankles = 12.
  EXPECT_EQ(std::count_if(map->begin(), map->end(), [](int i) { return i >= 0; }), 12);
  auto full = MapSchemas(*BuiltinSchema("mpii16"), efficientpose);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ((*full)[0], 9);  // efficientpose head_top <- mpii head_top (index 9)
  EXPECT_EQ(std::count(full->begin(), full->end(), -1), 0);
}

TEST(MapSchemas, NoSharedJointIsAnErrorUntilTheNamesMatch) {
  KeypointSchema custom;
  custom.name = "custom";
  custom.joints = {"left_knee", "right_knee"};
  auto none = MapSchemas(custom, *BuiltinSchema("coco17"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("schema 'custom' and schema 'coco17' share no joint"), std::string::npos);
  ASSERT_EQ(none.status().fixes().size(), 1U);
  EXPECT_EQ(none.status().fixes().front().field, "schema");
  custom.joints = {"l_knee", "right_knee"};  // the fix: the project's joint names
  auto some = MapSchemas(custom, *BuiltinSchema("coco17"));
  ASSERT_TRUE(some.ok());
  EXPECT_EQ((*some)[13], 0);
}

constexpr char kLegSchema[] =
    "name = \"legs\"\n"
    "joints = [\"l_hip\", \"l_knee\", \"l_ankle\"]\n"
    "skeleton = [[\"l_hip\", \"l_knee\"], [\"l_knee\", \"l_ankle\"]]\n"
    "sigmas = [0.1, 0.08, 0.09]\n"
    "[[angles]]\n"
    "name = \"l_knee_flexion\"\n"
    "a = \"l_hip\"\n"
    "vertex = \"l_knee\"\n"
    "c = \"l_ankle\"\n"
    "offset_deg = 180.0\n"
    "sign = -1.0\n";

TEST(LoadSchemaFile, ReadsEveryKey) {
  TempDir dir;
  WriteFile(dir / "legs.toml", kLegSchema);
  auto schema = ResolveSchema((dir / "legs.toml").string());
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->name, "legs");
  EXPECT_EQ(schema->joints, (std::vector<std::string>{"l_hip", "l_knee", "l_ankle"}));
  EXPECT_EQ(schema->skeleton, (std::vector<std::pair<int, int>>{{0, 1}, {1, 2}}));
  EXPECT_EQ(schema->sigmas, (std::vector<double>{0.1, 0.08, 0.09}));
  ASSERT_EQ(schema->angles.size(), 1U);
  EXPECT_EQ(schema->angles[0].vertex, "l_knee");
  EXPECT_DOUBLE_EQ(schema->angles[0].sign, -1.0);
}

TEST(LoadSchemaFile, AnUnknownJointNamesFileLineAndKeyAndAddingItFixesIt) {
  TempDir dir;
  std::string text = kLegSchema;
  const std::string limb = "[\"l_knee\", \"l_ankle\"]]";
  text.replace(text.find(limb), limb.size(), "[\"l_knee\", \"l_foot\"]]");
  WriteFile(dir / "legs.toml", text);
  auto bad = LoadSchemaFile(dir / "legs.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(bad.status().message().find("legs.toml line 3: 'skeleton' names joint 'l_foot'"), std::string::npos)
      << bad.status().message();
  text.replace(text.find("\"l_ankle\"]"), 10, "\"l_ankle\", \"l_foot\"]");  // the fix: list the joint
  text.replace(text.find("0.09]"), 5, "0.09, 0.09]");
  WriteFile(dir / "legs.toml", text);
  auto fixed = LoadSchemaFile(dir / "legs.toml");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->size(), 4U);
}

// A misspelt joint names the listed one it was meant to be; writing it loads
// the schema with its joint count unchanged (adding the typo as a joint
// would give one joint more than the model has).
TEST(LoadSchemaFile, AMisspeltJointNamesTheListedOneAndWritingItFixesIt) {
  TempDir dir;
  std::string text = kLegSchema;
  const std::string limb = "[\"l_knee\", \"l_ankle\"]]";
  text.replace(text.find(limb), limb.size(), "[\"l_kne\", \"l_ankle\"]]");
  WriteFile(dir / "legs.toml", text);
  auto bad = LoadSchemaFile(dir / "legs.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("names joint 'l_kne', which 'joints' does not list; write 'l_knee'"),
            std::string::npos)
      << bad.status().message();
  text.replace(text.find("l_kne\""), 6, "l_knee\"");
  WriteFile(dir / "legs.toml", text);
  auto fixed = LoadSchemaFile(dir / "legs.toml");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->size(), 3U);
}

TEST(LoadSchemaFile, UnknownKeyAndSigmaCountAreNamedWithTheirLines) {
  TempDir dir;
  WriteFile(dir / "a.toml", "colour = 1\n" + std::string(kLegSchema));
  auto unknown = LoadSchemaFile(dir / "a.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("a.toml line 1: 'colour' is unknown"), std::string::npos)
      << unknown.status().message();
  std::string text = kLegSchema;
  text.replace(text.find("0.1, "), 5, "");
  WriteFile(dir / "b.toml", text);
  auto sigmas = LoadSchemaFile(dir / "b.toml");
  ASSERT_FALSE(sigmas.ok());
  EXPECT_NE(sigmas.status().message().find("b.toml line 4: 'sigmas' must be 3 positive numbers"), std::string::npos)
      << sigmas.status().message();
}

// docs/keypoints.md's custom schema example is one a user can copy: it loads,
// and its knee angle reads 0 for a straight leg and 90 for a right angle.
TEST(LoadSchemaFile, TheDocumentedExampleLoadsAndMeasuresFlexion) {
  std::ifstream doc(std::string(SWEETSPOT_TEST_DIR) + "/../docs/keypoints.md");
  ASSERT_TRUE(doc) << "docs/keypoints.md";
  std::stringstream buffer;
  buffer << doc.rdbuf();
  const std::string text = buffer.str();
  const std::size_t start = text.find("```toml\nname = \"lower-body6\"");
  ASSERT_NE(start, std::string::npos) << "the schema example left docs/keypoints.md";
  const std::size_t body = start + std::string("```toml\n").size();
  const std::size_t end = text.find("```", body);
  ASSERT_NE(end, std::string::npos);
  TempDir dir;
  WriteFile(dir / "lower-body6.toml", text.substr(body, end - body));
  auto schema = LoadSchemaFile(dir / "lower-body6.toml");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->size(), 6U);
  EXPECT_EQ(schema->skeleton.size(), 5U);
  ASSERT_EQ(schema->angles.size(), 1U);
  // r_ankle, r_knee, r_hip; the other three joints do not enter the angle.
  std::vector<Keypoint> straight = {{0, 20, 1}, {0, 10, 1}, {0, 0, 1}, {5, 0, 1}, {5, 10, 1}, {5, 20, 1}};
  EXPECT_NEAR(*JointAngleDeg(straight, schema->angles[0], *schema), 0.0, 1e-9);
  std::vector<Keypoint> bent = straight;
  bent[0] = {10, 10, 1};  // the shank at a right angle to the thigh
  EXPECT_NEAR(*JointAngleDeg(bent, schema->angles[0], *schema), 90.0, 1e-9);
}

TEST(ResolveSchema, BuiltinNameOrMissingName) {
  auto builtin = ResolveSchema("mpii16");
  ASSERT_TRUE(builtin.ok());
  EXPECT_EQ(builtin->name, "mpii16");
  auto missing = ResolveSchema("mpii17");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sweetspot
