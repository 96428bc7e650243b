// Train jobs: one preset trained on a dataset, exported, and costed.
//
// A job is what `sweetspot train` does per preset:
//   1. open the training data (dataset.h readers), take a stratified subset
//      when `limit` is set, and hold out a stratified `val_fraction` of it
//      for validation unless `val_data` names a validation set;
//   2. decode and cache the images as [0,1] float tensors (tensor_cache.h),
//      at the architecture's size (the data's own size unless set);
//   3. train (train.h) with the mean/std of the training split, export
//      (train_export.h) to OUT/<family>-<preset>.onnx;
//   4. score the exported file on `test_data` with Evaluate (evaluate.h), the
//      exact pipeline of `sweetspot eval`, and read its parameters and MACs with
//      InspectModel;
//   5. write OUT/<family>-<preset>.cost.json (docs/train.md lists the keys).
// The model and cost file are written under temporary names (NAME.partial)
// and renamed into place together once both are complete: a job that fails
// at any step, a diverging one included, leaves the previous pair untouched.
//
// Peak memory: RunTrainJobIsolated runs steps 1-3 in a child process (this
// executable re-run with a hidden subcommand, like the isolated bench) and
// reads the child's peak RSS from wait4, so each preset's figure is its own
// and not inflated by the presets trained before it. Steps 4-5 run in the
// caller. The child gets OMP_WAIT_POLICY=PASSIVE unless the caller set it:
// libtorch's OpenMP threads otherwise spin while waiting, which on a busy
// machine slows training several-fold.
//
// Thread-safety: reentrant; libtorch's thread count is process-wide.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/status.h"
#include "sweetspot/tensor_cache.h"
#include "sweetspot/train.h"
#include "sweetspot/train_family.h"

namespace sweetspot {

struct TrainJob {
  std::string data;          // training data (folder, manifest or IDX prefix)
  std::string val_data;      // optional validation data; empty: hold out val_fraction of `data`
  std::string test_data;     // optional test data, scored on the exported model
  std::string classes_file;  // optional class-name file for manifests and IDX data
  double val_fraction = 0.1;
  std::size_t limit = 0;  // train on a stratified subset of at most this many samples; 0: all
  ModelFamily family = ModelFamily::kResnet;
  std::string preset = "small";
  int width = 0;        // > 0 overrides the preset's width
  int depth = 0;        // > 0 overrides the preset's depth
  int image_width = 0;  // 0: the training images' (all must have one size)
  int image_height = 0;
  int channels = 0;  // 0: 1 if every training image is gray, else 3
  // Set: fine-tune a channel-pruned copy of this model written by `sweetspot
  // train` instead of a preset (family, preset, width, depth, size and
  // channels then come from it): the `prune_fraction` of every conv's output
  // channels with the smallest L1 norm removed (prune.h), the rest of its
  // weights kept, its normalisation kept. Written as
  // OUT/<family>-<preset>-pruned<percent>.onnx, its lineage under
  // "pruned_from" in the cost file and in the model's metadata.
  std::string prune_from;
  double prune_fraction = 0.0;
  TrainOptions options;
  std::filesystem::path out_dir;
  TensorCacheOptions cache;
  std::string command;  // the command line, recorded in the cost file
};

// The job's inputs, checked and opened: what every step needs.
struct TrainPlan {
  ArchSpec arch;
  std::size_t train_samples = 0;
  std::size_t val_samples = 0;
  std::size_t test_samples = 0;      // 0 without test data
  std::size_t gray_images = 0;       // training images found gray, when channels or size came from the data
  std::size_t colour_images = 0;     // ... and found in colour (both 0 when the job set both)
  std::filesystem::path model_path;  // OUT/<name>.onnx
  std::filesystem::path cost_path;   // OUT/<name>.cost.json
  // What opening each dataset skipped (Dataset::notes()), each prefixed by
  // its flag and path ("--data 'd': skipped 2 hidden files ..."). For the
  // planner's caller only: the outcome's JSON leaves them out.
  std::vector<std::string> dataset_notes;
};

// Checks everything that can be checked before training: options in range,
// the out folder exists, each dataset opens and has at least two classes,
// validation/test data have the training data's classes, the image size
// suits the architecture. Channels and size the job leaves at 0 come from
// decoding every training image (training images of several sizes are an
// error naming them, to be fixed with an explicit size); a caller running
// several jobs on the same data copies them into the later jobs. Every
// error is one line naming the flag or file and the fix.
Result<TrainPlan> PlanTrainJob(const TrainJob& job);

// What training produced (steps 1-3).
struct TrainOutcome {
  TrainPlan plan;
  TrainReport report;
  std::int64_t param_count = 0;     // libtorch's count (BatchNorm unfolded)
  double prepare_ms = 0.0;          // decoding (or mapping the cached tensors)
  double wall_ms = 0.0;             // steps 1-3
  std::int64_t peak_rss_bytes = 0;  // the training process's; 0 when unknown
  bool peak_rss_isolated = false;   // true: measured on a child process
};

// Steps 1-3 in this process; peak_rss_bytes is this process's VmHWM. The
// model is left staged (OUT/<name>.onnx.partial) for WriteTrainCost.
Result<TrainOutcome> RunTrainJob(const TrainJob& job, const TrainProgressFn& progress = {});
// Steps 1-3 in a child process `self_exe __train-child JOB RESULT`.
Result<TrainOutcome> RunTrainJobIsolated(const std::filesystem::path& self_exe, const TrainJob& job);
// The child's side: reads the job, runs it, writes the outcome or the error.
Status RunTrainChild(const std::filesystem::path& job_file, const std::filesystem::path& result_file,
                     const TrainProgressFn& progress);

// Steps 4-5: scores the staged model on the test data (if any), inspects it,
// writes the cost file, and renames both into place. On failure both staged
// files are removed and the previous pair stays. Returns the cost file's JSON.
Result<nlohmann::json> WriteTrainCost(const TrainJob& job, const TrainOutcome& outcome);

nlohmann::json ToJson(const TrainJob& job);
Result<TrainJob> TrainJobFromJson(const nlohmann::json& json);
nlohmann::json ToJson(const TrainOutcome& outcome);
Result<TrainOutcome> TrainOutcomeFromJson(const nlohmann::json& json);

}  // namespace sweetspot
