// The keypoint study's spec: task = "keypoints", [keypoints], [video],
// [[models]] engine and [models.keypoints], the PCK/OKS/jitter/angle-noise
// constraints; each error names the file, the key and the fix, and applying
// the fix parses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/study.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

class KeypointSpecTest : public ::testing::Test {
 protected:
  KeypointSpecTest() {
    testing::WriteFile(dir_ / "fast.onnx", "x");
    testing::WriteFile(dir_ / "accurate.onnx", "y");
    testing::WriteFile(dir_ / "persons.json", "[]");
    testing::WriteFile(dir_ / "walk.avi", "v");
  }

  Result<StudySpec> Parse(const std::string& text) { return ParseStudySpec(text, dir_ / "study.toml"); }

  // `broken` fails naming `expected`; `fixed` (the fix applied) parses.
  void ExpectFix(const std::string& broken, const std::string& expected, const std::string& fixed) {
    const auto bad = Parse(broken);
    ASSERT_FALSE(bad.ok()) << broken;
    EXPECT_THAT(bad.status().message(), HasSubstr(expected));
    const auto good = Parse(fixed);
    EXPECT_TRUE(good.ok()) << good.status().message();
  }

  static constexpr const char* kBase = R"(
task = "keypoints"
[dataset]
path = "persons.json"
[[models]]
path = "fast.onnx"
)";
  static constexpr const char* kVideo = R"(
[video]
path = "walk.avi"
centre = [640, 210]
side = 440
)";
  TempDir dir_;
};

TEST_F(KeypointSpecTest, ReadsEveryKeypointKey) {
  auto spec = Parse(R"(
task = "keypoints"
objective = "max-throughput"
reference = "accurate"

[keypoints]
schema = "efficientpose16"
refine = "parabola"
pck_alphas = [0.1, 0.2]
normalization = "head"
padding = 1.5

[dataset]
path = "persons.json"
limit = 5

[video]
path = "walk.avi"
box = [100, 50, 300, 450]
padding = 1.0
max_frames = 60
min_confidence = 0.25

[[models]]
name = "fast"
path = "fast.onnx"

[[models]]
name = "accurate"
path = "accurate.onnx"
engine = "opencv-dnn"
[models.keypoints]
refine = "none"

[constraints]
min_pck = 0.7
min_oks = 0.5
max_jitter_px = 4
max_angle_noise_deg = 3.5
max_p50_ms = 50
)");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->task, StudyTask::kKeypoints);
  EXPECT_EQ(StudyTaskName(spec->task), "keypoints");
  EXPECT_EQ(spec->keypoints.schema, "efficientpose16");
  EXPECT_THAT(spec->keypoints.decoder_toml, HasSubstr("refine = 'parabola'"));
  EXPECT_THAT(spec->keypoints.decoder_toml, ::testing::Not(HasSubstr("pck_alphas")));
  EXPECT_EQ(spec->keypoints.pck_alphas, (std::vector<double>{0.1, 0.2}));
  EXPECT_EQ(spec->keypoints.normalization, "head");
  EXPECT_DOUBLE_EQ(spec->keypoints.padding, 1.5);
  ASSERT_EQ(spec->datasets.size(), 1u);
  EXPECT_EQ(spec->datasets[0].limit, 5u);
  EXPECT_EQ(spec->video.path, dir_ / "walk.avi");
  // box [100, 50, 300, 450] padded by 1.0: centre (200, 250), side max(200, 400).
  EXPECT_DOUBLE_EQ(spec->video.centre_x_px, 200.0);
  EXPECT_DOUBLE_EQ(spec->video.centre_y_px, 250.0);
  EXPECT_DOUBLE_EQ(spec->video.side_px, 400.0);
  EXPECT_EQ(spec->video.max_frames, 60u);
  EXPECT_DOUBLE_EQ(spec->video.min_confidence, 0.25);
  // --quick measures at most the first 60 frames of the video (120 -> 60, 30 stays).
  for (const auto& [frames, quick_frames] : {std::pair<std::uint64_t, std::uint64_t>{0, 60}, {120, 60}, {30, 30}}) {
    StudySpec quick = *spec;
    quick.video.max_frames = frames;
    MakeQuick(quick);
    EXPECT_EQ(quick.video.max_frames, quick_frames) << frames;
  }
  ASSERT_EQ(spec->models.size(), 2u);
  EXPECT_EQ(spec->models[0].engine, "");
  EXPECT_EQ(spec->models[1].engine, "opencv-dnn");
  EXPECT_THAT(spec->models[1].keypoints_toml, HasSubstr("refine = 'none'"));
  EXPECT_EQ(spec->reference, "accurate");
  EXPECT_DOUBLE_EQ(*spec->constraints.min_pck, 0.7);
  EXPECT_DOUBLE_EQ(spec->constraints.pck_alpha, 0.1);  // the first alpha is the primary
  EXPECT_DOUBLE_EQ(*spec->constraints.min_oks, 0.5);
  EXPECT_DOUBLE_EQ(*spec->constraints.max_jitter_px, 4.0);
  EXPECT_DOUBLE_EQ(*spec->constraints.max_angle_noise_deg, 3.5);
  EXPECT_EQ(DescribeConstraints(spec->constraints),
            "PCK@0.1 >= 70 %, OKS >= 50 %, jitter <= 4 px/frame^2, angle noise <= 3.5 deg/frame^2, p50 <= 50 ms");
}

