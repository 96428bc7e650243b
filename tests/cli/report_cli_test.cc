// `sweetspot report` and the page `sweetspot study` writes at its end, run
// through the built binary on the "colours" study; ECharts is a stand-in file
// (the page's drawing is tested in a real browser by ReportBrowser.*), except
// for --png, which needs what scripts/bootstrap installs and skips without it.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "study/study_fixtures.h"
#include "support/support.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCliUnder;
namespace fs = std::filesystem;

// Where scripts/bootstrap installs node's packages, as `sweetspot report` looks for them.
fs::path DefaultNodeModulesForTests() {
  const char* dir = std::getenv("SWEETSPOT_NODE_MODULES");
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path(SWEETSPOT_TEST_DIR).parent_path() / "node_modules";
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteColoursStudy(dir_.path());
    fs::create_directories(dir_ / "node_modules/echarts/dist");
    testing::WriteFile(dir_ / "node_modules/echarts/dist/echarts.min.js", "var echarts = {};");
  }
  // The command with the stand-in node_modules.
  testing::CommandResult Run(const std::string& args) {
    return RunCliUnder("env SWEETSPOT_NODE_MODULES=" + (dir_ / "node_modules").string(), args);
  }
  testing::CommandResult Study(const std::string& spec) {
    return Run("study -q --cache-dir " + (dir_ / "cache").string() + " --db " + (dir_ / "s.db").string() + " " + spec);
  }
  testing::TempDir dir_;
};

TEST_F(ReportCli, TheStudyWritesThePageBesideItsStoreAndPrintsThePath) {
  const auto study = Study((dir_ / "study.toml").string());
  ASSERT_EQ(study.exit_code, 0) << study.err;
  const fs::path page = dir_ / "colours.html";
  EXPECT_THAT(study.out, HasSubstr("report: " + page.string()));
  Result<std::string> html = ReadTextFile(page);
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_THAT(*html, HasSubstr("<script id=\"sweetspot-data\""));
  EXPECT_THAT(*html, HasSubstr("var echarts = {};"));
  EXPECT_THAT(*html, HasSubstr("\"colours\""));
}

TEST_F(ReportCli, WritesThePageAndItsDataFromTheStoreAlone) {
  ASSERT_EQ(Study((dir_ / "study.toml").string()).exit_code, 0);
  // The study's files are gone: the report needs the store only.
  fs::remove_all(dir_ / "images");
  fs::remove(dir_ / "good.onnx");
  const auto page = Run("report --db " + (dir_ / "s.db").string() + " --out " + (dir_ / "r.html").string());
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_THAT(page.out, HasSubstr("report: " + (dir_ / "r.html").string()));
  EXPECT_TRUE(fs::is_regular_file(dir_ / "r.html"));
  const auto data =
      Run("report --db " + (dir_ / "s.db").string() + " --study colours --json --out " + (dir_ / "r.json").string());
  ASSERT_EQ(data.exit_code, 0) << data.err;
  const nlohmann::json doc = nlohmann::json::parse(*ReadTextFile(dir_ / "r.json"));
  EXPECT_EQ(doc["schema"], "sweetspot.report/1");
  ASSERT_EQ(doc["runs"].size(), 1u);
  EXPECT_EQ(doc["runs"][0]["study"]["candidates"].size(), 2u);
}

// An output flag naming the store (or any SQLite file) would overwrite the
// measurements: refused before anything is written, and the proposed fix
// (another file) works.
TEST_F(ReportCli, AnOutputThatIsTheStoreIsRefusedAndTheStoreKept) {
  ASSERT_EQ(Study((dir_ / "study.toml").string()).exit_code, 0);
  const std::string db = (dir_ / "s.db").string();
  const std::string before = *ReadTextFile(db);
  const auto over = Run("report --db " + db + " --out " + db);
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_THAT(over.err, HasSubstr("--out: '" + db +
                                  "' is a database (a results store?); writing there would destroy "
                                  "it: name another file"));
  EXPECT_EQ(*ReadTextFile(db), before);
  const auto study_html = Study((dir_ / "study.toml").string() + " --html " + db);
  EXPECT_EQ(study_html.exit_code, 2);
  EXPECT_THAT(study_html.err, HasSubstr("--html: '" + db + "' is a database"));
  EXPECT_EQ(Run("report --db " + db + " --out " + (dir_ / "other.html").string()).exit_code, 0);
  EXPECT_TRUE(fs::is_regular_file(dir_ / "other.html"));
}

TEST_F(ReportCli, AStoreOfSeveralStudiesNeedsStudy) {
  ASSERT_EQ(Study((dir_ / "study.toml").string()).exit_code, 0);
  std::string spec = *ReadTextFile(dir_ / "study.toml");
  spec.replace(spec.find("colours"), 7, "tints");
  testing::WriteFile(dir_ / "tints.toml", spec);
  ASSERT_EQ(Study((dir_ / "tints.toml").string()).exit_code, 0);
  const std::string out = " --out " + (dir_ / "r.html").string();
  const auto both = Run("report --db " + (dir_ / "s.db").string() + out);
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("the store holds 2 studies (colours, tints): pass --study NAME"));
  EXPECT_EQ(Run("report --db " + (dir_ / "s.db").string() + " --study tints" + out).exit_code, 0);
}

TEST_F(ReportCli, PngChartsComeFromTheDrawnPage) {
  const fs::path node_modules = DefaultNodeModulesForTests();
  if (!fs::is_regular_file(node_modules / "playwright-core/package.json") || access("/usr/bin/chromium", X_OK) != 0 ||
      std::system("command -v node >/dev/null") != 0) {
    GTEST_SKIP() << "node, playwright-core under " << node_modules << " or /usr/bin/chromium is missing: run "
                 << "scripts/bootstrap";
  }
  ASSERT_EQ(Study((dir_ / "study.toml").string()).exit_code, 0);
  fs::create_directories(dir_ / "png");
  const auto run = RunCliUnder("env SWEETSPOT_NODE_MODULES=" + node_modules.string(),
                               "report --db " + (dir_ / "s.db").string() + " --out " + (dir_ / "r.html").string() +
                                   " --png " + (dir_ / "png").string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* chart : {"speed-accuracy", "confusion-a", "confusion-b", "confusion-diff"}) {
    const fs::path png = dir_ / "png" / (std::string(chart) + ".png");
    EXPECT_THAT(run.out, HasSubstr("chart: " + png.string()));
    Result<std::string> bytes = ReadTextFile(png);
    ASSERT_TRUE(bytes.ok()) << png;
    EXPECT_TRUE(bytes->starts_with("\x89PNG")) << png;
  }
}

TEST_F(ReportCli, PngWithoutTheBrowserSaysRunBootstrap) {
  ASSERT_EQ(Study((dir_ / "study.toml").string()).exit_code, 0);
  fs::create_directories(dir_ / "png");
  // The stand-in node_modules has ECharts but no playwright-core.
  const auto run = Run("report --db " + (dir_ / "s.db").string() + " --out " + (dir_ / "r.html").string() + " --png " +
                       (dir_ / "png").string());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("run scripts/bootstrap"));
  EXPECT_TRUE(fs::is_regular_file(dir_ / "r.html"));
}

}  // namespace
}  // namespace sweetspot
