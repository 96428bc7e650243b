// Small, seeded, untrained CNNs built in code: test fixtures with known
// shapes and hand-checkable MACs.
#pragma once

#include <cstdint>
#include <string>

#include <onnx/onnx_pb.h>

#include "sweetspot/onnx_model.h"

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

// What a QDQ quantizer writes around one 3x3 layer (pad 1): `in` float ->
// QuantizeLinear/DequantizeLinear (uint8) -> `op` ("Conv" or
// "ConvTranspose", channels_in -> channels_out, int8 weights behind a
// DequantizeLinear, no bias) -> QuantizeLinear/DequantizeLinear (uint8) ->
// `out` float, same height and width; without `quantize_output`, `op` writes
// `out` itself. Initializer and value names start with `tag`. ONNX Runtime
// 1.21's CPU provider fuses the Conv into QLinearConv, but only with its
// output quantized; it has no integer ConvTranspose, which stays in float
// between the conversions.
void AddQdqLayer(GraphBuilder& b, const std::string& op, const std::string& in, const std::string& out,
                 const std::string& tag, int64_t channels_in, int64_t channels_out, bool quantize_output = true);

// Input "x" float32 [1,3,8,8] -> AddQdqLayer(op, 3 -> 4) -> "y" [1,4,8,8] (opset 13).
onnx::ModelProto QdqLayerModel(const std::string& op, bool quantize_output = true);

}  // namespace sweetspot::testing
