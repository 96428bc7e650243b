#include "sweetspot/input_resize.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "graph_types.h"
#include "sweetspot/tensor.h"

namespace sweetspot {
namespace {

// Inferred shapes by value name; -1 marks a dim that is not known.
using ShapeMap = std::unordered_map<std::string, std::vector<int64_t>>;

struct Size2d {
  int64_t height = 0;  // 0 when the model leaves it symbolic
  int64_t width = 0;
};

ShapeMap InferredShapes(const onnx::ModelProto& model) {
  onnx::ModelProto inferred = model;
  (void)variants::InferShapesInPlace(&inferred, /*strict=*/false);  // lenient: what it cannot infer stays unknown
  ShapeMap shapes;
  auto add = [&](const onnx::ValueInfoProto& info) {
    if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return;
    std::vector<int64_t> dims;
    for (const auto& dim : info.type().tensor_type().shape().dim()) {
      dims.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    }
    shapes[info.name()] = std::move(dims);
  };
  const auto& graph = inferred.graph();
  for (const auto& info : graph.input()) add(info);
  for (const auto& info : graph.value_info()) add(info);
  for (const auto& info : graph.output()) add(info);
  for (const auto& init : graph.initializer()) shapes[init.name()] = {init.dims().begin(), init.dims().end()};
  return shapes;
}

const std::vector<int64_t>* Known(const ShapeMap& shapes, const std::string& name) {
  const auto it = shapes.find(name);
  if (it == shapes.end() || std::any_of(it->second.begin(), it->second.end(), [](int64_t d) { return d < 0; })) {
    return nullptr;
  }
  return &it->second;
}

std::vector<int64_t> IntsAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return {attr.ints().begin(), attr.ints().end()};
  }
  return {};
}

int64_t IntAttr(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return attr.i();
  }
  return fallback;
}

std::string Dims(const std::vector<int64_t>& dims) { return fmt::format("{}", fmt::join(dims, "x")); }

// The graph's first 4-D tensor input that is not an initializer.
onnx::ValueInfoProto* ImageInput(onnx::GraphProto* graph) {
  std::unordered_set<std::string> initializers;
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  for (auto& input : *graph->mutable_input()) {
    if (initializers.contains(input.name()) || !input.type().has_tensor_type()) continue;
    if (input.type().tensor_type().shape().dim_size() == 4) return &input;
  }
  return nullptr;
}

// Names where the node comes from: "node 'fc' (Gemm)".
std::string Describe(const onnx::NodeProto& node, int index) {
  return fmt::format("node '{}' ({})", variants::NodeLabel(node, index), node.op_type());
}

// A Gemm or weight MatMul whose input features follow the image size: its
// weight was sized for the original map (a Flatten or Reshape of it).
std::optional<std::string> FixedFeatures(const onnx::GraphProto& graph, int index, const ShapeMap& before,
                                         const ShapeMap& after) {
  const auto& node = graph.node(index);
  const bool gemm = node.op_type() == "Gemm";
  if (!gemm && node.op_type() != "MatMul") return std::nullopt;
  // Only the feature axis needs to be known: a symbolic batch must not hide
  // a feature count that changed.
  const auto old_it = before.find(node.input(0));
  const auto new_it = after.find(node.input(0));
  if (old_it == before.end() || new_it == after.end()) return std::nullopt;
  const std::vector<int64_t>* old_shape = &old_it->second;
  const std::vector<int64_t>* new_shape = &new_it->second;
  if (old_shape->size() != new_shape->size() || old_shape->empty()) return std::nullopt;
  const std::size_t k_axis = gemm && IntAttr(node, "transA", 0) != 0 ? 0 : old_shape->size() - 1;
  if ((*old_shape)[k_axis] < 0 || (*new_shape)[k_axis] < 0 || (*old_shape)[k_axis] == (*new_shape)[k_axis]) {
    return std::nullopt;
  }
  std::string source;
  for (int i = 0; i < index; ++i) {
    const auto& producer = graph.node(i);
    if (std::find(producer.output().begin(), producer.output().end(), node.input(0)) != producer.output().end()) {
      source = ", from " + Describe(producer, i);
    }
  }
  return fmt::format(
      "{} has a weight for {} input features, what the original size gives it; the new size gives {} "
      "(the map is flattened into its input{}: the model needs global pooling before its classifier)",
      Describe(node, index), (*old_shape)[k_axis], (*new_shape)[k_axis], source);
}

// A Reshape to a constant target with no -1 holds the original element count.
std::optional<std::string> FixedReshape(const onnx::GraphProto& graph, int index, const ShapeMap& before,
                                        const ShapeMap& after, const std::unordered_set<std::string>& constants) {
  const auto& node = graph.node(index);
  if (node.op_type() != "Reshape" || node.input_size() < 2 || !constants.contains(node.input(1))) return std::nullopt;
  const auto* target = Known(before, node.output(0));
  const auto* old_shape = Known(before, node.input(0));
  const auto* new_shape = Known(after, node.input(0));
  if (target == nullptr || old_shape == nullptr || new_shape == nullptr) return std::nullopt;
  if (ElementCount(*old_shape) == ElementCount(*new_shape)) return std::nullopt;
  return fmt::format("{} reshapes to the fixed shape {}, which holds the original size; the new size gives a {} map",
                     Describe(node, index), Dims(*target), Dims(*new_shape));
}

