// Per-node cost rules of InspectModel (documented in sweetspot/model_info.h).
// Internal to the inspect module; split out so the rules read as one table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/model_info.h"
#include "sweetspot/tensor.h"

namespace sweetspot::inspect {

// Inferred shapes by value name; -1 marks a dim that was not inferred. A name
// that is absent has no known rank.
class ShapeTable {
 public:
  void Set(const std::string& name, Shape shape) { shapes_[name] = std::move(shape); }
  // Adds the shape of a ValueInfoProto if it has one (dim_param dims are -1).
  void SetFrom(const onnx::ValueInfoProto& info);

  const Shape* Find(const std::string& name) const;
  // The shape when every dim is known, else nullopt.
  std::optional<Shape> Static(const std::string& name) const;

 private:
  std::unordered_map<std::string, Shape> shapes_;
};

// Shape of a ValueInfoProto's tensor type; nullopt when it declares none.
std::optional<Shape> ShapeOf(const onnx::ValueInfoProto& info);

struct CostEstimate {
  CostKind kind = CostKind::kElementwise;
  int64_t macs = 0;
  int64_t elementwise_ops = 0;
  bool shape_known = true;
};

// Applies the MAC rules to one node, reading the shapes it needs from `shapes`.
CostEstimate EstimateCost(const onnx::NodeProto& node, const ShapeTable& shapes);

// True for ops whose cost is far more than their output elements but that
// have no MAC rule (recurrent layers, Einsum): the caller warns about them.
bool IsHeavyWithoutRule(const onnx::NodeProto& node);

// True when input `slot` of `node` is metadata (a shape, axes, indices, a
// Resize scale, a quantization scale or zero point) rather than data, so a
// tensor it reads is not a parameter.
bool IsMetadataInput(const onnx::NodeProto& node, int slot);

}  // namespace sweetspot::inspect
