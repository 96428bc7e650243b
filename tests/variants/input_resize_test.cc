#include <gtest/gtest.h>

#include <string>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/input_resize.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::TempDir;

// Loads `model` in ONNX Runtime and runs one zero image of `input_shape`;
// returns the first output's shape.
Shape RunAt(const onnx::ModelProto& model, const Shape& input_shape) {
  TempDir dir;
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok());
  auto session = (*backend)->Load(testing::WriteModel(model, dir / "resized.onnx"), BackendOptions{});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  const Tensor image = Tensor::Owned(DType::kFloat32, input_shape);
  auto outputs = (*session)->Run(std::span<const Tensor>(&image, 1));
  EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
  return outputs.ok() ? outputs->front().shape() : Shape{};
}

Shape DeclaredShape(const onnx::ValueInfoProto& info) {
  Shape shape;
  for (const auto& dim : info.type().tensor_type().shape().dim()) {
    shape.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  }
  return shape;
}

// input [1,3,8,8] -> Conv 3x3 (4 channels, no padding) -> 6x6 map -> `head`.
GraphBuilder ConvStem() {
  GraphBuilder b("stem");
  b.Input("input", DType::kFloat32, {1, 3, 8, 8})
      .RandomInitializer("w", {4, 3, 3, 3}, 1)
      .Node("Conv", {"input", "w"}, {"c"}, {Attr("kernel_shape", std::vector<int64_t>{3, 3})});
  return b;
}

TEST(ResizeInput, AGlobalPoolModelRunsAtTheNewSizeWithFreshShapes) {
  const auto model = testing::TinyCnn();
  auto resized = ResizeInput(model, 16, 16);
  ASSERT_TRUE(resized.ok()) << resized.status().ToString();
  EXPECT_EQ(DeclaredShape(resized->graph().input(0)), (Shape{-1, 3, 16, 16}));
  EXPECT_EQ(resized->graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "N");
  bool saw_first_conv = false;
  for (const auto& info : resized->graph().value_info()) {
    if (info.name() != "c1") continue;
    saw_first_conv = true;
    EXPECT_EQ(DeclaredShape(info), (Shape{-1, 8, 16, 16}));
  }
  EXPECT_TRUE(saw_first_conv) << "shape inference did not run again";
  EXPECT_EQ(RunAt(*resized, {2, 3, 16, 16}), (Shape{2, 10}));
}

TEST(ResizeInput, AFlattenIntoGemmIsRefusedNamingTheNode) {
  GraphBuilder b = ConvStem();
  b.Node("Flatten", {"c"}, {"f"}, {Attr("axis", int64_t{1})})
      .RandomInitializer("fc", {10, 4 * 6 * 6}, 2)
      .Node("Gemm", {"f", "fc"}, {"logits"}, {Attr("transB", int64_t{1})})
      .Output("logits", DType::kFloat32, {1, 10});
  auto resized = ResizeInput(b.Build(), 6, 6);
  ASSERT_FALSE(resized.ok());
  EXPECT_EQ(resized.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = resized.status().message();
  EXPECT_NE(message.find("node 'Gemm_3' (Gemm) has a weight for 144 input features"), std::string::npos) << message;
  EXPECT_NE(message.find("from node 'Flatten_2' (Flatten)"), std::string::npos) << message;
}

// The trial's cnn-nano: a symbolic batch left the Gemm's input shape
// "unknown", and the resize passed though the model could not run.
TEST(ResizeInput, AFlattenIntoGemmIsRefusedWithASymbolicBatch) {
  GraphBuilder b("nano");
  b.Input("input", DType::kFloat32, {-1, 1, 8, 8}, {"N"})
      .RandomInitializer("w", {4, 1, 3, 3}, 1)
      .Node("Conv", {"input", "w"}, {"c"}, {Attr("kernel_shape", std::vector<int64_t>{3, 3})})
      .Node("MaxPool", {"c"}, {"p"},
            {Attr("kernel_shape", std::vector<int64_t>{2, 2}), Attr("strides", std::vector<int64_t>{2, 2})})
      .Node("Flatten", {"p"}, {"f"}, {Attr("axis", int64_t{1})})
      .RandomInitializer("fc", {10, 4 * 3 * 3}, 2)
      .Node("Gemm", {"f", "fc"}, {"logits"}, {Attr("transB", int64_t{1})})
      .Output("logits", DType::kFloat32, {-1, 10}, {"N"});
  auto resized = ResizeInput(b.Build(), 6, 6);
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.status().message().find("node 'Gemm_4' (Gemm) has a weight for 36 input features"),
            std::string::npos)
      << resized.status().message();
}

TEST(ResizeInput, AFixedReshapeIsRefusedNamingTheNode) {
  GraphBuilder b = ConvStem();
  b.Int64Initializer("target", {2}, {1, 144})
      .Node("Reshape", {"c", "target"}, {"flat"})
      .Output("flat", DType::kFloat32, {1, 144});
  auto resized = ResizeInput(b.Build(), 7, 7);
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.status().message().find("node 'Reshape_2' (Reshape) reshapes to the fixed shape 1x144"),
            std::string::npos)
      << resized.status().message();
}

