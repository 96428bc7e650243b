// Static int8 of a real model on real images: resnet56 (CIFAR-10) calibrated
// with min/max on 100 test images, compared with float32 on 200 others.
#include <algorithm>
#include <cstddef>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "quantize_test_support.h"
#include "support/support.h"
#include "sweetspot/backend.h"
#include "sweetspot/calibration.h"
#include "sweetspot/dataset.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/quantize.h"

namespace sweetspot {
namespace {

using namespace quantize_test;

// ../shared/data/README.md's preprocessing of the CIFAR-10 models.
PreprocessSpec CifarPreprocessing() {
  PreprocessSpec spec;
  spec.width = 32;
  spec.height = 32;
  spec.mean = {0.485, 0.456, 0.406};
  spec.std = {0.229, 0.224, 0.225};
  return spec;
}

Tensor DecodeBatch(const Dataset& dataset, const std::vector<std::size_t>& indices) {
  const PreprocessSpec spec = CifarPreprocessing();
  Tensor batch = Tensor::Owned(DType::kFloat32, {static_cast<int64_t>(indices.size()), 3, 32, 32});
  auto bytes = std::as_writable_bytes(batch.values<float>());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    auto image = dataset.Load(indices[i]);
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    if (!image.ok()) continue;
    const auto status =
        ApplyPreprocess(spec, *image, bytes.subspan(i * spec.SampleSizeBytes(), spec.SampleSizeBytes()));
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  return batch;
}

std::vector<int> Top1(const Tensor& logits) {
  std::vector<int> classes;
  const auto values = logits.values<float>();
  const auto count = static_cast<std::size_t>(logits.shape()[1]);
  for (std::size_t row = 0; row * count < values.size(); ++row) {
    const auto first = values.begin() + static_cast<std::ptrdiff_t>(row * count);
    classes.push_back(static_cast<int>(std::max_element(first, first + static_cast<std::ptrdiff_t>(count)) - first));
  }
  return classes;
}

TEST(QuantizeStaticRealModel, Resnet56RunsOnIntegerKernelsAndKeepsItsTop1) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model_path, "cifar10-resnet/resnet56_cifar10.onnx");
  SWEETSPOT_REQUIRE_SHARED_DATA(images_path, "cifar10-test");
  auto model = LoadOnnxModel(model_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto dataset = OpenImageFolder(images_path);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();

  const auto calibration = StratifiedSubset(**dataset, 100, 1);
  const std::set<std::size_t> calibration_set(calibration.begin(), calibration.end());
  std::vector<std::size_t> evaluation;
  for (auto i : StratifiedSubset(**dataset, 300, 2)) {
    if (!calibration_set.contains(i) && evaluation.size() < 200) evaluation.push_back(i);
  }
  std::vector<Tensor> batches;
  for (std::size_t first = 0; first < calibration.size(); first += 25) {
    batches.push_back(DecodeBatch(**dataset, {calibration.begin() + static_cast<std::ptrdiff_t>(first),
                                              calibration.begin() + static_cast<std::ptrdiff_t>(first + 25)}));
  }

  auto tensors = StaticQuantizationTensors(*model, {});
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok());
  auto ranges = CalibrateActivations(**backend, *model, *tensors, batches, {});
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  QuantizeReport report;
  auto quantized = QuantizeStatic(*model, *ranges, {}, &report);
  ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();
  EXPECT_TRUE(report.skipped.empty());

  testing::TempDir dir;
  const Tensor images = DecodeBatch(**dataset, evaluation);
  BackendOptions options;
  options.optimized_model_path = dir / "optimized.onnx";
  const auto int8 = RunModel(*quantized, images, dir / "int8.onnx", options);
  const auto fp32 = RunModel(*model, images, dir / "fp32.onnx");
  ASSERT_FALSE(int8.empty());
  ASSERT_FALSE(fp32.empty());
  auto optimized = LoadOnnxModel(options.optimized_model_path);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  auto ops = OpHistogram(*optimized);
  EXPECT_EQ(ops["QLinearConv"], 57);
  EXPECT_EQ(ops["QLinearAdd"], 27);
  EXPECT_EQ(ops["Conv"] + ops["FusedConv"], 0);

  const auto int8_top1 = Top1(int8[0]);
  const auto fp32_top1 = Top1(fp32[0]);
  int int8_correct = 0;
  int fp32_correct = 0;
  int agree = 0;
  for (std::size_t i = 0; i < evaluation.size(); ++i) {
    const int label = (*dataset)->sample(evaluation[i]).label;
    int8_correct += int8_top1[i] == label ? 1 : 0;
    fp32_correct += fp32_top1[i] == label ? 1 : 0;
    agree += int8_top1[i] == fp32_top1[i] ? 1 : 0;
  }
  // On 200 images one point is two images: a loose bound; the figures on
  // 1,000 images are in the closing note.
  EXPECT_GE(int8_correct, fp32_correct - 6) << "int8 " << int8_correct << " vs fp32 " << fp32_correct << " of 200";
  EXPECT_GE(agree, 190) << "top-1 agreement of int8 with fp32";
}

}  // namespace
}  // namespace sweetspot
