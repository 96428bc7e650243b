#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "prune_common.h"
#include "support/support.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/prune.h"

namespace sweetspot {
namespace {

using testing::TempDir;

// Seeded values in [-1, 1] with the channels `zero` (slices of axis 0) set to 0.
std::vector<float> Weights(const Shape& shape, uint32_t seed, const std::vector<int64_t>& zero = {}) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
  std::vector<float> values(static_cast<std::size_t>(ElementCount(shape)));
  for (auto& v : values) v = dist(rng);
  const std::size_t per_channel = values.size() / static_cast<std::size_t>(shape[0]);
  for (const int64_t c : zero) {
    std::fill_n(values.begin() + static_cast<std::ptrdiff_t>(c * static_cast<int64_t>(per_channel)), per_channel, 0.0F);
  }
  return values;
}

onnx::AttributeProto Pads(int64_t p) { return Attr("pads", std::vector<int64_t>{p, p, p, p}); }

const onnx::TensorProto& Init(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& t : model.graph().initializer()) {
    if (t.name() == name) return t;
  }
  ADD_FAILURE() << "no initializer " << name;
  return model.graph().initializer(0);
}
std::vector<int64_t> Dims(const onnx::ModelProto& model, const std::string& name) {
  const auto& t = Init(model, name);
  return {t.dims().begin(), t.dims().end()};
}
std::vector<float> Values(const onnx::ModelProto& model, const std::string& name) {
  return prune::ReadFloats(Init(model, name)).value();
}

// Runs `model` in ONNX Runtime on seeded input of `shape`; the first output.
std::vector<float> RunModel(const onnx::ModelProto& model, const Shape& shape) {
  TempDir dir;
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok());
  auto session = backend.value()->Load(testing::WriteModel(model, dir / "m.onnx"), BackendOptions{});
  EXPECT_TRUE(session.ok()) << session.status().message();
  if (!session.ok()) return {};
  Tensor input = Tensor::Owned(DType::kFloat32, shape);
  const auto values = Weights(shape, 99);
  std::copy(values.begin(), values.end(), input.values<float>().begin());
  auto out = session.value()->Run(std::span<const Tensor>(&input, 1));
  EXPECT_TRUE(out.ok()) << out.status().message();
  if (!out.ok()) return {};
  const auto v = (*out)[0].values<float>();
  return {v.begin(), v.end()};
}

void ExpectSameOutputs(const onnx::ModelProto& a, const onnx::ModelProto& b, const Shape& shape) {
  const auto x = RunModel(a, shape);
  const auto y = RunModel(b, shape);
  ASSERT_EQ(x.size(), y.size());
  ASSERT_FALSE(x.empty());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-5F) << i;
}

TEST(PruneUnstructured, ZeroesExactlyTheSmallestShareOfEachWeight) {
  const auto model = GraphBuilder("u")
                         .Input("x", DType::kFloat32, {1, 1, 4, 4})
                         .Initializer("w", {3, 1, 3, 3}, Weights({3, 1, 3, 3}, 1))
                         .Initializer("b", {3}, {0.5F, 0.5F, 0.5F})
                         .Initializer("fc", {3, 48}, Weights({3, 48}, 2))
                         .Node("Conv", {"x", "w", "b"}, {"c"}, {Pads(1)})
                         .Node("Flatten", {"c"}, {"f"})
                         .Node("Gemm", {"f", "fc"}, {"y"}, {Attr("transB", int64_t{1})})
                         .Output("y", DType::kFloat32)
                         .Build();
  PruneReport report;
  auto pruned = PruneUnstructured(model, 0.5, &report);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  const auto w = Values(*pruned, "w");
  const auto fc = Values(*pruned, "fc");
  EXPECT_EQ(std::count(w.begin(), w.end(), 0.0F), 13);  // floor(0.5 * 27)
  EXPECT_EQ(std::count(fc.begin(), fc.end(), 0.0F), 72);
  // The survivors are the largest: every zeroed |w| was at most the smallest kept one.
  const auto original = Values(model, "w");
  float largest_zeroed = 0.0F;
  float smallest_kept = 2.0F;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0.0F) largest_zeroed = std::max(largest_zeroed, std::abs(original[i]));
    if (w[i] != 0.0F) smallest_kept = std::min(smallest_kept, std::abs(w[i]));
  }
  EXPECT_LE(largest_zeroed, smallest_kept);
  EXPECT_EQ(Values(*pruned, "b"), Values(model, "b"));  // biases are not pruned
  EXPECT_NEAR(report.achieved_sparsity, 85.0 / 171.0, 1e-12);
  EXPECT_EQ(report.params_before, 27 + 3 + 144);
  EXPECT_EQ(report.params_after, 27 + 3 + 144 - 85);
  EXPECT_LT(report.compressed_bytes_after, report.compressed_bytes_before);
  EXPECT_EQ(RunModel(*pruned, {1, 1, 4, 4}).size(), 3U);
}

