#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/float16.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::TempDir;

constexpr int32_t kHalf = onnx::TensorProto::FLOAT16;
constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

std::unique_ptr<Backend> Ort() {
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok());
  return std::move(*backend);
}

Tensor RandomImage(Shape shape, uint32_t seed) {
  Tensor tensor = Tensor::Owned(DType::kFloat32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  for (float& v : tensor.values<float>()) v = uniform(rng);
  return tensor;
}

// Runs `model` on `input` in ONNX Runtime (asserting it loads) and returns its first output.
std::vector<float> RunModel(const onnx::ModelProto& model, const Tensor& input) {
  TempDir dir;
  auto backend = Ort();
  auto session = backend->Load(testing::WriteModel(model, dir / "model.onnx"), BackendOptions{});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  auto outputs = (*session)->Run(std::span<const Tensor>(&input, 1));
  EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
  if (!outputs.ok()) return {};
  const auto values = outputs->front().values<float>();
  return {values.begin(), values.end()};
}

// Largest difference relative to the largest magnitude of `expected`.
double RelativeError(const std::vector<float>& expected, const std::vector<float>& actual) {
  EXPECT_EQ(expected.size(), actual.size());
  double scale = 0.0;
  double error = 0.0;
  for (std::size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
    scale = std::max(scale, static_cast<double>(std::fabs(expected[i])));
    error = std::max(error, static_cast<double>(std::fabs(expected[i] - actual[i])));
  }
  return scale > 0 ? error / scale : error;
}

const onnx::TensorProto& Initializer(const onnx::ModelProto& model, const std::string& name) {
  const auto& inits = model.graph().initializer();
  const auto it = std::find_if(inits.begin(), inits.end(), [&](const auto& init) { return init.name() == name; });
  EXPECT_NE(it, inits.end()) << name;
  return *it;
}

std::vector<uint16_t> HalfBits(const onnx::TensorProto& tensor) {
  std::vector<uint16_t> bits(tensor.raw_data().size() / 2);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    bits[i] = static_cast<uint16_t>(static_cast<uint8_t>(tensor.raw_data()[2 * i]) |
                                    (static_cast<uint8_t>(tensor.raw_data()[2 * i + 1]) << 8));
  }
  return bits;
}

int32_t ElemType(const onnx::ValueInfoProto& info) { return info.type().tensor_type().elem_type(); }

TEST(Float16, TinyCnnKeepsItsFloat32InterfaceAndMatchesFloat32WithinHalfPrecision) {
  const auto model = testing::TinyCnn();
  Float16Report report;
  auto converted = ConvertToFloat16(model, Float16Options{}, &report);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();

  for (const char* name : {"conv1.w", "conv1.b", "conv2.w", "fc.w"}) {
    EXPECT_EQ(Initializer(*converted, name).data_type(), kHalf) << name;
  }
  EXPECT_EQ(ElemType(converted->graph().input(0)), kFloat);
  EXPECT_EQ(ElemType(converted->graph().output(0)), kFloat);
  EXPECT_EQ(converted->graph().output(0).name(), "logits");
  EXPECT_EQ(report.cast_nodes, 2);     // one after the input, one before the output
  EXPECT_EQ(report.float16_nodes, 8);  // every node of the model
  EXPECT_TRUE(report.float32_nodes.empty());

  const Tensor image = RandomImage({2, 3, 32, 32}, 7);
  EXPECT_LT(RelativeError(RunModel(model, image), RunModel(*converted, image)), 1e-2);
}

TEST(Float16, RoundsToNearestEvenSaturatesAndKeepsTinyValuesNonZero) {
  GraphBuilder b("values");
  b.Input("x", DType::kFloat32, {8})
      .Initializer("c", {8}, {1.0F, -2.0F, 0.1F, 65504.0F, 1e6F, 1e-10F, 0.0F, 1.0F + 1.0F / 2048.0F})
      .Node("Add", {"x", "c"}, {"y"})
      .Output("y", DType::kFloat32, {8});
  auto converted = ConvertToFloat16(b.Build(), Float16Options{});
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  // 1+2^-11 is halfway between 1 and the next half: it rounds to even (1.0).
  const std::vector<uint16_t> expected{0x3C00, 0xC000, 0x2E66, 0x7BFF, 0x7BFF, 0x0001, 0x0000, 0x3C00};
  EXPECT_EQ(HalfBits(Initializer(*converted, "c")), expected);
}

