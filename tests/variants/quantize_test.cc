#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quantize_test_support.h"
#include "support/support.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/quantize.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace quantize_test;

// input [N,3,8,8] -> Conv_1 (w1 by hand: channel c holds values up to
// (c+1)/10) -> Relu_2 -> MaxPool_3 -> Conv_4 -> Add_5 (+ MaxPool_3's output:
// a residual) -> Relu_6 -> GlobalAveragePool_7 -> Flatten_8 -> Gemm_9 -> logits.
std::vector<float> HandConvWeights() {
  std::vector<float> w(4 * 3 * 3 * 3);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const auto channel = static_cast<float>(i / 27);
    w[i] = static_cast<float>(static_cast<int>(i % 7) - 3) / 3.0F * (channel + 1.0F) / 10.0F;
  }
  return w;
}

onnx::ModelProto ResidualModel(int64_t opset = 13) {
  const std::vector<int64_t> k3{3, 3};
  const std::vector<int64_t> pad1{1, 1, 1, 1};
  return GraphBuilder("residual", opset)
      .Input("input", DType::kFloat32, {-1, 3, 8, 8}, {"N"})
      .Output("logits", DType::kFloat32, {-1, 10}, {"N"})
      .Initializer("w1", {4, 3, 3, 3}, HandConvWeights())
      .Initializer("b1", {4}, {0.05F, -0.02F, 0.1F, 0.0F})
      .RandomInitializer("w2", {4, 4, 3, 3}, 2, 0.3F)
      .RandomInitializer("b2", {4}, 3, 0.1F)
      .RandomInitializer("fc.w", {10, 4}, 4, 0.5F)
      .RandomInitializer("fc.b", {10}, 5, 0.1F)
      .Node("Conv", {"input", "w1", "b1"}, {"c1"}, {Attr("kernel_shape", k3), Attr("pads", pad1)})
      .Node("Relu", {"c1"}, {"r1"})
      .Node("MaxPool", {"r1"}, {"p1"},
            {Attr("kernel_shape", std::vector<int64_t>{2, 2}), Attr("strides", std::vector<int64_t>{2, 2})})
      .Node("Conv", {"p1", "w2", "b2"}, {"c2"}, {Attr("kernel_shape", k3), Attr("pads", pad1)})
      .Node("Add", {"c2", "p1"}, {"s"})
      .Node("Relu", {"s"}, {"r2"})
      .Node("GlobalAveragePool", {"r2"}, {"g"})
      .Node("Flatten", {"g"}, {"f"}, {Attr("axis", int64_t{1})})
      .Node("Gemm", {"f", "fc.w", "fc.b"}, {"logits"}, {Attr("transB", int64_t{1})})
      .Build();
}

Tensor ResidualInput() { return RandomTensor({4, 3, 8, 8}, 7); }

struct Quantized {
  onnx::ModelProto model;
  QuantizeReport report;
};

Quantized QuantizeResidual(const testing::TempDir& dir, const QuantizeOptions& options = {}, int64_t opset = 13) {
  const auto model = ResidualModel(opset);
  auto tensors = StaticQuantizationTensors(model, options);
  EXPECT_TRUE(tensors.ok()) << tensors.status().ToString();
  const auto ranges = MinMaxRanges(model, *tensors, ResidualInput(), dir / "ranges.onnx");
  Quantized out;
  auto quantized = QuantizeStatic(model, ranges, options, &out.report);
  EXPECT_TRUE(quantized.ok()) << quantized.status().ToString();
  if (quantized.ok()) out.model = std::move(*quantized);
  return out;
}

TEST(QuantizeStatic, NamesTheTensorsItNeedsRangesFor) {
  auto tensors = StaticQuantizationTensors(ResidualModel(), {});
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  // c1 and s are folded into their Relus (r1, r2); p1 and f share r1's and
  // g's parameters, and are listed for when their producer is excluded.
  EXPECT_THAT(*tensors, ElementsAre("input", "r1", "p1", "c2", "r2", "g", "f"));
}

