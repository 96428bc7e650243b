// `sweetspot stability` and the study's isolated keypoint video run
// (isolated_keypoint_video.h) end to end on the kit's real walking video and
// EfficientPose models (../shared/data/pose-efficientpose).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/isolated_keypoint_video.h"
#include "sweetspot/keypoint_video_summary.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using testing::RunCli;
namespace fs = std::filesystem;

// RT on ONNX Runtime, I on OpenCV's DNN (ONNX Runtime refuses its AveragePool pads).
KeypointVideoRequest WalkingVideo(const fs::path& root, std::uint64_t frames) {
  KeypointVideoRequest request;
  for (const char* model : {"EfficientPoseRT_224.onnx", "EfficientPoseI_256.onnx"}) {
    KeypointModelRequest m;
    m.model_path = (root / "models" / model).string();
    m.schema = "efficientpose16";
    if (std::string(model).find("EfficientPoseI") != std::string::npos) m.engine = "opencv-dnn";
    request.models.push_back(m);
  }
  request.video_path = (root / "data" / "openpose_video.avi").string();
  request.initial = {640.0, 210.0, 440.0};
  request.threads = 1;
  request.max_frames = frames;
  request.bootstrap_replicates = 50;
  return request;
}

TEST(RunKeypointVideoIsolated, TheChildReturnsTheTracksAndTheirSummary) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root, 6);
  ChildLimits limits;
  limits.timeout_s = 120;
  auto isolated = RunKeypointVideoIsolated(SWEETSPOT_CLI_PATH, request, limits);
  ASSERT_TRUE(isolated.ok()) << isolated.status().ToString();
  EXPECT_EQ(isolated->result.crops.size(), 6U);
  ASSERT_EQ(isolated->result.models.size(), 2U);
  EXPECT_EQ(isolated->result.models[0].frames.size(), 6U);
  EXPECT_EQ(isolated->summary.frames, 6);
  EXPECT_EQ(isolated->summary.reference, "EfficientPoseI_256");
  ASSERT_EQ(isolated->summary.comparisons.size(), 1U);
  EXPECT_EQ(isolated->summary.comparisons[0].model, "EfficientPoseRT_224");
  EXPECT_EQ(isolated->summary.comparisons[0].stability.frames, 6);
  EXPECT_GT(isolated->summary.confidence[1].mean.value, 0.0);

  request.video_path = (root / "data" / "no_such_video.avi").string();
  const Status failed = RunKeypointVideoIsolated(SWEETSPOT_CLI_PATH, request, limits).status();
  EXPECT_THAT(failed.message(), HasSubstr("no_such_video.avi"));
}

// ---------------------------------------------------------------- sweetspot stability
struct KitPaths {
  fs::path video, rt, i;
};

KitPaths Kit(const fs::path& root) {
  return {root / "data" / "openpose_video.avi", root / "models" / "EfficientPoseRT_224.onnx",
          root / "models" / "EfficientPoseI_256.onnx"};
}

// Both models on the woman in the middle, RT on ONNX Runtime and I on opencv-dnn.
std::string KeypointArgs(const KitPaths& k, const std::string& video, const std::string& box, int frames) {
  return fmt::format(
      "stability --task keypoints --video {} --box {} --model {} --model {} --engine onnxruntime --engine opencv-dnn "
      "--schema efficientpose16 --max-frames {} --bootstrap 50 --threads 1",
      video, box, k.rt.string(), k.i.string(), frames);
}

TEST(StabilityCli, KeypointsPrintJitterAngleNoiseVerdictsAndWriteTheJson) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  testing::TempDir dir;
  const CommandResult r =
      RunCli(KeypointArgs(k, k.video.string(), "640,210,440", 12) + " --json " + (dir / "kp.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("12 frames tracked"));
  EXPECT_THAT(r.out, HasSubstr("EfficientPoseRT_224 vs EfficientPoseI_256"));
  EXPECT_THAT(r.out, HasSubstr("r_knee_flexion"));
  EXPECT_THAT(r.out, HasSubstr("confidence drop"));
  const nlohmann::json json = nlohmann::json::parse(ReadTextFile(dir / "kp.json").value());
  auto summary = KeypointVideoSummaryFromJson(json.at("summary"));
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->frames, 12);
  ASSERT_EQ(summary->comparisons.size(), 1U);
  EXPECT_FALSE(summary->comparisons[0].stability.overall_jitter_px.verdict.empty());
  EXPECT_EQ(json.at("tracks").at("crops").size(), 12U);
}

