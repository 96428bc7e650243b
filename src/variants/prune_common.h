// Helpers shared by the two pruning passes (private to src/variants).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/status.h"

namespace sweetspot::prune {

// The values of a float32 initializer (raw_data or float_data); Unsupported
// for another type or external data, naming the tensor.
Result<std::vector<float>> ReadFloats(const onnx::TensorProto& tensor);
// Replaces the tensor's values (as raw_data) and, when `dims` is not empty,
// its shape.
void WriteFloats(onnx::TensorProto* tensor, const std::vector<float>& values, const std::vector<int64_t>& dims = {});

// Elements of every initializer; with `nonzero_only`, the float ones that
// are not exactly zero (other types count whole).
std::int64_t CountParameters(const onnx::GraphProto& graph, bool nonzero_only);

// The serialised model deflated by zlib at level 9, in bytes.
Result<std::int64_t> CompressedBytes(const onnx::ModelProto& model);

// Runs strict libonnx shape inference on `model` and loads it in ONNX
// Runtime (from a temporary file): Internal naming `what` if either fails,
// since a rewrite must never produce a model the runtime cannot load.
Status CheckRewritten(const onnx::ModelProto& model, std::string_view what);

}  // namespace sweetspot::prune
