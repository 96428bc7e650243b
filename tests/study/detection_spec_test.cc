// The detection study's spec: task, [[datasets]], [detection] and
// [models.detection], the mAP constraints and objectives; each error names the
// file, the key and the fix, and applying the fix parses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/study.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

class DetectionSpecTest : public ::testing::Test {
 protected:
  DetectionSpecTest() {
    fs::create_directories(dir_ / "voc" / "Annotations");
    fs::create_directories(dir_ / "shapes");
    testing::WriteFile(dir_ / "a.onnx", "x");
    testing::WriteFile(dir_ / "b.onnx", "x");
    testing::WriteFile(dir_ / "classes.txt", "person\ncar\n");
  }

  Result<StudySpec> Parse(const std::string& text) { return ParseStudySpec(text, dir_ / "study.toml"); }

  static constexpr const char* kModels = "[[models]]\npath = \"a.onnx\"\n";
  TempDir dir_;
};

TEST_F(DetectionSpecTest, ReadsEveryDetectionKey) {
  auto spec = Parse(R"(
task = "detection"
objective = "max-map50-95"

[detection]
layout = "nanodet"
score_threshold = 0.01
iou_threshold = 0.6
max_detections = 100
model_classes = "coco80"
protocol = "voc"

[[datasets]]
name = "voc"
path = "voc"
limit = 50
[datasets.preprocess]
resize = "exact"

[[datasets]]
path = "shapes/"
classes = "classes.txt"

[[models]]
path = "a.onnx"

[[models]]
name = "b"
path = "b.onnx"
[models.detection]
score_threshold = 0.05
model_classes = "classes.txt"

[constraints]
min_map50_95 = 0.3
min_map50 = 0.5
)");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->task, StudyTask::kDetection);
  EXPECT_EQ(spec->objective, Objective::kMaxMap50_95);
  EXPECT_EQ(spec->detection.protocol, "voc");
  EXPECT_EQ(spec->detection.model_classes, "coco80");
  EXPECT_THAT(spec->detection.decoder_toml, HasSubstr("layout = 'nanodet'"));
  EXPECT_THAT(spec->detection.decoder_toml, HasSubstr("max_detections = 100"));
  EXPECT_THAT(spec->detection.decoder_toml, ::testing::Not(HasSubstr("protocol")));
  ASSERT_EQ(spec->datasets.size(), 2u);
  EXPECT_EQ(spec->datasets[0].name, "voc");
  EXPECT_EQ(spec->datasets[0].limit, 50u);
  EXPECT_THAT(spec->datasets[0].preprocess_toml, HasSubstr("resize = 'exact'"));
  EXPECT_EQ(spec->datasets[1].name, "shapes");
  EXPECT_EQ(spec->datasets[1].classes_file, dir_ / "classes.txt");
  EXPECT_TRUE(spec->models[0].detection_toml.empty());
  EXPECT_THAT(spec->models[1].detection_toml, HasSubstr("score_threshold = 0.05"));
  EXPECT_EQ(spec->models[1].model_classes, (dir_ / "classes.txt").string());
  EXPECT_EQ(spec->constraints.min_map50_95, 0.3);
  EXPECT_EQ(spec->constraints.min_map50, 0.5);
}

TEST_F(DetectionSpecTest, TheSingleDatasetTableIsOneDataset) {
  auto spec = Parse(std::string("task = \"detection\"\n[dataset]\npath = \"voc\"\nlimit = 10\n") + kModels);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->datasets.size(), 1u);
  EXPECT_EQ(spec->datasets[0].name, "voc");
  EXPECT_EQ(spec->datasets[0].limit, 10u);
  EXPECT_EQ(spec->detection.protocol, "coco");
}

// A detection study benchmarks separately from its accuracy run: offline in
// batches of any size, beside single-stream one image at a time.
TEST_F(DetectionSpecTest, OfflineTakesAnyBatchSizes) {
  auto spec = Parse(std::string("task = \"detection\"\n[dataset]\npath = \"voc\"\n") + kModels +
                    "[runtime]\nscenario = \"offline\"\nbatch = [1, 8]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->settings.size(), 2u);
  EXPECT_EQ(spec->settings[0].Label(), "offline b1 t1");
  EXPECT_EQ(spec->settings[1].Label(), "offline b8 t1");
  auto both = Parse(std::string("task = \"detection\"\n[dataset]\npath = \"voc\"\n") + kModels +
                    "[runtime]\nscenario = [\"single-stream\", \"offline\"]\n");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  ASSERT_EQ(both->settings.size(), 2u);
  EXPECT_EQ(both->settings[0].scenario, Scenario::kSingleStream);
  EXPECT_EQ(both->settings[1].scenario, Scenario::kOffline);
}

TEST_F(DetectionSpecTest, ClassificationTakesOneDatasetsEntry) {
  auto spec = Parse(std::string("[[datasets]]\npath = \"voc\"\nlimit = 7\n") + kModels);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->task, StudyTask::kClassification);
  EXPECT_TRUE(spec->datasets.empty());
  EXPECT_EQ(spec->dataset_path, dir_ / "voc");
  EXPECT_EQ(spec->limit, 7u);
}

// Each bad spec's error names the key and a fix; the fixed spec parses.
struct FixedSpec {
  std::string bad;
  std::vector<std::string> fragments;
  std::string fixed;
};