TEST(ResizeInput, AnAveragePoolCoveringTheMapIsRefusedNamingTheNode) {
  GraphBuilder b = ConvStem();
  b.Node("AveragePool", {"c"}, {"pooled"}, {Attr("kernel_shape", std::vector<int64_t>{6, 6})})
      .Output("pooled", DType::kFloat32, {1, 4, 1, 1});
  auto resized = ResizeInput(b.Build(), 7, 7);
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.status().message().find("node 'AveragePool_2' (AveragePool) pools a fixed 6x6 window"),
            std::string::npos)
      << resized.status().message();

  // The same model with global pooling resizes.
  GraphBuilder global = ConvStem();
  global.Node("GlobalAveragePool", {"c"}, {"pooled"}).Output("pooled", DType::kFloat32, {1, 4, 1, 1});
  auto fine = ResizeInput(global.Build(), 7, 7);
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(RunAt(*fine, {1, 3, 7, 7}), (Shape{1, 4, 1, 1}));
}

TEST(ResizeInput, AMapSmallerThanAKernelIsRefused) {
  GraphBuilder b = ConvStem();
  b.Node("GlobalAveragePool", {"c"}, {"pooled"}).Output("pooled", DType::kFloat32, {1, 4, 1, 1});
  auto resized = ResizeInput(b.Build(), 2, 8);
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.status().message().find("node 'Conv_1' (Conv) has a 3x3 kernel but gets a 2x8 map"),
            std::string::npos)
      << resized.status().message();
}

TEST(ResizeInput, AShapeThatNoLongerFitsIsRefusedWithShapeInferencesWords) {
  // A learned bias per position of the 6x6 map cannot be added to a 5x5 one.
  GraphBuilder b = ConvStem();
  b.RandomInitializer("position", {1, 4, 6, 6}, 3)
      .Node("Add", {"c", "position"}, {"biased"})
      .Node("GlobalAveragePool", {"biased"}, {"pooled"})
      .Output("pooled", DType::kFloat32, {1, 4, 1, 1});
  auto resized = ResizeInput(b.Build(), 7, 7);
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.status().message().find("ONNX shape inference fails at that size"), std::string::npos)
      << resized.status().message();
  EXPECT_NE(resized.status().message().find("Add_2"), std::string::npos) << resized.status().message();
}

TEST(ResizeInput, SizesOutOfRangeAreRefused) {
  const auto model = testing::TinyCnn();
  for (const auto& [height, width] : {std::pair<int64_t, int64_t>{0, 16}, {16, -1}, {64, 32}, {32, 33}}) {
    auto resized = ResizeInput(model, height, width);
    ASSERT_FALSE(resized.ok()) << height << "x" << width;
    EXPECT_EQ(resized.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(resized.status().message().find("out of range"), std::string::npos) << resized.status().message();
  }
}

TEST(ResizeInput, AModelWithoutAnImageInputIsRefused) {
  GraphBuilder b("vector");
  b.Input("x", DType::kFloat32, {1, 8}).Node("Relu", {"x"}, {"y"}).Output("y", DType::kFloat32, {1, 8});
  auto resized = ResizeInput(b.Build(), 4, 4);
  ASSERT_FALSE(resized.ok());
  EXPECT_NE(resized.status().message().find("no 4-D image input"), std::string::npos);
}

TEST(ResizeInput, SymbolicSpatialDimsTakeTheGivenSize) {
  GraphBuilder b("dynamic");
  b.Input("input", DType::kFloat32, {-1, 3, -1, -1}, {"N", "H", "W"})
      .Node("GlobalAveragePool", {"input"}, {"pooled"})
      .Output("pooled", DType::kFloat32, {-1, 3, 1, 1}, {"N"});
  auto resized = ResizeInput(b.Build(), 40, 20);
  ASSERT_TRUE(resized.ok()) << resized.status().ToString();
  EXPECT_EQ(DeclaredShape(resized->graph().input(0)), (Shape{-1, 3, 40, 20}));
  EXPECT_EQ(RunAt(*resized, {1, 3, 40, 20}), (Shape{1, 3, 1, 1}));
}

TEST(ResizeInput, Resnet56RunsAt24x24) {
  SWEETSPOT_REQUIRE_SHARED_DATA(path, "cifar10-resnet/resnet56_cifar10.onnx");
  auto model = LoadOnnxModel(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto resized = ResizeInput(*model, 24, 24);
  ASSERT_TRUE(resized.ok()) << resized.status().ToString();
  EXPECT_EQ(RunAt(*resized, {2, 3, 24, 24}), (Shape{2, 10}));
}

}  // namespace
}  // namespace sweetspot
