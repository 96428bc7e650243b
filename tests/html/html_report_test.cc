#include "sweetspot/html_report.h"

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;

const fs::path kFixture = fs::path(SWEETSPOT_TEST_DIR) / "html" / "fixtures" / "demo-report.json";

std::string Fixture() {
  Result<std::string> text = ReadTextFile(kFixture);
  EXPECT_TRUE(text.ok()) << text.status().message();
  return text.ok() ? *text : std::string();
}

// A stand-in library for the tests that only check where it goes.
HtmlAssets MarkedAssets() { return {.echarts_js = "/* ECHARTS-MARKER */ var echarts = {};"}; }

// The texts of the <script class="sweetspot-data" ...> elements, in order.
std::vector<std::string> DataParts(const std::string& page) {
  const std::string marker = R"(class="sweetspot-data" type="application/json">)";
  std::vector<std::string> parts;
  for (std::size_t at = page.find(marker); at != std::string::npos; at = page.find(marker, at)) {
    at += marker.size();
    parts.push_back(page.substr(at, page.find("</script>", at) - at));
  }
  return parts;
}

// The parts concatenated, with "<\\/" read back as "</" (JSON.parse does the same).
std::string DataJson(const std::string& page) {
  std::string text;
  for (const std::string& part : DataParts(page)) {
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (!(part[i] == '\\' && i > 0 && part[i - 1] == '<' && i + 1 < part.size() && part[i + 1] == '/'))
        text += part[i];
    }
  }
  return text;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, InlinesTheDataTheLibraryAndThePageScript) {
  const std::string json = Fixture();
  Result<std::string> page = RenderHtmlReport(json, MarkedAssets());
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_TRUE(page->starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page->find("ECHARTS-MARKER"), std::string::npos);
  EXPECT_NE(page->find("window.sweetspot"), std::string::npos);  // report.js, embedded at build time
  EXPECT_NE(page->find("<section id=\"confusion\">"), std::string::npos);
  // detection.js defines what report.js calls for the Detection section, so it comes first.
  EXPECT_NE(page->find("<section id=\"detection\">"), std::string::npos);
  EXPECT_LT(page->find("window.sweetspotDetection = "), page->find("window.sweetspotDetection({"));
  // keypoints.js likewise for the Keypoints section.
  EXPECT_NE(page->find("<section id=\"keypoints\">"), std::string::npos);
  EXPECT_LT(page->find("window.sweetspotKeypoints = "), page->find("window.sweetspotKeypoints({"));
  EXPECT_NE(page->find("<title>sweetspot report: fashion-mnist-family</title>"), std::string::npos);
  EXPECT_EQ(page->find("{{"), std::string::npos) << "a placeholder was left unfilled";
  // The data elements hold the document.
  EXPECT_EQ(nlohmann::json::parse(DataJson(*page)), nlohmann::json::parse(json));
}

TEST(HtmlReport, NoStringInTheDataEndsItsScriptElement) {
  nlohmann::json data = nlohmann::json::parse(Fixture());
  data["study"] = "<b>&\"study\"";
  data["notes"] = {"</script><script>alert(1)</script>", "</SCRIPT >", "<!-- <script>"};
  Result<std::string> page = RenderHtmlReport(data.dump(), MarkedAssets());
  ASSERT_TRUE(page.ok()) << page.status().message();
  std::string inlined;
  for (const std::string& part : DataParts(*page)) inlined += part;
  EXPECT_EQ(inlined.find("</"), std::string::npos);
  EXPECT_EQ(inlined.find("<!--"), std::string::npos);
  EXPECT_NE(inlined.find("<\\/script><script>alert(1)<\\/script>"), std::string::npos);
  // The script elements (the data's parts, ECharts, ours) and nothing else close.
  std::string lower = *page;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(Count(lower, "</script"), Count(*page, "class=\"sweetspot-data\"") + 2);
  EXPECT_NE(page->find("<title>sweetspot report: &lt;b&gt;&amp;&quot;study&quot;</title>"), std::string::npos);
  // JSON.parse reads "\u003c!--" back as "<!--".
  EXPECT_NE(inlined.find("\\u003c!-- <script>"), std::string::npos);
}

