#include "sweetspot/accuracy_aware.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

constexpr int kClasses = 3;

// Rows of x [4]: feature 0 is an outlier (uniform in +-`outlier`) that
// carries nothing; features 1..3 are small and the largest is the label.
// Uint8 quantization of x with its calibrated range (about +-outlier) rounds
// the small features to the zero point.
struct Samples {
  std::vector<Tensor> batches;
  std::vector<int> labels;
};

Samples MakeSamples(std::size_t count, std::size_t batch_rows, float outlier, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0F, 1.0F);
  Samples samples;
  for (std::size_t begin = 0; begin < count; begin += batch_rows) {
    const std::size_t rows = std::min(batch_rows, count - begin);
    Tensor batch = Tensor::Owned(DType::kFloat32, {static_cast<std::int64_t>(rows), 4});
    auto values = batch.values<float>();
    for (std::size_t r = 0; r < rows; ++r) {
      const int label = static_cast<int>((begin + r) % kClasses);
      values[r * 4] = outlier * (2.0F * unit(rng) - 1.0F);
      for (int c = 0; c < kClasses; ++c) {
        values[r * 4 + 1 + c] = c == label ? 0.04F + 0.01F * unit(rng) : 0.02F * (2.0F * unit(rng) - 1.0F);
      }
      samples.labels.push_back(label);
    }
    samples.batches.push_back(std::move(batch));
  }
  return samples;
}

std::vector<float> Diagonal(std::initializer_list<float> diagonal) {
  const std::size_t n = diagonal.size();
  std::vector<float> values(n * n, 0.0F);
  std::size_t i = 0;
  for (float d : diagonal) values[i * n + i] = d, ++i;
  return values;
}

// x [N,4] -> MatMul "sensitive" (W1) -> y -> MatMul "middle" (identity) -> h
// -> MatMul "head" (drops feature 0) -> logits [N,3].
// W1 = diag(0,1,1,1) drops the outlier, so only x (read by "sensitive"
// alone) has it; W1 = identity passes it on to y and h as well.
onnx::ModelProto Classifier(bool outlier_passes_on) {
  const std::vector<float> head{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};  // [4,3]
  return GraphBuilder("classifier")
      .Input("x", DType::kFloat32, {-1, 4}, {"N"})
      .Output("logits", DType::kFloat32, {-1, kClasses}, {"N"})
      .Initializer("W1", {4, 4}, outlier_passes_on ? Diagonal({1, 1, 1, 1}) : Diagonal({0, 1, 1, 1}))
      .Initializer("W2", {4, 4}, Diagonal({1, 1, 1, 1}))
      .Initializer("W3", {4, kClasses}, head)
      .Node("MatMul", {"x", "W1"}, {"y"})
      .Node("MatMul", {"y", "W2"}, {"h"})
      .Node("MatMul", {"h", "W3"}, {"logits"})
      .Build();
}

// The builder names nodes by op type and position; the test names them.
onnx::ModelProto Named(onnx::ModelProto model) {
  const char* names[] = {"sensitive", "middle", "head"};
  for (int i = 0; i < model.graph().node_size(); ++i) model.mutable_graph()->mutable_node(i)->set_name(names[i]);
  return model;
}

class AccuracyAware : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = CreateBackend("onnxruntime");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    backend_ = std::move(*created);
    options_.latency.stopping.min_duration = std::chrono::duration<double>(0.02);
    options_.latency.stopping.max_duration = std::chrono::duration<double>(0.2);
    options_.latency.stopping.min_count = 10;
    options_.latency.warmup_max_duration = std::chrono::duration<double>(0.1);
    options_.ranking_samples = 60;
  }

  // Calibrates `model` on samples of their own (never the evaluation ones)
  // and runs the search over 300 evaluation samples.
  Result<AccuracyAwareResult> Search(const onnx::ModelProto& model, float outlier) {
    const Samples calibration = MakeSamples(90, 30, outlier, 7);
    evaluation_ = MakeSamples(300, 50, outlier, 11);
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<std::string> tensors, StaticQuantizationTensors(model, options_.quantize));
    SWEETSPOT_ASSIGN_OR_RETURN(ActivationRanges ranges,
                               CalibrateActivations(*backend_, model, tensors, calibration.batches, {}));
    return AccuracyAwareQuantize(*backend_, model, ranges, {evaluation_.batches, evaluation_.labels}, options_);
  }

  std::unique_ptr<Backend> backend_;
  AccuracyAwareOptions options_;
  Samples evaluation_;
};

