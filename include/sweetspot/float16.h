// float16 variants: weights and activations in IEEE half precision.
//
// Every float32 initializer, value_info and Constant becomes float16; with
// `keep_io_float32` the graph's inputs and outputs stay float32 and Cast
// nodes are inserted at the edges. Nodes listed in `keep_float32_nodes` (and
// nodes of `keep_float32_ops`) stay float32 with Casts around them.
// ConvertToFloat16ForRuntime additionally loads the result in the backend and
// keeps in float32, one by one, the nodes the execution provider has no
// float16 kernel for, listing them by name.
//
// Errors: a model without float32 tensors ("nothing to convert"); a model the
// runtime cannot load even with every node kept float32.
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
  std::vector<std::string> float32_nodes;  // nodes kept in float32 (names)
  std::vector<std::string> reasons;        // parallel: why ("no float16 kernel for Resize in cpu", "listed")
  int cast_nodes = 0;                      // Casts inserted
};

Result<onnx::ModelProto> ConvertToFloat16(const onnx::ModelProto& model, const Float16Options& options,
                                          Float16Report* report = nullptr);

Result<onnx::ModelProto> ConvertToFloat16ForRuntime(Backend& backend, const BackendOptions& backend_options,
                                                    const onnx::ModelProto& model, Float16Options options,
                                                    Float16Report* report = nullptr);

}  // namespace sweetspot
