// MAC rules of InspectModel, checked on one-node graphs against hand-computed
// figures (the formula is written out next to each expectation).
#include <gtest/gtest.h>

#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using Ints = std::vector<int64_t>;

ModelInfo InspectProto(const onnx::ModelProto& model, const InspectOptions& options = {}) {
  const Result<ModelInfo> info = InspectModel(model, options);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : ModelInfo{};
}

// Inspects `builder`'s model; fails the test on error.
ModelInfo Inspect(const GraphBuilder& builder, const InspectOptions& options = {}) {
  return InspectProto(builder.Build(), options);
}

// The cost of the graph's only node of type `op_type`.
const NodeCost& Only(const ModelInfo& info, const std::string& op_type) {
  const NodeCost* found = nullptr;
  for (const auto& node : info.nodes) {
    if (node.op_type == op_type) {
      EXPECT_EQ(found, nullptr) << "more than one " << op_type;
      found = &node;
    }
  }
  static const NodeCost kMissing;
  EXPECT_NE(found, nullptr) << "no " << op_type << " node";
  return found != nullptr ? *found : kMissing;
}

// GraphBuilder::Node takes an initializer_list, so graphs with a variable
// attribute set are built through this helper instead.
onnx::ModelProto WithAttributes(onnx::ModelProto model, const std::vector<onnx::AttributeProto>& attrs) {
  auto* node = model.mutable_graph()->mutable_node(model.graph().node_size() - 1);
  for (const auto& attr : attrs) *node->add_attribute() = attr;
  return model;
}

ModelInfo InspectConv(int64_t cin, int64_t hw, int64_t cout, int64_t k, int64_t group,
                      const std::vector<onnx::AttributeProto>& extra = {}) {
  GraphBuilder b("conv");
  b.Input("x", DType::kFloat32, {1, cin, hw, hw})
      .RandomInitializer("w", {cout, cin / group, k, k}, 1)
      .RandomInitializer("bias", {cout}, 2)
      .Node("Conv", {"x", "w", "bias"}, {"y"})
      .Output("y", DType::kFloat32);
  std::vector<onnx::AttributeProto> attrs{Attr("kernel_shape", Ints{k, k}), Attr("group", group)};
  attrs.insert(attrs.end(), extra.begin(), extra.end());
  return InspectProto(WithAttributes(b.Build(), attrs));
}

TEST(MacRules, ConvPlain) {
  // out [1,4,6,6]; MACs = N*Cout*Hout*Wout*Cin*kH*kW = 1*4*6*6*3*3*3
  const ModelInfo info = InspectConv(3, 8, 4, 3, 1);
  const NodeCost& conv = Only(info, "Conv");
  EXPECT_EQ(conv.kind, CostKind::kMacs);
  EXPECT_EQ(conv.macs, 4 * 6 * 6 * 3 * 3 * 3);
  EXPECT_EQ(conv.output_shape, (Shape{1, 4, 6, 6}));
  EXPECT_EQ(info.total_macs, 3888);
  EXPECT_EQ(conv.params, 4 * 3 * 3 * 3 + 4);  // weights + bias
  EXPECT_TRUE(info.warnings.empty()) << info.warnings.front();
}

TEST(MacRules, ConvWithStrideAndPadding) {
  // Hout = floor((8 + 1 + 1 - 3) / 2) + 1 = 4; MACs = 4*4*4 * 3*3*3
  const ModelInfo info = InspectConv(3, 8, 4, 3, 1, {Attr("strides", Ints{2, 2}), Attr("pads", Ints{1, 1, 1, 1})});
  EXPECT_EQ(Only(info, "Conv").output_shape, (Shape{1, 4, 4, 4}));
  EXPECT_EQ(info.total_macs, 4 * 4 * 4 * 27);
}

