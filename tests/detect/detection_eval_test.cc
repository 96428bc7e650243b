#include "sweetspot/detection_eval.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::DetectionFormat;
using ::testing::HasSubstr;
using testing::ShapeImage;

constexpr int kInput = 64;
const std::vector<std::string> kClasses = {"circle", "square"};  // sorted: every format keeps the ids

// 128x96 images scored through a 64x64 input: boxes are mapped back by
// (0.5, 2/3). Nearest resizing keeps pixel (0,0), the oracle's image index.
std::vector<ShapeImage> Images() {
  return {{"a", 128, 96, {{0, 10, 8, 50, 40}, {1, 60, 30, 120, 90}}},
          {"b", 128, 96, {{1, 4, 4, 40, 60}}},
          {"c", 128, 96, {}},
          {"d", 128, 96, {{0, 70, 10, 110, 50}, {0, 8, 50, 48, 90}}, /*difficult_last=*/true}};
}

// What the oracle returns for each image: every labelled box, in input
// pixels, scored 0.9.
std::vector<std::vector<Detection>> OracleBoxes(const std::vector<ShapeImage>& images) {
  std::vector<std::vector<Detection>> out;
  for (const ShapeImage& image : images) {
    const double sx = static_cast<double>(kInput) / image.width;
    const double sy = static_cast<double>(kInput) / image.height;
    auto& boxes = out.emplace_back();
    for (const auto& o : image.objects) {
      boxes.push_back({{o.x1 * sx, o.y1 * sy, o.x2 * sx, o.y2 * sy}, o.class_id, 0.9F});
    }
  }
  return out;
}

DetectionEvalRequest OracleRequest(const fs::path& model, const fs::path& data, const fs::path& classes,
                                   DetectionLayout layout, const std::string& protocol) {
  DetectionEvalRequest request;
  request.model_path = model.string();
  request.dataset_path = data.string();
  request.classes_file = classes.string();
  request.layers = {{PreprocessSource("test"), "color = \"bgr\"\ninterpolation = \"nearest\"\n", ""}};
  request.decoder_layers = {
      {PreprocessSource("test"), "layout = \"" + std::string(DetectionLayoutName(layout)) + "\"\n", ""}};
  request.protocol = protocol;
  request.bootstrap_replicates = 20;
  return request;
}

struct OracleCase {
  DetectionLayout layout;
  DetectionFormat format;
};

class OracleDetectors : public ::testing::TestWithParam<OracleCase> {};

TEST_P(OracleDetectors, ReachMapOneUnderBothProtocols) {
  const testing::TempDir dir;
  const std::vector<ShapeImage> images = Images();
  const fs::path data = testing::WriteShapesDataset(dir.path() / "data", GetParam().format, images, kClasses);
  const fs::path model = testing::WriteModel(
      testing::OracleDetector(GetParam().layout, OracleBoxes(images), static_cast<int>(kClasses.size()), kInput),
      dir.path() / "oracle.onnx");
  for (const std::string protocol : {"coco", "voc"}) {
    SCOPED_TRACE(protocol);
    auto result =
        EvaluateDetector(OracleRequest(model, data, dir.path() / "data/classes.txt", GetParam().layout, protocol));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->images.size(), images.size());
    EXPECT_EQ(result->detector.layout, GetParam().layout);
    EXPECT_FALSE(result->layout_detected);
    EXPECT_DOUBLE_EQ(result->metrics.map50, 1.0);
    EXPECT_DOUBLE_EQ(result->metrics.map50_95, 1.0);
    EXPECT_EQ(result->times.network_ms.size(), images.size());
    // Boxes come back in the original image's pixels.
    ASSERT_FALSE(result->detections[0].empty());
    const Box& box = result->detections[0][0].box;
    const auto& truth = images[0].objects[static_cast<std::size_t>(0)];
    EXPECT_NEAR(box.x1, truth.x1, 1e-3);
    EXPECT_NEAR(box.y2, truth.y2, 1e-3);
  }
}