TEST_F(KeypointSpecTest, DefaultsWithoutKeypointsOrVideo) {
  auto spec = Parse(kBase);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->keypoints.pck_alphas, (std::vector<double>{0.2, 0.1, 0.05}));
  EXPECT_EQ(spec->keypoints.normalization, "box");
  EXPECT_TRUE(spec->video.path.empty());
  EXPECT_TRUE(spec->keypoints.decoder_toml.empty());
}

TEST_F(KeypointSpecTest, TheTaskNameIsNamedWithTheValuesItTakes) {
  const std::string base = std::string(kBase).substr(std::string(kBase).find('\n', 1));
  ExpectFix("task = \"keypoint\"\n" + base, "write \"classification\", \"detection\" or \"keypoints\"",
            "task = \"keypoints\"\n" + base);
}

TEST_F(KeypointSpecTest, KeypointTablesInAnotherTaskNameTheTask) {
  const std::string body =
      "[dataset]\npath = \"persons.json\"\n[[models]]\npath = \"fast.onnx\"\n" + std::string(kVideo);
  ExpectFix(body, "[video]: is for keypoint studies; set task = \"keypoints\"", "task = \"keypoints\"\n" + body);
  ExpectFix("[dataset]\npath = \"persons.json\"\n[[models]]\npath = \"fast.onnx\"\nengine = \"opencv-dnn\"\n",
            "[[models]] #1 engine: is for keypoint studies",
            "task = \"keypoints\"\n[dataset]\npath = \"persons.json\"\n[[models]]\npath = \"fast.onnx\"\nengine = "
            "\"opencv-dnn\"\n");
}

TEST_F(KeypointSpecTest, AVideoWithoutItsFirstSquareSaysHowToGiveIt) {
  const std::string broken = std::string(kBase) + "[video]\npath = \"walk.avi\"\nside = 440\n";
  ExpectFix(broken, "[video]: needs the person's square in the first frame: add centre = [x, y] and side = S",
            broken + "centre = [640, 210]\n");
  ExpectFix(std::string(kBase) + "[video]\npath = \"walk.avi\"\ncentre = [640]\nside = 440\n",
            "[video] centre: must be 2 numbers", std::string(kBase) + kVideo);
  ExpectFix(std::string(kBase) + "[video]\npath = \"missing.avi\"\ncentre = [640, 210]\nside = 440\n",
            "missing.avi' does not exist; fix the path", std::string(kBase) + kVideo);
}