TEST(MacRules, ConvGrouped) {
  // group 2: each output channel sees Cin/group = 4 channels; MACs = 16*8*8 * 4*3*3
  const ModelInfo info = InspectConv(8, 8, 16, 3, 2, {Attr("pads", Ints{1, 1, 1, 1})});
  EXPECT_EQ(info.total_macs, 16 * 8 * 8 * 4 * 9);
  EXPECT_EQ(Only(info, "Conv").params, 16 * 4 * 9 + 16);
}

TEST(MacRules, ConvDepthwise) {
  // group = Cin = Cout = 8: MACs = 8*8*8 * 1*3*3
  const ModelInfo info = InspectConv(8, 8, 8, 3, 8, {Attr("pads", Ints{1, 1, 1, 1})});
  EXPECT_EQ(info.total_macs, 8 * 8 * 8 * 9);
}

TEST(MacRules, Conv1dAnd3d) {
  // 1-D: x [2,3,10], W [5,3,3] -> y [2,5,8]; MACs = 2*5*8 * 3*3
  GraphBuilder b1("conv1d");
  b1.Input("x", DType::kFloat32, {2, 3, 10})
      .RandomInitializer("w", {5, 3, 3}, 1)
      .Node("Conv", {"x", "w"}, {"y"}, {Attr("kernel_shape", Ints{3})})
      .Output("y", DType::kFloat32);
  EXPECT_EQ(Inspect(b1).total_macs, 2 * 5 * 8 * 3 * 3);

  // 3-D: x [1,2,4,4,4], W [3,2,3,3,3] -> y [1,3,2,2,2]; MACs = 3*2*2*2 * 2*3*3*3
  GraphBuilder b3("conv3d");
  b3.Input("x", DType::kFloat32, {1, 2, 4, 4, 4})
      .RandomInitializer("w", {3, 2, 3, 3, 3}, 1)
      .Node("Conv", {"x", "w"}, {"y"}, {Attr("kernel_shape", Ints{3, 3, 3})})
      .Output("y", DType::kFloat32);
  EXPECT_EQ(Inspect(b3).total_macs, 3 * 8 * 2 * 27);
}

TEST(MacRules, ConvTranspose) {
  // x [1,4,5,5], W [Cin=4, Cout=2, 3, 3], stride 2 -> y [1,2,11,11];
  // MACs = N*Cin*Hin*Win * Cout*kH*kW = 4*5*5 * 2*3*3
  GraphBuilder b("deconv");
  b.Input("x", DType::kFloat32, {1, 4, 5, 5})
      .RandomInitializer("w", {4, 2, 3, 3}, 1)
      .Node("ConvTranspose", {"x", "w"}, {"y"}, {Attr("kernel_shape", Ints{3, 3}), Attr("strides", Ints{2, 2})})
      .Output("y", DType::kFloat32);
  const ModelInfo info = Inspect(b);
  EXPECT_EQ(Only(info, "ConvTranspose").output_shape, (Shape{1, 2, 11, 11}));
  EXPECT_EQ(info.total_macs, 4 * 25 * 2 * 9);

  // Grouped (group 2): W [4, Cout/group=1, 3, 3]; MACs = 4*5*5 * 1*3*3
  GraphBuilder g("deconv_grouped");
  g.Input("x", DType::kFloat32, {1, 4, 5, 5})
      .RandomInitializer("w", {4, 1, 3, 3}, 1)
      .Node("ConvTranspose", {"x", "w"}, {"y"},
            {Attr("kernel_shape", Ints{3, 3}), Attr("strides", Ints{2, 2}), Attr("group", int64_t{2})})
      .Output("y", DType::kFloat32);
  EXPECT_EQ(Inspect(g).total_macs, 4 * 25 * 9);
}

