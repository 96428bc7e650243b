// Dynamic int8 quantization of MatMul and Gemm, in the form ONNX Runtime's
// quantization tool writes (operators/matmul.py, MatMulInteger):
//   A -> DynamicQuantizeLinear -> (A_quantized, A_scale, A_zero_point)
//   MatMulInteger(A_quantized, B_quantized, A_zero_point, B_zero_point)
//     -> Cast(float) -> Mul(Mul(A_scale, B_scale)) [-> Add(bias)] -> Y
// which the runtime's MatMulIntegerToFloatFusion and
// DynamicQuantizeMatMulFusion turn into one DynamicQuantizeMatMul kernel.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph_types.h"
#include "prune_common.h"
#include "quantize_graph.h"
#include "quantize_params.h"
#include "sweetspot/quantize.h"
#include "tensor_proto.h"

namespace sweetspot {

namespace {

using variants::GraphIndex;

std::string DynamicProblem(const onnx::NodeProto& node, const GraphIndex& index) {
  if (node.op_type() != "MatMul" && node.op_type() != "Gemm") {
    return "dynamic int8 covers MatMul and Gemm only (ONNX Runtime has no fused dynamic kernel for " + node.op_type() +
           "); quantize it statically";
  }
  if (node.input_size() < 2 || index.Initializer(node.input(0)) != nullptr || !index.MaybeFloat(node.input(0))) {
    return "its first input is not a float32 activation";
  }
  const auto* weight = index.Initializer(node.input(1));
  if (weight == nullptr || weight->data_type() != onnx::TensorProto::FLOAT || weight->dims_size() != 2) {
    return "its second input is not a float32 2-D initializer";
  }
  if (node.op_type() == "MatMul") return "";
  if (variants::IntAttribute(node, "transA", 0) != 0) return "it transposes its first input (transA=1)";
  if (node.input_size() < 3 || node.input(2).empty()) return "";
  const auto* bias = index.Initializer(node.input(2));
  const int64_t columns = weight->dims(variants::IntAttribute(node, "transB", 0) != 0 ? 0 : 1);
  if (bias == nullptr || bias->data_type() != onnx::TensorProto::FLOAT || bias->dims_size() != 1 ||
      bias->dims(0) != columns) {
    return "its bias is not a float32 initializer of one value per output column";
  }
  return "";
}

// B as [K, N] (Gemm's transB undone), row-major.
std::vector<float> WeightKN(std::vector<float> values, const Shape& dims, bool transposed) {
  if (!transposed) return values;
  const auto rows = static_cast<std::size_t>(dims[0]);
  const auto cols = static_cast<std::size_t>(dims[1]);
  std::vector<float> out(values.size());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) out[c * rows + r] = values[r * cols + c];
  }
  return out;
}

class DynamicEmitter {
 public:
  DynamicEmitter(onnx::ModelProto model, const QuantizeOptions& options)
      : model_(std::move(model)), options_(options) {}

  Result<onnx::ModelProto> Emit(QuantizeReport* report);

 private:
  Status QuantizeWeight(const onnx::NodeProto& node, const GraphIndex& index);
  Status Rewrite(const onnx::NodeProto& node, const GraphIndex& index);
  void Add(onnx::NodeProto node) { *model_.mutable_graph()->add_node() = std::move(node); }
  void AddInitializer(onnx::TensorProto tensor) { *model_.mutable_graph()->add_initializer() = std::move(tensor); }

  onnx::ModelProto model_;
  const QuantizeOptions& options_;
  std::set<std::string> quantized_inputs_;  // activations with a DynamicQuantizeLinear
  std::set<std::string> replaced_;          // weights now int8
};

Status DynamicEmitter::QuantizeWeight(const onnx::NodeProto& node, const GraphIndex& index) {
  const std::string& name = node.input(1);
  if (replaced_.contains(name)) return Status::Ok();
  const auto& weight = *index.Initializer(name);
  SWEETSPOT_ASSIGN_OR_RETURN(auto values, prune::ReadFloats(weight));
  const bool transposed = node.op_type() == "Gemm" && variants::IntAttribute(node, "transB", 0) != 0;
  Shape dims = variants::TensorDims(weight);
  if (transposed) std::swap(dims[0], dims[1]);
  auto quantized = variants::QuantizeWeight(WeightKN(std::move(values), variants::TensorDims(weight), transposed), dims,
                                            1, options_.per_channel);
  // Gemm's alpha scales the product: fold it into B's scale.
  const float alpha = node.op_type() == "Gemm" ? variants::FloatAttribute(node, "alpha", 1.0F) : 1.0F;
  for (auto& scale : quantized.scales) scale *= alpha;
  const Shape param_dims = options_.per_channel ? Shape{dims[1]} : Shape{};
  AddInitializer(variants::Int8Tensor(variants::QuantizedName(name), onnx::TensorProto::INT8, dims, quantized.values));
  AddInitializer(variants::FloatTensor(variants::ScaleName(name), param_dims, quantized.scales));
  AddInitializer(variants::Int8Tensor(variants::ZeroPointName(name), onnx::TensorProto::INT8, param_dims,
                                      std::vector<int32_t>(quantized.scales.size(), 0)));
  replaced_.insert(name);
  return Status::Ok();
}