// --preprocess and --keypoint-decoder reach every keypoint model, as in eval:
// the kit's ImageNet normalisation changes what the models see (their
// scores), and a decoder flag that is not a layout or file is refused.
TEST(StabilityCli, KeypointModelsTakeThePreprocessingAndDecoderFlags) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  testing::TempDir dir;
  const fs::path examples = fs::path(SWEETSPOT_TEST_DIR).parent_path() / "examples";
  const std::string plain = KeypointArgs(k, k.video.string(), "640,210,440", 3) + " --json ";
  const std::string kit = KeypointArgs(k, k.video.string(), "640,210,440", 3) + " --preprocess " +
                          (examples / "efficientpose-preprocess.toml").string() + " --keypoint-decoder " +
                          (examples / "efficientpose-keypoints.toml").string() + " --json ";
  ASSERT_EQ(RunCli(plain + (dir / "plain.json").string()).exit_code, 0);
  const CommandResult r = RunCli(kit + (dir / "kit.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json a = nlohmann::json::parse(ReadTextFile(dir / "plain.json").value());
  const nlohmann::json b = nlohmann::json::parse(ReadTextFile(dir / "kit.json").value());
  for (int m = 0; m < 2; ++m) {
    EXPECT_NE(a.at("tracks").at("models").at(m).at("frames").at(0),
              b.at("tracks").at("models").at(m).at("frames").at(0))
        << "model " << m << ": the preprocessing did not reach it";
  }
  const CommandResult bad =
      RunCli(KeypointArgs(k, k.video.string(), "640,210,440", 3) + " --keypoint-decoder no_such_layout");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--keypoint-decoder"));
}

// A person box X1,Y1,X2,Y2 starts the track on the square eval would crop (its
// longer side x 1.25) and the study's [video] box starts on: 440 px -> 550.
TEST(StabilityCli, APersonBoxIsPaddedAsEvalsPersons) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  testing::TempDir dir;
  const CommandResult r =
      RunCli(KeypointArgs(k, k.video.string(), "420,60,860,360", 2) + " --json " + (dir / "kp.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(ReadTextFile(dir / "kp.json").value());
  const nlohmann::json& first = json.at("tracks").at("crops").at(0);
  EXPECT_DOUBLE_EQ(first.at(0).get<double>(), 640.0);
  EXPECT_DOUBLE_EQ(first.at(1).get<double>(), 210.0);
  EXPECT_DOUBLE_EQ(first.at(2).get<double>(), 550.0);
}

// Exit 2 and one error line (after the progress lines), saying `says`.
void ExpectOneLineError(const CommandResult& r, const std::string& says) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  ASSERT_FALSE(r.err.empty());
  const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  EXPECT_THAT(last, HasSubstr("sweetspot: error: "));
  EXPECT_THAT(last, HasSubstr(says));
  EXPECT_EQ(r.err.find("sweetspot: error: "), r.err.rfind("sweetspot: error: ")) << r.err;
}

TEST(StabilityCli, BadInputIsOneLineAndItsFixWorks) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  testing::TempDir dir;
  // A file that is no video.
  testing::WriteFile(dir / "notes.avi", "not a video");
  ExpectOneLineError(RunCli(KeypointArgs(k, (dir / "notes.avi").string(), "640,210,440", 2)), "notes.avi");
  // A folder without frames.
  fs::create_directories(dir / "empty");
  ExpectOneLineError(RunCli(KeypointArgs(k, (dir / "empty").string(), "640,210,440", 2)), "empty");
  // --box missing, then a --box of two numbers: the message says the form.
  const std::string no_box =
      fmt::format("stability --video {} --model {} --engine opencv-dnn --schema efficientpose16 --max-frames 2",
                  k.video.string(), k.i.string());
  ExpectOneLineError(RunCli(no_box), "pass --box CX,CY,SIDE");
  ExpectOneLineError(RunCli(no_box + " --box 640,210"), "give the person in the first frame as CX,CY,SIDE");
  EXPECT_EQ(RunCli(no_box + " --box 640,210,440").exit_code, 0);
  // EfficientPose I on ONNX Runtime (which refuses its AveragePool pads): the
  // fix names stability's own flag, and applying it works.
  const std::string both = fmt::format(
      "stability --video {} --box 640,210,440 --model {} --model {} --schema efficientpose16 --max-frames 2 "
      "--bootstrap 20",
      k.video.string(), k.rt.string(), k.i.string());
  ExpectOneLineError(RunCli(both), "pass --engine opencv-dnn for that model");
  EXPECT_EQ(RunCli(both + " --engine onnxruntime --engine opencv-dnn").exit_code, 0);
  // The fix of a video that does not open or has no frames: the video.
  EXPECT_EQ(RunCli(KeypointArgs(k, k.video.string(), "640,210,440", 2)).exit_code, 0);
}

