#include "tensor_proto.h"

namespace sweetspot::variants {

namespace {

onnx::TensorProto MakeTensor(const std::string& name, int32_t element_type, const Shape& dims, const void* data,
                             std::size_t size_bytes) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(element_type);
  for (auto d : dims) tensor.add_dims(d);
  tensor.set_raw_data(data, size_bytes);
  return tensor;
}

}  // namespace

Shape TensorDims(const onnx::TensorProto& tensor) { return {tensor.dims().begin(), tensor.dims().end()}; }

onnx::TensorProto FloatTensor(const std::string& name, const Shape& dims, std::span<const float> values) {
  return MakeTensor(name, onnx::TensorProto::FLOAT, dims, values.data(), values.size_bytes());
}

onnx::TensorProto Int32Tensor(const std::string& name, const Shape& dims, std::span<const int32_t> values) {
  return MakeTensor(name, onnx::TensorProto::INT32, dims, values.data(), values.size_bytes());
}

onnx::TensorProto Int8Tensor(const std::string& name, int32_t element_type, const Shape& dims,
                             std::span<const int32_t> values) {
  std::string bytes(values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) bytes[i] = static_cast<char>(static_cast<uint8_t>(values[i]));
  return MakeTensor(name, element_type, dims, bytes.data(), bytes.size());
}

}  // namespace sweetspot::variants
