#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "study/detection_study.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/isolated_detection_eval.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

DetectionEvalRequest MakeDetectionRequest(const StudySpec& spec, const StudyModel& model, const PlannedModel& planned,
                                          const StudyDataset& dataset, const RuntimeSetting& setting) {
  DetectionEvalRequest request;
  request.model_path = planned.path.string();
  request.dataset_path = dataset.path.string();
  request.classes_file = dataset.classes_file.string();
  request.model_classes = model.model_classes.empty() ? spec.detection.model_classes : model.model_classes;
  request.layers = TaskPreprocessLayers(spec, model, planned, dataset);
  request.decoder_layers =
      TaskDecoderLayers(spec, "detection", spec.detection.decoder_toml, model, model.detection_toml);
  request.limit = dataset.limit;
  request.seed = spec.seed;
  request.batch_size = 1;  // the accuracy run; an offline setting's batches are the benchmark's (config.batch_sizes)
  request.threads = setting.threads;
  request.engine = setting.engine;
  request.protocol = spec.detection.protocol;
  return request;
}

// Everything besides the model variant, the dataset's content and the
// environment that changes the figures; nlohmann::json sorts keys, so the
// dump is canonical. Layer sources (file paths) are left out: moving the
// spec keeps its measurements.
std::string DetectionSettingsKey(const DetectionEvalRequest& request, const PlannedModel& planned,
                                 const RuntimeSetting& setting) {
  json preprocess = json::array();
  for (const PreprocessLayer& layer : request.layers) preprocess.push_back(layer.toml);
  json decoder = json::array();
  for (const DecoderLayer& layer : request.decoder_layers) decoder.push_back(layer.toml);
  return json{{"task", "detection"},
              {"variant", planned.variant},
              {"preprocess", preprocess},
              {"decoder", decoder},
              {"model_classes", request.model_classes},
              {"dataset_classes", request.classes_file},
              {"protocol", request.protocol},
              {"limit", request.limit},
              {"seed", request.seed},
              {"bootstrap_replicates", request.bootstrap_replicates},
              {"setting", setting.Label()}}
      .dump();
}

// A stored detection measurement: its summary is the accuracy row's JSON.
AccuracyRow ToDetectionRow(const IsolatedDetectionEvalResult& result, const std::string& ranked_metric) {
  const DetectionMetrics& m = result.summary.metrics;
  AccuracyRow row;
  row.sample_count = m.images;
  // `results` lists top-1: a detection row shows its ranked mAP there.
  row.top1 = ranked_metric == "map50" ? m.map50 : m.map50_95;
  row.top1_ci = ranked_metric == "map50" ? m.map50_ci : m.map50_95_ci;
  row.eval_json = DumpJson(ToJson(result.summary, /*include_images=*/true));
  row.duration_ms = result.wall_ms;
  return row;
}

