// InspectModel on whole models: the tiny CNN fixture (figures computed by
// hand), dynamic dimensions, stored-tensor accounting, bad files, JSON.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using Ints = std::vector<int64_t>;
using ::sweetspot::testing::TempDir;
using ::sweetspot::testing::WriteFile;
using ::sweetspot::testing::WriteModel;

// TinyCnn (3x32x32, width 8, 10 classes), per image:
//   conv1 [8,3,3,3]:  8*32*32 * 3*3*3   = 221184 MACs; 216 + 8 params
//   maxpool 2x2:      8*16*16 * 2*2     =   8192
//   conv2 [16,8,3,3]: 16*16*16 * 8*3*3  = 294912 MACs; 1152 + 16 params
//   global avg pool:  16*16*16          =   4096
//   gemm [10,16]:     10*16             =    160 MACs; 160 + 10 params
// Elementwise: relu1 8*32*32 = 8192, relu2 16*16*16 = 4096; Flatten is free.
constexpr int64_t kTinyMacs = 221184 + 8192 + 294912 + 4096 + 160;
constexpr int64_t kTinyParams = 216 + 8 + 1152 + 16 + 160 + 10;
constexpr int64_t kTinyElementwise = 8192 + 4096;

ModelInfo InspectOk(const onnx::ModelProto& model, const InspectOptions& options = {}) {
  const Result<ModelInfo> info = InspectModel(model, options);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : ModelInfo{};
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& line : lines) all += line + "\n";
  return all;
}

TEST(InspectModel, TinyCnnByHand) {
  const ModelInfo info = InspectOk(testing::TinyCnn());
  EXPECT_EQ(info.param_count, kTinyParams);
  EXPECT_EQ(info.weight_bytes, kTinyParams * 4);
  EXPECT_EQ(info.total_macs, kTinyMacs);
  EXPECT_EQ(info.elementwise_ops, kTinyElementwise);
  EXPECT_EQ(info.batch_size, 1);
  EXPECT_EQ(info.resolved_dims, (std::map<std::string, int64_t>{{"N", 1}}));
  EXPECT_TRUE(info.warnings.empty()) << Joined(info.warnings);

  EXPECT_EQ(info.producer_name, "sweetspot");
  EXPECT_EQ(info.opsets, (std::map<std::string, int64_t>{{"ai.onnx", 13}}));
  EXPECT_EQ(info.op_histogram,
            (std::map<std::string, int64_t>{
                {"Conv", 2}, {"Relu", 2}, {"MaxPool", 1}, {"GlobalAveragePool", 1}, {"Flatten", 1}, {"Gemm", 1}}));
  ASSERT_EQ(info.inputs.size(), 1U);
  EXPECT_EQ(info.inputs[0].name, "input");
  EXPECT_EQ(info.inputs[0].shape, (Shape{-1, 3, 32, 32}));  // as declared
  EXPECT_EQ(info.inputs[0].dim_names[0], "N");
  ASSERT_EQ(info.outputs.size(), 1U);
  EXPECT_EQ(info.outputs[0].name, "logits");

  ASSERT_EQ(info.nodes.size(), 8U);
  int64_t node_params = 0;
  for (const auto& node : info.nodes) node_params += node.params;
  EXPECT_EQ(node_params, info.param_count);
  EXPECT_EQ(info.nodes[0].params, 216 + 8);
  EXPECT_EQ(info.nodes[6].op_type, "Flatten");
  EXPECT_EQ(info.nodes[6].kind, CostKind::kFree);
  EXPECT_EQ(info.nodes[7].output_shape, (Shape{1, 10}));
}

