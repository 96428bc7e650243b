#include "graph_types.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <stdlib.h>

#include <exception>

namespace sweetspot::variants {
namespace fs = std::filesystem;

std::optional<std::string> InferShapesInPlace(onnx::ModelProto* model, bool strict) {
  // Data propagation follows Shape -> Gather -> Concat chains, how exporters
  // compute a dynamic flatten's target.
  const onnx::ShapeInferenceOptions options(/*check_type_val=*/strict, /*strict_mode_val=*/strict ? 1 : 0,
                                            /*data_prop_val=*/true);
  try {
    onnx::shape_inference::InferShapes(*model, onnx::OpSchemaRegistry::Instance(), options);
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

std::unordered_map<std::string, int32_t> ElementTypes(const onnx::ModelProto& model) {
  onnx::ModelProto inferred = model;
  // A failed inference leaves the declared types, which is all it can say.
  (void)InferShapesInPlace(&inferred, /*strict=*/false);
  const onnx::GraphProto& graph = inferred.graph();
  std::unordered_map<std::string, int32_t> types;
  auto add = [&](const onnx::ValueInfoProto& info) {
    if (info.type().has_tensor_type() && info.type().tensor_type().elem_type() != 0) {
      types[info.name()] = info.type().tensor_type().elem_type();
    }
  };
  for (const auto& info : graph.input()) add(info);
  for (const auto& info : graph.value_info()) add(info);
  for (const auto& info : graph.output()) add(info);
  for (const auto& init : graph.initializer()) types[init.name()] = init.data_type();
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Constant" || node.output_size() == 0) continue;
    for (const auto& attr : node.attribute()) {
      if (attr.name() == "value" && attr.has_t()) types[node.output(0)] = attr.t().data_type();
    }
  }
  return types;
}

std::string NodeLabel(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? node.op_type() + "#" + std::to_string(index) : node.name();
}

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "sweetspot-variant-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

}  // namespace sweetspot::variants