std::vector<OracleCase> AllOracleCases() {
  std::vector<OracleCase> cases;
  for (DetectionLayout layout :
       {DetectionLayout::kBoxesObjectness, DetectionLayout::kGridObjectness, DetectionLayout::kBoxesScoresTransposed,
        DetectionLayout::kSeparateOutputs, DetectionLayout::kNmsInside, DetectionLayout::kPerStrideDistances}) {
    for (DetectionFormat format : {DetectionFormat::kVoc, DetectionFormat::kCoco, DetectionFormat::kYolo}) {
      cases.push_back({layout, format});
    }
  }
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<OracleCase>& info) {
  std::string name(DetectionLayoutName(info.param.layout));
  for (char& c : name) c = c == '-' ? '_' : c;
  const char* formats[] = {"voc", "coco", "yolo"};
  return name + "_" + formats[static_cast<int>(info.param.format)];
}

INSTANTIATE_TEST_SUITE_P(EveryLayoutAndFormat, OracleDetectors, ::testing::ValuesIn(AllOracleCases()), CaseName);

// One 64x64 image (no resize), class 0: truth B [2,2,42,42] and A [44,44,60,60].
// Detections: F [44,2,60,18] (no truth, 0.95), A exactly (0.9), B' [2,2,42,33]
// (0.8): IoU(B, B') = 40*31 / 1600 = 0.775 (with VOC's +1: 41*32 / 41^2 = 0.78).
struct Perturbed {
  testing::TempDir dir;
  fs::path data;
  fs::path model;
  Perturbed() {
    const std::vector<ShapeImage> images = {{"one", 64, 64, {{0, 2, 2, 42, 42}, {0, 44, 44, 60, 60}}}};
    data = testing::WriteShapesDataset(dir.path() / "data", DetectionFormat::kCoco, images, kClasses);
    const std::vector<std::vector<Detection>> boxes = {
        {{{44, 2, 60, 18}, 0, 0.95F}, {{44, 44, 60, 60}, 0, 0.9F}, {{2, 2, 42, 33}, 0, 0.8F}}};
    model = testing::WriteModel(testing::OracleDetector(DetectionLayout::kBoxesObjectness, boxes, 2, kInput),
                                dir.path() / "oracle.onnx");
  }
  Result<DetectionEvalResult> Run(const std::string& protocol) const {
    return EvaluateDetector(
        OracleRequest(model, data, dir.path() / "data/classes.txt", DetectionLayout::kBoxesObjectness, protocol));
  }
};

TEST(EvaluateDetector, PerturbedOracleGivesTheHandComputedCocoMap) {
  const Perturbed fixture;
  auto result = fixture.Run("coco");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // IoU 0.5..0.75 (6 thresholds): F, A, B' = FP, TP, TP: the envelope is 2/3
  // at every recall. 0.8..0.95 (4): FP, TP, FP: 0.5 up to recall 0.5 (51 of
  // the 101 points), 0 beyond.
  const double high = 51.0 * 0.5 / 101.0;
  EXPECT_NEAR(result->metrics.map50, 2.0 / 3.0, 1e-9);
  EXPECT_NEAR(result->metrics.map75, 2.0 / 3.0, 1e-9);
  EXPECT_NEAR(result->metrics.map50_95, (6 * 2.0 / 3.0 + 4 * high) / 10, 1e-9);
}

TEST(EvaluateDetector, PerturbedOracleGivesTheHandComputedVocMap) {
  const Perturbed fixture;
  auto result = fixture.Run("voc");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // All-point: precision 2/3 over the whole recall at IoU > 0.5; at 0.8 and
  // above, 0.5 up to recall 0.5.
  EXPECT_NEAR(result->metrics.map50, 2.0 / 3.0, 1e-9);
  EXPECT_NEAR(result->metrics.map50_95, (6 * 2.0 / 3.0 + 4 * 0.25) / 10, 1e-9);
}

