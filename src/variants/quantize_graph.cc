#include "quantize_graph.h"

#include <algorithm>
#include <exception>

#include <onnx/version_converter/convert.h>

#include "graph_types.h"

namespace sweetspot::variants {

namespace {

// Operators that only a quantized model holds (standard ONNX and ONNX
// Runtime's com.microsoft contrib ops).
bool IsQuantizationOp(const std::string& op_type) {
  static const std::set<std::string> kOps = {
      "QuantizeLinear", "DequantizeLinear",      "DynamicQuantizeLinear", "MatMulInteger",       "ConvInteger",
      "QGemm",          "DynamicQuantizeMatMul", "MatMulIntegerToFloat",  "DynamicQuantizeLSTM", "QAttention"};
  return kOps.contains(op_type) || op_type.starts_with("QLinear");
}

onnx::AttributeProto* FindOrAddAttribute(onnx::NodeProto* node, const std::string& name) {
  for (auto& attribute : *node->mutable_attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  auto* attribute = node->add_attribute();
  attribute->set_name(name);
  return attribute;
}

}  // namespace

GraphIndex::GraphIndex(const onnx::ModelProto& model) : element_types(ElementTypes(model)) {
  const auto& graph = model.graph();
  for (const auto& init : graph.initializer()) initializers[init.name()] = &init;
  for (int i = 0; i < graph.node_size(); ++i) {
    for (const auto& input : graph.node(i).input()) {
      if (!input.empty()) ++consumer_counts[input];
    }
    for (const auto& output : graph.node(i).output()) producers[output] = i;
  }
  for (const auto& output : graph.output()) graph_outputs.insert(output.name());
}

bool GraphIndex::MaybeFloat(const std::string& tensor) const {
  auto it = element_types.find(tensor);
  return it == element_types.end() || it->second == onnx::TensorProto::FLOAT;
}

const onnx::TensorProto* GraphIndex::Initializer(const std::string& name) const {
  auto it = initializers.find(name);
  return it == initializers.end() ? nullptr : it->second;
}

int GraphIndex::Producer(const std::string& tensor) const {
  auto it = producers.find(tensor);
  return it == producers.end() ? -1 : it->second;
}

std::size_t GraphIndex::ConsumerCount(const std::string& tensor) const {
  auto it = consumer_counts.find(tensor);
  return it == consumer_counts.end() ? 0 : it->second;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return attribute.i();
  }
  return fallback;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return attribute.f();
  }
  return fallback;
}

void SetIntAttribute(onnx::NodeProto* node, const std::string& name, int64_t value) {
  auto* attribute = FindOrAddAttribute(node, name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void SetFloatAttribute(onnx::NodeProto* node, const std::string& name, float value) {
  auto* attribute = FindOrAddAttribute(node, name);
  attribute->set_type(onnx::AttributeProto::FLOAT);
  attribute->set_f(value);
}

onnx::NodeProto MakeNode(const std::string& op_type, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::string& name) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name(name);
  for (const auto& input : inputs) node.add_input(input);
  for (const auto& output : outputs) node.add_output(output);
  return node;
}

int64_t DefaultOpset(const onnx::ModelProto& model) {
  for (const auto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") return opset.version();
  }
  return 1;
}

Result<onnx::ModelProto> WithOpsetAtLeast(const onnx::ModelProto& model, int64_t opset) {
  const int64_t current = DefaultOpset(model);
  if (current >= opset) return model;
  const std::string refusal = "the model's opset " + std::to_string(current) + " is below the " +
                              std::to_string(opset) + " its int8 operators need, and ONNX's version converter ";
  try {
    return onnx::version_conversion::ConvertVersion(model, static_cast<int>(opset));
  } catch (const std::exception& e) {
    return Status::Unsupported(refusal + "cannot convert it (" + e.what() + "); export the model at opset " +
                               std::to_string(opset) + " or above");
  }
}

Status CheckQuantizable(const onnx::ModelProto& model, const QuantizeOptions& options) {
  for (const auto& op : options.op_types) {
    if (op != "Conv" && op != "Gemm" && op != "MatMul") {
      return Status::InvalidArgument("op_types: '" + op +
                                     "' cannot be quantized on its own (ONNX Runtime's integer kernels take Conv, "
                                     "Gemm and MatMul, and the ops around them follow); list only those");
    }
  }
  if (!IsQuantized(model)) return Status::Ok();
  return Status::InvalidArgument(
      "the model is already quantized (it holds quantization operators); quantize its float original instead");
}

void RemoveUnusedTensors(onnx::GraphProto* graph, const std::set<std::string>& candidates) {
  std::set<std::string> used;
  for (const auto& node : graph->node()) {
    used.insert(node.input().begin(), node.input().end());
    used.insert(node.output().begin(), node.output().end());
  }
  for (const auto& output : graph->output()) used.insert(output.name());
  auto unused = [&](const std::string& name) { return candidates.contains(name) && !used.contains(name); };
  auto* inits = graph->mutable_initializer();
  inits->erase(std::remove_if(inits->begin(), inits->end(), [&](const auto& t) { return unused(t.name()); }),
               inits->end());
  auto* inputs = graph->mutable_input();
  inputs->erase(std::remove_if(inputs->begin(), inputs->end(), [&](const auto& v) { return unused(v.name()); }),
                inputs->end());
  for (const auto& input : graph->input()) used.insert(input.name());
  auto* infos = graph->mutable_value_info();
  infos->erase(std::remove_if(infos->begin(), infos->end(), [&](const auto& v) { return !used.contains(v.name()); }),
               infos->end());
}

}  // namespace sweetspot::variants

namespace sweetspot {

bool IsQuantized(const onnx::ModelProto& model) {
  return std::any_of(model.graph().node().begin(), model.graph().node().end(),
                     [](const onnx::NodeProto& node) { return variants::IsQuantizationOp(node.op_type()); });
}

}  // namespace sweetspot
