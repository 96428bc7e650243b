// Calibration samples for int8 variants (variant.h CalibrationData), prepared
// through the evaluation's own pipeline (evaluate.h PrepareModelInputs: the
// same preprocessing layers, resolution against the model's input and tensor
// cache), so a quantized model is calibrated on exactly what its evaluation
// feeds it. Used by `sweetspot study` and `sweetspot optimize`.
//
// Batches: the model's fixed batch size (an incomplete last batch is left
// out), or `dynamic_batch` samples for a dynamic batch dimension. Memory:
// the batches are views of the memory-mapped tensor cache file.
//
// Errors: as PrepareModelInputs (a preprocessing that does not fit the model,
// too many unreadable images), naming the model or the layer.
//
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "sweetspot/backend.h"
#include "sweetspot/dataset.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/status.h"
#include "sweetspot/variant.h"

namespace sweetspot {

// `source` describes the samples for reports ("1000 samples of IDX /d/train").
Result<CalibrationData> PrepareCalibrationData(Backend& backend, const std::filesystem::path& model,
                                               const Dataset& dataset, std::span<const std::size_t> indices,
                                               std::span<const PreprocessLayer> layers, const TensorCacheOptions& cache,
                                               int dynamic_batch, std::string source);

}  // namespace sweetspot
