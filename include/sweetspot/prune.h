// Pruning variants of float ONNX models.
//
// Unstructured magnitude pruning zeroes the `sparsity` fraction of smallest
// |w| of every Conv/Gemm/MatMul weight (per tensor). The file gets no
// smaller and dense kernels no faster; the report gives the compressed size
// (what a sparse or compressed deployment would ship).
//
// Structured L1-norm channel pruning (Li et al. 2017, "Pruning Filters for
// Efficient ConvNets") removes the `fraction` of output channels of each
// prunable Conv with the smallest L1 norm, and shrinks every consumer
// consistently (BatchNormalization, the next Conv's input channels, a Gemm's
// input features after global pooling). Channels that meet at an Add, Concat
// or a graph output are kept (a residual add would need the same channels
// pruned on both sides), and each such Conv is listed with the reason.
//
// Errors (kInvalidArgument): a sparsity/fraction outside [0, 1); a model
// with nothing to prune.
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
  std::int64_t params_after = 0;  // structured: parameters left; unstructured: non-zero ones
  std::int64_t compressed_bytes_before = 0;  // the serialised model, deflated (zlib level 9)
  std::int64_t compressed_bytes_after = 0;
  double achieved_sparsity = 0.0;  // of the prunable weights
  std::vector<std::pair<std::string, std::string>> kept;  // node, why it was not pruned
};

Result<onnx::ModelProto> PruneUnstructured(const onnx::ModelProto& model, double sparsity,
                                           PruneReport* report = nullptr);

Result<onnx::ModelProto> PruneChannels(const onnx::ModelProto& model, double fraction,
                                       PruneReport* report = nullptr);

}  // namespace sweetspot
