#include "sweetspot/tensor.h"

#include <cassert>
#include <numeric>

namespace sweetspot {
namespace {

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  std::size_t size_bytes;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::kFloat32, "float32", 4}, {DType::kFloat16, "float16", 2}, {DType::kFloat64, "float64", 8},
    {DType::kInt8, "int8", 1},       {DType::kUInt8, "uint8", 1},     {DType::kInt16, "int16", 2},
    {DType::kInt32, "int32", 4},     {DType::kInt64, "int64", 8},     {DType::kBool, "bool", 1},
};

const DTypeEntry& Entry(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e;
  }
  assert(false && "unknown DType");
  return kDTypes[0];
}

}  // namespace

std::size_t DTypeSizeBytes(DType dtype) { return Entry(dtype).size_bytes; }
std::string_view DTypeName(DType dtype) { return Entry(dtype).name; }

Result<DType> ParseDType(std::string_view name) {
  for (const auto& e : kDTypes) {
    if (e.name == name) return e.dtype;
  }
  return Status::InvalidArgument("unknown dtype '" + std::string(name) +
                                 "' (expected float32, float16, float64, int8, uint8, int16, int32, int64 or bool)");
}

bool IsStatic(const Shape& shape) {
  for (auto d : shape) {
    if (d < 0) return false;
  }
  return true;
}

std::int64_t ElementCount(const Shape& shape) {
  assert(IsStatic(shape));
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

std::string ShapeToString(const Shape& shape, std::span<const std::string> dim_names) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ",";
    if (shape[i] >= 0) {
      out += std::to_string(shape[i]);
    } else if (i < dim_names.size() && !dim_names[i].empty()) {
      out += dim_names[i];
    } else {
      out += "?";
    }
  }
  return out + "]";
}

Tensor Tensor::Owned(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.owned_.assign(t.size_bytes(), std::byte{0});
  return t;
}

Tensor Tensor::Borrowed(DType dtype, Shape shape, void* data, std::shared_ptr<void> keepalive) {
  assert(data != nullptr);
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.external_ = data;
  t.keepalive_ = std::move(keepalive);
  return t;
}

}  // namespace sweetspot
