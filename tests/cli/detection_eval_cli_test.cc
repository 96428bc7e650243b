// `sweetspot eval` on a detection dataset end to end: the real NanoDet
// detectors of ../shared/data/voc100-nanodet reproduce the README's mAP@0.5
// under its protocol, the paired comparison, the text and JSON outputs, the
// study's isolated child, and bad input (exit 2, one line).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/isolated_detection_eval.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
namespace fs = std::filesystem;

fs::path Example(const std::string& name) { return fs::path(SWEETSPOT_TEST_DIR).parent_path() / "examples" / name; }

// The README's protocol (letterbox centred zero pad, BGR, mean/std on 0..255;
// score >= 0.01, NMS IoU 0.6, 100 per image; VOC: IoU > 0.5 with +1 pixels,
// difficult ignored, all-point AP, mean over the 20 classes).
std::string NanodetArgs(const fs::path& model, const fs::path& data) {
  return model.string() + " --data " + data.string() + " --preprocess " + Example("nanodet-preprocess.toml").string() +
         " --decoder " + Example("nanodet-detector.toml").string() + " --protocol voc --bootstrap 200";
}

struct NanodetCase {
  std::string name;
  std::string model;
  double map50;  // the README's reference, fraction
};

class NanodetReference : public ::testing::TestWithParam<NanodetCase> {};

TEST_P(NanodetReference, ReproducesTheReadmesMap50) {
  SWEETSPOT_REQUIRE_SHARED_DATA(data, "voc100-nanodet/data/Annotations");
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "voc100-nanodet/models/" + GetParam().model);
  const auto run = RunCli("eval " + NanodetArgs(model, data.parent_path()) + " --json -");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  const auto& metrics = json.at("result").at("metrics");
  EXPECT_EQ(metrics.at("protocol"), "voc");
  EXPECT_EQ(metrics.at("images"), 100);
  EXPECT_NEAR(metrics.at("map50").get<double>(), GetParam().map50, 0.005);
  EXPECT_EQ(json.at("result").at("class_names").size(), 20U);
}

INSTANTIATE_TEST_SUITE_P(VocHundred, NanodetReference,
                         ::testing::Values(NanodetCase{"m_0_5x", "nanodet_m_0.5x.onnx", 0.5555},
                                           NanodetCase{"m", "nanodet_m.onnx", 0.7333},
                                           NanodetCase{"m_416", "nanodet_m_416.onnx", 0.7798}),
                         [](const ::testing::TestParamInfo<NanodetCase>& param_info) { return param_info.param.name; });

TEST(DetectionEvalCli, TextShowsMetricsSpeedSplitAndTheComparison) {
  SWEETSPOT_REQUIRE_SHARED_DATA(data, "voc100-nanodet/data/Annotations");
  SWEETSPOT_REQUIRE_SHARED_DATA(m, "voc100-nanodet/models/nanodet_m.onnx");
  SWEETSPOT_REQUIRE_SHARED_DATA(m416, "voc100-nanodet/models/nanodet_m_416.onnx");
  const auto run = RunCli("eval " + NanodetArgs(m, data.parent_path()) + " --limit 20 --reference " + m416.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* line : {"mAP@[.5:.95]", "mAP@0.5", "AR@100", "pre-processing", "network", "decoding+NMS",
                           "layout = \"nanodet\"", "over 20 images", "significant at 5 %"}) {
    EXPECT_THAT(run.out, HasSubstr(line));
  }
}

TEST(DetectionEvalCli, PrintDecoderShowsTheDetectedLayout) {
  SWEETSPOT_REQUIRE_SHARED_DATA(data, "voc100-nanodet/data/Annotations");
  SWEETSPOT_REQUIRE_SHARED_DATA(m, "voc100-nanodet/models/nanodet_m.onnx");
  const auto run = RunCli("eval " + m.string() + " --data " + data.parent_path().string() + " --print-decoder");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("(layout detected)"));
  EXPECT_THAT(run.out, HasSubstr("layout = \"nanodet\""));
}

class DetectionEvalShapes : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<testing::ShapeImage> images = {{"a", 64, 64, {{0, 8, 8, 40, 40}}},
                                                     {"b", 64, 64, {{1, 20, 10, 60, 50}}}};
    data_ = testing::WriteShapesDataset(dir_.path() / "data", testing::DetectionFormat::kYolo, images,
                                        {"circle", "square"});
    std::vector<std::vector<Detection>> boxes;
    for (const auto& image : images) {
      const auto& o = image.objects[0];
      boxes.push_back({{{double(o.x1), double(o.y1), double(o.x2), double(o.y2)}, o.class_id, 0.9F}});
    }
    model_ = testing::WriteModel(testing::OracleDetector(DetectionLayout::kPerStrideDistances, boxes, 2, 64),
                                 dir_.path() / "oracle.onnx");
  }
  std::string Args() const { return "eval " + model_.string() + " --data " + data_.string() + " --color bgr"; }
  testing::TempDir dir_;
  fs::path data_;
  fs::path model_;
};

TEST_F(DetectionEvalShapes, AutoTaskScoresTheOracleAtOne) {
  const auto run = RunCli(Args() + " --json -");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json.at("schema"), "sweetspot.detection-eval/1");
  EXPECT_DOUBLE_EQ(json.at("result").at("metrics").at("map50_95").get<double>(), 1.0);
  EXPECT_TRUE(json.at("result").at("layout_detected").get<bool>());
}

TEST_F(DetectionEvalShapes, BadInputIsOneLineExitTwo) {
  for (const std::string extra : {" --protocol kitti", " --decoder nonsense", " --model-classes coco80",
                                  " --decoder yolov8", " --task classification"}) {
    SCOPED_TRACE(extra);
    const auto run = RunCli(Args() + extra);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
}

TEST_F(DetectionEvalShapes, TheIsolatedChildAnswersWithASummary) {
  DetectionEvalRequest request;
  request.model_path = model_.string();
  request.dataset_path = data_.string();
  request.layers = {{PreprocessSource("test"), "color = \"bgr\"\n", ""}};
  request.bootstrap_replicates = 10;
  ChildLimits limits;
  limits.timeout_s = 120;
  auto isolated = RunDetectionEvalIsolated(SWEETSPOT_CLI_PATH, request, limits);
  ASSERT_TRUE(isolated.ok()) << isolated.status().ToString();
  EXPECT_DOUBLE_EQ(isolated->summary.metrics.map50_95, 1.0);
  EXPECT_EQ(isolated->summary.images.size(), 2U);
  EXPECT_EQ(isolated->summary.detections[1].size(), 1U);

  request.model_classes = "coco80";
  auto failed = RunDetectionEvalIsolated(SWEETSPOT_CLI_PATH, request, limits);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("oracle.onnx"));
}

}  // namespace
}  // namespace sweetspot
