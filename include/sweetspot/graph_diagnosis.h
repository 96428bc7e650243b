// What ONNX Runtime actually runs: its optimised graph for a session, saved
// (BackendOptions::optimized_model_path) and counted.
//
// The op histogram is keyed by (domain, op type, precision), the precision
// being the element type of the op's first input as ONNX names it ("uint8",
// "int8", "float", "float16"; the first output's for a node without inputs;
// "unknown" when neither the saved value_info nor ONNX shape inference tells).
// Quantization overhead is counted separately (Cast, QuantizeLinear,
// DequantizeLinear, DynamicQuantizeLinear), and the share of MACs still
// computed in float (float32 or double: float16 counts as reduced) is
// estimated from the MAC-carrying ops of the optimised graph: Conv, Gemm,
// MatMul, their integer forms and the fused or relaid-out forms ONNX Runtime
// writes (com.microsoft FusedConv, NhwcConv, QLinearConv, FusedGemm, QGemm,
// FusedMatMul, MatMulIntegerToFloat, DynamicQuantizeMatMul;
// com.microsoft.nchwc Conv), each costed by the MAC rule of its ONNX
// counterpart (model_info.h) at batch 1, every symbolic dim taken as 1 (the
// share does not depend on the batch). Pooling is left out of the share.
// DiagnoseOptimizedGraph saves the graph at level extended when `options` ask
// for all: level all only relays the layout (NCHWc blocks, NHWC around
// integer convs), which changes no precision and no MAC count but leaves
// shapes ONNX's inference cannot follow.
// SlowerVariantVerdict turns a diagnosis into the one line that explains why
// a variant is slower than its parent.
//
// Unfused QDQ: a QDQ model asks for integer compute by wrapping each
// quantized op in DequantizeLinear -> op -> QuantizeLinear; ONNX Runtime
// (level extended and up) replaces each pattern it has an integer kernel for
// (QLinearConv, QLinearMatMul, QGemm, MatMulIntegerToFloat) and leaves the
// others as they are: the op then computes in float on dequantized values,
// between conversions, slower than either form. A MAC-carrying node of the
// optimised graph that computes in float with its data input (the first) a
// DequantizeLinear's output is such a pattern ("unfused"; dequantized
// weights under a float input only store a float layer smaller, and are
// not). The 1.21 CPU provider leaves, for example, ConvTranspose, a Conv
// whose output is not quantized, and 16-bit activations. UnfusedQdqNote
// words it as a measurement hygiene warning (hygiene.h "runtime-fallback").
//
// Errors: the model fails to load (the backend's Status), the optimised file
// cannot be written or read, an empty optimized_path (kInvalidArgument).
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct OpCount {
  std::string domain;  // "" for ONNX, "com.microsoft", ...
  std::string op_type;
  std::string precision;
  std::int64_t count = 0;
};

struct GraphDiagnosis {
  std::vector<OpCount> ops;  // most frequent first
  std::int64_t node_count = 0;
  std::int64_t cast_nodes = 0;
  std::int64_t quantize_nodes = 0;  // QuantizeLinear + DynamicQuantizeLinear
  std::int64_t dequantize_nodes = 0;
  std::vector<std::string> float_mac_nodes;  // MAC-carrying nodes still in float (names)
  std::vector<OpCount> float_mac_ops;        // the same nodes counted by (domain, op type, precision)
  double float_mac_fraction = 0.0;           // of the MAC-carrying ops' MACs; 0 when none could be costed
  // Quantized MAC-carrying nodes: those computing on integers plus the unfused ones.
  std::int64_t quantized_mac_nodes = 0;
  std::int64_t unfused_qdq_nodes = 0;
  std::vector<OpCount> unfused_qdq_ops;   // the unfused nodes counted by (domain, op type, precision)
  double unfused_qdq_mac_fraction = 0.0;  // their share of the MAC-carrying ops' MACs
};

// A float share below this is not named by SlowerVariantVerdict: it cannot
// explain much of a slowdown.
inline constexpr double kFloatMacShareWorthNaming = 0.10;

// Diagnoses a graph already saved by the runtime (or any model in memory).
GraphDiagnosis DiagnoseGraph(const onnx::ModelProto& optimized);

// Loads `model` with `options`, the runtime saving its optimised graph to
// `optimized_path` (overwritten), and diagnoses that graph.
Result<GraphDiagnosis> DiagnoseOptimizedGraph(Backend& backend, const std::filesystem::path& model,
                                              BackendOptions options, const std::filesystem::path& optimized_path);

// "" when nothing explains it; else the reasons joined by "; ", e.g. "42 % of
// MACs still float (Conv x12, Gemm x1); 18 extra
// QuantizeLinear/DequantizeLinear; 4 extra Cast". The float share is named
// when the variant changed precision (it has conversion nodes its parent
// lacks, or a smaller float share) and at least kFloatMacShareWorthNaming of
// its MACs are still float; the extras are the variant's counts minus the
// parent's, named when positive.
std::string SlowerVariantVerdict(const GraphDiagnosis& variant, const GraphDiagnosis& parent);

// "" when no node is unfused; else one line with the figures, e.g.
// "onnxruntime@1.21.0 runs 3 of 58 quantized Conv/Gemm/MatMul nodes in float
// (DequantizeLinear -> ConvTranspose x3 not fused): 12 % of MACs". `engine`
// names the runtime (Backend::name()).
std::string UnfusedQdqNote(const GraphDiagnosis& diagnosis, std::string_view engine);

// UnfusedQdqNote of `model` as `backend` runs it with `options` (optimised
// graph saved in a temporary folder, removed before return): "" for a model
// without DequantizeLinear nodes (not QDQ), and for a backend that keeps no
// ONNX form of its optimised graph (its Load answers Unsupported to
// optimized_model_path: OpenCV DNN).
Result<std::string> UnfusedQdqNoteOf(Backend& backend, const std::filesystem::path& model,
                                     const BackendOptions& options);

}  // namespace sweetspot