// A --box whose centre lies off the first frame (a typo: 6400 for 640) would
// crop black borders; it is refused with the frame's size, and a --box with
// its centre inside works.
TEST(StabilityCli, ABoxOffTheFirstFrameIsRefusedWithTheFrameSizeAndTheFixWorks) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  const CommandResult r = RunCli(KeypointArgs(k, k.video.string(), "6400,210,440", 2));
  ExpectOneLineError(r, "the initial square's centre (6400, 210) lies outside frame 0 (1280 x 720 px)");
  EXPECT_THAT(r.err, HasSubstr("pass --box around the person in the first frame, its centre inside 0..1280 x 0..720"));
  const CommandResult fixed = RunCli(KeypointArgs(k, k.video.string(), "640,210,440", 2));
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("2 frames tracked"));
}

TEST(StabilityCli, ModelsWhoseSchemasShareNoJointAreNamedAndTheSchemaFixesIt) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  testing::TempDir dir;
  std::string joints;
  for (int j = 0; j < 16; ++j) joints += fmt::format("{}\"j{}\"", j == 0 ? "" : ", ", j);
  testing::WriteFile(dir / "numbered.toml", "name = \"numbered\"\njoints = [" + joints + "]\n");
  const std::string args = fmt::format(
      "stability --video {} --box 640,210,440 --model {} --model {} --engine opencv-dnn --max-frames 2 --bootstrap 0",
      k.video.string(), k.rt.string(), k.i.string());
  const CommandResult r = RunCli(args + " --schema " + (dir / "numbered.toml").string() + " --schema efficientpose16");
  ExpectOneLineError(r, "share no joint");
  EXPECT_THAT(r.err, HasSubstr("--schema"));
  EXPECT_EQ(RunCli(args + " --schema efficientpose16").exit_code, 0);
}

// Classification refuses what it would ignore or misread: a keypoint flag, and a
// model whose output is no row of class scores (EfficientPose's heatmaps,
// whose argmax would "flicker" ~100 %); each fix then works.
TEST(StabilityCli, ClassificationRefusesKeypointFlagsAndModelsAndTheFixesWork) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const KitPaths k = Kit(root);
  const std::string base =
      fmt::format("stability --task classification --video {} --max-frames 3 --bootstrap 20 ", k.video.string());
  const std::string classifier = "--model " + testing::DemoModel("cnn-nano").string();
  ExpectOneLineError(RunCli(base + classifier + " --box 640,210,440"),
                     "--box is for --task keypoints; drop it for --task classification");
  ExpectOneLineError(RunCli(base + "--model " + k.rt.string()),
                     "not one row of class scores [N, C]; --task classification needs a classifier");
  EXPECT_EQ(RunCli(base + classifier).exit_code, 0);
}

