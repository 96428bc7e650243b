// Pruning variants of float ONNX models.
//
// Unstructured magnitude pruning zeroes the `sparsity` fraction of smallest
// |w| of every Conv/Gemm/MatMul weight (per tensor). The file gets no
// smaller and dense kernels no faster; the report gives the compressed size
// (what a sparse or compressed deployment would ship).
//
// Structured L1-norm channel pruning (Li et al. 2017, "Pruning Filters for
// Efficient ConvNets") removes round(`fraction` * C) of the C output channels
// of each Conv (group 1) with the smallest L1 norm of their filters (always
// keeping one), and shrinks every consumer consistently. Channels travel
// through BatchNormalization (its parameters sliced), element-wise unary ops
// (Relu, Clip, Sigmoid, ...), Max/Average/Global pooling and depthwise Convs
// (weights and group sliced) to the next Conv's input channels, and through
// Flatten (axis 1, spatial size from shape inference) to the input features
// of a Gemm or MatMul. A residual Add joins its inputs: every Conv writing
// either side loses the same channels, chosen by the L1 norms summed over
// those Convs. Channels that reach a graph input or output, a Concat, or any
// other op are kept, and each Conv writing them is listed in `kept` with the
// reason. Every result passes strict shape inference and loads in ONNX
// Runtime (otherwise kInternal: a bug).
//
// Errors (kInvalidArgument): a sparsity/fraction outside [0, 1); a model
// with nothing to prune (no float Conv/Gemm/MatMul weight initializer; no
// Conv whose channels can be pruned, with the first Conv's reason).
//
// Thread-safety: pure; reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/status.h"

namespace sweetspot {

struct PruneReport {
  std::int64_t params_before = 0;
  std::int64_t params_after = 0;             // structured: parameters left; unstructured: non-zero ones
  std::int64_t compressed_bytes_before = 0;  // the serialised model, deflated (zlib level 9)
  std::int64_t compressed_bytes_after = 0;
  // Unstructured: the share of zeros in the pruned weights; structured: the
  // share of parameters removed.
  double achieved_sparsity = 0.0;
  std::vector<std::pair<std::string, std::string>> kept;  // node, why it was not pruned
};

Result<onnx::ModelProto> PruneUnstructured(const onnx::ModelProto& model, double sparsity,
                                           PruneReport* report = nullptr);

Result<onnx::ModelProto> PruneChannels(const onnx::ModelProto& model, double fraction, PruneReport* report = nullptr);

}  // namespace sweetspot
