// Test-only: what the browser test's page writers share. They write the
// report page of one made-up study run through the same ReportDataJson and
// RenderHtmlReport that `sweetspot report` uses.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace sweetspot::testing {

// Prints "<tool>: <message>" on stderr; returns 2, the writers' exit code.
int FailWriting(const std::string& tool, const std::string& message);

// Creates `dir` (and its parents); "" or why it could not.
std::string MakeFolder(const std::filesystem::path& dir);

// `file`: the page of study `study` whose one run is `run` (a
// `sweetspot.report-run/1` object; its "schema", "environment",
// "environment_label" and "written_utc" are filled here), ECharts read from
// `node_modules`. Returns the writer's exit code: 0, or 2 after FailWriting.
int WriteRunPage(const std::string& tool, const std::filesystem::path& file, nlohmann::json run,
                 const std::string& study, const std::filesystem::path& node_modules);

}  // namespace sweetspot::testing