TEST_F(KeypointSpecTest, NoiseBoundsNeedAVideo) {
  const std::string broken = std::string(kBase) + "[constraints]\nmax_jitter_px = 3\n";
  ExpectFix(broken, "[constraints] max_jitter_px: is measured on a video, and the spec has none: add [video]",
            std::string(kBase) + kVideo + "[constraints]\nmax_jitter_px = 3\n");
}

TEST_F(KeypointSpecTest, TopOneAndFractionsOutOfRangeAreRefusedWithTheKeyToUse) {
  ExpectFix(std::string(kBase) + "[constraints]\nmin_top1 = 0.7\n", "use min_pck (PCK@0.2",
            std::string(kBase) + "[constraints]\nmin_pck = 0.7\n");
  ExpectFix(std::string(kBase) + "[constraints]\nmin_pck = 70\n", "write 0.7 for 70 %",
            std::string(kBase) + "[constraints]\nmin_pck = 0.7\n");
}

TEST_F(KeypointSpecTest, KeypointsTableErrorsNameTheKey) {
  ExpectFix(std::string(kBase) + "[keypoints]\nnormalization = \"torso\"\n",
            "[keypoints] normalization: 'torso' is not a PCK normalisation; write \"box\"",
            std::string(kBase) + "[keypoints]\nnormalization = \"box\"\n");
  ExpectFix(std::string(kBase) + "[keypoints]\npck_alphas = []\n", "[keypoints] pck_alphas: must be a non-empty array",
            std::string(kBase) + "[keypoints]\npck_alphas = [0.2]\n");
  ExpectFix(std::string(kBase) + "[keypoints]\nschema = \"coco18\"\n", "'coco18' is neither a built-in schema (",
            std::string(kBase) + "[keypoints]\nschema = \"coco17\"\n");
  ExpectFix(std::string(kBase) + "[keypoints]\nrefine = \"cubic\"\n", "refine",
            std::string(kBase) + "[keypoints]\nrefine = \"quarter\"\n");
}

// A keypoint study times each crop in its accuracy run: no offline
// benchmark, no batches (a detection study takes both).
TEST_F(KeypointSpecTest, OnlySingleStreamOneCropAtATimeIsTimed) {
  ExpectFix(std::string(kBase) + "[runtime]\nscenario = \"offline\"\n",
            "[runtime] scenario: a keypoints study times single-stream queries only (pre-processing, network and "
            "decoding of one person crop at a time, in its accuracy run): set scenario = \"single-stream\"",
            std::string(kBase) + "[runtime]\nscenario = \"single-stream\"\n");
  ExpectFix(std::string(kBase) + "[runtime]\nscenario = [\"single-stream\", \"offline\"]\n",
            "a keypoints study times single-stream queries only", std::string(kBase) + "[runtime]\nscenario = \"single-stream\"\n");
  ExpectFix(std::string(kBase) + "[runtime]\nbatch = [1, 8]\n",
            "[runtime] batch: a keypoints study times one person crop at a time: set batch = [1]",
            std::string(kBase) + "[runtime]\nbatch = [1]\n");
}

TEST_F(KeypointSpecTest, AModelEngineMustBeOneTheBuildHas) {
  const std::string base =
      "task = \"keypoints\"\n[dataset]\npath = \"persons.json\"\n[[models]]\npath = "
      "\"fast.onnx\"\n";
  ExpectFix(base + "engine = \"tensorrt\"\n",
            "[[models]] #1 engine: unknown engine 'tensorrt'; use one of:", base + "engine = \"opencv-dnn\"\n");
}

TEST_F(KeypointSpecTest, OneLabelledDatasetPerStudy) {
  const std::string models = "[[models]]\npath = \"fast.onnx\"\n";
  testing::WriteFile(dir_ / "more.json", "[]");
  ExpectFix(
      "task = \"keypoints\"\n[[datasets]]\npath = \"persons.json\"\n[[datasets]]\npath = \"more.json\"\n" + models,
      "lists 2 datasets but a keypoint study evaluates one: keep one entry (one study per labelled dataset)",
      "task = \"keypoints\"\n[[datasets]]\npath = \"persons.json\"\n" + models);
}

}  // namespace
}  // namespace sweetspot
