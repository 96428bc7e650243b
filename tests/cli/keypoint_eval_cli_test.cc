// `sweetspot eval` on a keypoint dataset end to end: the kit's real
// EfficientPose RT (ONNX Runtime) and I (opencv-dnn) on its COCO and MPII
// persons, the paired comparison and the confidence drop, text and JSON, the
// study's isolated child, and bad input (exit 2, one line, each proposed fix
// applied and seen to work).
#include <algorithm>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/isolated_keypoint_eval.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
namespace fs = std::filesystem;

fs::path Example(const std::string& name) { return fs::path(SWEETSPOT_TEST_DIR).parent_path() / "examples" / name; }

// The kit README's preprocessing and decoder (schema efficientpose16).
std::string KitArgs(const fs::path& root, const std::string& model, const std::string& data) {
  return (root / "models" / model).string() + " --data " + (root / "data" / data).string() + " --preprocess " +
         Example("efficientpose-preprocess.toml").string() + " --keypoint-decoder " +
         Example("efficientpose-keypoints.toml").string() + " --threads 1";
}

TEST(KeypointEvalCli, RtOnOnnxRuntimeAgainstIOnOpenCvOnTheKitsCocoPersons) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const auto run = RunCli("eval " + KitArgs(root, "EfficientPoseRT_224.onnx", "coco/test_coco.json") + " --reference " +
                          (root / "models" / "EfficientPoseI_256.onnx").string() +
                          " --reference-runtime opencv-dnn --bootstrap 200 --json -");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json.at("schema"), "sweetspot.keypoint-eval/1");
  const auto& result = json.at("result");
  EXPECT_EQ(result.at("engine"), "onnxruntime");
  EXPECT_EQ(result.at("dataset_format"), "coco");
  EXPECT_EQ(result.at("joints").size(), 12U);  // COCO's body joints; EfficientPose has no face joints
  const auto& metrics = result.at("metrics");
  EXPECT_EQ(metrics.at("persons"), 12);
  ASSERT_EQ(metrics.at("pck").size(), 3U);  // 0.2, 0.1, 0.05
  EXPECT_DOUBLE_EQ(metrics.at("pck")[0].at("alpha").get<double>(), 0.2);
  EXPECT_GT(metrics.at("pck")[0].at("pck").at("value").get<double>(), 0.5);
  EXPECT_TRUE(metrics.at("oks").at("ci").at("valid").get<bool>());
  EXPECT_EQ(json.at("reference").at("engine"), "opencv-dnn");
  const auto& comparison = json.at("comparison");
  EXPECT_EQ(comparison.at("accuracy").at("persons"), 12);
  EXPECT_EQ(comparison.at("confidence").at("joints").size(), 12U);
}

// Five persons are too few for a paired test (a bootstrap of a few persons who
// agree in sign says p ~ 0.002): the differences and intervals are shown, no verdict.
TEST(KeypointEvalCli, AComparisonOverFewerThanTenPersonsMakesNoTest) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const auto run = RunCli("eval " + KitArgs(root, "EfficientPoseRT_224.onnx", "mpii/test_mpii.json") + " --reference " +
                          (root / "models" / "EfficientPoseI_256.onnx").string() +
                          " --reference-runtime opencv-dnn --bootstrap 100");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("confidence drop of EfficientPoseRT_224 against EfficientPoseI_256"));
  EXPECT_THAT(run.out, HasSubstr("too few persons to test (5; at least 10)"));
  EXPECT_THAT(run.out, ::testing::Not(::testing::HasSubstr("significant at 5 %")));
}

TEST(KeypointEvalCli, TextOnMpiiShowsPckOksConfidenceAndTheJointTable) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const auto run = RunCli("eval " + KitArgs(root, "EfficientPoseRT_224.onnx", "mpii/test_mpii.json") +
                          " --pck-alpha 0.5,0.2 --pck-norm head --bootstrap 100");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("PCK@0.5"));
  EXPECT_THAT(run.out, HasSubstr("within 0.2 x the head size"));
  EXPECT_THAT(run.out, HasSubstr("16 scored"));          // MPII and EfficientPose share all 16 joints
  EXPECT_THAT(run.out, HasSubstr("OKS            --"));  // MPII has no sigmas
  EXPECT_THAT(run.out, HasSubstr("confidence"));
  EXPECT_THAT(run.out, HasSubstr("r_ankle"));
  EXPECT_THAT(run.out, HasSubstr("layout = \"heatmap\""));
}

TEST(KeypointEvalCli, TheIsolatedChildAnswersWithResultAndSummary) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointEvalRequest request;
  request.model.model_path = (root / "models" / "EfficientPoseI_256.onnx").string();
  request.model.schema = "efficientpose16";
  request.model.engine = "opencv-dnn";
  request.dataset_path = (root / "data" / "mpii" / "test_mpii.json").string();
  request.limit = 2;
  request.threads = 1;
  request.bootstrap_replicates = 20;
  auto isolated =
      RunKeypointEvalIsolated(SWEETSPOT_CLI_PATH, request, {.timeout_s = 120, .cancel = nullptr, .timeout_hint = ""});
  ASSERT_TRUE(isolated.ok()) << isolated.status().message();
  EXPECT_EQ(isolated->result.truth.size(), 2U);
  EXPECT_EQ(isolated->summary.metrics.persons, 2);
  EXPECT_EQ(isolated->summary.engine, "opencv-dnn");
  EXPECT_GT(isolated->wall_ms, 0.0);
  request.model.engine = "onnxruntime";  // refuses EfficientPose I: the error and its fix come back
  const Status failed =
      RunKeypointEvalIsolated(SWEETSPOT_CLI_PATH, request, {.timeout_s = 120, .cancel = nullptr, .timeout_hint = ""})
          .status();
  EXPECT_THAT(failed.message(), HasSubstr("engine opencv-dnn loads it"));
  ASSERT_EQ(failed.fixes().size(), 1U);
  EXPECT_EQ(failed.fixes()[0].field, "engine");
}