TEST(InspectModel, DynamicBatchScalesLinearly) {
  InspectOptions options;
  options.batch_size = 4;
  const ModelInfo info = InspectOk(testing::TinyCnn(), options);
  EXPECT_EQ(info.total_macs, 4 * kTinyMacs);
  EXPECT_EQ(info.elementwise_ops, 4 * kTinyElementwise);
  EXPECT_EQ(info.param_count, kTinyParams);
  EXPECT_EQ(info.batch_size, 4);
  EXPECT_EQ(info.nodes.back().output_shape, (Shape{4, 10}));

  // The batch is set by batch_size only: naming its symbol is an error that
  // says so (the figures would otherwise be for a batch the report does not show).
  InspectOptions named;
  named.batch_size = 2;
  named.dim_values = {{"N", 3}};
  const Result<ModelInfo> by_name = InspectModel(testing::TinyCnn(), named);
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.status().fixes(), (std::vector<FieldFix>{{"batch", "", {"3"}}})) << by_name.status().message();
}

TEST(InspectModel, FixedBatchIgnoresBatchSizeWithWarning) {
  testing::TinyCnnSpec spec;
  spec.dynamic_batch = false;
  InspectOptions options;
  options.batch_size = 8;
  const ModelInfo info = InspectOk(testing::TinyCnn(spec), options);
  EXPECT_EQ(info.total_macs, kTinyMacs);
  EXPECT_EQ(info.batch_size, 1);
  EXPECT_TRUE(info.resolved_dims.empty());
  EXPECT_NE(Joined(info.warnings).find("batch size 8 ignored"), std::string::npos) << Joined(info.warnings);
}

// x [N,3,H,W] -> Conv 3x3 (4 out channels, pad 1): MACs = N*4*H*W * 27.
onnx::ModelProto SymbolicImageModel() {
  GraphBuilder b("symbolic");
  b.Input("x", DType::kFloat32, {-1, 3, -1, -1}, {"N", "", "H", "W"})
      .RandomInitializer("w", {4, 3, 3, 3}, 1)
      .Node("Conv", {"x", "w"}, {"y"}, {Attr("kernel_shape", Ints{3, 3}), Attr("pads", Ints{1, 1, 1, 1})})
      .Output("y", DType::kFloat32);
  return b.Build();
}

TEST(InspectModel, UnresolvedSymbolicDimIsAnErrorNamingIt) {
  const Result<ModelInfo> info = InspectModel(SymbolicImageModel());
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(info.status().message().find("'H'"), std::string::npos) << info.status().message();
  EXPECT_EQ(info.status().fixes(), (std::vector<FieldFix>{{"dims", "H", {"VALUE"}}, {"dims", "W", {"VALUE"}}}))
      << info.status().message();
}

TEST(InspectModel, SymbolicDimsResolvedByName) {
  InspectOptions options;
  options.batch_size = 2;
  options.dim_values = {{"H", 10}, {"W", 12}};
  const ModelInfo info = InspectOk(SymbolicImageModel(), options);
  EXPECT_EQ(info.total_macs, 2 * 4 * 10 * 12 * 27);
  EXPECT_EQ(info.resolved_dims, (std::map<std::string, int64_t>{{"H", 10}, {"N", 2}, {"W", 12}}));
}

TEST(InspectModel, UnnamedDimsResolvedByInputAndAxis) {
  GraphBuilder b("unnamed");
  b.Input("x", DType::kFloat32, {-1, 3, -1, 8})  // no names at all
      .RandomInitializer("w", {4, 3, 3, 3}, 1)
      .Node("Conv", {"x", "w"}, {"y"}, {Attr("kernel_shape", Ints{3, 3})})
      .Output("y", DType::kFloat32);
  const Result<ModelInfo> missing = InspectModel(b.Build());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().fixes(), (std::vector<FieldFix>{{"dims", "x:2", {"VALUE"}}}))
      << missing.status().message();

  InspectOptions options;
  options.dim_values = {{"x:2", 8}};
  const ModelInfo info = InspectOk(b.Build(), options);  // axis 0 is the batch: 1
  EXPECT_EQ(info.total_macs, 1 * 4 * 6 * 6 * 27);
  EXPECT_EQ(info.resolved_dims, (std::map<std::string, int64_t>{{"x:0", 1}, {"x:2", 8}}));
}

