// `sweetspot study`: from a spec naming candidate models, a dataset, runtime
// settings, constraints and an objective, to measured candidates and a
// recommendation (docs/study.md describes the spec and the store).
//
// RunStudy measures every (model x variant x runtime setting): accuracy once
// per model variant (in a child process, RunEvalIsolated) and latency once per
// setting (a `__bench-child` process), each with a timeout. A crash, timeout
// or error is stored as a failure with its reason and the study goes on. Each
// finished measurement is committed to the results store at once, and
// measurements already stored for the same content hashes, environment and
// settings are reused (unless `fresh`), so a killed study resumes where it
// stopped. The candidates are then analysed (analysis.h) into a StudyReport,
// which study_report.h renders.
//
// Thread-safety: RunStudy is reentrant; progress callbacks run on the calling
// thread. `cancel` may be set from a signal handler.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/analysis.h"
#include "sweetspot/cascade.h"
#include "sweetspot/detection_metrics.h"
#include "sweetspot/detection_report.h"
#include "sweetspot/environment.h"
#include "sweetspot/keypoint_metrics.h"
#include "sweetspot/keypoint_report.h"
#include "sweetspot/measure.h"
#include "sweetspot/runtime_agreement.h"
#include "sweetspot/sqnr.h"
#include "sweetspot/stability.h"
#include "sweetspot/status.h"

namespace sweetspot {

// What the study's candidates do: classify images (top-1), detect objects
// (mAP, docs/study.md "Detection studies") or find a person's keypoints (PCK,
// OKS and stability on video, "Keypoint studies"). TOML `task`.
enum class StudyTask { kClassification, kDetection, kKeypoints };
std::string_view StudyTaskName(StudyTask task);  // "classification" | "detection" | "keypoints"

// A detection study's decoding and scoring settings: `[detection]`, and a
// model's `[models.detection]` over it.
struct StudyDetection {
  // Decoder keys (DetectorSpec, detection_decoder.h) as TOML text: layout,
  // score_threshold, iou_threshold, max_detections; "" when none is set.
  std::string decoder_toml;
  // The model's class list: "coco80" or an absolute file path (one name per
  // line); "" leaves it to the model's decoder metadata.
  std::string model_classes;
  // Scoring: "coco" (mAP@[.5:.95], 101-point) or "voc" (mAP@0.5, all-point,
  // +1 pixel); [detection] only, the same for every candidate.
  std::string protocol = "coco";
};

// A keypoint study's decoding and scoring settings: `[keypoints]`, and a
// model's `[models.keypoints]` over it (decoder keys and schema only).
struct StudyKeypoints {
  // Decoder keys (KeypointDecoderSpec, keypoint_decoder.h: layout, output,
  // output_y, refine, simcc_split_ratio, regression_normalized) as TOML text;
  // "" when none is set.
  std::string decoder_toml;
  // The model's joints: a built-in schema name or an absolute schema TOML
  // path; "" leaves it to the decoder's metadata.
  std::string schema;
  // [keypoints] only, the same for every candidate. PCK at each alpha; the
  // first is the primary one, which min_pck and the ranking use.
  std::vector<double> pck_alphas = {0.2, 0.1, 0.05};
  std::string normalization = "box";  // box | head
  double padding = 1.25;              // crop side / the person box's longer side
};

// `[video]` of a keypoint study: every model on the same tracked crops of a
// video (keypoint_eval.h RunKeypointVideo), for the stability figures.
struct StudyVideo {
  std::filesystem::path path;  // absolute; empty: no video run (no stability figures)
  // The person's square in the first frame: `centre` + `side`, or `box`
  // [x1, y1, x2, y2] padded by `padding` (TrackSquare::AroundBox), pixels.
  double centre_x_px = 0.0, centre_y_px = 0.0, side_px = 0.0;
  std::uint64_t max_frames = 0;  // 0: the whole video
  double min_confidence = 0.3;   // stability: a joint counts when confident (>= this) in both models
};

// One evaluation dataset of a detection study: a `[[datasets]]` entry, or
// the single `[dataset]` table.
struct StudyDataset {
  std::string name;                    // unique; default: the path's stem (folder name)
  std::filesystem::path path;          // absolute: a VOC folder, COCO JSON or YOLO data.yaml
  std::filesystem::path classes_file;  // optional, absolute: the dataset's class names
  std::string preprocess_toml;         // its preprocess table as TOML text ("" if none)
  std::size_t limit = 0;               // deterministic subset of images; 0 = all
};

struct StudyModel {
  std::string name;             // unique in the study; default: the file's stem
  std::filesystem::path path;   // absolute
  std::string preprocess_toml;  // the model's [models.preprocess] table as TOML text ("" if none)
  // The model's `dims` table: values of symbolic input dimensions (symbol, or
  // "<input>:<axis>" for an unnamed one), for inspection and benchmarks.
  std::map<std::string, std::int64_t> dims;
  // The model's own `variants` (canonical texts, variant.h), replacing the
  // study's for this model; empty: the study's.
  std::vector<std::string> variants;
  // Detection studies: [models.detection] keys over the study's [detection]
  // (decoder TOML text, applied after the study's; model_classes "" keeps the study's).
  std::string detection_toml;
  std::string model_classes;
  // Keypoint studies: the engine this model runs on, replacing the setting's
  // ("" the setting's; EfficientPose I runs on opencv-dnn only), and its
  // [models.keypoints] decoder keys (TOML text) and schema over the study's.
  std::string engine;
  std::string keypoints_toml;
  std::string schema;
};

inline constexpr std::string_view kDefaultEngine = "onnxruntime";

// One runtime configuration a latency is measured under: each field is a
// `[runtime]` key (docs/study.md), and the spec's settings are every
// combination of the values listed.
struct RuntimeSetting {
  std::string engine{kDefaultEngine};           // a BackendNames() name, e.g. "onnxruntime@1.30.0"
  Scenario scenario = Scenario::kSingleStream;  // single-stream or offline
  std::int64_t batch_size = 1;
  int threads = 1;           // intra-op threads; 0 = DefaultThreadCount() (cpus.h)
  int inter_op_threads = 1;  // 0 = the runtime's default; used by execution_mode parallel
  GraphOptimization graph_optimization = GraphOptimization::kAll;
  ExecutionMode execution_mode = ExecutionMode::kSequential;
  bool allow_spinning = true;  // idle pool threads busy-wait for work (BackendOptions)
  bool memory_arena = true;    // the runtime's CPU memory arena (BackendOptions)
  // "single-stream b1 t1"; prefixed by the engine when it is not the default
  // and suffixed by each other field that differs from its default, in field
  // order: "onnxruntime@1.30.0 offline b8 t2 inter2 opt:basic mode:parallel spin:off arena:off".
  std::string Label() const;
};

// `[cascade]`: two candidates evaluated as a cascade (cascade.h), named as the
// study names its candidates ("nano", "large/int8-static:entropy").
struct CascadeSpec {
  std::string fast;
  std::string accurate;
  double max_drop_points = kDefaultMaxDropPoints;
};

struct StudySpec {
  std::string name;                 // default: the spec file's stem
  std::filesystem::path spec_path;  // absolute
  std::string spec_text;
  StudyTask task = StudyTask::kClassification;