TEST(MacRules, Gemm) {
  // A [M=2, K=8], B [K=8, N=5]: MACs = M*N*K
  GraphBuilder b("gemm");
  b.Input("a", DType::kFloat32, {2, 8})
      .RandomInitializer("b", {8, 5}, 1)
      .RandomInitializer("c", {5}, 2)
      .Node("Gemm", {"a", "b", "c"}, {"y"})
      .Output("y", DType::kFloat32);
  const ModelInfo info = Inspect(b);
  EXPECT_EQ(info.total_macs, 2 * 5 * 8);
  EXPECT_EQ(Only(info, "Gemm").params, 8 * 5 + 5);

  // transA and transB: A stored [K, M], B stored [N, K].
  GraphBuilder t("gemm_trans");
  t.Input("a", DType::kFloat32, {8, 2})
      .RandomInitializer("b", {5, 8}, 1)
      .Node("Gemm", {"a", "b"}, {"y"}, {Attr("transA", int64_t{1}), Attr("transB", int64_t{1})})
      .Output("y", DType::kFloat32);
  const ModelInfo trans = Inspect(t);
  EXPECT_EQ(Only(trans, "Gemm").output_shape, (Shape{2, 5}));
  EXPECT_EQ(trans.total_macs, 2 * 5 * 8);
}

ModelInfo InspectMatMul(const Shape& a, const Shape& b) {
  GraphBuilder g("matmul");
  g.Input("a", DType::kFloat32, a)
      .Input("b", DType::kFloat32, b)
      .Node("MatMul", {"a", "b"}, {"y"})
      .Output("y", DType::kFloat32);
  return Inspect(g);
}

TEST(MacRules, MatMul2d) {
  // [M=3, K=4] x [K=4, N=5]: MACs = 3*5*4
  EXPECT_EQ(InspectMatMul({3, 4}, {4, 5}).total_macs, 3 * 5 * 4);
  // 1-D operands follow numpy: [K=5] x [5, 6] -> [6]: MACs = 6*5
  EXPECT_EQ(InspectMatMul({5}, {5, 6}).total_macs, 6 * 5);
  EXPECT_EQ(InspectMatMul({3, 5}, {5}).total_macs, 3 * 5);
}

TEST(MacRules, MatMulBatchedAndBroadcast) {
  // [2,3,M=4,K=5] x [K=5,N=6]: MACs = 2*3 * 4*6*5
  EXPECT_EQ(InspectMatMul({2, 3, 4, 5}, {5, 6}).total_macs, 2 * 3 * 4 * 6 * 5);
  // Batch dims broadcast [2,1] with [3] -> [2,3]: MACs = 2*3 * 4*6*5
  const ModelInfo info = InspectMatMul({2, 1, 4, 5}, {3, 5, 6});
  EXPECT_EQ(Only(info, "MatMul").output_shape, (Shape{2, 3, 4, 6}));
  EXPECT_EQ(info.total_macs, 2 * 3 * 4 * 6 * 5);
}

TEST(MacRules, Pooling) {
  // MaxPool 2x2 stride 2 on [1,4,8,8] -> [1,4,4,4]: MACs = 4*4*4 * 2*2
  GraphBuilder max("maxpool");
  max.Input("x", DType::kFloat32, {1, 4, 8, 8})
      .Node("MaxPool", {"x"}, {"y"}, {Attr("kernel_shape", Ints{2, 2}), Attr("strides", Ints{2, 2})})
      .Output("y", DType::kFloat32);
  EXPECT_EQ(Inspect(max).total_macs, 4 * 4 * 4 * 4);

  // AveragePool 3x3 stride 1 pad 1 on [1,4,8,8] -> [1,4,8,8]: MACs = 4*8*8 * 3*3
  GraphBuilder avg("avgpool");
  avg.Input("x", DType::kFloat32, {1, 4, 8, 8})
      .Node("AveragePool", {"x"}, {"y"}, {Attr("kernel_shape", Ints{3, 3}), Attr("pads", Ints{1, 1, 1, 1})})
      .Output("y", DType::kFloat32);
  EXPECT_EQ(Inspect(avg).total_macs, 4 * 8 * 8 * 9);

  // GlobalAveragePool / GlobalMaxPool read every input element once: 4*8*8
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    GraphBuilder gap("gap");
    gap.Input("x", DType::kFloat32, {1, 4, 8, 8}).Node(op, {"x"}, {"y"}).Output("y", DType::kFloat32);
    const ModelInfo info = Inspect(gap);
    EXPECT_EQ(info.total_macs, 4 * 8 * 8) << op;
    EXPECT_EQ(Only(info, op).output_shape, (Shape{1, 4, 1, 1})) << op;
  }
}

