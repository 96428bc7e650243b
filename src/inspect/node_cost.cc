#include "inspect/node_cost.h"

#include <algorithm>
#include <set>

namespace sweetspot::inspect {
namespace {

// Ops are matched in the default domain only: a custom domain may reuse a
// name with different semantics.
bool IsDefaultDomain(const onnx::NodeProto& node) { return node.domain().empty() || node.domain() == "ai.onnx"; }

int64_t Product(Shape::const_iterator begin, Shape::const_iterator end) {
  int64_t product = 1;
  for (auto it = begin; it != end; ++it) product *= *it;
  return product;
}

std::optional<std::vector<int64_t>> IntsAttribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
  }
  return std::nullopt;
}

int64_t IntAttribute(const onnx::NodeProto& node, std::string_view name, int64_t fallback) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return attr.i();
  }
  return fallback;
}

// Input `slot`'s name, or "" when the node has no such (or an omitted) input.
const std::string& InputName(const onnx::NodeProto& node, int slot) {
  static const std::string kNone;
  return slot < node.input_size() ? node.input(slot) : kNone;
}

const std::string& OutputName(const onnx::NodeProto& node, int slot) {
  static const std::string kNone;
  return slot < node.output_size() ? node.output(slot) : kNone;
}

CostEstimate Unknown(CostKind kind) { return {.kind = kind, .macs = 0, .elementwise_ops = 0, .shape_known = false}; }
CostEstimate Macs(int64_t macs) {
  return {.kind = CostKind::kMacs, .macs = macs, .elementwise_ops = 0, .shape_known = true};
}

// Conv-like: output elements * prod(W.shape[1:]) = N*Cout*spatial * (Cin/group)*prod(kernel).
CostEstimate ConvMacs(const onnx::NodeProto& node, const ShapeTable& shapes, int weight_slot) {
  const auto out = shapes.Static(OutputName(node, 0));
  const auto w = shapes.Static(InputName(node, weight_slot));
  if (!out || !w || w->size() < 2) return Unknown(CostKind::kMacs);
  return Macs(ElementCount(*out) * Product(w->begin() + 1, w->end()));
}

// ConvTranspose scatters every input element over (Cout/group)*prod(kernel)
// outputs; W is [Cin, Cout/group, k...].
CostEstimate ConvTransposeMacs(const onnx::NodeProto& node, const ShapeTable& shapes) {
  const auto x = shapes.Static(InputName(node, 0));
  const auto w = shapes.Static(InputName(node, 1));
  if (!x || !w || w->size() < 2) return Unknown(CostKind::kMacs);
  return Macs(ElementCount(*x) * Product(w->begin() + 1, w->end()));
}

// Output elements * K, with K the last dim of A (1-D A is [K]); this equals
// prod(broadcast batch dims) * M*N*K without re-deriving the broadcast.
CostEstimate MatMulMacs(const onnx::NodeProto& node, const ShapeTable& shapes, int a_slot) {
  const auto out = shapes.Static(OutputName(node, 0));
  const auto a = shapes.Static(InputName(node, a_slot));
  if (!out || !a || a->empty()) return Unknown(CostKind::kMacs);
  return Macs(ElementCount(*out) * a->back());
}

CostEstimate GemmMacs(const onnx::NodeProto& node, const ShapeTable& shapes) {
  const auto out = shapes.Static(OutputName(node, 0));
  const auto a = shapes.Static(InputName(node, 0));
  if (!out || !a || a->size() != 2) return Unknown(CostKind::kMacs);
  const int64_t k = IntAttribute(node, "transA", 0) != 0 ? (*a)[0] : (*a)[1];
  return Macs(ElementCount(*out) * k);
}

CostEstimate PoolMacs(const onnx::NodeProto& node, const ShapeTable& shapes) {
  const auto out = shapes.Static(OutputName(node, 0));
  const auto kernel = IntsAttribute(node, "kernel_shape");
  if (!out || !kernel) return Unknown(CostKind::kMacs);
  return Macs(ElementCount(*out) * Product(kernel->begin(), kernel->end()));
}

CostEstimate GlobalPoolMacs(const onnx::NodeProto& node, const ShapeTable& shapes) {
  const auto x = shapes.Static(InputName(node, 0));
  if (!x) return Unknown(CostKind::kMacs);
  return Macs(ElementCount(*x));
}

