// TrainNetwork: it learns, it repeats exactly under a seed, it stops early,
// and it refuses options and data that cannot work.
#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweetspot/train.h"
#include "train/train_fixtures.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::SyntheticTensors;

constexpr int kSize = 16;
constexpr int kClasses = 4;

ArchSpec TinyCnn() {
  ArchSpec arch = *PresetArch(ModelFamily::kCnn, "nano");
  arch.width = 8;
  arch.classes = kClasses;
  arch.image_width = arch.image_height = kSize;
  return arch;
}

TrainOptions FastOptions() {
  TrainOptions options;
  options.epochs = 3;
  options.batch_size = 16;
  options.lr = 0.01;
  options.threads = 1;
  return options;
}

TEST(TrainNetwork, LearnsAnEasyTaskAndReportsEachEpoch) {
  const PreparedTensors train = SyntheticTensors(128, 1, kSize, kClasses, 1);
  const PreparedTensors val = SyntheticTensors(40, 1, kSize, kClasses, 2);
  auto network = Network::Create(TinyCnn(), 0);
  ASSERT_TRUE(network.ok());
  int progress_calls = 0;
  int finished_calls = 0;
  TrainOptions options = FastOptions();
  options.epochs = 5;
  options.patience = 0;
  auto report = TrainNetwork(*network, train, val, ComputeChannelStats(train), options, [&](const TrainProgress& p) {
    ++progress_calls;
    if (p.finished != nullptr) ++finished_calls;
    EXPECT_LE(p.done, p.total);
  });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->epochs.size(), 5U);
  EXPECT_EQ(finished_calls, 5);
  EXPECT_EQ(progress_calls, 5 * (128 / 16) + 5);
  EXPECT_GT(report->best_val_top1, 0.8) << "chance is 0.25";
  EXPECT_LT(report->epochs.back().train_loss, report->epochs.front().train_loss);
  EXPECT_EQ(report->train_samples, 128U);
  EXPECT_EQ(report->val_samples, 40U);
  // The cosine schedule ends near zero.
  EXPECT_LT(report->epochs.back().lr_end, 0.01 * 0.01);
}

TEST(TrainNetwork, TheSameSeedGivesTheSameWeights) {
  const PreparedTensors train = SyntheticTensors(64, 1, kSize, kClasses, 1);
  const PreparedTensors val = SyntheticTensors(8, 1, kSize, kClasses, 2);
  const Tensor probe = [&] {
    Tensor t = Tensor::Owned(DType::kFloat32, {4, 1, kSize, kSize});
    for (std::size_t i = 0; i < t.values<float>().size(); ++i) t.values<float>()[i] = std::sin(static_cast<float>(i));
    return t;
  }();
  std::vector<std::vector<float>> outputs;
  for (const std::uint64_t seed : {5U, 5U, 6U}) {
    auto network = Network::Create(TinyCnn(), seed);
    ASSERT_TRUE(network.ok());
    TrainOptions options = FastOptions();
    options.epochs = 1;
    options.seed = seed;
    ASSERT_TRUE(TrainNetwork(*network, train, val, ComputeChannelStats(train), options).ok());
    auto out = network->Forward(probe);
    ASSERT_TRUE(out.ok());
    outputs.emplace_back(out->values<float>().begin(), out->values<float>().end());
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_NE(outputs[0], outputs[2]);
}

TEST(TrainNetwork, StopsEarlyAndKeepsTheBestEpoch) {
  const PreparedTensors train = SyntheticTensors(32, 1, kSize, kClasses, 1);
  const PreparedTensors val = SyntheticTensors(8, 1, kSize, kClasses, 2);
  auto network = Network::Create(TinyCnn(), 0);
  ASSERT_TRUE(network.ok());
  TrainOptions options = FastOptions();
  options.epochs = 6;
  options.patience = 1;
  options.lr = 1e-12;  // the weights cannot move, so no epoch beats the first
  options.weight_decay = 0.0;
  auto report = TrainNetwork(*network, train, val, ComputeChannelStats(train), options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->stopped_early);
  EXPECT_EQ(report->epochs.size(), 2U);
  EXPECT_EQ(report->best_epoch, 1);
}

TEST(TrainNetwork, RejectsZeroEpochsAndMismatchedData) {
  const PreparedTensors train = SyntheticTensors(16, 1, kSize, kClasses, 1);
  auto network = Network::Create(TinyCnn(), 0);
  ASSERT_TRUE(network.ok());
  TrainOptions options = FastOptions();
  options.epochs = 0;
  auto report = TrainNetwork(*network, train, train, ComputeChannelStats(train), options);
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("epochs 0: train for at least 1 epoch"));

  const PreparedTensors rgb = SyntheticTensors(16, 3, kSize, kClasses, 1);
  report = TrainNetwork(*network, rgb, rgb, ComputeChannelStats(rgb), FastOptions());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("[3,16,16]"));
}

TEST(ComputeChannelStats, MatchesTheDefinition) {
  const PreparedTensors t = SyntheticTensors(10, 3, 8, 2, 1);
  const ChannelStats stats = ComputeChannelStats(t);
  ASSERT_EQ(stats.mean.size(), 3U);
  const auto* v = reinterpret_cast<const float*>(t.data);
  double sum = 0.0;
  double sum_sq = 0.0;
  for (std::size_t s = 0; s < 10; ++s) {
    for (std::size_t i = 0; i < 64; ++i) {
      const double x = v[s * 192 + 64 + i];  // channel 1
      sum += x;
      sum_sq += x * x;
    }
  }
  const double mean = sum / 640.0;
  EXPECT_NEAR(stats.mean[1], mean, 1e-9);
  EXPECT_NEAR(stats.std[1], std::sqrt(sum_sq / 640.0 - mean * mean), 1e-9);
}

TEST(TrainOptions, DefaultsFollowTheOptimizer) {
  TrainOptions options;
  EXPECT_DOUBLE_EQ(options.EffectiveLr(), 2e-3);
  EXPECT_DOUBLE_EQ(options.EffectiveWeightDecay(), 0.05);
  options.optimizer = OptimizerKind::kSgd;
  EXPECT_DOUBLE_EQ(options.EffectiveLr(), 0.05);
  EXPECT_DOUBLE_EQ(options.EffectiveWeightDecay(), 5e-4);
  EXPECT_THAT(ParseOptimizer("adam").status().message(), HasSubstr("adamw or sgd"));
}

}  // namespace
}  // namespace sweetspot
