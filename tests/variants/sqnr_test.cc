#include "sweetspot/sqnr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "runtime_fixture.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

// W [4,2] = {{1, 0}, {0, 1}, {1, -1}, {0.5, 0.5}}: int8 with scale 0.5 holds it exactly.
const std::vector<float> kWeights{1.0F, 0.0F, 0.0F, 1.0F, 1.0F, -1.0F, 0.5F, 0.5F};

// x [1,4] -> MatMul(W) "mm1" -> y [1,2] -> MatMul(W2) "mm2" -> z [1,1].
onnx::ModelProto FloatModel() {
  return GraphBuilder("float")
      .Input("x", DType::kFloat32, {1, 4})
      .Output("z", DType::kFloat32)
      .Initializer("W", {4, 2}, kWeights)
      .Initializer("W2", {2, 1}, {1.0F, 1.0F})
      .Node("MatMul", {"x", "W"}, {"y"})
      .Node("MatMul", {"y", "W2"}, {"z"})
      .Build();
}

// The same with quantize.h's naming contract: x uint8 (scale 0.1, zero
// point 250), W int8 per tensor (scale 0.5), y int8 (scale 0.13, zero point 0).
onnx::ModelProto QdqModel() {
  return GraphBuilder("qdq")
      .Input("x", DType::kFloat32, {1, 4})
      .Output("z", DType::kFloat32)
      .Initializer("x_scale", {}, {0.1F})
      .Int8Initializer("x_zero_point", DType::kUInt8, {}, {250})
      .Int8Initializer("W_quantized", DType::kInt8, {4, 2}, {2, 0, 0, 2, 2, -2, 1, 1})
      .Initializer("W_scale", {}, {0.5F})
      .Int8Initializer("W_zero_point", DType::kInt8, {}, {0})
      .Initializer("y_scale", {}, {0.13F})
      .Int8Initializer("y_zero_point", DType::kInt8, {}, {0})
      .Initializer("W2", {2, 1}, {1.0F, 1.0F})
      .Node("QuantizeLinear", {"x", "x_scale", "x_zero_point"}, {"x_quantized"})
      .Node("DequantizeLinear", {"x_quantized", "x_scale", "x_zero_point"}, {"x_dequantized"})
      .Node("DequantizeLinear", {"W_quantized", "W_scale", "W_zero_point"}, {"W_dequantized"})
      .Node("MatMul", {"x_dequantized", "W_dequantized"}, {"y"})
      .Node("QuantizeLinear", {"y", "y_scale", "y_zero_point"}, {"y_quantized"})
      .Node("DequantizeLinear", {"y_quantized", "y_scale", "y_zero_point"}, {"y_dequantized"})
      .Node("MatMul", {"y_dequantized", "W2"}, {"z"})
      .Build();
}

Tensor Row(const std::vector<float>& values) { return testing::FloatTensor({1, 4}, values); }

using Sqnr = testing::RuntimeTest;

double Db(double signal, double noise) { return 10.0 * std::log10(signal / noise); }

TEST_F(Sqnr, LocalAndCumulativeMatchAHandComputationWorstFirst) {
  // x = {0.12, -0.31, 0.5, 1}: x/0.1 + 250 rounds to {251, 247, 255, 260 -> 255},
  // so x_dequantized = {0.1, -0.3, 0.5, 0.5}.
  const std::vector<Tensor> batches{Row({0.12F, -0.31F, 0.5F, 1.0F})};
  auto layers = DiagnoseQuantization(*backend_, FloatModel(), QdqModel(), batches, {});
  ASSERT_TRUE(layers.ok()) << layers.status().ToString();
  ASSERT_EQ(layers->size(), 2U);  // the weight W has no QuantizeLinear: not an activation

  // x: its own quantization is all there is upstream.
  const double x_signal = 0.12 * 0.12 + 0.31 * 0.31 + 0.25 + 1.0;
  const double x_noise = 0.02 * 0.02 + 0.01 * 0.01 + 0.5 * 0.5;
  const auto& x = (*layers)[0];
  EXPECT_EQ(x.tensor, "x");
  EXPECT_EQ(x.node, "MatMul_4");  // builder names: op type and position
  EXPECT_NEAR(x.local_db, Db(x_signal, x_noise), 1e-3);
  EXPECT_NEAR(x.cumulative_db, Db(x_signal, x_noise), 1e-3);

  // y (float) = {1.12, -0.31}; /0.13 rounds to {9, -2}: {1.17, -0.26}.
  // y from x_dequantized = {0.85, -0.55}; /0.13 rounds to {7, -4}: {0.91, -0.52}.
  const double y_signal = 1.12 * 1.12 + 0.31 * 0.31;
  const auto& y = (*layers)[1];
  EXPECT_EQ(y.tensor, "y");
  EXPECT_EQ(y.node, "MatMul_7");
  EXPECT_NEAR(y.local_db, Db(y_signal, 0.05 * 0.05 + 0.05 * 0.05), 1e-3);
  EXPECT_NEAR(y.cumulative_db, Db(y_signal, 0.21 * 0.21 + 0.21 * 0.21), 1e-3);
}

TEST_F(Sqnr, ZeroNoiseIsPlusInfinityNotNaN) {
  const std::vector<Tensor> batches{Row({0.0F, 0.0F, 0.0F, 0.0F})};
  auto layers = DiagnoseQuantization(*backend_, FloatModel(), QdqModel(), batches, {});
  ASSERT_TRUE(layers.ok()) << layers.status().ToString();
  for (const auto& layer : *layers) {
    EXPECT_EQ(layer.local_db, std::numeric_limits<double>::infinity()) << layer.tensor;
    EXPECT_EQ(layer.cumulative_db, std::numeric_limits<double>::infinity()) << layer.tensor;
  }
}

TEST_F(Sqnr, AModelWithoutTheNamingContractIsRefused) {
  const std::vector<Tensor> batches{Row({0.1F, 0.2F, 0.3F, 0.4F})};
  auto layers = DiagnoseQuantization(*backend_, FloatModel(), FloatModel(), batches, {});
  ASSERT_FALSE(layers.ok());
  EXPECT_EQ(layers.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(layers.status().message().find("t_quantized"), std::string::npos) << layers.status().message();
}

TEST_F(Sqnr, NoBatchesIsAnError) {
  auto layers = DiagnoseQuantization(*backend_, FloatModel(), QdqModel(), {}, {});
  ASSERT_FALSE(layers.ok());
  EXPECT_NE(layers.status().message().find("at least one batch"), std::string::npos);
}

}  // namespace
}  // namespace sweetspot