TEST(PruneUnstructured, RefusesASparsityOutOfRangeAndAModelWithoutWeights) {
  const auto model = GraphBuilder("u")
                         .Input("x", DType::kFloat32, {1, 4})
                         .Node("Relu", {"x"}, {"y"})
                         .Output("y", DType::kFloat32)
                         .Build();
  EXPECT_NE(PruneUnstructured(model, 1.0).status().message().find("sparsity must be in [0, 1)"), std::string::npos);
  EXPECT_NE(PruneUnstructured(model, 0.5).status().message().find("nothing to prune"), std::string::npos);
}

// x -> conv1 (4 channels) -> relu -> conv2 (3 channels) -> y.
onnx::ModelProto TwoConvChain(const std::vector<float>& w1, const std::vector<float>& b1) {
  return GraphBuilder("chain")
      .Input("x", DType::kFloat32, {1, 2, 5, 5})
      .Initializer("w1", {4, 2, 1, 1}, w1)
      .Initializer("b1", {4}, b1)
      .Initializer("w2", {3, 4, 3, 3}, Weights({3, 4, 3, 3}, 3))
      .Node("Conv", {"x", "w1", "b1"}, {"c1"})
      .Node("Relu", {"c1"}, {"r1"})
      .Node("Conv", {"r1", "w2"}, {"y"}, {Pads(1)})
      .Output("y", DType::kFloat32)
      .Build();
}

TEST(PruneChannels, RemovesTheFiltersOfSmallestL1AndTheNextConvsInputs) {
  // L1 per filter: 0.3, 2.5, 0.6, 1.5 -> channels 0 and 2 go.
  const auto model = TwoConvChain({0.1F, -0.2F, 2.0F, -0.5F, 0.3F, 0.3F, -1.0F, 0.5F}, {1, 2, 3, 4});
  PruneReport report;
  auto pruned = PruneChannels(model, 0.5, ResidualChannels::kKeep, &report);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Dims(*pruned, "w1"), (std::vector<int64_t>{2, 2, 1, 1}));
  EXPECT_EQ(Values(*pruned, "w1"), (std::vector<float>{2.0F, -0.5F, -1.0F, 0.5F}));
  EXPECT_EQ(Values(*pruned, "b1"), (std::vector<float>{2, 4}));
  EXPECT_EQ(Dims(*pruned, "w2"), (std::vector<int64_t>{3, 2, 3, 3}));
  const auto w2 = Values(model, "w2");
  const auto pw2 = Values(*pruned, "w2");
  for (int o = 0; o < 3; ++o) {
    for (int k = 0; k < 9; ++k) {
      EXPECT_EQ(pw2[(o * 2 + 0) * 9 + k], w2[(o * 4 + 1) * 9 + k]);
      EXPECT_EQ(pw2[(o * 2 + 1) * 9 + k], w2[(o * 4 + 3) * 9 + k]);
    }
  }
  // conv2 writes the graph output: it keeps its channels and says why.
  ASSERT_EQ(report.kept.size(), 1U);
  EXPECT_EQ(report.kept[0].first, "Conv_3");
  EXPECT_NE(report.kept[0].second.find("graph output 'y'"), std::string::npos);
  EXPECT_EQ(report.params_after, report.params_before - 4 - 2 - 54);
  EXPECT_EQ(RunModel(*pruned, {1, 2, 5, 5}).size(), 75U);
}

