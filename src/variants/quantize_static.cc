// Static int8 quantization into the QDQ format, placed the way ONNX
// Runtime's quantization tool places it (qdq_quantizer.py and its operator
// files) so that the runtime's QDQ selectors (qdq_selectors.cc) fuse each
// DequantizeLinear -> op -> QuantizeLinear group into an integer kernel.
#include <algorithm>
#include <cmath>
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
using variants::QuantParams;

// How a node takes part, beyond the anchors of QuantizeOptions::op_types.
enum class Role {
  kAnchor,    // Conv/Gemm/MatMul: weights int8, inputs and output quantized
  kFoldable,  // Relu/Clip: removed when its producer's quantized output can hold the clamp
  kShared,    // data movement: the output shares its input's scale and zero point
  kUnary,     // QLinearGlobalAveragePool, QLinearAveragePool, QLinearSigmoid, QLinearLeakyRelu
  kMulti,     // QLinearAdd, QLinearMul, QLinearConcat: every input and the output
  kOther,
};

Role RoleOf(const std::string& op_type, const QuantizeOptions& options) {
  if (std::find(options.op_types.begin(), options.op_types.end(), op_type) != options.op_types.end()) {
    return Role::kAnchor;
  }
  static const std::map<std::string, Role> kRoles = {
      {"Relu", Role::kFoldable},     {"Clip", Role::kFoldable},    {"MaxPool", Role::kShared},
      {"Flatten", Role::kShared},    {"Reshape", Role::kShared},   {"Transpose", Role::kShared},
      {"Squeeze", Role::kShared},    {"Unsqueeze", Role::kShared}, {"GlobalAveragePool", Role::kUnary},
      {"AveragePool", Role::kUnary}, {"Sigmoid", Role::kUnary},    {"LeakyRelu", Role::kUnary},
      {"Add", Role::kMulti},         {"Mul", Role::kMulti},        {"Concat", Role::kMulti}};
  auto it = kRoles.find(op_type);
  return it == kRoles.end() ? Role::kOther : it->second;
}

// Ops whose quantized output an activation can be folded into.
bool ComputesValue(const std::string& op_type) {
  return op_type == "Conv" || op_type == "Gemm" || op_type == "MatMul" || op_type == "Add" || op_type == "Mul";
}

// The axis of a weight's output channels.
int64_t WeightAxis(const onnx::NodeProto& node) {
  if (node.op_type() == "Gemm") return variants::IntAttribute(node, "transB", 0) != 0 ? 0 : 1;
  return node.op_type() == "MatMul" ? 1 : 0;
}

struct MarkedTensor {
  std::string tensor;
  std::string same_as;  // empty: its own calibrated range; else the tensor whose parameters it shares
};

struct StaticPlan {
  std::vector<MarkedTensor> activations;  // in the order they were placed
  std::set<int> quantized;                // node indices
  std::set<int> removed;                  // activations folded into their producer
  std::map<int, std::string> renamed;     // node index -> its new output 0
  std::vector<int> weighted;              // anchors whose input 1 is an int8 weight
  QuantizeReport report;
};

class StaticPlanner {
 public:
  StaticPlanner(const onnx::ModelProto& model, const QuantizeOptions& options)
      : graph_(model.graph()), index_(model), options_(options) {}

  Result<StaticPlan> Plan();

 private:
  bool Excluded(const onnx::NodeProto& node) const {
    return std::find(options_.exclude_nodes.begin(), options_.exclude_nodes.end(), node.name()) !=
           options_.exclude_nodes.end();
  }
  bool IsMarked(const std::string& tensor) const { return marked_.contains(tensor); }
  bool IsActivation(const std::string& tensor) const {
    return !tensor.empty() && index_.Initializer(tensor) == nullptr && index_.MaybeFloat(tensor);
  }
  void Mark(const std::string& tensor, const std::string& same_as = "");
  void Accept(int i) {
    plan_.quantized.insert(i);
    plan_.report.quantized_nodes.push_back(variants::NodeLabel(graph_.node(i), i));
  }
  std::string AnchorProblem(const onnx::NodeProto& node) const;
  std::string WeightProblem(const onnx::NodeProto& node) const;
  void PlanAnchor(int i);
  void PlanFoldable(int i);
  void PlanCompanion(int i, Role role);