TEST(MacRules, QLinearConv) {
  // Like Conv: x [1,3,8,8] uint8, W [4,3,3,3] int8 -> y [1,4,6,6]; MACs = 4*6*6 * 3*3*3.
  // The per-channel weight scale [4] is metadata, not a parameter.
  GraphBuilder b("qconv", 13);
  b.Input("x", DType::kUInt8, {1, 3, 8, 8})
      .Initializer("x_scale", {}, {0.1F})
      .Int8Initializer("x_zp", DType::kUInt8, {}, {128})
      .Int8Initializer("w", DType::kInt8, {4, 3, 3, 3}, std::vector<int32_t>(108, -3))
      .Initializer("w_scale", {4}, {0.1F, 0.2F, 0.3F, 0.4F})
      .Int8Initializer("w_zp", DType::kInt8, {4}, {0, 0, 0, 0})
      .Initializer("y_scale", {}, {0.2F})
      .Int8Initializer("y_zp", DType::kUInt8, {}, {128})
      .Node("QLinearConv", {"x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"}, {"y"},
            {Attr("kernel_shape", Ints{3, 3})})
      .Output("y", DType::kUInt8);
  const ModelInfo info = Inspect(b);
  EXPECT_EQ(Only(info, "QLinearConv").output_shape, (Shape{1, 4, 6, 6}));
  EXPECT_EQ(info.total_macs, 4 * 36 * 27);
  EXPECT_EQ(info.param_count, 108);
  // Every stored byte: 4 + 1 + 108 + 16 + 4 + 4 + 1
  EXPECT_EQ(info.weight_bytes, 4 + 1 + 108 + 16 + 4 + 4 + 1);
}

