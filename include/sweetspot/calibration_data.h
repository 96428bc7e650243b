// What making a variant (variant.h) takes from a dataset, prepared through the
// evaluation's own pipeline (evaluate.h PrepareModelInputs: the same
// preprocessing layers, resolution against the model's input and tensor
// cache), so a quantized model is calibrated and searched on exactly what its
// evaluation feeds it: the calibration samples, the accuracy-aware search's
// labelled evaluation samples and the search itself, and the preprocessing
// the variant carries in its metadata. Used by `sweetspot study` and
// `sweetspot optimize`.
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
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sweetspot/accuracy_aware.h"
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

// The samples an accuracy-aware search scores its steps on (accuracy_aware.h
// LabelledBatches): batches of the model's fixed batch size, or
// `dynamic_batch` (the last one short), with each row's label.
struct EvaluationData {
  std::vector<Tensor> batches;
  std::vector<int> labels;
  std::string sha256;  // identifies the samples and their preprocessing
};
Result<EvaluationData> PrepareEvaluationData(Backend& backend, const std::filesystem::path& model,
                                             const Dataset& dataset, std::span<const std::size_t> indices,
                                             std::span<const PreprocessLayer> layers, const TensorCacheOptions& cache,
                                             int dynamic_batch);

// The search of an int8-aware `variant` (its budget) on `evaluation`, with
// `options`' backend, latency and ranking settings (its quantize options and
// budget are the variant's); it adds the step table to the variant's notes and
// fails (kFailedPrecondition, the search's one-line message) when no int8
// model met the budget faster than float. `backend` and `evaluation` must
// outlive the search.
AccuracyAwareSearch MakeAccuracyAwareSearch(Backend& backend, const VariantSpec& variant,
                                            const EvaluationData& evaluation, const AccuracyAwareOptions& options);

// The metadata a variant of `model` carries (VariantRequest::metadata): the
// preprocessing `layers` give the model (evaluate.h LayerPreprocessing),
// resolved against its first input (preprocess.h Resolve), as TOML under
// kPreprocessMetadataKey; a resize variant's with its own height and width.
// Errors: as LayerPreprocessing and Resolve (a spec that does not fit the
// model), the model failing to load.
Result<std::map<std::string, std::string>> VariantMetadata(Backend& backend, const std::filesystem::path& model,
                                                           std::span<const PreprocessLayer> layers,
                                                           const VariantSpec& variant);

}  // namespace sweetspot