  const onnx::GraphProto& graph_;
  GraphIndex index_;
  const QuantizeOptions& options_;
  StaticPlan plan_;
  std::map<std::string, std::size_t> marked_;  // tensor -> index in plan_.activations
};

void StaticPlanner::Mark(const std::string& tensor, const std::string& same_as) {
  if (IsMarked(tensor)) return;
  std::string root = same_as;
  if (!root.empty() && !plan_.activations[marked_.at(root)].same_as.empty()) {
    root = plan_.activations[marked_.at(root)].same_as;
  }
  marked_[tensor] = plan_.activations.size();
  plan_.activations.push_back({tensor, root});
}

std::string StaticPlanner::WeightProblem(const onnx::NodeProto& node) const {
  const auto* weight = index_.Initializer(node.input(1));
  if (weight == nullptr) return "its weight '" + node.input(1) + "' is not an initializer";
  if (weight->data_type() != onnx::TensorProto::FLOAT) return "its weight '" + node.input(1) + "' is not float32";
  const std::size_t rank = static_cast<std::size_t>(weight->dims_size());
  if (node.op_type() == "Conv" ? rank < 3 : rank != 2) return "its weight has an unexpected rank";
  if (node.input_size() < 3 || node.input(2).empty()) return "";
  const auto* bias = index_.Initializer(node.input(2));
  const int64_t channels = weight->dims(static_cast<int>(WeightAxis(node)));
  if (bias == nullptr || bias->data_type() != onnx::TensorProto::FLOAT || bias->dims_size() != 1 ||
      bias->dims(0) != channels) {
    return "its bias is not a float32 initializer of one value per output channel";
  }
  return "";
}

std::string StaticPlanner::AnchorProblem(const onnx::NodeProto& node) const {
  if (node.input_size() < 2 || !IsActivation(node.input(0))) return "its first input is not a float32 activation";
  if (node.op_type() == "MatMul" && index_.Initializer(node.input(1)) == nullptr) {
    return IsActivation(node.input(1)) ? "" : "its second input is not float32";
  }
  return WeightProblem(node);
}

void StaticPlanner::PlanAnchor(int i) {
  const auto& node = graph_.node(i);
  const std::string label = variants::NodeLabel(node, i);
  if (Excluded(node)) {
    plan_.report.skipped.emplace_back(label, "in exclude_nodes");
    return;
  }
  if (auto problem = AnchorProblem(node); !problem.empty()) {
    plan_.report.skipped.emplace_back(label, problem);
    return;
  }
  Accept(i);
  Mark(node.input(0));
  if (index_.Initializer(node.input(1)) == nullptr) {
    Mark(node.input(1));  // MatMul of two activations
  } else {
    plan_.weighted.push_back(i);
  }
  // A graph output stays float: Gemm and MatMul still fuse (QGemm with a
  // float output, MatMulIntegerToFloat), and the model keeps its output type.
  if (!index_.IsGraphOutput(node.output(0))) Mark(node.output(0));
}

void StaticPlanner::PlanFoldable(int i) {
  const auto& node = graph_.node(i);
  const std::string& input = node.input(0);
  const std::string& output = node.output(0);
  if (Excluded(node) || !IsMarked(input)) return;
  const int producer = index_.Producer(input);
  // As the tool's QDQRemovableActivation: with uint8 asymmetric parameters
  // taken from the activation's own output range (min 0), quantizing the
  // producer's output performs the clamp; a symmetric range cannot.
  const bool fold = options_.activations == ActivationType::kUint8Asymmetric && producer >= 0 &&
                    plan_.quantized.contains(producer) && ComputesValue(graph_.node(producer).op_type()) &&
                    plan_.activations[marked_.at(input)].same_as.empty() && index_.ConsumerCount(input) == 1 &&
                    !index_.IsGraphOutput(input) && !index_.IsGraphOutput(output);
  if (fold) {
    const std::size_t position = marked_.at(input);
    marked_.erase(input);
    marked_[output] = position;
    plan_.activations[position].tensor = output;
    plan_.renamed[producer] = output;
    plan_.removed.insert(i);
  } else if (!index_.IsGraphOutput(output)) {
    Mark(output);
  }
  Accept(i);
}