  // Classification: the one [dataset] (or single [[datasets]] entry).
  std::filesystem::path dataset_path;   // absolute
  std::filesystem::path classes_file;   // optional, absolute
  std::string dataset_preprocess_toml;  // [dataset.preprocess] as TOML text
  std::size_t limit = 0;                // stratified subset; 0 = all samples
  std::uint64_t seed = 0;
  // Detection: every evaluation dataset, in the spec's order ([[datasets]], or
  // the one [dataset]); empty for classification.
  std::vector<StudyDataset> datasets;
  StudyDetection detection;
  // Keypoints: the one labelled dataset is datasets[0] (COCO keypoint or MPII JSON).
  StudyKeypoints keypoints;
  StudyVideo video;

  std::vector<StudyModel> models;
  std::string reference;  // a model name; "" = the most accurate
  // Variants of every model (canonical texts, variant.h); the model itself
  // ("identity") is always a candidate, listed or not.
  std::vector<std::string> variants{"identity"};
  // Calibration samples of the int8-static variants: `calibration_samples`
  // drawn (stratified, `seed`) from `calibration_path`, or, when it is empty,
  // held out of `dataset_path` and excluded from every candidate's accuracy
  // run. 0: the default, kDefaultCalibrationSamples (and at most 10 % of the
  // dataset when held out of it).
  std::filesystem::path calibration_path;  // absolute; empty: a split of the dataset
  std::size_t calibration_samples = 0;

  std::vector<RuntimeSetting> settings;  // every combination of the [runtime] axes
  double duration_s = 2.0;
  double max_duration_s = 10.0;
  std::size_t min_count = 100;
  double target_ci = 0.02;
  int eval_batch = 32;
  int eval_threads = 0;    // 0: DefaultThreadCount() (cpus.h)
  double timeout_s = 900;  // per measurement