TEST(EvaluateDetector, ModelClassesAreMappedToTheDatasetsByName) {
  const testing::TempDir dir;
  const std::vector<ShapeImage> images = Images();
  const fs::path data = testing::WriteShapesDataset(dir.path() / "data", DetectionFormat::kCoco, images, kClasses);
  // The model's class 0 is "square" (the dataset's 1), its 1 "circle", its 2 "tv" (not scored).
  std::vector<std::vector<Detection>> boxes = OracleBoxes(images);
  for (auto& image : boxes) {
    for (Detection& d : image) d.class_id = 1 - d.class_id;
    image.push_back({{1, 1, 5, 5}, 2, 0.99F});
  }
  const fs::path model = testing::WriteModel(
      testing::OracleDetector(DetectionLayout::kBoxesObjectness, boxes, 3, kInput), dir.path() / "oracle.onnx");
  testing::WriteFile(dir.path() / "model_classes.txt", "square\ncircle\ntv\n");
  DetectionEvalRequest request =
      OracleRequest(model, data, dir.path() / "data/classes.txt", DetectionLayout::kBoxesObjectness, "coco");
  request.model_classes = (dir.path() / "model_classes.txt").string();
  auto result = EvaluateDetector(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->class_map, (std::vector<int>{1, 0, -1}));
  EXPECT_DOUBLE_EQ(result->metrics.map50_95, 1.0);

  request.model_classes = "coco80";  // none of circle, square
  auto unshared = EvaluateDetector(request);
  ASSERT_FALSE(unshared.ok());
  EXPECT_THAT(unshared.status().message(), HasSubstr("oracle.onnx"));
}

TEST(EvaluateDetector, TheNanodetLayoutIsDetectedWhenNoLayerSetsIt) {
  const testing::TempDir dir;
  const std::vector<ShapeImage> images = Images();
  const fs::path data = testing::WriteShapesDataset(dir.path() / "data", DetectionFormat::kYolo, images, kClasses);
  const fs::path model =
      testing::WriteModel(testing::OracleDetector(DetectionLayout::kPerStrideDistances, OracleBoxes(images), 2, kInput),
                          dir.path() / "oracle.onnx");
  DetectionEvalRequest request =
      OracleRequest(model, data, dir.path() / "data/classes.txt", DetectionLayout::kPerStrideDistances, "coco");
  request.decoder_layers.clear();
  auto result = EvaluateDetector(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->layout_detected);
  EXPECT_EQ(result->detector.layout, DetectionLayout::kPerStrideDistances);
  EXPECT_DOUBLE_EQ(result->metrics.map50_95, 1.0);
}

// A yolo-layout model whose output is NaN whatever the image.
onnx::ModelProto NanModel() {
  GraphBuilder b("nan");
  b.Input("x", DType::kFloat32, {1, 3, kInput, kInput});
  std::vector<float> values(7, std::numeric_limits<float>::quiet_NaN());
  b.Initializer("c", {1, 1, 7}, values);
  b.Node("Identity", {"c"}, {"out"});
  b.Output("out", DType::kFloat32, {1, 1, 7});
  return b.Build();
}

