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

#include "support/support.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
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

}  // namespace
}  // namespace sweetspot
