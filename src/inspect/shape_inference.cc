#include "inspect/shape_inference.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <exception>
#include <optional>
#include <unordered_map>

#include <fmt/core.h>

#include "inspect/node_cost.h"

namespace sweetspot::inspect {
namespace {

// Values of small int64 tensors (shapes, sizes) that libonnx derived while
// inferring, by value name.
using Propagated = std::unordered_map<std::string, onnx::TensorShapeProto>;

// Each round of filling in shapes can unlock Reshapes further down, so the
// rounds follow the longest chain of dynamic reshapes; real models need a
// handful. The cap only bounds a pathological graph.
constexpr int kMaxFillRounds = 64;

// One run of libonnx shape inference; returns what it threw, if anything.
std::optional<std::string> RunInference(onnx::ModelProto* model, Propagated* propagated) {
  // Data propagation tracks Shape -> Gather -> Concat chains, how exporters
  // compute the target of a dynamic flatten. The lenient error mode skips a
  // node it cannot infer instead of giving up on the graph.
  const onnx::ShapeInferenceOptions options(/*check_type_val=*/false, /*strict_mode_val=*/0,
                                            /*data_prop_val=*/true);
  propagated->clear();
  try {
    // libonnx needs the map for data propagation: without it, each node that
    // propagates fails (silently in the lenient mode).
    onnx::shape_inference::InferShapes(*model, onnx::OpSchemaRegistry::Instance(), options, propagated);
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return std::string("unknown error");
  }
}

// The concrete values of a propagated shape tensor, if every one is known.
std::optional<std::vector<int64_t>> KnownValues(const Propagated& propagated, const std::string& name) {
  const auto it = propagated.find(name);
  if (name.empty() || it == propagated.end()) return std::nullopt;
  std::vector<int64_t> values;
  for (const auto& dim : it->second.dim()) {
    if (!dim.has_dim_value()) return std::nullopt;
    values.push_back(dim.dim_value());
  }
  return values;
}

// Reshape's rule: 0 copies the input dim (unless allowzero), -1 takes the rest.
std::optional<Shape> ReshapeResult(const Shape& data, const std::vector<int64_t>& target, bool allow_zero) {
  Shape result;
  int inferred = -1;
  int64_t known = 1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    int64_t dim = target[i];
    if (dim == 0 && !allow_zero) {
      if (i >= data.size()) return std::nullopt;
      dim = data[i];
    }
    if (dim == -1) {
      if (inferred >= 0) return std::nullopt;
      inferred = static_cast<int>(i);
    } else if (dim < 0) {
      return std::nullopt;
    } else {
      known *= dim;
    }
    result.push_back(dim);
  }
  const int64_t total = ElementCount(data);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0) return std::nullopt;
    result[static_cast<std::size_t>(inferred)] = total / known;
  } else if (known != total) {
    return std::nullopt;
  }
  return result;
}

// libonnx 1.12 propagates shape values but its Reshape and Resize do not
// read them, so a dynamic flatten or an upsample to a computed size stops
// inference there. This fills in those outputs from the propagated values;
// the caller infers again so the nodes after them get shapes too. Returns
// whether it filled any.
bool FillFromPropagatedValues(onnx::GraphProto* graph, const Propagated& propagated) {
  ShapeTable shapes;
  std::unordered_map<std::string, int32_t> elem_types;
  std::unordered_map<std::string, onnx::ValueInfoProto*> infos;
  auto add = [&](onnx::ValueInfoProto& info) {
    shapes.SetFrom(info);
    if (info.type().has_tensor_type()) elem_types[info.name()] = info.type().tensor_type().elem_type();
    infos[info.name()] = &info;
  };
  for (auto& info : *graph->mutable_input()) add(info);
  for (auto& info : *graph->mutable_value_info()) add(info);
  for (auto& info : *graph->mutable_output()) add(info);
  for (const auto& init : graph->initializer()) {
    shapes.Set(init.name(), Shape(init.dims().begin(), init.dims().end()));
    elem_types[init.name()] = init.data_type();
  }

  bool filled = false;
  for (const auto& node : graph->node()) {
    const bool reshape = node.op_type() == "Reshape";
    if (!(node.domain().empty() || node.domain() == "ai.onnx") || !(reshape || node.op_type() == "Resize") ||
        node.output_size() == 0 || node.input_size() < 2 || shapes.Static(node.output(0))) {
      continue;
    }
    const auto data = shapes.Static(node.input(0));
    if (!data) continue;
    std::optional<Shape> result;
    if (reshape) {
      bool allow_zero = false;
      for (const auto& attr : node.attribute()) {
        allow_zero = allow_zero || (attr.name() == "allowzero" && attr.i() != 0);
      }
      if (const auto target = KnownValues(propagated, node.input(1))) {
        result = ReshapeResult(*data, *target, allow_zero);
      }
    } else if (node.input_size() >= 4) {  // Resize(X, roi, scales, sizes)
      const auto sizes = KnownValues(propagated, node.input(3));
      if (sizes && sizes->size() == data->size()) result = *sizes;
    }
    if (!result) continue;

    const std::string& name = node.output(0);
    onnx::ValueInfoProto* info = infos.contains(name) ? infos[name] : graph->add_value_info();
    info->set_name(name);
    auto* tensor_type = info->mutable_type()->mutable_tensor_type();
    if (tensor_type->elem_type() == 0 && elem_types.contains(node.input(0))) {
      tensor_type->set_elem_type(elem_types[node.input(0)]);
    }
    tensor_type->clear_shape();
    auto* shape = tensor_type->mutable_shape();
    for (int64_t dim : *result) shape->add_dim()->set_dim_value(dim);
    shapes.Set(name, *result);
    filled = true;
  }
  return filled;
}

}  // namespace

void InferShapes(onnx::ModelProto* model, std::vector<std::string>* warnings) {
  Propagated propagated;
  if (RunInference(model, &propagated)) {
    // Most often the exporter's value_info or declared outputs carry shapes
    // that contradict the values given to dynamic dims: drop them, retry.
    auto* graph = model->mutable_graph();
    graph->clear_value_info();
    for (auto& output : *graph->mutable_output()) {
      if (output.type().has_tensor_type()) output.mutable_type()->mutable_tensor_type()->clear_shape();
    }
    if (const auto error = RunInference(model, &propagated)) {
      warnings->push_back(fmt::format("ONNX shape inference failed ({}); nodes without shapes are not costed", *error));
      return;
    }
  }
  for (int round = 0; round < kMaxFillRounds; ++round) {
    if (!FillFromPropagatedValues(model->mutable_graph(), propagated)) return;
    if (const auto error = RunInference(model, &propagated)) {
      warnings->push_back(fmt::format("ONNX shape inference failed ({}); nodes without shapes are not costed", *error));
      return;
    }
  }
}

}  // namespace sweetspot::inspect
