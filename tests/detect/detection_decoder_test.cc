#include "sweetspot/detection_decoder.h"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/backend.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

constexpr int kInputSize = 64;
constexpr int kClasses = 3;

// Image 0: two overlapping boxes of different classes (class-wise NMS keeps
// both); image 1: three boxes; image 2: none.
std::vector<std::vector<Detection>> OracleBoxes() {
  return {{{{10, 12, 30, 40}, 0, 0.9F}, {{12, 14, 32, 42}, 1, 0.8F}},
          {{{0, 0, 64, 64}, 2, 0.95F}, {{40, 8, 60, 20}, 0, 0.5F}, {{5, 50, 9, 58}, 1, 0.25F}},
          {}};
}

struct OracleRun {
  std::vector<TensorInfo> outputs;
  std::vector<std::vector<Tensor>> per_image;  // the session's outputs for each image
};

// Runs the oracle of `layout` through the real ONNX Runtime on each image index.
OracleRun RunOracle(DetectionLayout layout, const testing::TempDir& dir) {
  const auto boxes = OracleBoxes();
  const auto path =
      testing::WriteModel(testing::OracleDetector(layout, boxes, kClasses, kInputSize), dir / "oracle.onnx");
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  auto session = (*backend)->Load(path, {});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  OracleRun run{(*session)->outputs(), {}};
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    Tensor input = Tensor::Owned(DType::kFloat32, {1, 3, kInputSize, kInputSize});
    input.values<float>()[0] = static_cast<float>(i) / 255.0F;
    auto outputs = (*session)->Run(std::span<const Tensor>(&input, 1));
    EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
    run.per_image.push_back(std::move(*outputs));
  }
  return run;
}

TensorInfo ImageInput() {
  TensorInfo input;
  input.name = "images";
  input.shape = {1, 3, kInputSize, kInputSize};
  return input;
}

void ExpectSameDetections(const std::vector<Detection>& got, const std::vector<Detection>& expected,
                          double tolerance_px) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].class_id, expected[i].class_id);
    EXPECT_FLOAT_EQ(got[i].score, expected[i].score);
    EXPECT_NEAR(got[i].box.x1, expected[i].box.x1, tolerance_px);
    EXPECT_NEAR(got[i].box.y1, expected[i].box.y1, tolerance_px);
    EXPECT_NEAR(got[i].box.x2, expected[i].box.x2, tolerance_px);
    EXPECT_NEAR(got[i].box.y2, expected[i].box.y2, tolerance_px);
  }
}

class OracleLayoutTest : public ::testing::TestWithParam<DetectionLayout> {};

