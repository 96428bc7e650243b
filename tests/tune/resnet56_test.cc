// Accuracy-aware int8 on a real model: ResNet-56 (CIFAR-10) calibrated on a
// stratified 500 of the 10,000 CIFAR-10 test images and evaluated on the
// others, never on the calibration ones. The unit test evaluates on 500 of
// the 9,500 (evenly spaced, so the classes stay balanced; every step of the
// search evaluates them, which makes this the suite's costliest unit test);
// SWEETSPOT_AWARE_EVAL_SAMPLES=9500 runs the full figure, and
// SWEETSPOT_AWARE_BUDGET another budget than 0.3 points (ParseAccuracyBudget's
// text). It prints the step table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "scores.h"
#include "support/support.h"
#include "sweetspot/accuracy_aware.h"
#include "sweetspot/dataset.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/tensor_cache.h"

namespace sweetspot {
namespace {

constexpr std::size_t kCalibrationSamples = 500;
constexpr std::size_t kBatchRows = 32;

std::size_t EvaluationSamples() {
  const char* text = std::getenv("SWEETSPOT_AWARE_EVAL_SAMPLES");
  return text == nullptr ? 500 : std::strtoul(text, nullptr, 10);
}

std::string Budget() {
  const char* text = std::getenv("SWEETSPOT_AWARE_BUDGET");
  return text == nullptr ? "0.3" : text;
}

// `count` of the dataset's indices outside `excluded`, evenly spaced (an
// image folder lists its samples class by class, so the classes stay balanced).
std::vector<std::size_t> EvaluationIndices(std::size_t size, std::vector<std::size_t> excluded, std::size_t count) {
  std::sort(excluded.begin(), excluded.end());
  std::vector<std::size_t> rest;
  for (std::size_t i = 0; i < size; ++i) {
    if (!std::binary_search(excluded.begin(), excluded.end(), i)) rest.push_back(i);
  }
  if (count == 0 || count >= rest.size()) return rest;
  std::vector<std::size_t> picked;
  for (std::size_t k = 0; k < count; ++k) picked.push_back(rest[k * rest.size() / count]);
  return picked;
}

std::vector<Tensor> Batches(const PreparedTensors& tensors) {
  std::vector<Tensor> batches;
  for (std::size_t begin = 0; begin < tensors.size(); begin += kBatchRows) {
    batches.push_back(tensors.Batch(begin, std::min(kBatchRows, tensors.size() - begin)));
  }
  return batches;
}

TEST(AccuracyAwareResnet56, AZeroPointThreeBudgetOnCifar10) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model_path, "cifar10-resnet/resnet56_cifar10.onnx");
  SWEETSPOT_REQUIRE_SHARED_DATA(data_path, "cifar10-test");
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  auto model = LoadOnnxModel(model_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto dataset = OpenDataset(data_path);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto session = (*backend)->Load(model_path, {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  PreprocessSpec spec;  // ../shared/data/README.md: RGB, /255, ImageNet mean and std
  spec.mean = {0.485, 0.456, 0.406};
  spec.std = {0.229, 0.224, 0.225};
  auto resolved = Resolve(spec, (*session)->inputs()[0]);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();

  const std::vector<std::size_t> calibration_indices = StratifiedSubset(**dataset, kCalibrationSamples, 0);
  const std::vector<std::size_t> evaluation_indices =
      EvaluationIndices((*dataset)->size(), calibration_indices, EvaluationSamples());
  TensorCacheOptions cache;
  cache.enabled = false;
  auto calibration = PrepareTensors(**dataset, calibration_indices, *resolved, cache);
  auto evaluation = PrepareTensors(**dataset, evaluation_indices, *resolved, cache);
  ASSERT_TRUE(calibration.ok() && evaluation.ok());

  AccuracyAwareOptions options;
  auto budget = ParseAccuracyBudget(Budget());
  ASSERT_TRUE(budget.ok()) << budget.status().ToString();
  options.budget = *budget;
  auto tensors = StaticQuantizationTensors(*model, options.quantize);
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  auto ranges = CalibrateActivations(**backend, *model, *tensors, Batches(*calibration), {});
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  const std::vector<Tensor> batches = Batches(*evaluation);
  auto result = AccuracyAwareQuantize(**backend, *model, *ranges, {batches, evaluation->labels}, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::cout << calibration->size() << " calibration samples (minmax), " << result->evaluation_samples
            << " evaluation samples, ranking subset " << result->ranking_samples << "\n"
            << RenderAccuracyAwareTable(*result);

  // The model returned is the one measured: its top-1 on the evaluation set
  // is the chosen step's (or the float model's), within the budget.
  testing::TempDir dir;
  auto chosen = (*backend)->Load(testing::WriteModel(result->model, dir / "chosen.onnx"), {});
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  auto scores = tune::RunScores(**chosen, batches);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  const auto expected =
      result->quantized ? result->steps[result->chosen_step].top1_correct : result->float_top1_correct;
  EXPECT_EQ(static_cast<std::int64_t>(scores->CountCorrect(evaluation->labels)), expected);
  EXPECT_LE(100.0 * static_cast<double>(result->float_top1_correct - expected) /
                static_cast<double>(result->evaluation_samples),
            result->allowed_drop_points + 1e-9);
  EXPECT_EQ(IsQuantized(result->model), result->quantized);
}

}  // namespace
}  // namespace sweetspot
