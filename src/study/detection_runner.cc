#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "study/detection_study.h"
#include "study/plan_variants.h"
#include "sweetspot/backend.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/isolated_detection_eval.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The study's [detection] keys, then the model's [models.detection].
std::vector<DecoderLayer> DecoderLayers(const StudySpec& spec, const StudyModel& model) {
  std::vector<DecoderLayer> layers;
  if (!spec.detection.decoder_toml.empty()) {
    layers.push_back(
        {PreprocessSource(spec.spec_path.string() + " [detection]", false), spec.detection.decoder_toml, ""});
  }
  if (!model.detection_toml.empty()) {
    layers.push_back(
        {PreprocessSource(fmt::format("{} [[models]] '{}' detection", spec.spec_path.string(), model.name), false),
         model.detection_toml, ""});
  }
  return layers;
}

// The dataset's preprocess table, then the model's (and its variant's).
std::vector<PreprocessLayer> DetectionPreprocessLayers(const StudySpec& spec, const StudyModel& model,
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

DetectionEvalRequest MakeDetectionRequest(const StudySpec& spec, const StudyModel& model, const PlannedModel& planned,
                                          const StudyDataset& dataset, const RuntimeSetting& setting) {
  DetectionEvalRequest request;
  request.model_path = planned.path.string();
  request.dataset_path = dataset.path.string();
  request.classes_file = dataset.classes_file.string();
  request.model_classes = model.model_classes.empty() ? spec.detection.model_classes : model.model_classes;
  request.layers = DetectionPreprocessLayers(spec, model, planned, dataset);
  request.decoder_layers = DecoderLayers(spec, model);
  request.limit = dataset.limit;
  request.seed = spec.seed;
  request.batch_size = 1;  // single-stream: each image's stage times are its own
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
      : spec_(spec), plan_(plan), store_(store), options_(options) {}

  Result<DetectionMeasurements> Run(std::int64_t study_id, std::int64_t environment_id) {
    study_id_ = study_id;
    environment_id_ = environment_id;
    SWEETSPOT_ASSIGN_OR_RETURN(variant_ids_, RegisterPlanModels(store_, plan_, study_id_));
    SWEETSPOT_RETURN_IF_ERROR(OpenDatasets());
    const std::size_t models = plan_.models.size(), datasets = spec_.datasets.size(), settings = plan_.settings.size();
    out_.summaries.assign(models, std::vector(datasets, std::vector<std::optional<DetectionEvalSummary>>(settings)));
    out_.latency.assign(models, std::vector(datasets, std::vector<std::optional<LatencyRow>>(settings)));
    out_.latency_failures.assign(models, std::vector(datasets, std::vector<Status>(settings)));
    out_.failures.assign(models, std::vector(datasets, std::vector<Status>(settings)));
    progress_.total = 2 * models * datasets * settings;  // accuracy and latency each
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

 private:
  Status OpenDatasets() {
    for (const StudyDataset& d : spec_.datasets) {
      DetectionDatasetOptions options;
      options.class_names_file = d.classes_file;
      auto opened = OpenDetectionDataset(d.path, options);
      if (!opened.ok()) {
        return opened.status().WithContext(fmt::format("{} [[datasets]] '{}' path", spec_.spec_path.string(), d.name));
      }
      const DetectionDataset& dataset = **opened;
      SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t id,
                                 store_.PutDataset({DetectionDatasetIdentity(dataset), dataset.description(),
                                                    static_cast<std::int64_t>(dataset.size()), dataset.class_names()}));
      dataset_ids_.push_back(id);
      const auto images = static_cast<std::int64_t>(DetectionSubset(dataset, d.limit, spec_.seed).size());
      out_.datasets.push_back({d.name, dataset.description(), dataset.notes(), images});
    }
    return Status::Ok();
  }

  Status Interrupted() const {
    return Status::RuntimeError(fmt::format(
        "interrupted: {} measurement(s) of this run finished and are stored in '{}'; run the same command again to "
        "resume",
        out_.measured + out_.failed, store_.path().string()));
  }

  bool Cancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }

  void Report(const std::string& current, const std::string& finished) {
    progress_.current = current;
    progress_.finished = finished;
    if (options_.progress) options_.progress(progress_);
  }

  // One (model, dataset, setting): from the store, else measured and stored.
  Status MeasureAccuracy(std::size_t i, std::size_t d, std::size_t s) {
    if (Cancelled()) return Interrupted();
    const PlannedModel& planned = plan_.models[i];
    const StudyDataset& dataset = spec_.datasets[d];
    const RuntimeSetting& setting = plan_.settings[s];
    const DetectionEvalRequest request = MakeDetectionRequest(spec_, SourceOf(i), planned, dataset, setting);
    const MeasurementKey key{variant_ids_[i], environment_id_, dataset_ids_[d],
                             DetectionSettingsKey(request, planned, setting)};
    Status& failure = out_.failures[i][d][s];
    if (!PlanFailure(planned).ok()) {
      failure = PlanFailure(planned);
      progress_.total--;
      return Status::Ok();
    }
    if (!options_.fresh) {
      SWEETSPOT_ASSIGN_OR_RETURN(const std::optional<AccuracyRow> stored, store_.FindAccuracy(key));
      if (stored) {
        auto summary = FromDetectionRow(*stored);
        if (summary.ok()) {
          out_.summaries[i][d][s] = std::move(summary).value();
          out_.reused++;
          progress_.total--;
          return Status::Ok();
        }
      }
    }
    const std::string what = fmt::format("detection of {} on {}{}", planned.name, dataset.name,
                                         plan_.settings.size() == 1 ? "" : " [" + setting.Label() + "]");
    Report(what, "");
    const ChildLimits limits{spec_.timeout_s, options_.cancel, "raise [runtime] timeout_s if it needs longer"};
    auto result = RunDetectionEvalIsolated(options_.self_exe, request, limits);
    progress_.done++;
    if (!result.ok()) {
      if (Cancelled()) return Interrupted();
      failure = WithSpecFixes(result.status());
      SWEETSPOT_RETURN_IF_ERROR(store_.PutFailure(key, study_id_, "accuracy", setting.Label(), failure));
      out_.failed++;
      Report(what, fmt::format("FAILED {}: {}", what, failure.message()));
      return Status::Ok();
    }
    SWEETSPOT_RETURN_IF_ERROR(store_.PutAccuracy(key, study_id_, ToDetectionRow(*result, RankedMetric(spec_))));
    out_.measured++;
    const DetectionEvalSummary& summary = result->summary;
    Report(what, fmt::format("{}: mAP@[.5:.95] {:.2f} %, mAP@0.5 {:.2f} % ({} images, {:.1f} s)", what,
                             100 * summary.metrics.map50_95, 100 * summary.metrics.map50, summary.metrics.images,
                             result->wall_ms / 1000));
    out_.summaries[i][d][s] = result->summary;
    return Status::Ok();
  }

  // The pipeline's speed split on the dataset's images (bench's child), once
  // its accuracy is known: a candidate that failed that is not timed.
  Status MeasureLatency(std::size_t i, std::size_t d, std::size_t s) {
    if (Cancelled()) return Interrupted();
    if (!out_.summaries[i][d][s]) {
      progress_.total--;
      return Status::Ok();
    }
    const PlannedModel& planned = plan_.models[i];
    const StudyDataset& dataset = spec_.datasets[d];
    const RuntimeSetting& setting = plan_.settings[s];
    DetectionBenchRequest request;
    request.pipeline = MakeDetectionRequest(spec_, SourceOf(i), planned, dataset, setting);
    ApplyRuntimeSetting(spec_, setting, &request.options, &request.config);
    // The benchmark's options and durations (a BenchRequest's JSON less the
    // model and the pipeline, which the accuracy key already describes).
    const json whole = ToJson(request);
    const json bench = {{"options", whole.at("options")}, {"config", whole.at("config")}};
    json key_json = json::parse(DetectionSettingsKey(request.pipeline, planned, setting));
    key_json["bench"] = bench;
    const MeasurementKey key{variant_ids_[i], environment_id_, dataset_ids_[d], key_json.dump()};
    if (!options_.fresh) {
      SWEETSPOT_ASSIGN_OR_RETURN(std::optional<LatencyRow> stored, store_.FindLatency(key));
      if (stored) {
        out_.latency[i][d][s] = std::move(stored);
        out_.reused++;
        progress_.total--;
        return Status::Ok();
      }
    }
    const std::string what = fmt::format("speed of {} on {} [{}]", planned.name, dataset.name, setting.Label());
    Report(what, "");
    const ChildLimits limits{spec_.timeout_s, options_.cancel, "raise [runtime] timeout_s if it needs longer"};
    const auto start = std::chrono::steady_clock::now();
    auto result = RunDetectionBenchIsolated(options_.self_exe, request, limits);
    progress_.done++;
    if (!result.ok()) {
      if (Cancelled()) return Interrupted();
      Status& failure = out_.latency_failures[i][d][s];
      failure = WithSpecFixes(result.status());
      SWEETSPOT_RETURN_IF_ERROR(store_.PutFailure(key, study_id_, "latency", setting.Label(), failure));
      out_.failed++;
      Report(what, fmt::format("FAILED {}: {}", what, failure.message()));
      return Status::Ok();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    LatencyRow row = ToLatencyRow(result->bench, setting, ms);
    row.bench_json = DumpJson(ToJson(*result, /*include_raw=*/false));  // with the stages' figures
    SWEETSPOT_RETURN_IF_ERROR(store_.PutLatency(key, study_id_, row));
    out_.measured++;
    Report(what, fmt::format("{}: p50 {:.3g} ms end to end ({:.1f} s)", what, row.p50_ms, ms / 1000));
    out_.latency[i][d][s] = std::move(row);
    return Status::Ok();
  }

  // The spec's model a planned model comes from (a variant: its parent's, renamed).
  StudyModel SourceOf(std::size_t i) const {
    const PlannedModel& planned = plan_.models[i];
    const std::size_t root = planned.parent ? *planned.parent : i;
    StudyModel model = spec_.models[root];
    model.name = planned.name;
    model.path = planned.path;
    return model;
  }

  const StudySpec& spec_;
  const StudyPlan& plan_;
  ResultsStore& store_;
  const StudyOptions& options_;
  std::int64_t study_id_ = 0, environment_id_ = 0;
  std::vector<std::int64_t> variant_ids_;  // parallel to plan_.models
  std::vector<std::int64_t> dataset_ids_;  // parallel to spec_.datasets
  DetectionMeasurements out_;
  StudyProgress progress_;
};

}  // namespace

Result<StudyReport> RunDetectionStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options) {
  const fs::path db_path = options.db_path.empty() ? spec.spec_path.parent_path() / "sweetspot.db" : options.db_path;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<ResultsStore> store, ResultsStore::Open(db_path));
  const Environment environment = CaptureEnvironment();
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study_id,
                             store->PutStudy(spec.name, spec.spec_path.string(), spec.spec_text));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t environment_id, store->PutEnvironment(environment, backend->version()));
  SWEETSPOT_ASSIGN_OR_RETURN(const DetectionMeasurements measured,
                             DetectionRunner(spec, plan, *store, options).Run(study_id, environment_id));
  StudyReport report = AssembleDetectionReport(spec, plan, measured);
  report.db_path = db_path.string();
  report.environment = environment;
  report.backend_version = backend->version();
  if (options.report_run) {
    // The snapshot's detection sections come from the report; it holds no
    // classification rows.
    SWEETSPOT_RETURN_IF_ERROR(store->PutStudyReport(study_id, environment_id,
                                                    options.report_run(spec, plan, EmptyMeasurements(plan), report)));
  }
  return report;
}

}  // namespace sweetspot