Status DynamicEmitter::Rewrite(const onnx::NodeProto& node, const GraphIndex& index) {
  SWEETSPOT_RETURN_IF_ERROR(QuantizeWeight(node, index));
  const std::string& a = node.input(0);
  const std::string& b = node.input(1);
  const std::string& y = node.output(0);
  if (quantized_inputs_.insert(a).second) {
    Add(variants::MakeNode("DynamicQuantizeLinear", {a},
                           {variants::QuantizedName(a), variants::ScaleName(a), variants::ZeroPointName(a)},
                           a + "_DynamicQuantizeLinear"));
  }
  const bool has_bias = node.input_size() > 2 && !node.input(2).empty();
  Add(variants::MakeNode(
      "MatMulInteger",
      {variants::QuantizedName(a), variants::QuantizedName(b), variants::ZeroPointName(a), variants::ZeroPointName(b)},
      {y + "_matmul_integer"}, y + "_MatMulInteger"));
  auto cast = variants::MakeNode("Cast", {y + "_matmul_integer"}, {y + "_matmul_integer_float"}, y + "_Cast");
  variants::SetIntAttribute(&cast, "to", onnx::TensorProto::FLOAT);
  Add(std::move(cast));
  Add(variants::MakeNode("Mul", {variants::ScaleName(a), variants::ScaleName(b)}, {y + "_combined_scale"},
                         y + "_scales_mul"));
  const std::string product = has_bias ? y + "_unbiased" : y;
  Add(variants::MakeNode("Mul", {y + "_matmul_integer_float", y + "_combined_scale"}, {product},
                         y + "_output_scale_mul"));
  if (!has_bias) return Status::Ok();
  std::string bias = node.input(2);
  if (const float beta = variants::FloatAttribute(node, "beta", 1.0F); beta != 1.0F) {
    SWEETSPOT_ASSIGN_OR_RETURN(auto values, prune::ReadFloats(*index.Initializer(bias)));
    for (auto& v : values) v *= beta;
    bias = y + "_bias_times_beta";
    AddInitializer(variants::FloatTensor(bias, {static_cast<int64_t>(values.size())}, values));
  }
  Add(variants::MakeNode("Add", {product, bias}, {y}, y + "_bias_add"));
  return Status::Ok();
}

Result<onnx::ModelProto> DynamicEmitter::Emit(QuantizeReport* report) {
  auto* graph = model_.mutable_graph();
  const GraphIndex index(model_);
  std::vector<onnx::NodeProto> nodes(graph->node().begin(), graph->node().end());
  graph->clear_node();
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    const auto& node = nodes[static_cast<std::size_t>(i)];
    const std::string label = variants::NodeLabel(node, i);
    const bool candidate =
        (node.domain().empty() || node.domain() == "ai.onnx") &&
        std::find(options_.op_types.begin(), options_.op_types.end(), node.op_type()) != options_.op_types.end();
    std::string problem;
    if (candidate) {
      const bool excluded = std::find(options_.exclude_nodes.begin(), options_.exclude_nodes.end(), node.name()) !=
                            options_.exclude_nodes.end();
      problem = excluded ? "in exclude_nodes" : DynamicProblem(node, index);
    }
    if (!candidate || !problem.empty()) {
      if (candidate) report->skipped.emplace_back(label, problem);
      Add(node);
      continue;
    }
    SWEETSPOT_RETURN_IF_ERROR(Rewrite(node, index));
    report->quantized_nodes.push_back(label);
  }
  if (report->quantized_nodes.empty()) {
    const std::string why = report->skipped.empty()
                                ? "the model has no MatMul or Gemm node"
                                : report->skipped.front().first + ": " + report->skipped.front().second;
    return Status::InvalidArgument("nothing to quantize dynamically (" + why +
                                   "); keep the float model, or use static quantization");
  }
  variants::RemoveUnusedTensors(graph, replaced_);
  return std::move(model_);
}

}  // namespace

Result<onnx::ModelProto> QuantizeDynamic(const onnx::ModelProto& model, const QuantizeOptions& options,
                                         QuantizeReport* report) {
  SWEETSPOT_RETURN_IF_ERROR(variants::CheckQuantizable(model, options));
  // DynamicQuantizeLinear arrived in opset 11.
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto converted, variants::WithOpsetAtLeast(model, 11));
  QuantizeReport local;
  auto quantized = DynamicEmitter(std::move(converted), options).Emit(&local);
  if (quantized.ok() && report != nullptr) *report = std::move(local);
  return quantized;
}

}  // namespace sweetspot
