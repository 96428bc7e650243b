#include "sweetspot/html_report.h"

#include <cstdlib>
#include <regex>
#include <string>

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

// The text of <script id="sweetspot-data" ...>...</script>.
std::string DataElement(const std::string& page) {
  const std::string open = "<script id=\"sweetspot-data\" type=\"application/json\">";
  const std::size_t begin = page.find(open);
  if (begin == std::string::npos) return "";
  const std::size_t end = page.find("</script>", begin);
  return page.substr(begin + open.size(), end - begin - open.size());
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
  EXPECT_NE(page->find("<title>sweetspot report: fashion-mnist-family</title>"), std::string::npos);
  EXPECT_EQ(page->find("{{"), std::string::npos) << "a placeholder was left unfilled";
  // The data element holds the document: with "<\/" read back as "</" it is the same JSON.
  std::string inlined = DataElement(*page);
  for (std::size_t at = inlined.find("<\\/"); at != std::string::npos; at = inlined.find("<\\/", at))
    inlined.erase(at + 1, 1);
  EXPECT_EQ(nlohmann::json::parse(inlined), nlohmann::json::parse(json));
}

TEST(HtmlReport, NoStringInTheDataEndsItsScriptElement) {
  nlohmann::json data = nlohmann::json::parse(Fixture());
  data["study"] = "<b>&\"study\"";
  data["notes"] = {"</script><script>alert(1)</script>", "</SCRIPT >", "<!-- <script>"};
  Result<std::string> page = RenderHtmlReport(data.dump(), MarkedAssets());
  ASSERT_TRUE(page.ok()) << page.status().message();
  const std::string inlined = DataElement(*page);
  EXPECT_EQ(inlined.find("</"), std::string::npos);
  EXPECT_EQ(inlined.find("<!--"), std::string::npos);
  EXPECT_NE(inlined.find("<\\/script><script>alert(1)<\\/script>"), std::string::npos);
  // The three script elements (data, ECharts, ours) and nothing else close.
  std::string lower = *page;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(Count(lower, "</script"), 3u);
  EXPECT_NE(page->find("<title>sweetspot report: &lt;b&gt;&amp;&quot;study&quot;</title>"), std::string::npos);
  // JSON.parse reads "\u003c!--" back as "<!--".
  EXPECT_NE(inlined.find("\\u003c!-- <script>"), std::string::npos);
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
