// Model variants: what a spec's `variants = [...]` entry or `sweetspot
// optimize` asks for, parsed into a VariantSpec, and MakeVariant, which derives
// the variant's model file from its parent with the transform of quantize.h,
// float16.h, prune.h or input_resize.h.
//
// Variant texts (docs/study.md):
//   identity                                the model as is
//   int8-static[:minmax|percentile[:P]|entropy]  QDQ int8, calibrated (default minmax; P in
//                                           (0, 100], default 99.999)
//   int8-dynamic                            weights int8, activations at run time
//   int8-aware:B  or  int8-aware:B%         int8 with an accuracy budget: B top-1 points, or
//                                           B % of the parent's top-1
//   fp16                                    float16 weights and activations, float32 I/O
//   prune:F[:unstructured|structured]       F in (0, 1): weights (default) or channels
//   resize:S  or  resize:HxW                a smaller square or H x W input
// Canonical() writes the one text each spec has ("int8-static" is written
// "int8-static:minmax", "prune:0.50" "prune:0.5:unstructured"), so two texts
// that mean the same variant are one variant.
//
// MakeVariant keeps every file it makes in a content-addressed cache: the
// folder's name is the SHA-256 of the parent file's content, the canonical
// spec and the calibration data's hash, so asking again for the same variant
// of the same file with the same calibration samples returns the stored file
// without recomputing it (and the results store, which keys measurements by
// the file's content, reuses its measurements). A file is loaded in the
// backend and runs one zero input (dynamic dims as 1) before it enters the
// cache: a file the runtime cannot load or run is never returned (nor left in
// the cache). A transform that changed nothing (the model equals its parent)
// is refused; fp16 with no node left in float16 is refused saying why.
// `metadata` entries are written into the variant (over the parent's, which
// it keeps otherwise) and key the cache: the preprocessing the
// variant was calibrated with goes there, so evaluating the file alone feeds
// it what it was made with.
//
// int8-static and int8-aware variants come with the SQNR of each quantized
// activation (sqnr.h), measured on the first kSqnrSamples calibration samples
// (whole batches); a model the diagnosis cannot read adds a note instead.
//
// Errors: ParseVariantSpec names the text and lists the valid forms
// (kInvalidArgument). MakeVariant: the transform's error (nothing to
// quantize, already quantized, a graph that cannot be resized...), a
// variant identical to its parent ("... is identical to '<parent>': the
// transform changed nothing", kInvalidArgument; the notes go to `failure_notes`), an fp16 variant where every node
// stays float32 ("fp16 of '<file>': no node would compute in float16 under execution provider P (<count> <op type>, ...
// kept float32: <reason>; ...); fp16 pays off with a provider that has float16 kernels (e.g. cuda)",
// kInvalidArgument; the notes too), a calibrated variant without
// calibration data (kInvalidArgument), an exclude_nodes name that is no node of the parent (kInvalidArgument naming it
// and listing some of the quantizable nodes), an int8-aware variant without a search (kUnsupported: only a study, which
// has an evaluation set, makes it), a cache folder that cannot be written (kIoError naming it), a produced model the
// backend refuses to load or run (kInternal: a bug of the transform).
//
// Thread-safety: reentrant; concurrent calls for the same variant write
// under temporary names and rename, so neither sees half a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/calibration.h"
#include "sweetspot/quantize.h"
#include "sweetspot/sqnr.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

enum class Transform { kIdentity, kInt8Static, kInt8Dynamic, kInt8Aware, kFloat16, kPrune, kResize };
std::string_view TransformName(Transform transform);  // "identity", "int8-static", ..., "resize"

struct VariantSpec {
  Transform transform = Transform::kIdentity;
  CalibrationMethod method = CalibrationMethod::kMinMax;  // int8-static
  double percentile = 99.999;                             // int8-static:percentile, in percent of |x|
  double budget = 0.0;                                    // int8-aware: top-1 points, or percent when relative
  bool budget_relative = false;                           // int8-aware: "0.5%"
  double fraction = 0.0;                                  // prune: sparsity or channel fraction, in (0, 1)
  bool structured = false;                                // prune: channels (true) or weights
  std::int64_t height = 0;                                // resize
  std::int64_t width = 0;

