#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "study/keypoint_study.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/isolated_keypoint_eval.h"
#include "sweetspot/isolated_keypoint_video.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/keypoint_eval_summary.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using nlohmann::json;

KeypointModelRequest MakeModelRequest(const StudySpec& spec, const StudyModel& model, const PlannedModel& planned) {
  KeypointModelRequest m;
  m.model_path = planned.path.string();
  m.name = planned.name;
  m.schema = model.schema.empty() ? spec.keypoints.schema : model.schema;
  m.layers = TaskPreprocessLayers(spec, model, planned, spec.datasets.front());
  m.decoder_layers = TaskDecoderLayers(spec, "keypoints", spec.keypoints.decoder_toml, model, model.keypoints_toml);
  m.engine = model.engine;
  return m;
}

// What changes a model's keypoints besides its file: everything but the
// layers' sources (file paths), so moving the spec keeps its measurements.
json ModelKey(const KeypointModelRequest& m, const PlannedModel& planned, const RuntimeSetting& setting) {
  json preprocess = json::array();
  for (const PreprocessLayer& layer : m.layers) preprocess.push_back(layer.toml);
  json decoder = json::array();
  for (const DecoderLayer& layer : m.decoder_layers) decoder.push_back(layer.toml);
  return {{"variant", planned.variant}, {"sha256", planned.info.sha256},
          {"schema", m.schema},         {"preprocess", preprocess},
          {"decoder", decoder},         {"engine", m.engine.empty() ? setting.engine : m.engine},
          {"threads", setting.threads}};
}

// The PCK at the primary alpha without an interval: what picks the reference.
double PrimaryPck(const StudySpec& spec, const KeypointEvalResult& result) {
  KeypointMetricOptions options;
  options.pck_alphas = {spec.keypoints.pck_alphas.front()};
  options.normalization = spec.keypoints.normalization;
  options.bootstrap_replicates = 0;
  auto summary = SummarizeKeypointEval(result, options);
  return summary.ok() ? summary->metrics.pck.front().pck.value : 0.0;
}

class KeypointRunner {
 public:
  KeypointRunner(const StudySpec& spec, const StudyPlan& plan, ResultsStore& store, const StudyOptions& options)
      : spec_(spec), plan_(plan), store_(store), options_(options), progress_{options, store, {}} {}

