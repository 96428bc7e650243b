// InspectModel on the real CIFAR-10 ResNets in ../shared/data (skipped when
// missing), against the figures of He et al. and akamaster's checkpoints.
//
// The export differs from the paper's network in three ways the figures
// show: BatchNorm is folded (one bias per channel instead of BN's two
// parameters), the option-A shortcut of the two downsampling blocks is a
// fixed stride-2 1x1 conv ("scw", 16->32 and 32->64: 2,560 parameters and
// 262,144 MACs), and global pooling adds 4,096. Published MACs count conv and
// fc only: 40.55 M for ResNet-20, 125.49 M for ResNet-56.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/model_info.h"

namespace sweetspot {
namespace {

struct ResNetCase {
  const char* file;
  int64_t blocks;            // n: basic blocks per stage (depth = 6n + 2)
  int64_t published_params;  // akamaster/pytorch_resnet_cifar10 README (BN unfolded, no shortcut weights)
};

void PrintTo(const ResNetCase& c, std::ostream* os) { *os << c.file; }

// Conv + fc MACs of the architecture at batch 1, as papers count them.
int64_t PublishedMacs(int64_t n) {
  const int64_t conv1 = 16 * 32 * 32 * 3 * 9;
  const int64_t full = 2359296;  // every 3x3 conv that keeps the channel count: C*H*W*C*9 is the same in all stages
  const int64_t down = 1179648;  // the first conv of stages 2 and 3 (stride 2, channels double)
  const int64_t fc = 64 * 10;
  return conv1 + 2 * n * full + 2 * (down + (2 * n - 1) * full) + fc;
}

class ResNetFigures : public ::testing::TestWithParam<ResNetCase> {};

TEST_P(ResNetFigures, MatchPublished) {
  const ResNetCase& c = GetParam();
  SWEETSPOT_REQUIRE_SHARED_DATA(path, std::string("cifar10-resnet/") + c.file);
  const Result<ModelInfo> info = InspectModel(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  std::printf("%s: %lld params, %lld MACs, %lld elementwise ops\n", c.file, static_cast<long long>(info->param_count),
              static_cast<long long>(info->total_macs), static_cast<long long>(info->elementwise_ops));

  // Within 1 % / 3 % of the published figures...
  EXPECT_NEAR(static_cast<double>(info->param_count), static_cast<double>(c.published_params),
              0.01 * static_cast<double>(c.published_params));
  EXPECT_NEAR(static_cast<double>(info->total_macs), static_cast<double>(PublishedMacs(c.blocks)),
              0.03 * static_cast<double>(PublishedMacs(c.blocks)));

  // ...and exactly what this export holds: folded BN (one bias per channel in
  // place of two BN parameters), plus the shortcut convs and global pooling.
  const int64_t bn_channels = 16 + 2 * c.blocks * (16 + 32 + 64);
  const int64_t shortcut_params = 32 * 16 + 64 * 32;
  const int64_t shortcut_macs = 32 * 16 * 16 * 16 + 64 * 8 * 8 * 32;
  const int64_t global_pool = 64 * 8 * 8;
  EXPECT_EQ(info->param_count, c.published_params - bn_channels + shortcut_params);
  EXPECT_EQ(info->total_macs, PublishedMacs(c.blocks) + shortcut_macs + global_pool);

  EXPECT_EQ(info->batch_size, 1);
  EXPECT_EQ(info->op_histogram.at("Conv"), 6 * c.blocks + 1 + 2);
  EXPECT_EQ(info->op_histogram.at("Gemm"), 1);
  for (const auto& node : info->nodes) EXPECT_TRUE(node.shape_known) << node.name;
  EXPECT_TRUE(info->warnings.empty()) << info->warnings.front();
}

INSTANTIATE_TEST_SUITE_P(CifarResNets, ResNetFigures,
                         ::testing::Values(ResNetCase{"resnet20_cifar10.onnx", 3, 269722},
                                           ResNetCase{"resnet32_cifar10.onnx", 5, 464154},
                                           ResNetCase{"resnet44_cifar10.onnx", 7, 658586},
                                           ResNetCase{"resnet56_cifar10.onnx", 9, 853018}),
                         [](const auto& test_param) {
                           std::string name = test_param.param.file;
                           return name.substr(0, name.find('_'));
                         });

TEST(ResNetFigures, MacsScaleWithBatch) {
  SWEETSPOT_REQUIRE_SHARED_DATA(path, "cifar10-resnet/resnet20_cifar10.onnx");
  const Result<ModelInfo> one = InspectModel(path);
  InspectOptions options;
  options.batch_size = 16;
  const Result<ModelInfo> sixteen = InspectModel(path, options);
  ASSERT_TRUE(one.ok() && sixteen.ok());
  EXPECT_EQ(sixteen->total_macs, 16 * one->total_macs);
  EXPECT_EQ(sixteen->param_count, one->param_count);
  EXPECT_EQ(sixteen->resolved_dims.at("N"), 16);
}

TEST(ResNetFigures, TruncatedRealModelIsAnErrorNamingPath) {
  SWEETSPOT_REQUIRE_SHARED_DATA(path, "cifar10-resnet/resnet20_cifar10.onnx");
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  ASSERT_GT(bytes.size(), 1000U);
  testing::TempDir dir;
  const auto truncated = dir / "resnet20_half.onnx";
  testing::WriteFile(truncated, bytes.substr(0, bytes.size() / 2));
  const Result<ModelInfo> info = InspectModel(truncated);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(info.status().message().find(truncated.string()), std::string::npos) << info.status().message();
}

}  // namespace
}  // namespace sweetspot
