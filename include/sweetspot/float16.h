// float16 variants: weights and activations in IEEE half precision, after
// onnxconverter-common's float16 converter.
//
// Every float32 initializer, value_info, Constant and float tensor attribute
// of a converted node becomes float16, and its Casts to float32 cast to
// float16; with `keep_io_float32` the graph's inputs and outputs stay float32
// and Cast nodes are inserted at the edges. Nodes listed in
// `keep_float32_nodes` (names; "<op_type>#<index>" for an unnamed node), nodes
// of `keep_float32_ops`, nodes of other domains than ONNX's and the ops of
// the converters' block list (Resize, Upsample, TopK, NonMaxSuppression,
// RoiAlign, Range, CumSum, Min, Max, and the quantization ops) stay float32,
// with one Cast per value that crosses between the precisions. A stored tensor
// only float32 nodes read stays float32. Values are rounded to nearest even;
// finite values beyond +-65504 saturate and non-zero values below the
// smallest subnormal become it, so no weight turns infinite or zero.
//
// ConvertToFloat16ForRuntime additionally loads the result in the backend
// with `backend_options`. When the load fails because the execution provider
// has no kernel for an op ("no kernel for operator X"), every node of that op
// stays float32 and it tries again. When it loads, the model is loaded once
// more unoptimised with its graph saved: ONNX Runtime quietly runs in float32,
// between Casts it inserts, the nodes its provider has no float16 kernel for
// (on the CPU provider most of them), and those nodes are kept float32 too, so
// the returned model says what the runtime computes. Each kept node is
// listed with the reason.
//
// Errors: a model without float32 tensors ("nothing to convert",
// kInvalidArgument); a node with subgraphs or a float32 tensor in external
// data (kUnsupported); a model the runtime cannot load for another reason
// (the backend's Status).
//
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct Float16Options {
  bool keep_io_float32 = true;
  std::vector<std::string> keep_float32_ops;    // op types
  std::vector<std::string> keep_float32_nodes;  // node names
};

struct Float16Report {
  std::vector<std::string> float32_nodes;     // nodes kept in float32 (names)
  std::vector<std::string> float32_op_types;  // parallel: their op types
  // Parallel: why ("listed", "listed op Gemm", "float32 by default (Resize is on ...)", "run in float32 by
  // ONNX Runtime's cpu provider, between Casts it inserts", "no float16 kernel in execution provider X").
  std::vector<std::string> reasons;
  int cast_nodes = 0;     // Casts inserted
  int float16_nodes = 0;  // nodes left reading or writing float16 values
};

Result<onnx::ModelProto> ConvertToFloat16(const onnx::ModelProto& model, const Float16Options& options,
                                          Float16Report* report = nullptr);

Result<onnx::ModelProto> ConvertToFloat16ForRuntime(Backend& backend, const BackendOptions& backend_options,
                                                    const onnx::ModelProto& model, Float16Options options,
                                                    Float16Report* report = nullptr);

}  // namespace sweetspot