TEST(QuantizeStatic, OneCalibrationServesEveryFurtherExclusion) {
  testing::TempDir dir;
  const auto model = ResidualModel();
  auto tensors = StaticQuantizationTensors(model, {});
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  const auto ranges = MinMaxRanges(model, *tensors, ResidualInput(), dir / "ranges.onnx");
  for (const std::string node : {"Conv_1", "Conv_4", "Gemm_9"}) {
    QuantizeOptions options;
    options.exclude_nodes = {node};
    auto quantized = QuantizeStatic(model, ranges, options);
    ASSERT_TRUE(quantized.ok()) << node << ": " << quantized.status().ToString();
    ExpectClose(RunModel(model, ResidualInput(), dir / "float.onnx"),
                RunModel(*quantized, ResidualInput(), dir / "int8.onnx"), 0.05);
  }
  // Without Conv_1, MaxPool_3's output gets its own parameters.
  QuantizeOptions options;
  options.exclude_nodes = {"Conv_1"};
  auto quantized = QuantizeStatic(model, ranges, options);
  ASSERT_TRUE(quantized.ok());
  EXPECT_EQ(ProducerOp(*quantized, "r1"), "Relu");
  EXPECT_EQ(Initializer(*quantized, "r1_scale"), nullptr);
  EXPECT_NE(Initializer(*quantized, "p1_scale"), nullptr);
}

TEST(QuantizeStatic, PlacesQdqPairsAroundConvAddPoolAndGemmAndFoldsRelu) {
  testing::TempDir dir;
  const auto q = QuantizeResidual(dir);
  const auto& m = q.model;
  EXPECT_EQ(q.report.quantized_nodes,
            (std::vector<std::string>{"Conv_1", "Relu_2", "MaxPool_3", "Conv_4", "Add_5", "Relu_6",
                                      "GlobalAveragePool_7", "Flatten_8", "Gemm_9"}));
  EXPECT_TRUE(q.report.skipped.empty());
  EXPECT_EQ(ProducerOp(m, "input_quantized"), "QuantizeLinear");
  EXPECT_THAT(ProducerInputs(m, "r1"), ElementsAre("input_dequantized", "w1_dequantized", "b1_dequantized"));
  EXPECT_EQ(ProducerOp(m, "r1"), "Conv");  // Relu_2 folded: its range clamps at 0
  EXPECT_EQ(OpHistogram(m)["Relu"], 0);
  EXPECT_THAT(ProducerInputs(m, "r2_dequantized"), ElementsAre("r2_quantized", "r2_scale", "r2_zero_point"));
  EXPECT_EQ(Producer(m, "s"), nullptr);  // the Add writes r2 directly
  EXPECT_THAT(ProducerInputs(m, "r2"), ElementsAre("c2_dequantized", "p1_dequantized"));
  EXPECT_THAT(ProducerInputs(m, "p1"), ElementsAre("r1_dequantized"));
  EXPECT_FLOAT_EQ(FloatValuesOf(m, "p1_scale")[0], FloatValuesOf(m, "r1_scale")[0]);
  EXPECT_EQ(Int8ValuesOf(m, "p1_zero_point"), Int8ValuesOf(m, "r1_zero_point"));
  EXPECT_FLOAT_EQ(FloatValuesOf(m, "f_scale")[0], FloatValuesOf(m, "g_scale")[0]);
  EXPECT_THAT(ProducerInputs(m, "logits"), ElementsAre("f_dequantized", "fc.w_dequantized", "fc.b_dequantized"));
  EXPECT_EQ(Initializer(m, "w1"), nullptr);  // float weights are gone
  EXPECT_EQ(Initializer(m, "r1_zero_point")->data_type(), onnx::TensorProto::UINT8);
  EXPECT_EQ(Int8ValuesOf(m, "r1_zero_point")[0], 0);  // a Relu output's range starts at 0
  EXPECT_EQ(DefaultOpsetOf(m), 13);
}

