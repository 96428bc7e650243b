// The three steps of RunStudy (study.h), each usable and testable alone:
//
//   PlanStudy      spec -> StudyPlan: makes the variants the spec asks for,
//                  identifies every candidate model (content
//                  hash, static inspection), refuses duplicates, resolves the
//                  dimensions its preprocessing fixes, and lists every
//                  measurement (an accuracy run per model and engine, a
//                  latency run per model and runtime setting) with its request and settings
//                  key. Measures nothing.
//   RunStudyPlan   StudyPlan -> StudyMeasurements: takes what the store holds
//                  for each measurement's key (unless `fresh`), measures the
//                  rest in child processes and stores each at once.
//   AssembleReport StudyPlan + StudyMeasurements -> the candidates, their
//                  analysis and the reference comparison. Pure.
//
// The plan is plain data so that later steps (derived model variants) can
// add models and measurements to it before it runs.
//
// Thread-safety: reentrant; progress callbacks run on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweetspot/bench_json.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/graph_diagnosis.h"
#include "sweetspot/results_store.h"
#include "sweetspot/status.h"
#include "sweetspot/study.h"
#include "sweetspot/variant.h"

namespace sweetspot {

// One candidate model of the plan.
struct PlannedModel {
  std::string name;  // unique in the plan; a variant's is "<parent>/<variant>"
  std::filesystem::path path;
  std::string variant = "identity";  // canonical text (variant.h)
  StoredModel info;                  // content hash, file size and (unless inspection failed) static figures
  Status inspect_failure;            // the static inspection failed; nothing else is measured
  // A variant derived from another planned model: its index, lineage, what
  // the transform did, preprocessing keys over the parent's (a resized
  // input's size), and why it could not be made (nothing else is measured).
  std::optional<std::size_t> parent;
  VariantLineage lineage;
  std::vector<std::string> notes;
  std::vector<LayerSqnr> sqnr;  // int8: per quantized activation, worst first
  std::string preprocess_override;
  Status variant_failure;
  // What ONNX Runtime makes of the model (graph_diagnosis.h), for variants
  // and their parents; unset when it could not be had (a warning says why).
  std::optional<GraphDiagnosis> diagnosis;
  // Values of the model's symbolic input dimensions: the spec's `dims`, and the
  // height/width its preprocessing fixes (symbol, or "<input>:<axis>" when unnamed).
  std::map<std::string, std::int64_t> dims;
  // "height = H\nwidth = W\n" (either or both) when `dims` sets the image
  // input's symbolic height/width and no preprocessing size does: a
  // preprocessing layer the accuracy run adds, so it evaluates at that size.
  std::string size_from_dims_toml;
};

struct StudyPlan;

enum class MeasurementKind { kAccuracy, kLatency };

struct PlannedMeasurement {
  MeasurementKind kind = MeasurementKind::kAccuracy;
  std::size_t model = 0;     // into StudyPlan::models
  std::size_t setting = 0;   // into StudyPlan::settings (latency only)
  std::size_t engine = 0;    // into StudyPlan::engines (accuracy only)
  std::string settings_key;  // canonical JSON: everything besides model, data and environment that changes the figure
  EvalRequest eval;          // kAccuracy
  BenchRequest bench;        // kLatency
  // "accuracy of a" ("accuracy of a [opencv-dnn]" for another engine), "latency of a [single-stream b1 t1]"
  std::string Label(const StudyPlan& plan) const;
};

struct StudyPlan {
  std::vector<PlannedModel> models;  // the spec's models, then the variants (variant order within each model)
  // Where the int8 variants' calibration samples come from ("" when no
  // variant calibrates), how many, and those held out of the dataset
  // (ascending indices, excluded from every accuracy run so every candidate
  // is scored on the same samples).
  std::string calibration;
  std::size_t calibration_samples = 0;
  std::vector<std::size_t> holdout;
  std::vector<std::string> warnings;  // distinct: what planning could not do that fails nothing
  // Variants whose file equals another variant's (an int8-aware search that
  // kept every layer quantized is its int8-static sibling): not planned as
  // models of their own, reported as the same model as `same_as`.
  struct SameVariant {
    std::string name;
    std::size_t same_as = 0;  // into models
    std::size_t parent = 0;   // into models
    std::string variant;      // canonical text
    std::vector<std::string> notes;
  };
  std::vector<SameVariant> same_variants;
  std::vector<RuntimeSetting> settings;
  // The settings' distinct engines, in order of first appearance; the first
  // is the reference the others' outputs are compared with.
  std::vector<std::string> engines;
  std::vector<PlannedMeasurement> measurements;     // per model: accuracy per engine, then latency per setting
  std::size_t EngineOf(std::size_t setting) const;  // index into `engines` of settings[setting]
};

// The variants the spec asks for are made here (or taken from the variant
// cache, `cache_dir`/variants; DefaultVariantCacheDir() when it is empty),
// int8 ones calibrated in this process on the calibration samples.
// Errors: a model file that cannot be read, two models with the same content
// (both names), `dims` for the image height/width that disagree with the
// preprocessing size (both named), a calibration set that cannot be opened or
// is too small. A model whose static inspection fails is planned with
// `inspect_failure` set, a variant that cannot be made (or changes nothing)
// with `variant_failure` (their measurements are skipped and they are
// reported).
// `made` gets one line per variant as it is made or found ("made large/fp16 in
// 2.1 s", "large/fp16: from the variant cache", "could not make ...").
Result<StudyPlan> PlanStudy(const StudySpec& spec, const std::filesystem::path& cache_dir,
                            const std::function<void(const std::string&)>& made = {});

// What RunStudyPlan found for one planned model.
struct ModelMeasurements {
  std::vector<std::optional<AccuracyRow>> accuracy;  // per engine (StudyPlan::engines)
  std::vector<Status> accuracy_failure;              // per engine
  std::vector<std::optional<LatencyRow>> latency;    // per setting
  std::vector<Status> latency_failure;               // per setting
};

struct StudyMeasurements {
  std::vector<ModelMeasurements> models;  // parallel to StudyPlan::models
  std::size_t measured = 0;               // this run
  std::size_t reused = 0;                 // from the store
  std::size_t failed = 0;                 // this run
  std::vector<std::string> warnings;      // distinct, in order of first appearance
};

// One ModelMeasurements per planned model, sized to the plan's engines and
// settings, nothing found yet.
StudyMeasurements EmptyMeasurements(const StudyPlan& plan);

// The store's ids the measurement keys are made of.
struct StudyContext {
  std::int64_t study_id = 0;
  std::int64_t environment_id = 0;
  std::int64_t dataset_id = 0;
  std::filesystem::path db_path;  // named by the "interrupted" error
};

// Registers the plan's models as the study's candidates, then measures. The
// Status is an error only when the study cannot go on (store, cancel).
Result<StudyMeasurements> RunStudyPlan(const StudySpec& spec, const StudyPlan& plan, ResultsStore& store,
                                       const StudyContext& context, const StudyOptions& options);

// Candidates (one per model and setting), their analysis, the reference and
// each candidate's McNemar p against it, the counts, failures and warnings.
// Leaves the header fields (database, dataset, environment, backend) empty.
StudyReport AssembleReport(const StudySpec& spec, const StudyPlan& plan, const StudyMeasurements& measured);

}  // namespace sweetspot