TEST(PruneChannels, GivesTheSameOutputsWhenThePrunedChannelsWereZero) {
  const auto model = TwoConvChain(Weights({4, 2, 1, 1}, 4, {0, 3}), {0.0F, 0.1F, -0.2F, 0.0F});
  auto pruned = PruneChannels(model, 0.5);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Dims(*pruned, "w2"), (std::vector<int64_t>{3, 2, 3, 3}));
  ExpectSameOutputs(model, *pruned, {1, 2, 5, 5});
}

TEST(PruneChannels, PrunesBothSidesOfAResidualAddAlike) {
  // stem -> relu -> a -> relu -> b, + stem's relu, relu, GAP, Flatten, Gemm.
  // Channels 1 and 3 of the residual stream and 0 and 1 of the block's
  // inner conv are zero, so pruning half of each changes nothing.
  const auto model = GraphBuilder("residual")
                         .Input("x", DType::kFloat32, {1, 2, 6, 6})
                         .Initializer("stem.w", {4, 2, 3, 3}, Weights({4, 2, 3, 3}, 5, {1, 3}))
                         .Initializer("a.w", {4, 4, 3, 3}, Weights({4, 4, 3, 3}, 6, {0, 1}))
                         .Initializer("b.w", {4, 4, 3, 3}, Weights({4, 4, 3, 3}, 7, {1, 3}))
                         .Initializer("b.b", {4}, {0.1F, 0.0F, -0.1F, 0.0F})
                         .Initializer("fc.w", {3, 4}, Weights({3, 4}, 8))
                         .Initializer("fc.b", {3}, {0.0F, 1.0F, 2.0F})
                         .Node("Conv", {"x", "stem.w"}, {"s"}, {Pads(1)})
                         .Node("Relu", {"s"}, {"s.r"})
                         .Node("Conv", {"s.r", "a.w"}, {"a"}, {Pads(1)})
                         .Node("Relu", {"a"}, {"a.r"})
                         .Node("Conv", {"a.r", "b.w", "b.b"}, {"b"}, {Pads(1)})
                         .Node("Add", {"b", "s.r"}, {"sum"})
                         .Node("Relu", {"sum"}, {"sum.r"})
                         .Node("GlobalAveragePool", {"sum.r"}, {"p"})
                         .Node("Flatten", {"p"}, {"f"})
                         .Node("Gemm", {"f", "fc.w", "fc.b"}, {"y"}, {Attr("transB", int64_t{1})})
                         .Output("y", DType::kFloat32)
                         .Build();
  PruneReport report;
  auto pruned = PruneChannels(model, 0.5, ResidualChannels::kPrune, &report);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_TRUE(report.kept.empty());
  EXPECT_EQ(Dims(*pruned, "stem.w"), (std::vector<int64_t>{2, 2, 3, 3}));
  EXPECT_EQ(Dims(*pruned, "a.w"), (std::vector<int64_t>{2, 2, 3, 3}));
  EXPECT_EQ(Dims(*pruned, "b.w"), (std::vector<int64_t>{2, 2, 3, 3}));
  EXPECT_EQ(Values(*pruned, "b.b"), (std::vector<float>{0.1F, -0.1F}));
  EXPECT_EQ(Dims(*pruned, "fc.w"), (std::vector<int64_t>{3, 2}));
  ExpectSameOutputs(model, *pruned, {1, 2, 6, 6});
}