TEST(InspectModel, BadOptionsAreErrors) {
  InspectOptions unknown;
  unknown.dim_values = {{"H", 8}, {"W", 8}, {"seq", 5}};
  const Result<ModelInfo> info = InspectModel(SymbolicImageModel(), unknown);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find("'seq'"), std::string::npos) << info.status().message();
  EXPECT_NE(info.status().message().find("H, W"), std::string::npos) << info.status().message();

  InspectOptions zero;
  zero.batch_size = 0;
  EXPECT_EQ(InspectModel(testing::TinyCnn(), zero).status().code(), StatusCode::kInvalidArgument);
}

TEST(InspectModel, ConstantNodeWeightsCount) {
  onnx::TensorProto weights;
  weights.set_name("w");
  weights.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {4, 3, 3, 3}) weights.add_dims(d);
  for (int i = 0; i < 108; ++i) weights.add_float_data(0.01F * static_cast<float>(i));
  onnx::AttributeProto value;
  value.set_name("value");
  value.set_type(onnx::AttributeProto::TENSOR);
  *value.mutable_t() = weights;

  GraphBuilder b("constant_weights");
  b.Input("x", DType::kFloat32, {1, 3, 8, 8})
      .Node("Constant", {}, {"w"}, {value})
      .Node("Conv", {"x", "w"}, {"y"}, {Attr("kernel_shape", Ints{3, 3})})
      .Output("y", DType::kFloat32);
  const ModelInfo info = InspectOk(b.Build());
  EXPECT_EQ(info.param_count, 108);
  EXPECT_EQ(info.weight_bytes, 108 * 4);
  EXPECT_EQ(info.total_macs, 4 * 6 * 6 * 27);
  ASSERT_EQ(info.nodes.size(), 2U);
  EXPECT_EQ(info.nodes[0].kind, CostKind::kFree);
  EXPECT_EQ(info.nodes[0].params, 0);
  EXPECT_EQ(info.nodes[1].params, 108);  // attributed to the reader
}

TEST(InspectModel, ScalarsAndUnusedTensorsAreNotParameters) {
  GraphBuilder b("scalars");
  b.Input("x", DType::kFloat32, {1, 8})
      .Initializer("two", {}, {2.0F})
      .RandomInitializer("orphan", {5, 5}, 3)
      .Node("Mul", {"x", "two"}, {"y"})
      .Output("y", DType::kFloat32);
  const ModelInfo info = InspectOk(b.Build());
  EXPECT_EQ(info.param_count, 0);
  EXPECT_EQ(info.weight_bytes, 4 + 25 * 4);
  EXPECT_NE(Joined(info.warnings).find("orphan"), std::string::npos) << Joined(info.warnings);
}

TEST(InspectModel, InitializersListedAsInputsAreNotInputs) {
  // IR < 4 exporters list every initializer among the graph inputs.
  onnx::ModelProto model = testing::TinyCnn();
  model.set_ir_version(3);
  const onnx::ModelProto original = model;
  for (const auto& init : original.graph().initializer()) {
    auto* input = model.mutable_graph()->add_input();
    input->set_name(init.name());
    auto* type = input->mutable_type()->mutable_tensor_type();
    type->set_elem_type(init.data_type());
    for (auto d : init.dims()) type->mutable_shape()->add_dim()->set_dim_value(d);
  }
  const ModelInfo info = InspectOk(model);
  ASSERT_EQ(info.inputs.size(), 1U);
  EXPECT_EQ(info.inputs[0].name, "input");
  EXPECT_EQ(info.total_macs, kTinyMacs);
  EXPECT_EQ(info.param_count, kTinyParams);
}

TEST(InspectModel, ContradictingValueInfoIsReinferred) {
  // The exporter recorded intermediate shapes at batch 1; at batch 4 they
  // contradict inference, so they are dropped and inferred again.
  onnx::ModelProto model = testing::TinyCnn();
  auto* stale = model.mutable_graph()->add_value_info();
  stale->set_name("c1");
  auto* type = stale->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {1, 8, 32, 32}) type->mutable_shape()->add_dim()->set_dim_value(d);
  InspectOptions options;
  options.batch_size = 4;
  const ModelInfo info = InspectOk(model, options);
  EXPECT_EQ(info.total_macs, 4 * kTinyMacs);
  EXPECT_TRUE(info.warnings.empty()) << Joined(info.warnings);
}

