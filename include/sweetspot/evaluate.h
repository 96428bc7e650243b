// Evaluation runner: a classification model over a dataset, batched through a
// Backend Session, into per-sample predictions and metrics.
//
// EvaluateModel is the whole pipeline (load the model, resolve the
// preprocessing against its input, prepare tensors through the tensor cache,
// run, score). RunEvaluation is its inference half over already prepared
// tensors, for callers that reuse them (the reference model, the bench).
//
// The model's first input takes the images and its first output gives one
// row of class scores per sample ([N,C] or [N,C,1,1]). A fixed batch
// dimension is respected (the last batch is zero-padded, padding discarded);
// a dynamic one takes EvalOptions::batch_size.
//
// Failures are Status, one line naming what is wrong: the output width
// differs from the class count (model, output and count named), NaN or Inf
// in an output row (the sample's id and path named), more than
// max_excluded_fraction of the images unreadable without allow_corrupt (the
// count and the first path named), nothing left to evaluate.
//
// Thread-safety: the functions are reentrant; one call uses one Session at a
// time. Progress callbacks run on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/dataset.h"
#include "sweetspot/metrics.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor_cache.h"

namespace sweetspot {

struct EvalProgress {
  std::string_view stage;  // "decode", "cache" (a tensor cache hit: done == total) or "infer"
  std::size_t done = 0;
  std::size_t total = 0;
};

struct EvalOptions {
  int batch_size = 32;  // for models with a dynamic batch dimension
  OutputKind output_kind = OutputKind::kAuto;
  bool allow_corrupt = false;
  double max_excluded_fraction = 0.01;  // more than this fails unless allow_corrupt
  TensorCacheOptions cache;
  std::optional<LabelMap> label_map;  // also score coarse classes
  std::function<void(const EvalProgress&)> progress;
};

struct EvalResult {
  std::string model;                       // path as given
  std::string dataset;                     // Dataset::description()
  std::vector<std::string> dataset_notes;  // Dataset::notes(): what opening skipped
  std::vector<std::string> class_names;
  PreprocessSpec spec;  // resolved
  std::string input_name;
  std::string output_name;
  int batch_size = 0;                            // actually used
  OutputKind output_kind = OutputKind::kLogits;  // resolved
  bool output_kind_detected = false;             // true when it was kAuto
  std::size_t requested = 0;                     // samples asked for
  std::vector<ExcludedSample> excluded;
  std::vector<std::size_t> indices;     // dataset indices evaluated, in order
  std::vector<SampleInfo> samples;      // their id/path/label, same order
  std::vector<Prediction> predictions;  // same order
  ClassificationMetrics metrics;
  std::optional<LabelMap> label_map;
  std::optional<ClassificationMetrics> coarse_metrics;
  bool cache_hit = false;
  std::string cache_file;
  double prepare_ms = 0.0;    // decode + preprocess (or cache map)
  double inference_ms = 0.0;  // sum of Session::Run wall times
};

// The value of metadata_props[key] of an ONNX model file, if present.
Result<std::optional<std::string>> ReadModelMetadata(const std::filesystem::path& model, std::string_view key);

// Checks the excluded fraction rule; names the count and the first path.
Status CheckExcluded(const PreparedTensors& tensors, const EvalOptions& options);

// Runs `session` over all of `tensors` and scores the predictions.
// `dataset` supplies class names and sample ids.
Result<EvalResult> RunEvaluation(Session& session, const PreparedTensors& tensors, const Dataset& dataset,
                                 const EvalOptions& options);

// The whole pipeline. `spec` is the caller's layered spec (defaults, model
// metadata, file, flags); sizes left 0 come from the model.
Result<EvalResult> EvaluateModel(Backend& backend, const BackendOptions& backend_options,
                                 const std::filesystem::path& model, const Dataset& dataset,
                                 std::span<const std::size_t> indices, const PreprocessSpec& spec,
                                 const EvalOptions& options);

// Paired comparison over the samples both results evaluated (matched by
// dataset index). Fails when they share no sample.
Result<Comparison> CompareResults(const EvalResult& model, const EvalResult& reference);

}  // namespace sweetspot