TEST(PruneChannels, ChoosesAResidualStreamsChannelsBySummedL1) {
  // Per filter, stem L1 = 9, 1, 5 and b L1 = 1, 6, 3: sums 10, 7, 8 -> channel 1 goes.
  const auto model = GraphBuilder("sum")
                         .Input("x", DType::kFloat32, {1, 1, 2, 2})
                         .Initializer("stem.w", {3, 1, 1, 1}, {9, -1, 5})
                         .Initializer("b.w", {3, 3, 1, 1}, {1, 0, 0, 0, -6, 0, 0, 0, 3})
                         .Initializer("fc.w", {2, 12}, Weights({2, 12}, 9))
                         .Node("Conv", {"x", "stem.w"}, {"s"})
                         .Node("Conv", {"s", "b.w"}, {"b"})
                         .Node("Add", {"s", "b"}, {"sum"})
                         .Node("Flatten", {"sum"}, {"f"})
                         .Node("Gemm", {"f", "fc.w"}, {"y"}, {Attr("transB", int64_t{1})})
                         .Output("y", DType::kFloat32)
                         .Build();
  auto pruned = PruneChannels(model, 0.4, ResidualChannels::kPrune);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Values(*pruned, "stem.w"), (std::vector<float>{9, 5}));
  // b: rows 0 and 2 (output channels), columns 0 and 2 (input channels).
  EXPECT_EQ(Values(*pruned, "b.w"), (std::vector<float>{1, 0, 0, 3}));
  // Flatten of [1, 3, 2, 2]: channel 1's features 4-7 leave the Gemm.
  const auto fc = Values(model, "fc.w");
  std::vector<float> expected;
  for (int o = 0; o < 2; ++o) {
    for (int f : {0, 1, 2, 3, 8, 9, 10, 11}) expected.push_back(fc[o * 12 + f]);
  }
  EXPECT_EQ(Values(*pruned, "fc.w"), expected);
  EXPECT_EQ(RunModel(*pruned, {1, 1, 2, 2}).size(), 2U);
}

// 1 for the channels kept, 0 for the `removed` whose filters (slices of axis
// 0, summed over `filters`) have the smallest L1 norm: the choice prune.h
// states, computed here independently of it.
std::vector<float> KeptMask(const std::vector<std::vector<float>>& filters, int64_t channels, int64_t removed) {
  std::vector<double> l1(static_cast<std::size_t>(channels), 0.0);
  for (const auto& w : filters) {
    const std::size_t per_channel = w.size() / l1.size();
    for (std::size_t i = 0; i < w.size(); ++i) l1[i / per_channel] += std::abs(w[i]);
  }
  std::vector<double> sorted = l1;
  std::sort(sorted.begin(), sorted.end());
  std::vector<float> mask(l1.size());
  for (std::size_t c = 0; c < l1.size(); ++c) mask[c] = l1[c] > sorted[static_cast<std::size_t>(removed - 1)] ? 1 : 0;
  return mask;
}

std::vector<float> Scaled(std::vector<float> values, float scale) {
  for (auto& v : values) v *= scale;
  return values;
}

