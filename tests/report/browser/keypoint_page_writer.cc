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
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "browser/test_page.h"
#include "keypoint_fixture.h"
#include "keypoint_section.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A keypoint study's JSON in the shape RenderKeypointStudyJson writes it
// (docs/study.md, "Keypoint studies"): the fast model recommended.
json StudyJson() {
  const json speed = {{"total_p50_ms", 12.5}};
  const json candidates = {{{"name", "fast-rt"},
                            {"verdict", "recommended"},
                            {"reasons", {"made up for the browser test"}},
                            {"pck", {{"value", 0.91}, {"ci95", {0.84, 0.97}}}},
                            {"speed", speed}},
                           {{"name", "accurate-i"},
                            {"verdict", "dominated"},
                            {"reasons", {"made up for the browser test"}},
                            {"pck", {{"value", 0.92}, {"ci95", {0.85, 0.98}}}},
                            {"speed", speed}}};
  return {{"schema", "sweetspot.study/1"},
          {"task", "keypoints"},
          {"study", "walk-keypoints"},
          {"objective", "min-p50"},
          {"constraints", "PCK@0.2 >= 70 %"},
          {"pck_alphas", {0.2}},
          {"recommended", "fast-rt"},
          {"recommendation_reasons", {"the fastest meeting PCK@0.2 >= 70 %"}},
          {"candidates", candidates}};
}

}  // namespace

int main(int argc, char** argv) {
  using sweetspot::testing::FailWriting;
  constexpr const char* kTool = "keypoint_page_writer";
  if (argc != 3) return FailWriting(kTool, "usage: keypoint_page_writer DIR NODE_MODULES");
  const fs::path dir = argv[1];
  if (const std::string error = sweetspot::testing::MakeFolder(dir / "frames"); !error.empty()) {
    return FailWriting(kTool, error);
  }
  const sweetspot::KeypointReportSection section = sweetspot::testing::SyntheticKeypointSection(dir / "frames", true);
  const json run = {{"dataset", {{"description", "a synthetic walking figure"}, {"classes", json::array()}}},
                    {"study", StudyJson()},
                    {"keypoints", {sweetspot::KeypointSectionJson(section)}}};
  return sweetspot::testing::WriteRunPage(kTool, dir / "keypoints.html", run, "walk-keypoints", argv[2]);
}