TEST_F(AccuracyAware, RevertsTheSensitiveLayerFirstAndEndsWithinTheBudget) {
  options_.budget = {AccuracyBudget::Kind::kPoints, 1.0};
  auto result = Search(Named(Classifier(false)), 1000.0F);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_DOUBLE_EQ(result->float_top1, 1.0);
  ASSERT_FALSE(result->steps.empty());
  EXPECT_FALSE(result->steps[0].within_budget) << "int8 of x should destroy the small features";
  EXPECT_GT(result->steps[0].drop_points, 30.0);
  EXPECT_EQ(result->ranking_samples, 60U);
  ASSERT_EQ(result->ranking.size(), 3U);
  EXPECT_EQ(result->ranking[0].node, "sensitive");
  EXPECT_GT(result->ranking[0].top1_gain_points, result->ranking[1].top1_gain_points);
  ASSERT_GE(result->steps.size(), 2U);
  EXPECT_EQ(result->steps[1].reverted_node, "sensitive");
  EXPECT_TRUE(result->steps[1].within_budget) << RenderAccuracyAwareTable(*result);
  // The choice depends on timing: the int8 model within the budget, or the
  // float model when it was not faster; either way within the budget.
  if (result->quantized) {
    ASSERT_GE(result->chosen_step, 1);
    EXPECT_TRUE(result->steps[result->chosen_step].within_budget);
    EXPECT_EQ(result->float_nodes.front(), "sensitive");
    EXPECT_EQ(result->float_nodes.size(), static_cast<std::size_t>(result->chosen_step));
    EXPECT_TRUE(IsQuantized(result->model));
  } else {
    EXPECT_EQ(result->chosen_step, -1);
    EXPECT_NE(result->message.find("not faster than fp32"), std::string::npos) << result->message;
    EXPECT_FALSE(IsQuantized(result->model));
  }
}

TEST_F(AccuracyAware, ABudgetMetByTheFullyQuantizedModelTakesNoStep) {
  options_.budget = {AccuracyBudget::Kind::kPoints, 5.0};
  auto result = Search(Named(Classifier(false)), 0.02F);  // no outlier: int8 is harmless
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->steps.size(), 1U);
  EXPECT_TRUE(result->steps[0].within_budget);
  EXPECT_TRUE(result->ranking.empty());
  EXPECT_EQ(result->ranking_samples, 0U);
  EXPECT_TRUE(result->float_nodes.empty());
  EXPECT_EQ(result->quantized, result->chosen_step == 0);
}

TEST_F(AccuracyAware, AnImpossibleBudgetReturnsTheFloatModelWithAMessage) {
  // The outlier reaches x, y and h: every model with a node left quantized
  // still quantizes one of them.
  options_.budget = {AccuracyBudget::Kind::kPoints, 1.0};
  auto result = Search(Named(Classifier(true)), 1000.0F);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->quantized);
  EXPECT_EQ(result->chosen_step, -1);
  EXPECT_EQ(result->steps.size(), 3U);  // fully int8, then all but one node reverted
  for (const auto& step : result->steps) EXPECT_FALSE(step.within_budget) << step.step;
  EXPECT_NE(result->message.find("no int8 model met the budget of 1 point after 2 revert(s)"), std::string::npos)
      << result->message;
  EXPECT_FALSE(IsQuantized(result->model));
  EXPECT_EQ(result->model.graph().node_size(), 3);
}

TEST_F(AccuracyAware, LabelsThatDoNotMatchTheBatchesAreRefused) {
  const Samples evaluation = MakeSamples(10, 5, 1.0F, 3);
  const std::vector<int> labels(9, 0);
  auto result = AccuracyAwareQuantize(*backend_, Named(Classifier(false)), {}, {evaluation.batches, labels}, options_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("10 rows but 9 labels"), std::string::npos) << result.status().message();
}

TEST_F(AccuracyAware, ALabelOutsideTheModelsClassesIsRefused) {
  const Samples evaluation = MakeSamples(10, 5, 1.0F, 3);
  std::vector<int> labels = evaluation.labels;
  labels[7] = kClasses;
  auto result = AccuracyAwareQuantize(*backend_, Named(Classifier(false)), {}, {evaluation.batches, labels}, options_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("label 3 (row 7) is outside the model's 3 classes"), std::string::npos)
      << result.status().message();
}

TEST_F(AccuracyAware, ANegativeBudgetAndAnEmptyRankingSubsetAreRefused) {
  const Samples evaluation = MakeSamples(10, 5, 1.0F, 3);
  options_.budget.value = -0.1;
  auto negative =
      AccuracyAwareQuantize(*backend_, Named(Classifier(false)), {}, {evaluation.batches, evaluation.labels}, options_);
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("budget is negative"), std::string::npos);
  options_.budget.value = 0.3;
  options_.ranking_samples = 0;
  auto empty =
      AccuracyAwareQuantize(*backend_, Named(Classifier(false)), {}, {evaluation.batches, evaluation.labels}, options_);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("ranking_samples is 0"), std::string::npos);
}

}  // namespace
}  // namespace sweetspot
