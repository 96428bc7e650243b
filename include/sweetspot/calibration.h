// Calibration: the value ranges of a float model's activations, measured by
// running the model over calibration batches, for static quantization
// (quantize.h).
//
// The intermediate tensors named are exposed as extra graph outputs of a
// temporary copy of the model and streamed batch by batch into one histogram
// per tensor, so memory is bounded by the histograms (bins x tensors), never
// by the number of samples. Methods (as in ONNX Runtime's quantization tool,
// onnxruntime/python/tools/quantization/calibrate.py):
//   minmax      the smallest and largest value seen;
//   percentile  the range holding `percentile` % of |x| (symmetric), from the
//               histogram;
//   entropy     the threshold minimising the KL divergence between the
//               histogram and its quantized form (TensorRT's method, Migacz
//               2017, "8-bit Inference with TensorRT").
//
// Errors (Status naming the tensor or the model): a tensor name the model
// does not have, a non-float tensor, no batches, a batch the model refuses.
//
// Thread-safety: reentrant; each call loads its own Session.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

enum class CalibrationMethod { kMinMax, kPercentile, kEntropy };
std::string_view CalibrationMethodName(CalibrationMethod method);    // minmax|percentile|entropy
Result<CalibrationMethod> ParseCalibrationMethod(std::string_view name);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.999;  // kPercentile, in percent of |x|
  int histogram_bins = 2048;   // kPercentile and kEntropy
  int quantized_bins = 128;    // kEntropy: levels of the quantized distribution
  BackendOptions backend;      // the calibration session's settings
};

// A closed range [min, max] of float values; min <= 0 <= max after calibration
// (zero must be representable exactly).
struct TensorRange {
  float min = 0.0F;
  float max = 0.0F;
};
using ActivationRanges = std::map<std::string, TensorRange>;

// Runs `model` over `batches` (each one batch for its first input) and returns
// the range of every tensor in `tensors` (graph inputs, node outputs).
// `progress(done, total)` is called after each batch.
Result<ActivationRanges> CalibrateActivations(Backend& backend, const onnx::ModelProto& model,
                                              std::span<const std::string> tensors,
                                              std::span<const Tensor> batches, const CalibrationOptions& options,
                                              const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace sweetspot