TEST_P(OracleLayoutTest, DetectsTheLayoutAndDecodesExactlyTheOracleBoxes) {
  const testing::TempDir dir;
  const OracleRun run = RunOracle(GetParam(), dir);
  ASSERT_EQ(run.per_image.size(), 3U);
  auto spec = DetectDetectorLayout(run.outputs, ImageInput());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->layout, GetParam()) << DetectionLayoutName(spec->layout);
  EXPECT_EQ(spec->set_by.at("layout"), "the model's outputs");
  const auto expected = OracleBoxes();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    auto decoded = DecodeDetections(*spec, run.outputs, run.per_image[i], kInputSize, kInputSize);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ASSERT_EQ(decoded->size(), 1U);
    // Given best first already; yolox's exp(log(w)) rounds in float.
    ExpectSameDetections(decoded->front(), expected[i], GetParam() == DetectionLayout::kGridObjectness ? 1e-3 : 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(AllLayouts, OracleLayoutTest,
                         ::testing::Values(DetectionLayout::kBoxesObjectness, DetectionLayout::kGridObjectness,
                                           DetectionLayout::kBoxesScoresTransposed, DetectionLayout::kSeparateOutputs,
                                           DetectionLayout::kNmsInside, DetectionLayout::kPerStrideDistances),
                         [](const auto& param_info) {
                           std::string name(DetectionLayoutName(param_info.param));
                           std::erase(name, '-');
                           return name;
                         });

TEST(NonMaxSuppression, ClassWiseKeepsOverlapsOfOtherClassesAgnosticDoesNot) {
  // [0,10)^2 and [1,0)-(11,10): IoU 90/110 = 0.818 > 0.6.
  const std::vector<Detection> detections = {
      {{0, 0, 10, 10}, 0, 0.9F}, {{1, 0, 11, 10}, 1, 0.8F}, {{1, 0, 11, 10}, 0, 0.7F}, {{50, 50, 60, 60}, 0, 0.6F}};
  const auto class_wise = NonMaxSuppression(detections, 0.6, 100);
  ASSERT_EQ(class_wise.size(), 3U);
  EXPECT_FLOAT_EQ(class_wise[0].score, 0.9F);
  EXPECT_FLOAT_EQ(class_wise[1].score, 0.8F);  // class 1 is not suppressed by class 0
  EXPECT_FLOAT_EQ(class_wise[2].score, 0.6F);  // the class-0 duplicate at 0.7 is
  const auto agnostic = NonMaxSuppression(detections, 0.6, 100, /*class_agnostic=*/true);
  ASSERT_EQ(agnostic.size(), 2U);
  EXPECT_FLOAT_EQ(agnostic[0].score, 0.9F);
  EXPECT_FLOAT_EQ(agnostic[1].score, 0.6F);
}

TEST(NonMaxSuppression, IouEqualToTheThresholdIsKept) {
  // [0,10)x[0,10) and [5,0)-(15,10): IoU exactly 50/150 = 1/3; suppression needs IoU > threshold.
  const std::vector<Detection> detections = {{{0, 0, 10, 10}, 0, 0.9F}, {{5, 0, 15, 10}, 0, 0.8F}};
  EXPECT_EQ(NonMaxSuppression(detections, 50.0 / 150.0, 100).size(), 2U);
  EXPECT_EQ(NonMaxSuppression(detections, 0.3, 100).size(), 1U);
}

TEST(NonMaxSuppression, TiesGoToTheLowerIndex) {
  const std::vector<Detection> detections = {
      {{20, 20, 30, 30}, 0, 0.5F}, {{0, 0, 10, 10}, 0, 0.5F}, {{0, 0, 10, 10}, 0, 0.5F}};
  const auto kept = NonMaxSuppression(detections, 0.5, 100);
  ASSERT_EQ(kept.size(), 2U);
  EXPECT_DOUBLE_EQ(kept[0].box.x1, 20.0);  // index 0 first among equal scores
  EXPECT_DOUBLE_EQ(kept[1].box.x1, 0.0);   // index 1 kept, index 2 suppressed by it
}

TEST(NonMaxSuppression, ManySuppressedCandidatesLeadToLaterOnesInScoreOrder) {
  // 2000 equal boxes of equal score (all but the first suppressed), then 1000
  // apart with falling scores: the kept 50 reach past the first sorted chunk.
  std::vector<Detection> detections(2000, Detection{{0, 0, 10, 10}, 0, 0.9F});
  for (int i = 0; i < 1000; ++i) {
    detections.push_back({{20.0 * i + 20, 0, 20.0 * i + 30, 10}, 1, 0.5F - 1e-4F * static_cast<float>(i)});
  }
  const auto kept = NonMaxSuppression(detections, 0.5, 50);
  ASSERT_EQ(kept.size(), 50U);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9F);
  for (int i = 1; i < 50; ++i) EXPECT_DOUBLE_EQ(kept[i].box.x1, 20.0 * (i - 1) + 20) << i;
}

TEST(NonMaxSuppression, StopsAtMaxDetectionsBestFirst) {
  std::vector<Detection> detections;
  for (int i = 0; i < 10; ++i) {
    detections.push_back({{i * 20.0, 0, i * 20.0 + 10, 10}, i % 3, 0.1F * static_cast<float>(i)});
  }
  const auto kept = NonMaxSuppression(detections, 0.5, 4);
  ASSERT_EQ(kept.size(), 4U);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9F);
  EXPECT_FLOAT_EQ(kept[3].score, 0.6F);
  EXPECT_EQ(NonMaxSuppression(detections, 0.5, 0).size(), 10U);  // <= 0: no limit
}

