// The arithmetic of int8 quantization, as ONNX Runtime's quantization tool
// does it (onnxruntime/python/tools/quantization/quant_utils.py:
// compute_scale_zp, quantize_data; base_quantizer.py: quantize_bias_static):
//   uint8 asymmetric: range widened to hold 0, scale = (max - min) / 255,
//                     zero_point = round(-min / scale), clamped to [0, 255];
//   int8 symmetric:   scale = max(|min|, |max|) / 127, zero_point 0, values
//                     in [-127, 127];
//   a range of width 0 gets scale 1 (nothing to resolve, and no division by 0);
//   bias: int32, scale = input_scale * weight_scale (per channel).
// Rounding is to nearest, ties to even (numpy.round).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sweetspot/calibration.h"
#include "sweetspot/quantize.h"
#include "sweetspot/tensor.h"

namespace sweetspot::variants {

struct QuantParams {
  float scale = 1.0F;
  int32_t zero_point = 0;
};

QuantParams ActivationParams(TensorRange range, ActivationType type);

struct QuantizedWeight {
  std::vector<int32_t> values;  // int8 values in [-127, 127], same layout as the float weight
  std::vector<float> scales;    // one per channel along `axis`, or one
};

// Symmetric int8 quantization of a weight of shape `dims`; per channel
// along `axis` when `per_channel`, else one scale for the whole tensor.
QuantizedWeight QuantizeWeight(std::span<const float> values, const Shape& dims, int64_t axis, bool per_channel);

// int32 bias values for a bias with one value per output channel; `scales`
// receives input_scale * weight_scales[c], one per channel, or one when
// `weight_scales` has one (per-tensor weights).
std::vector<int32_t> QuantizeBias(std::span<const float> bias, float input_scale, std::span<const float> weight_scales,
                                  std::vector<float>* scales);

}  // namespace sweetspot::variants
