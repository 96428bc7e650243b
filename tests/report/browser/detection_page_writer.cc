// Test-only: writes the report page of a detection study without running one:
// the hand-made section of detection_fixture.h (its images drawn under
// DIR/images) as the one run's `detection` entry, through the same
// DetectionSectionJson, ReportDataJson and RenderHtmlReport that `sweetspot
// report` uses. The browser test (browser_test.mjs detection) opens it.
//
//   detection_page_writer DIR NODE_MODULES     -> DIR/detection.html
//
// Exit 0 when written; 2 with one line on stderr otherwise.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "detection_fixture.h"
#include "detection_section.h"
#include "sweetspot/html_report.h"
#include "sweetspot/report_data.h"

namespace {

namespace fs = std::filesystem;

int Fail(const std::string& message) {
  std::fprintf(stderr, "detection_page_writer: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Fail("usage: detection_page_writer DIR NODE_MODULES");
  const fs::path dir = argv[1];
  std::error_code ec;
  fs::create_directories(dir / "images", ec);
  if (ec) return Fail("cannot create " + (dir / "images").string() + ": " + ec.message());
  const sweetspot::DetectionReportSection section = sweetspot::testing::HandMadeDetectionSection(dir / "images", true);
  const nlohmann::json run = {{"schema", "sweetspot.report-run/1"},
                              {"environment", nlohmann::json::object()},
                              {"environment_label", "test machine"},
                              {"written_utc", "2026-12-01T08:00:00Z"},
                              {"dataset", {{"description", section.description}, {"classes", section.class_names}}},
                              {"study", {{"study", "pets-detection"}, {"candidates", nlohmann::json::array()}}},
                              {"detection", {sweetspot::DetectionSectionJson(section)}}};
  sweetspot::ReportData data;
  data.study = "pets-detection";
  data.db_path = "(none: written by detection_page_writer)";
  data.generated_utc = "2026-12-01T08:00:00Z";
  data.runs = {run.dump()};
  auto assets = sweetspot::LoadHtmlAssets(argv[2]);
  if (!assets.ok()) return Fail(assets.status().ToString());
  auto page = sweetspot::RenderHtmlReport(sweetspot::ReportDataJson(data), *assets);
  if (!page.ok()) return Fail(page.status().ToString());
  std::ofstream out(dir / "detection.html", std::ios::binary);
  out << *page;
  if (!out.flush()) return Fail("cannot write " + (dir / "detection.html").string());
  return 0;
}
