#include "sweetspot/calibration.h"

#include <fmt/core.h>

#include "variants/histogram.h"
#include "variants/intermediates.h"

namespace sweetspot {
namespace {

using variants::ValueHistogram;

Status CheckOptions(const CalibrationOptions& options) {
  if (options.method == CalibrationMethod::kMinMax) return Status::Ok();
  if (options.histogram_bins < 2) {
    return Status::InvalidArgument(fmt::format("histogram_bins must be at least 2, got {}", options.histogram_bins));
  }
  if (options.method == CalibrationMethod::kPercentile && !(options.percentile > 0.0 && options.percentile <= 100.0)) {
    return Status::InvalidArgument(fmt::format("percentile must be in (0, 100], got {}", options.percentile));
  }
  if (options.method == CalibrationMethod::kEntropy &&
      (options.quantized_bins < 2 || options.quantized_bins > options.histogram_bins)) {
    return Status::InvalidArgument(fmt::format("quantized_bins must be in [2, histogram_bins = {}], got {}",
                                               options.histogram_bins, options.quantized_bins));
  }
  return Status::Ok();
}

// As ONNX Runtime: percentile bins |x| into histogram_bins bins, entropy bins
// x into histogram_bins bins over [-T, T] (half on each side).
std::size_t BinsPerSide(const CalibrationOptions& options) {
  const auto bins = static_cast<std::size_t>(options.histogram_bins);
  switch (options.method) {
    case CalibrationMethod::kMinMax: return 0;
    case CalibrationMethod::kPercentile: return bins;
    case CalibrationMethod::kEntropy: return bins / 2;
  }
  return 0;
}

TensorRange RangeOf(const ValueHistogram& histogram, const CalibrationOptions& options) {
  switch (options.method) {
    case CalibrationMethod::kMinMax: return variants::MinMaxRange(histogram);
    case CalibrationMethod::kPercentile: return variants::PercentileRange(histogram, options.percentile);
    case CalibrationMethod::kEntropy:
      return variants::EntropyRange(histogram, static_cast<std::size_t>(options.quantized_bins), BinsPerSide(options));
  }
  return variants::MinMaxRange(histogram);
}

}  // namespace

Result<ActivationRanges> CalibrateActivations(Backend& backend, const onnx::ModelProto& model,
                                              std::span<const std::string> tensors, std::span<const Tensor> batches,
                                              const CalibrationOptions& options,
                                              const std::function<void(std::size_t, std::size_t)>& progress) {
  SWEETSPOT_RETURN_IF_ERROR(CheckOptions(options));
  if (batches.empty()) return Status::InvalidArgument("calibration needs at least one batch, got none");
  SWEETSPOT_ASSIGN_OR_RETURN(auto runner, variants::IntermediateRunner::Load(backend, model, tensors, options.backend));
  std::vector<ValueHistogram> histograms(tensors.size(), ValueHistogram(BinsPerSide(options)));
  for (std::size_t b = 0; b < batches.size(); ++b) {
    auto outputs = runner.Run(batches[b]);
    if (!outputs.ok())
      return outputs.status().WithContext(fmt::format("calibration batch {} of {}", b + 1, batches.size()));
    for (std::size_t i = 0; i < tensors.size(); ++i) histograms[i].Add((*outputs)[i].values<float>());
    if (progress) progress(b + 1, batches.size());
  }
  ActivationRanges ranges;
  for (std::size_t i = 0; i < tensors.size(); ++i) ranges[tensors[i]] = RangeOf(histograms[i], options);
  return ranges;
}

}  // namespace sweetspot
