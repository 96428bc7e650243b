#include "study/task_study.h"

#include <fmt/format.h>

#include "study/plan_variants.h"
#include "sweetspot/backend.h"

namespace sweetspot {
namespace fs = std::filesystem;

Result<OpenedStudy> OpenStudy(const StudySpec& spec, const StudyOptions& options) {
  OpenedStudy out;
  out.db_path = options.db_path.empty() ? spec.spec_path.parent_path() / "sweetspot.db" : options.db_path;
  SWEETSPOT_ASSIGN_OR_RETURN(out.store, ResultsStore::Open(out.db_path));
  out.environment = CaptureEnvironment();
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));
  out.backend_version = backend->version();
  SWEETSPOT_ASSIGN_OR_RETURN(out.study_id, out.store->PutStudy(spec.name, spec.spec_path.string(), spec.spec_text));
  SWEETSPOT_ASSIGN_OR_RETURN(out.environment_id, out.store->PutEnvironment(out.environment, out.backend_version));
  return out;
}

Status FinishStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options, const OpenedStudy& opened,
                   StudyReport* report) {
  report->db_path = opened.db_path.string();
  report->environment = opened.environment;
  report->backend_version = opened.backend_version;
  if (!options.report_run) return Status::Ok();
  // The snapshot's task sections come from the report; it holds no classification rows.
  return opened.store->PutStudyReport(opened.study_id, opened.environment_id,
                                      options.report_run(spec, plan, EmptyMeasurements(plan), *report));
}

StudyReport NewStudyReport(const StudySpec& spec, const StudyPlan& plan, std::size_t measured, std::size_t reused,
                           std::size_t failed) {
  StudyReport report;
  report.study = spec.name;
  report.spec_path = spec.spec_path.string();
  report.task = spec.task;
  report.constraints = spec.constraints;
  report.objective = spec.objective;
  report.measured = measured;
  report.reused = reused;
  report.failed = failed;
  report.warnings = plan.warnings;
  return report;
}

DetectionSpeedSplit SpeedSplitOf(double preprocess_p50_ms, double network_p50_ms, double postprocess_p50_ms,
                                 const stats::Summary& total) {
  DetectionSpeedSplit s;
  s.preprocess_p50_ms = preprocess_p50_ms;
  s.network_p50_ms = network_p50_ms;
  s.postprocess_p50_ms = postprocess_p50_ms;
  s.total_p50_ms = total.p50;
  s.total_p50_ci = total.p50_ci;
  s.total_p99_ms = total.p99;
  s.total_p99_ci = total.p99_ci;
  s.total_mean_ms = total.mean;
  return s;
}

Status RunnerProgress::Interrupted(std::size_t finished) const {
  return Status::RuntimeError(fmt::format(
      "interrupted: {} measurement(s) of this run finished and are stored in '{}'; run the same command again to "
      "resume",
      finished, store.path().string()));
}

void RunnerProgress::Report(const std::string& current, const std::string& finished) {
  state.current = current;
  state.finished = finished;
  if (options.progress) options.progress(state);
}

std::vector<PreprocessLayer> TaskPreprocessLayers(const StudySpec& spec, const StudyModel& model,
                                                  const PlannedModel& planned, const StudyDataset& dataset) {
  std::vector<PreprocessLayer> layers;
  if (!dataset.preprocess_toml.empty()) {
    layers.push_back({fmt::format("{} [[datasets]] '{}' preprocess", spec.spec_path.string(), dataset.name),
                      dataset.preprocess_toml, ""});
  }
  for (PreprocessLayer& layer : ModelPreprocessLayers(spec, model, planned.preprocess_override)) {
    layers.push_back(std::move(layer));
  }
  if (!planned.size_from_dims_toml.empty()) {
    layers.push_back({PreprocessSource(fmt::format("{} [[models]] '{}' dims", spec.spec_path.string(), model.name),
                                       /*has_lines=*/false),
                      planned.size_from_dims_toml, ""});
  }
  return layers;
}

std::vector<DecoderLayer> TaskDecoderLayers(const StudySpec& spec, std::string_view table,
                                            const std::string& study_toml, const StudyModel& model,
                                            const std::string& model_toml) {
  std::vector<DecoderLayer> layers;
  if (!study_toml.empty()) {
    layers.push_back({PreprocessSource(fmt::format("{} [{}]", spec.spec_path.string(), table), false), study_toml, ""});
  }
  if (!model_toml.empty()) {
    layers.push_back(
        {PreprocessSource(fmt::format("{} [[models]] '{}' {}", spec.spec_path.string(), model.name, table), false),
         model_toml, ""});
  }
  return layers;
}

StudyModel SourceModel(const StudySpec& spec, const StudyPlan& plan, std::size_t i) {
  const PlannedModel& planned = plan.models[i];
  const std::size_t root = planned.parent ? *planned.parent : i;
  StudyModel model = spec.models[root];
  model.name = planned.name;
  model.path = planned.path;
  return model;
}

}  // namespace sweetspot
