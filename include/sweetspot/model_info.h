// Static model analysis: what an ONNX model costs, read from its graph alone.
//
// InspectModel never runs the model. It resolves the model's dynamic input
// dimensions to concrete values, runs ONNX shape inference on a copy, and
// derives from the inferred shapes how many parameters the model stores and
// how many multiply-accumulates (MACs) one batch costs. This is what
// `sweetspot inspect` prints, and what lets a speed measurement be put next to
// the work the model does.
//
// Dynamic dimensions
// ------------------
// MACs depend on the input shape, so every dynamic input dimension needs a
// value. For each graph input (initializers that are also listed as inputs
// are not inputs):
//   * the first dynamic dimension of the input is taken to be the batch and
//     gets InspectOptions::batch_size, and only that (a symbol that is the
//     batch of one input is the batch everywhere it appears);
//   * another dimension named in InspectOptions::dim_values gets that value;
//     an unnamed one can be addressed as "<input name>:<axis>", e.g. "x:2";
//   * any other dynamic dimension is an error that names them all and the
//     option that sets them.
//
// Parameters
// ----------
// Tensors stored in the graph are its initializers and the `value` tensors of
// its Constant nodes. weight_bytes counts the bytes of all of them (what the
// model spends on stored tensors; external-data files are counted from the
// tensor dims, not the file). param_count counts the elements of the ones that
// are learned weights, which is meant to match the figure papers quote
// (PyTorch's sum of numel() over parameters). A stored tensor is a parameter
// when all of these hold:
//   * its element type is floating point or an 8/16/32-bit integer (int64,
//     bool and string tensors are shapes, axes, indices, masks or labels);
//   * it holds more than one element (single values are the constants a trace
//     bakes in: Clip bounds, a Pow exponent, an epsilon, per-tensor scales);
//   * at least one node consumes it in a data input, i.e. not as a shape,
//     axes, indices, Resize scales, or quantization scale / zero point (so a
//     quantized model's int8 weights and int32 biases count, its per-channel
//     scales do not). Tensors no node reads are not parameters (a warning
//     says how many there are).
// Folded BatchNorm means a conv has a bias instead of BN's scale and shift, so
// a folded model has fewer parameters than its PyTorch source (one per
// channel instead of two).
//
// MAC rules
// ---------
// One MAC is one multiply-accumulate; nothing is counted for biases,
// activations fused or not, or data movement. N is the batch, "elements" is
// the product of a tensor's dims, and spatial dims may be 1-D, 2-D or 3-D.
//   Conv, ConvInteger, QLinearConv:
//       output elements * (Cin/group) * prod(kernel)
//       = N*Cout*prod(out spatial) * prod(W.shape[1:]); covers grouped and
//       depthwise convolutions.
//   ConvTranspose:
//       input elements * (Cout/group) * prod(kernel)
//       = N*Cin*prod(in spatial) * prod(W.shape[1:]).
//   Gemm:            M*N*K (K from A, honouring transA).
//   MatMul, MatMulInteger, QLinearMatMul:
//       output elements * K = prod(broadcast batch dims) * M*N*K; 1-D
//       operands follow numpy (M or N is 1).
//   MaxPool, AveragePool, LpPool:
//       output elements * prod(kernel_shape) (comparisons or adds, counted as
//       MACs because they scale the same way).
//   GlobalAveragePool, GlobalMaxPool, GlobalLpPool: input elements.
// Every other op is "elementwise": it costs its output elements (summed over
// its outputs), reported as elementwise_ops and kept out of total_macs, so
// total_macs can be compared with published MAC figures (which count
// conv/fc only; pooling adds well under 0.1 % to a CNN). Ops that only
// reinterpret or describe a tensor (Constant, Identity, Shape, Size, Reshape,
// Flatten, Squeeze, Unsqueeze, Dropout) cost nothing. A node whose needed
// shapes could not be inferred costs 0 and is named in a warning.
//
// Control-flow subgraphs (If, Loop, Scan) are not costed (a warning says so).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>
#include <nlohmann/json_fwd.hpp>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

