#include "browser/test_page.h"

#include <cstdio>
#include <fstream>

#include "sweetspot/html_report.h"
#include "sweetspot/report_data.h"

namespace sweetspot::testing {

int FailWriting(const std::string& tool, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", tool.c_str(), message.c_str());
  return 2;
}

std::string MakeFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec ? "cannot create " + dir.string() + ": " + ec.message() : "";
}

int WriteRunPage(const std::string& tool, const std::filesystem::path& file, nlohmann::json run,
                 const std::string& study, const std::filesystem::path& node_modules) {
  constexpr const char* kWritten = "2026-12-01T08:00:00Z";
  run["schema"] = "sweetspot.report-run/1";
  run["environment"] = nlohmann::json::object();
  run["environment_label"] = "test machine";
  run["written_utc"] = kWritten;
  ReportData data;
  data.study = study;
  data.db_path = "(none: written by " + tool + ")";
  data.generated_utc = kWritten;
  data.runs = {run.dump()};
  auto assets = LoadHtmlAssets(node_modules);
  if (!assets.ok()) return FailWriting(tool, assets.status().ToString());
  auto page = RenderHtmlReport(ReportDataJson(data), *assets);
  if (!page.ok()) return FailWriting(tool, page.status().ToString());
  std::ofstream out(file, std::ios::binary);
  out << *page;
  if (!out.flush()) return FailWriting(tool, "cannot write " + file.string());
  return 0;
}

}  // namespace sweetspot::testing