TEST(InspectModel, DynamicFlattenThroughShapeOpsIsResolved) {
  // How exporters write x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze ->
  // Concat -> Reshape. Data propagation turns it into a concrete shape.
  GraphBuilder b("dynamic_flatten");
  b.Input("x", DType::kFloat32, {-1, 4, 2, 2}, {"N"})
      .Int64Initializer("zero", {}, {0})
      .Int64Initializer("axes", {1}, {0})
      .Int64Initializer("minus_one", {1}, {-1})
      .RandomInitializer("w", {16, 5}, 1)
      .Node("Shape", {"x"}, {"shape"})
      .Node("Gather", {"shape", "zero"}, {"batch"}, {Attr("axis", int64_t{0})})
      .Node("Unsqueeze", {"batch", "axes"}, {"batch1"})
      .Node("Concat", {"batch1", "minus_one"}, {"target"}, {Attr("axis", int64_t{0})})
      .Node("Reshape", {"x", "target"}, {"flat"})
      .Node("MatMul", {"flat", "w"}, {"y"})
      .Output("y", DType::kFloat32);
  InspectOptions options;
  options.batch_size = 3;
  const ModelInfo info = InspectOk(b.Build(), options);
  EXPECT_EQ(info.total_macs, 3 * 5 * 16);  // [3,16] x [16,5]
  EXPECT_TRUE(info.warnings.empty()) << Joined(info.warnings);
}

TEST(InspectModel, ResizeToComputedSizeIsResolved) {
  // Upsample x to the size of another tensor (an FPN's F.interpolate(size=...)):
  // Resize's sizes come from Shape, then a 1x1 conv on the result.
  GraphBuilder b("resize_to_ref");
  b.Input("x", DType::kFloat32, {-1, 2, 4, 4}, {"N"})
      .Input("ref", DType::kFloat32, {-1, 2, 8, 8}, {"N"})
      .RandomInitializer("w", {3, 2, 1, 1}, 1)
      .Node("Shape", {"ref"}, {"sizes"})
      .Node("Resize", {"x", "", "", "sizes"}, {"up"})
      .Node("Conv", {"up", "w"}, {"y"}, {Attr("kernel_shape", Ints{1, 1})})
      .Output("y", DType::kFloat32);
  InspectOptions options;
  options.batch_size = 2;
  const ModelInfo info = InspectOk(b.Build(), options);
  EXPECT_EQ(info.total_macs, 2 * 3 * 8 * 8 * 2);  // N*Cout*H*W * Cin
  EXPECT_TRUE(info.warnings.empty()) << Joined(info.warnings);
}

TEST(InspectModel, WarnsAboutOpsetNewerThanTheLibrary) {
  GraphBuilder b("future", 99);
  b.Input("x", DType::kFloat32, {1, 4}).Node("Relu", {"x"}, {"y"}).Output("y", DType::kFloat32);
  const ModelInfo info = InspectOk(b.Build());
  EXPECT_NE(Joined(info.warnings).find("opset ai.onnx 99"), std::string::npos) << Joined(info.warnings);
}