TEST_F(DetectionSpecTest, ErrorsNameTheKeyAndTheirFixWorks) {
  const std::string detection = "task = \"detection\"\n";
  const std::string voc = "[[datasets]]\npath = \"voc\"\n";
  const std::vector<FixedSpec> cases = {
      {detection + "[dataset]\npath = \"voc\"\n" + voc + kModels,
       {"[[datasets]]", "and [dataset] are both set", "remove [[datasets]]"},
       detection + voc + kModels},
      {voc + "[[datasets]]\npath = \"shapes\"\n" + kModels,
       {"[[datasets]]", "a classification study evaluates one", "set task = \"detection\""},
       detection + voc + "[[datasets]]\npath = \"shapes\"\n" + kModels},
      {detection + voc + kModels + "[constraints]\nmin_top1 = 0.5\n",
       {"[constraints] min_top1", "use min_map50_95", "or min_map50"},
       detection + voc + kModels + "[constraints]\nmin_map50 = 0.5\n"},
      {voc + kModels + "[constraints]\nmin_map50 = 0.5\n",
       {"[constraints] min_map50", "set task = \"detection\""},
       detection + voc + kModels + "[constraints]\nmin_map50 = 0.5\n"},
      {detection + voc + kModels + "[constraints]\nmin_map50_95 = 40\n",
       {"[constraints] min_map50_95", "write 0.82 for 82 %"},
       detection + voc + kModels + "[constraints]\nmin_map50_95 = 0.40\n"},
      {"objective = \"max-map50\"\n" + voc + kModels,
       {"objective", "set task = \"detection\""},
       detection + "objective = \"max-map50\"\n" + voc + kModels},
      {voc + kModels + "[detection]\nlayout = \"nanodet\"\n",
       {"[detection]", "set task = \"detection\""},
       detection + voc + kModels + "[detection]\nlayout = \"nanodet\"\n"},
      {detection + voc + kModels + "[detection]\nprotocol = \"pascal\"\n",
       {"[detection] protocol", "write \"coco\""},
       detection + voc + kModels + "[detection]\nprotocol = \"coco\"\n"},
      {detection + voc + kModels + "[detection]\nmodel_classes = \"coco81\"\n",
       {"[detection] model_classes", "coco81' does not exist", "write \"coco80\""},
       detection + voc + kModels + "[detection]\nmodel_classes = \"coco80\"\n"},
      {detection + voc + kModels + "[models.detection]\nprotocol = \"voc\"\n",
       {"[[models]] #1 detection", "unknown key 'protocol'"},
       detection + voc + kModels + "[detection]\nprotocol = \"voc\"\n"},
      {detection + voc + kModels + "[detection]\nlayout = \"yolo9\"\n",
       {"study.toml [detection]", "yolo9"},
       detection + voc + kModels + "[detection]\nlayout = \"yolov8\"\n"},
      {detection + voc + kModels + "[detection]\niou_threshold = 1.5\n",
       {"study.toml [detection]", "iou_threshold"},
       detection + voc + kModels + "[detection]\niou_threshold = 0.5\n"},
      {"task = \"segmentation\"\n" + voc + kModels,
       {"task", "write \"classification\", \"detection\" or \"keypoints\""},
       detection + voc + kModels},
      {detection + voc + "[[datasets]]\npath = \"voc/\"\n" + kModels,
       {"[[datasets]] #2 name", "'voc' names two datasets"},
       detection + voc + "[[datasets]]\nname = \"voc-again\"\npath = \"voc/\"\n" + kModels},
      {detection + kModels, {"[dataset]", "add [[datasets]] with path"}, detection + voc + kModels},
      // Single-stream times one image at a time: a batch is for offline, either fix works.
      {detection + voc + kModels + "[runtime]\nbatch = [1, 8]\n",
       {"[runtime] batch", "single-stream queries one image at a time (batch 8 is for offline)",
        "set batch = [1], or scenario = \"offline\""},
       detection + voc + kModels + "[runtime]\nbatch = [1]\n"},
      {detection + voc + kModels + "[runtime]\nbatch = [1, 8]\n",
       {"[runtime] batch", "or scenario = \"offline\""},
       detection + voc + kModels + "[runtime]\nscenario = \"offline\"\nbatch = [1, 8]\n"},
      {detection + voc + kModels + "[runtime]\nscenario = [\"single-stream\", \"offline\"]\nbatch = 4\n",
       {"[runtime] batch", "(batch 4 is for offline)"},
       detection + voc + kModels + "[runtime]\nscenario = \"offline\"\nbatch = 4\n"},
  };
  for (const auto& c : cases) {
    auto bad = Parse(c.bad);
    ASSERT_FALSE(bad.ok()) << c.bad;
    EXPECT_THAT(bad.status().message(), HasSubstr("study.toml")) << c.bad;
    EXPECT_EQ(bad.status().message().find('\n'), std::string::npos) << c.bad;
    for (const auto& f : c.fragments) EXPECT_THAT(bad.status().message(), HasSubstr(f)) << c.bad;
    auto fixed = Parse(c.fixed);
    EXPECT_TRUE(fixed.ok()) << c.fixed << " -> " << fixed.status().ToString();
  }
}

}  // namespace
}  // namespace sweetspot
