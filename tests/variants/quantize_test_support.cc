#include "quantize_test_support.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "sweetspot/onnx_model.h"

namespace sweetspot::quantize_test {

Tensor RandomTensor(const Shape& shape, unsigned seed) {
  Tensor tensor = Tensor::Owned(DType::kFloat32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
  for (auto& v : tensor.values<float>()) v = dist(rng);
  return tensor;
}

std::vector<Tensor> RunModel(const onnx::ModelProto& model, const Tensor& input, const std::filesystem::path& path,
                             const BackendOptions& options) {
  auto saved = SaveOnnxModel(model, path);
  EXPECT_TRUE(saved.ok()) << saved.ToString();
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok());
  auto session = (*backend)->Load(path, options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  auto outputs = (*session)->Run(std::span<const Tensor>(&input, 1));
  EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
  return outputs.ok() ? std::move(*outputs) : std::vector<Tensor>{};
}

ActivationRanges MinMaxRanges(const onnx::ModelProto& model, const std::vector<std::string>& tensors,
                              const Tensor& input, const std::filesystem::path& path) {
  onnx::ModelProto exposed = model;
  ActivationRanges ranges;
  const auto is_input = [&](const std::string& name) {
    return std::any_of(model.graph().input().begin(), model.graph().input().end(),
                       [&](const auto& info) { return info.name() == name; });
  };
  std::vector<std::string> exposed_names;
  for (const auto& name : tensors) {
    if (is_input(name)) {
      const auto values = input.values<float>();
      const auto [low, high] = std::minmax_element(values.begin(), values.end());
      ranges[name] = {std::min(*low, 0.0F), std::max(*high, 0.0F)};
      continue;
    }
    exposed_names.push_back(name);
    auto* output = exposed.mutable_graph()->add_output();
    output->set_name(name);
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  const auto outputs = RunModel(exposed, input, path);
  const std::size_t first = outputs.size() - exposed_names.size();
  for (std::size_t i = 0; i < exposed_names.size() && first + i < outputs.size(); ++i) {
    const auto values = outputs[first + i].values<float>();
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    ranges[exposed_names[i]] = {std::min(*low, 0.0F), std::max(*high, 0.0F)};
  }
  return ranges;
}

void ExpectClose(const std::vector<Tensor>& expected, const std::vector<Tensor>& actual, double tolerance) {
  ASSERT_FALSE(expected.empty());
  ASSERT_FALSE(actual.empty());
  const auto e = expected[0].values<float>();
  const auto a = actual[0].values<float>();
  ASSERT_EQ(e.size(), a.size());
  double largest = 0.0;
  double worst = 0.0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    largest = std::max(largest, std::fabs(static_cast<double>(e[i])));
    worst = std::max(worst, std::fabs(static_cast<double>(e[i]) - a[i]));
  }
  EXPECT_LE(worst, tolerance * largest) << "largest |output| " << largest;
  EXPECT_GT(worst, 0.0) << "the int8 model computes exactly the float model's values";
}

const onnx::TensorProto* Initializer(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& init : model.graph().initializer()) {
    if (init.name() == name) return &init;
  }
  return nullptr;
}

const onnx::NodeProto* Producer(const onnx::ModelProto& model, const std::string& tensor) {
  for (const auto& node : model.graph().node()) {
    if (std::find(node.output().begin(), node.output().end(), tensor) != node.output().end()) return &node;
  }
  return nullptr;
}

std::string ProducerOp(const onnx::ModelProto& model, const std::string& tensor) {
  const auto* node = Producer(model, tensor);
  return node == nullptr ? "" : node->op_type();
}

std::vector<std::string> ProducerInputs(const onnx::ModelProto& model, const std::string& tensor) {
  const auto* node = Producer(model, tensor);
  if (node == nullptr) return {};
  return {node->input().begin(), node->input().end()};
}

int64_t ProducerAttribute(const onnx::ModelProto& model, const std::string& tensor, const std::string& name) {
  if (const auto* node = Producer(model, tensor); node != nullptr) {
    for (const auto& attribute : node->attribute()) {
      if (attribute.name() == name) return attribute.i();
    }
  }
  return std::numeric_limits<int64_t>::min();
}

std::map<std::string, int> OpHistogram(const onnx::ModelProto& model) {
  std::map<std::string, int> ops;
  for (const auto& node : model.graph().node()) ++ops[node.op_type()];
  return ops;
}

int64_t DefaultOpsetOf(const onnx::ModelProto& model) {
  for (const auto& opset : model.opset_import()) {
    if (opset.domain().empty()) return opset.version();
  }
  return 0;
}

namespace {

template <typename T>
std::vector<T> RawValues(const onnx::ModelProto& model, const std::string& name) {
  const auto* init = Initializer(model, name);
  EXPECT_NE(init, nullptr) << name;
  if (init == nullptr) return {};
  std::vector<T> values(init->raw_data().size() / sizeof(T));
  std::memcpy(values.data(), init->raw_data().data(), values.size() * sizeof(T));
  return values;
}

}  // namespace

std::vector<float> FloatValuesOf(const onnx::ModelProto& model, const std::string& name) {
  return RawValues<float>(model, name);
}

std::vector<int> Int8ValuesOf(const onnx::ModelProto& model, const std::string& name) {
  const auto* init = Initializer(model, name);
  std::vector<int> out;
  if (init == nullptr) return out;
  for (char c : init->raw_data()) {
    out.push_back(init->data_type() == onnx::TensorProto::INT8 ? static_cast<int>(static_cast<int8_t>(c))
                                                               : static_cast<int>(static_cast<uint8_t>(c)));
  }
  return out;
}

std::vector<int32_t> Int32ValuesOf(const onnx::ModelProto& model, const std::string& name) {
  return RawValues<int32_t>(model, name);
}

}  // namespace sweetspot::quantize_test
