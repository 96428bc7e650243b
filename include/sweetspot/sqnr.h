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

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>
#include <nlohmann/json.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

struct LayerSqnr {
  std::string tensor;  // the float tensor's name
  std::string node;    // the node that consumes it (the quantized op)
  double local_db = 0.0;
  double cumulative_db = 0.0;
};

// The worst rows of a diagnosis of `total` activations as report lines: a
// heading "SQNR of the N quantized activations, worst K by cumulative SQNR:"
// then "  <node> (<tensor>): cumulative 18.3 dB, local 35.1 dB" per row ("inf"
// for no noise). Empty when `worst` is.
std::vector<std::string> RenderWorstSqnr(std::span<const LayerSqnr> worst, std::size_t total);

// Rows as JSON objects {tensor, node, local_db, cumulative_db}; JSON has no
// infinity, so a noiseless tensor's dB is null (and reads back as +inf).
nlohmann::json SqnrToJson(std::span<const LayerSqnr> layers);
std::vector<LayerSqnr> SqnrFromJson(const nlohmann::json& rows);

// One row per quantized activation, worst cumulative SQNR first.
Result<std::vector<LayerSqnr>> DiagnoseQuantization(Backend& backend, const onnx::ModelProto& float_model,
                                                    const onnx::ModelProto& qdq_model, std::span<const Tensor> batches,
                                                    const BackendOptions& options);

}  // namespace sweetspot
