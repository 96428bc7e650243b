// Acceptance (issue 8): `sweetspot eval` of a TF-origin ImageNet-style model
// with resize = "central-crop" and interpolation = "area" reproduces the
// model's reference pipeline exactly: a plain OpenCV centred square crop,
// cv::resize INTER_AREA, TF's x / 127.5 - 1 in NHWC, and the model run
// through ONNX Runtime, on images this test draws itself.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support/support.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::RunCli;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr int kSize = 16;
constexpr int kClasses = 10;
constexpr double kCropFraction = 0.875;

// input [N,16,16,3] (NHWC, as TF exports) -> Flatten -> Gemm with seeded
// random weights -> [N,10] logits: every pixel moves the prediction.
onnx::ModelProto TfStyleClassifier() {
  GraphBuilder b("tf_style");
  b.Input("images", DType::kFloat32, {-1, kSize, kSize, 3}, {"N"});
  b.RandomInitializer("W", {kSize * kSize * 3, kClasses}, /*seed=*/7, 0.5F);
  b.RandomInitializer("B", {kClasses}, /*seed=*/8, 0.1F);
  b.Node("Flatten", {"images"}, {"flat"}, {Attr("axis", int64_t{1})});
  b.Node("Gemm", {"flat", "W", "B"}, {"logits"});
  b.Output("logits", DType::kFloat32, {-1, kClasses}, {"N", ""});
  return b.Build();
}

// A smooth random picture of `width` x `height` (blobs, so where the crop
// falls changes what the model sees).
cv::Mat RandomPicture(int width, int height, int seed) {
  cv::RNG rng(static_cast<std::uint64_t>(seed));
  cv::Mat coarse(5, 5, CV_8UC3);
  rng.fill(coarse, cv::RNG::UNIFORM, 0, 256);
  cv::Mat out;
  cv::resize(coarse, out, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  return out;
}

// The reference pipeline, written with OpenCV alone.
std::vector<float> ReferenceInput(const fs::path& file) {
  const cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
  const int side = static_cast<int>(std::min(bgr.cols, bgr.rows) * kCropFraction + 1e-9);
  const cv::Mat square = bgr(cv::Rect((bgr.cols - side + 1) / 2, (bgr.rows - side + 1) / 2, side, side));
  cv::Mat resized;
  cv::resize(square, resized, cv::Size(kSize, kSize), 0, 0, cv::INTER_AREA);
  std::vector<float> nhwc;
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      const cv::Vec3b px = resized.at<cv::Vec3b>(y, x);
      for (int c = 2; c >= 0; --c) nhwc.push_back(static_cast<float>(px[c] * (1.0 / 127.5) - 1.0));  // RGB
    }
  }
  return nhwc;
}

int ReferencePrediction(Session& session, const fs::path& file) {
  const std::vector<float> input = ReferenceInput(file);
  Tensor tensor = Tensor::Owned(DType::kFloat32, {1, kSize, kSize, 3});
  std::copy(input.begin(), input.end(), tensor.values<float>().begin());
  std::vector<Tensor> feed;
  feed.push_back(std::move(tensor));
  auto out = session.Run(feed);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  const auto scores = out->front().values<float>();
  return static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

// Predicted class index per sample id, from an eval predictions CSV.
std::map<std::string, int> PredictionsById(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  std::map<std::string, int> out;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream row(line);
    for (std::string f; std::getline(row, f, ',');) fields.push_back(f);
    out[fields.at(1)] = std::stoi(fields.at(4).substr(1));  // "c7" -> 7
  }
  return out;
}

TEST(CentralCropAcceptance, EvalReproducesTheTfReferencePipelineExactly) {
  TempDir dir;
  const fs::path model = testing::WriteModel(TfStyleClassifier(), dir / "tf_model.onnx");
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  auto session = (*backend)->Load(model, BackendOptions{});
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  // 24 pictures of assorted shapes; a third labelled against the reference
  // so that top-1 is neither 0 nor 1.
  const int sizes[][2] = {{40, 30}, {30, 40}, {57, 57}, {64, 23}, {23, 64}, {99, 71}, {33, 50}, {120, 90}};
  std::string manifest = "path,label\n";
  std::map<std::string, int> reference;
  int reference_correct = 0;
  for (int i = 0; i < 24; ++i) {
    const std::string name = "img" + std::to_string(i) + ".png";
    ASSERT_TRUE(cv::imwrite((dir / name).string(), RandomPicture(sizes[i % 8][0], sizes[i % 8][1], i + 1)));
    reference[name] = ReferencePrediction(**session, dir / name);
    const int label = i % 3 == 0 ? (reference[name] + 1) % kClasses : reference[name];
    reference_correct += label == reference[name] ? 1 : 0;
    manifest += name + "," + std::to_string(label) + "\n";
  }
  testing::WriteFile(dir / "val.csv", manifest);
  std::string classes;
  for (int c = 0; c < kClasses; ++c) classes += "c" + std::to_string(c) + "\n";
  testing::WriteFile(dir / "classes.txt", classes);
  testing::WriteFile(dir / "tf.toml",
                     "resize = \"central-crop\"\ncrop_fraction = 0.875\ninterpolation = \"area\"\n"
                     "layout = \"nhwc\"\nscale = 0.00784313725490196\nmean = [1, 1, 1]\nstd = [1, 1, 1]\n");

  const std::string eval = "eval '" + model.string() + "' --data '" + (dir / "val.csv").string() + "' --classes '" +
                           (dir / "classes.txt").string() + "' --preprocess '" + (dir / "tf.toml").string() +
                           "' --no-cache --json - --predictions '";
  const auto r = RunCli(eval + (dir / "central.csv").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["preprocess"]["resize"], "central-crop");
  EXPECT_EQ(doc["metrics"]["top1_correct"], reference_correct);
  EXPECT_EQ(PredictionsById(dir / "central.csv"), reference);

  // torchvision's order (resize, then crop) sees other pixels: the test can tell the two apart.
  const auto other = RunCli(eval + (dir / "shorter.csv").string() + "' --resize shorter-crop");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(PredictionsById(dir / "shorter.csv"), reference);
}

}  // namespace
}  // namespace sweetspot