  // Measures what the store lacks, storing each at once.
  Result<KeypointMeasurements> Run(std::int64_t study_id, std::int64_t environment_id) {
    study_id_ = study_id;
    environment_id_ = environment_id;
    SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<std::int64_t> ids, RegisterPlanModels(store_, plan_, study_id_));
    variant_ids_.assign(ids.begin(), ids.end());
    return MeasureAll();
  }

  // --report-only: what the store holds under `environment_id` for the models
  // it knows as `variant_ids`; a measurement it lacks is left unset ("not
  // measured"). Measures and writes nothing.
  Result<KeypointMeasurements> Stored(const std::vector<std::optional<std::int64_t>>& variant_ids,
                                      std::int64_t environment_id) {
    stored_only_ = true;
    environment_id_ = environment_id;
    variant_ids_ = variant_ids;
    return MeasureAll();
  }

 private:
  Result<KeypointMeasurements> MeasureAll() {
    SWEETSPOT_RETURN_IF_ERROR(OpenData());
    const std::size_t models = plan_.models.size(), settings = plan_.settings.size();
    out_.evals.assign(models, std::vector<std::optional<KeypointEvalResult>>(settings));
    out_.eval_failures.assign(models, std::vector<Status>(settings));
    out_.videos.resize(settings);
    out_.video_models.resize(settings);
    out_.references.resize(settings);
    out_.video_failures.resize(settings);
    progress_.state.total = models * settings + (spec_.video.path.empty() ? 0 : settings);
    for (std::size_t s = 0; s < settings; ++s) {
      for (std::size_t i = 0; i < models; ++i) SWEETSPOT_RETURN_IF_ERROR(MeasureEval(i, s));
      out_.references[s] = Reference(s);
      if (!spec_.video.path.empty()) SWEETSPOT_RETURN_IF_ERROR(MeasureVideo(s));
    }
    return std::move(out_);
  }

  // The store's dataset of `identity`: registered, or when stored only looked up.
  Result<std::optional<std::int64_t>> DatasetId(const StoredDataset& identity) {
    if (stored_only_) return store_.FindDataset(identity.sha256);
    SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t id, store_.PutDataset(identity));
    return std::optional<std::int64_t>(id);
  }

  // The labelled dataset and the video as the store's datasets.
  Status OpenData() {
    const StudyDataset& d = spec_.datasets.front();
    const std::string field = fmt::format("{} [dataset] path", spec_.spec_path.string());
    auto opened = OpenKeypointDataset(d.path);
    if (!opened.ok()) return opened.status().WithContext(field);
    auto hash = HashFile(d.path);
    if (!hash.ok()) return hash.status().WithContext(field);
    const auto persons = static_cast<std::int64_t>(opened->persons.size());
    out_.dataset =
        fmt::format("{} ({} keypoint JSON, schema {})", d.path.string(), opened->format, opened->schema.name);
    out_.notes = opened->notes;
    out_.persons = d.limit == 0 ? persons : std::min<std::int64_t>(persons, static_cast<std::int64_t>(d.limit));
    SWEETSPOT_ASSIGN_OR_RETURN(dataset_id_, DatasetId({*hash, out_.dataset, persons, {}}));
    if (spec_.video.path.empty()) return Status::Ok();
    auto video_hash = HashFile(spec_.video.path);
    if (!video_hash.ok()) {  // a frame folder has no one file to hash: its path stands for it
      video_hash = "path:" + spec_.video.path.string();
    }
    SWEETSPOT_ASSIGN_OR_RETURN(video_id_, DatasetId({*video_hash, "video " + spec_.video.path.string(), 0, {}}));
    return Status::Ok();
  }

  KeypointEvalRequest EvalRequest(std::size_t i, std::size_t s) const {
    const RuntimeSetting& setting = plan_.settings[s];
    KeypointEvalRequest request;
    request.model = MakeModelRequest(spec_, SourceModel(spec_, plan_, i), plan_.models[i]);
    request.dataset_path = spec_.datasets.front().path.string();
    request.padding = spec_.keypoints.padding;
    request.limit = spec_.datasets.front().limit;
    request.pck_alphas = spec_.keypoints.pck_alphas;
    request.pck_normalization = spec_.keypoints.normalization;
    request.seed = spec_.seed;
    request.threads = setting.threads;
    request.engine = setting.engine;
    return request;
  }

  // Counts a measurement that needs no run (stored, or not to be made).
  void Skip() { progress_.state.total--; }

  // The measurement stored under `key` (unless fresh), counted as reused;
  // unset when there is none or it no longer parses (it is made again, or
  // when stored only left "not measured").
  template <typename T>
  Result<std::optional<T>> Find(const MeasurementKey& key, Result<T> (*parse)(const json&)) {
    if (options_.fresh && !stored_only_) return std::optional<T>();
    SWEETSPOT_ASSIGN_OR_RETURN(const std::optional<AccuracyRow> stored, store_.FindAccuracy(key));
    const json j = stored ? json::parse(stored->eval_json, nullptr, /*allow_exceptions=*/false) : json();
    Result<T> parsed = stored && !j.is_discarded() ? parse(j) : Result<T>(Status::NotFound("not stored"));
    if (!parsed.ok()) {
      if (stored_only_) Skip();
      return std::optional<T>();
    }
    out_.reused++;
    Skip();
    return std::optional<T>(std::move(parsed).value());
  }

  // A finished measurement, stored at once and reported with `summary`.
  Status Record(const MeasurementKey& key, const AccuracyRow& row, const std::string& what,
                const std::string& summary) {
    SWEETSPOT_RETURN_IF_ERROR(store_.PutAccuracy(key, study_id_, row));
    out_.measured++;
    progress_.Report(what, fmt::format("{}: {}", what, summary));
    return Status::Ok();
  }

  // A failed measurement, stored (a rerun tries again) and kept in `failure`.
  Status Failed(const MeasurementKey& key, const RuntimeSetting& setting, const std::string& what, Status status,
                Status* failure) {
    *failure = std::move(status);
    SWEETSPOT_RETURN_IF_ERROR(store_.PutFailure(key, study_id_, "accuracy", setting.Label(), *failure));
    out_.failed++;
    progress_.Report(what, fmt::format("FAILED {}: {}", what, failure->message()));
    return Status::Ok();
  }

  // Each measurement runs in a child process: a runtime that crashes or a
  // model that hangs costs that measurement only (killed after timeout_s).
  ChildLimits Limits() const {
    return {spec_.timeout_s, options_.cancel, "raise [runtime] timeout_s if it needs longer"};
  }

  // One (model, setting) on the labelled persons: from the store, else measured and stored.
  Status MeasureEval(std::size_t i, std::size_t s) {
    if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
    const PlannedModel& planned = plan_.models[i];
    const RuntimeSetting& setting = plan_.settings[s];
    if (!PlanFailure(planned).ok()) {
      out_.eval_failures[i][s] = PlanFailure(planned);
      Skip();
      return Status::Ok();
    }
    if (!variant_ids_[i] || !dataset_id_) {  // stored only: the store never saw the model or the dataset
      Skip();
      return Status::Ok();
    }
    const KeypointEvalRequest request = EvalRequest(i, s);
    json key = ModelKey(request.model, planned, setting);
    key.update({{"task", "keypoints"}, {"padding", request.padding}, {"limit", request.limit}});
    const MeasurementKey stored_key{*variant_ids_[i], environment_id_, *dataset_id_, key.dump()};
    SWEETSPOT_ASSIGN_OR_RETURN(out_.evals[i][s], Find(stored_key, KeypointEvalResultFromJson));
    if (out_.evals[i][s] || stored_only_) return Status::Ok();
    const std::string what = fmt::format("keypoints of {} on {}{}", planned.name, spec_.datasets.front().name,
                                         plan_.settings.size() == 1 ? "" : " [" + setting.Label() + "]");
    progress_.Report(what, "");
    auto isolated = RunKeypointEvalIsolated(options_.self_exe, request, Limits());
    progress_.state.done++;
    if (!isolated.ok()) {
      if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
      return Failed(stored_key, setting, what, WithSpecFixes(isolated.status()), &out_.eval_failures[i][s]);
    }
    KeypointEvalResult& result = isolated->result;
    AccuracyRow row;
    row.sample_count = static_cast<std::int64_t>(result.truth.size());
    // `results` lists top-1: a keypoint row shows its PCK at the primary alpha (the request's first) there.
    row.top1 = isolated->summary.metrics.pck.front().pck.value;
    row.eval_json = DumpJson(ToJson(result));
    row.duration_ms = isolated->wall_ms;
    SWEETSPOT_RETURN_IF_ERROR(
        Record(stored_key, row, what,
               fmt::format("PCK@{:g} {:.1f} % ({} persons, {:.1f} s)", spec_.keypoints.pck_alphas.front(),
                           100 * row.top1, row.sample_count, row.duration_ms / 1000)));
    out_.evals[i][s] = std::move(result);
    return Status::Ok();
  }

  // The model the video run tracks and every other is compared with: the
  // spec's `reference`, else the most accurate at the primary alpha.
  std::optional<std::size_t> Reference(std::size_t s) const {
    std::optional<std::size_t> best;
    double best_pck = -1.0;
    for (std::size_t i = 0; i < plan_.models.size(); ++i) {
      if (!out_.evals[i][s]) continue;
      if (!spec_.reference.empty()) {
        if (plan_.models[i].name == spec_.reference) return i;
        continue;
      }
      const double pck = PrimaryPck(spec_, *out_.evals[i][s]);
      if (pck > best_pck) best = i, best_pck = pck;
    }
    return best;
  }

  KeypointVideoRequest VideoRequest(std::size_t s, std::size_t reference, std::vector<std::size_t>* models,
                                    json* key) const {
    const RuntimeSetting& setting = plan_.settings[s];
    KeypointVideoRequest request;
    json model_keys = json::array();
    for (std::size_t i = 0; i < plan_.models.size(); ++i) {
      if (!out_.evals[i][s]) continue;
      if (i == reference) request.reference = static_cast<int>(models->size());
      models->push_back(i);
      request.models.push_back(EvalRequest(i, s).model);
      model_keys.push_back(ModelKey(request.models.back(), plan_.models[i], setting));
    }
    request.video_path = spec_.video.path.string();
    request.initial = {spec_.video.centre_x_px, spec_.video.centre_y_px, spec_.video.side_px};
    request.max_frames = spec_.video.max_frames;
    request.min_confidence = static_cast<float>(spec_.video.min_confidence);
    request.seed = spec_.seed;
    request.threads = setting.threads;
    request.engine = setting.engine;
    *key = {{"task", "keypoints-video"},
            {"models", model_keys},
            {"reference", request.reference},
            {"initial", {request.initial.cx_px, request.initial.cy_px, request.initial.side_px}},
            {"max_frames", request.max_frames},
            {"setting", setting.Label()}};
    return request;
  }

  // Every evaluated model of setting s on the video, tracked by the reference.
  Status MeasureVideo(std::size_t s) {
    if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
    const std::optional<std::size_t> reference = out_.references[s];
    if (!reference) {
      out_.video_failures[s] = Status::FailedPrecondition(
          spec_.reference.empty()
              ? "no model was evaluated on the labelled persons, so none tracks the video"
              : fmt::format("the reference '{}' was not evaluated, so it cannot track the video", spec_.reference));
      Skip();
      return Status::Ok();
    }
    // Stored only, the report's video note says why it has no stability figures.
    const Status not_stored = Status::NotFound(
        "not measured: no video run of these models is stored for this environment (run the study to make it)");
    if (!video_id_) {  // stored only: the store never saw the video
      out_.video_failures[s] = not_stored;
      Skip();
      return Status::Ok();
    }
    json key;
    std::vector<std::size_t>& models = out_.video_models[s];
    const KeypointVideoRequest request = VideoRequest(s, *reference, &models, &key);
    const MeasurementKey stored_key{*variant_ids_[*reference], environment_id_, *video_id_, key.dump()};
    SWEETSPOT_ASSIGN_OR_RETURN(out_.videos[s], Find(stored_key, KeypointVideoResultFromJson));
    if (out_.videos[s]) return Status::Ok();
    if (stored_only_) {
      out_.video_failures[s] = not_stored;
      return Status::Ok();
    }
    const RuntimeSetting& setting = plan_.settings[s];
    const std::string what = fmt::format("video run of {} model(s) on {}, tracked by {}{}", models.size(),
                                         spec_.video.path.filename().string(), plan_.models[*reference].name,
                                         plan_.settings.size() == 1 ? "" : " [" + setting.Label() + "]");
    progress_.Report(what, "");
    auto isolated = RunKeypointVideoIsolated(options_.self_exe, request, Limits());
    progress_.state.done++;
    if (!isolated.ok()) {
      if (progress_.Cancelled()) return progress_.Interrupted(out_.measured + out_.failed);
      return Failed(stored_key, setting, what,
                    WithSpecFixes(isolated.status()).WithContext(fmt::format("{} [video]", spec_.spec_path.string())),
                    &out_.video_failures[s]);
    }
    KeypointVideoResult& result = isolated->result;
    AccuracyRow row;
    row.sample_count = static_cast<std::int64_t>(result.crops.size());
    row.eval_json = DumpJson(ToJson(result));
    row.duration_ms = isolated->wall_ms;
    SWEETSPOT_RETURN_IF_ERROR(
        Record(stored_key, row, what,
               fmt::format("{} frames{} ({:.1f} s)", row.sample_count, result.note.empty() ? "" : "; " + result.note,
                           row.duration_ms / 1000)));
    out_.videos[s] = std::move(result);
    return Status::Ok();
  }

  const StudySpec& spec_;
  const StudyPlan& plan_;
  ResultsStore& store_;
  const StudyOptions& options_;
  std::int64_t study_id_ = 0, environment_id_ = 0;
  bool stored_only_ = false;  // Stored(): read the store, measure and write nothing
  // Unset only when stored only and the store does not know it.
  std::optional<std::int64_t> dataset_id_, video_id_;
  std::vector<std::optional<std::int64_t>> variant_ids_;  // parallel to plan_.models
  KeypointMeasurements out_;
  RunnerProgress progress_;
};

}  // namespace

Result<StudyReport> RunKeypointStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options) {
  return RunTaskStudy<KeypointRunner>(spec, plan, options, AssembleKeypointReport);
}

// A keypoint study stores no latency row: its environments are those of its evaluations.
Result<EnvironmentsReport> ReportStoredKeypointStudy(const StudySpec& spec, const StudyPlan& plan,
                                                     const StudyOptions& options) {
  return ReportStoredTaskStudy<KeypointRunner>(spec, plan, options, ResultsStore::ResultKind::kAccuracy,
                                               AssembleKeypointReport);
}

}  // namespace sweetspot