TEST(QuantizeStatic, WeightScalesArePerOutputChannelMaxAbsOver127) {
  testing::TempDir dir;
  const auto m = QuantizeResidual(dir).model;
  const auto w = HandConvWeights();
  const auto scales = FloatValuesOf(m, "w1_scale");
  ASSERT_EQ(scales.size(), 4U);
  for (std::size_t c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(scales[c], (static_cast<float>(c) + 1.0F) / 10.0F / 127.0F);
  const auto q = Int8ValuesOf(m, "w1_quantized");
  EXPECT_EQ(Initializer(m, "w1_quantized")->data_type(), onnx::TensorProto::INT8);
  ASSERT_EQ(q.size(), w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(q[i], static_cast<int>(std::nearbyint(w[i] / scales[i / 27]))) << i;
  }
  EXPECT_EQ(*std::max_element(q.begin(), q.end()), 127);
  EXPECT_THAT(Int8ValuesOf(m, "w1_zero_point"), ElementsAre(0, 0, 0, 0));
  EXPECT_EQ(ProducerAttribute(m, "w1_dequantized", "axis"), 0);
  // Gemm with transB=1: the output channels are fc.w's rows.
  EXPECT_EQ(FloatValuesOf(m, "fc.w_scale").size(), 10U);
  EXPECT_EQ(ProducerAttribute(m, "fc.w_dequantized", "axis"), 0);
}

TEST(QuantizeStatic, BiasIsInt32WithScaleInputScaleTimesWeightScale) {
  testing::TempDir dir;
  const auto m = QuantizeResidual(dir).model;
  const float input_scale = FloatValuesOf(m, "input_scale")[0];
  const auto weight_scales = FloatValuesOf(m, "w1_scale");
  const auto bias_scales = FloatValuesOf(m, "b1_scale");
  const auto* bias = Initializer(m, "b1_quantized");
  ASSERT_NE(bias, nullptr);
  EXPECT_EQ(bias->data_type(), onnx::TensorProto::INT32);
  const auto q = Int32ValuesOf(m, "b1_quantized");
  const std::vector<float> b{0.05F, -0.02F, 0.1F, 0.0F};
  for (std::size_t c = 0; c < 4; ++c) {
    EXPECT_FLOAT_EQ(bias_scales[c], input_scale * weight_scales[c]);
    EXPECT_EQ(q[c], static_cast<int32_t>(std::nearbyint(b[c] / (input_scale * weight_scales[c])))) << c;
  }
  EXPECT_NE(q[0], 0);
}

TEST(QuantizeStatic, RunsInOnnxRuntimeCloseToTheFloatModel) {
  testing::TempDir dir;
  const auto q = QuantizeResidual(dir);
  const auto expected = RunModel(ResidualModel(), ResidualInput(), dir / "float.onnx");
  const auto actual = RunModel(q.model, ResidualInput(), dir / "int8.onnx");
  ExpectClose(expected, actual, 0.05);
}

TEST(QuantizeStatic, OnnxRuntimeFusesTheResultIntoIntegerKernels) {
  testing::TempDir dir;
  const auto q = QuantizeResidual(dir);
  BackendOptions options;
  options.optimized_model_path = dir / "optimized.onnx";
  RunModel(q.model, ResidualInput(), dir / "int8.onnx", options);
  auto optimized = LoadOnnxModel(options.optimized_model_path);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  auto ops = OpHistogram(*optimized);
  EXPECT_EQ(ops["QLinearConv"], 2);
  EXPECT_EQ(ops["QLinearAdd"], 1);
  EXPECT_EQ(ops["QLinearGlobalAveragePool"], 1);
  EXPECT_EQ(ops["QGemm"], 1);
  EXPECT_EQ(ops["Conv"], 0);
}

TEST(QuantizeStatic, FoldsAClipIntoItsConvAndDropsItsBounds) {
  const auto model = GraphBuilder("relu6", 13)
                         .Input("x", DType::kFloat32, {1, 2, 4, 4})
                         .Output("y", DType::kFloat32, {1, 3, 1, 1})
                         .RandomInitializer("w", {3, 2, 3, 3}, 31, 0.5F)
                         .Initializer("low", {}, {0.0F})
                         .Initializer("high", {}, {6.0F})
                         .Node("Conv", {"x", "w"}, {"c"}, {Attr("pads", std::vector<int64_t>{1, 1, 1, 1})})
                         .Node("Clip", {"c", "low", "high"}, {"r"})
                         .Node("GlobalAveragePool", {"r"}, {"y"})
                         .Build();
  testing::TempDir dir;
  const Tensor input = RandomTensor({1, 2, 4, 4}, 32);
  auto tensors = StaticQuantizationTensors(model, {});
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  EXPECT_THAT(*tensors, ElementsAre("x", "r"));
  auto quantized = QuantizeStatic(model, MinMaxRanges(model, *tensors, input, dir / "ranges.onnx"), {});
  ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();
  EXPECT_EQ(OpHistogram(*quantized)["Clip"], 0);
  EXPECT_EQ(ProducerOp(*quantized, "r"), "Conv");
  EXPECT_EQ(Initializer(*quantized, "low"), nullptr);
  EXPECT_EQ(Initializer(*quantized, "high"), nullptr);
  ExpectClose(RunModel(model, input, dir / "float.onnx"), RunModel(*quantized, input, dir / "int8.onnx"), 0.05);
}

TEST(QuantizeStatic, Int8SymmetricActivationsKeepReluAndRun) {
  testing::TempDir dir;
  QuantizeOptions options;
  options.activations = ActivationType::kInt8Symmetric;
  const auto q = QuantizeResidual(dir, options);
  EXPECT_EQ(Initializer(q.model, "input_zero_point")->data_type(), onnx::TensorProto::INT8);
  EXPECT_EQ(Int8ValuesOf(q.model, "input_zero_point")[0], 0);
  EXPECT_EQ(OpHistogram(q.model)["Relu"], 2);  // a symmetric range cannot clamp at 0
  const auto expected = RunModel(ResidualModel(), ResidualInput(), dir / "float.onnx");
  ExpectClose(expected, RunModel(q.model, ResidualInput(), dir / "int8.onnx"), 0.05);
}

TEST(QuantizeStatic, ExcludedNodesStayFloatAndAreReported) {
  testing::TempDir dir;
  QuantizeOptions options;
  options.exclude_nodes = {"Conv_4"};
  const auto q = QuantizeResidual(dir, options);
  ASSERT_EQ(q.report.skipped.size(), 1U);
  EXPECT_EQ(q.report.skipped[0].first, "Conv_4");
  EXPECT_EQ(q.report.skipped[0].second, "in exclude_nodes");
  EXPECT_NE(Initializer(q.model, "w2"), nullptr);
  EXPECT_EQ(Initializer(q.model, "w2_quantized"), nullptr);
  const auto expected = RunModel(ResidualModel(), ResidualInput(), dir / "float.onnx");
  ExpectClose(expected, RunModel(q.model, ResidualInput(), dir / "int8.onnx"), 0.05);
}

TEST(QuantizeStatic, PerTensorWeightsHaveOneScale) {
  testing::TempDir dir;
  QuantizeOptions options;
  options.per_channel = false;
  const auto q = QuantizeResidual(dir, options);
  EXPECT_THAT(FloatValuesOf(q.model, "w1_scale"), ElementsAre(0.4F / 127.0F));
  EXPECT_EQ(Initializer(q.model, "b1_scale")->dims_size(), 0);
  const auto expected = RunModel(ResidualModel(), ResidualInput(), dir / "float.onnx");
  ExpectClose(expected, RunModel(q.model, ResidualInput(), dir / "int8.onnx"), 0.05);
}

TEST(QuantizeStatic, UpgradesAnOpset11ModelTo13) {
  testing::TempDir dir;
  const auto q = QuantizeResidual(dir, {}, 11);
  EXPECT_EQ(DefaultOpsetOf(q.model), 13);
  const auto expected = RunModel(ResidualModel(11), ResidualInput(), dir / "float.onnx");
  ExpectClose(expected, RunModel(q.model, ResidualInput(), dir / "int8.onnx"), 0.05);
}

TEST(QuantizeStatic, RefusesAModelWithoutQuantizableOps) {
  const auto model = GraphBuilder("relu")
                         .Input("x", DType::kFloat32, {1, 4})
                         .Output("y", DType::kFloat32, {1, 4})
                         .Node("Relu", {"x"}, {"y"})
                         .Build();
  auto tensors = StaticQuantizationTensors(model, {});
  ASSERT_FALSE(tensors.ok());
  EXPECT_EQ(tensors.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(tensors.status().message(), HasSubstr("nothing to quantize: the model has no Conv, Gemm, MatMul node"));
  EXPECT_FALSE(QuantizeStatic(model, {}, {}).ok());
}

TEST(QuantizeStatic, RefusesAnOpTypeWithoutAnIntegerKernelAndTakesTheListWithoutIt) {
  QuantizeOptions options;
  options.op_types = {"Conv", "Relu"};
  auto tensors = StaticQuantizationTensors(ResidualModel(), options);
  ASSERT_FALSE(tensors.ok());
  EXPECT_THAT(tensors.status().message(), HasSubstr("op_types: 'Relu' cannot be quantized on its own"));
  EXPECT_FALSE(QuantizeDynamic(ResidualModel(), options).ok());
  options.op_types = {"Conv"};
  tensors = StaticQuantizationTensors(ResidualModel(), options);
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  EXPECT_THAT(*tensors, ElementsAre("input", "r1", "p1", "c2", "r2", "g", "f"));
}

TEST(QuantizeStatic, RefusesWhenEveryCandidateIsExcluded) {
  QuantizeOptions options;
  options.exclude_nodes = {"Conv_1", "Conv_4", "Gemm_9"};
  auto tensors = StaticQuantizationTensors(ResidualModel(), options);
  ASSERT_FALSE(tensors.ok());
  EXPECT_THAT(tensors.status().message(), HasSubstr("Conv_1: in exclude_nodes"));
}

TEST(QuantizeStatic, RefusesAnAlreadyQuantizedModel) {
  testing::TempDir dir;
  const auto q = QuantizeResidual(dir);
  EXPECT_TRUE(IsQuantized(q.model));
  EXPECT_FALSE(IsQuantized(ResidualModel()));
  auto again = QuantizeStatic(q.model, {}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("already quantized"));
  EXPECT_THAT(again.status().message(), HasSubstr("quantize its float original instead"));
}

TEST(QuantizeStatic, AMissingRangeNamesTheTensorAndCalibratingItFixesIt) {
  testing::TempDir dir;
  const auto model = ResidualModel();
  auto tensors = StaticQuantizationTensors(model, {});
  ASSERT_TRUE(tensors.ok());
  auto ranges = MinMaxRanges(model, *tensors, ResidualInput(), dir / "ranges.onnx");
  ranges.erase("c2");
  auto quantized = QuantizeStatic(model, ranges, {});
  ASSERT_FALSE(quantized.ok());
  EXPECT_THAT(quantized.status().message(), HasSubstr("no activation range for tensor 'c2'"));
  // The fix: calibrate every tensor StaticQuantizationTensors names.
  ranges = MinMaxRanges(model, *tensors, ResidualInput(), dir / "ranges.onnx");
  EXPECT_TRUE(QuantizeStatic(model, ranges, {}).ok());
}

// x [2,4,8] -> MatMul_1 (w [8,8]) -> h; MatMul_3 (h, Transpose_2(h)) -> y
TEST(QuantizeStatic, MatMulsOfWeightsAndOfTwoActivationsFuse) {
  const auto model = GraphBuilder("attention-like")
                         .Input("x", DType::kFloat32, {2, 4, 8})
                         .Output("y", DType::kFloat32, {2, 4, 4})
                         .RandomInitializer("w", {8, 8}, 21, 0.5F)
                         .Node("MatMul", {"x", "w"}, {"h"})
                         .Node("Transpose", {"h"}, {"t"}, {Attr("perm", std::vector<int64_t>{0, 2, 1})})
                         .Node("MatMul", {"h", "t"}, {"y"})
                         .Build();
  testing::TempDir dir;
  const Tensor input = RandomTensor({2, 4, 8}, 22);
  auto tensors = StaticQuantizationTensors(model, {});
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  EXPECT_THAT(*tensors, ElementsAre("x", "h", "t"));
  auto quantized = QuantizeStatic(model, MinMaxRanges(model, *tensors, input, dir / "ranges.onnx"), {});
  ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();
  EXPECT_EQ(FloatValuesOf(*quantized, "w_scale").size(), 8U);
  EXPECT_EQ(ProducerAttribute(*quantized, "w_dequantized", "axis"), 1);
  BackendOptions options;
  options.optimized_model_path = dir / "optimized.onnx";
  const auto expected = RunModel(model, input, dir / "float.onnx");
  ExpectClose(expected, RunModel(*quantized, input, dir / "int8.onnx", options), 0.05);
  auto optimized = LoadOnnxModel(options.optimized_model_path);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  auto ops = OpHistogram(*optimized);
  EXPECT_EQ(ops["QLinearMatMul"], 1);
  EXPECT_EQ(ops["MatMulIntegerToFloat"], 1);  // its output is the graph's: float
  EXPECT_EQ(ops["MatMul"], 0);
}

// x [N,16] -> MatMul (w [16,8]) -> Relu -> Gemm (fc.w [4,8], transB=1, bias) -> y
onnx::ModelProto DenseModel() {
  return GraphBuilder("dense")
      .Input("x", DType::kFloat32, {-1, 16}, {"N"})
      .Output("y", DType::kFloat32, {-1, 4}, {"N"})
      .RandomInitializer("w", {16, 8}, 11, 0.5F)
      .RandomInitializer("fc.w", {4, 8}, 12, 0.5F)
      .RandomInitializer("fc.b", {4}, 13, 0.1F)
      .Node("MatMul", {"x", "w"}, {"h"})
      .Node("Relu", {"h"}, {"r"})
      .Node("Gemm", {"r", "fc.w", "fc.b"}, {"y"}, {Attr("transB", int64_t{1}), Attr("alpha", 0.5F)})
      .Build();
}

TEST(QuantizeDynamic, RewritesMatMulAndGemmThatOnnxRuntimeFuses) {
  testing::TempDir dir;
  QuantizeReport report;
  auto quantized = QuantizeDynamic(DenseModel(), {}, &report);
  ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();
  EXPECT_THAT(report.quantized_nodes, ElementsAre("MatMul_1", "Gemm_3"));
  auto ops = OpHistogram(*quantized);
  EXPECT_EQ(ops["DynamicQuantizeLinear"], 2);
  EXPECT_EQ(ops["MatMulInteger"], 2);
  EXPECT_EQ(FloatValuesOf(*quantized, "w_scale").size(), 8U);
  EXPECT_EQ(Initializer(*quantized, "fc.w_quantized")->dims(0), 8);  // transB undone: [K, N]

  const Tensor input = RandomTensor({5, 16}, 14);
  const auto expected = RunModel(DenseModel(), input, dir / "float.onnx");
  BackendOptions options;
  options.optimized_model_path = dir / "optimized.onnx";
  ExpectClose(expected, RunModel(*quantized, input, dir / "int8.onnx", options), 0.05);
  auto optimized = LoadOnnxModel(options.optimized_model_path);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  EXPECT_EQ(OpHistogram(*optimized)["DynamicQuantizeMatMul"], 2);
  EXPECT_EQ(OpHistogram(*optimized)["MatMulInteger"], 0);
}

TEST(QuantizeDynamic, RefusesAConvOnlyModelAndSaysToQuantizeStatically) {
  const auto model = GraphBuilder("conv")
                         .Input("x", DType::kFloat32, {1, 1, 4, 4})
                         .Output("y", DType::kFloat32, {1, 1, 2, 2})
                         .RandomInitializer("w", {1, 1, 3, 3}, 1)
                         .Node("Conv", {"x", "w"}, {"y"})
                         .Build();
  auto quantized = QuantizeDynamic(model, {});
  ASSERT_FALSE(quantized.ok());
  EXPECT_THAT(quantized.status().message(), HasSubstr("nothing to quantize dynamically"));
  EXPECT_THAT(quantized.status().message(), HasSubstr("quantize it statically"));
  // The fix works: static quantization takes the Conv.
  testing::TempDir dir;
  const Tensor input = RandomTensor({1, 1, 4, 4}, 3);
  auto ranges = MinMaxRanges(model, {"x", "y"}, input, dir / "ranges.onnx");
  EXPECT_TRUE(QuantizeStatic(model, ranges, {}).ok());
}

}  // namespace
}  // namespace sweetspot
