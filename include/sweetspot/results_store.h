// The results store: every measurement a study makes, in one SQLite file
// (`sweetspot.db` beside the study spec by default), so a study can be
// resumed, re-analysed and exported. docs/study.md documents the schema.
//
// What identifies a measurement (its key):
//  - the model variant: the model by the SHA-256 of its file, plus the
//    variant's lineage (parent variant, transform, parameters: "identity"
//    for a model as given, e.g. "int8-static" of its parent's variant for a
//    derived one);
//  - the environment: CPU, cores, affinity, kernel, host, sweetspot build and
//    runtime version (not the time), by a hash of those facts;
//  - for accuracy, the dataset by the SHA-256 of its content;
//  - the settings: canonical JSON text of everything else that changes the
//    figures (preprocessing, subset, batch, threads, durations, ...).
// A lookup returns the latest row with that key. No measurement is ever
// updated or deleted: a remeasurement (`--fresh`) adds a row, so no result is
// lost. Only a study's report snapshot (PutStudyReport) is replaced.
//
// Durability: the file is in WAL mode and every Put* is one transaction, so a
// process killed at any point leaves every finished measurement stored and
// nothing half-written.
//
// Errors (Status, one line naming the file): a file that is not a sweetspot
// database or is corrupt -> kInvalidData; a database another process keeps
// locked for longer than the busy timeout -> kInvalidArgument (say which
// process to wait for, or pass another --db); a database written by a newer
// sweetspot -> kUnsupported (unless opened read-only with allow_newer_schema);
// other SQLite failures -> kIoError. SQLite's codes never escape this interface.
//
// A newer file opened with allow_newer_schema is only read, never written
// (every Put* fails): the newer sweetspot may have changed any table, so a
// read that meets a missing table or column fails with kUnsupported naming it
// and the file's schema version; reads of what it kept work as usual.
//
// Thread-safety: one ResultsStore per thread. Several processes may use the
// same file at once (SQLite's locking serialises their transactions).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/environment.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

// 2 added latency_results.model_rss_bytes; 3 added study_reports (one report
// snapshot per study and environment); 4 added load_runs (`sweetspot load`
// runs stored with a study). Opening an older file for writing upgrades it in
// place (the model's memory is filled from its stored bench JSON; an upgraded
// file holds no snapshot until the next study run, and no load run); opened
// read-only it is read as it is (a file older than 3 has no snapshots, older
// than 4 no load runs).
inline constexpr int kResultsSchemaVersion = 4;

struct StoredModel {
  std::string sha256;
  std::int64_t file_bytes = 0;
  std::int64_t param_count = 0;
  std::int64_t macs = 0;  // per sample (batch 1)
  std::int64_t weight_bytes = 0;
  std::string path;  // where it was first seen
};

struct StoredDataset {
  std::string sha256;
  std::string description;
  std::int64_t sample_count = 0;
  std::vector<std::string> classes;
};

struct MeasurementKey {
  std::int64_t variant_id = 0;
  std::int64_t environment_id = 0;
  std::int64_t dataset_id = 0;  // accuracy only; 0 for latency
  std::string settings_key;     // canonical JSON
};

struct AccuracyRow {
  std::int64_t sample_count = 0;
  std::int64_t top1_correct = 0;
  std::int64_t top5_correct = 0;
  std::int64_t excluded_count = 0;
  double top1 = 0.0;  // fractions
  double top5 = 0.0;
  stats::Interval top1_ci;
  // Per evaluated sample, same order: dataset index, true and predicted class.
  std::vector<std::int64_t> sample_indices;
  std::vector<std::int32_t> labels;
  std::vector<std::int32_t> predicted;
  // Each sample's output row, row-major [samples x classes] (EvalSummary::scores):
  // kept with the samples when the evaluation kept them, else empty.
  std::vector<float> scores;
  std::string eval_json;            // the `sweetspot eval --json` document
  double duration_ms = 0.0;         // wall time of the measuring process
  std::string measured_utc;         // set by the store
  std::string settings_key;         // set by the store on reads
  std::int64_t environment_id = 0;  // set by StudyMeasurements: a StoredEnvironment's id
};

struct LatencyRow {
  std::string setting;   // label, e.g. "single-stream b1 t1"
  std::string scenario;  // "single-stream" or "offline"
  std::int64_t batch_size = 1;
  int threads = 1;
  double p50_ms = 0.0;
  double p90_ms = 0.0;
  double p99_ms = 0.0;
  double mean_ms = 0.0;
  double items_per_s = 0.0;
  bool converged = false;
  std::int64_t sample_count = 0;
  double load_ms = 0.0;
  double first_inference_ms = 0.0;
  std::int64_t peak_rss_bytes = 0;  // the measuring process's (wait4)
  // What the model itself adds (MemoryRecord::model_rss_bytes); nullopt when
  // it was not measured (no runtime baseline, or stored by an older sweetspot).
  std::optional<std::int64_t> model_rss_bytes;
  std::vector<double> raw_ms;  // every latency, in order
  std::string bench_json;      // the bench result without raw latencies
  double duration_ms = 0.0;
  std::string measured_utc;
  std::string settings_key;
  std::int64_t environment_id = 0;  // set by StudyMeasurements: a StoredEnvironment's id
};