TEST(StabilityCli, ClassificationFlickerOfTwoShippedClassifiersOnTheWalkingVideo) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  testing::TempDir dir;
  const CommandResult r = RunCli(fmt::format(
      "stability --task classification --video {} --model {} --model {} --max-frames 40 --bootstrap 100 --json {}",
      Kit(root).video.string(), testing::DemoModel("cnn-nano").string(), testing::DemoModel("resnet-small").string(),
      (dir / "cls.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("flicker"));
  EXPECT_THAT(r.out, HasSubstr("cnn-nano - resnet-small"));
  const nlohmann::json json = nlohmann::json::parse(ReadTextFile(dir / "cls.json").value());
  ASSERT_EQ(json.at("models").size(), 2U);
  EXPECT_EQ(json.at("models")[0].at("flicker").at("frames"), 40);
  const double share = json.at("models")[0].at("flicker").at("share").at("value");
  EXPECT_GE(share, 0.0);
  EXPECT_LE(share, 1.0);
  EXPECT_EQ(json.at("comparison").at("count"), 39);
}

// ---------------------------------------------------------------- detection
// Two NanoDet COCO detectors (../shared/data/voc100-nanodet) on the first
// frames of the walking video, with the examples' preprocessing and decoder.
std::string DetectionArgs(const fs::path& nanodet, const fs::path& video, int frames) {
  const fs::path examples = fs::path(SWEETSPOT_TEST_DIR).parent_path() / "examples";
  return fmt::format(
      "stability --task detection --video {} --model {} --model {} --preprocess {} --decoder {} --max-frames {} "
      "--bootstrap 50 --threads 1",
      video.string(), (nanodet / "models" / "nanodet_m_0.5x.onnx").string(),
      (nanodet / "models" / "nanodet_m.onnx").string(), (examples / "nanodet-preprocess.toml").string(),
      (examples / "nanodet-detector.toml").string(), frames);
}

TEST(StabilityCli, DetectionJitterAndFlickerOfTwoNanoDetsOnTheWalkingVideo) {
  SWEETSPOT_REQUIRE_SHARED_DATA(pose, "pose-efficientpose");
  SWEETSPOT_REQUIRE_SHARED_DATA(nanodet, "voc100-nanodet");
  testing::TempDir dir;
  const CommandResult r =
      RunCli(DetectionArgs(nanodet, Kit(pose).video, 12) + " --json " + (dir / "det.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("12 frames"));
  EXPECT_THAT(r.out, HasSubstr("centre jitter, % of size/frame^2"));
  EXPECT_THAT(r.out, HasSubstr("identity flicker"));
  const nlohmann::json json = nlohmann::json::parse(ReadTextFile(dir / "det.json").value());
  EXPECT_EQ(json.at("task"), "detection");
  ASSERT_EQ(json.at("models").size(), 2U);
  for (const nlohmann::json& model : json.at("models")) {
    EXPECT_EQ(model.at("stability").at("frames"), 12);
    ASSERT_EQ(model.at("frames").size(), 12U);
    // People walk through every frame: the persons are seen, and matched frame to frame.
    EXPECT_FALSE(model.at("frames").at(0).empty()) << model.at("name");
    EXPECT_GT(model.at("stability").at("matched_pairs").get<int>(), 10) << model.at("name");
    EXPECT_THAT(model.at("decoder").get<std::string>(), HasSubstr("nanodet"));
  }
  ASSERT_EQ(json.at("comparison").size(), 5U);
  EXPECT_EQ(json.at("comparison")[0].at("name"), "centre_jitter");
  for (const nlohmann::json& figure : json.at("comparison")) {
    EXPECT_FALSE(figure.at("verdict").get<std::string>().empty()) << figure.at("name");
  }
  // The text gives the same verdicts.
  EXPECT_THAT(r.out, HasSubstr(json.at("comparison")[0].at("verdict").get<std::string>()));
}

// One detector: its figures alone, no comparison.
TEST(StabilityCli, DetectionOfOneModelPrintsItsFiguresWithoutAComparison) {
  SWEETSPOT_REQUIRE_SHARED_DATA(pose, "pose-efficientpose");
  SWEETSPOT_REQUIRE_SHARED_DATA(nanodet, "voc100-nanodet");
  const std::string both = DetectionArgs(nanodet, Kit(pose).video, 5);
  const std::string second = " --model " + (nanodet / "models" / "nanodet_m.onnx").string();
  const std::string one = both.substr(0, both.find(second)) + both.substr(both.find(second) + second.size());
  const CommandResult r = RunCli(one + " --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json.at("models").size(), 1U);
  EXPECT_EQ(json.at("models")[0].at("name"), "nanodet_m_0.5x");
  EXPECT_TRUE(json.at("comparison").is_null());
  const CommandResult text = RunCli(one);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("disappear rate, % of boxes"));
  EXPECT_THAT(text.out, ::testing::Not(HasSubstr("verdict")));
}

// Detection refuses the keypoint flags it would ignore, and the other tasks
// the decoder flags; dropping the flag (the fix) works.
TEST(StabilityCli, DetectionRefusesKeypointFlagsOthersTheDecoderFlagsAndTheFixesWork) {
  SWEETSPOT_REQUIRE_SHARED_DATA(pose, "pose-efficientpose");
  SWEETSPOT_REQUIRE_SHARED_DATA(nanodet, "voc100-nanodet");
  const KitPaths k = Kit(pose);
  const std::string detection = DetectionArgs(nanodet, k.video, 3);
  for (const std::string& flag :
       std::vector<std::string>{"--box 640,210,440", "--schema efficientpose16", "--keypoint-decoder heatmap",
                                "--reference " + k.i.string(), "--agreement-threshold 0.1"}) {
    ExpectOneLineError(RunCli(detection + " " + flag),
                       flag.substr(0, flag.find(' ')) + " is for --task keypoints; drop it for --task detection");
  }
  // Scores lie in [0, 1]: 1.5 measured no box and printed 0 % rates; a negative frame count is no count.
  ExpectOneLineError(RunCli(detection + " --min-confidence 1.5"), "--min-confidence");
  ExpectOneLineError(RunCli(detection + " --max-frames -1"), "--max-frames");
  EXPECT_EQ(RunCli(detection).exit_code, 0);
  // A decoder layout that does not fit the outputs: the fix is the flag with the right one.
  const std::string yolo =
      detection.substr(0, detection.find(" --decoder ")) + " --max-frames 3 --bootstrap 20 --threads 1 --decoder ";
  ExpectOneLineError(RunCli(yolo + "yolov8"), "the outputs fit 'nanodet': pass --decoder nanodet");
  EXPECT_EQ(RunCli(yolo + "nanodet").exit_code, 0);
  const std::string classification =
      fmt::format("stability --task classification --video {} --max-frames 3 --bootstrap 20 --model {}",
                  k.video.string(), testing::DemoModel("cnn-nano").string());
  for (const std::string flag :
       {"--decoder nanodet", "--score-threshold 0.3", "--nms-iou 0.5", "--max-detections 10", "--min-confidence 0.5"}) {
    const std::string name = flag.substr(0, flag.find(' '));
    ExpectOneLineError(RunCli(classification + " " + flag),
                       name + " is for --task " +
                           (name == "--min-confidence" ? "keypoints or detection" : "detection") +
                           "; drop it for --task classification");
  }
  EXPECT_EQ(RunCli(classification).exit_code, 0);
  const std::string keypoints = KeypointArgs(k, k.video.string(), "640,210,440", 2);
  ExpectOneLineError(RunCli(keypoints + " --decoder nanodet"),
                     "--decoder is for --task detection; drop it for --task "
                     "keypoints");
  EXPECT_EQ(RunCli(keypoints).exit_code, 0);
}

}  // namespace
}  // namespace sweetspot
