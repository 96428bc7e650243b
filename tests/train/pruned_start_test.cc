// The start of `train --prune`: the smaller network, with the parent's pruned
// weights and BatchNorm re-estimated, computes what the channel-pruned parent
// model computes in ONNX Runtime (so fine-tuning starts from the pruned
// parent, not from scratch).
#include <algorithm>
#include <cmath>
#include <span>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pruned_start.h"
#include "support/support.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/prune.h"
#include "sweetspot/train_export.h"
#include "train/train_fixtures.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::SyntheticTensors;
using testing::TempDir;

constexpr int kSize = 16;
constexpr int kClasses = 4;

class PrunedStart : public ::testing::TestWithParam<ModelFamily> {
 protected:
  // Largest |difference| between the logits of `network` and of the parent
  // pruned by half in ONNX Runtime, and the largest |logit|, on 32 samples.
  std::pair<float, float> CompareWithPrunedParent(const PrunedParent& parent, const Network& network) {
    auto pruned = PruneChannels(parent.model, 0.5, ResidualChannels::kPrune);
    EXPECT_TRUE(pruned.ok()) << pruned.status().ToString();
    auto backend = CreateBackend("onnxruntime");
    auto session = (*backend)->Load(testing::WriteModel(*pruned, dir_ / "pruned.onnx"), BackendOptions{});
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    const Tensor inputs = Normalised(train_.Batch(0, 32), parent.spec);
    auto expected = (*session)->Run(std::span<const Tensor>(&inputs, 1));
    auto actual = network.Forward(inputs);
    EXPECT_TRUE(expected.ok() && actual.ok());
    const auto want = (*expected)[0].values<float>();
    const auto got = actual->values<float>();
    EXPECT_EQ(want.size(), got.size());
    float max_diff = 0.0F;
    float max_logit = 0.0F;
    for (std::size_t i = 0; i < want.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(want[i] - got[i]));
      max_logit = std::max(max_logit, std::abs(want[i]));
    }
    return {max_diff, max_logit};
  }

  // What the preprocessing makes of [0,1] samples (one channel).
  static Tensor Normalised(const Tensor& batch, const PreprocessSpec& spec) {
    Tensor out = Tensor::Owned(DType::kFloat32, batch.shape());
    const auto in = batch.values<float>();
    auto values = out.values<float>();
    for (std::size_t i = 0; i < in.size(); ++i) {
      values[i] = static_cast<float>((in[i] - spec.mean[0]) / spec.std[0]);
    }
    return out;
  }

  // A parent trained for one epoch (BatchNorm statistics off their initial
  // values), exported as `sweetspot train` exports it.
  void SetUp() override {
    arch_ = *PresetArch(GetParam(), "nano");
    arch_.width = 8;
    arch_.classes = kClasses;
    arch_.image_width = arch_.image_height = kSize;
    train_ = SyntheticTensors(128, 1, kSize, kClasses, 1);
    const ChannelStats norm = ComputeChannelStats(train_);
    auto network = Network::Create(arch_, 7);
    ASSERT_TRUE(network.ok()) << network.status().ToString();
    TrainOptions options;
    options.epochs = 1;
    options.batch_size = 32;
    options.threads = 1;
    ASSERT_TRUE(TrainNetwork(*network, train_, SyntheticTensors(16, 1, kSize, kClasses, 2), norm, options).ok());
    PreprocessSpec spec;
    spec.color = ColorOrder::kGray;
    spec.width = spec.height = kSize;
    spec.mean = norm.mean;
    spec.std = norm.std;
    auto model = ExportOnnx(*network, spec);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ASSERT_TRUE(SaveModelAtomically(*model, dir_ / "parent.onnx").ok());
  }

  ArchSpec arch_;
  PreparedTensors train_;
  TempDir dir_;
};

TEST_P(PrunedStart, TheSmallerNetworkComputesWhatThePrunedParentComputes) {
  auto parent = ReadPrunedParent(dir_ / "parent.onnx");
  ASSERT_TRUE(parent.ok()) << parent.status().ToString();
  EXPECT_EQ(parent->arch.width, 8);
  auto arch = PrunedArch(parent->arch, 0.5);
  ASSERT_TRUE(arch.ok()) << arch.status().ToString();
  EXPECT_EQ(arch->width, 4);
  EXPECT_EQ(arch->Name(), std::string(ModelFamilyName(GetParam())) + "-nano-pruned50");
  auto network = Network::Create(*arch, 3);
  ASSERT_TRUE(network.ok());
  auto norm = StartFromParent(*parent, train_, &*network);
  ASSERT_TRUE(norm.ok()) << norm.status().ToString();
  EXPECT_EQ(norm->mean, parent->spec.mean);
  EXPECT_EQ(norm->std, parent->spec.std);

  const auto [max_diff, max_logit] = CompareWithPrunedParent(*parent, *network);
  EXPECT_LT(max_diff, 1e-3F * std::max(1.0F, max_logit));
  EXPECT_GT(max_logit, 0.1F) << "logits are near zero, so the comparison proves little";

  // BatchNorm was re-estimated for training mode too: an epoch that leaves
  // the weights as they are (a negligible learning rate, no augmentation)
  // moves the running statistics to the batches' and keeps the function.
  TrainOptions options;
  options.epochs = 1;
  options.batch_size = 32;
  options.threads = 1;
  options.lr = 1e-9;
  options.random_crop = options.flip = false;
  ASSERT_TRUE(TrainNetwork(*network, train_, train_, *norm, options).ok());
  const auto [diff_after, logit_after] = CompareWithPrunedParent(*parent, *network);
  EXPECT_LT(diff_after, 0.05F * logit_after);
}

TEST_P(PrunedStart, AFractionThatKeepsEveryChannelOrNoneNamesTheRange) {
  auto parent = ReadPrunedParent(dir_ / "parent.onnx");
  ASSERT_TRUE(parent.ok());
  for (const double fraction : {0.0, 0.06, 0.95, 1.0}) {
    const Status status = PrunedArch(parent->arch, fraction).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << fraction;
    EXPECT_THAT(status.message(), HasSubstr("use a fraction between 0.07 and 0.93"));
  }
  EXPECT_TRUE(PrunedArch(parent->arch, 0.07).ok());
  EXPECT_TRUE(PrunedArch(parent->arch, 0.93).ok());
}

INSTANTIATE_TEST_SUITE_P(Families, PrunedStart, ::testing::Values(ModelFamily::kCnn, ModelFamily::kResnet),
                         [](const auto& test_info) { return std::string(ModelFamilyName(test_info.param)); });

TEST(ReadPrunedParent, RefusesAModelSweetspotDidNotTrain) {
  TempDir dir;
  const auto model = GraphBuilder("other")
                         .Input("x", DType::kFloat32, {1, 4})
                         .Node("Relu", {"x"}, {"y"})
                         .Output("y", DType::kFloat32)
                         .Build();
  const Status status = ReadPrunedParent(testing::WriteModel(model, dir / "other.onnx")).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("prune_from: "));
  EXPECT_THAT(status.message(), HasSubstr("was not trained by `sweetspot train`"));
}

}  // namespace
}  // namespace sweetspot