// stem conv -> relu -> [a conv -> BatchNorm -> relu -> b conv] + residual,
// relu, 4x4 MaxPool, Flatten of [N, 4, 2, 2] -> Gemm. The BatchNorm gives a
// removed channel a non-zero output (beta - mean * gamma / sqrt(var + eps)).
// Non-empty masks multiply the block's inner channels before b reads them,
// and the stream's channels where conv a and the Gemm read them: the
// original model with those channels read as zero.
onnx::ModelProto ResidualBlock(const std::vector<float>& inner_mask, const std::vector<float>& stream_mask) {
  GraphBuilder builder("block");
  builder.Input("x", DType::kFloat32, {2, 3, 8, 8})
      .Initializer("stem.w", {4, 3, 3, 3}, Scaled(Weights({4, 3, 3, 3}, 20), 0.5F))
      .Initializer("stem.b", {4}, {0.3F, -0.2F, 0.1F, 0.4F})
      .Initializer("a.w", {6, 4, 3, 3}, Scaled(Weights({6, 4, 3, 3}, 21), 0.3F))
      .Initializer("g", {6}, {1.0F, 0.5F, 2.0F, 1.5F, 0.8F, 1.2F})
      .Initializer("beta", {6}, {0.5F, 0.4F, -0.3F, 0.6F, 0.2F, 0.7F})
      .Initializer("mean", {6}, {-0.2F, 0.1F, -0.4F, 0.3F, -0.1F, 0.2F})
      .Initializer("var", {6}, {1.0F, 0.5F, 2.0F, 0.7F, 1.5F, 0.9F})
      .Initializer("b.w", {4, 6, 3, 3}, Scaled(Weights({4, 6, 3, 3}, 22), 0.3F))
      .Initializer("b.b", {4}, {0.1F, 0.2F, -0.1F, 0.3F})
      .Initializer("fc.w", {3, 16}, Weights({3, 16}, 23))
      .Initializer("fc.b", {3}, {0.0F, 0.5F, -0.5F})
      .Node("Conv", {"x", "stem.w", "stem.b"}, {"s"}, {Pads(1)})
      .Node("Relu", {"s"}, {"s.r"});
  std::string block_input = "s.r";
  std::string inner = "a.r";
  std::string pooled = "p";
  if (!stream_mask.empty()) {
    builder.Initializer("stream.mask", {1, 4, 1, 1}, stream_mask)
        .Node("Mul", {"s.r", "stream.mask"}, {"s.m"})
        .Node("Mul", {"p", "stream.mask"}, {"p.m"});
    block_input = "s.m";
    pooled = "p.m";
  }
  if (!inner_mask.empty()) {
    builder.Initializer("inner.mask", {1, 6, 1, 1}, inner_mask).Node("Mul", {"a.r", "inner.mask"}, {"a.m"});
    inner = "a.m";
  }
  return builder.Node("Conv", {block_input, "a.w"}, {"a"}, {Pads(1)})
      .Node("BatchNormalization", {"a", "g", "beta", "mean", "var"}, {"a.n"})
      .Node("Relu", {"a.n"}, {"a.r"})
      .Node("Conv", {inner, "b.w", "b.b"}, {"b"}, {Pads(1)})
      .Node("Add", {"b", "s.r"}, {"sum"})
      .Node("Relu", {"sum"}, {"sum.r"})
      .Node("MaxPool", {"sum.r"}, {"p"},
            {Attr("kernel_shape", std::vector<int64_t>{4, 4}), Attr("strides", std::vector<int64_t>{4, 4})})
      .Node("Flatten", {pooled}, {"f"})
      .Node("Gemm", {"f", "fc.w", "fc.b"}, {"y"}, {Attr("transB", int64_t{1})})
      .Output("y", DType::kFloat32)
      .Build();
}

// Largest |difference| between two models' outputs on the same input.
float LargestDifference(const onnx::ModelProto& a, const onnx::ModelProto& b, const Shape& shape) {
  const auto x = RunModel(a, shape);
  const auto y = RunModel(b, shape);
  EXPECT_EQ(x.size(), y.size());
  float largest = 0.0F;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) largest = std::max(largest, std::abs(x[i] - y[i]));
  return largest;
}

TEST(PruneChannels, ComputesTheOriginalWithTheRemovedChannelsReadAsZero) {
  const auto model = ResidualBlock({}, {});
  PruneReport report;
  auto pruned = PruneChannels(model, 0.5, ResidualChannels::kKeep, &report);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  // The block's inner channels go; the residual stream (stem and b) stays whole.
  EXPECT_EQ(Dims(*pruned, "a.w"), (std::vector<int64_t>{3, 4, 3, 3}));
  EXPECT_EQ(Dims(*pruned, "beta"), (std::vector<int64_t>{3}));
  EXPECT_EQ(Dims(*pruned, "b.w"), (std::vector<int64_t>{4, 3, 3, 3}));
  EXPECT_EQ(Dims(*pruned, "stem.w"), (std::vector<int64_t>{4, 3, 3, 3}));
  ASSERT_EQ(report.kept.size(), 2U);
  for (const auto& [node, why] : report.kept) EXPECT_NE(why.find("residual Add 'Add_"), std::string::npos) << why;
  const auto reference = ResidualBlock(KeptMask({Values(model, "a.w")}, 6, 3), {});
  EXPECT_LT(LargestDifference(*pruned, reference, {2, 3, 8, 8}), 1e-5F);
  // The removed channels were not zero in the original: pruning changed its outputs.
  EXPECT_GT(LargestDifference(model, reference, {2, 3, 8, 8}), 1e-3F);
}

