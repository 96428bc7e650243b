// Evaluation runner: a classification model over a dataset, batched through a
// Backend Session, into per-sample predictions and metrics.
//
// Evaluate(EvalRequest) is the one evaluation pipeline that `sweetspot eval`,
// the study's accuracy child and `train`'s test-set score all call: open the
// dataset, take the stratified subset, layer the preprocessing (defaults <
// the model's metadata < the request's layers), choose the threads, create
// the backend, then EvaluateModel. Summarize() reduces its result to the typed
// EvalSummary that crosses process boundaries (ToJson/EvalSummaryFromJson).
// EvaluateModel is the inner pipeline over an open dataset and backend (load
// the model, resolve the preprocessing against its input, prepare tensors
// through the tensor cache, run, score). RunEvaluation is its inference half
// over already prepared tensors, for callers that reuse them.
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

#include <nlohmann/json_fwd.hpp>

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
  // Keep every sample's output row (EvalResult::scores) when samples x
  // classes is at most this many values; 0 keeps none.
  std::size_t max_score_values = 0;
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
  int threads = 0;                               // inference (intra-op) threads used; Evaluate decodes with as many
  std::string engine;                            // Backend::name() of the runtime that ran it
  OutputKind output_kind = OutputKind::kLogits;  // resolved
  bool output_kind_detected = false;             // true when it was kAuto
  std::size_t requested = 0;                     // samples asked for
  std::vector<ExcludedSample> excluded;
  std::vector<std::size_t> indices;     // dataset indices evaluated, in order
  std::vector<SampleInfo> samples;      // their id/path/label, same order
  std::vector<Prediction> predictions;  // same order
  // Each sample's output row as the model gave it, row-major [samples x
  // classes], same order; empty unless EvalOptions::max_score_values allows.
  std::vector<float> scores;
  ClassificationMetrics metrics;
  std::optional<LabelMap> label_map;
  std::optional<ClassificationMetrics> coarse_metrics;
  bool cache_hit = false;
  std::string cache_file;
  std::string cache_warning;  // non-empty: the cache could not be written and was skipped (why)
  double prepare_ms = 0.0;    // decode + preprocess (or cache map)
  double inference_ms = 0.0;  // sum of Session::Run wall times
};

// The value of metadata_props[key] of an ONNX model file, if present.
Result<std::optional<std::string>> ReadModelMetadata(const std::filesystem::path& model, std::string_view key);

// The output eval reads class scores from: the first tensor output that is
// float (32, 16 or 64 bit) with a class dimension, i.e. not a scalar and not a
// dynamic [N] vector. Other outputs (a ZipMap's seq(map(int64,float)), an int64
// label) are left alone. Fails naming the output, its declared type and the
// fix when there is none; callers check it before decoding any image.
struct ScoresOutput {
  std::size_t fetched_index = 0;  // in Session::Run's result (tensor outputs only)
  TensorInfo info;
};
Result<ScoresOutput> FindScoresOutput(const std::vector<TensorInfo>& outputs);

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

// One layer of preprocessing keys (those of a preprocessing file, docs/eval.md):
// TOML text and the source errors name ("spec.toml [dataset.preprocess]", or
// an option the user typed), or a TOML file to read.
struct PreprocessLayer {
  PreprocessSource source;
  std::string toml;
  std::string file;  // when set, the keys are read from this file and `toml` is unused
};

// Everything Evaluate needs, plain data (it crosses process boundaries).
struct EvalRequest {
  std::string model_path;
  std::string dataset_path;
  std::string classes_file;             // "" for none
  std::vector<PreprocessLayer> layers;  // applied in order over the defaults and the model's metadata
  std::uint64_t limit = 0;              // stratified subset of this many samples; 0: all
  std::uint64_t seed = 0;               // of the subset
  // Ascending dataset indices never evaluated (a calibration split): the
  // subset is drawn from the other samples (StratifiedSubset's `exclude`).
  std::vector<std::size_t> exclude_indices;
  int batch_size = 32;                 // for a dynamic batch dimension
  int threads = 0;                     // decode and inference threads; 0: DefaultThreadCount() (cpus.h)
  std::string engine = "onnxruntime";  // the runtime: a name CreateBackend takes (backend.h)
  std::uint64_t max_score_values = 0;  // EvalOptions::max_score_values
  OutputKind output_kind = OutputKind::kAuto;
  bool allow_corrupt = false;
  bool cache_enabled = true;
  std::string cache_dir;       // "" for DefaultTensorCacheDir()
  std::string label_map_file;  // "" for none; `fine,coarse` lines
};
nlohmann::json ToJson(const EvalRequest& request);
Result<EvalRequest> EvalRequestFromJson(const nlohmann::json& json);

