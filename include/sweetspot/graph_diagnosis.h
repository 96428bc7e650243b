// What ONNX Runtime actually runs: its optimised graph for a session, saved
// (BackendOptions::optimized_model_path) and counted.
//
// The op histogram is keyed by (domain, op type, precision), the precision
// being the element type of the op's first input ("uint8", "int8", "float",
// "float16"). Quantization overhead is counted separately (Cast,
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear), and the share of
// MACs still computed in float is estimated from the MAC-carrying ops (Conv,
// Gemm, MatMul and their fused/integer forms) of the optimised graph.
// SlowerVariantVerdict turns a diagnosis into the one line that explains why
// a variant is slower than its parent.
//
// Errors: the model fails to load (the backend's Status), the optimised file
// cannot be written or read.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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
  std::int64_t quantize_nodes = 0;    // QuantizeLinear + DynamicQuantizeLinear
  std::int64_t dequantize_nodes = 0;
  std::vector<std::string> float_mac_nodes;  // MAC-carrying nodes still in float (names)
  double float_mac_fraction = 0.0;           // of all MACs
};

Result<GraphDiagnosis> DiagnoseOptimizedGraph(Backend& backend, const std::filesystem::path& model,
                                              BackendOptions options, const std::filesystem::path& optimized_path);

// "" when nothing explains it; else e.g. "42 % of MACs still float: Conv with
// group != 1 not fused; 18 extra QuantizeLinear/DequantizeLinear".
std::string SlowerVariantVerdict(const GraphDiagnosis& variant, const GraphDiagnosis& parent);

}  // namespace sweetspot