void StaticPlanner::PlanCompanion(int i, Role role) {
  const auto& node = graph_.node(i);
  if (Excluded(node) || node.input_size() == 0) return;
  const std::string& output = node.output(0);
  const bool output_free = node.output_size() == 1 && !index_.IsGraphOutput(output);
  if (role == Role::kMulti) {
    const bool all_activations =
        std::all_of(node.input().begin(), node.input().end(), [&](const std::string& t) { return IsActivation(t); });
    const bool any_marked =
        std::any_of(node.input().begin(), node.input().end(), [&](const std::string& t) { return IsMarked(t); });
    if (!all_activations || !any_marked || !output_free) return;
    for (const auto& input : node.input()) Mark(input);
    Mark(output);
  } else {
    if (!IsMarked(node.input(0)) || !output_free) return;
    Mark(output, role == Role::kShared ? node.input(0) : "");
  }
  Accept(i);
}

Result<StaticPlan> StaticPlanner::Plan() {
  for (int i = 0; i < graph_.node_size(); ++i) {
    const auto& node = graph_.node(i);
    if (!node.domain().empty() && node.domain() != "ai.onnx") continue;
    switch (const Role role = RoleOf(node.op_type(), options_)) {
      case Role::kAnchor: PlanAnchor(i); break;
      case Role::kFoldable: PlanFoldable(i); break;
      case Role::kShared:
      case Role::kUnary:
      case Role::kMulti: PlanCompanion(i, role); break;
      case Role::kOther: break;
    }
  }
  if (plan_.weighted.empty() && plan_.activations.empty()) {
    std::string ops;
    for (const auto& op : options_.op_types) ops += (ops.empty() ? "" : ", ") + op;
    std::string why = plan_.report.skipped.empty()
                          ? "the model has no " + ops + " node"
                          : "no " + ops + " node can be quantized (" + plan_.report.skipped.front().first + ": " +
                                plan_.report.skipped.front().second + ")";
    return Status::InvalidArgument("nothing to quantize: " + why +
                                   "; keep the float model, or list the model's op types in op_types");
  }
  return std::move(plan_);
}

// Writes the plan into the model: int8 weights, int32 biases, a
// QuantizeLinear -> DequantizeLinear pair after every planned activation,
// and every reader of a quantized tensor rewired to its DequantizeLinear.
class StaticEmitter {
 public:
  StaticEmitter(onnx::ModelProto model, const StaticPlan& plan, const QuantizeOptions& options)
      : model_(std::move(model)), plan_(plan), options_(options) {}

  Result<onnx::ModelProto> Emit(const ActivationRanges& ranges);

 private:
  Status ResolveParams(const ActivationRanges& ranges);
  Status QuantizeWeights(std::vector<onnx::NodeProto>& nodes, const GraphIndex& index);
  Status QuantizeBias(int node_index, onnx::NodeProto* node, const GraphIndex& index,
                      std::span<const float> weight_scales);
  void AddInitializer(onnx::TensorProto tensor) { *model_.mutable_graph()->add_initializer() = std::move(tensor); }
  // `axis` < 0: per-tensor parameters.
  void AddDequantize(const std::string& tensor, int64_t axis);
  void AddActivationQdq(const std::string& tensor);
  int32_t ActivationElementType() const {
    return options_.activations == ActivationType::kUint8Asymmetric ? onnx::TensorProto::UINT8
                                                                    : onnx::TensorProto::INT8;
  }

  onnx::ModelProto model_;
  const StaticPlan& plan_;
  const QuantizeOptions& options_;
  std::map<std::string, QuantParams> params_;               // activation -> parameters
  std::map<std::pair<int, int>, std::string> node_inputs_;  // (node, input) -> dequantized weight/bias
  std::set<std::string> replaced_;                          // float initializers now read as int8/int32
};

Status StaticEmitter::ResolveParams(const ActivationRanges& ranges) {
  for (const auto& marked : plan_.activations) {
    if (!marked.same_as.empty()) continue;
    auto it = ranges.find(marked.tensor);
    if (it == ranges.end()) {
      return Status::InvalidArgument("no activation range for tensor '" + marked.tensor +
                                     "'; calibrate every tensor StaticQuantizationTensors names");
    }
    if (!std::isfinite(it->second.min) || !std::isfinite(it->second.max) || it->second.min > it->second.max) {
      return Status::InvalidArgument("the activation range of tensor '" + marked.tensor +
                                     "' is not a finite [min, max]; recalibrate it");
    }
    params_[marked.tensor] = variants::ActivationParams(it->second, options_.activations);
  }
  for (const auto& marked : plan_.activations) {
    if (!marked.same_as.empty()) params_[marked.tensor] = params_.at(marked.same_as);
  }
  return Status::Ok();
}

