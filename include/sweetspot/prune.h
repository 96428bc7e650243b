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
// of a Gemm or MatMul. Channels that reach a graph input or output, a Concat,
// or any other op are kept, and each Conv writing them is listed in `kept`
// with the reason. Every result passes strict shape inference and loads in
// ONNX Runtime (otherwise kInternal: a bug).
//
// What the pruned model computes: exactly the original model with the
// removed channels read as zero by every consumer (tests check this against
// such a masked original in ONNX Runtime). A removed channel's output is not
// zero in the original (a Conv bias, BatchNormalization's beta - mean *
// gamma / sqrt(var + eps), an activation of those): its constant part is not
// folded into the consumer's bias, because that constant (the output with
// the filter's weights taken as zero) is not the channel's typical value.
// Measured on ResNet-56 (CIFAR-10, 1,000 test images, block-inner channels
// pruned): folding it gave 77.8 % top-1 at fraction 0.1 against 80.1 %
// without (83.2 % unpruned). It would also be exact only for consumers
// without zero padding.
//
// Residual streams: the tensors joined by an Add share their channels, so
// pruning one means removing the same channel from every Conv writing any of
// them (chosen by their L1 norms summed). That removes a feature the whole
// stage and the classifier read, not one block's filter: on ResNet-56
// (CIFAR-10, 10,000 test images, no fine-tuning) one channel of the 32- and
// 64-channel streams (fraction 0.02) took top-1 from 83.20 % to 55.50 %;
// with the streams kept whole, fractions 0.02 / 0.1 / 0.5 give 83.19 /
// 80.68 / 10.81 %. So, as Li et al. do for ResNets,
// `ResidualChannels::kKeep` (the default) keeps residual streams whole (their
// Convs listed in `kept`) and prunes the channels inside each block;
// `kPrune` prunes them too, for a network that is fine-tuned afterwards
// (`train --prune` shrinks every layer's width alike).
//
// Fewer MACs are not always faster: ONNX Runtime 1.21's CPU kernels ran
// ResNet-56 pruned at 0.1 (inner channels 14 / 29 / 58) about 1.6x slower
// than the parent, at 0.25 (12 / 24 / 48) as fast, at 0.5 (8 / 16 / 32)
// 1.2-1.4x faster (offline batch 32, 2 threads): measure a variant.
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

enum class ResidualChannels {
  kKeep,   // channels joined by an Add stay whole
  kPrune,  // pruned alike on every side of the Add
};

Result<onnx::ModelProto> PruneChannels(const onnx::ModelProto& model, double fraction,
                                       ResidualChannels residual = ResidualChannels::kKeep,
                                       PruneReport* report = nullptr);

}  // namespace sweetspot
