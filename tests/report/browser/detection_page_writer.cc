// Test-only: writes the report page of a detection study without running one:
// the hand-made section of detection_fixture.h (its images drawn under
// DIR/images) as the one run's `detection` entry, through the same
// DetectionSectionJson, ReportDataJson and RenderHtmlReport that `sweetspot
// report` uses, with a detection study's JSON made up around it. The browser
// test (browser_test.mjs detection) opens it.
//
//   detection_page_writer DIR NODE_MODULES     -> DIR/detection.html
//
// Exit 0 when written; 2 with one line on stderr otherwise.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "browser/test_page.h"
#include "detection_fixture.h"
#include "detection_section.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The study JSON of a detection study (docs/study.md) over the section: the
// fastest recommended, per candidate its mAPs as the section has them, made-up
// speeds and comparisons with the most accurate; the last candidate was timed
// offline in batches of 8 (its p50 is a batch's).
json StudyJson(const sweetspot::DetectionReportSection& section) {
  json candidates = json::array();
  json overall = json::array();
  const auto& best = section.candidates[section.accurate].metrics;
  for (std::size_t k = 0; k < section.candidates.size(); ++k) {
    const auto& c = section.candidates[k];
    const std::string verdict = k == section.fast ? "recommended" : "dominated";
    const double p50_ms = 4.0 * static_cast<double>(k + 1);
    const bool offline = k + 1 == section.candidates.size();
    const int batch = offline ? 8 : 1;
    const double items_per_s = 1000.0 * batch / p50_ms;
    json vs_best = k == section.accurate ? json()
                                         : json({{"map50_95_diff", c.metrics.map50_95 - best.map50_95},
                                                 {"map50_95_diff_ci95", {-0.2, -0.05}},
                                                 {"map50_diff", c.metrics.map50 - best.map50},
                                                 {"map50_diff_ci95", {-0.25, -0.02}},
                                                 {"p_value", 0.004},
                                                 {"p_value_metric", "map50_95"},
                                                 {"images", 4}});
    candidates.push_back({{"name", c.name},
                          {"failure", nullptr},
                          {"verdict", verdict},
                          {"reasons", {"made up for the browser test"}},
                          {"map50_95", c.metrics.map50_95},
                          {"map50_95_ci95", {c.metrics.map50_95_ci.lower, c.metrics.map50_95_ci.upper}},
                          {"map50", c.metrics.map50},
                          {"map50_ci95", {c.metrics.map50_ci.lower, c.metrics.map50_ci.upper}},
                          {"vs_best", vs_best},
                          {"scenario", offline ? "offline" : "single-stream"},
                          {"batch_size", batch},
                          {"items_per_s", items_per_s},
                          {"items_per_s_ci95", {items_per_s * 0.9, items_per_s * 1.1}},
                          {"speed",
                           {{"scenario", offline ? "offline" : "single-stream"},
                            {"batch_size", batch},
                            {"preprocess_p50_ms", 0.5},
                            {"network_p50_ms", p50_ms - 1.0},
                            {"postprocess_p50_ms", 0.5},
                            {"total_p50_ms", p50_ms},
                            {"total_p50_ci95", {p50_ms * 0.95, p50_ms * 1.05}}}}});
    overall.push_back({{"name", c.name},
                       {"failure", nullptr},
                       {"ranked_map_mean", c.metrics.map50_95},
                       {"total_p50_ms_mean", p50_ms},
                       {"items_per_s_mean", items_per_s},
                       {"size_bytes", 1000000 * (k + 1)},
                       {"verdict", verdict},
                       {"reasons", {"made up for the browser test"}}});
  }
  const std::string recommended = section.candidates[section.fast].name;
  const json reasons = {"the fastest meeting mAP@[.5:.95] >= 30 %"};
  return {{"schema", "sweetspot.study/1"},
          {"task", "detection"},
          {"study", "pets-detection"},
          {"protocol", "coco"},
          {"ranked_metric", "map50_95"},
          {"objective", "min-p50"},
          {"constraints", "mAP@[.5:.95] >= 30 %"},
          {"datasets",
           {{{"name", section.dataset},
             {"description", section.description},
             {"images", section.images.size()},
             {"notes", json::array()},
             {"candidates", candidates},
             {"recommended", recommended},
             {"recommendation_reasons", reasons}}}},
          {"overall", {{"candidates", overall}, {"recommended", recommended}, {"recommendation_reasons", reasons}}}};
}

}  // namespace

int main(int argc, char** argv) {
  using sweetspot::testing::FailWriting;
  constexpr const char* kTool = "detection_page_writer";
  if (argc != 3) return FailWriting(kTool, "usage: detection_page_writer DIR NODE_MODULES");
  const fs::path dir = argv[1];
  if (const std::string error = sweetspot::testing::MakeFolder(dir / "images"); !error.empty()) {
    return FailWriting(kTool, error);
  }
  const sweetspot::DetectionReportSection section = sweetspot::testing::HandMadeDetectionSection(dir / "images", true);
  const json run = {{"dataset", {{"description", section.description}, {"classes", section.class_names}}},
                    {"study", StudyJson(section)},
                    {"detection", {sweetspot::DetectionSectionJson(section)}}};
  return sweetspot::testing::WriteRunPage(kTool, dir / "detection.html", run, "pets-detection", argv[2]);
}
