// Tensor: a typed, shaped buffer that either owns its bytes or borrows them.
//
// Borrowed tensors point into memory owned by someone else (a dataset cache,
// a runtime's output); the optional `keepalive` handle keeps that owner alive
// for as long as any copy of the tensor exists. Copying an owned tensor copies
// its bytes; copying a borrowed one copies the view.
//
// Not thread-safe for concurrent mutation; concurrent reads are fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/status.h"

namespace sweetspot {

enum class DType { kFloat32, kFloat16, kFloat64, kInt8, kUInt8, kInt16, kInt32, kInt64, kBool };

std::size_t DTypeSizeBytes(DType dtype);
std::string_view DTypeName(DType dtype);  // "float32", "uint8", ...
Result<DType> ParseDType(std::string_view name);

// Dimensions; a negative value marks a dynamic (unknown) dimension.
using Shape = std::vector<std::int64_t>;

bool IsStatic(const Shape& shape);
// Product of the dimensions; requires IsStatic(shape).
std::int64_t ElementCount(const Shape& shape);
// "[1,3,32,32]", dynamic dimensions as "?" (or their name when given).
std::string ShapeToString(const Shape& shape, std::span<const std::string> dim_names = {});

// One input or output of a model. A dense tensor has dtype, shape and dim
// names; any other value (a sequence, map, optional or sparse tensor) has only
// its type, as ONNX writes it: value_type "seq(map(int64,float))".
struct TensorInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;                         // negative = dynamic
  std::vector<std::string> dim_names;  // symbolic names of dynamic dims ("" if none)
  std::string value_type;              // "" for a dense tensor

  bool is_tensor() const { return value_type.empty(); }
};

class Tensor {
 public:
  Tensor() = default;

  // Zero-filled owned tensor; requires IsStatic(shape).
  static Tensor Owned(DType dtype, Shape shape);
  // View of `data`, which must hold ElementCount(shape) elements of `dtype`.
  static Tensor Borrowed(DType dtype, Shape shape, void* data, std::shared_ptr<void> keepalive = nullptr);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t element_count() const { return ElementCount(shape_); }
  std::size_t size_bytes() const { return static_cast<std::size_t>(element_count()) * DTypeSizeBytes(dtype_); }
  bool is_owned() const { return external_ == nullptr; }

  void* data() { return external_ != nullptr ? external_ : owned_.data(); }
  const void* data() const { return external_ != nullptr ? external_ : owned_.data(); }

  template <typename T>
  std::span<T> values() {
    return {static_cast<T*>(data()), static_cast<std::size_t>(element_count())};
  }
  template <typename T>
  std::span<const T> values() const {
    return {static_cast<const T*>(data()), static_cast<std::size_t>(element_count())};
  }

 private:
  DType dtype_ = DType::kFloat32;
  Shape shape_;
  std::vector<std::byte> owned_;
  void* external_ = nullptr;
  std::shared_ptr<void> keepalive_;
};

}  // namespace sweetspot
