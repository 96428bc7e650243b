// A keypoint study end to end on the kit (../shared/data/pose-efficientpose,
// skipped without it): EfficientPose RT (ONNX Runtime) and I (opencv-dnn,
// which ONNX Runtime cannot load) on the 12 labelled COCO persons and 60
// frames of the walking video, under a PCK constraint, through the real
// binary and SQLite; then the same command again reuses every measurement.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "study_fixtures.h"
#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::Slurp;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

std::string Spec(const fs::path& kit) {
  return fmt::format(R"(
name = "efficientpose"
task = "keypoints"
objective = "max-throughput"

[keypoints]
schema = "efficientpose16"

[dataset]
path = "{0}/data/coco/test_coco.json"

[video]
path = "{0}/data/openpose_video.avi"
centre = [640, 210]
side = 440
max_frames = 60

[[models]]
name = "EfficientPoseRT"
path = "{0}/models/EfficientPoseRT_224.onnx"

[[models]]
name = "EfficientPoseI"
path = "{0}/models/EfficientPoseI_256.onnx"
engine = "opencv-dnn"

[runtime]
threads = 1

[constraints]
min_pck = 0.5
)",
                     kit.string());
}

TEST(KeypointStudyTest, EfficientPoseRtAndIUnderAPckBoundWithTheStabilityFigures) {
  SWEETSPOT_REQUIRE_SHARED_DATA(kit, "pose-efficientpose");
  TempDir dir;
  testing::WriteFile(dir / "study.toml", Spec(kit));
  const std::string command = fmt::format("study '{}' -q --db '{}' --json '{}'", (dir / "study.toml").string(),
                                          (dir / "kp.db").string(), (dir / "report.json").string());
  const auto run = RunCli(command);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  std::printf("%s", run.out.c_str());
  EXPECT_THAT(run.out, HasSubstr("PCK@0.2 % (95 % CI)"));
  EXPECT_THAT(run.out, HasSubstr("Stability of "));
  EXPECT_THAT(run.out, HasSubstr("jitter"));
  const json report = json::parse(Slurp(dir / "report.json"));
  EXPECT_EQ(report["task"], "keypoints");
  // The most accurate is the reference the video is tracked by and compared with.
  EXPECT_EQ(report["reference"], "EfficientPoseI");
  ASSERT_TRUE(report["recommended"].is_string()) << report.dump(2);
  ASSERT_EQ(report["candidates"].size(), 2u);
  for (const json& c : report["candidates"]) {
    EXPECT_GT(c["pck"]["value"].get<double>(), 0.5) << c.dump();
    EXPECT_EQ(c["metrics"]["persons"], 12);
    ASSERT_TRUE(c["stability"].is_object()) << c["name"];
    EXPECT_EQ(c["stability"]["frames"], 60) << c["name"];
    EXPECT_GT(c["speed"]["network_p50_ms"].get<double>(), 0.0);
  }
  const json& rt = report["candidates"][0];
  EXPECT_EQ(rt["engine"], "onnxruntime");
  EXPECT_EQ(report["candidates"][1]["engine"], "opencv-dnn");
  ASSERT_TRUE(rt["confidence_drop"].is_object());
  EXPECT_GT(rt["stability"]["overall_jitter_px"]["count"].get<int>(), 0);
  EXPECT_FALSE(rt["stability"]["overall_jitter_px"]["verdict"].get<std::string>().empty());

  // A rerun measures nothing again.
  const auto again = RunCli(command);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const json reused = json::parse(Slurp(dir / "report.json"));
  EXPECT_EQ(reused["measured"], 0);
  EXPECT_EQ(reused["reused"], 3);  // two labelled evaluations and the video run
  EXPECT_EQ(reused["recommended"], report["recommended"]);
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// ONNX Runtime refuses EfficientPose I; the failure names the spec key that
// fixes it, and the fix applied measures it.
TEST(KeypointStudyTest, AModelOnnxRuntimeRefusesNamesTheEngineKeyAndTheKeyFixesIt) {
  SWEETSPOT_REQUIRE_SHARED_DATA(kit, "pose-efficientpose");
  TempDir dir;
  const std::string spec = fmt::format(R"(
task = "keypoints"
[keypoints]
schema = "efficientpose16"
[dataset]
path = "{0}/data/mpii/test_mpii.json"
limit = 1
[[models]]
path = "{0}/models/EfficientPoseI_256.onnx"
)",
                                       kit.string());
  testing::WriteFile(dir / "study.toml", spec);
  const std::string command =
      fmt::format("study '{}' -q --db '{}'", (dir / "study.toml").string(), (dir / "kp.db").string());
  const auto refused = RunCli(command);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("set [[models]] engine = \"opencv-dnn\""));
  testing::WriteFile(dir / "study.toml", spec + "engine = \"opencv-dnn\"\n");
  const auto fixed = RunCli(command);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err << fixed.out;
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// Each keypoint measurement runs in a child process: one past timeout_s is
// killed (an evaluation in the study's own process could not be) and
// recorded as a failure naming the key that fixes it; the fix applied
// measures it.
TEST(KeypointStudyTest, AnEvaluationPastTimeoutIsKilledInItsChildAndTheRaisedTimeoutMeasuresIt) {
  SWEETSPOT_REQUIRE_SHARED_DATA(kit, "pose-efficientpose");
  TempDir dir;
  const std::string spec = fmt::format(R"(
task = "keypoints"
[keypoints]
schema = "efficientpose16"
[dataset]
path = "{0}/data/mpii/test_mpii.json"
limit = 2
[[models]]
path = "{0}/models/EfficientPoseRT_224.onnx"
[runtime]
threads = 1
)",
                                       kit.string());
  testing::WriteFile(dir / "study.toml", spec + "timeout_s = 0.001\n");
  const fs::path db = dir / "kp.db";
  const std::string command = fmt::format("study '{}' -q --db '{}'", (dir / "study.toml").string(), db.string());
  const auto killed = RunCli(command);
  EXPECT_EQ(killed.exit_code, 1) << killed.err << killed.out;
  EXPECT_THAT(killed.err, HasSubstr("timed out after 0.001 s"));
  EXPECT_THAT(killed.err, HasSubstr("raise [runtime] timeout_s"));
  EXPECT_EQ(testing::Rows(db, "failures"), 1);
  EXPECT_EQ(testing::Rows(db, "accuracy_results"), 0);

  testing::WriteFile(dir / "study.toml", spec + "timeout_s = 300\n");
  const auto fixed = RunCli(command);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err << fixed.out;
  EXPECT_EQ(testing::Rows(db, "accuracy_results"), 1);
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// A [video] centre off the first frame (a typo: 6400 for 640) fails the video
// run with the frame's size in the spec's words; the centre inside it runs.
TEST(KeypointStudyTest, AVideoCentreOffTheFirstFrameNamesTheFrameSizeAndTheFixedCentreRuns) {
  SWEETSPOT_REQUIRE_SHARED_DATA(kit, "pose-efficientpose");
  TempDir dir;
  const auto spec = [&](const std::string& centre) {
    return fmt::format(R"(
task = "keypoints"
[keypoints]
schema = "efficientpose16"
[dataset]
path = "{0}/data/mpii/test_mpii.json"
limit = 1
[video]
path = "{0}/data/openpose_video.avi"
centre = {1}
side = 440
max_frames = 3
[[models]]
path = "{0}/models/EfficientPoseRT_224.onnx"
[runtime]
threads = 1
)",
                       kit.string(), centre);
  };
  testing::WriteFile(dir / "study.toml", spec("[6400, 210]"));
  const std::string command =
      fmt::format("study '{}' -q --db '{}'", (dir / "study.toml").string(), (dir / "kp.db").string());
  const auto refused = RunCli(command);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("the initial square's centre (6400, 210) lies outside frame 0 (1280 x 720 px)"));
  EXPECT_THAT(refused.err,
              HasSubstr("set [video] centre inside 0..1280 x 0..720 (or a box around the person in the first frame)"));
  testing::WriteFile(dir / "study.toml", spec("[640, 210]"));
  const auto fixed = RunCli(command);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err << fixed.out;
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// Two runtime settings track the video twice: the report shows both runs, one
// section each, named by the video and the setting (it showed the first only).
TEST(KeypointStudyTest, EachRuntimeSettingHasItsOwnKeypointSectionInTheReport) {
  SWEETSPOT_REQUIRE_SHARED_DATA(kit, "pose-efficientpose");
  TempDir dir;
  testing::WriteFile(dir / "study.toml", fmt::format(R"(
name = "settings"
task = "keypoints"
[keypoints]
schema = "efficientpose16"
[dataset]
path = "{0}/data/mpii/test_mpii.json"
limit = 2
[video]
path = "{0}/data/openpose_video.avi"
centre = [640, 210]
side = 440
max_frames = 12
[[models]]
name = "EfficientPoseRT"
path = "{0}/models/EfficientPoseRT_224.onnx"
[[models]]
name = "EfficientPoseI"
path = "{0}/models/EfficientPoseI_256.onnx"
engine = "opencv-dnn"
[runtime]
threads = [1, 2]
)",
                                                     kit.string()));
  const fs::path db = dir / "kp.db";
  const auto study = RunCli(fmt::format("study '{}' -q --db '{}'", (dir / "study.toml").string(), db.string()));
  ASSERT_EQ(study.exit_code, 0) << study.err << study.out;
  const auto report =
      RunCli(fmt::format("report --db '{}' --out '{}' --json", db.string(), (dir / "data.json").string()));
  ASSERT_EQ(report.exit_code, 0) << report.err << report.out;
  const json page = json::parse(Slurp(dir / "data.json"));
  ASSERT_EQ(page["runs"].size(), 1U);
  const json& sections = page["runs"][0]["keypoints"];
  ASSERT_EQ(sections.size(), 2U) << sections.dump().substr(0, 2000);
  const std::string first = sections[0]["name"], second = sections[1]["name"];
  EXPECT_NE(first, second);
  EXPECT_THAT(first, HasSubstr("openpose_video [")) << first;
  EXPECT_THAT(first, HasSubstr("t1]")) << first;
  EXPECT_THAT(second, HasSubstr("t2]")) << second;
  for (const json& section : sections) EXPECT_EQ(section["frames"], 12) << section["name"];
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// --report-only of a keypoint study runs no model: with the labelled images
// broken after the study (no evaluation could run), it prints the study's table,
// stability figures and recommendation from the stored rows (and its report
// page), writing no measurement; a setting the spec adds later is "not
// measured", never a figure.
TEST(KeypointStudyTest, ReportOnlyReportsTheStoredRowsWithoutTheImagesAndAnAddedSettingAsNotMeasured) {
  SWEETSPOT_REQUIRE_SHARED_DATA(kit, "pose-efficientpose");
  TempDir dir;
  // The labelled persons' JSON and images copied, so the images can be broken.
  fs::create_directories(dir / "coco");
  for (const auto& entry : fs::directory_iterator(kit / "data" / "coco")) {
    fs::copy_file(entry.path(), dir / "coco" / entry.path().filename());
  }
  const std::string spec = fmt::format(R"(
name = "pose"
task = "keypoints"
[keypoints]
schema = "efficientpose16"
[dataset]
path = "{1}/coco/test_coco.json"
limit = 4
[video]
path = "{0}/data/openpose_video.avi"
centre = [640, 210]
side = 440
max_frames = 10
[[models]]
name = "rt"
path = "{0}/models/EfficientPoseRT_224.onnx"
[runtime]
)",
                                       kit.string(), dir.path().string());
  testing::WriteFile(dir / "study.toml", spec + "threads = 1\n");
  const fs::path db = dir / "kp.db";
  const std::string study = fmt::format("study '{}' -q --db '{}'", (dir / "study.toml").string(), db.string());
  const auto run = RunCli(study);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  ASSERT_EQ(testing::Rows(db, "accuracy_results"), 2);  // the labelled persons and the video
  // The study writes its report page where the page's scripts are installed (scripts/bootstrap).
  const bool page = fs::exists(dir / "pose.html");
  fs::remove(dir / "pose.html");
  // No image decodes any more: an evaluation could not run (the JSON, which keys the rows, is unchanged).
  for (const auto& entry : fs::directory_iterator(dir / "coco")) {
    if (entry.path().extension() == ".jpg") testing::WriteFile(entry.path(), "not a JPEG");
  }

  const auto stored = RunCli(study + " --report-only");
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  std::printf("%s", stored.out.c_str());
  EXPECT_THAT(stored.out, HasSubstr("Study 'pose' on 1 environment(s)"));
  EXPECT_THAT(stored.out, HasSubstr("10 tracked frames"));
  EXPECT_THAT(stored.out, HasSubstr("  environment 1: rt\n"));
  // The candidate's row as the study printed it: the same stored figures.
  const std::size_t row = run.out.find("\nrt ");
  ASSERT_NE(row, std::string::npos) << run.out;
  EXPECT_THAT(stored.out, HasSubstr(run.out.substr(row, run.out.find('\n', row + 1) - row)));
  EXPECT_EQ(fs::exists(dir / "pose.html"), page) << "the report page, as the study writes it: " << stored.err;
  EXPECT_EQ(testing::Rows(db, "accuracy_results"), 2);
  EXPECT_EQ(testing::Rows(db, "failures"), 0);

  testing::WriteFile(dir / "study.toml", spec + "threads = [1, 2]\n");
  const auto added = RunCli(study + " --report-only");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  std::printf("%s", added.out.c_str());
  // Its row has no figure, only the verdict.
  EXPECT_THAT(added.out, ::testing::ContainsRegex("\nrt \\(single-stream b1 t2\\)( +-)+ +failed\n"));
  EXPECT_THAT(added.out, HasSubstr("  - rt (single-stream b1 t2) (failed): not measured\n"));
  EXPECT_THAT(added.out, HasSubstr("  environment 1: rt (single-stream b1 t1)\n"));
  EXPECT_EQ(testing::Rows(db, "accuracy_results"), 2) << "nothing measured";
  EXPECT_EQ(testing::Rows(db, "failures"), 0);
}

}  // namespace
}  // namespace sweetspot