TEST(HtmlReport, LargeDataGoesInPartsThatCutNoCharacterOrEscape) {
  nlohmann::json data = nlohmann::json::parse(Fixture());
  // 3 MB of names with two- and three-byte characters and escapes: at least three parts.
  std::vector<std::string> classes;
  for (int i = 0; i < 150000; ++i) classes.push_back("caf\u00e9 \u2192 </b> \\ " + std::to_string(i));
  data["classes"] = classes;
  const std::string json = data.dump();
  Result<std::string> page = RenderHtmlReport(json, MarkedAssets());
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_GE(Count(*page, "class=\"sweetspot-data\""), 3u);
  EXPECT_EQ(Count(*page, "id=\"sweetspot-data\""), 1u);
  EXPECT_EQ(nlohmann::json::parse(DataJson(*page)), data);
  // Each part alone is valid UTF-8: SafeText leaves valid UTF-8 unchanged.
  for (const std::string& part : DataParts(*page)) EXPECT_EQ(SafeText(part), part);
}

TEST(HtmlReport, MakesNoNetworkRequestWithTheRealLibrary) {
  Result<HtmlAssets> assets = LoadHtmlAssets(DefaultNodeModules());
  if (!assets.ok()) GTEST_SKIP() << assets.status().message();
  Result<std::string> page = RenderHtmlReport(Fixture(), *assets);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_NE(page->find(assets->echarts_js.substr(0, 200)), std::string::npos);
  // No resource is loaded from elsewhere: no src/href attribute names a URL.
  const std::regex remote(R"re(\b(src|href)\s*=\s*["']?\s*(https?:)?//)re", std::regex::icase);
  EXPECT_FALSE(std::regex_search(*page, remote));
  EXPECT_EQ(page->find("<link"), std::string::npos);
}

TEST(HtmlReport, RefusesWhatIsNotReportData) {
  EXPECT_EQ(RenderHtmlReport("{not json", MarkedAssets()).status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(RenderHtmlReport("[1, 2]", MarkedAssets()).status().code(), StatusCode::kInvalidData);
  const Status newer = RenderHtmlReport(R"({"schema": "sweetspot.report/2", "runs": []})", MarkedAssets()).status();
  EXPECT_EQ(newer.code(), StatusCode::kInvalidData);
  EXPECT_NE(newer.message().find("sweetspot.report/1"), std::string::npos);
  EXPECT_EQ(RenderHtmlReport(Fixture(), HtmlAssets{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(HtmlReport, AMissingLibrarySaysRunBootstrapAndTheFixWorks) {
  testing::TempDir dir;
  const Status missing = LoadHtmlAssets(dir.path()).status();
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.message(), "echarts not found under " + dir.path().string() + ": run scripts/bootstrap");
  // What scripts/bootstrap installs: echarts/dist/echarts.min.js under node_modules.
  fs::create_directories(dir / "echarts" / "dist");
  testing::WriteFile(dir / "echarts" / "dist" / "echarts.min.js", "var echarts = {};");
  Result<HtmlAssets> assets = LoadHtmlAssets(dir.path());
  ASSERT_TRUE(assets.ok()) << assets.status().message();
  EXPECT_EQ(assets->echarts_js, "var echarts = {};");
}

TEST(HtmlReport, NodeModulesComeFromTheEnvironmentFirst) {
  const char* was = std::getenv("SWEETSPOT_NODE_MODULES");
  const std::string saved = was != nullptr ? was : "";
  setenv("SWEETSPOT_NODE_MODULES", "/opt/elsewhere/node_modules", 1);
  EXPECT_EQ(DefaultNodeModules(), fs::path("/opt/elsewhere/node_modules"));
  unsetenv("SWEETSPOT_NODE_MODULES");
  EXPECT_EQ(DefaultNodeModules().filename(), "node_modules");
  if (was != nullptr) setenv("SWEETSPOT_NODE_MODULES", saved.c_str(), 1);
}

}  // namespace
}  // namespace sweetspot
