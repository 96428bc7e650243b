// `sweetspot train` end to end on tiny IDX data: a model and cost file that
// `sweetspot eval` agrees with, and each bad input of the issue (exit 2, one
// line naming the flag or file and the fix).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/support.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCli;
using testing::TempDir;

void PutBigEndian32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
}

// PREFIX-images-idx3-ubyte and PREFIX-labels-idx1-ubyte: `labels.size()`
// images of side x side pixels; class k has bright stripes every k+2 columns.
void WriteIdx(const fs::path& prefix, int side, const std::vector<int>& labels) {
  std::string images;
  PutBigEndian32(images, 0x00000803);
  PutBigEndian32(images, static_cast<std::uint32_t>(labels.size()));
  PutBigEndian32(images, static_cast<std::uint32_t>(side));
  PutBigEndian32(images, static_cast<std::uint32_t>(side));
  std::string label_bytes;
  PutBigEndian32(label_bytes, 0x00000801);
  PutBigEndian32(label_bytes, static_cast<std::uint32_t>(labels.size()));
  for (std::size_t n = 0; n < labels.size(); ++n) {
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        const bool stripe = x % (labels[n] + 2) == 0;
        images += static_cast<char>(stripe ? 200 + (y + static_cast<int>(n)) % 50 : (x * 7 + y * 3) % 40);
      }
    }
    label_bytes += static_cast<char>(labels[n]);
  }
  testing::WriteFile(prefix.string() + "-images-idx3-ubyte", images);
  testing::WriteFile(prefix.string() + "-labels-idx1-ubyte", label_bytes);
}

std::vector<int> Alternating(int count, int classes) {
  std::vector<int> labels;
  for (int i = 0; i < count; ++i) labels.push_back(i % classes);
  return labels;
}

// One line on stderr, naming what the test expects.
void ExpectOneLineError(const testing::CommandResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(needle));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "out");
    WriteIdx(dir_ / "train", 16, Alternating(96, 3));
    WriteIdx(dir_ / "test", 16, Alternating(30, 3));
  }
  std::string Common() const {
    return "--data '" + (dir_ / "train").string() +
           "' --family cnn --width 4 --batch 16 --threads 1 "
           "--no-cache ";
  }
  TempDir dir_;
};

TEST_F(TrainCli, TrainsExportsAndCostsAModelThatEvalReadsWithoutFlags) {
  const std::string test = (dir_ / "test").string();
  auto r = RunCli("train " + Common() + "--presets nano --test-data '" + test + "' --epochs 3 --lr 0.01 --out '" +
                  (dir_ / "out").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("epoch 3/3"));
  const fs::path model = dir_ / "out" / "cnn-w4-d1.onnx";
  const fs::path cost_file = dir_ / "out" / "cnn-w4-d1.cost.json";
  ASSERT_TRUE(fs::exists(model)) << r.out;
  ASSERT_TRUE(fs::exists(cost_file));
  std::ifstream in(cost_file);
  const nlohmann::json cost = nlohmann::json::parse(in);
  EXPECT_THAT(cost["command"].get<std::string>(), HasSubstr("sweetspot train --data"));
  EXPECT_EQ(cost["training"]["train_samples"], 87);  // 96 less round(10 % of 32) per class
  EXPECT_EQ(cost["training"]["epochs_run"], 3);
  EXPECT_GT(cost["cost"]["peak_rss_bytes"].get<std::int64_t>(), 10 << 20);
  EXPECT_EQ(cost["cost"]["peak_rss_source"], "wait4 ru_maxrss of the training child process");
  EXPECT_GT(cost["cost"]["mean_epoch_ms"].get<double>(), 0.0);
  EXPECT_GT(cost["model_stats"]["macs_per_image"].get<std::int64_t>(), 0);
  EXPECT_GT(cost["model_stats"]["param_count_onnx"].get<std::int64_t>(), 0);
  EXPECT_EQ(cost["accuracy"]["test"]["samples"], 30);
  EXPECT_GT(cost["accuracy"]["val_top1"].get<double>(), 0.5) << "chance is 1/3";

  auto eval = RunCli("eval '" + model.string() + "' --data '" + test + "' --no-cache --json -");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const nlohmann::json result = nlohmann::json::parse(eval.out);
  EXPECT_DOUBLE_EQ(result["metrics"]["top1"].get<double>(), cost["accuracy"]["test"]["top1"].get<double>());
  // No temporary files are left beside the results.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_ / "out")) names.push_back(entry.path().filename().string());
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("cnn-w4-d1.onnx", "cnn-w4-d1.cost.json"));
}

