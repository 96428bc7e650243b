#include "sweetspot/keypoint_decoder.h"

#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support/support.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/person_crop.h"

namespace sweetspot {
namespace {

using testing::TempDir;
using testing::WriteModel;

struct Constant {
  std::string name;
  Shape shape;
  std::vector<float> values;
};

// An oracle keypoint model: input "input" [1, 3, 8, 8], every output the
// given constant (Identity of an initializer), whatever the input.
onnx::ModelProto OracleModel(const std::vector<Constant>& outputs, const std::string& metadata = "") {
  GraphBuilder b("oracle_keypoints");
  b.Input("input", DType::kFloat32, {1, 3, 8, 8});
  for (const Constant& c : outputs) {
    b.Initializer(c.name + "_value", c.shape, c.values);
    b.Node("Identity", {c.name + "_value"}, {c.name});
    b.Output(c.name, DType::kFloat32, c.shape);
  }
  if (!metadata.empty()) b.Metadata(std::string(kKeypointMetadataKey), metadata);
  return b.Build();
}

struct Loaded {
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Session> session;
  std::vector<Tensor> outputs;
};

// Loads and runs `model` through the real ONNX Runtime.
Loaded LoadAndRun(const onnx::ModelProto& model, const TempDir& dir) {
  Loaded loaded;
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  loaded.backend = std::move(*backend);
  auto session = loaded.backend->Load(WriteModel(model, dir / "oracle.onnx"), BackendOptions{});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  loaded.session = std::move(*session);
  const Tensor input = Tensor::Owned(DType::kFloat32, {1, 3, 8, 8});
  auto outputs = loaded.session->Run(std::span<const Tensor>(&input, 1));
  EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
  loaded.outputs = std::move(*outputs);
  return loaded;
}

// Two joints' heatmaps [1, 2, 4, 8] for a 64 x 32 input: cells 8 x 8 px.
// Joint 0 peaks 0.9 at row 1, column 2 with left 0.3, right 0.5, up 0.6,
// down 0.2; joint 1 peaks 0.4 at the corner row 0, column 7.
Constant TwoPeaks() {
  std::vector<float> v(2 * 4 * 8, 0.0F);
  const auto at = [&](int k, int i, int j) -> float& { return v[static_cast<std::size_t>(k * 32 + i * 8 + j)]; };
  at(0, 1, 2) = 0.9F;
  at(0, 1, 1) = 0.3F;
  at(0, 1, 3) = 0.5F;
  at(0, 0, 2) = 0.6F;
  at(0, 2, 2) = 0.2F;
  at(1, 0, 7) = 0.4F;
  at(1, 1, 7) = 0.1F;
  return {"heatmaps", {1, 2, 4, 8}, v};
}

std::vector<Keypoint> Decode(const Loaded& loaded, const KeypointDecoderSpec& spec, int width, int height) {
  auto keypoints = DecodeKeypoints(loaded.outputs, spec, width, height, loaded.session->outputs());
  EXPECT_TRUE(keypoints.ok()) << keypoints.status().ToString();
  return keypoints.ok() ? *keypoints : std::vector<Keypoint>();
}

TEST(DecodeKeypoints, HeatmapPeaksWithEachRefinement) {
  TempDir dir;
  const Loaded loaded = LoadAndRun(OracleModel({TwoPeaks()}), dir);
  KeypointDecoderSpec spec;  // heatmap, quarter
  auto quarter = Decode(loaded, spec, 64, 32);
  ASSERT_EQ(quarter.size(), 2U);
  // Right 0.5 > left 0.3: column 2 + 0.25; up 0.6 > down 0.2: row 1 - 0.25.
  // x = (2.25 + 0.5) * 64 / 8 = 22, y = (0.75 + 0.5) * 32 / 4 = 10.
  EXPECT_NEAR(quarter[0].x, 22.0, 1e-9);
  EXPECT_NEAR(quarter[0].y, 10.0, 1e-9);
  EXPECT_FLOAT_EQ(quarter[0].score, 0.9F);
  // Joint 1 at the right edge and the top row: no neighbour pair, the cell
  // centre: x = 7.5 * 8 = 60, y = 0.5 * 8 = 4.
  EXPECT_NEAR(quarter[1].x, 60.0, 1e-9);
  EXPECT_NEAR(quarter[1].y, 4.0, 1e-9);
  EXPECT_FLOAT_EQ(quarter[1].score, 0.4F);
  spec.refine = "parabola";
  auto parabola = Decode(loaded, spec, 64, 32);
  // x: l - 2c + r = 0.3 - 1.8 + 0.5 = -1, d = (0.3 - 0.5) / (2 * -1) = 0.1,
  // x = (2.1 + 0.5) * 8 = 20.8; y: 0.6 - 1.8 + 0.2 = -1, d = (0.6 - 0.2) / -2
  // = -0.2, y = (0.8 + 0.5) * 8 = 10.4.
  EXPECT_NEAR(parabola[0].x, 20.8, 1e-5);
  EXPECT_NEAR(parabola[0].y, 10.4, 1e-5);
  spec.refine = "none";
  auto none = Decode(loaded, spec, 64, 32);
  EXPECT_NEAR(none[0].x, 20.0, 1e-9);  // (2 + 0.5) * 8
  EXPECT_NEAR(none[0].y, 12.0, 1e-9);  // (1 + 0.5) * 8
}

TEST(DecodeKeypoints, SimccTakesTheBinCentreOverTheSplitRatio) {
  TempDir dir;
  // A 16 x 8 input, split ratio 2: x has 32 bins, y 16.
  std::vector<float> x(2 * 32, 0.0F);
  std::vector<float> y(2 * 16, 0.0F);
  x[9] = 0.8F;       // joint 0, bin 9
  y[4] = 0.6F;       // joint 0, bin 4
  x[32 + 31] = 0.7F;  // joint 1, bin 31
  y[16 + 0] = 0.9F;   // joint 1, bin 0
  // Declared y first: the spec picks x and y by name.
  const Loaded loaded = LoadAndRun(OracleModel({{"simcc_y", {1, 2, 16}, y}, {"simcc_x", {1, 2, 32}, x}}), dir);
  KeypointDecoderSpec spec;
  spec.layout = KeypointLayout::kSimcc;
  spec.output = "simcc_x";
  spec.output_y = "simcc_y";
  auto keypoints = Decode(loaded, spec, 16, 8);
  ASSERT_EQ(keypoints.size(), 2U);
  // x = (9 + 0.5) / 2 = 4.75, y = (4 + 0.5) / 2 = 2.25, score min(0.8, 0.6).
  EXPECT_DOUBLE_EQ(keypoints[0].x, 4.75);
  EXPECT_DOUBLE_EQ(keypoints[0].y, 2.25);
  EXPECT_FLOAT_EQ(keypoints[0].score, 0.6F);
  // x = 31.5 / 2 = 15.75, y = 0.5 / 2 = 0.25, score min(0.7, 0.9).
  EXPECT_DOUBLE_EQ(keypoints[1].x, 15.75);
  EXPECT_DOUBLE_EQ(keypoints[1].y, 0.25);
  EXPECT_FLOAT_EQ(keypoints[1].score, 0.7F);
}

TEST(DecodeKeypoints, RegressionInPixelsAndNormalised) {
  TempDir dir;
  const Loaded pixels = LoadAndRun(OracleModel({{"coords", {1, 2, 3}, {10, 20, 0.9F, 5, 6, 0.1F}}}), dir);
  KeypointDecoderSpec spec;
  spec.layout = KeypointLayout::kRegression;
  auto direct = Decode(pixels, spec, 64, 32);
  ASSERT_EQ(direct.size(), 2U);
  EXPECT_DOUBLE_EQ(direct[0].x, 10.0);
  EXPECT_DOUBLE_EQ(direct[0].y, 20.0);
  EXPECT_FLOAT_EQ(direct[0].score, 0.9F);
  EXPECT_FLOAT_EQ(direct[1].score, 0.1F);
  TempDir dir2;
  const Loaded normalised = LoadAndRun(OracleModel({{"coords", {1, 2, 2}, {0.25F, 0.5F, 1.0F, 0.0F}}}), dir2);
  spec.regression_normalized = true;
  auto scaled = Decode(normalised, spec, 64, 32);
  ASSERT_EQ(scaled.size(), 2U);
  // 0.25 * 64 = 16, 0.5 * 32 = 16; 1 * 64 = 64, 0 * 32 = 0; no score: 1.
  EXPECT_DOUBLE_EQ(scaled[0].x, 16.0);
  EXPECT_DOUBLE_EQ(scaled[0].y, 16.0);
  EXPECT_DOUBLE_EQ(scaled[1].x, 64.0);
  EXPECT_FLOAT_EQ(scaled[1].score, 1.0F);
}

TEST(DecodeKeypoints, NanIsInvalidDataNamingOutputAndJoint) {
  TempDir dir;
  Constant heatmaps = TwoPeaks();
  heatmaps.values[32 + 5] = std::numeric_limits<float>::quiet_NaN();  // joint 1
  const Loaded loaded = LoadAndRun(OracleModel({heatmaps}), dir);
  KeypointDecoderSpec spec;
  spec.schema = "efficientpose16";
  auto keypoints = DecodeKeypoints(loaded.outputs, spec, 64, 32, loaded.session->outputs());
  ASSERT_FALSE(keypoints.ok());
  EXPECT_EQ(keypoints.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(keypoints.status().message().find("output 'heatmaps' joint 1 (upper_neck) holds NaN or Inf"),
            std::string::npos)
      << keypoints.status().message();
}

TensorInfo Info(std::string name, Shape shape) {
  TensorInfo info;
  info.name = std::move(name);
  info.shape = std::move(shape);
  return info;
}

TEST(DetectKeypointLayout, FromOutputShapesOrAnErrorListingTheLayouts) {
  const std::vector<TensorInfo> heatmap = {Info("h", {1, 16, 56, 56})};
  const std::vector<TensorInfo> simcc = {Info("x", {1, 17, 384}), Info("y", {1, 17, 512})};
  const std::vector<TensorInfo> regression = {Info("r", {1, 17, 3})};
  EXPECT_EQ(*DetectKeypointLayout(heatmap), KeypointLayout::kHeatmap);
  EXPECT_EQ(*DetectKeypointLayout(simcc), KeypointLayout::kSimcc);
  EXPECT_EQ(*DetectKeypointLayout(regression), KeypointLayout::kRegression);
  const std::vector<TensorInfo> flat = {Info("logits", {1, 1000})};
  auto none = DetectKeypointLayout(flat);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("the outputs ('logits' [1,1000]) fit no keypoint layout: heatmap needs"),
            std::string::npos)
      << none.status().message();
  ASSERT_EQ(none.status().fixes().size(), 1U);
  EXPECT_EQ(none.status().fixes()[0].field, "keypoint_decoder");
}

TEST(KeypointDecoderSpec, TomlRoundTripsAndErrorsNameSourceLineAndKey) {
  KeypointDecoderSpec spec;
  spec.layout = KeypointLayout::kSimcc;
  spec.output = "x";
  spec.refine = "parabola";
  spec.simcc_split_ratio = 1.5;
  spec.schema = "coco17";
  auto back = ParseKeypointDecoderToml(spec.ToToml(), "round trip");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToToml(), spec.ToToml());
  EXPECT_EQ(back->set_by.at("refine"), "round trip line 4");
  auto unknown = ParseKeypointDecoderToml("layout = \"heatmap\"\nrefin = \"none\"\n", "dec.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("dec.toml line 2: unknown key 'refin'"), std::string::npos);
  auto bad = ParseKeypointDecoderToml("refine = \"cubic\"\n", "dec.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'refine' (from dec.toml line 1) is 'cubic'"), std::string::npos)
      << bad.status().message();
  EXPECT_TRUE(ParseKeypointDecoderToml("refine = \"none\"\n", "dec.toml").ok());  // the fix
}

TEST(ResolveKeypointDecoder, MetadataThenLayersElseDetected) {
  TempDir dir;
  const auto model = OracleModel({{"coords", {1, 2, 2}, {0.25F, 0.5F, 1.0F, 0.0F}}},
                                 "layout = \"regression\"\nregression_normalized = true\n");
  const Loaded loaded = LoadAndRun(model, dir);
  bool detected = true;
  const std::vector<DecoderLayer> layers = {{PreprocessSource("--keypoint-decoder", false), "refine = \"none\"", ""}};
  auto spec = ResolveKeypointDecoder(dir / "oracle.onnx", layers, *loaded.session, &detected);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_FALSE(detected);
  EXPECT_EQ(spec->layout, KeypointLayout::kRegression);
  EXPECT_TRUE(spec->regression_normalized);
  EXPECT_EQ(spec->refine, "none");
  EXPECT_EQ(spec->Origin("refine"), " (from --keypoint-decoder)");
  TempDir plain_dir;
  const Loaded plain = LoadAndRun(OracleModel({TwoPeaks()}), plain_dir);
  auto detected_spec = ResolveKeypointDecoder(plain_dir / "oracle.onnx", {}, *plain.session, &detected);
  ASSERT_TRUE(detected_spec.ok());
  EXPECT_TRUE(detected);
  EXPECT_EQ(detected_spec->layout, KeypointLayout::kHeatmap);
}

// A layout set by a layer that cannot read the outputs names the one that
// can, and setting that one resolves and decodes.
TEST(ResolveKeypointDecoder, ASetLayoutThatDoesNotFitNamesTheLayoutThatDoes) {
  TempDir dir;
  const Loaded loaded = LoadAndRun(OracleModel({TwoPeaks()}), dir);
  const auto layer = [](const std::string& layout) {
    return std::vector<DecoderLayer>{
        {PreprocessSource("--keypoint-decoder", false), "layout = \"" + layout + "\"\n", ""}};
  };
  for (const char* wrong : {"simcc", "regression"}) {
    SCOPED_TRACE(wrong);
    auto spec = ResolveKeypointDecoder(dir / "oracle.onnx", layer(wrong), *loaded.session);
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find("keypoint decoder layout '" + std::string(wrong) +
                                           "' (from --keypoint-decoder) does not fit the outputs ('heatmaps' "
                                           "[1,2,4,8])"),
              std::string::npos)
        << spec.status().message();
    EXPECT_NE(spec.status().message().find("; the outputs fit 'heatmap'"), std::string::npos)
        << spec.status().message();
    EXPECT_EQ(spec.status().fixes(), (std::vector<FieldFix>{{"keypoint_decoder", "", {"heatmap"}}}));
  }
  auto fixed = ResolveKeypointDecoder(dir / "oracle.onnx", layer("heatmap"), *loaded.session);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(Decode(loaded, *fixed, 64, 32).size(), 2U);

