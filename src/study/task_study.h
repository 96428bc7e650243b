// What the detection and keypoint studies' runners share (detection_study.h,
// keypoint_study.h): the store they open, the progress and cancellation they
// report, the layered preprocessing and decoder keys of a spec's model, and
// the plan facts of a candidate. The classification runner (runner.cc)
// defines the plan helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/detection_eval.h"
#include "sweetspot/environment.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/results_store.h"
#include "sweetspot/study.h"
#include "sweetspot/study_environments.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {

// The store of a study run, the study and environment registered in it.
struct OpenedStudy {
  std::filesystem::path db_path;  // options.db_path, else sweetspot.db beside the spec
  std::unique_ptr<ResultsStore> store;
  Environment environment;
  std::string backend_version;  // ONNX Runtime's
  std::int64_t study_id = 0, environment_id = 0;
};
Result<OpenedStudy> OpenStudy(const StudySpec& spec, const StudyOptions& options);

// The report's store, environment and runtime fields, and its snapshot
// stored when options.report_run is set (with no classification rows).
Status FinishStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options, const OpenedStudy& opened,
                   StudyReport* report);

// Opens the study's store, measures with `Runner` (constructed from the
// spec, plan, store and options; Run(study_id, environment_id) gives its
// measurements), assembles them with `assemble` and finishes the report.
template <typename Runner, typename Assemble>
Result<StudyReport> RunTaskStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options,
                                 Assemble assemble) {
  SWEETSPOT_ASSIGN_OR_RETURN(const OpenedStudy opened, OpenStudy(spec, options));
  auto measured = Runner(spec, plan, *opened.store, options).Run(opened.study_id, opened.environment_id);
  if (!measured.ok()) return measured.status();
  StudyReport report = assemble(spec, plan, *measured);
  SWEETSPOT_RETURN_IF_ERROR(FinishStudy(spec, plan, options, opened, &report));
  return report;
}

// One environment's report from the store's rows alone (--report-only), and
// the measurements its report snapshot is built with (options.report_run; a
// detection or keypoint study's hold no rows, as FinishStudy's).
struct StoredReport {
  StudyReport report;
  StudyMeasurements snapshot;
};
// The report of the rows stored under `environment_id` for the plan's models
// as the store knows them (`variants`, parallel to plan.models; unset: never
// stored). It measures and writes nothing.
using ReportStoredRows = std::function<Result<StoredReport>(
    ResultsStore& store, const std::vector<std::optional<std::int64_t>>& variants, std::int64_t environment_id)>;

// ReportStoredStudy (study_environments.h) of a planned study: per
// environment holding a result of `kind` of the plan's models, the report
// `report_rows` makes, with the database and environment set; then the speed
// ratios between environments and, with options.report_run, each
// environment's snapshot. Errors: as ResultsStore::Open (read-only) and
// `report_rows`; kNotFound naming the study command when no environment holds one.
Result<EnvironmentsReport> ReportStoredEnvironments(const StudySpec& spec, const StudyPlan& plan,
                                                    const StudyOptions& options, ResultsStore::ResultKind kind,
                                                    const ReportStoredRows& report_rows);

// ReportStoredEnvironments of a detection or keypoint study: `Runner`'s
// Stored(variants, environment_id) reads each measurement the runner would
// make from the store (a missing one left unset: "not measured"), and
// `assemble` makes the report from them as after a run.
template <typename Runner, typename Assemble>
Result<EnvironmentsReport> ReportStoredTaskStudy(const StudySpec& spec, const StudyPlan& plan,
                                                 const StudyOptions& options, ResultsStore::ResultKind kind,
                                                 Assemble assemble) {
  return ReportStoredEnvironments(spec, plan, options, kind,
                                  [&](ResultsStore& store, const std::vector<std::optional<std::int64_t>>& variants,
                                      std::int64_t environment_id) -> Result<StoredReport> {
                                    auto stored = Runner(spec, plan, store, options).Stored(variants, environment_id);
                                    if (!stored.ok()) return stored.status();
                                    return StoredReport{assemble(spec, plan, *stored), EmptyMeasurements(plan)};
                                  });
}

// A report with the spec's and plan's header fields and the run's counts.
StudyReport NewStudyReport(const StudySpec& spec, const StudyPlan& plan, std::size_t measured, std::size_t reused,
                           std::size_t failed);

// The stage p50s and the total's figures as the study's speed split.
DetectionSpeedSplit SpeedSplitOf(double preprocess_p50_ms, double network_p50_ms, double postprocess_p50_ms,
                                 const stats::Summary& total);

// Progress and cancellation of a runner: `state` is what options.progress
// is told (the runner counts done and total).
struct RunnerProgress {
  const StudyOptions& options;
  const ResultsStore& store;
  StudyProgress state;

  bool Cancelled() const { return options.cancel != nullptr && options.cancel->load(); }
  // "interrupted: N measurement(s) of this run finished and are stored ...; run the same command again to resume".
  Status Interrupted(std::size_t finished) const;
  void Report(const std::string& current, const std::string& finished);
};

// A dataset's preprocess table, then the model's (and its variant's), then
// the size its `dims` fix, each named by where the spec sets it.
std::vector<PreprocessLayer> TaskPreprocessLayers(const StudySpec& spec, const StudyModel& model,
                                                  const PlannedModel& planned, const StudyDataset& dataset);

// The study's decoder table `table` ("detection", "keypoints") as TOML text,
// then the model's [models.<table>], as decoder layers.
std::vector<DecoderLayer> TaskDecoderLayers(const StudySpec& spec, std::string_view table,
                                            const std::string& study_toml, const StudyModel& model,
                                            const std::string& model_toml);

// The spec's model a planned model comes from (a variant: its parent's, renamed and at the variant's path).
StudyModel SourceModel(const StudySpec& spec, const StudyPlan& plan, std::size_t i);

// The plan's models registered in the store as the study's candidates; their
// variant ids, parallel to plan.models (runner.cc).
Result<std::vector<std::int64_t>> RegisterPlanModels(ResultsStore& store, const StudyPlan& plan, std::int64_t study_id);
// A candidate's plan facts (names, lineage, size, MACs), without figures.
Candidate PlannedCandidate(const StudyPlan& plan, std::size_t model, std::size_t setting);
// The [runtime] setting's backend options and the spec's benchmark durations.
void ApplyRuntimeSetting(const StudySpec& spec, const RuntimeSetting& setting, BackendOptions* options,
                         MeasureConfig* config);
// A benchmark's figures as the store keeps them (runner.cc).
LatencyRow ToLatencyRow(const BenchResult& result, const RuntimeSetting& setting, double duration_ms);
// Why a planned model has no measurement (its variant or inspection failed); Ok otherwise.
Status PlanFailure(const PlannedModel& model);

}  // namespace sweetspot