// How a node's cost was counted; see the MAC rules above.
enum class CostKind {
  kMacs,         // a MAC rule applies; the cost is in NodeCost::macs
  kElementwise,  // no MAC rule; the cost is in NodeCost::elementwise_ops
  kFree,         // reinterprets or describes a tensor; costs nothing
};
std::string_view CostKindName(CostKind kind);  // "macs", "elementwise", "free"

struct NodeCost {
  std::string name;     // the node's name, or "<op_type>#<index>" when it has none
  std::string op_type;  // "Conv"
  std::string domain;   // "" for the default ONNX domain
  CostKind kind = CostKind::kElementwise;
  int64_t macs = 0;             // for kMacs nodes
  int64_t elementwise_ops = 0;  // for kElementwise nodes: output elements
  // Parameter elements this node reads; a tensor shared by several nodes is
  // attributed to the first, so the nodes' params sum to param_count.
  int64_t params = 0;
  // The first output's inferred shape; negative dims were not inferred.
  Shape output_shape;
  // False when a shape the cost needs could not be inferred (cost is 0).
  bool shape_known = true;
};

struct ModelInfo {
  std::filesystem::path path;  // empty when inspected from memory
  int64_t file_bytes = 0;      // size of the .onnx file (0 from memory)

  int64_t ir_version = 0;
  std::string producer_name;     // "pytorch"
  std::string producer_version;  // "1.13.0"
  std::string graph_name;
  // Imported opsets, domain -> version; the default domain is "ai.onnx".
  std::map<std::string, int64_t> opsets;

  // As declared by the model: dynamic dims negative, named in dim_names.
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;

  // The values dynamic input dims were given: symbol (or "<input>:<axis>" for
  // an unnamed dim) -> value. Empty when every input is static.
  std::map<std::string, int64_t> resolved_dims;
  // Leading dimension of the first input after resolution: the batch the
  // MAC figures are for (0 when that input declares no shape).
  int64_t batch_size = 0;

  int64_t param_count = 0;   // see "Parameters" above
  int64_t weight_bytes = 0;  // bytes of every stored tensor
  int64_t total_macs = 0;    // for one batch of batch_size; see "MAC rules"
  int64_t elementwise_ops = 0;

  // Node count per op type; ops of other domains are keyed "<domain>.<op>".
  std::map<std::string, int64_t> op_histogram;
  std::vector<NodeCost> nodes;  // in graph order

  // Things that make the figures incomplete or approximate, one line each
  // (shapes not inferred, custom ops, unused tensors, opset newer than the
  // ONNX library knows, ...).
  std::vector<std::string> warnings;
};

struct InspectOptions {
  // Value for each input's batch dimension (its first dynamic one); ignored
  // (with a warning when not 1) if the model's batch is fixed.
  int64_t batch_size = 1;
  // Symbolic dim name (or "<input>:<axis>") -> value. Every key must name a
  // dynamic input dim other than a batch (that is batch_size's alone, so the
  // figures say which batch they are for); anything else is an error.
  std::map<std::string, int64_t> dim_values;
};

// Loads and inspects `path`. Errors name the file: not found, not an ONNX
// model, an unresolved dynamic dimension, a bad option.
Result<ModelInfo> InspectModel(const std::filesystem::path& path, const InspectOptions& options = {});
// Inspects a model already in memory (path and file_bytes stay empty).
Result<ModelInfo> InspectModel(const onnx::ModelProto& model, const InspectOptions& options = {});

// The graph inputs `path` declares (initializers listed as inputs left out),
// with their symbolic dimensions; reads the file, resolves nothing. Errors
// name the file: not found, not an ONNX model.
Result<std::vector<TensorInfo>> DeclaredInputs(const std::filesystem::path& path);

// Every figure of `info` as JSON (nodes included). Keys are the field names
// above; shapes are arrays with -1 for dynamic dims plus a parallel
// "dim_names" array.
nlohmann::json ToJson(const ModelInfo& info);

}  // namespace sweetspot
