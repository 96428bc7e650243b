// Reading and writing the values of ONNX initializers (TensorProto), for the
// graph rewrites of this module. Values are little-endian raw_data when
// written; both raw_data and the typed repeated fields are read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot::variants {

Shape TensorDims(const onnx::TensorProto& tensor);

// The values of a float32 initializer. Errors (kUnsupported) name the
// initializer: another element type, or values stored as external data.
Result<std::vector<float>> FloatValues(const onnx::TensorProto& tensor);

// Initializers of a given element type; `dims` empty = a scalar.
onnx::TensorProto FloatTensor(const std::string& name, const Shape& dims, std::span<const float> values);
onnx::TensorProto Int32Tensor(const std::string& name, const Shape& dims, std::span<const int32_t> values);
// int8 or uint8 (`element_type` onnx::TensorProto::INT8 / UINT8); values must fit.
onnx::TensorProto Int8Tensor(const std::string& name, int32_t element_type, const Shape& dims,
                             std::span<const int32_t> values);

}  // namespace sweetspot::variants
