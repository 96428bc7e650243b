#include "sweetspot/calibration.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "runtime_fixture.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

// x [N,1,2,2] -> Conv 1x1 (weight 2, bias -1) -> "conv" -> Relu -> "relu" ->
// Flatten -> "flat" [N,4] -> Gemm (B [4,2]: column 0 sums, column 1 is minus
// the last value; C = {0.5, 0}) -> "logits" [N,2].
onnx::ModelProto ConvReluGemm() {
  return GraphBuilder("conv_relu_gemm")
      .Input("x", DType::kFloat32, {-1, 1, 2, 2}, {"N"})
      .Output("logits", DType::kFloat32)
      .Initializer("w", {1, 1, 1, 1}, {2.0F})
      .Initializer("b", {1}, {-1.0F})
      .Initializer("B", {4, 2}, {1, 0, 1, 0, 1, 0, 1, -1})
      .Initializer("C", {2}, {0.5F, 0.0F})
      .Node("Conv", {"x", "w", "b"}, {"conv"}, {Attr("kernel_shape", std::vector<int64_t>{1, 1})})
      .Node("Relu", {"conv"}, {"relu"})
      .Node("Flatten", {"relu"}, {"flat"})
      .Node("Gemm", {"flat", "B", "C"}, {"logits"})
      .Build();
}

class Calibration : public testing::RuntimeTest {
 protected:
  void SetUp() override {
    RuntimeTest::SetUp();
    // conv = 2x - 1: batch 1 {-1, -0.5, 0, 1}, batch 2 {-3, 3, 0, 0.5};
    // relu: {0, 0, 0, 1}, {0, 3, 0, 0.5}; logits: {1.5, -1}, {4, -0.5}.
    batches_.push_back(testing::FloatTensor({1, 1, 2, 2}, {0.0F, 0.25F, 0.5F, 1.0F}));
    batches_.push_back(testing::FloatTensor({1, 1, 2, 2}, {-1.0F, 2.0F, 0.5F, 0.75F}));
  }

  Result<ActivationRanges> Calibrate(CalibrationOptions options, std::vector<std::string> tensors) {
    return CalibrateActivations(*backend_, ConvReluGemm(), tensors, batches_, options);
  }

  std::vector<Tensor> batches_;
};

void ExpectRange(const ActivationRanges& ranges, const std::string& tensor, float min, float max) {
  ASSERT_TRUE(ranges.contains(tensor)) << tensor;
  EXPECT_FLOAT_EQ(ranges.at(tensor).min, min) << tensor;
  EXPECT_FLOAT_EQ(ranges.at(tensor).max, max) << tensor;
}

TEST_F(Calibration, MinMaxRangesOfInputIntermediatesAndOutputMatchAHandComputation) {
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  auto ranges =
      CalibrateActivations(*backend_, ConvReluGemm(), std::vector<std::string>{"x", "conv", "relu", "logits"}, batches_,
                           {}, [&](std::size_t done, std::size_t total) { calls.emplace_back(done, total); });
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  ExpectRange(*ranges, "x", -1.0F, 2.0F);
  ExpectRange(*ranges, "conv", -3.0F, 3.0F);
  ExpectRange(*ranges, "relu", 0.0F, 3.0F);
  ExpectRange(*ranges, "logits", -1.0F, 4.0F);
  EXPECT_EQ(calls, (std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}, {2, 2}}));
}

TEST_F(Calibration, HistogramMethodsStayWithinTheMinMaxRangeAndIncludeZero) {
  CalibrationOptions options;
  options.method = CalibrationMethod::kPercentile;
  options.percentile = 100.0;
  auto percentile = Calibrate(options, {"conv", "relu"});
  ASSERT_TRUE(percentile.ok()) << percentile.status().ToString();
  ExpectRange(*percentile, "relu", 0.0F, 3.0F);  // 100 %: every |x|, clipped to what was seen
  ExpectRange(*percentile, "conv", -3.0F, 3.0F);
  options.method = CalibrationMethod::kEntropy;
  auto entropy = Calibrate(options, {"conv", "relu"});
  ASSERT_TRUE(entropy.ok()) << entropy.status().ToString();
  for (const auto& [name, range] : *entropy) {
    EXPECT_LE(range.min, 0.0F) << name;
    EXPECT_GE(range.max, 0.0F) << name;
    EXPECT_GE(range.min, -3.0F) << name;
    EXPECT_LE(range.max, 3.0F) << name;
  }
}

TEST_F(Calibration, AnUnknownTensorIsNamed) {
  auto ranges = Calibrate({}, {"relu", "conv_out"});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ranges.status().message().find("'conv_out'"), std::string::npos) << ranges.status().message();
}

TEST_F(Calibration, NoBatchesIsAnError) {
  batches_.clear();
  auto ranges = Calibrate({}, {"relu"});
  ASSERT_FALSE(ranges.ok());
  EXPECT_NE(ranges.status().message().find("at least one batch"), std::string::npos);
}

TEST_F(Calibration, ANonFloatTensorIsNamed) {
  auto model = ConvReluGemm();
  auto* shape = model.mutable_graph()->add_node();
  shape->set_op_type("Shape");
  shape->add_input("x");
  shape->add_output("x_shape");
  auto ranges = CalibrateActivations(*backend_, model, std::vector<std::string>{"x_shape"}, batches_, {});
  ASSERT_FALSE(ranges.ok());
  EXPECT_NE(ranges.status().message().find("'x_shape' is int64"), std::string::npos) << ranges.status().message();
}

TEST_F(Calibration, ABatchTheModelRefusesNamesTheBatch) {
  batches_.push_back(Tensor::Owned(DType::kFloat32, {1, 3, 2, 2}));
  auto ranges = Calibrate({}, {"relu"});
  ASSERT_FALSE(ranges.ok());
  EXPECT_NE(ranges.status().message().find("calibration batch 3 of 3"), std::string::npos) << ranges.status().message();
}

TEST_F(Calibration, OptionsOutOfRangeNameTheField) {
  CalibrationOptions options;
  options.method = CalibrationMethod::kPercentile;
  options.percentile = 0.0;
  auto ranges = Calibrate(options, {"relu"});
  ASSERT_FALSE(ranges.ok());
  EXPECT_NE(ranges.status().message().find("percentile"), std::string::npos);
  options.method = CalibrationMethod::kEntropy;
  options.quantized_bins = 4096;
  ranges = Calibrate(options, {"relu"});
  ASSERT_FALSE(ranges.ok());
  EXPECT_NE(ranges.status().message().find("quantized_bins"), std::string::npos);
}

}  // namespace
}  // namespace sweetspot
