// Helpers of the quantization tests: run a model in ONNX Runtime, measure
// min/max activation ranges, and read the initializers and nodes of a
// quantized model.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/calibration.h"
#include "sweetspot/tensor.h"

namespace sweetspot::quantize_test {

// float32 values uniform in [-1, 1], seeded.
Tensor RandomTensor(const Shape& shape, unsigned seed);

// Saves `model` to `path`, runs it on `input` in ONNX Runtime (asserts on failure).
std::vector<Tensor> RunModel(const onnx::ModelProto& model, const Tensor& input, const std::filesystem::path& path,
                             const BackendOptions& options = {});

// The min/max of each tensor on `input`, by running a copy of `model` that
// outputs them (saved at `path`).
ActivationRanges MinMaxRanges(const onnx::ModelProto& model, const std::vector<std::string>& tensors,
                              const Tensor& input, const std::filesystem::path& path);

// Expects the first outputs to agree within `tolerance` x the largest |expected|.
void ExpectClose(const std::vector<Tensor>& expected, const std::vector<Tensor>& actual, double tolerance);

const onnx::TensorProto* Initializer(const onnx::ModelProto& model, const std::string& name);
const onnx::NodeProto* Producer(const onnx::ModelProto& model, const std::string& tensor);
// Of the node producing `tensor`: its op type, inputs, an int attribute
// ("", {}, INT64_MIN when there is no such node or attribute).
std::string ProducerOp(const onnx::ModelProto& model, const std::string& tensor);
std::vector<std::string> ProducerInputs(const onnx::ModelProto& model, const std::string& tensor);
int64_t ProducerAttribute(const onnx::ModelProto& model, const std::string& tensor, const std::string& name);
std::map<std::string, int> OpHistogram(const onnx::ModelProto& model);
int64_t DefaultOpsetOf(const onnx::ModelProto& model);

std::vector<float> FloatValuesOf(const onnx::ModelProto& model, const std::string& name);
std::vector<int> Int8ValuesOf(const onnx::ModelProto& model, const std::string& name);  // int8 or uint8
std::vector<int32_t> Int32ValuesOf(const onnx::ModelProto& model, const std::string& name);

}  // namespace sweetspot::quantize_test