// A pooling window equal to its whole map at the original size pools
// globally only there; any kernel larger than its (padded) map at the new
// size has no output.
std::optional<std::string> FixedWindow(const onnx::GraphProto& graph, int index, const ShapeMap& before,
                                       const ShapeMap& after) {
  const auto& node = graph.node(index);
  const bool pool = node.op_type() == "AveragePool" || node.op_type() == "MaxPool" || node.op_type() == "LpPool";
  if (!pool && node.op_type() != "Conv") return std::nullopt;
  std::vector<int64_t> kernel = IntsAttr(node, "kernel_shape");
  const auto* new_shape = Known(after, node.input(0));
  if (kernel.empty() && node.op_type() == "Conv" && node.input_size() > 1) {
    if (const auto* weight = Known(after, node.input(1)); weight != nullptr && weight->size() > 2) {
      kernel.assign(weight->begin() + 2, weight->end());
    }
  }
  if (new_shape == nullptr || new_shape->size() != kernel.size() + 2) return std::nullopt;
  const std::vector<int64_t> new_map(new_shape->begin() + 2, new_shape->end());
  const auto* old_shape = Known(before, node.input(0));
  if (pool && old_shape != nullptr && std::equal(kernel.begin(), kernel.end(), old_shape->begin() + 2) &&
      new_map != kernel) {
    return fmt::format(
        "{} pools a fixed {} window, the whole map at the original size, and a {} map at the new size: "
        "it pools globally only at the original size (GlobalAveragePool would at any)",
        Describe(node, index), Dims(kernel), Dims(new_map));
  }
  const std::vector<int64_t> pads = IntsAttr(node, "pads");
  for (std::size_t axis = 0; axis < kernel.size(); ++axis) {
    const int64_t padded =
        new_map[axis] + (pads.size() == 2 * kernel.size() ? pads[axis] + pads[axis + kernel.size()] : 0);
    if (padded < kernel[axis]) {
      return fmt::format("{} has a {} kernel but gets a {} map at the new size", Describe(node, index), Dims(kernel),
                         Dims(new_map));
    }
  }
  return std::nullopt;
}

Status CheckResizable(const onnx::ModelProto& model, const onnx::ModelProto& resized, const std::string& size) {
  const ShapeMap before = InferredShapes(model);
  const ShapeMap after = InferredShapes(resized);
  std::unordered_set<std::string> constants;
  for (const auto& init : model.graph().initializer()) constants.insert(init.name());
  for (const auto& node : model.graph().node()) {
    if (node.op_type() == "Constant") constants.insert(node.output().begin(), node.output().end());
  }
  const auto& graph = model.graph();
  for (int i = 0; i < graph.node_size(); ++i) {
    auto blocked = FixedFeatures(graph, i, before, after);
    if (!blocked) blocked = FixedReshape(graph, i, before, after, constants);
    if (!blocked) blocked = FixedWindow(graph, i, before, after);
    if (blocked) return Status::InvalidArgument(fmt::format("cannot resize the input to {}: {}", size, *blocked));
  }
  // What the rules above do not know (a Concat of maps that no longer line
  // up, a fixed Resize target) shows as a node strict inference refuses at the
  // new size only.
  onnx::ModelProto strict_before = model;
  onnx::ModelProto strict_after = resized;
  if (!variants::InferShapesInPlace(&strict_before, /*strict=*/true)) {
    if (const auto error = variants::InferShapesInPlace(&strict_after, /*strict=*/true)) {
      return Status::InvalidArgument(
          fmt::format("cannot resize the input to {}: ONNX shape inference fails at that size: {}", size, *error));
    }
  }
  return Status::Ok();
}

// Clears what the original size fixed (intermediate shapes, output shapes)
// and infers them again; an output whose shape inference cannot reach keeps
// its declared shape.
void ReinferShapes(onnx::ModelProto* model) {
  onnx::GraphProto* graph = model->mutable_graph();
  std::vector<onnx::ValueInfoProto> declared(graph->output().begin(), graph->output().end());
  graph->clear_value_info();
  for (auto& output : *graph->mutable_output()) {
    if (output.type().has_tensor_type()) output.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  (void)variants::InferShapesInPlace(model, /*strict=*/false);
  for (int i = 0; i < graph->output_size(); ++i) {
    auto* type = graph->mutable_output(i)->mutable_type();
    if (type->has_tensor_type() && !type->tensor_type().has_shape())
      *type = declared[static_cast<std::size_t>(i)].type();
  }
}

}  // namespace

Result<onnx::ModelProto> ResizeInput(const onnx::ModelProto& model, std::int64_t height, std::int64_t width) {
  const std::string size = fmt::format("{}x{}", height, width);
  if (height < 1 || width < 1) {
    return Status::InvalidArgument("input size " + size + " is out of range: height and width must be at least 1");
  }
  onnx::ModelProto resized = model;
  onnx::ValueInfoProto* input = ImageInput(resized.mutable_graph());
  if (input == nullptr) {
    return Status::InvalidArgument("the model has no 4-D image input (N, C, H, W) whose size could change");
  }
  auto* dims = input->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim();
  const Size2d original{dims->Get(2).dim_value(), dims->Get(3).dim_value()};
  if ((original.height > 0 && height > original.height) || (original.width > 0 && width > original.width)) {
    return Status::InvalidArgument(
        fmt::format("input size {} is out of range: larger than the model's {}x{} (a "
                    "resized variant is smaller than its parent)",
                    size, original.height, original.width));
  }
  dims->Mutable(2)->set_dim_value(height);
  dims->Mutable(3)->set_dim_value(width);
  ReinferShapes(&resized);
  SWEETSPOT_RETURN_IF_ERROR(CheckResizable(model, resized, size));
  return resized;
}

}  // namespace sweetspot