TEST_F(TrainCli, PrunesATrainedModelAndFineTunesItWithItsLineage) {
  const std::string out = (dir_ / "out").string();
  auto parent = RunCli("train " + Common() + "--presets nano --epochs 3 --lr 0.01 --out '" + out + "'");
  ASSERT_EQ(parent.exit_code, 0) << parent.err;
  const fs::path parent_model = dir_ / "out" / "cnn-w4-d1.onnx";
  const std::string prune = "train --data '" + (dir_ / "train").string() + "' --test-data '" +
                            (dir_ / "test").string() + "' --from '" + parent_model.string() +
                            "' --batch 16 --threads 1 --no-cache --epochs 1 --lr 0.002 --out '" + out + "' --prune ";
  // Width 4 cannot lose 95 % of its channels and keep one; the range given works.
  ExpectOneLineError(RunCli(prune + "0.95"), "use a fraction between 0.13 and 0.87");
  auto r = RunCli(prune + "0.5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("training cnn-w4-d1-pruned50 (width 2, depth 1"));
  std::ifstream in(dir_ / "out" / "cnn-w4-d1-pruned50.cost.json");
  const nlohmann::json cost = nlohmann::json::parse(in);
  EXPECT_EQ(cost["pruned_from"]["model"], parent_model.string());
  EXPECT_EQ(cost["pruned_from"]["fraction"], 0.5);
  EXPECT_EQ(cost["arch"]["width"], 2);
  EXPECT_EQ(cost["accuracy"]["test"]["samples"], 30);
  // One epoch at a low rate keeps what the parent learned (chance is 1/3).
  EXPECT_GT(cost["accuracy"]["val_top1"].get<double>(), 0.5);
  auto info = RunCli("inspect '" + (dir_ / "out" / "cnn-w4-d1-pruned50.onnx").string() + "'");
  EXPECT_EQ(info.exit_code, 0) << info.err;
}

TEST_F(TrainCli, PruneRefusesAModelItDidNotTrainAndPresetFlags) {
  const fs::path other = testing::WriteModel(GraphBuilder("other")
                                                 .Input("x", DType::kFloat32, {1, 4})
                                                 .Node("Relu", {"x"}, {"y"})
                                                 .Output("y", DType::kFloat32)
                                                 .Build(),
                                             dir_ / "other.onnx");
  const std::string prune = "train --data '" + (dir_ / "train").string() + "' --out '" + (dir_ / "out").string() +
                            "' --prune 0.5 --from '" + other.string() + "'";
  ExpectOneLineError(RunCli(prune), "was not trained by `sweetspot train`");
  EXPECT_EQ(RunCli(prune + " --presets small").exit_code, 2);
  EXPECT_EQ(RunCli("train --data x --out y --prune 0.5").exit_code, 2);  // --prune needs --from
}

TEST_F(TrainCli, RejectsADatasetWithOneClass) {
  WriteIdx(dir_ / "one", 16, std::vector<int>(20, 0));
  auto r = RunCli("train --data '" + (dir_ / "one").string() + "' --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "only one class");
  EXPECT_THAT(r.err, HasSubstr("--data"));
}

TEST_F(TrainCli, RejectsAnImageSizeTheArchitectureCannotTake) {
  WriteIdx(dir_ / "odd", 10, Alternating(20, 2));
  auto r = RunCli("train --data '" + (dir_ / "odd").string() + "' --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "multiples of 4");
  EXPECT_THAT(r.err, HasSubstr("--size 12x12"));

  r = RunCli("train " + Common() + "--presets nano --size 30 --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "--size: image size 30x30");
}

TEST_F(TrainCli, RejectsAMissingOutputFolder) {
  const std::string missing = (dir_ / "nowhere").string();
  auto r = RunCli("train " + Common() + "--presets nano --out '" + missing + "'");
  ExpectOneLineError(r, "--out: folder '" + missing + "' does not exist");
  EXPECT_THAT(r.err, HasSubstr("mkdir -p"));
}

TEST_F(TrainCli, RejectsZeroEpochs) {
  auto r = RunCli("train " + Common() + "--presets nano --epochs 0 --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "--epochs 0: train for at least 1 epoch");
  r = RunCli("train " + Common() + "--presets nano,small --epochs 3,2,1 --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "one per preset");
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
}

TEST_F(TrainCli, RejectsAnUnknownPresetBeforeTrainingAny) {
  auto r = RunCli("train " + Common() + "--presets nano,giant --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "unknown preset 'giant'");
  // --width overrides every preset, so nano and small would be the same model.
  r = RunCli("train " + Common() + "--presets nano,small --out '" + (dir_ / "out").string() + "'");
  ExpectOneLineError(r, "cnn-w4-d1.onnx");
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// ROOT/<a|b>/<n>.png: `per_class` side x side images per class, gray files
// (or, with `gray_as_bgr`, colour files whose three channels are equal);
// class b has stripes every 3 columns, class a every 2.
void WriteGrayFolder(const fs::path& root, int per_class, int side, bool gray_as_bgr = false) {
  for (int label = 0; label < 2; ++label) {
    const fs::path dir = root / (label == 0 ? "a" : "b");
    fs::create_directories(dir);
    for (int n = 0; n < per_class; ++n) {
      cv::Mat image(side, side, CV_8UC1);
      for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
          image.at<unsigned char>(y, x) = static_cast<unsigned char>(x % (label + 2) == 0 ? 200 + n : (x + y) % 40);
        }
      }
      if (gray_as_bgr) cv::merge(std::vector<cv::Mat>{image, image, image}, image);
      ASSERT_TRUE(cv::imwrite((dir / (std::to_string(n) + ".png")).string(), image));
    }
  }
}

// The case: a loss that becomes NaN must not replace a good model
// and cost file; training stops at once with the fix, and the fix works.
TEST_F(TrainCli, DivergingTrainingKeepsTheGoodPairAndItsFixWorks) {
  const std::string out = " --presets nano --epochs 2 --out '" + (dir_ / "out").string() + "'";
  auto good = RunCli("train " + Common() + "--lr 0.01" + out);
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const fs::path model = dir_ / "out" / "cnn-w4-d1.onnx";
  const fs::path cost = dir_ / "out" / "cnn-w4-d1.cost.json";
  const std::string model_bytes = Slurp(model);
  const std::string cost_bytes = Slurp(cost);

  const auto nan = RunCli("train " + Common() + "--optimizer sgd --lr 1e30" + out);
  // The "training ..." line, then the error alone.
  EXPECT_EQ(nan.exit_code, 2) << nan.err;
  EXPECT_THAT(nan.err, HasSubstr("\nsweetspot: error: training diverged: the training loss became NaN in epoch 1/2 at "
                                 "learning rate 1e+30; lower the learning rate: pass --lr "));
  EXPECT_EQ(std::count(nan.err.begin(), nan.err.end(), '\n'), 2) << nan.err;
  EXPECT_THAT(nan.err, Not(HasSubstr("epoch 2/2"))) << "stops at the first non-finite loss";
  EXPECT_EQ(Slurp(model), model_bytes);
  EXPECT_EQ(Slurp(cost), cost_bytes);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_ / "out")) names.push_back(entry.path().filename().string());
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("cnn-w4-d1.onnx", "cnn-w4-d1.cost.json"));

  // The fix: the --lr the message suggests (the library proposes the lr field; train names it --lr).
  const auto at = nan.err.find("pass --lr ");
  ASSERT_NE(at, std::string::npos) << nan.err;
  const std::string lr = nan.err.substr(at + 10, nan.err.find('\n', at) - at - 10);
  const auto fixed = RunCli("train " + Common() + "--optimizer sgd --lr " + lr + out);
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_NE(Slurp(model), model_bytes);
  EXPECT_EQ(ReadJson(cost)["training"]["optimizer"], "sgd");
}

// Gray PNGs decode as three equal channels; the model must still be gray.
TEST_F(TrainCli, AllGrayImagesTrainAOneChannelModel) {
  WriteGrayFolder(dir_ / "gray", 12, 16);
  WriteGrayFolder(dir_ / "gray_bgr", 12, 16, /*gray_as_bgr=*/true);
  for (const char* data : {"gray", "gray_bgr"}) {
    const auto r = RunCli("train --data '" + (dir_ / data).string() +
                          "' --family cnn --width 4 --presets nano --epochs 1 --batch 8 --threads 1 --no-cache "
                          "--val-fraction 0.25 --out '" +
                          (dir_ / "out").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.err, HasSubstr("16x16x1")) << data;
    EXPECT_EQ(ReadJson(dir_ / "out" / "cnn-w4-d1.cost.json")["arch"]["channels"], 1) << data;
  }
  // One colour image makes it a colour model, and that is said; so is what
  // opening the data skipped (a Mac's AppleDouble twin), as eval says it.
  cv::Mat colour(16, 16, CV_8UC3, cv::Scalar(10, 120, 250));
  ASSERT_TRUE(cv::imwrite((dir_ / "gray" / "a" / "colour.png").string(), colour));
  testing::WriteFile(dir_ / "gray" / "a" / "._colour.png", "AppleDouble");
  const auto r = RunCli("train --data '" + (dir_ / "gray").string() +
                        "' --family cnn --width 4 --presets nano --epochs 1 --batch 8 --threads 1 --no-cache "
                        "--val-fraction 0.25 --out '" +
                        (dir_ / "out").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("note: 24 of 25 training images are gray; training on 3 channels (--channels 1"));
  EXPECT_THAT(r.err, HasSubstr("note: --data '" + (dir_ / "gray").string() + "': skipped 1 hidden file"));
  EXPECT_EQ(ReadJson(dir_ / "out" / "cnn-w4-d1.cost.json")["arch"]["channels"], 3);
}

// One small image sorted first must not decide the size: the sizes are
// reported, and the --size the message suggests works.
TEST_F(TrainCli, ImagesOfSeveralSizesAreReportedAndTheSuggestedSizeWorks) {
  WriteGrayFolder(dir_ / "mixed", 12, 16);
  cv::Mat small(8, 8, CV_8UC1, cv::Scalar(90));
  ASSERT_TRUE(cv::imwrite((dir_ / "mixed" / "a" / "00_small.png").string(), small));
  ASSERT_TRUE(cv::imwrite((dir_ / "mixed" / "b" / "00_small.png").string(), small));
  const std::string args = "train --data '" + (dir_ / "mixed").string() +
                           "' --family cnn --width 4 --presets nano --epochs 1 --batch 8 --threads 1 --no-cache "
                           "--val-fraction 0.25 --out '" +
                           (dir_ / "out").string() + "'";
  const auto r = RunCli(args);
  ExpectOneLineError(r,
                     "2 sizes among 26 images: 16x16 (24), 8x8 (2: a/00_small.png, b/00_small.png); resize them all "
                     "to one size: pass --size ");
  const auto at = r.err.find("pass --size ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string size = r.err.substr(at + 12, r.err.find('\n', at) - at - 12);
  EXPECT_EQ(size, "16x16");
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));

  const auto fixed = RunCli(args + " --size " + size);
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  const nlohmann::json arch = ReadJson(dir_ / "out" / "cnn-w4-d1.cost.json")["arch"];
  EXPECT_EQ(arch["image_width"], 16);
  EXPECT_EQ(arch["image_height"], 16);
}

// An --out that cannot take files fails before training, naming the flag.
TEST_F(TrainCli, UnwritableOutFailsBeforeTrainingAndTheFixWorks) {
  testing::WriteFile(dir_ / "somefile", "x");
  auto r =
      RunCli("train " + Common() + "--presets nano --epochs 1 --out '" + (dir_ / "somefile" / "out").string() + "'");
  ExpectOneLineError(r, "--out: '" + (dir_ / "somefile").string() + "' is a file, not a folder");
  // /proc exists and is a folder, but takes no new file, for root too.
  r = RunCli("train " + Common() + "--presets nano --epochs 1 --out /proc");
  ExpectOneLineError(r, "--out: cannot create files in folder '/proc'");
  EXPECT_THAT(r.err, Not(HasSubstr("does not exist")));

  r = RunCli("train " + Common() + "--presets nano --epochs 1 --out '" + (dir_ / "out").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "cnn-w4-d1.onnx"));
}

// "All cores" is the CPUs this process may use: under `taskset -c 0` one.
TEST_F(TrainCli, DefaultThreadsFollowTheAffinityMask) {
  const auto r = testing::RunCliUnder(
      "taskset -c 0", "train --data '" + (dir_ / "train").string() +
                          "' --family cnn --width 4 --batch 16 --no-cache --presets nano --epochs 1 --out '" +
                          (dir_ / "out").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadJson(dir_ / "out" / "cnn-w4-d1.cost.json")["training"]["threads"], 1);
}

}  // namespace
}  // namespace sweetspot
