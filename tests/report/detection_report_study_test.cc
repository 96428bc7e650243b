// The detection part of the report end to end: `sweetspot study` of two
// oracle detectors (known boxes) on a drawn VOC dataset stores a snapshot
// whose `detection` entry `sweetspot report` puts in the page: both
// candidates' curves, the images where they disagree with JPEG pictures and
// each detector's boxes judged, and `--png` writes the precision-recall chart.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using nlohmann::json;
using testing::RunCli;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr int kSize = 64;  // images and the oracles' input: input pixels are image pixels
constexpr int kImages = 5;
const std::vector<std::string> kClasses = {"circle", "square"};

// Image i: a circle (drawn as a rectangle) and a square, both 16 pixels.
std::vector<testing::ShapeObject> Objects(int i) {
  const int x = 4 + 3 * i, y = 6 + 2 * i;
  return {{0, x, y, x + 16, y + 16}, {1, x + 24, y + 20, x + 40, y + 36}};
}

// "exact" finds every object; "sloppy" finds the circles only on even images
// and adds a square where there is none on each image.
std::vector<std::vector<Detection>> OracleBoxes(bool sloppy) {
  std::vector<std::vector<Detection>> boxes(kImages);
  for (int i = 0; i < kImages; ++i) {
    for (const auto& o : Objects(i)) {
      if (sloppy && o.class_id == 0 && i % 2 == 1) continue;
      boxes[i].push_back({{double(o.x1), double(o.y1), double(o.x2), double(o.y2)}, o.class_id, sloppy ? 0.7F : 0.9F});
    }
    if (sloppy) boxes[i].push_back({{40, 2, 56, 14}, 1, 0.6F});
  }
  return boxes;
}

TEST(DetectionReportStudyTest, StudySnapshotGivesThePageItsCurvesAndExamples) {
  TempDir dir;
  std::vector<testing::ShapeImage> images;
  for (int i = 0; i < kImages; ++i) images.push_back({fmt::format("img{}", i), kSize, kSize, Objects(i)});
  const fs::path data = testing::WriteShapesDataset(dir / "shapes", testing::DetectionFormat::kVoc, images, kClasses);
  testing::WriteFile(dir / "classes.txt", "circle\nsquare\n");
  for (const bool sloppy : {false, true}) {
    testing::WriteModel(testing::OracleDetector(DetectionLayout::kBoxesScoresTransposed, OracleBoxes(sloppy), 2, kSize),
                        dir / (sloppy ? "sloppy.onnx" : "exact.onnx"));
  }
  testing::WriteFile(dir / "study.toml", fmt::format(R"(name = "shapes"
task = "detection"
objective = "min-p50"

[detection]
layout = "yolov8"
model_classes = "{}"

[[datasets]]
name = "shapes"
path = "{}"
preprocess = {{ color = "bgr" }}

[[models]]
path = "sloppy.onnx"
[[models]]
path = "exact.onnx"

[runtime]
duration_s = 0.05
max_duration_s = 0.3
min_count = 10
)",
                                                     (dir / "classes.txt").string(), data.string()));
  const auto study = RunCli(fmt::format("study {} --db {}", (dir / "study.toml").string(), (dir / "s.db").string()));
  ASSERT_EQ(study.exit_code, 0) << study.out << study.err;
  const auto report =
      RunCli(fmt::format("report --db {} --out {} --json", (dir / "s.db").string(), (dir / "data.json").string()));
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  const json page = json::parse(ReadTextFile(dir / "data.json").value());
  ASSERT_EQ(page["runs"].size(), 1U);
  ASSERT_EQ(page["runs"][0]["detection"].size(), 1U);
  const json& section = page["runs"][0]["detection"][0];
  EXPECT_EQ(section["dataset"], "shapes");
  EXPECT_EQ(section["classes"], json(kClasses));
  ASSERT_EQ(section["candidates"].size(), 2U);
  for (const json& c : section["candidates"]) {
    EXPECT_TRUE(c["boxes_kept"].get<bool>()) << c["name"];
    EXPECT_FALSE(c["per_class"][1]["pr50"].empty()) << c["name"];
  }
  // exact finds every square at precision 1.
  const json& exact = section["candidates"][section["candidates"][0]["name"] == "exact" ? 0 : 1];
  EXPECT_EQ(exact["per_class"][1]["pr50"].size(), 101U);
  EXPECT_EQ(exact["map50"], 1.0);
  // The images shown: every one differs (the spurious square); the pictures are JPEG.
  ASSERT_EQ(section["examples"].size(), std::size_t{kImages});
  for (const json& example : section["examples"]) {
    EXPECT_TRUE(example["thumbnail"].get<std::string>().starts_with("data:image/jpeg;base64,")) << example["id"];
    EXPECT_EQ(example["truth"].size(), 2U);
  }
  // Odd images first: sloppy misses a circle there (F1 0.5) and exact does not (1).
  const json& first = section["examples"][0];
  EXPECT_EQ(first["image"].get<int>() % 2, 1) << first;
  const std::size_t sloppy_side = section["candidates"][section["fast"].get<std::size_t>()]["name"] == "sloppy" ? 0 : 1;
  int wrong = 0;
  for (const json& box : first["boxes"][sloppy_side]) wrong += box["outcome"] == "false-positive" ? 1 : 0;
  EXPECT_EQ(wrong, 1) << first;

  // The page and the precision-recall chart as PNG (needs scripts/bootstrap's node packages and chromium).
  fs::create_directories(dir / "png");
  const auto png = RunCli(fmt::format("report --db {} --out {} --png {}", (dir / "s.db").string(),
                                      (dir / "r.html").string(), (dir / "png").string()));
  if (png.exit_code == 2 && png.err.find("scripts/bootstrap") != std::string::npos) GTEST_SKIP() << png.err;
  ASSERT_EQ(png.exit_code, 0) << png.out << png.err;
  EXPECT_TRUE(fs::is_regular_file(dir / "png" / "detection-pr-0.png")) << png.out;
}

}  // namespace
}  // namespace sweetspot
