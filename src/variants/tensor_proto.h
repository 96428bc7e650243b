// New ONNX initializers (TensorProto) for the quantizers, values as
// little-endian raw_data (reading float ones: prune_common.h's ReadFloats).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/tensor.h"

namespace sweetspot::variants {

Shape TensorDims(const onnx::TensorProto& tensor);

// Initializers of a given element type; `dims` empty = a scalar.
onnx::TensorProto FloatTensor(const std::string& name, const Shape& dims, std::span<const float> values);
onnx::TensorProto Int32Tensor(const std::string& name, const Shape& dims, std::span<const int32_t> values);
// int8 or uint8 (`element_type` onnx::TensorProto::INT8 / UINT8); values must fit.
onnx::TensorProto Int8Tensor(const std::string& name, int32_t element_type, const Shape& dims,
                             std::span<const int32_t> values);

}  // namespace sweetspot::variants