// The thread count a request's `threads` means (0: DefaultThreadCount(), cpus.h).
int EvalThreads(int requested);

// Defaults < the model's metadata_props kPreprocessMetadataKey < `layers`,
// in order. Errors name the layer's source.
Result<PreprocessSpec> LayerPreprocessing(const std::filesystem::path& model, std::span<const PreprocessLayer> layers);
// The same over `base` instead of the model's metadata (a client that has
// no model file: `sweetspot load --tensors`).
Result<PreprocessSpec> LayerPreprocessing(PreprocessSpec base, std::span<const PreprocessLayer> layers);

// The tensors the evaluation feeds `model` for `indices` of `dataset`: the
// same layering (LayerPreprocessing), resolution against the model's first
// input and tensor cache as Evaluate, so another consumer (a calibration)
// sees exactly what the evaluation does. `key` is their TensorCacheKey (it
// identifies the samples and the preprocessing). Errors name the model or the
// layer at fault; too many unreadable images fail as in Evaluate.
struct ModelInputs {
  PreparedTensors tensors;
  std::string key;
  TensorInfo input;  // the model's first input (its batch dimension: fixed or not)
};
Result<ModelInputs> PrepareModelInputs(Backend& backend, const std::filesystem::path& model, const Dataset& dataset,
                                       std::span<const std::size_t> indices, std::span<const PreprocessLayer> layers,
                                       const TensorCacheOptions& cache);

// The whole pipeline (see the top of this file). Errors name the model, the
// dataset path or the layer at fault; a dataset that cannot be opened comes
// back with the context "dataset '<path>'".
Result<EvalResult> Evaluate(const EvalRequest& request, const std::function<void(const EvalProgress&)>& progress = {});

// What an evaluation found, without the per-sample scores: the figures the
// study stores and compares, and per sample its dataset index, label and
// top-1 prediction (for paired tests). Schema "sweetspot.eval-summary/1".
struct EvalSummary {
  std::string model;
  std::string dataset;          // description
  std::string preprocess_toml;  // the resolved spec (PreprocessSpec::ToToml)
  std::string output_kind;      // logits|probabilities|sigmoid
  bool output_kind_detected = false;
  std::int64_t requested = 0;  // samples asked for
  std::int64_t excluded_count = 0;
  // The summary figures: count, top1/top5 (fractions in [0, 1]) with their
  // correct counts and Wilson 95 % intervals, macro_f1 and ece. per_class,
  // confusion and the confidences stay in the eval report and are empty here.
  ClassificationMetrics metrics;
  bool cache_hit = false;
  std::string cache_warning;
  double prepare_ms = 0.0;
  double inference_ms = 0.0;
  std::vector<std::int64_t> sample_indices;  // dataset indices, evaluation order
  std::vector<std::int32_t> labels;          // same order
  std::vector<std::int32_t> predicted;       // top-1 class, same order
  std::vector<float> scores;                 // EvalResult::scores (often empty)
};
EvalSummary Summarize(const EvalResult& result);
// `include_samples` false leaves out the per-sample arrays (the store keeps them apart).
nlohmann::json ToJson(const EvalSummary& summary, bool include_samples = true);
Result<EvalSummary> EvalSummaryFromJson(const nlohmann::json& json);

// Paired comparison over the samples both results evaluated (matched by
// dataset index). Fails when they share no sample.
Result<Comparison> CompareResults(const EvalResult& model, const EvalResult& reference);

}  // namespace sweetspot
