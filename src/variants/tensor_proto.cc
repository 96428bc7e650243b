#include "tensor_proto.h"

#include <cstring>

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

Result<std::vector<float>> FloatValues(const onnx::TensorProto& tensor) {
  if (tensor.data_type() != onnx::TensorProto::FLOAT) {
    return Status::Unsupported("initializer '" + tensor.name() + "' is not float32");
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    return Status::Unsupported("initializer '" + tensor.name() +
                               "' is stored as external data; save the model with its weights inside the .onnx file");
  }
  const auto count = static_cast<std::size_t>(ElementCount(TensorDims(tensor)));
  std::vector<float> values(count);
  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != count * sizeof(float)) {
      return Status::InvalidData("initializer '" + tensor.name() + "' holds " +
                                 std::to_string(tensor.raw_data().size()) + " bytes for " + std::to_string(count) +
                                 " float32 values");
    }
    std::memcpy(values.data(), tensor.raw_data().data(), count * sizeof(float));
    return values;
  }
  if (static_cast<std::size_t>(tensor.float_data_size()) != count) {
    return Status::InvalidData("initializer '" + tensor.name() + "' holds " + std::to_string(tensor.float_data_size()) +
                               " values for its shape of " + std::to_string(count));
  }
  std::copy(tensor.float_data().begin(), tensor.float_data().end(), values.begin());
  return values;
}

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