CostEstimate Elementwise(const onnx::NodeProto& node, const ShapeTable& shapes) {
  int64_t elements = 0;
  for (const auto& output : node.output()) {
    if (output.empty()) continue;  // an optional output the node does not produce
    const auto shape = shapes.Static(output);
    if (!shape) return Unknown(CostKind::kElementwise);
    elements += ElementCount(*shape);
  }
  return {.kind = CostKind::kElementwise, .macs = 0, .elementwise_ops = elements, .shape_known = true};
}

bool IsFree(const std::string& op) {
  static const std::set<std::string, std::less<>> kFree = {"Constant", "Identity", "Shape",     "Size",   "Reshape",
                                                           "Flatten",  "Squeeze",  "Unsqueeze", "Dropout"};
  return kFree.contains(op);
}

}  // namespace

std::optional<Shape> ShapeOf(const onnx::ValueInfoProto& info) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return std::nullopt;
  Shape shape;
  for (const auto& dim : info.type().tensor_type().shape().dim()) {
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value() : -1);
  }
  return shape;
}

void ShapeTable::SetFrom(const onnx::ValueInfoProto& info) {
  if (auto shape = ShapeOf(info)) Set(info.name(), std::move(*shape));
}

const Shape* ShapeTable::Find(const std::string& name) const {
  const auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : &it->second;
}

std::optional<Shape> ShapeTable::Static(const std::string& name) const {
  const Shape* shape = Find(name);
  if (shape == nullptr || !IsStatic(*shape)) return std::nullopt;
  return *shape;
}

CostEstimate EstimateCost(const onnx::NodeProto& node, const ShapeTable& shapes) {
  if (!IsDefaultDomain(node)) return Elementwise(node, shapes);
  const std::string& op = node.op_type();
  if (op == "Conv" || op == "ConvInteger") return ConvMacs(node, shapes, 1);
  if (op == "QLinearConv") return ConvMacs(node, shapes, 3);
  if (op == "ConvTranspose") return ConvTransposeMacs(node, shapes);
  if (op == "Gemm") return GemmMacs(node, shapes);
  if (op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") return MatMulMacs(node, shapes, 0);
  if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") return PoolMacs(node, shapes);
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "GlobalLpPool") return GlobalPoolMacs(node, shapes);
  if (IsFree(op)) return {.kind = CostKind::kFree, .macs = 0, .elementwise_ops = 0, .shape_known = true};
  return Elementwise(node, shapes);
}

bool IsHeavyWithoutRule(const onnx::NodeProto& node) {
  if (IsDefaultDomain(node)) {
    const std::string& op = node.op_type();
    return op == "LSTM" || op == "GRU" || op == "RNN" || op == "Einsum";
  }
  if (node.domain() == "com.microsoft") {
    const std::string& op = node.op_type();
    return op == "Attention" || op == "MultiHeadAttention" || op == "FusedConv" || op == "FusedGemm" ||
           op == "FusedMatMul" || op == "QLinearConv" || op == "NhwcConv";
  }
  return false;
}

bool IsMetadataInput(const onnx::NodeProto& node, int slot) {
  const std::string& op = node.op_type();
  auto in = [slot](std::initializer_list<int> slots) {
    return std::find(slots.begin(), slots.end(), slot) != slots.end();
  };
  if (node.domain() == "com.microsoft") {
    if (op == "QLinearAdd" || op == "QLinearMul") return in({1, 2, 4, 5, 6, 7});
    if (op == "QLinearAveragePool" || op == "QLinearGlobalAveragePool" || op == "QLinearSigmoid" ||
        op == "QLinearLeakyRelu") {
      return in({1, 2, 3, 4});
    }
    return false;
  }
  if (!IsDefaultDomain(node)) return false;
  if (op == "QuantizeLinear" || op == "DequantizeLinear") return in({1, 2});
  if (op == "QLinearConv" || op == "QLinearMatMul") return in({1, 2, 4, 5, 6, 7});
  if (op == "ConvInteger" || op == "MatMulInteger") return in({2, 3});
  if (op == "Resize") return in({1, 2, 3});
  if (op == "Slice") return in({1, 2, 3, 4});
  if (op == "Pad") return in({1, 2, 3});
  if (op == "Clip") return in({1, 2});
  if (op == "OneHot") return in({1, 2});
  if (op == "Range") return in({0, 1, 2});
  if (op == "ConstantOfShape") return in({0});
  if (op == "Upsample" || op == "Reshape" || op == "Expand" || op == "Tile" || op == "Gather" ||
      op == "GatherElements" || op == "GatherND" || op == "Squeeze" || op == "Unsqueeze" || op == "Split" ||
      op == "TopK" || op.starts_with("Reduce")) {
    return in({1});
  }
  return false;
}

}  // namespace sweetspot::inspect