  std::string Canonical() const;
  // The parameters as canonical JSON (sorted keys), e.g. {"method":"entropy"};
  // "{}" for identity. With Canonical(), the variant's lineage in the store.
  std::string ParametersJson() const;
  // int8-static and int8-aware run the parent over calibration samples.
  bool NeedsCalibration() const;
};

// The valid forms, for error messages and --help.
inline constexpr std::string_view kVariantForms =
    "identity, int8-static[:minmax|percentile|entropy], int8-dynamic, int8-aware:0.3 (top-1 points) or "
    "int8-aware:0.5%, fp16, prune:0.5[:unstructured|structured], resize:24 or resize:24x20";

Result<VariantSpec> ParseVariantSpec(std::string_view text);

// Samples the calibration runs the parent over, prepared exactly as the
// evaluation feeds the parent (evaluate.h PrepareModelInputs), in batches for
// its first input.
struct CalibrationData {
  std::vector<Tensor> batches;
  std::size_t samples = 0;
  std::string sha256;  // identifies the samples and their preprocessing
  std::string source;  // for reports: "1000 samples held out of IDX /data/t10k (stratified, seed 0)"
};

// The search of an accuracy-aware int8 variant (accuracy_aware.h, tune
// module), which evaluates and times candidate models, as this module cannot:
// given the float parent, the ranges calibrated for StaticQuantizationTensors
// and the quantize options, it returns the chosen int8 model, or an error
// when no int8 model meets the budget faster than float, and adds what it did
// (its step table) to `notes`.
using AccuracyAwareSearch =
    std::function<Result<onnx::ModelProto>(const onnx::ModelProto& parent, const ActivationRanges& ranges,
                                           const QuantizeOptions& options, std::vector<std::string>* notes)>;

struct VariantRequest {
  std::filesystem::path parent;  // a float ONNX model
  VariantSpec spec;
  const CalibrationData* calibration = nullptr;  // required when spec.NeedsCalibration()
  std::filesystem::path cache_dir;               // empty: DefaultVariantCacheDir()
  BackendOptions backend;                        // the calibration and load-check sessions
  std::vector<std::string> exclude_nodes;        // int8: node names kept in float
  // int8-aware: the search, and the hash of the samples it scores on (its
  // result depends on them, so they key the cache and enter the lineage).
  AccuracyAwareSearch accuracy_aware;
  std::string evaluation_sha256;
  // Set on the variant over the parent's metadata_props, e.g.
  // {"sweetspot.preprocess": the resolved preprocessing TOML}.
  std::map<std::string, std::string> metadata;
};

// Where the variant came from, as the store records it.
struct VariantLineage {
  std::string parent_sha256;
  std::string transform;           // TransformName
  std::string canonical;           // VariantSpec::Canonical
  std::string parameters_json;     // ParametersJson plus the calibration set: {"calibration": sha256, ...}
  std::string calibration_sha256;  // "" when the transform uses none
};

struct MadeVariant {
  std::filesystem::path path;  // the model file, in the cache
  bool from_cache = false;     // true: found, nothing was recomputed
  VariantLineage lineage;
  // What the transform did, one line each ("quantized 12 nodes (Conv 10, Gemm 2)",
  // "kept float: /fc (excluded)", "calibration: entropy over 1000 samples of ...").
  std::vector<std::string> notes;
  // int8-static and int8-aware: every quantized activation, worst cumulative
  // SQNR first (sqnr.h); empty for other transforms or when not diagnosed.
  std::vector<LayerSqnr> sqnr;
};

// Calibration samples the SQNR diagnosis of a made variant runs over (at most;
// whole batches, at least one).
inline constexpr std::size_t kSqnrSamples = 256;

// ${XDG_CACHE_HOME:-$HOME/.cache}/sweetspot/variants.
std::filesystem::path DefaultVariantCacheDir();

// The cache folder the variant's files live in (exists or not). `inputs_sha256`
// identifies everything else the file depends on (calibration and evaluation
// samples, metadata).
std::filesystem::path VariantCacheFolder(const std::filesystem::path& cache_dir, std::string_view parent_sha256,
                                         const VariantSpec& spec, std::string_view inputs_sha256);

// `failure_notes`, when given, receives what the transform did when it fails
// after doing something (the notes of a variant identical to its parent, an
// accuracy-aware search's step table), so the error itself stays one short line.
Result<MadeVariant> MakeVariant(Backend& backend, const VariantRequest& request,
                                std::vector<std::string>* failure_notes = nullptr);

}  // namespace sweetspot
