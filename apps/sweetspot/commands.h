// Subcommands of the `sweetspot` tool, one file each. A Register function adds
// its subcommand (options and help) to the root app; when the user picks it,
// the subcommand stores its action in `*selected`, which main runs.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "sweetspot/html_report.h"
#include "sweetspot/results_store.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

using Action = std::function<Status()>;

void RegisterBench(CLI::App& root, Action* selected);
void RegisterInspect(CLI::App& root, Action* selected);
void RegisterEval(CLI::App& root, Action* selected);
void RegisterTrain(CLI::App& root, Action* selected);
void RegisterStudy(CLI::App& root, Action* selected);
void RegisterResults(CLI::App& root, Action* selected);
void RegisterOptimize(CLI::App& root, Action* selected);
void RegisterReport(CLI::App& root, Action* selected);
void RegisterLoad(CLI::App& root, Action* selected);
void RegisterServe(CLI::App& root, Action* selected);
void RegisterCascade(CLI::App& root, Action* selected);
void RegisterStability(CLI::App& root, Action* selected);

// The study a command reads: `study` when given, else the store's only one
// (errors: an empty store; several studies, naming them, for --study).
Result<std::string> PickStudy(const ResultsStore& store, const std::string& study);

// Writes the report page of `study` in `store` to `out`, drawn with `assets`
// (LoadHtmlAssets), or the page's data alone (sweetspot.report/1 JSON) when
// `assets` is null, and returns what to print: "report: PATH (SIZE; N run(s)
// of study NAME)" and a line per note. Errors: LoadReportData's; --out's.
Result<std::string> WriteReportPage(const ResultsStore& store, const std::string& study, const std::string& out,
                                    const HtmlAssets* assets);

}  // namespace sweetspot::cli
