// Request builders and readers for the serve tests.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "sweetspot/inference_protocol.h"

namespace sweetspot::testing {

inline InferTensor Fp32Tensor(const std::string& name, std::vector<std::int64_t> shape,
                              const std::vector<float>& values) {
  InferTensor t;
  t.name = name;
  t.datatype = WireType::kFp32;
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return t;
}

// BYTES elements (AppendBytesElement), shape [N].
inline InferTensor BytesTensor(const std::string& name, const std::vector<std::string>& elements) {
  InferTensor t;
  t.name = name;
  t.datatype = WireType::kBytes;
  t.shape = {static_cast<std::int64_t>(elements.size())};
  for (const std::string& e : elements) AppendBytesElement(t.data, e);
  return t;
}

inline std::vector<float> Floats(const InferTensor& t) {
  std::vector<float> values(t.data.size() / sizeof(float));
  std::memcpy(values.data(), t.data.data(), values.size() * sizeof(float));
  return values;
}

inline InferRequest Request(const std::string& model, std::vector<InferTensor> inputs) {
  InferRequest request;
  request.model_name = model;
  request.inputs = std::move(inputs);
  return request;
}

}  // namespace sweetspot::testing