TEST(Float16, ConvertsConstantsCastTargetsAndValueInfo) {
  GraphBuilder b("casts");
  b.Input("x", DType::kFloat32, {1, 4})
      .Int64Initializer("steps", {1, 4}, {1, 2, 3, 4})
      .Node("Cast", {"steps"}, {"steps_f"}, {Attr("to", int64_t{onnx::TensorProto::FLOAT})})
      .Node("Constant", {}, {"half"}, {Attr("value_floats", std::vector<float>{0.5F})})
      .Node("Mul", {"x", "steps_f"}, {"scaled"})
      .Node("Add", {"scaled", "half"}, {"y"})
      .Output("y", DType::kFloat32, {1, 4});
  onnx::ModelProto model = b.Build();
  auto* info = model.mutable_graph()->add_value_info();
  info->set_name("scaled");
  info->mutable_type()->mutable_tensor_type()->set_elem_type(kFloat);

  auto converted = ConvertToFloat16(model, Float16Options{});
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  const auto& nodes = converted->graph().node();
  const auto cast = std::find_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.output(0) == "steps_f"; });
  ASSERT_NE(cast, nodes.end());
  EXPECT_EQ(cast->attribute(0).i(), kHalf);
  EXPECT_EQ(ElemType(converted->graph().value_info(0)), kHalf);

  Tensor x = Tensor::Owned(DType::kFloat32, {1, 4});
  std::fill(x.values<float>().begin(), x.values<float>().end(), 2.0F);
  EXPECT_EQ(RunModel(*converted, x), (std::vector<float>{2.5F, 4.5F, 6.5F, 8.5F}));
}

TEST(Float16, ConstantTensorsBecomeFloat16) {
  GraphBuilder b("constant");
  onnx::TensorProto value;
  value.set_data_type(kFloat);
  value.add_dims(2);
  value.add_float_data(0.25F);
  value.add_float_data(-3.0F);
  onnx::AttributeProto attr;
  attr.set_name("value");
  attr.set_type(onnx::AttributeProto::TENSOR);
  *attr.mutable_t() = value;
  b.Input("x", DType::kFloat32, {2}).Node("Constant", {}, {"c"}, {attr}).Node("Sub", {"x", "c"}, {"y"});
  b.Output("y", DType::kFloat32, {2});
  auto converted = ConvertToFloat16(b.Build(), Float16Options{});
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  const auto& constant = converted->graph().node(0).attribute(0).t();
  EXPECT_EQ(constant.data_type(), kHalf);
  EXPECT_EQ(HalfBits(constant), (std::vector<uint16_t>{0x3400, 0xC200}));

  Tensor x = Tensor::Owned(DType::kFloat32, {2});
  EXPECT_EQ(RunModel(*converted, x), (std::vector<float>{-0.25F, 3.0F}));
}

TEST(Float16, ListedNodesAndOpsStayFloat32BetweenCasts) {
  const auto model = testing::TinyCnn();
  Float16Options options;
  options.keep_float32_nodes = {"Relu_2"};
  options.keep_float32_ops = {"Gemm"};
  Float16Report report;
  auto converted = ConvertToFloat16(model, options, &report);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  EXPECT_EQ(report.float32_nodes, (std::vector<std::string>{"Relu_2", "Gemm_8"}));
  EXPECT_EQ(report.reasons, (std::vector<std::string>{"listed", "listed op Gemm"}));
  // Gemm's weights stay float32: only a float32 node reads them.
  EXPECT_EQ(Initializer(*converted, "fc.w").data_type(), kFloat);
  EXPECT_EQ(Initializer(*converted, "conv1.w").data_type(), kHalf);
  // input -> half; Relu_2 in and out; Gemm's input; the output needs none (Gemm writes float32).
  EXPECT_EQ(report.cast_nodes, 4);

  const Tensor image = RandomImage({1, 3, 32, 32}, 3);
  EXPECT_LT(RelativeError(RunModel(model, image), RunModel(*converted, image)), 1e-2);
}

TEST(Float16, WithoutKeepIoTheInterfaceIsFloat16) {
  Float16Options options;
  options.keep_io_float32 = false;
  Float16Report report;
  auto converted = ConvertToFloat16(testing::TinyCnn(), options, &report);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  EXPECT_EQ(ElemType(converted->graph().input(0)), kHalf);
  EXPECT_EQ(ElemType(converted->graph().output(0)), kHalf);
  EXPECT_EQ(report.cast_nodes, 0);

  TempDir dir;
  auto session = Ort()->Load(testing::WriteModel(*converted, dir / "half.onnx"), BackendOptions{});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->inputs().front().dtype, DType::kFloat16);
}