TEST(DetectDetectorLayout, ListsEveryLayoutTriedAndSettingTheLayoutFixesIt) {
  TensorInfo output;
  output.name = "output";
  output.shape = {1, -1, -1};  // dynamic: yolo or yolov8 cannot be told apart
  const std::vector<TensorInfo> outputs = {output};
  const auto detected = DetectDetectorLayout(outputs, ImageInput());
  ASSERT_FALSE(detected.ok());
  EXPECT_EQ(detected.status().code(), StatusCode::kInvalidArgument);
  for (const char* layout : {"yolo:", "yolox:", "yolov8:", "boxes-scores:", "nms:", "nanodet:"}) {
    EXPECT_THAT(detected.status().message(), HasSubstr(layout));
  }
  ASSERT_EQ(detected.status().fixes().size(), 1U);
  EXPECT_EQ(detected.status().fixes()[0].field, "decoder");
  // The fix: the decoder's layout key.
  auto spec = ParseDetectorToml("layout = \"yolo\"\n", "dec.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto fixed = DetectDetectorLayout(outputs, ImageInput(), *spec);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->layout, DetectionLayout::kBoxesObjectness);
  Tensor rows = Tensor::Owned(DType::kFloat32, {1, 7, 6});  // one box at row 2, objectness 0.5, class 0.8
  const float row[] = {32, 32, 10, 20, 0.5F, 0.8F};
  std::copy(std::begin(row), std::end(row), rows.values<float>().begin() + 2 * 6);
  auto decoded = DecodeDetections(*fixed, outputs, std::span<const Tensor>(&rows, 1), kInputSize, kInputSize);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameDetections(decoded->at(0), {{{27, 22, 37, 42}, 0, 0.4F}}, 1e-6);
}

TEST(DetectDetectorLayout, ASetLayoutThatDoesNotFitSaysWhyAndThatNoOtherFits) {
  TensorInfo output;
  output.name = "logits";
  output.shape = {1, 10};
  auto spec = ParseDetectorToml("layout = \"nanodet\"\n", "dec.toml");
  ASSERT_TRUE(spec.ok());
  const auto detected = DetectDetectorLayout(std::vector<TensorInfo>{output}, ImageInput(), *spec);
  ASSERT_FALSE(detected.ok());
  EXPECT_THAT(detected.status().message(), HasSubstr("decoder layout 'nanodet' (from dec.toml line 1)"));
  EXPECT_THAT(detected.status().message(), HasSubstr("cls_pred_stride_"));
  EXPECT_THAT(detected.status().message(), HasSubstr("nor does any other layout (nms: "));
  for (const char* layout : {"boxes-scores:", "yolox:", "yolo:", "yolov8:"}) {
    EXPECT_THAT(detected.status().message(), HasSubstr(layout));
  }
  EXPECT_EQ(detected.status().fixes(), (std::vector<FieldFix>{{"decoder", "", {"LAYOUT"}}}));
}

// Each wrong layout set on each oracle's outputs names the oracle's layout as
// the fix, and setting that one decodes the oracle's boxes.
TEST(DetectDetectorLayout, AWrongSetLayoutNamesTheLayoutTheOutputsFit) {
  const std::vector<DetectionLayout> layouts = {
      DetectionLayout::kBoxesObjectness, DetectionLayout::kGridObjectness, DetectionLayout::kBoxesScoresTransposed,
      DetectionLayout::kSeparateOutputs, DetectionLayout::kNmsInside,      DetectionLayout::kPerStrideDistances};
  for (DetectionLayout truth : layouts) {
    const testing::TempDir dir;
    const OracleRun run = RunOracle(truth, dir);
    const std::string name(DetectionLayoutName(truth));
    for (DetectionLayout wrong : layouts) {
      const std::string wrong_name(DetectionLayoutName(wrong));
      auto spec = ParseDetectorToml("layout = \"" + wrong_name + "\"\n", PreprocessSource("--decoder", false));
      ASSERT_TRUE(spec.ok());
      const auto detected = DetectDetectorLayout(run.outputs, ImageInput(), *spec);
      // A rows layout reads another's rows when told to (its orientation is the user's call).
      if (detected.ok()) {
        EXPECT_TRUE(wrong == truth || detected->layout == wrong) << name << " as " << wrong_name;
        continue;
      }
      SCOPED_TRACE(name + " as " + wrong_name);
      EXPECT_THAT(detected.status().message(),
                  HasSubstr("decoder layout '" + wrong_name + "' (from --decoder) does not fit"));
      EXPECT_THAT(detected.status().message(), HasSubstr("; the outputs fit '" + name + "'"));
      EXPECT_EQ(detected.status().fixes(), (std::vector<FieldFix>{{"decoder", "", {name}}}));
    }
    auto fixed_spec = ParseDetectorToml("layout = \"" + name + "\"\n", PreprocessSource("--decoder", false));
    ASSERT_TRUE(fixed_spec.ok());
    auto fixed = DetectDetectorLayout(run.outputs, ImageInput(), *fixed_spec);
    ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
    auto decoded = DecodeDetections(*fixed, run.outputs, run.per_image[0], kInputSize, kInputSize);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectSameDetections(decoded->front(), OracleBoxes()[0], truth == DetectionLayout::kGridObjectness ? 1e-3 : 1e-5);
  }
}

TEST(DecodeDetections, ReadsFloat16Outputs) {
  DetectorSpec spec;
  spec.box_format = "xyxy";
  TensorInfo info;
  info.name = "output";
  Tensor rows = Tensor::Owned(DType::kFloat16, {1, 7, 6});  // row 3: [4,8)x[2,10), objectness 1, class 0.5
  const float row[] = {4, 2, 8, 10, 1, 0.5F};
  for (int k = 0; k < 6; ++k) rows.values<std::uint16_t>()[3 * 6 + k] = cv::float16_t(row[k]).bits();
  auto decoded = DecodeDetections(spec, std::vector<TensorInfo>{info}, std::span<const Tensor>(&rows, 1), 64, 64);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameDetections(decoded->at(0), {{{4, 2, 8, 10}, 0, 0.5F}}, 0.0);
}

TEST(DecodeDetections, NanAndInfNameTheOutputAndTheItem) {
  DetectorSpec spec;
  spec.layout = DetectionLayout::kBoxesScoresTransposed;
  TensorInfo info;
  info.name = "output0";
  Tensor output = Tensor::Owned(DType::kFloat32, {2, 5, 8});
  output.values<float>()[40 + 13] = std::numeric_limits<float>::quiet_NaN();
  const auto decoded =
      DecodeDetections(spec, std::vector<TensorInfo>{info}, std::span<const Tensor>(&output, 1), 64, 64);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(decoded.status().message(), HasSubstr("output 'output0' item 1"));
}

TEST(DecodeDetections, AShapeThatDoesNotFitNamesTheOutputAndTheExpectedShape) {
  DetectorSpec spec;
  spec.layout = DetectionLayout::kGridObjectness;
  TensorInfo info;
  info.name = "output";
  const Tensor output = Tensor::Owned(DType::kFloat32, {1, 80, 7});  // 64x64 at 8,16,32 has 84 cells
  const auto decoded =
      DecodeDetections(spec, std::vector<TensorInfo>{info}, std::span<const Tensor>(&output, 1), 64, 64);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr("'output' [1,80,7]"));
  EXPECT_THAT(decoded.status().message(), HasSubstr("[N, 84, 5+C]"));
}

