// Per-layer diagnosis of quantization error: the signal-to-quantization-noise
// ratio of every quantized activation of a QDQ model (quantize.h).
//
//   SQNR(x, y) = 10 log10( sum x^2 / sum (x - y)^2 )   [dB]
//
// local       x: the float model's tensor t; y: t quantized and dequantized
//             with the QDQ model's own t_scale / t_zero_point (that tensor's
//             own rounding and clipping, nothing upstream).
// cumulative  x: the float model's t; y: the QDQ model's t_dequantized (every
//             upstream quantization included).
// A tensor with zero noise has SQNR +inf (reported as such, never NaN).
//
// Errors: a QDQ model without the naming contract of quantize.h, a batch the
// models refuse.
//
// Thread-safety: reentrant; each call loads its own Sessions.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

struct LayerSqnr {
  std::string tensor;     // the float tensor's name
  std::string node;       // the node that consumes it (the quantized op)
  double local_db = 0.0;
  double cumulative_db = 0.0;
};

// One row per quantized activation, worst cumulative SQNR first.
Result<std::vector<LayerSqnr>> DiagnoseQuantization(Backend& backend, const onnx::ModelProto& float_model,
                                                    const onnx::ModelProto& qdq_model,
                                                    std::span<const Tensor> batches, const BackendOptions& options);

}  // namespace sweetspot