TEST(Float16, AModelWithoutFloat32TensorsIsRefused) {
  GraphBuilder b("ints");
  b.Input("x", DType::kInt64, {2}).Node("Neg", {"x"}, {"y"}).Output("y", DType::kInt64, {2});
  auto converted = ConvertToFloat16(b.Build(), Float16Options{});
  ASSERT_FALSE(converted.ok());
  EXPECT_NE(converted.status().message().find("nothing to convert"), std::string::npos);
}

TEST(Float16, ForRuntimeKeepsInFloat32WhatTheCpuProviderRunsInFloat32AndListsIt) {
  const auto model = testing::TinyCnn();
  auto backend = Ort();
  Float16Report report;
  auto converted = ConvertToFloat16ForRuntime(*backend, BackendOptions{}, model, Float16Options{}, &report);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  ASSERT_EQ(report.float32_nodes.size(), report.reasons.size());
  // ONNX Runtime's CPU provider has no float16 Conv: it ran it in float32
  // between Casts, so the returned model keeps it float32 and says why.
  const auto conv = std::find(report.float32_nodes.begin(), report.float32_nodes.end(), "Conv_1");
  ASSERT_NE(conv, report.float32_nodes.end());
  const std::string& reason = report.reasons[static_cast<std::size_t>(conv - report.float32_nodes.begin())];
  EXPECT_NE(reason.find("cpu"), std::string::npos) << reason;
  EXPECT_EQ(Initializer(*converted, "conv1.w").data_type(), kFloat);
  EXPECT_EQ(report.float16_nodes + static_cast<int>(report.float32_nodes.size()), model.graph().node_size());

  const Tensor image = RandomImage({1, 3, 32, 32}, 5);
  EXPECT_LT(RelativeError(RunModel(model, image), RunModel(*converted, image)), 1e-2);
}

TEST(Float16, NodesWithSubgraphsAreRefusedByName) {
  GraphBuilder branch("branch");
  branch.Input("unused", DType::kFloat32, {1}).Output("unused", DType::kFloat32, {1});
  onnx::AttributeProto then_branch;
  then_branch.set_name("then_branch");
  then_branch.set_type(onnx::AttributeProto::GRAPH);
  *then_branch.mutable_g() = branch.Build().graph();
  GraphBuilder b("control");
  b.Input("cond", DType::kBool, {1}).Input("x", DType::kFloat32, {1});
  b.Node("If", {"cond"}, {"y"}, {then_branch}).Output("y", DType::kFloat32, {1});
  auto converted = ConvertToFloat16(b.Build(), Float16Options{});
  ASSERT_FALSE(converted.ok());
  EXPECT_NE(converted.status().message().find("'If_1' (If) has subgraphs"), std::string::npos)
      << converted.status().message();
}

TEST(Float16, Resnet56InFloat16AgreesWithFloat32) {
  SWEETSPOT_REQUIRE_SHARED_DATA(path, "cifar10-resnet/resnet56_cifar10.onnx");
  auto model = LoadOnnxModel(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto converted = ConvertToFloat16(*model, Float16Options{});
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  const Tensor images = RandomImage({8, 3, 32, 32}, 11);
  const std::vector<float> expected = RunModel(*model, images);
  const std::vector<float> actual = RunModel(*converted, images);
  EXPECT_LT(RelativeError(expected, actual), 1e-2);
  ASSERT_EQ(actual.size(), 80U);
  for (std::size_t image = 0; image < 8; ++image) {
    const auto top = [&](const std::vector<float>& logits) {
      return std::max_element(logits.begin() + 10 * image, logits.begin() + 10 * (image + 1)) - logits.begin();
    };
    EXPECT_EQ(top(expected), top(actual)) << "image " << image;
  }

  auto backend = Ort();
  Float16Report report;
  auto for_cpu = ConvertToFloat16ForRuntime(*backend, BackendOptions{}, *model, Float16Options{}, &report);
  ASSERT_TRUE(for_cpu.ok()) << for_cpu.status().ToString();
  EXPECT_FALSE(report.float32_nodes.empty());
  for (const auto& reason : report.reasons) EXPECT_NE(reason.find("cpu"), std::string::npos) << reason;
}

}  // namespace
}  // namespace sweetspot