  Constraints constraints;
  Objective objective = Objective::kMaxThroughput;
  std::optional<CascadeSpec> cascade;  // unset: no cascade section
};

inline constexpr std::size_t kDefaultCalibrationSamples = 1000;

// Parses the TOML text of a spec; relative paths resolve against the spec's
// folder. Every error names the file, the line, the key path and the fix (an
// unknown key, a missing model or dataset, a bad value, a runtime list that
// names a value twice).
Result<StudySpec> ParseStudySpec(std::string_view text, const std::filesystem::path& spec_path);
Result<StudySpec> LoadStudySpec(const std::filesystem::path& path);

// `status` with its fixes (status.h) named as spec keys and appended to its
// message: "set [models.preprocess] size = [224, 224] and [[models]] dims =
// { H = VALUE }"; "[runtime] batch = [1]"; "[dataset] classes = ..."; a
// decoder's layout "[models.detection] layout = \"nanodet\"" (or
// [models.keypoints]). Fixes a
// spec cannot express (an input file) are left out.
Status WithSpecFixes(const Status& status);

// The subset `--quick` measures: at most kQuickLimit samples and short benches.
inline constexpr std::size_t kQuickLimit = 500;
void MakeQuick(StudySpec& spec);

struct StudyPlan;
struct StudyMeasurements;
struct StudyReport;

// Builds the report snapshot of one environment's run (report_data.h's
// BuildReportRun, a `sweetspot.report-run/1` JSON document) from what the
// study planned, measured and assembled. The study module only stores it:
// the report module sits above the study, so the caller hands it in.
using ReportRunBuilder =
    std::function<std::string(const StudySpec&, const StudyPlan&, const StudyMeasurements&, const StudyReport&)>;

struct StudyProgress {
  std::size_t done = 0;   // measurements finished this run
  std::size_t total = 0;  // measurements this run will make
  std::string current;    // what runs now, e.g. "accuracy of resnet20"
  std::string finished;   // set once per finished measurement: a one-line summary
};

struct StudyOptions {
  std::filesystem::path db_path;    // empty: sweetspot.db beside the spec
  std::filesystem::path self_exe;   // the sweetspot binary, for the child processes
  std::filesystem::path cache_dir;  // tensor cache; empty: the default
  bool fresh = false;               // remeasure even what is stored
  std::function<void(const StudyProgress&)> progress;
  // When it becomes true the running child is killed and RunStudy returns
  // kRuntimeError "interrupted"; everything finished before stays stored.
  const std::atomic<bool>* cancel = nullptr;
  // Set: at the end of every run (ReportStoredStudy's too) its result is
  // stored as the study's report snapshot for that environment
  // (ResultsStore::PutStudyReport), replacing the last. Unset: none is stored.
  ReportRunBuilder report_run;
};

// A detector's end-to-end time on one dataset, split by stage, under its
// runtime setting: single-stream, the p50 over the evaluated images, each
// timed alone (batch 1); offline, the p50 over batches of batch_size images
// (pre-processed one after the other, one Session::Run, one decoding), in ms
// per batch. The network's time alone misleads: pre-processing a large
// photograph and decoding thousands of boxes can cost as much as the network.
// A keypoint study splits the time per person crop the same way
// (KeypointStageTimes; single-stream, and no per-stage items/s).
struct DetectionSpeedSplit {
  std::string scenario = "single-stream";  // ScenarioName: single-stream | offline
  std::int64_t batch_size = 1;             // images per query (1 single-stream)
  double preprocess_p50_ms = 0.0;          // preprocessing of the decoded image(s)
  double network_p50_ms = 0.0;             // Session::Run
  double postprocess_p50_ms = 0.0;         // decoding, score filter, NMS, mapping back
  double total_p50_ms = 0.0;               // p50 of each query's sum of the three (not the sum of the p50s)
  stats::Interval total_p50_ci;            // distribution-free 95 % interval
  double total_p99_ms = 0.0;
  stats::Interval total_p99_ci;
  double total_mean_ms = 0.0;
  // Images per second of each stage alone: batch_size x queries / the
  // stage's total time (the pipeline's own is the Candidate's items_per_s);
  // 0 when unknown (a keypoint study).
  double preprocess_items_per_s = 0.0;
  double network_items_per_s = 0.0;
  double postprocess_items_per_s = 0.0;
};

// One candidate of a detection study on one dataset.
struct DetectionCandidateResult {
  DetectionMetrics metrics;  // map50_95, map50 with their bootstrap intervals, AP by size, per class
  DetectionSpeedSplit speed;
  // This candidate minus the dataset's most accurate one (paired bootstrap
  // over the images both evaluated, CompareDetections); unset for the most
  // accurate itself, or when the comparison failed.
  std::optional<DetectionComparison> vs_best;
};

// One candidate of a keypoint study.
struct KeypointCandidateResult {
  std::string engine;       // the engine that ran it
  KeypointMetrics metrics;  // on the labelled persons: PCK per alpha, OKS, AP, confidence, with intervals
  // Against the reference on the same persons (unset for the reference):
  // the paired PCK/OKS differences and the confidence drop (%).
  std::optional<KeypointComparison> vs_reference;
  std::optional<ConfidenceDrop> confidence_drop;
  // On the video: this model (a) against the reference (b) on their jointly
  // confident joints; the reference against itself (its own figures). Unset
  // without a video run.
  std::optional<KeypointStabilityComparison> stability;
  // Per crop (labelled persons, then video frames), single-stream:
  // preprocess = crop + preprocessing, network, postprocess = decoding.
  DetectionSpeedSplit speed;
};

// A keypoint study's results: the labelled dataset, the video, per candidate.
struct KeypointStudySection {
  std::string dataset;  // description: the JSON and its format
  std::vector<std::string> notes;
  std::int64_t persons = 0;
  std::vector<double> pck_alphas;  // the first is the primary
  std::string normalization;
  std::string video;  // "" without a video run
  std::int64_t frames = 0;
  double fps = 0.0;
  std::string video_note;  // why the run ended early (a lost track) or failed
  double min_confidence = 0.0;
  std::optional<std::size_t> reference;  // into StudyReport::candidates: the spec's reference, else the most accurate
  std::vector<std::optional<KeypointCandidateResult>> results;  // parallel to StudyReport::candidates
};

// A detection study's results on one of its datasets.
struct DetectionStudyDataset {
  std::string name;         // the spec's name for it
  std::string description;  // DetectionDataset::description()
  std::int64_t images = 0;  // evaluated (after `limit`)
  std::vector<std::string> notes;
  // Parallel to StudyReport::candidates: this dataset's figures (top1 = the
  // ranked mAP; p50/p99 = end-to-end), their analysis alone, and the
  // detection results (unset where the candidate was not measured).
  std::vector<Candidate> candidates;
  std::vector<std::optional<DetectionCandidateResult>> results;
  Analysis analysis;
  std::optional<std::size_t> most_accurate;  // by the ranked mAP
};

struct StudyReport {
  std::string study;
  StudyTask task = StudyTask::kClassification;
  std::string spec_path;
  std::string db_path;
  std::string dataset;                       // description
  std::int64_t dataset_samples = 0;          // samples asked for (after --limit and the calibration holdout)
  std::vector<std::string> dataset_notes;    // Dataset::notes(): what opening it skipped
  std::vector<std::string> dataset_classes;  // Dataset::class_names(): index = label
  // Where the int8 variants' calibration samples came from ("" when no
  // variant calibrates), e.g. "1000 samples held out of IDX /d/t10k (...)".
  std::string calibration;
  // Each derived model (variant.h): its lineage and what the transform did.
  struct VariantInfo {
    std::string model;      // "large/int8-static:minmax"
    std::string parent;     // "large"
    std::string transform;  // canonical variant text
    std::vector<std::string> notes;
    std::string diagnosis;  // ONNX Runtime's optimised graph in one line ("" when unknown)
    std::string verdict;    // why it is slower than its parent ("" when it is not, or nothing explains it)
    // int8: the worst quantized activations by cumulative SQNR (sqnr.h), of `sqnr_layers` in all.
    std::vector<LayerSqnr> sqnr_worst;
    std::size_t sqnr_layers = 0;
    // The variant whose file this one's equals ("" none): measured once,
    // under that name; this one is no candidate of its own.
    std::string same_as;
  };
  std::vector<VariantInfo> variants;
  Environment environment;
  std::string backend_version;
  Constraints constraints;
  Objective objective = Objective::kMaxThroughput;
  std::vector<Candidate> candidates;
  Analysis analysis;
  // The reference candidate (per setting, the model named `reference`, else
  // the most accurate) and each candidate's top-1 delta and McNemar p vs it.
  std::optional<std::size_t> reference;
  std::vector<std::optional<double>> reference_p;
  // With several engines ([runtime] engine), one section per engine in the
  // spec's order; the first is the reference engine. Empty with one engine.
  struct EngineModel {
    std::string model;
    // This model's outputs under the engine vs under the reference engine on
    // the evaluation set (runtime_agreement.h); unset for the reference engine
    // and where either accuracy run failed (`note` says why).
    std::optional<RuntimeAgreement> agreement;
    std::string note;
  };
  struct EngineSection {
    std::string engine;
    std::vector<std::size_t> candidates;  // into `candidates`: those measured under this engine
    Analysis analysis;                    // Analyze of those candidates alone (indices into `candidates` above)
    std::vector<EngineModel> models;      // per planned model, in plan order
  };
  std::vector<EngineSection> engines;
  // Per model, setting and engine other than the reference: the reference
  // engine's p50 latency over this engine's under the same other settings
  // (> 1: this engine is faster), with its bootstrap interval over the raw
  // latencies (stats.h BootstrapRatioInterval); no measurable difference when
  // the interval contains 1.
  struct EngineRatio {
    std::string model;
    std::string setting;  // the setting's label without the engine, "single-stream b1 t1"
    std::string engine;
    std::string reference_engine;
    double speed_ratio = 0.0;
    stats::Interval interval;
    bool measurable() const { return interval.valid && (interval.lower > 1.0 || interval.upper < 1.0); }
  };
  std::vector<EngineRatio> engine_ratios;
  // A merged store's candidates on several environments (study_environments.h
  // ReportStoredStudy, which fills every environment's report with the same
  // rows before its snapshot is built): each candidate's speed in a later
  // environment B against the first, A. Empty for one environment, and not
  // part of RenderStudyJson (the report snapshot carries it).
  struct EnvironmentRatio {
    std::string candidate;  // Candidate::name
    std::string model;
    std::string setting;
    std::string environment_a;       // DescribeEnvironment (environment.h) of the first environment
    std::string environment_b;       // ... of the one compared with it
    double p50_ratio = 0.0;          // A's p50 / B's: > 1 = B is faster
    stats::Interval p50_ratio_ci;    // 95 % bootstrap interval; invalid without raw latencies
    std::string verdict;             // SpeedVerdict: "faster" (B), "slower", "no measurable difference", ""
    double items_per_s_ratio = 0.0;  // B's items/s / A's (a plain ratio)
  };
  std::vector<EnvironmentRatio> environment_ratios;
  std::size_t measured = 0;  // measurements made this run
  std::size_t reused = 0;    // taken from the store
  std::size_t failed = 0;    // failed this run
  // Why each failed candidate failed, with its name as context (codes kept,
  // so bad input can be told from a crash).
  std::vector<Status> failures;
  // Things the user should know that failed nothing (a tensor cache that
  // could not be written), distinct, one line each.
  std::vector<std::string> warnings;
  // Parallel to candidates: the measurement hygiene warnings (hygiene.h)
  // stored with each candidate's latency measurement; empty when there is
  // none, or it was stored before warnings were recorded.
  std::vector<std::vector<HygieneWarning>> measurement_warnings;
  // With [cascade]: the pair analysed on the reference engine's accuracy rows
  // and the first setting both were timed in; or, when that could not be
  // done, `cascade_note` says why (a candidate not measured, no scores kept).
  std::optional<CascadeAnalysis> cascade;
  std::string cascade_note;
  // Detection studies (docs/study.md "Detection studies"): `candidates` and
  // `analysis` above are the overall ranking (a candidate must meet the
  // constraints on every dataset; figures are means over the datasets), and
  // per dataset its own table and analysis. `ranked_metric` is what top1
  // holds: "map50_95" or "map50"; `protocol` "coco" or "voc".
  std::string protocol;
  std::string ranked_metric;
  std::vector<DetectionStudyDataset> detection_datasets;
  // The HTML report's detection sections, one per dataset (detection_report.h).
  std::vector<DetectionReportSection> detection;
  // Keypoint studies (docs/study.md "Keypoint studies"): top1 holds PCK at
  // the primary alpha, p50/p99 the end-to-end time per crop.
  std::optional<KeypointStudySection> keypoint_study;
  // The HTML report's keypoint sections, one per video and runtime setting
  // (keypoint_report.h; named "<video stem> [<setting label>]" when the
  // study has several settings).
  std::vector<KeypointReportSection> keypoints;
};

// Runs (or resumes) the study. Failures of single measurements are in the
// report; the Status is an error only when the study itself cannot go on
// (store, dataset, cancel).
Result<StudyReport> RunStudy(const StudySpec& spec, const StudyOptions& options);

// The error `sweetspot study` exits with after printing the report: a
// candidate that failed on bad input (kInvalidArgument/kInvalidData/...), else
// a crash or timeout, else no candidate meeting the constraints (naming the
// closest and its miss). OK when a candidate was recommended and none failed.
Status StudyOutcome(const StudyReport& report);

}  // namespace sweetspot