TEST(DecodeDetections, SingleLabelKeepsOnlyEachBoxsBestClass) {
  DetectorSpec spec;
  spec.layout = DetectionLayout::kSeparateOutputs;
  spec.box_format = "xyxy";
  TensorInfo boxes_info;
  boxes_info.name = "boxes";
  TensorInfo scores_info;
  scores_info.name = "scores";
  std::vector<Tensor> outputs = {Tensor::Owned(DType::kFloat32, {1, 1, 4}), Tensor::Owned(DType::kFloat32, {1, 1, 3})};
  const float box[] = {1, 2, 11, 12};
  std::copy(std::begin(box), std::end(box), outputs[0].values<float>().begin());
  const float scores[] = {0.2F, 0.7F, 0.1F};
  std::copy(std::begin(scores), std::end(scores), outputs[1].values<float>().begin());
  const std::vector<TensorInfo> infos = {boxes_info, scores_info};
  spec.multi_label = true;
  auto multi = DecodeDetections(spec, infos, outputs, 64, 64);
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  EXPECT_EQ(multi->at(0).size(), 3U);
  spec.multi_label = false;
  auto single = DecodeDetections(spec, infos, outputs, 64, 64);
  ASSERT_TRUE(single.ok());
  ExpectSameDetections(single->at(0), {{{1, 2, 11, 12}, 1, 0.7F}}, 0.0);
}