TEST(EvaluateDetector, NanOutputNamesTheImage) {
  const testing::TempDir dir;
  const fs::path data = testing::WriteShapesDataset(dir.path() / "data", DetectionFormat::kVoc, Images(), kClasses);
  const fs::path model = testing::WriteModel(NanModel(), dir.path() / "nan.onnx");
  auto result = EvaluateDetector(
      OracleRequest(model, data, dir.path() / "data/classes.txt", DetectionLayout::kBoxesObjectness, "voc"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(result.status().message(), HasSubstr("a.png"));
  EXPECT_THAT(result.status().message(), HasSubstr("non-finite"));
}

// A yolo-layout model with a dynamic batch: every image gets the box
// [22, 22, 42, 42] of class 0 (cx cy w h = 32 32 20 20, objectness 1, 0.9).
onnx::ModelProto ConstantBoxBatchModel() {
  GraphBuilder b("constant_box");
  b.Input("x", DType::kFloat32, {-1, 3, kInput, kInput}, {"N"});
  b.Initializer("zero", {1}, {0.0F});
  b.Initializer("row", {1, 1, 7}, {32, 32, 20, 20, 1, 0.9F, 0});
  b.Int64Initializer("shape", {3}, {-1, 1, 1});
  b.Node("Flatten", {"x"}, {"flat"}, {Attr("axis", int64_t{1})});
  b.Node("ReduceMean", {"flat"}, {"mean"}, {Attr("axes", std::vector<int64_t>{1})});
  b.Node("Reshape", {"mean", "shape"}, {"per_image"});  // [N, 1, 1]
  b.Node("Mul", {"per_image", "zero"}, {"nothing"});
  b.Node("Add", {"nothing", "row"}, {"output"});
  b.Output("output", DType::kFloat32, {-1, 1, 7}, {"N", "", ""});
  return b.Build();
}

TEST(EvaluateDetector, BatchesGiveTheSameDetectionsAndPerImageTimes) {
  const testing::TempDir dir;
  std::vector<ShapeImage> images;
  for (const char* name : {"a", "b", "c", "d", "e"}) images.push_back({name, kInput, kInput, {{0, 22, 22, 42, 42}}});
  const fs::path data = testing::WriteShapesDataset(dir.path() / "data", DetectionFormat::kCoco, images, kClasses);
  const fs::path model = testing::WriteModel(ConstantBoxBatchModel(), dir.path() / "batch.onnx");
  DetectionEvalRequest request =
      OracleRequest(model, data, dir.path() / "data/classes.txt", DetectionLayout::kBoxesObjectness, "coco");
  auto single = EvaluateDetector(request);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  request.batch_size = 2;  // batches of 2, 2 and 1
  auto batched = EvaluateDetector(request);
  ASSERT_TRUE(batched.ok()) << batched.status().ToString();
  EXPECT_EQ(batched->batch_size, 2);
  EXPECT_EQ(batched->indices, single->indices);
  ASSERT_EQ(batched->detections.size(), images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    ASSERT_EQ(batched->detections[i].size(), 1U);
    EXPECT_NEAR(batched->detections[i][0].box.x1, 22.0, 1e-4);
    EXPECT_NEAR(batched->detections[i][0].box.y2, 42.0, 1e-4);
  }
  EXPECT_DOUBLE_EQ(batched->metrics.map50_95, 1.0);
  EXPECT_EQ(batched->times.network_ms.size(), images.size());
  // Both images of a batch carry half of its time.
  EXPECT_DOUBLE_EQ(batched->times.network_ms[0], batched->times.network_ms[1]);
}

TEST(EvaluateDetector, UnknownProtocolNamesTheField) {
  DetectionEvalRequest request;
  request.protocol = "kitti";
  auto result = EvaluateDetector(request);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("protocol: 'kitti'"));
}

TEST(DetectionEvalRequest, JsonRoundTrip) {
  DetectionEvalRequest request =
      OracleRequest("m.onnx", "voc", "classes.txt", DetectionLayout::kPerStrideDistances, "voc");
  request.decoder_layers.push_back({PreprocessSource("dec.toml"), "", "dec.toml"});
  request.model_classes = "coco80";
  request.limit = 7;
  request.batch_size = 4;
  auto back = DetectionEvalRequestFromJson(ToJson(request));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(request));
  EXPECT_EQ(back->decoder_layers[1].file, "dec.toml");
  EXPECT_FALSE(DetectionEvalRequestFromJson(nlohmann::json::object()).ok());
}

TEST(DetectionEvalSummary, JsonRoundTripKeepsWhatComparisonsNeed) {
  const Perturbed fixture;
  auto coco = fixture.Run("coco");
  ASSERT_TRUE(coco.ok()) << coco.status().ToString();
  const DetectionEvalSummary summary = SummarizeDetection(*coco);
  EXPECT_EQ(summary.times.total_ms.count, 1U);
  auto back = DetectionEvalSummaryFromJson(ToJson(summary));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(summary));
  ASSERT_EQ(back->detections.size(), 1U);
  EXPECT_EQ(back->detections[0].size(), 3U);
  EXPECT_EQ(back->images[0].objects.size(), 2U);
  // Comparing a detector with itself: no difference, p = 1, the same as the full results give.
  auto from_summaries = CompareDetectionSummaries(*back, summary);
  ASSERT_TRUE(from_summaries.ok()) << from_summaries.status().ToString();
  EXPECT_DOUBLE_EQ(from_summaries->map50_95_diff, 0.0);
  EXPECT_DOUBLE_EQ(from_summaries->p_value, 1.0);
  EXPECT_EQ(from_summaries->images, 1);
  // Without the per-image arrays: metrics only, and no comparison.
  auto lean = DetectionEvalSummaryFromJson(ToJson(summary, /*include_images=*/false));
  ASSERT_TRUE(lean.ok());
  EXPECT_DOUBLE_EQ(lean->metrics.map50_95, summary.metrics.map50_95);
  EXPECT_FALSE(CompareDetectionSummaries(*lean, summary).ok());

  auto voc = fixture.Run("voc");
  ASSERT_TRUE(voc.ok());
  auto mixed = CompareDetectionResults(*coco, *voc);
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(mixed.status().message(), HasSubstr("different protocols"));
}

}  // namespace
}  // namespace sweetspot
