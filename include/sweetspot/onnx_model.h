// Reading, writing and building ONNX models with libonnx.
//
// LoadOnnxModel turns every way a model file can be wrong (missing, a Git LFS
// pointer, not protobuf, truncated, not a model, an opset ONNX Runtime cannot
// run, external weights missing) into a one-line Status naming the file and
// the fix. The ONNX Runtime backend reports a failed load with the same
// diagnosis, so every subcommand says the same thing about the same file.
//
// GraphBuilder writes small, valid models in code: the test suite builds its
// fixtures with it (so MAC counts can be checked by hand), and the demo uses
// it. It is not meant for large models.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

// Opsets of the default ONNX domain that the ONNX Runtime we build against
// (1.21) runs; a backend test loads both ends and refuses one beyond.
inline constexpr int64_t kMinRuntimeOpset = 7;
inline constexpr int64_t kMaxRuntimeOpset = 22;
inline constexpr int64_t kMaxRuntimeIrVersion = 10;

// Parses `path` into a ModelProto; checks it is a model with a graph, an opset
// in [kMinRuntimeOpset, kMaxRuntimeOpset], an IR version up to
// kMaxRuntimeIrVersion and its external data files present.
Result<onnx::ModelProto> LoadOnnxModel(const std::filesystem::path& path);
Status SaveOnnxModel(const onnx::ModelProto& model, const std::filesystem::path& path);

int32_t ToOnnxElementType(DType dtype);
Result<DType> FromOnnxElementType(int32_t element_type);
// ONNX's name of an element type, lower case: "float", "int64", "float16".
std::string OnnxElementTypeName(int32_t element_type);
// A value's type as ONNX writes it, tensors by element type inside containers:
// "float", "seq(map(int64,float))", "optional(float)", "sparse_tensor(float)".
std::string OnnxTypeName(const onnx::TypeProto& type);

// A graph's inputs (initializers listed as inputs left out) and outputs as
// the file declares them: dynamic dims negative, named by their dim_param
// ("" when unnamed); a non-tensor value has only its value_type. An element
// type sweetspot cannot represent is described as float32 and named in
// `warnings`, one line each.
struct DeclaredValues {
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  std::vector<std::string> warnings;
};
DeclaredValues DescribeGraph(const onnx::GraphProto& graph);

// A node of a model's main graph and the element type of each of its inputs
// ("int64"; "" where neither the graph nor ONNX type inference knows it).
struct NodeInputTypes {
  std::string node_name;  // "" when the node has none
  std::string op_type;
  std::string domain;  // "" for the default ONNX domain
  std::vector<std::string> input_names;
  std::vector<std::string> input_types;  // same order
};
// The first node that runs `op_type` (of any domain) and, when `node_name` is
// not empty, has that name; nullopt when there is none. Runs libonnx type
// inference on a copy of the model for the types the graph does not declare.
std::optional<NodeInputTypes> FindNodeInputTypes(const onnx::ModelProto& model, std::string_view op_type,
                                                 std::string_view node_name);

class GraphBuilder {
 public:
  using Attribute = onnx::AttributeProto;

  explicit GraphBuilder(std::string graph_name, int64_t opset = 13);

  // Declares a graph input. Negative dims are dynamic, named by `dim_names`
  // where given (e.g. {"N"} for a dynamic batch).
  GraphBuilder& Input(const std::string& name, DType dtype, const Shape& shape,
                      const std::vector<std::string>& dim_names = {});
  // Declares a graph output; an empty shape leaves it to shape inference.
  GraphBuilder& Output(const std::string& name, DType dtype, const Shape& shape = {},
                       const std::vector<std::string>& dim_names = {});

  // A float32 initializer with given values (size must match the shape).
  GraphBuilder& Initializer(const std::string& name, const Shape& shape, std::vector<float> values);
  // A float32 initializer with values uniform in [-scale, scale] (seeded).
  GraphBuilder& RandomInitializer(const std::string& name, const Shape& shape, uint32_t seed, float scale = 0.1F);
  // An int64 initializer (shapes for Reshape, axes, ...).
  GraphBuilder& Int64Initializer(const std::string& name, const Shape& shape, std::vector<int64_t> values);
  // An int8/uint8 initializer (quantized weights and zero points).
  GraphBuilder& Int8Initializer(const std::string& name, DType dtype, const Shape& shape, std::vector<int32_t> values);

  // Appends a node. `domain` "" is the default ONNX domain.
  GraphBuilder& Node(const std::string& op_type, const std::vector<std::string>& inputs,
                     const std::vector<std::string>& outputs, std::initializer_list<Attribute> attributes = {},
                     const std::string& domain = "");

  // Sets metadata_props[key] = value (replacing an earlier value of `key`).
  GraphBuilder& Metadata(const std::string& key, const std::string& value);

  // Returns the model; the builder can keep going afterwards.
  onnx::ModelProto Build() const;

 private:
  onnx::ModelProto model_;
};

// Shorthand for attributes: Attr("kernel_shape", std::vector<int64_t>{3, 3}).
template <typename T>
onnx::AttributeProto Attr(const std::string& name, const T& value);

}  // namespace sweetspot
