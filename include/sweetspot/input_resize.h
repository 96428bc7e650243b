// Input-resolution variants: the same weights at a smaller image size.
//
// A model whose spatial dimensions end in global pooling (GlobalAveragePool,
// ReduceMean over H and W) before its classifier can run at another size.
// ResizeInput rewrites the image input's H and W (fixed or symbolic; the
// image input is the first 4-D graph input, NCHW) to the given size, drops
// the stale intermediate shapes (value_info, output shapes) and re-runs ONNX
// shape inference (an output it cannot reach keeps its declared shape).
//
// Before that it compares the shapes inferred at both sizes and refuses,
// naming the node, a graph that fixes the spatial size:
//   * a Gemm (or MatMul) whose input features change with the size: a
//     Flatten/Reshape of the map feeds a weight sized for the original;
//   * a Reshape to a constant target without -1 whose input changes size;
//   * an AveragePool/MaxPool/LpPool whose kernel covers the whole map at the
//     original size (it pools globally only there);
//   * a Conv or pooling whose kernel is larger than its padded map at the new
//     size;
//   * any node strict ONNX shape inference refuses at the new size but not
//     at the original (a learned per-position tensor, a Concat of maps that
//     no longer line up), with libonnx's words, which name the node.
// Outputs that follow the map (a detector's grids) change with it.
//
// Errors (kInvalidArgument): a size below 1, or larger than a fixed original
// ("out of range"); no 4-D image input; the node that prevents the resize.
//
// Thread-safety: pure; reentrant.
#pragma once

#include <cstdint>

#include <onnx/onnx_pb.h>

#include "sweetspot/status.h"

namespace sweetspot {

Result<onnx::ModelProto> ResizeInput(const onnx::ModelProto& model, std::int64_t height, std::int64_t width);

}  // namespace sweetspot