struct FixCase {
  std::string name;
  std::string fails;  // arguments after the kit's RT on MPII (1 person)
  std::string error;  // what the one line must say: the fix
  std::string fixed;
};

class KeypointEvalFix : public ::testing::TestWithParam<FixCase> {};

TEST_P(KeypointEvalFix, TheProposedFixWorks) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const std::string base =
      "eval " + (root / "models" / "EfficientPoseRT_224.onnx").string() + " --limit 1 --bootstrap 0 ";
  // 16 joints named unlike any built-in schema's.
  testing::TempDir tmp;
  std::string joints;
  for (int j = 0; j < 16; ++j) joints += (j == 0 ? "\"j" : ", \"j") + std::to_string(j) + "\"";
  testing::WriteFile(tmp / "no-shared-joint.toml", "name = \"numbered\"\njoints = [" + joints + "]\n");
  const auto with_dirs = [&](std::string args) {
    for (std::string::size_type at; (at = args.find("{tmp}")) != std::string::npos;)
      args.replace(at, 5, tmp.path().string());
    for (std::string::size_type at; (at = args.find("{kit}")) != std::string::npos;) args.replace(at, 5, root.string());
    for (std::string::size_type at; (at = args.find("{examples}")) != std::string::npos;) {
      args.replace(at, 10, Example("").string());
    }
    return args;
  };
  const auto failed = RunCli(base + with_dirs(GetParam().fails));
  EXPECT_EQ(failed.exit_code, 2) << failed.out;
  EXPECT_THAT(failed.err, HasSubstr(GetParam().error));
  // One error line (after the progress lines of the work done before it).
  const std::string error = failed.err.substr(std::min(failed.err.find("sweetspot: error:"), failed.err.size()));
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << failed.err;
  const auto fixed = RunCli(base + with_dirs(GetParam().fixed));
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
}

const std::string kMpii = "--data {kit}/data/mpii/test_mpii.json ";
const std::string kCoco = "--data {kit}/data/coco/test_coco.json ";

INSTANTIATE_TEST_SUITE_P(
    KitData, KeypointEvalFix,
    ::testing::Values(FixCase{"NoSchema", kMpii, "give its schema", kMpii + "--schema efficientpose16"},
                      FixCase{"SchemaSharingNoJoint", kMpii + "--schema {tmp}/no-shared-joint.toml", "share no joint",
                              kMpii + "--schema efficientpose16"},
                      FixCase{"HeadNormOnCoco", kCoco + "--schema efficientpose16 --pck-norm head",
                              "pass --pck-norm box", kCoco + "--schema efficientpose16 --pck-norm box"},
                      FixCase{"BadAlpha", kMpii + "--schema efficientpose16 --pck-alpha 0.2,0",
                              "--pck-alpha 0.2,0.1,0.05", kMpii + "--schema efficientpose16 --pck-alpha 0.2,0.1,0.05"},
                      // Above 1 every joint within two box sides counts: ~100 % whatever the model.
                      FixCase{"AlphaAboveOne", kMpii + "--schema efficientpose16 --pck-alpha 2",
                              "--pck-alpha 0.2,0.1,0.05", kMpii + "--schema efficientpose16 --pck-alpha 0.2,0.1,0.05"},
                      FixCase{"ReferenceOnOnnxRuntime",
                              kMpii + "--schema efficientpose16 --reference {kit}/models/EfficientPoseI_256.onnx",
                              "pass --reference-runtime opencv-dnn",
                              kMpii + "--schema efficientpose16 --reference {kit}/models/EfficientPoseI_256.onnx "
                                      "--reference-runtime opencv-dnn"},
                      // A mistyped path: named as missing, not as a dataset of the wrong format.
                      FixCase{"MissingJson", "--data {kit}/data/mpii/test_mpi.json --schema efficientpose16",
                              "does not exist; fix the path", kMpii + "--schema efficientpose16"},
                      FixCase{"DecoderLayoutThatDoesNotFit",
                              kMpii + "--schema efficientpose16 --keypoint-decoder simcc",
                              "the outputs fit 'heatmap': pass --keypoint-decoder heatmap",
                              kMpii + "--schema efficientpose16 --keypoint-decoder heatmap"},
                      FixCase{"MissingDecoderFile", kMpii + "--keypoint-decoder {kit}/nope.toml", "nor a TOML file",
                              kMpii + "--keypoint-decoder {examples}/efficientpose-keypoints.toml"}),
    [](const ::testing::TestParamInfo<FixCase>& param_info) { return param_info.param.name; });

TEST(KeypointEvalCli, AMissingDatasetIsOneLineExitTwo) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const auto run = RunCli("eval " + (root / "models" / "EfficientPoseRT_224.onnx").string() +
                          " --task keypoints --data /nonexistent/kp.json --schema efficientpose16");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--data"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

}  // namespace
}  // namespace sweetspot
