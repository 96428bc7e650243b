// `sweetspot inspect` through the built binary.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "support/support.h"
#include "support/tiny_models.h"

namespace sweetspot {
namespace {

using testing::RunCli;
using testing::TempDir;

TEST(InspectCli, ReportsResNetParamsAndMacs) {
  SWEETSPOT_REQUIRE_SHARED_DATA(r20, "cifar10-resnet/resnet20_cifar10.onnx");
  const auto r = RunCli("inspect " + r20.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("params       0.27 M"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MACs         40.82 M"), std::string::npos) << r.out;
}

// The library's report names its argument; inspect names its own flag.
TEST(InspectCli, TopNodesPointToTheNodesFlag) {
  TempDir dir;
  const auto model = testing::WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  const auto r = RunCli("inspect " + model.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nodes by MACs (--nodes lists all)"), std::string::npos) << r.out;
}

TEST(InspectCli, JsonScalesMacsWithTheBatch) {
  TempDir dir;
  const auto model = testing::WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  const auto one = RunCli("inspect " + model.string() + " --json -");
  const auto eight = RunCli("inspect " + model.string() + " --batch 8 --json -");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(eight.exit_code, 0) << eight.err;
  const auto j1 = nlohmann::json::parse(one.out);
  const auto j8 = nlohmann::json::parse(eight.out);
  EXPECT_EQ(j1["param_count"], 1562);
  EXPECT_EQ(j1["total_macs"], 528544);
  EXPECT_EQ(j8["total_macs"].get<int64_t>(), 8 * j1["total_macs"].get<int64_t>());
}

// A SWEETSPOT_LOG_LEVEL that names no level is said once, not ignored; any
// case of a real level is taken.
TEST(InspectCli, InvalidLogLevelWarnsOnceNamingTheVariable) {
  TempDir dir;
  const auto model = testing::WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  const auto r = testing::RunCliUnder("env SWEETSPOT_LOG_LEVEL=verbose", "inspect " + model.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err,
            "sweetspot: warning: SWEETSPOT_LOG_LEVEL 'verbose' is not a level; using warning (accepted: debug, info, "
            "warning, error)\n");
  const auto upper = testing::RunCliUnder("env SWEETSPOT_LOG_LEVEL=ERROR", "inspect " + model.string());
  ASSERT_EQ(upper.exit_code, 0) << upper.err;
  EXPECT_EQ(upper.err, "");
}

TEST(InspectCli, BadInputExitsTwoWithOneLine) {
  TempDir dir;
  testing::WriteFile(dir / "junk.onnx", "junk");
  for (const std::string& args : {std::string("inspect ") + (dir / "absent.onnx").string(),
                                  std::string("inspect ") + (dir / "junk.onnx").string(),
                                  std::string("inspect --batch 0 ") + (dir / "junk.onnx").string()}) {
    const auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(InspectCli, UnwritableJsonFailsWithTheFlagAndTheFixWorks) {
  TempDir dir;
  const auto model = testing::WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  testing::WriteFile(dir / "somefile", "x");
  auto r = RunCli("inspect " + model.string() + " --json '" + (dir / "somefile" / "i.json").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--json: '" + (dir / "somefile").string() + "' is a file, not a folder"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "") << "the summary is not printed before the output fails";
  r = RunCli("inspect " + model.string() + " --json /proc/i.json");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--json: cannot create files in folder '/proc'"), std::string::npos) << r.err;

  r = RunCli("inspect " + model.string() + " --json '" + (dir / "i.json").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "i.json"));
}

}  // namespace
}  // namespace sweetspot
