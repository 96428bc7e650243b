// Test-only: writes the report page of a keypoint study without running one:
// the synthetic walking figure of keypoint_fixture.h (its frames drawn under
// DIR/frames) as the one run's `keypoints` entry, through the same
// KeypointSectionJson, ReportDataJson and RenderHtmlReport that `sweetspot
// report` uses, with a small keypoint study's JSON made up around it. The
// browser test (browser_test.mjs detection, which opens this page too) checks it.
//
//   keypoint_page_writer DIR NODE_MODULES     -> DIR/keypoints.html
//
// Exit 0 when written; 2 with one line on stderr otherwise.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "keypoint_fixture.h"
#include "keypoint_section.h"
#include "sweetspot/html_report.h"
#include "sweetspot/report_data.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A keypoint study's JSON as the page's Recommendation reads it: the fast model recommended.
json StudyJson() {
  const json candidates = {
      {{"name", "fast-rt"}, {"verdict", "recommended"}, {"reasons", {"made up for the browser test"}}},
      {{"name", "accurate-i"}, {"verdict", "dominated"}, {"reasons", {"made up for the browser test"}}}};
  return {{"schema", "sweetspot.study/1"},
          {"task", "keypoints"},
          {"study", "walk-keypoints"},
          {"objective", "min-p50"},
          {"recommendation", {{"name", "fast-rt"}, {"reasons", {"the fastest meeting PCK@0.2 >= 70 %"}}}},
          {"candidates", candidates}};
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "keypoint_page_writer: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Fail("usage: keypoint_page_writer DIR NODE_MODULES");
  const fs::path dir = argv[1];
  std::error_code ec;
  fs::create_directories(dir / "frames", ec);
  if (ec) return Fail("cannot create " + (dir / "frames").string() + ": " + ec.message());
  const sweetspot::KeypointReportSection section = sweetspot::testing::SyntheticKeypointSection(dir / "frames", true);
  const json run = {{"schema", "sweetspot.report-run/1"},
                    {"environment", json::object()},
                    {"environment_label", "test machine"},
                    {"written_utc", "2026-12-01T08:00:00Z"},
                    {"dataset", {{"description", "a synthetic walking figure"}, {"classes", json::array()}}},
                    {"study", StudyJson()},
                    {"keypoints", {sweetspot::KeypointSectionJson(section)}}};
  sweetspot::ReportData data;
  data.study = "walk-keypoints";
  data.db_path = "(none: written by keypoint_page_writer)";
  data.generated_utc = "2026-12-01T08:00:00Z";
  data.runs = {run.dump()};
  auto assets = sweetspot::LoadHtmlAssets(argv[2]);
  if (!assets.ok()) return Fail(assets.status().ToString());
  auto page = sweetspot::RenderHtmlReport(sweetspot::ReportDataJson(data), *assets);
  if (!page.ok()) return Fail(page.status().ToString());
  std::ofstream out(dir / "keypoints.html", std::ios::binary);
  out << *page;
  if (!out.flush()) return Fail("cannot write " + (dir / "keypoints.html").string());
  return 0;
}