TEST(InspectModel, SubgraphsAreNotCostedButTheirReadsCount) {
  // If(cond) { y = x + bias } else { y = x }: "bias" is read only inside a branch.
  auto branch = [](const std::string& name, bool add) {
    GraphBuilder g(name);
    if (add) {
      g.Node("Add", {"x", "bias"}, {name + "_y"});
    } else {
      g.Node("Identity", {"x"}, {name + "_y"});
    }
    g.Output(name + "_y", DType::kFloat32, {1, 8});
    return g.Build().graph();
  };
  onnx::AttributeProto then_branch;
  then_branch.set_name("then_branch");
  then_branch.set_type(onnx::AttributeProto::GRAPH);
  *then_branch.mutable_g() = branch("then", true);
  onnx::AttributeProto else_branch;
  else_branch.set_name("else_branch");
  else_branch.set_type(onnx::AttributeProto::GRAPH);
  *else_branch.mutable_g() = branch("else", false);

  GraphBuilder b("control_flow");
  b.Input("cond", DType::kBool, {})
      .Input("x", DType::kFloat32, {1, 8})
      .RandomInitializer("bias", {1, 8}, 1)
      .Node("If", {"cond"}, {"y"}, {then_branch, else_branch})
      .Output("y", DType::kFloat32);
  const ModelInfo info = InspectOk(b.Build());
  EXPECT_EQ(info.param_count, 8);
  EXPECT_EQ(info.nodes.at(0).params, 8);
  const std::string warnings = Joined(info.warnings);
  EXPECT_NE(warnings.find("subgraphs of If (1 node)"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("no node reads"), std::string::npos) << warnings;
}

TEST(InspectModel, FromFileRecordsPathAndSize) {
  TempDir dir;
  const auto path = WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  const Result<ModelInfo> info = InspectModel(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->path, path);
  EXPECT_EQ(info->file_bytes, static_cast<int64_t>(std::filesystem::file_size(path)));
  EXPECT_EQ(info->total_macs, kTinyMacs);
}

TEST(InspectModel, MissingFileNamesPath) {
  TempDir dir;
  const auto path = dir / "nope.onnx";
  const Result<ModelInfo> info = InspectModel(path);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_NE(info.status().message().find(path.string()), std::string::npos) << info.status().message();
}

TEST(InspectModel, NonOnnxFileNamesPath) {
  TempDir dir;
  const auto path = dir / "notes.onnx";
  WriteFile(path, "this is a text file, not a protobuf\n");
  const Result<ModelInfo> info = InspectModel(path);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(info.status().message().find(path.string()), std::string::npos) << info.status().message();
}

TEST(InspectModel, TruncatedFileNamesPath) {
  TempDir dir;
  const std::string bytes = testing::TinyCnn().SerializeAsString();
  const auto path = dir / "truncated.onnx";
  WriteFile(path, bytes.substr(0, bytes.size() / 2));
  const Result<ModelInfo> info = InspectModel(path);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(info.status().message().find(path.string()), std::string::npos) << info.status().message();
}

TEST(InspectModel, InspectErrorsFromFileNamePath) {
  TempDir dir;
  const auto path = WriteModel(SymbolicImageModel(), dir / "symbolic.onnx");
  const Result<ModelInfo> info = InspectModel(path);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find(path.string()), std::string::npos) << info.status().message();
}

TEST(InspectModel, JsonHasEveryFigure) {
  const ModelInfo info = InspectOk(testing::TinyCnn());
  const nlohmann::json json = ToJson(info);
  EXPECT_EQ(json.at("param_count").get<int64_t>(), kTinyParams);
  EXPECT_EQ(json.at("total_macs").get<int64_t>(), kTinyMacs);
  EXPECT_EQ(json.at("elementwise_ops").get<int64_t>(), kTinyElementwise);
  EXPECT_EQ(json.at("batch_size").get<int64_t>(), 1);
  EXPECT_EQ(json.at("opsets").at("ai.onnx").get<int64_t>(), 13);
  EXPECT_EQ(json.at("inputs").at(0).at("shape"), nlohmann::json::parse("[-1,3,32,32]"));
  EXPECT_EQ(json.at("inputs").at(0).at("dim_names").at(0), "N");
  EXPECT_EQ(json.at("inputs").at(0).at("dtype"), "float32");
  EXPECT_EQ(json.at("op_histogram").at("Conv").get<int64_t>(), 2);
  ASSERT_EQ(json.at("nodes").size(), 8U);
  EXPECT_EQ(json.at("nodes").at(0).at("kind"), "macs");
  EXPECT_EQ(json.at("nodes").at(0).at("macs").get<int64_t>(), 221184);
  EXPECT_EQ(json.at("nodes").at(1).at("kind"), "elementwise");
  EXPECT_TRUE(json.at("warnings").empty());
}

}  // namespace
}  // namespace sweetspot
