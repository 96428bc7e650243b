// The image extension against eval: a real Fashion-MNIST test image sent as
// PNG bytes gets exactly the logits of the tensor eval feeds the model.
#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "serve_test_util.h"
#include "sweetspot/dataset.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/model_server.h"

namespace sweetspot {
namespace {

const std::filesystem::path kFashionTest = "/usr/share/datasets/fashion-mnist/t10k";
const std::filesystem::path kModel =
    std::filesystem::path(SWEETSPOT_TEST_DIR) / "../examples/fashion-mnist/cnn-nano.onnx";

TEST(ImageRequestTest, APngGetsTheLogitsOfEvalsTensor) {
  if (!std::filesystem::exists(kFashionTest.string() + "-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << kFashionTest << "-images-idx3-ubyte.gz is missing (Debian package dataset-fashion-mnist); skipping";
  }
  auto dataset = OpenDataset(kFashionTest);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  const std::vector<std::size_t> indices = {0, 1, 2, 3};
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  TensorCacheOptions no_cache;
  no_cache.enabled = false;
  auto eval_inputs = PrepareModelInputs(**backend, kModel, **dataset, indices, {}, no_cache);
  ASSERT_TRUE(eval_inputs.ok()) << eval_inputs.status().ToString();
  const Tensor eval_batch = eval_inputs->tensors.Batch(0, indices.size());

  std::vector<std::string> pngs;
  for (std::size_t index : indices) {
    auto image = (*dataset)->Load(index);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    std::vector<unsigned char> png;
    ASSERT_TRUE(cv::imencode(".png", *image, png));
    pngs.emplace_back(png.begin(), png.end());
  }
  ServedModelOptions options;
  options.path = kModel;
  options.batching.max_batch_size = 4;  // the images arrive in one request, one run
  auto server = ModelServer::Create({options});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string input = eval_inputs->input.name;
  auto from_png = (*server)->Infer(testing::Request("cnn-nano", {testing::BytesTensor(input, pngs)}));
  ASSERT_TRUE(from_png.ok()) << from_png.status().ToString();
  const auto* values = static_cast<const float*>(eval_batch.data());
  InferTensor tensor =
      testing::Fp32Tensor(input, eval_batch.shape(), std::vector<float>(values, values + eval_batch.element_count()));
  auto from_tensor = (*server)->Infer(testing::Request("cnn-nano", {tensor}));
  ASSERT_TRUE(from_tensor.ok()) << from_tensor.status().ToString();
  ASSERT_EQ(from_png->outputs[0].shape, (std::vector<std::int64_t>{4, 10}));
  EXPECT_EQ(testing::Floats(from_png->outputs[0]), testing::Floats(from_tensor->outputs[0]));
  InferTensor column = testing::BytesTensor(input, pngs);  // shape [N,1], the other form the extension takes
  column.shape = {4, 1};
  auto from_column = (*server)->Infer(testing::Request("cnn-nano", {column}));
  ASSERT_TRUE(from_column.ok()) << from_column.status().ToString();
  EXPECT_EQ(testing::Floats(from_column->outputs[0]), testing::Floats(from_tensor->outputs[0]));
}

}  // namespace
}  // namespace sweetspot