TEST(DecodeDetections, LabelOffsetDropsBackgroundAndNormalizedYxyxBoxesScale) {
  // TF-style: boxes y1 x1 y2 x2 as fractions, labels with the background at 0.
  auto spec = ParseDetectorToml(
      "layout = \"boxes-scores\"\nbox_format = \"yxyx\"\nnormalized_boxes = true\nlabel_offset = 1\n", "dec.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  TensorInfo boxes_info;
  boxes_info.name = "detection_boxes";
  TensorInfo scores_info;
  scores_info.name = "detection_scores";
  TensorInfo labels_info;
  labels_info.name = "detection_classes";
  std::vector<Tensor> outputs = {Tensor::Owned(DType::kFloat32, {1, 2, 4}), Tensor::Owned(DType::kFloat32, {1, 2}),
                                 Tensor::Owned(DType::kFloat32, {1, 2})};
  const float boxes[] = {0.25F, 0.5F, 0.75F, 1.0F, 0, 0, 1, 1};
  std::copy(std::begin(boxes), std::end(boxes), outputs[0].values<float>().begin());
  outputs[1].values<float>()[0] = 0.9F;
  outputs[1].values<float>()[1] = 0.8F;
  outputs[2].values<float>()[0] = 3;  // model class 2
  outputs[2].values<float>()[1] = 0;  // background
  const std::vector<TensorInfo> infos = {boxes_info, scores_info, labels_info};
  auto decoded = DecodeDetections(*spec, infos, outputs, 200, 100);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameDetections(decoded->at(0), {{{100, 25, 200, 75}, 2, 0.9F}}, 1e-9);
}

TEST(DetectorToml, KeysOverlayTheBaseAndRecordWhoSetThem) {
  auto spec = ParseDetectorToml(
      "layout = \"nanodet\"\nstrides = [8, 16, 32, 64]\nclasses = \"coco80\"\nscore_threshold = 0.01\n"
      "class_names = [\"cat\", \"dog \\\"x\\\"\"]\nmax_detections = 300\nmulti_label = true\n",
      "dec.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->layout, DetectionLayout::kPerStrideDistances);
  EXPECT_EQ(spec->strides, (std::vector<int>{8, 16, 32, 64}));
  EXPECT_EQ(spec->classes, "coco80");
  EXPECT_DOUBLE_EQ(spec->score_threshold, 0.01);
  EXPECT_EQ(spec->max_detections, 300);
  EXPECT_TRUE(spec->multi_label);
  EXPECT_EQ(spec->set_by.at("strides"), "dec.toml line 2");
  EXPECT_FALSE(spec->set_by.contains("iou_threshold"));
  // ToToml reads back to the same values.
  auto again = ParseDetectorToml(spec->ToToml(), "printed");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToToml(), spec->ToToml());
  EXPECT_EQ(again->class_names, (std::vector<std::string>{"cat", "dog \"x\""}));
}

TEST(DetectorToml, TheDefaultsPrintAndReadBack) {
  const DetectorSpec defaults;
  auto again = ParseDetectorToml(defaults.ToToml(), "printed");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToToml(), defaults.ToToml());
  EXPECT_TRUE(again->class_names.empty());
}

TEST(DetectorToml, EmptyStridesSayWhatToGiveAndGivingItWorks) {
  auto empty = ParseDetectorToml("strides = []\n", "dec.toml");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(
      empty.status().message(),
      HasSubstr("decoder 'strides' (from dec.toml line 1) is empty; give the model's strides, e.g. [8, 16, 32]"));
  auto fixed = ParseDetectorToml("strides = [8, 16, 32]\n", "dec.toml");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->strides, (std::vector<int>{8, 16, 32}));
}