  TempDir flat_dir;
  const Loaded flat = LoadAndRun(OracleModel({{"logits", {1, 4}, {0, 1, 2, 3}}}), flat_dir);
  auto none = ResolveKeypointDecoder(flat_dir / "oracle.onnx", layer("heatmap"), *flat.session);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("heatmap needs 'logits' [1,4] to be [N, K, H, W]; nor does any other layout "
                                         "(simcc needs two outputs [N, K, Wx] and [N, K, Hy]; regression needs"),
            std::string::npos)
      << none.status().message();
  EXPECT_EQ(none.status().fixes(), (std::vector<FieldFix>{{"keypoint_decoder", "", {"LAYOUT"}}}));
}

// The EfficientPose RT model on the first MPII person: its crop (side =
// scale * 200 * 1.25 around the centre) at 224 px, RGB / 255 then ImageNet
// mean/std; every joint's peak lies inside the crop, the head top near its label.
TEST(DecodeKeypoints, EfficientPoseRtPeaksLieInsideTheMpiiCrop) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "pose-efficientpose/models/EfficientPoseRT_224.onnx");
  SWEETSPOT_REQUIRE_SHARED_DATA(labels, "pose-efficientpose/data/mpii/test_mpii.json");
  std::ifstream in(labels);
  const auto person = nlohmann::json::parse(in).at(0);
  const cv::Mat image = cv::imread((labels.parent_path() / person.at("image").get<std::string>()).string());
  ASSERT_FALSE(image.empty());
  const double side = person.at("scale").get<double>() * 200.0 * 1.25;
  const CropGeometry crop =
      CropFromCentreScale(person.at("center")[0].get<double>(), person.at("center")[1].get<double>(), side, 224);
  auto bgr = CropPerson(image, crop);
  ASSERT_TRUE(bgr.ok());
  cv::Mat rgb;
  cv::cvtColor(*bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32FC3, 1.0 / 255.0);
  Tensor input = Tensor::Owned(DType::kFloat32, {1, 3, 224, 224});
  const double mean[] = {0.485, 0.456, 0.406};
  const double stdev[] = {0.229, 0.224, 0.225};
  auto values = input.values<float>();
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 224; ++i) {
      for (int j = 0; j < 224; ++j) {
        values[static_cast<std::size_t>((c * 224 + i) * 224 + j)] =
            static_cast<float>((rgb.at<cv::Vec3f>(i, j)[c] - mean[c]) / stdev[c]);
      }
    }
  }
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok());
  auto session = (*backend)->Load(model, BackendOptions{});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto outputs = (*session)->Run(std::span<const Tensor>(&input, 1));
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  ASSERT_EQ(*DetectKeypointLayout((*session)->outputs()), KeypointLayout::kHeatmap);
  KeypointDecoderSpec spec;
  spec.schema = "efficientpose16";
  auto keypoints = DecodeKeypoints(*outputs, spec, 224, 224, (*session)->outputs());
  ASSERT_TRUE(keypoints.ok()) << keypoints.status().ToString();
  ASSERT_EQ(keypoints->size(), 16U);
  for (const Keypoint& k : *keypoints) {
    EXPECT_GE(k.x, 0.0);
    EXPECT_LT(k.x, 224.0);
    EXPECT_GE(k.y, 0.0);
    EXPECT_LT(k.y, 224.0);
  }
  // The labelled head_top (MPII joint 9) in input pixels against the
  // model's (EfficientPose joint 0): within a tenth of the crop (22.4 px;
  // measured 2.4 px).
  const auto& label = person.at("joints")[9];
  const Keypoint head = MapToInput({label[0].get<double>(), label[1].get<double>(), 1.0F}, crop);
  EXPECT_LT(std::hypot(head.x - (*keypoints)[0].x, head.y - (*keypoints)[0].y), 22.4);
  std::cout << "head_top label (" << head.x << ", " << head.y << ") model (" << (*keypoints)[0].x << ", "
            << (*keypoints)[0].y << ") score " << (*keypoints)[0].score << "\n";
}

}  // namespace
}  // namespace sweetspot
