// The image extension against eval: a real Fashion-MNIST test image sent as
// PNG bytes gets exactly the logits of the tensor eval feeds the model.
#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "serve_test_util.h"
#include "support/exif_jpeg.h"
#include "support/support.h"
#include "sweetspot/dataset.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/image_decode.h"
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

// A JPEG with EXIF Orientation 6 is served in its displayed view: the same
// logits as the oriented pixels sent losslessly, not those of the stored bitmap.
TEST(ImageRequestTest, AnExifRotatedJpegIsDecodedInItsDisplayedView) {
  testing::TempDir dir;
  const std::string jpeg = testing::RotatedMarkedJpeg();
  testing::WriteFile(dir / "r.jpg", jpeg);
  std::vector<std::string> pngs;
  for (const ImageView view : {ImageView::kOriented, ImageView::kStoredGrid}) {
    auto pixels = ReadImage(dir / "r.jpg", view);
    ASSERT_TRUE(pixels.ok()) << pixels.status().ToString();
    std::vector<unsigned char> png;
    ASSERT_TRUE(cv::imencode(".png", *pixels, png));
    pngs.emplace_back(png.begin(), png.end());
  }
  ServedModelOptions options;
  options.path = kModel;
  auto server = ModelServer::Create({options});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string input = (*server)->Models().at(0).inputs.at(0).name;
  const auto logits = [&](const std::string& bytes) {
    auto answer = (*server)->Infer(testing::Request("cnn-nano", {testing::BytesTensor(input, {bytes})}));
    EXPECT_TRUE(answer.ok()) << answer.status().ToString();
    return answer.ok() ? testing::Floats(answer->outputs[0]) : std::vector<float>();
  };
  const std::vector<float> from_jpeg = logits(jpeg);
  ASSERT_EQ(from_jpeg.size(), 10U);
  EXPECT_EQ(from_jpeg, logits(pngs[0]));
  EXPECT_NE(from_jpeg, logits(pngs[1]));  // the orientation changes what the model sees
}

}  // namespace
}  // namespace sweetspot