void StaticEmitter::AddDequantize(const std::string& tensor, int64_t axis) {
  auto node = variants::MakeNode(
      "DequantizeLinear",
      {variants::QuantizedName(tensor), variants::ScaleName(tensor), variants::ZeroPointName(tensor)},
      {variants::DequantizedName(tensor)}, tensor + "_DequantizeLinear");
  if (axis >= 0) variants::SetIntAttribute(&node, "axis", axis);
  *model_.mutable_graph()->add_node() = std::move(node);
}

void StaticEmitter::AddActivationQdq(const std::string& tensor) {
  const QuantParams& params = params_.at(tensor);
  AddInitializer(variants::FloatTensor(variants::ScaleName(tensor), {}, std::vector<float>{params.scale}));
  AddInitializer(variants::Int8Tensor(variants::ZeroPointName(tensor), ActivationElementType(), {},
                                      std::vector<int32_t>{params.zero_point}));
  *model_.mutable_graph()->add_node() =
      variants::MakeNode("QuantizeLinear", {tensor, variants::ScaleName(tensor), variants::ZeroPointName(tensor)},
                         {variants::QuantizedName(tensor)}, tensor + "_QuantizeLinear");
  AddDequantize(tensor, -1);
}

Status StaticEmitter::QuantizeBias(int node_index, onnx::NodeProto* node, const GraphIndex& index,
                                   std::span<const float> weight_scales) {
  if (node->input_size() < 3 || node->input(2).empty()) return Status::Ok();
  const std::string& bias_name = node->input(2);
  SWEETSPOT_ASSIGN_OR_RETURN(auto values, prune::ReadFloats(*index.Initializer(bias_name)));
  if (node->op_type() == "Gemm") {
    // QGemm adds the int32 bias unscaled: fold beta into it (ORT's Gemm
    // selector also requires the attribute to read 1).
    const float beta = variants::FloatAttribute(*node, "beta", 1.0F);
    for (auto& v : values) v *= beta;
    variants::SetFloatAttribute(node, "beta", 1.0F);
  }
  // A bias shared by two nodes gets one int32 copy per node: its scale
  // follows each node's input.
  const std::string name = replaced_.contains(bias_name) ? bias_name + "_" + std::to_string(node_index) : bias_name;
  std::vector<float> scales;
  auto quantized = variants::QuantizeBias(values, params_.at(node->input(0)).scale, weight_scales, &scales);
  const Shape param_dims = options_.per_channel ? Shape{static_cast<int64_t>(scales.size())} : Shape{};
  AddInitializer(variants::Int32Tensor(variants::QuantizedName(name),
                                       variants::TensorDims(*index.Initializer(bias_name)), quantized));
  AddInitializer(variants::FloatTensor(variants::ScaleName(name), param_dims, scales));
  AddInitializer(
      variants::Int32Tensor(variants::ZeroPointName(name), param_dims, std::vector<int32_t>(scales.size(), 0)));
  AddDequantize(name, options_.per_channel ? 0 : -1);
  replaced_.insert(bias_name);
  node_inputs_[{node_index, 2}] = variants::DequantizedName(name);
  return Status::Ok();
}

