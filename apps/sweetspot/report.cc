// `sweetspot report`: the HTML page of a study, from the results store only
// (the snapshot each study run stores, report_data.h), drawn by the page of
// html_report.h; `study` writes the same page at its end.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "output.h"
#include "sweetspot/html_report.h"
#include "sweetspot/report_data.h"
#include "sweetspot/results_store.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string db = "sweetspot.db";
  std::string study;
  std::string out;
  std::string png;
  bool json = false;
};

Status RunReport(const ReportArgs& a) {
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.out, "--out"));
  if (!a.png.empty()) SWEETSPOT_RETURN_IF_ERROR(CheckOutputFolder(a.png, "--png"));
  if (a.json && !a.png.empty()) return Status::InvalidArgument("--png draws the page; drop --json (or --png)");
  const auto started = std::chrono::steady_clock::now();
  HtmlAssets assets;
  // Checked first: loading the data may read thousands of images.
  if (!a.json) {
    SWEETSPOT_ASSIGN_OR_RETURN(assets, LoadHtmlAssets(DefaultNodeModules()));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(
      const std::unique_ptr<ResultsStore> store,
      WithFlag(ResultsStore::Open(a.db, {.read_only = true, .allow_newer_schema = true}), "--db"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string study, PickStudy(*store, a.study));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string written,
                             WriteReportPage(*store, study, a.out, a.json ? nullptr : &assets));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fputs(fmt::format("{} ({:.1f} s)\n", written, seconds).c_str(), stdout);
  if (!a.png.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<fs::path> pngs, WriteChartPngs(a.out, a.png, DefaultNodeModules()));
    for (const fs::path& png : pngs) std::fputs(fmt::format("chart: {}\n", SafeText(png.string())).c_str(), stdout);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> PickStudy(const ResultsStore& store, const std::string& study) {
  if (!study.empty()) return study;
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<StudyListing> studies, store.ListStudies());
  if (studies.size() == 1) return studies.front().name;
  if (studies.empty()) {
    return Status::FailedPrecondition("the store holds no study: run `sweetspot study SPEC.toml --db FILE` first");
  }
  std::vector<std::string> names;
  for (const StudyListing& s : studies) names.push_back(s.name);
  return Status::InvalidArgument(
      fmt::format("the store holds {} studies ({}): pass --study NAME", names.size(), fmt::join(names, ", ")));
}

Result<std::string> WriteReportPage(const ResultsStore& store, const std::string& study, const std::string& out,
                                    const HtmlAssets* assets) {
  SWEETSPOT_ASSIGN_OR_RETURN(const ReportData data, LoadReportData(store, study));
  const std::string json = ReportDataJson(data);
  std::string text = json;
  if (assets != nullptr) {
    SWEETSPOT_ASSIGN_OR_RETURN(text, RenderHtmlReport(json, *assets));
  }
  SWEETSPOT_RETURN_IF_ERROR(WriteOutput(out, text, "--out"));
  std::string line = fmt::format("report: {} ({:.2f} MB; {} run(s) of study {})", SafeText(fs::absolute(out).string()),
                                 static_cast<double>(text.size()) / 1e6, data.runs.size(), SafeText(study));
  for (const std::string& note : data.notes) line += "\n  note: " + SafeText(note);
  return line;
}

void RegisterReport(CLI::App& root, Action* selected) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = root.add_subcommand("report", "Write a study's report: one self-contained, interactive HTML page");
  cmd->footer(
      "Reads the results store only: every run of the study (one per machine a merged store holds) as\n"
      "the study stored it at its end, with class names and thumbnails of mislabelled images read from\n"
      "the dataset when it is still there. The page inlines ECharts (from node_modules, installed by\n"
      "scripts/bootstrap) and every datum, so it opens offline. `sweetspot study` writes it too.\n\n"
      "Examples:\n"
      "  sweetspot report --db build/demo/sweetspot.db --out report.html\n"
      "  sweetspot report --db merged.db --study cifar10-resnets --out report.html --png charts/");
  cmd->add_option("--db", args->db, "results database (default: ./sweetspot.db)");
  cmd->add_option("--study", args->study, "the study to report (default: the store's only study)");
  cmd->add_option("--out", args->out, "the HTML file to write")->required();
  cmd->add_option(
      "--png", args->png,
      "also write the main charts as PNG files into DIR (headless Chromium through node's playwright-core)");
  cmd->add_flag("--json", args->json, "write the page's data (JSON, schema sweetspot.report/1) to --out instead");
  cmd->callback([args, selected] { *selected = [args] { return RunReport(*args); }; });
}

}  // namespace sweetspot::cli