TEST(MacRules, QLinearMatMul) {
  // a [2,3,K=4] uint8 x b [4,N=5] int8 -> [2,3,5]: MACs = 2*3*5 * 4
  GraphBuilder b("qmatmul");
  b.Input("a", DType::kUInt8, {2, 3, 4})
      .Initializer("a_scale", {}, {0.1F})
      .Int8Initializer("a_zp", DType::kUInt8, {}, {128})
      .Int8Initializer("b", DType::kInt8, {4, 5}, std::vector<int32_t>(20, 7))
      .Initializer("b_scale", {}, {0.1F})
      .Int8Initializer("b_zp", DType::kInt8, {}, {0})
      .Initializer("y_scale", {}, {0.1F})
      .Int8Initializer("y_zp", DType::kUInt8, {}, {128})
      .Node("QLinearMatMul", {"a", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"}, {"y"})
      .Output("y", DType::kUInt8);
  const ModelInfo info = Inspect(b);
  EXPECT_EQ(info.total_macs, 2 * 3 * 5 * 4);
  EXPECT_EQ(info.param_count, 20);
}

TEST(MacRules, ConvInteger) {
  // x [1,3,8,8] uint8, W [4,3,3,3] uint8 -> y [1,4,6,6] int32; MACs = 4*6*6 * 3*3*3
  GraphBuilder b("convint");
  b.Input("x", DType::kUInt8, {1, 3, 8, 8})
      .Int8Initializer("w", DType::kUInt8, {4, 3, 3, 3}, std::vector<int32_t>(108, 3))
      .Int8Initializer("x_zp", DType::kUInt8, {}, {128})
      .Node("ConvInteger", {"x", "w", "x_zp"}, {"y"}, {Attr("kernel_shape", Ints{3, 3})})
      .Output("y", DType::kInt32);
  const ModelInfo info = Inspect(b);
  EXPECT_EQ(info.total_macs, 4 * 36 * 27);
  EXPECT_EQ(info.param_count, 108);
}

TEST(MacRules, MatMulInteger) {
  // [M=2, K=4] uint8 x [4, N=3] uint8 -> [2,3] int32: MACs = 2*3*4
  GraphBuilder b("matmulint");
  b.Input("a", DType::kUInt8, {2, 4})
      .Int8Initializer("b", DType::kUInt8, {4, 3}, std::vector<int32_t>(12, 1))
      .Node("MatMulInteger", {"a", "b"}, {"y"})
      .Output("y", DType::kInt32);
  const ModelInfo info = Inspect(b);
  EXPECT_EQ(Only(info, "MatMulInteger").output_shape, (Shape{2, 3}));
  EXPECT_EQ(info.total_macs, 2 * 3 * 4);
}

TEST(MacRules, ElementwiseOpsAreCountedApart) {
  // Relu [1,4,8,8] -> 256 ops; Add of two [1,4,8,8] -> 256 ops; no MACs.
  GraphBuilder b("elementwise");
  b.Input("x", DType::kFloat32, {1, 4, 8, 8})
      .Node("Relu", {"x"}, {"r"})
      .Node("Add", {"r", "x"}, {"y"})
      .Output("y", DType::kFloat32);
  const ModelInfo info = Inspect(b);
  const NodeCost& relu = Only(info, "Relu");
  EXPECT_EQ(relu.kind, CostKind::kElementwise);
  EXPECT_EQ(relu.elementwise_ops, 256);
  EXPECT_EQ(relu.macs, 0);
  EXPECT_EQ(info.total_macs, 0);
  EXPECT_EQ(info.elementwise_ops, 2 * 256);
}

TEST(MacRules, ShapeOpsAreFree) {
  GraphBuilder b("reshape");
  b.Input("x", DType::kFloat32, {2, 4, 3})
      .Int64Initializer("shape", {2}, {2, 12})
      .Node("Reshape", {"x", "shape"}, {"y"})
      .Output("y", DType::kFloat32);
  const ModelInfo info = Inspect(b);
  const NodeCost& reshape = Only(info, "Reshape");
  EXPECT_EQ(reshape.kind, CostKind::kFree);
  EXPECT_EQ(reshape.output_shape, (Shape{2, 12}));
  EXPECT_EQ(info.elementwise_ops, 0);
  EXPECT_EQ(info.param_count, 0);  // int64 shape tensors are not parameters
  EXPECT_EQ(info.weight_bytes, 16);
}

TEST(MacRules, UnknownShapeWarnsAndCountsZero) {
  // A custom-domain op has no schema, so the Conv after it has no input shape.
  GraphBuilder b("custom");
  b.Input("x", DType::kFloat32, {1, 3, 8, 8})
      .Node("Mystery", {"x"}, {"m"}, {}, "com.example")
      .RandomInitializer("w", {4, 3, 3, 3}, 1)
      .Node("Conv", {"m", "w"}, {"y"}, {Attr("kernel_shape", Ints{3, 3})})
      .Output("y", DType::kFloat32);
  const ModelInfo info = Inspect(b);
  const NodeCost& conv = Only(info, "Conv");
  EXPECT_FALSE(conv.shape_known);
  EXPECT_EQ(conv.macs, 0);
  EXPECT_EQ(info.op_histogram.at("com.example.Mystery"), 1);
  std::string all;
  for (const auto& w : info.warnings) all += w + "\n";
  EXPECT_NE(all.find("com.example.Mystery"), std::string::npos) << all;
  EXPECT_NE(all.find("Conv_2"), std::string::npos) << all;
}

}  // namespace
}  // namespace sweetspot