Result<DetectionEvalSummary> FromDetectionRow(const AccuracyRow& row) {
  const json j = json::parse(row.eval_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidData("a stored detection measurement is not JSON");
  return DetectionEvalSummaryFromJson(j);
}

std::string RankedMetric(const StudySpec& spec) {
  if (spec.objective == Objective::kMaxMap50) return "map50";
  if (spec.objective == Objective::kMaxMap50_95) return "map50_95";
  return spec.detection.protocol == "voc" ? "map50" : "map50_95";
}

class DetectionRunner {
 public:
  DetectionRunner(const StudySpec& spec, const StudyPlan& plan, ResultsStore& store, const StudyOptions& options)
      : spec_(spec), plan_(plan), store_(store), options_(options), progress_{options, store, {}} {}

  // Measures what the store lacks, storing each at once.
  Result<DetectionMeasurements> Run(std::int64_t study_id, std::int64_t environment_id) {
    study_id_ = study_id;
    environment_id_ = environment_id;
    SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<std::int64_t> ids, RegisterPlanModels(store_, plan_, study_id_));
    variant_ids_.assign(ids.begin(), ids.end());
    return MeasureAll();
  }

  // --report-only: what the store holds under `environment_id` for the models
  // it knows as `variant_ids`; a measurement it lacks is left unset ("not
  // measured"). Measures and writes nothing.
  Result<DetectionMeasurements> Stored(const std::vector<std::optional<std::int64_t>>& variant_ids,
                                       std::int64_t environment_id) {
    stored_only_ = true;
    environment_id_ = environment_id;
    variant_ids_ = variant_ids;
    return MeasureAll();
  }

 private:
  Result<DetectionMeasurements> MeasureAll() {
    SWEETSPOT_RETURN_IF_ERROR(OpenDatasets());
    const std::size_t models = plan_.models.size(), datasets = spec_.datasets.size(), settings = plan_.settings.size();
    out_.summaries.assign(models, std::vector(datasets, std::vector<std::optional<DetectionEvalSummary>>(settings)));
    out_.latency.assign(models, std::vector(datasets, std::vector<std::optional<LatencyRow>>(settings)));
    out_.latency_failures.assign(models, std::vector(datasets, std::vector<Status>(settings)));
    out_.failures.assign(models, std::vector(datasets, std::vector<Status>(settings)));
    progress_.state.total = 2 * models * datasets * settings;  // accuracy and latency each
    for (std::size_t i = 0; i < models; ++i) {
      for (std::size_t d = 0; d < datasets; ++d) {
        for (std::size_t s = 0; s < settings; ++s) {
          SWEETSPOT_RETURN_IF_ERROR(MeasureAccuracy(i, d, s));
          SWEETSPOT_RETURN_IF_ERROR(MeasureLatency(i, d, s));
        }
      }
    }
    return std::move(out_);
  }

  Status OpenDatasets() {
    for (const StudyDataset& d : spec_.datasets) {
      DetectionDatasetOptions options;
      options.class_names_file = d.classes_file;
      auto opened = OpenDetectionDataset(d.path, options);
      if (!opened.ok()) {
        return opened.status().WithContext(fmt::format("{} [[datasets]] '{}' path", spec_.spec_path.string(), d.name));
      }
      const DetectionDataset& dataset = **opened;
      const std::string identity = DetectionDatasetIdentity(dataset);
      if (stored_only_) {
        SWEETSPOT_ASSIGN_OR_RETURN(dataset_ids_.emplace_back(), store_.FindDataset(identity));
      } else {
        SWEETSPOT_ASSIGN_OR_RETURN(
            dataset_ids_.emplace_back(),
            store_.PutDataset(
                {identity, dataset.description(), static_cast<std::int64_t>(dataset.size()), dataset.class_names()}));
      }
      const auto images = static_cast<std::int64_t>(DetectionSubset(dataset, d.limit, spec_.seed).size());
      out_.datasets.push_back({d.name, dataset.description(), dataset.notes(), images});
    }
    return Status::Ok();
  }

  // One (model, dataset, setting): from the store, else measured and stored.
  Status MeasureAccuracy(std::size_t i, std::size_t d, std::size_t s) {
    if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
    const PlannedModel& planned = plan_.models[i];
    const StudyDataset& dataset = spec_.datasets[d];
    const RuntimeSetting& setting = plan_.settings[s];
    Status& failure = out_.failures[i][d][s];
    if (!PlanFailure(planned).ok()) {
      failure = PlanFailure(planned);
      progress_.state.total--;
      return Status::Ok();
    }
    if (!variant_ids_[i] || !dataset_ids_[d]) {  // stored only: the store never saw the model or the dataset
      progress_.state.total--;
      return Status::Ok();
    }
    const DetectionEvalRequest request =
        MakeDetectionRequest(spec_, SourceModel(spec_, plan_, i), planned, dataset, setting);
    const MeasurementKey key{*variant_ids_[i], environment_id_, *dataset_ids_[d],
                             DetectionSettingsKey(request, planned, setting)};
    if (!options_.fresh || stored_only_) {
      SWEETSPOT_ASSIGN_OR_RETURN(const std::optional<AccuracyRow> stored, store_.FindAccuracy(key));
      if (stored) {
        auto summary = FromDetectionRow(*stored);
        if (summary.ok()) {
          out_.summaries[i][d][s] = std::move(summary).value();
          out_.reused++;
          progress_.state.total--;
          return Status::Ok();
        }
      }
    }
    if (stored_only_) {
      progress_.state.total--;
      return Status::Ok();
    }
    const std::string what = fmt::format("detection of {} on {}{}", planned.name, dataset.name,
                                         plan_.settings.size() == 1 ? "" : " [" + setting.Label() + "]");
    progress_.Report(what, "");
    const ChildLimits limits{spec_.timeout_s, options_.cancel, "raise [runtime] timeout_s if it needs longer"};
    auto result = RunDetectionEvalIsolated(options_.self_exe, request, limits);
    progress_.state.done++;
    if (!result.ok()) {
      if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
      failure = WithSpecFixes(result.status());
      SWEETSPOT_RETURN_IF_ERROR(store_.PutFailure(key, study_id_, "accuracy", setting.Label(), failure));
      out_.failed++;
      progress_.Report(what, fmt::format("FAILED {}: {}", what, failure.message()));
      return Status::Ok();
    }
    SWEETSPOT_RETURN_IF_ERROR(store_.PutAccuracy(key, study_id_, ToDetectionRow(*result, RankedMetric(spec_))));
    out_.measured++;
    const DetectionEvalSummary& summary = result->summary;
    progress_.Report(what, fmt::format("{}: mAP@[.5:.95] {:.2f} %, mAP@0.5 {:.2f} % ({} images, {:.1f} s)", what,
                                       100 * summary.metrics.map50_95, 100 * summary.metrics.map50,
                                       summary.metrics.images, result->wall_ms / 1000));
    out_.summaries[i][d][s] = result->summary;
    return Status::Ok();
  }

  // The pipeline's speed split on the dataset's images (bench's child), once
  // its accuracy is known: a candidate that failed that is not timed.
  Status MeasureLatency(std::size_t i, std::size_t d, std::size_t s) {
    if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
    if (!out_.summaries[i][d][s]) {
      progress_.state.total--;
      return Status::Ok();
    }
    const PlannedModel& planned = plan_.models[i];
    const StudyDataset& dataset = spec_.datasets[d];
    const RuntimeSetting& setting = plan_.settings[s];
    DetectionBenchRequest request;
    request.pipeline = MakeDetectionRequest(spec_, SourceModel(spec_, plan_, i), planned, dataset, setting);
    ApplyRuntimeSetting(spec_, setting, &request.options, &request.config);
    // The benchmark's options and durations (a BenchRequest's JSON less the
    // model and the pipeline, which the accuracy key already describes).
    const json whole = ToJson(request);
    const json bench = {{"options", whole.at("options")}, {"config", whole.at("config")}};
    json key_json = json::parse(DetectionSettingsKey(request.pipeline, planned, setting));
    key_json["bench"] = bench;
    const MeasurementKey key{*variant_ids_[i], environment_id_, *dataset_ids_[d], key_json.dump()};
    if (!options_.fresh || stored_only_) {
      SWEETSPOT_ASSIGN_OR_RETURN(std::optional<LatencyRow> stored, store_.FindLatency(key));
      if (stored || stored_only_) {
        out_.reused += stored ? 1 : 0;
        out_.latency[i][d][s] = std::move(stored);
        progress_.state.total--;
        return Status::Ok();
      }
    }
    const std::string what = fmt::format("speed of {} on {} [{}]", planned.name, dataset.name, setting.Label());
    progress_.Report(what, "");
    const ChildLimits limits{spec_.timeout_s, options_.cancel, "raise [runtime] timeout_s if it needs longer"};
    const auto start = std::chrono::steady_clock::now();
    auto result = RunDetectionBenchIsolated(options_.self_exe, request, limits);
    progress_.state.done++;
    if (!result.ok()) {
      if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
      Status& failure = out_.latency_failures[i][d][s];
      failure = WithSpecFixes(result.status());
      SWEETSPOT_RETURN_IF_ERROR(store_.PutFailure(key, study_id_, "latency", setting.Label(), failure));
      out_.failed++;
      progress_.Report(what, fmt::format("FAILED {}: {}", what, failure.message()));
      return Status::Ok();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    LatencyRow row = ToLatencyRow(result->bench, setting, ms);
    row.bench_json = DumpJson(ToJson(*result, /*include_raw=*/false));  // with the stages' figures
    SWEETSPOT_RETURN_IF_ERROR(store_.PutLatency(key, study_id_, row));
    out_.measured++;
    progress_.Report(what, fmt::format("{}: p50 {:.3g} ms end to end{}, {:.0f} images/s ({:.1f} s)", what, row.p50_ms,
                                       setting.scenario == Scenario::kOffline ? " per batch" : "", row.items_per_s,
                                       ms / 1000));
    out_.latency[i][d][s] = std::move(row);
    return Status::Ok();
  }

  const StudySpec& spec_;
  const StudyPlan& plan_;
  ResultsStore& store_;
  const StudyOptions& options_;
  std::int64_t study_id_ = 0, environment_id_ = 0;
  bool stored_only_ = false;  // Stored(): read the store, measure and write nothing
  // Parallel to plan_.models and spec_.datasets; unset only when stored only
  // and the store does not know it.
  std::vector<std::optional<std::int64_t>> variant_ids_;
  std::vector<std::optional<std::int64_t>> dataset_ids_;
  DetectionMeasurements out_;
  RunnerProgress progress_;
};

}  // namespace

Result<StudyReport> RunDetectionStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options) {
  return RunTaskStudy<DetectionRunner>(spec, plan, options, AssembleDetectionReport);
}

Result<EnvironmentsReport> ReportStoredDetectionStudy(const StudySpec& spec, const StudyPlan& plan,
                                                      const StudyOptions& options) {
  return ReportStoredTaskStudy<DetectionRunner>(spec, plan, options, ResultsStore::ResultKind::kLatency,
                                                AssembleDetectionReport);
}

}  // namespace sweetspot