struct FailureRow {
  std::string kind;  // "accuracy" or "latency"
  std::string setting;
  std::string code;  // StatusCodeName
  std::string reason;
  std::string failed_utc;
  std::int64_t environment_id = 0;  // set by StudyMeasurements: a StoredEnvironment's id
};

struct StudyListing {
  std::string name;
  std::string spec_path;
  std::string created_utc;
  std::string updated_utc;
  std::int64_t candidates = 0;
  std::int64_t accuracy_results = 0;
  std::int64_t latency_results = 0;
  std::int64_t failures = 0;
};

// An environment the store holds, as PutEnvironment recorded it (its
// timestamp is not kept: timestamp_utc is empty).
struct StoredEnvironment {
  std::int64_t id = 0;
  Environment environment;
  std::string backend_version;
};

// One candidate of a study with everything stored for its variant, oldest
// first; each row names its environment (a merged store holds several).
struct CandidateMeasurements {
  std::string name;
  std::string path;
  StoredModel model;
  std::vector<StoredEnvironment> environments;  // those its rows were measured in, by id
  std::vector<AccuracyRow> accuracy;
  std::vector<LatencyRow> latency;
  std::vector<FailureRow> failures;
};

// Rows a merge added to the destination, per table (rows it already held are
// not counted).
struct MergeCounts {
  std::int64_t studies = 0;
  std::int64_t models = 0;
  std::int64_t variants = 0;
  std::int64_t datasets = 0;
  std::int64_t environments = 0;
  std::int64_t accuracy_results = 0;
  std::int64_t latency_results = 0;
  std::int64_t failures = 0;
  std::int64_t study_reports = 0;  // added or replaced by a newer one
  std::int64_t load_runs = 0;
};

// A study's report snapshot for one environment: the `sweetspot.report-run/1`
// JSON document report_data.h builds (the store does not read it).
struct StoredStudyReport {
  std::int64_t environment_id = 0;
  std::string written_utc;  // "2026-12-01T01:00:00.123Z", set by the store
  std::string report_json;
};

// One `sweetspot load` run (load_generator.h) against a server, stored with a
// study: what was loaded and how, and the per-level figures as the load
// report renders them (docs/load.md). The store does not read the JSON.
struct StoredLoadRun {
  std::string url;
  std::string model;
  std::string model_version;        // "" for the server's latest
  std::string form;                 // images|tensors
  std::string dataset;              // description
  std::string options_json;         // the run's options (load_report.h LoadOptionsJson)
  std::string levels_json;          // a JSON array, one object per level (LevelJson)
  double duration_ms = 0.0;         // wall time of the whole run
  std::string measured_utc;         // set by the store, to the millisecond
  std::int64_t environment_id = 0;  // the load generator's machine and build
};

struct StoreOptions {
  bool read_only = false;  // read-only: the file must exist
  // With read_only: a file of a newer schema version opens (see above) instead
  // of failing with kUnsupported. Ignored for writing: writers always refuse it.
  bool allow_newer_schema = false;
  int busy_timeout_ms = 3000;
};

class ResultsStore {
 public:
  // Opens (creating unless read_only) the store at `path` and checks it.
  static Result<std::unique_ptr<ResultsStore>> Open(const std::filesystem::path& path,
                                                    const StoreOptions& options = {});
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The file's schema version: kResultsSchemaVersion, or older when an older
  // file was opened read-only, or newer when opened with allow_newer_schema.
  std::int64_t schema_version() const;

  // Creates or updates the study's row (spec text and path); returns its id.
  Result<std::int64_t> PutStudy(std::string_view name, std::string_view spec_path, std::string_view spec_toml);
  Result<std::int64_t> PutModel(const StoredModel& model);  // idempotent by sha256
  Result<std::int64_t> PutIdentityVariant(std::int64_t model_id);
  // A variant derived from the variant `parent_variant_id` (variant.h): its
  // transform ("int8-static") and canonical parameters JSON (with the
  // calibration set's hash). Idempotent by (model, parent, transform, parameters).
  Result<std::int64_t> PutDerivedVariant(std::int64_t model_id, std::int64_t parent_variant_id,
                                         std::string_view transform, std::string_view parameters_json);
  Result<std::int64_t> PutDataset(const StoredDataset& dataset);  // idempotent by sha256
  // Idempotent by the environment's facts (its timestamp is left out).
  Result<std::int64_t> PutEnvironment(const Environment& environment, std::string_view backend_version);