TEST(DetectorToml, UnknownKeysWrongTypesAndBadValuesNameTheKeyAndLine) {
  auto unknown = ParseDetectorToml("layout = \"yolo\"\nnms_iou = 0.5\n", "dec.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(unknown.status().message(), HasSubstr("dec.toml line 2: unknown key 'nms_iou' (known: layout"));
  auto syntax = ParseDetectorToml("layout = \"yolo\"\nstrides = [8,\n", "dec.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("dec.toml line "));
  auto type = ParseDetectorToml("strides = \"8\"\n", "dec.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_THAT(type.status().message(), HasSubstr("dec.toml line 1: 'strides' must be an array of integers"));
  auto layout = ParseDetectorToml("layout = \"ssd\"\n", "dec.toml");
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().message(), HasSubstr("unknown detection layout 'ssd' (expected yolo, yolox"));
  auto range = ParseDetectorToml("\niou_threshold = 1.5\n", "dec.toml");
  ASSERT_FALSE(range.ok());
  EXPECT_THAT(range.status().message(), HasSubstr("decoder 'iou_threshold' (from dec.toml line 2) is 1.5"));
  auto format = ParseDetectorToml("box_format = \"xywh\"\n", "dec.toml");
  ASSERT_FALSE(format.ok());
  EXPECT_THAT(format.status().message(), HasSubstr("(expected cxcywh, xyxy or yxyx)"));
}

TEST(DetectorToml, TheShippedNanoDetExampleParses) {
  auto spec = LoadDetectorFile(std::filesystem::path(SWEETSPOT_TEST_DIR) / "../examples/nanodet-detector.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->layout, DetectionLayout::kPerStrideDistances);
  EXPECT_EQ(spec->classes, "coco80");
}

// NanoDet on a real VOC image as ../shared/data/README.md says: letterbox
// to S x S (bilinear, centred, zero padding), BGR, (pixel - mean) / std on
// the 0..255 scale; boxes mapped back through PreprocessGeometry.
std::vector<Detection> RunNanoDet(const std::filesystem::path& model, const cv::Mat& image, DetectorSpec* spec_out) {
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok());
  auto session = (*backend)->Load(model, {});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  const TensorInfo& input = (*session)->inputs().at(0);
  auto spec = DetectDetectorLayout((*session)->outputs(), input);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  if (!spec.ok()) return {};
  *spec_out = *spec;
  const int size = static_cast<int>(input.shape[3]);
  PreprocessSpec prep;
  prep.color = ColorOrder::kBgr;
  prep.resize = ResizeMode::kLetterbox;
  prep.width = prep.height = size;
  prep.scale = 1.0;
  prep.mean = {103.53, 116.28, 123.675};
  prep.std = {57.375, 57.12, 58.395};
  Tensor tensor = Tensor::Owned(DType::kFloat32, {1, 3, size, size});
  EXPECT_TRUE(ApplyPreprocess(prep, image, {static_cast<std::byte*>(tensor.data()), tensor.size_bytes()}).ok());
  auto outputs = (*session)->Run(std::span<const Tensor>(&tensor, 1));
  EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
  auto decoded = DecodeDetections(*spec, (*session)->outputs(), *outputs, size, size);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  std::vector<Detection> detections = decoded.ok() ? decoded->at(0) : std::vector<Detection>();
  const ImageGeometry geometry = PreprocessGeometry(prep, image.cols, image.rows);
  for (auto& d : detections) d.box = MapBoxToImage(d.box, geometry, image.cols, image.rows);
  return detections;
}

TEST(NanoDet, RealModelsAreDetectedAsNanodetAndFindTheTrain) {
  SWEETSPOT_REQUIRE_SHARED_DATA(models, "voc100-nanodet/models");
  SWEETSPOT_REQUIRE_SHARED_DATA(image_path, "voc100-nanodet/data/JPEGImages/2007_000123.jpg");
  const cv::Mat image = cv::imread(image_path.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  const Box train{1, 26, 358, 340};  // Annotations/2007_000123.xml, the image's only object
  constexpr int kCocoTrain = 6;
  for (const char* name : {"nanodet_m_0.5x.onnx", "nanodet_m.onnx", "nanodet_m_416.onnx"}) {
    SCOPED_TRACE(name);
    DetectorSpec spec;
    const auto detections = RunNanoDet(models / name, image, &spec);
    EXPECT_EQ(spec.layout, DetectionLayout::kPerStrideDistances);
    EXPECT_EQ(spec.strides, (std::vector<int>{8, 16, 32}));
    ASSERT_FALSE(detections.empty());
    EXPECT_LE(detections.size(), 100U);
    EXPECT_EQ(detections.front().class_id, kCocoTrain) << "best score " << detections.front().score;
    double best_iou = 0.0;
    for (const auto& d : detections) {
      if (d.class_id == kCocoTrain) best_iou = std::max(best_iou, IntersectionOverUnion(d.box, train));
    }
    EXPECT_GT(best_iou, 0.5);
  }
}

}  // namespace
}  // namespace sweetspot
