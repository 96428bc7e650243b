// Graph plumbing shared by the static and dynamic quantizers: who produces
// and who reads each tensor, attributes, node construction, the opset the
// quantization operators need, and the names of the tensors they add
// (the naming contract of quantize.h).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/quantize.h"
#include "sweetspot/status.h"

namespace sweetspot::variants {

// Of the main graph of `model`.
struct GraphIndex {
  explicit GraphIndex(const onnx::ModelProto& model);

  const onnx::TensorProto* Initializer(const std::string& name) const;
  // The index of the node producing `tensor`, -1 for a graph input or initializer.
  int Producer(const std::string& tensor) const;
  std::size_t ConsumerCount(const std::string& tensor) const;
  bool IsGraphOutput(const std::string& tensor) const { return graph_outputs.contains(tensor); }
  // False only when `tensor` is known (declared or inferred) to hold
  // another element type than float32.
  bool MaybeFloat(const std::string& tensor) const;

  std::map<std::string, const onnx::TensorProto*> initializers;
  std::map<std::string, int> producers;
  std::map<std::string, std::size_t> consumer_counts;
  std::set<std::string> graph_outputs;
  std::unordered_map<std::string, int32_t> element_types;  // graph_types.h's ElementTypes
};

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback);
float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback);
void SetIntAttribute(onnx::NodeProto* node, const std::string& name, int64_t value);
void SetFloatAttribute(onnx::NodeProto* node, const std::string& name, float value);

onnx::NodeProto MakeNode(const std::string& op_type, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::string& name);

// The naming contract of quantize.h.
inline std::string QuantizedName(const std::string& t) { return t + "_quantized"; }
inline std::string ScaleName(const std::string& t) { return t + "_scale"; }
inline std::string ZeroPointName(const std::string& t) { return t + "_zero_point"; }
inline std::string DequantizedName(const std::string& t) { return t + "_dequantized"; }

// The version of the default ONNX domain the model imports.
int64_t DefaultOpset(const onnx::ModelProto& model);

// `model` at opset `opset` or above: unchanged when it already is, else
// converted by ONNX's version converter, which rewrites the ops whose
// definition changed. Error (kUnsupported) when the converter cannot.
Result<onnx::ModelProto> WithOpsetAtLeast(const onnx::ModelProto& model, int64_t opset);

// Checks shared by both quantizers: `options.op_types` holds only Conv,
// Gemm and MatMul, and the model is not already quantized.
Status CheckQuantizable(const onnx::ModelProto& model, const QuantizeOptions& options);

// Removes initializers (and their graph-input entries) that no node reads
// and the graph does not output, among `candidates`; and value_info entries
// of tensors the graph no longer has.
void RemoveUnusedTensors(onnx::GraphProto* graph, const std::set<std::string>& candidates);

}  // namespace sweetspot::variants