Status StaticEmitter::QuantizeWeights(std::vector<onnx::NodeProto>& nodes, const GraphIndex& index) {
  std::map<std::string, std::vector<float>> done;  // weight -> its scales
  for (int i : plan_.weighted) {
    onnx::NodeProto& node = nodes[static_cast<std::size_t>(i)];
    const std::string& name = node.input(1);
    if (!done.contains(name)) {
      const auto& weight = *index.Initializer(name);
      SWEETSPOT_ASSIGN_OR_RETURN(auto values, prune::ReadFloats(weight));
      const int64_t axis = WeightAxis(node);
      const Shape dims = variants::TensorDims(weight);
      auto quantized = variants::QuantizeWeight(values, dims, axis, options_.per_channel);
      const auto channels = static_cast<int64_t>(quantized.scales.size());
      const Shape param_dims = options_.per_channel ? Shape{channels} : Shape{};
      AddInitializer(
          variants::Int8Tensor(variants::QuantizedName(name), onnx::TensorProto::INT8, dims, quantized.values));
      AddInitializer(variants::FloatTensor(variants::ScaleName(name), param_dims, quantized.scales));
      AddInitializer(variants::Int8Tensor(variants::ZeroPointName(name), onnx::TensorProto::INT8, param_dims,
                                          std::vector<int32_t>(quantized.scales.size(), 0)));
      AddDequantize(name, options_.per_channel ? axis : -1);
      replaced_.insert(name);
      done[name] = quantized.scales;
    }
    node_inputs_[{i, 1}] = variants::DequantizedName(name);
    SWEETSPOT_RETURN_IF_ERROR(QuantizeBias(i, &node, index, done[name]));
  }
  return Status::Ok();
}

Result<onnx::ModelProto> StaticEmitter::Emit(const ActivationRanges& ranges) {
  SWEETSPOT_RETURN_IF_ERROR(ResolveParams(ranges));
  auto* graph = model_.mutable_graph();
  const GraphIndex index(model_);
  std::vector<onnx::NodeProto> nodes(graph->node().begin(), graph->node().end());
  graph->clear_node();
  SWEETSPOT_RETURN_IF_ERROR(QuantizeWeights(nodes, index));
  for (const auto& marked : plan_.activations) {
    if (index.Producer(marked.tensor) < 0) AddActivationQdq(marked.tensor);  // graph inputs
  }
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (plan_.removed.contains(i)) {
      const auto& inputs = nodes[static_cast<std::size_t>(i)].input();
      replaced_.insert(inputs.begin(), inputs.end());  // a folded Clip's min and max, if unused elsewhere
      continue;
    }
    auto node = nodes[static_cast<std::size_t>(i)];
    if (auto it = plan_.renamed.find(i); it != plan_.renamed.end()) node.set_output(0, it->second);
    for (int j = 0; j < node.input_size(); ++j) {
      if (auto it = node_inputs_.find({i, j}); it != node_inputs_.end()) {
        node.set_input(j, it->second);
      } else if (params_.contains(node.input(j))) {
        node.set_input(j, variants::DequantizedName(node.input(j)));
      }
    }
    *graph->add_node() = node;
    for (const auto& output : node.output()) {
      if (params_.contains(output)) AddActivationQdq(output);
    }
  }
  variants::RemoveUnusedTensors(graph, replaced_);
  return std::move(model_);
}

// Per-axis DequantizeLinear arrived in opset 13; per-tensor needs 10.
Result<onnx::ModelProto> AtQuantizationOpset(const onnx::ModelProto& model, const QuantizeOptions& options) {
  auto converted = variants::WithOpsetAtLeast(model, options.per_channel ? 13 : 10);
  if (converted.ok() && converted->ir_version() < 7) converted->set_ir_version(7);  // IR 7 came with opset 13
  return converted;
}

}  // namespace

Result<std::vector<std::string>> StaticQuantizationTensors(const onnx::ModelProto& model,
                                                           const QuantizeOptions& options) {
  SWEETSPOT_RETURN_IF_ERROR(variants::CheckQuantizable(model, options));
  SWEETSPOT_ASSIGN_OR_RETURN(const StaticPlan plan, StaticPlanner(model, options).Plan());
  std::vector<std::string> tensors;
  for (const auto& marked : plan.activations) tensors.push_back(marked.tensor);
  return tensors;
}

Result<onnx::ModelProto> QuantizeStatic(const onnx::ModelProto& model, const ActivationRanges& ranges,
                                        const QuantizeOptions& options, QuantizeReport* report) {
  SWEETSPOT_RETURN_IF_ERROR(variants::CheckQuantizable(model, options));
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto converted, AtQuantizationOpset(model, options));
  SWEETSPOT_ASSIGN_OR_RETURN(const StaticPlan plan, StaticPlanner(converted, options).Plan());
  auto quantized = StaticEmitter(std::move(converted), plan, options).Emit(ranges);
  if (quantized.ok() && report != nullptr) *report = plan.report;
  return quantized;
}

}  // namespace sweetspot
