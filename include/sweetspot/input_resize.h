// Input-resolution variants: the same weights at a smaller image size.
//
// A model whose spatial dimensions end in global pooling (GlobalAveragePool,
// ReduceMean over H and W, or a pooling whose kernel covers the whole map)
// before its classifier can run at another size. ResizeInput rewrites the
// image input's H and W (fixed or symbolic) to the given size, clears stale
// intermediate shapes and re-runs shape inference; a graph that fixes the
// spatial size (Flatten/Reshape feeding a Gemm whose weight expects the
// original size, a fixed-size AveragePool) is refused naming that node.
//
// Errors (kInvalidArgument): a size below 1 or larger than the original; no
// 4-D image input; the node that prevents the resize.
//
// Thread-safety: pure; reentrant.
#pragma once

#include <cstdint>

#include <onnx/onnx_pb.h>

#include "sweetspot/status.h"

namespace sweetspot {

Result<onnx::ModelProto> ResizeInput(const onnx::ModelProto& model, std::int64_t height, std::int64_t width);

}  // namespace sweetspot