TEST(PruneChannels, PrunesAResidualStreamOnlyWhenAsked) {
  const auto model = ResidualBlock({}, {});
  auto pruned = PruneChannels(model, 0.5, ResidualChannels::kPrune);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Dims(*pruned, "stem.w"), (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_EQ(Dims(*pruned, "b.w"), (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_EQ(Dims(*pruned, "fc.w"), (std::vector<int64_t>{3, 8}));
  const auto reference = ResidualBlock(KeptMask({Values(model, "a.w")}, 6, 3),
                                       KeptMask({Values(model, "stem.w"), Values(model, "b.w")}, 4, 2));
  EXPECT_LT(LargestDifference(*pruned, reference, {2, 3, 8, 8}), 1e-5F);
}

TEST(PruneChannels, SlicesBatchNormalizationAndAGemmAfterFlatten) {
  std::vector<float> beta = {0.0F, 0.2F, 0.3F, 0.0F};
  const auto model = GraphBuilder("bn")
                         .Input("x", DType::kFloat32, {2, 1, 3, 3})
                         .Initializer("w", {4, 1, 3, 3}, Weights({4, 1, 3, 3}, 10, {0, 3}))
                         .Initializer("g", {4}, {1.0F, 2.0F, 0.5F, 3.0F})
                         .Initializer("beta", {4}, beta)
                         .Initializer("mean", {4}, {0.0F, 0.1F, -0.1F, 0.0F})
                         .Initializer("var", {4}, {1.0F, 2.0F, 0.5F, 4.0F})
                         .Initializer("fc.w", {36, 5}, Weights({36, 5}, 11))
                         .Node("Conv", {"x", "w"}, {"c"}, {Pads(1)})
                         .Node("BatchNormalization", {"c", "g", "beta", "mean", "var"}, {"n"})
                         .Node("Relu", {"n"}, {"r"})
                         .Node("MaxPool", {"r"}, {"p"}, {Attr("kernel_shape", std::vector<int64_t>{1, 1})})
                         .Node("Flatten", {"p"}, {"f"})
                         .Node("Gemm", {"f", "fc.w"}, {"y"})
                         .Output("y", DType::kFloat32)
                         .Build();
  auto pruned = PruneChannels(model, 0.5);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Values(*pruned, "g"), (std::vector<float>{2.0F, 0.5F}));
  EXPECT_EQ(Values(*pruned, "beta"), (std::vector<float>{0.2F, 0.3F}));
  EXPECT_EQ(Values(*pruned, "mean"), (std::vector<float>{0.1F, -0.1F}));
  EXPECT_EQ(Values(*pruned, "var"), (std::vector<float>{2.0F, 0.5F}));
  EXPECT_EQ(Dims(*pruned, "fc.w"), (std::vector<int64_t>{18, 5}));  // rows 9-26 of 36
  EXPECT_EQ(Values(*pruned, "fc.w")[0], Values(model, "fc.w")[9 * 5]);
  ExpectSameOutputs(model, *pruned, {2, 1, 3, 3});
}

TEST(PruneChannels, ShrinksADepthwiseConvAndItsGroupWithTheChannels) {
  // conv -> Clip (bounds as inputs, opset 13) -> depthwise 3x3 -> conv; channels 1 and 2 are zero.
  const auto model = GraphBuilder("depthwise")
                         .Input("x", DType::kFloat32, {1, 2, 5, 5})
                         .Initializer("w", {4, 2, 1, 1}, Weights({4, 2, 1, 1}, 15, {1, 2}))
                         .Initializer("lo", {}, {0.0F})
                         .Initializer("hi", {}, {6.0F})
                         .Initializer("dw", {4, 1, 3, 3}, Weights({4, 1, 3, 3}, 16))
                         .Initializer("dw.b", {4}, {0.1F, 0.0F, 0.0F, -0.1F})
                         .Initializer("out", {3, 4, 1, 1}, Weights({3, 4, 1, 1}, 17))
                         .Node("Conv", {"x", "w"}, {"c"})
                         .Node("Clip", {"c", "lo", "hi"}, {"r"})
                         .Node("Conv", {"r", "dw", "dw.b"}, {"d"}, {Pads(1), Attr("group", int64_t{4})})
                         .Node("Conv", {"d", "out"}, {"y"})
                         .Output("y", DType::kFloat32)
                         .Build();
  auto pruned = PruneChannels(model, 0.5);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Dims(*pruned, "dw"), (std::vector<int64_t>{2, 1, 3, 3}));
  EXPECT_EQ(Values(*pruned, "dw.b"), (std::vector<float>{0.1F, -0.1F}));
  EXPECT_EQ(Dims(*pruned, "out"), (std::vector<int64_t>{3, 2, 1, 1}));
  EXPECT_EQ(Values(*pruned, "lo"), std::vector<float>{0.0F});  // the bounds are scalars, left alone
  const auto& depthwise = pruned->graph().node(2);
  ASSERT_EQ(depthwise.attribute_size(), 2);
  EXPECT_EQ(depthwise.attribute(1).name(), "group");
  EXPECT_EQ(depthwise.attribute(1).i(), 2);
  ExpectSameOutputs(model, *pruned, {1, 2, 5, 5});
}

TEST(PruneChannels, KeepsChannelsThatMeetAtAConcatAndSaysWhy) {
  const auto model = GraphBuilder("concat")
                         .Input("x", DType::kFloat32, {1, 2, 4, 4})
                         .Initializer("a.w", {4, 2, 1, 1}, Weights({4, 2, 1, 1}, 12, {2, 3}))
                         .Initializer("b.w", {4, 4, 1, 1}, Weights({4, 4, 1, 1}, 13))
                         .Node("Conv", {"x", "a.w"}, {"a"})
                         .Node("Conv", {"a", "b.w"}, {"b"})
                         .Node("Concat", {"b", "x"}, {"y"}, {Attr("axis", int64_t{1})})
                         .Output("y", DType::kFloat32)
                         .Build();
  PruneReport report;
  auto pruned = PruneChannels(model, 0.5, ResidualChannels::kKeep, &report);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(Dims(*pruned, "a.w"), (std::vector<int64_t>{2, 2, 1, 1}));
  EXPECT_EQ(Dims(*pruned, "b.w"), (std::vector<int64_t>{4, 2, 1, 1}));
  ASSERT_EQ(report.kept.size(), 1U);
  EXPECT_EQ(report.kept[0].first, "Conv_2");
  EXPECT_NE(report.kept[0].second.find("Concat"), std::string::npos);
  ExpectSameOutputs(model, *pruned, {1, 2, 4, 4});
}

TEST(PruneChannels, RefusesAFractionOutOfRangeAndAModelWithNothingToPrune) {
  const auto model = GraphBuilder("one")
                         .Input("x", DType::kFloat32, {1, 1, 4, 4})
                         .Initializer("w", {4, 1, 1, 1}, Weights({4, 1, 1, 1}, 14))
                         .Node("Conv", {"x", "w"}, {"y"})
                         .Output("y", DType::kFloat32)
                         .Build();
  EXPECT_NE(PruneChannels(model, -0.1).status().message().find("fraction must be in [0, 1)"), std::string::npos);
  const auto status = PruneChannels(model, 0.5).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("graph output 'y'"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace sweetspot
