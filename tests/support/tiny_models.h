// Small, seeded, untrained CNNs built in code: test fixtures with known
// shapes and hand-checkable MACs.
#pragma once

#include <cstdint>

#include <onnx/onnx_pb.h>

namespace sweetspot::testing {

struct TinyCnnSpec {
  int64_t channels = 3;     // input channels
  int64_t image_size = 32;  // square input
  int64_t width = 8;        // first conv's output channels; the second has 2x
  int64_t classes = 10;
  bool dynamic_batch = true;  // batch dimension named "N", else fixed to 1
  uint32_t seed = 1;
};

// input "input" float32 [N,C,H,W] -> Conv3x3(pad 1) -> Relu -> MaxPool2 ->
// Conv3x3(pad 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> "logits" [N,classes].
onnx::ModelProto TinyCnn(const TinyCnnSpec& spec = {});

// y = x * W^T + b with W = [[1,2],[3,4],[5,6]], b = [10,20,30]: input "x"
// float32 [N,2] -> Gemm -> "y" [N,3]; x = [1,1] gives [13,27,41].
onnx::ModelProto LinearModel();

}  // namespace sweetspot::testing