  struct CandidateEntry {
    std::string name;
    std::int64_t variant_id = 0;
    std::string path;
  };
  // Replaces the study's candidate list (names, variants, paths, in order).
  Status SetCandidates(std::int64_t study_id, const std::vector<CandidateEntry>& candidates);

  Result<std::optional<AccuracyRow>> FindAccuracy(const MeasurementKey& key);
  Status PutAccuracy(const MeasurementKey& key, std::int64_t study_id, const AccuracyRow& row);
  Result<std::optional<LatencyRow>> FindLatency(const MeasurementKey& key);
  Status PutLatency(const MeasurementKey& key, std::int64_t study_id, const LatencyRow& row);
  Status PutFailure(const MeasurementKey& key, std::int64_t study_id, std::string_view kind, std::string_view setting,
                    const Status& failure);

  // Read-only lookups by natural key (nothing is inserted): the variant of the
  // model with content hash `model_sha256` and that lineage (parent
  // nullopt, "identity", "{}" for a model as given), and a dataset by its hash.
  Result<std::optional<std::int64_t>> FindVariant(std::string_view model_sha256,
                                                  std::optional<std::int64_t> parent_variant_id,
                                                  std::string_view transform, std::string_view parameters_json);
  Result<std::optional<std::int64_t>> FindDataset(std::string_view sha256);
  // The environments that hold a result of `kind` (a latency or an accuracy
  // row) of any of these variants, in the order of their first such result.
  enum class ResultKind { kLatency, kAccuracy };
  Result<std::vector<StoredEnvironment>> EnvironmentsMeasuring(const std::vector<std::int64_t>& variant_ids,
                                                               ResultKind kind = ResultKind::kLatency);

  // Copies every row of the stores at `sources` into this one, in one
  // transaction (an error leaves this store as it was): studies, models,
  // variants with their lineage, datasets, environments, candidates, the
  // accuracy, latency and failure rows, the report snapshots and the load runs. Rows are matched by their natural keys,
  // never by row id: studies by name (the one already here keeps its spec and
  // candidates are added by name), models and datasets by content hash,
  // variants by model and lineage, environments by their facts; a measurement
  // by its key (variant, environment, dataset, settings) and when and how long
  // it was measured, a failure by its key, kind, reason and time. So merging
  // the same store twice, or stores that share rows, adds nothing twice, and
  // measurements of different environments stay apart. A report snapshot is
  // matched by study and environment; the newer written_utc wins. A load run
  // is there already when its environment, URL, model, version, time and
  // levels match.
  // Errors: a source that cannot be opened (as Open, read-only); a source of
  // another schema version (kFailedPrecondition naming the file and how to
  // upgrade it); a source that is this store's file or named twice
  // (kInvalidArgument); more sources than SQLite can attach at once.
  Result<MergeCounts> Merge(const std::vector<std::filesystem::path>& sources);

  // Replaces the study's report snapshot for the environment (one row per
  // study and environment), in one transaction. `report_json` is stored as
  // given; written_utc is now, to the millisecond.
  Status PutStudyReport(std::int64_t study_id, std::int64_t environment_id, std::string_view report_json);

  // The id of the study named `name`, recording it (with no spec) when the
  // store has none: a load run may be the first thing stored for a study.
  Result<std::int64_t> EnsureStudy(std::string_view name);
  // Adds a load run to the study, in one transaction; measured_utc is now.
  Status PutLoadRun(std::int64_t study_id, std::int64_t environment_id, const StoredLoadRun& run);
  // The study's load runs, oldest first (empty: none, or a file older than
  // schema 4 opened read-only). NotFound as StudyMeasurements.
  Result<std::vector<StoredLoadRun>> StudyLoadRuns(std::string_view study_name) const;

  Result<std::vector<StudyListing>> ListStudies() const;
  // NotFound (naming the studies there are) when no study has that name.
  Result<std::vector<CandidateMeasurements>> StudyMeasurements(std::string_view study_name);
  // The study's report snapshots, newest first (empty: none stored, or a file
  // older than schema 3 opened read-only). NotFound as StudyMeasurements.
  Result<std::vector<StoredStudyReport>> StudyReports(std::string_view study_name) const;

  struct Impl;  // SQLite handle and statements (src/store)

 private:
  ResultsStore(std::filesystem::path path, std::unique_ptr<Impl> impl);
  // The study's row id; NotFound naming the studies there are.
  Result<std::int64_t> StudyId(std::string_view study_name) const;
  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

// Merges the stores at `sources` into the store at `into`, created when it
// does not exist (and then removed again when the merge fails, so a failure
// leaves no file behind); an existing older one is upgraded first. Errors as
// Open and ResultsStore::Merge, and kInvalidArgument for no sources.
Result<MergeCounts> MergeResultStores(const std::vector<std::filesystem::path>& sources,
                                      const std::filesystem::path& into);

}  // namespace sweetspot
