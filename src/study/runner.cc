#include <algorithm>
#include <cassert>
#include <chrono>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "study/detection_study.h"
#include "study/keypoint_study.h"
#include "study/plan_variants.h"
#include "study/report_header.h"
#include "sweetspot/backend.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/cpus.h"
#include "sweetspot/dataset.h"
#include "sweetspot/isolated_eval.h"
#include "sweetspot/model_info.h"
#include "sweetspot/runtime_agreement.h"
#include "sweetspot/stats.h"
#include "sweetspot/study.h"
#include "sweetspot/study_plan.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ---------------------------------------------------------------- plan

// Everything that changes an accuracy figure besides the model and the data.
// nlohmann::json sorts object keys, so dump() is a canonical key.
// A held-out calibration split, a variant's own preprocessing and an engine
// other than the default enter the key only when present, so the keys of
// earlier studies stay valid.
std::string AccuracySettingsKey(const StudySpec& spec, const StudyModel& model, const PlannedModel& planned,
                                const StudyPlan& plan, const std::string& engine) {
  json key{{"variant", planned.variant},
           {"dataset_preprocess", spec.dataset_preprocess_toml},
           {"model_preprocess", model.preprocess_toml},
           {"limit", spec.limit},
           {"seed", spec.seed},
           {"eval_batch", spec.eval_batch},
           {"output_kind", "auto"}};
  if (!planned.preprocess_override.empty()) key["variant_preprocess"] = planned.preprocess_override;
  if (!plan.holdout.empty()) key["calibration_holdout"] = {{"samples", plan.holdout.size()}, {"seed", spec.seed}};
  if (!planned.size_from_dims_toml.empty()) key["size_from_dims"] = planned.size_from_dims_toml;
  if (engine != kDefaultEngine) key["engine"] = engine;
  return key.dump();
}

// Output rows kept per accuracy run for comparing engines (4 bytes each, stored
// with the samples): CIFAR-10's 10,000 test images x 10 classes fit; a larger
// evaluation keeps none and its engines are compared by predictions only.
constexpr std::uint64_t kMaxStoredScoreValues = 250'000;

EvalRequest MakeEvalRequest(const StudySpec& spec, const StudyModel& model, const PlannedModel& planned,
                            const StudyPlan& plan, const fs::path& cache_dir, const std::string& engine) {
  EvalRequest request;
  request.engine = engine;
  request.max_score_values = kMaxStoredScoreValues;
  request.model_path = planned.path.string();
  request.dataset_path = spec.dataset_path.string();
  request.classes_file = spec.classes_file.string();
  request.layers = ModelPreprocessLayers(spec, model, planned.preprocess_override);
  if (!planned.size_from_dims_toml.empty()) {
    request.layers.push_back(
        {PreprocessSource(fmt::format("{} [[models]] '{}' dims", spec.spec_path.string(), model.name),
                          /*has_lines=*/false),
         planned.size_from_dims_toml, ""});
  }
  request.limit = spec.limit;
  request.seed = spec.seed;
  request.exclude_indices = plan.holdout;
  request.batch_size = spec.eval_batch;
  request.threads = spec.eval_threads;
  request.cache_dir = cache_dir.string();
  return request;
}

BenchRequest MakeBenchRequest(const StudySpec& spec, const PlannedModel& model, const RuntimeSetting& setting) {
  BenchRequest request;
  request.model_path = model.path.string();
  request.backend = setting.engine;
  ApplyRuntimeSetting(spec, setting, &request.options, &request.config);
  request.inputs.dim_values = model.dims;
  return request;
}

// The request itself, less the model path, is the latency settings key.
// Options added since the first stores enter it only when they differ from
// their defaults, so results stored for default settings are still found.
std::string LatencySettingsKey(const BenchRequest& request, const PlannedModel& planned) {
  json j = ToJson(request);
  j.erase("model_path");
  const BackendOptions defaults;
  json& options = j.at("options");
  if (request.options.allow_spinning == defaults.allow_spinning) options.erase("allow_spinning");
  if (request.options.memory_arena == defaults.memory_arena) options.erase("memory_arena");
  return DumpJson(json{{"variant", planned.variant}, {"bench", j}});
}

// The image input's height and width, where its first input leaves them
// symbolic, are set by the preprocessing size and by the model's `dims` alike
// (as `eval --size` and `bench --dim` would): a size fills the dims the
// benchmark feeds, dims fill a size the preprocessing leaves to the model, and
// two different values are an error naming both. A preprocessing error is left
// for the accuracy run to report.
Status ReconcileImageSize(const StudySpec& spec, const StudyModel& model, PlannedModel* planned) {
  auto preprocess = LayerPreprocessing(model.path, ModelPreprocessLayers(spec, model));
  auto inputs = DeclaredInputs(model.path);
  if (!preprocess.ok() || !inputs.ok() || inputs->empty() || inputs->front().shape.size() != 4) return Status::Ok();
  const TensorInfo& input = inputs->front();  // the first input takes the images
  const bool nchw = preprocess->layout == Layout::kNchw;
  const std::tuple<std::string_view, std::size_t, int> axes[] = {{"height", nchw ? 2 : 1, preprocess->height},
                                                                 {"width", nchw ? 3 : 2, preprocess->width}};
  for (const auto& [what, axis, size] : axes) {
    if (input.shape[axis] >= 0) continue;
    const std::string& symbol = input.dim_names[axis];
    const std::string key = symbol.empty() ? fmt::format("{}:{}", input.name, axis) : symbol;
    const auto given = planned->dims.find(key);
    if (size > 0 && given != planned->dims.end() && given->second != size) {
      return Status::InvalidArgument(fmt::format(
          "{} [[models]] '{}': dims {} = {} but the preprocessing{} sets {} {}; make them agree (or drop one)",
          spec.spec_path.string(), model.name, key, given->second, preprocess->Origin(what), what, size));
    }
    if (size > 0) {
      planned->dims.emplace(key, size);
    } else if (given != planned->dims.end()) {
      planned->size_from_dims_toml += fmt::format("{} = {}\n", what, given->second);
    }
  }
  return Status::Ok();
}

Result<PlannedModel> PlanModel(const StudySpec& spec, const StudyModel& m) {
  PlannedModel planned;
  planned.name = m.name;
  planned.path = m.path;
  auto hash = HashFile(m.path);
  if (!hash.ok()) return hash.status().WithContext(fmt::format("{} model '{}'", spec.spec_path.string(), m.name));
  planned.info.sha256 = *hash;
  planned.info.path = m.path.string();
  std::error_code ec;
  planned.info.file_bytes = static_cast<std::int64_t>(fs::file_size(m.path, ec));
  planned.dims = m.dims;
  SWEETSPOT_RETURN_IF_ERROR(ReconcileImageSize(spec, m, &planned));
  InspectOptions inspect;
  inspect.dim_values = planned.dims;
  auto info = InspectModel(m.path, inspect);
  if (info.ok()) {
    planned.info.param_count = info->param_count;
    planned.info.macs = info->total_macs;
    planned.info.weight_bytes = info->weight_bytes;
  } else {
    planned.inspect_failure = WithSpecFixes(info.status());
  }
  return planned;
}

// Two entries with the same content would be ranked against each other on
// timing noise alone.
Status CheckDistinct(const StudySpec& spec, const std::vector<PlannedModel>& models) {
  std::map<std::string, std::string> by_hash;
  for (const PlannedModel& m : models) {
    const auto [it, inserted] = by_hash.emplace(m.info.sha256, m.name);
    if (inserted) continue;
    return Status::InvalidArgument(
        fmt::format("{} [[models]]: '{}' and '{}' are the same model (identical file content, sha256 {}...); list it "
                    "once",
                    spec.spec_path.string(), it->second, m.name, m.info.sha256.substr(0, 12)));
  }
  return Status::Ok();
}

// A variant as a planned model; one identical to its parent or another
// listed model (the transform changed nothing) fails rather than being ranked
// against it. One identical to another variant is left to SameVariantOf.
Result<PlannedModel> PlanDerived(const StudySpec& spec, const DerivedModel& derived, const StudyPlan& plan) {
  PlannedModel planned;
  if (derived.failure.ok()) {
    SWEETSPOT_ASSIGN_OR_RETURN(planned, PlanModel(spec, derived.model));
  } else {
    planned.name = derived.model.name;
    planned.path = derived.model.path;
    // The store needs an identity for the variant that could not be made.
    planned.info.sha256 =
        Sha256Hex(fmt::format("unmade variant\n{}\n{}", derived.model.path.string(), derived.canonical));
    planned.info.path = derived.model.path.string();
    planned.variant_failure = WithSpecFixes(derived.failure);
  }
  planned.parent = derived.parent;
  planned.variant = derived.canonical;
  planned.lineage = derived.lineage;
  planned.notes = derived.notes;
  planned.sqnr = derived.sqnr;
  planned.preprocess_override = derived.preprocess_override;
  for (const PlannedModel& other : plan.models) {
    if (planned.variant_failure.ok() && !other.parent && other.info.sha256 == planned.info.sha256) {
      // The notes (what the transform kept) are in the report's variant block.
      planned.variant_failure = Status::InvalidArgument(
          fmt::format("{} is identical to '{}': the transform changed nothing; remove it from variants",
                      derived.canonical, other.name));
    }
  }
  return planned;
}

// The variant already planned whose file `planned` equals, if any.
std::optional<std::size_t> SameVariantOf(const PlannedModel& planned, const StudyPlan& plan) {
  if (!planned.variant_failure.ok()) return std::nullopt;
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    if (plan.models[i].parent && plan.models[i].info.sha256 == planned.info.sha256) return i;
  }
  return std::nullopt;
}

// "the same model as large/int8-static:minmax ...", first of a same variant's notes.
std::string SameVariantLine(const StudyPlan& plan, const StudyPlan::SameVariant& same) {
  const std::string& other = plan.models[same.same_as].name;
  if (ParseVariantSpec(same.variant).value().transform == Transform::kInt8Aware) {
    return fmt::format(
        "the accuracy-aware search kept every layer quantized (step 0 within the budget): the same model as {}, "
        "measured once, under that name",
        other);
  }
  return fmt::format("the same model as {} (identical file), measured once, under that name", other);
}

// ---------------------------------------------------------------- run

}  // namespace

LatencyRow ToLatencyRow(const BenchResult& r, const RuntimeSetting& setting, double duration_ms) {
  LatencyRow row;
  row.setting = setting.Label();
  row.scenario = std::string(ScenarioName(setting.scenario));
  row.batch_size = setting.batch_size;
  row.threads = setting.threads;
  const LatencyRecord* latency = nullptr;
  if (setting.scenario == Scenario::kSingleStream && r.single_stream) {
    latency = &r.single_stream->latency;
    row.items_per_s = r.single_stream->items_per_s;
    row.converged = r.single_stream->converged;
  } else if (!r.offline.empty()) {
    latency = &r.offline.front().batch_latency;
    row.items_per_s = r.offline.front().items_per_s;
    row.converged = true;  // offline runs for a fixed time; there is no interval to converge
  }
  if (latency != nullptr) {
    row.p50_ms = latency->summary_ms.p50;
    row.p90_ms = latency->summary_ms.p90;
    row.p99_ms = latency->summary_ms.p99;
    row.mean_ms = latency->summary_ms.mean;
    row.sample_count = static_cast<std::int64_t>(latency->summary_ms.count);
    row.raw_ms = latency->raw_ms;
  }
  row.load_ms = r.load_ms;
  row.first_inference_ms = r.first_inference_ms;
  row.peak_rss_bytes = r.memory.process_peak_rss_bytes;
  // Isolated against the runtime baseline (wait4 peaks), or measured in process.
  if (r.memory.runtime_baseline_rss_bytes > 0 || r.memory.measured) row.model_rss_bytes = r.memory.model_rss_bytes;
  row.bench_json = DumpJson(ToJson(r, /*include_raw_latencies=*/false));
  row.duration_ms = duration_ms;
  return row;
}

namespace {

// The stored bench result's CPU time per inference of its one scenario; 0
// when it has none (stored before CPU time was measured) or cannot be read.
double CpuMsPerInference(const LatencyRow& row) {
  const json j = json::parse(row.bench_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto result = BenchResultFromJson(j);
  if (!result.ok()) return 0;
  if (result->single_stream) return result->single_stream->cpu_ms_per_inference;
  return result->offline.empty() ? 0 : result->offline.front().cpu_ms_per_inference;
}

AccuracyRow ToAccuracyRow(const IsolatedEvalResult& r) {
  const EvalSummary& s = r.summary;
  AccuracyRow row;
  row.sample_count = s.metrics.count;
  row.top1_correct = s.metrics.top1_correct;
  row.top5_correct = s.metrics.top5_correct;
  row.top1 = s.metrics.top1;
  row.top5 = s.metrics.top5;
  row.top1_ci = s.metrics.top1_ci;
  row.excluded_count = s.excluded_count;
  row.sample_indices = s.sample_indices;
  row.labels = s.labels;
  row.predicted = s.predicted;
  row.scores = s.scores;
  row.eval_json = DumpJson(ToJson(s, /*include_samples=*/false));  // the samples are stored apart
  row.duration_ms = r.wall_ms;
  return row;
}

// Measures a plan's measurements in child processes, reusing stored ones.
class PlanRunner {
 public:
  PlanRunner(const StudySpec& spec, const StudyPlan& plan, ResultsStore& store, const StudyContext& context,
             const StudyOptions& options)
      : spec_(spec), plan_(plan), store_(store), context_(context), options_(options) {}

  Result<StudyMeasurements> Run() {
    out_ = EmptyMeasurements(plan_);
    SWEETSPOT_RETURN_IF_ERROR(RegisterModels());
    std::vector<const PlannedMeasurement*> todo;
    SWEETSPOT_RETURN_IF_ERROR(TakeStored(&todo));
    progress_.total = todo.size();
    for (const PlannedMeasurement* m : todo) SWEETSPOT_RETURN_IF_ERROR(Measure(*m));
    return std::move(out_);
  }

 private:
  MeasurementKey Key(const PlannedMeasurement& m) const {
    const bool accuracy = m.kind == MeasurementKind::kAccuracy;
    return {variant_ids_[m.model], context_.environment_id, accuracy ? context_.dataset_id : 0, m.settings_key};
  }

  Status RegisterModels() {
    SWEETSPOT_ASSIGN_OR_RETURN(variant_ids_, RegisterPlanModels(store_, plan_, context_.study_id));
    return Status::Ok();
  }

  // What is stored is reused (unless `fresh`); the rest goes to `todo`.
  Status TakeStored(std::vector<const PlannedMeasurement*>* todo) {
    for (std::size_t i = 0; i < plan_.models.size(); ++i) {
      const PlannedModel& model = plan_.models[i];
      if (model.inspect_failure.ok() && model.variant_failure.ok()) continue;
      const bool variant = !model.variant_failure.ok();
      const MeasurementKey key{variant_ids_[i], context_.environment_id, context_.dataset_id, "{}"};
      SWEETSPOT_RETURN_IF_ERROR(store_.PutFailure(key, context_.study_id, variant ? "variant" : "inspect", "",
                                                  variant ? model.variant_failure : model.inspect_failure));
      out_.failed++;
    }
    for (const PlannedMeasurement& m : plan_.measurements) {
      if (!plan_.models[m.model].inspect_failure.ok() || !plan_.models[m.model].variant_failure.ok()) continue;
      ModelMeasurements& found = out_.models[m.model];
      bool stored = false;
      if (!options_.fresh && m.kind == MeasurementKind::kAccuracy) {
        SWEETSPOT_ASSIGN_OR_RETURN(found.accuracy[m.engine], store_.FindAccuracy(Key(m)));
        stored = found.accuracy[m.engine].has_value();
      } else if (!options_.fresh) {
        SWEETSPOT_ASSIGN_OR_RETURN(found.latency[m.setting], store_.FindLatency(Key(m)));
        stored = found.latency[m.setting].has_value();
      }
      if (stored) {
        out_.reused++;
      } else {
        todo->push_back(&m);
      }
    }
    return Status::Ok();
  }

  Status Interrupted() const {
    return Status::RuntimeError(fmt::format(
        "interrupted: {} measurement(s) of this run finished and are stored in '{}'; run the same command again to "
        "resume",
        progress_.done, context_.db_path.string()));
  }

  bool Cancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }

  void Warn(const std::string& warning) {
    if (std::find(out_.warnings.begin(), out_.warnings.end(), warning) == out_.warnings.end()) {
      out_.warnings.push_back(warning);
    }
  }

  // Runs one measurement; Ok with `failure` set when only the measurement failed.
  Result<std::string> RunOne(const PlannedMeasurement& m, const std::string& what, Status* failure) {
    const ChildLimits limits{spec_.timeout_s, options_.cancel, "raise [runtime] timeout_s if it needs longer"};
    ModelMeasurements& found = out_.models[m.model];
    if (m.kind == MeasurementKind::kAccuracy) {
      auto result = RunEvalIsolated(options_.self_exe, m.eval, limits);
      if (!result.ok()) return (*failure = result.status(), std::string());
      if (!result->summary.cache_warning.empty()) Warn(result->summary.cache_warning);
      AccuracyRow row = ToAccuracyRow(*result);
      SWEETSPOT_RETURN_IF_ERROR(store_.PutAccuracy(Key(m), context_.study_id, row));
      const std::string summary = fmt::format("{}: top-1 {:.2f} % ({} samples, {:.1f} s)", what, 100 * row.top1,
                                              row.sample_count, row.duration_ms / 1000);
      found.accuracy[m.engine] = std::move(row);
      return summary;
    }
    const auto start = std::chrono::steady_clock::now();
    auto baseline = runtime_baselines_.find(m.bench.backend);
    if (baseline == runtime_baselines_.end()) {  // measured once per engine, before its first benchmark
      auto measured = MeasureRuntimeBaseline(options_.self_exe, m.bench, limits);
      if (!measured.ok()) {
        if (Cancelled()) return Interrupted();
        return (*failure = measured.status(), std::string());  // this engine fails; the others go on
      }
      baseline = runtime_baselines_.emplace(m.bench.backend, measured->peak_rss_bytes).first;
    }
    auto result = RunBenchIsolated(options_.self_exe, m.bench, limits);
    if (!result.ok()) return (*failure = result.status(), std::string());
    ApplyRuntimeBaseline(*result, baseline->second);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    LatencyRow row = ToLatencyRow(*result, plan_.settings[m.setting], ms);
    SWEETSPOT_RETURN_IF_ERROR(store_.PutLatency(Key(m), context_.study_id, row));
    const std::string summary = fmt::format("{}: p50 {:.3g} ms, p99 {:.3g} ms, {:.0f} items/s ({:.1f} s)", what,
                                            row.p50_ms, row.p99_ms, row.items_per_s, ms / 1000);
    found.latency[m.setting] = std::move(row);
    return summary;
  }

  Status Measure(const PlannedMeasurement& m) {
    if (Cancelled()) return Interrupted();
    ModelMeasurements& found = out_.models[m.model];
    if (m.kind == MeasurementKind::kLatency && !found.accuracy_failure[plan_.EngineOf(m.setting)].ok()) {
      progress_.total--;  // the candidate has failed already in this engine; its benchmarks would only cost time
      return Status::Ok();
    }
    const std::string what = m.Label(plan_);
    progress_.current = what;
    progress_.finished.clear();
    if (options_.progress) options_.progress(progress_);
    Status failure;
    SWEETSPOT_ASSIGN_OR_RETURN(std::string summary, RunOne(m, what, &failure));
    failure = WithSpecFixes(failure);  // the child names fields; this spec's keys set them
    if (!failure.ok()) {
      if (Cancelled()) return Interrupted();
      const bool accuracy = m.kind == MeasurementKind::kAccuracy;
      const std::string& engine = plan_.engines[m.engine];
      const std::string setting =
          accuracy ? (engine == kDefaultEngine ? "" : engine) : plan_.settings[m.setting].Label();
      SWEETSPOT_RETURN_IF_ERROR(
          store_.PutFailure(Key(m), context_.study_id, accuracy ? "accuracy" : "latency", setting, failure));
      (accuracy ? found.accuracy_failure[m.engine] : found.latency_failure[m.setting]) = failure;
      summary = fmt::format("FAILED {}: {}", what, failure.message());
      out_.failed++;
    } else {
      out_.measured++;
    }
    progress_.done++;
    progress_.finished = summary;
    if (options_.progress) options_.progress(progress_);
    return Status::Ok();
  }

  const StudySpec& spec_;
  const StudyPlan& plan_;
  ResultsStore& store_;
  const StudyContext& context_;
  const StudyOptions& options_;
  std::vector<std::int64_t> variant_ids_;                  // parallel to plan_.models
  std::map<std::string, std::int64_t> runtime_baselines_;  // per engine: peak RSS of a child loading no model
  StudyMeasurements out_;
  StudyProgress progress_;
};

// ---------------------------------------------------------------- assemble

Candidate MakeCandidate(const StudyPlan& plan, const StudyMeasurements& measured, std::size_t i, std::size_t s,
                        std::vector<Status>* failures) {
  const PlannedModel& model = plan.models[i];
  const ModelMeasurements& found = measured.models[i];
  const std::size_t engine = plan.EngineOf(s);
  const std::optional<AccuracyRow>& accuracy = found.accuracy[engine];
  Candidate c = PlannedCandidate(plan, i, s);
  const Status& failed = !model.variant_failure.ok()            ? model.variant_failure
                         : !model.inspect_failure.ok()          ? model.inspect_failure
                         : !found.accuracy_failure[engine].ok() ? found.accuracy_failure[engine]
                                                                : found.latency_failure[s];
  if (!failed.ok()) {
    c.failure = failed.message();
    failures->push_back(failed.WithContext(c.name));
  }
  if (accuracy) {
    const AccuracyRow& a = *accuracy;
    c.eval_count = a.sample_count;
    c.top1 = a.top1;
    c.top1_ci = a.top1_ci;
    c.sample_indices = a.sample_indices;
    c.correct.resize(a.labels.size());
    for (std::size_t k = 0; k < a.labels.size(); ++k) c.correct[k] = a.labels[k] == a.predicted[k];
  }
  if (found.latency[s]) {
    const LatencyRow& l = *found.latency[s];
    c.p50_ms = l.p50_ms;
    c.p99_ms = l.p99_ms;
    c.items_per_s = l.items_per_s;
    c.cpu_ms_per_inference = CpuMsPerInference(l);
    c.peak_memory_bytes = l.peak_rss_bytes;
    c.model_memory_bytes = l.model_rss_bytes.value_or(0);
    c.latency_ms = l.raw_ms;
    FillLatencyIntervals(&c);
  }
  if (c.failure.empty() && (!accuracy || !found.latency[s])) c.failure = "not measured";
  return c;
}

// The hygiene warnings stored inside a candidate's latency row (its bench JSON).
std::vector<HygieneWarning> StoredWarnings(const ModelMeasurements& found, std::size_t s) {
  if (!found.latency[s]) return {};
  const json bench = json::parse(found.latency[s]->bench_json, nullptr, /*allow_exceptions=*/false);
  if (!bench.is_object() || !bench.contains("warnings")) return {};
  try {
    return bench.at("warnings").get<std::vector<HygieneWarning>>();
  } catch (const json::exception&) {
    return {};  // a malformed row warns of nothing rather than failing the report
  }
}

// The named model (first setting), else the most accurate.
std::optional<std::size_t> FindReference(const std::vector<Candidate>& candidates, const std::string& name) {
  std::optional<std::size_t> reference;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (!c.failure.empty()) continue;
    if (!name.empty()) {
      if (c.model == name && !reference) reference = i;
    } else if (!reference || c.top1 > candidates[*reference].top1) {
      reference = i;
    }
  }
  return reference;
}

// What each variant is made of, and, for a variant measurably slower than its
// parent in a setting (the throughput ratio's interval excludes 1), the
// verdict that explains why (graph_diagnosis.h); a point estimate below the
// parent's within the noise is "no measurable speed difference" instead.
void AddVariantDiagnoses(const StudyPlan& plan, StudyReport* report) {
  const std::size_t settings = plan.settings.size();
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    const PlannedModel& m = plan.models[i];
    if (!m.parent) continue;
    StudyReport::VariantInfo info;
    info.model = m.name;
    info.parent = plan.models[*m.parent].name;
    info.transform = m.variant;
    info.notes = m.notes;
    constexpr std::size_t kWorstLayers = 5;
    info.sqnr_layers = m.sqnr.size();
    info.sqnr_worst.assign(m.sqnr.begin(), m.sqnr.begin() + std::min(m.sqnr.size(), kWorstLayers));
    if (m.diagnosis) info.diagnosis = DescribeDiagnosis(*m.diagnosis);
    const auto& parent_diagnosis = plan.models[*m.parent].diagnosis;
    for (std::size_t s = 0; s < settings && m.diagnosis && parent_diagnosis; ++s) {
      const Candidate& variant = report->candidates[i * settings + s];
      const Candidate& parent = report->candidates[*m.parent * settings + s];
      if (!variant.failure.empty() || !parent.failure.empty() || variant.items_per_s >= parent.items_per_s) continue;
      auto& reasons = report->analysis.candidates[i * settings + s].reasons;
      const SpeedRatio slower = SpeedupOf(parent, variant, SpeedFigure::kItemsPerS);
      if (slower.ci.valid && !slower.Measurable()) {
        reasons.push_back(fmt::format("not slower than {}: {}", parent.name, DescribeSpeedup(slower)));
        continue;
      }
      const std::string verdict = SlowerVariantVerdict(*m.diagnosis, *parent_diagnosis);
      if (verdict.empty()) continue;
      reasons.push_back(fmt::format("slower than {} ({}): {}", parent.name,
                                    DescribeSpeedup(SpeedupOf(variant, parent, SpeedFigure::kItemsPerS)), verdict));
      if (info.verdict.empty()) info.verdict = verdict;
    }
    report->variants.push_back(std::move(info));
  }
  for (const StudyPlan::SameVariant& same : plan.same_variants) {
    StudyReport::VariantInfo info;
    info.model = same.name;
    info.parent = plan.models[same.parent].name;
    info.transform = same.variant;
    info.notes = same.notes;
    info.notes.insert(info.notes.begin(), SameVariantLine(plan, same));
    info.same_as = plan.models[same.same_as].name;
    report->variants.push_back(std::move(info));
  }
}

SampleOutputs OutputsOf(const AccuracyRow& row) { return {row.sample_indices, row.labels, row.predicted, row.scores}; }

// Each model's outputs under engine `e` against the reference engine's.
std::vector<StudyReport::EngineModel> EngineModels(const StudyPlan& plan, const StudyMeasurements& measured,
                                                   std::size_t e) {
  std::vector<StudyReport::EngineModel> models;
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    StudyReport::EngineModel m{plan.models[i].name, std::nullopt, ""};
    const auto& accuracy = measured.models[i].accuracy;
    if (e == 0) {
      m.note = "reference engine";
    } else if (!accuracy[0] || !accuracy[e]) {
      m.note = !accuracy[e] ? "not measured under this engine" : "not measured under the reference engine";
    } else if (auto agreement = CompareRuntimeOutputs(OutputsOf(*accuracy[e]), OutputsOf(*accuracy[0]));
               agreement.ok()) {
      m.agreement = *agreement;
    } else {
      m.note = agreement.status().message();
    }
    models.push_back(std::move(m));
  }
  return models;
}

// The index of the setting that differs from settings[s] only by its engine,
// which is `engine`.
std::optional<std::size_t> SameSettingUnder(const StudyPlan& plan, std::size_t s, const std::string& engine) {
  RuntimeSetting wanted = plan.settings[s];
  wanted.engine = engine;
  for (std::size_t t = 0; t < plan.settings.size(); ++t) {
    if (plan.settings[t].engine == engine && plan.settings[t].Label() == wanted.Label()) return t;
  }
  return std::nullopt;
}

// Through SpeedupOf: the same interval rule as every other speed ratio.
void AddEngineRatios(const StudyPlan& plan, StudyReport* report) {
  const std::string& reference_engine = plan.engines.front();
  const std::size_t settings = plan.settings.size();
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    for (std::size_t s = 0; s < settings; ++s) {
      if (plan.settings[s].engine == reference_engine) continue;
      const auto r = SameSettingUnder(plan, s, reference_engine);
      if (!r) continue;
      const Candidate& candidate = report->candidates[i * settings + s];
      const Candidate& reference = report->candidates[i * settings + *r];
      if (candidate.latency_ms.empty() || reference.latency_ms.empty()) continue;
      RuntimeSetting plain = plan.settings[s];
      plain.engine = std::string(kDefaultEngine);
      const SpeedRatio p50 = SpeedupOf(candidate, reference, SpeedFigure::kP50);
      report->engine_ratios.push_back(
          {plan.models[i].name, plain.Label(), plan.settings[s].engine, reference_engine, p50.ratio, p50.ci});
    }
  }
}

// Per engine: its candidates, their analysis alone and their agreement with
// the reference engine; then the speed ratios between engines.
void AddEngineSections(const StudyPlan& plan, const StudyMeasurements& measured, StudyReport* report) {
  if (plan.engines.size() < 2) return;
  const std::size_t settings = plan.settings.size();
  for (std::size_t e = 0; e < plan.engines.size(); ++e) {
    StudyReport::EngineSection section{plan.engines[e], {}, {}, EngineModels(plan, measured, e)};
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < plan.models.size(); ++i) {
      for (std::size_t s = 0; s < settings; ++s) {
        if (plan.EngineOf(s) != e) continue;
        section.candidates.push_back(i * settings + s);
        candidates.push_back(report->candidates[i * settings + s]);
      }
    }
    section.analysis = Analyze(candidates, report->constraints, report->objective);
    report->engines.push_back(std::move(section));
  }
  AddEngineRatios(plan, report);
}

std::optional<std::size_t> PlannedIndex(const StudyPlan& plan, const std::string& name) {
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    if (plan.models[i].name == name) return i;
  }
  return std::nullopt;
}

// [cascade] on the first setting both candidates were timed in, with the
// accuracy rows of that setting's engine; the note says why there is none.
void AddCascade(const CascadeSpec& spec, const StudyPlan& plan, const StudyMeasurements& measured,
                StudyReport* report) {
  const auto fast = PlannedIndex(plan, spec.fast);
  const auto accurate = PlannedIndex(plan, spec.accurate);
  if (!fast || !accurate) {
    report->cascade_note = fmt::format("[cascade] {} is no candidate of this study", fast ? spec.accurate : spec.fast);
    return;
  }
  const ModelMeasurements& f = measured.models[*fast];
  const ModelMeasurements& a = measured.models[*accurate];
  for (std::size_t s = 0; s < plan.settings.size(); ++s) {
    const std::size_t engine = plan.EngineOf(s);
    if (!f.latency[s] || !a.latency[s] || !f.accuracy[engine] || !a.accuracy[engine]) continue;
    CascadeOptions options;
    options.max_drop_points = spec.max_drop_points;
    auto analysis = AnalyzeCascade({spec.fast, *f.accuracy[engine], *f.latency[s]},
                                   {spec.accurate, *a.accuracy[engine], *a.latency[s]}, options);
    if (analysis.ok()) {
      report->cascade = std::move(analysis).value();
    } else {
      report->cascade_note = analysis.status().message();
    }
    return;
  }
  report->cascade_note =
      fmt::format("{} and {} were not both measured (accuracy and latency) in any setting", spec.fast, spec.accurate);
}

bool IsBadInput(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound || code == StatusCode::kInvalidData ||
         code == StatusCode::kUnsupported || code == StatusCode::kFailedPrecondition;
}

}  // namespace

void ApplyRuntimeSetting(const StudySpec& spec, const RuntimeSetting& setting, BackendOptions* options,
                         MeasureConfig* config) {
  options->intra_op_threads = setting.threads > 0 ? setting.threads : DefaultThreadCount();
  options->inter_op_threads = setting.inter_op_threads;
  options->graph_optimization = setting.graph_optimization;
  options->execution_mode = setting.execution_mode;
  options->allow_spinning = setting.allow_spinning;
  options->memory_arena = setting.memory_arena;
  config->scenarios = {setting.scenario};
  config->batch_sizes = {setting.batch_size};
  config->stopping.min_duration = std::chrono::duration<double>(spec.duration_s);
  config->stopping.max_duration = std::chrono::duration<double>(spec.max_duration_s);
  config->stopping.min_count = spec.min_count;
  config->stopping.target_relative_half_width = spec.target_ci;
  config->run_duration = std::chrono::duration<double>(spec.duration_s);
}

Result<std::vector<std::int64_t>> RegisterPlanModels(ResultsStore& store, const StudyPlan& plan,
                                                     std::int64_t study_id) {
  std::vector<std::int64_t> variant_ids;
  std::vector<ResultsStore::CandidateEntry> entries;
  for (const PlannedModel& m : plan.models) {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t model_id, store.PutModel(m.info));
    SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t variant_id,
                               m.parent ? store.PutDerivedVariant(model_id, variant_ids[*m.parent], m.lineage.transform,
                                                                  m.lineage.parameters_json)
                                        : store.PutIdentityVariant(model_id));
    variant_ids.push_back(variant_id);
    entries.push_back({m.name, variant_id, m.path.string()});
  }
  SWEETSPOT_RETURN_IF_ERROR(store.SetCandidates(study_id, entries));
  return variant_ids;
}

Candidate PlannedCandidate(const StudyPlan& plan, std::size_t i, std::size_t s) {
  const PlannedModel& model = plan.models[i];
  Candidate c;
  c.model = model.name;
  c.setting = plan.settings[s].Label();
  c.name = plan.settings.size() == 1 ? c.model : fmt::format("{} ({})", c.model, c.setting);
  if (model.parent) {
    c.parent = plan.models[*model.parent].name;
    c.transform = model.variant;
  }
  c.size_bytes = model.info.file_bytes;
  c.param_count = model.info.param_count;
  c.macs = model.info.macs;
  return c;
}

Status PlanFailure(const PlannedModel& model) {
  return !model.variant_failure.ok() ? model.variant_failure : model.inspect_failure;
}

StudyMeasurements EmptyMeasurements(const StudyPlan& plan) {
  StudyMeasurements out;
  out.models.resize(plan.models.size());
  for (ModelMeasurements& m : out.models) {
    m.accuracy.resize(plan.engines.size());
    m.accuracy_failure.resize(plan.engines.size());
    m.latency.resize(plan.settings.size());
    m.latency_failure.resize(plan.settings.size());
  }
  return out;
}

std::size_t StudyPlan::EngineOf(std::size_t setting) const {
  const auto found = std::find(engines.begin(), engines.end(), settings[setting].engine);
  assert(found != engines.end());
  return static_cast<std::size_t>(found - engines.begin());
}

std::string PlannedMeasurement::Label(const StudyPlan& plan) const {
  const std::string& name = plan.models[model].name;
  if (kind == MeasurementKind::kAccuracy) {
    const std::string& name_of_engine = plan.engines[engine];
    return name_of_engine == kDefaultEngine ? "accuracy of " + name
                                            : fmt::format("accuracy of {} [{}]", name, name_of_engine);
  }
  return fmt::format("latency of {} [{}]", name, plan.settings[setting].Label());
}

Result<StudyPlan> PlanStudy(const StudySpec& spec, const fs::path& cache_dir,
                            const std::function<void(const std::string&)>& made) {
  StudyPlan plan;
  plan.settings = spec.settings;
  for (const RuntimeSetting& setting : plan.settings) {
    if (std::find(plan.engines.begin(), plan.engines.end(), setting.engine) == plan.engines.end()) {
      plan.engines.push_back(setting.engine);
    }
  }
  std::vector<StudyModel> sources = spec.models;  // parallel to plan.models
  for (const StudyModel& m : spec.models) {
    SWEETSPOT_ASSIGN_OR_RETURN(PlannedModel planned, PlanModel(spec, m));
    plan.models.push_back(std::move(planned));
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckDistinct(spec, plan.models));
  SWEETSPOT_ASSIGN_OR_RETURN(VariantsPlan variants, PlanVariants(spec, cache_dir, made));
  plan.calibration = variants.calibration;
  plan.calibration_samples = variants.calibration_samples;
  plan.holdout = variants.holdout;
  for (const DerivedModel& derived : variants.derived) {
    SWEETSPOT_ASSIGN_OR_RETURN(PlannedModel planned, PlanDerived(spec, derived, plan));
    if (auto same = SameVariantOf(planned, plan)) {
      plan.same_variants.push_back({planned.name, *same, *planned.parent, planned.variant, planned.notes});
      continue;
    }
    plan.models.push_back(std::move(planned));
    sources.push_back(derived.model);
  }
  DiagnoseVariants(StudyVariantDir(cache_dir), &plan);
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    for (std::size_t e = 0; e < plan.engines.size(); ++e) {
      PlannedMeasurement accuracy;
      accuracy.model = i;
      accuracy.engine = e;
      accuracy.settings_key = AccuracySettingsKey(spec, sources[i], plan.models[i], plan, plan.engines[e]);
      accuracy.eval = MakeEvalRequest(spec, sources[i], plan.models[i], plan, cache_dir, plan.engines[e]);
      plan.measurements.push_back(std::move(accuracy));
    }
    for (std::size_t s = 0; s < plan.settings.size(); ++s) {
      PlannedMeasurement latency;
      latency.kind = MeasurementKind::kLatency;
      latency.model = i;
      latency.setting = s;
      latency.bench = MakeBenchRequest(spec, plan.models[i], plan.settings[s]);
      latency.settings_key = LatencySettingsKey(latency.bench, plan.models[i]);
      plan.measurements.push_back(std::move(latency));
    }
  }
  return plan;
}

Result<StudyMeasurements> RunStudyPlan(const StudySpec& spec, const StudyPlan& plan, ResultsStore& store,
                                       const StudyContext& context, const StudyOptions& options) {
  return PlanRunner(spec, plan, store, context, options).Run();
}

StudyReport AssembleReport(const StudySpec& spec, const StudyPlan& plan, const StudyMeasurements& measured) {
  StudyReport report = NewStudyReport(spec, plan, measured.measured, measured.reused, measured.failed);
  for (const auto& w : measured.warnings) {
    if (std::find(report.warnings.begin(), report.warnings.end(), w) == report.warnings.end()) {
      report.warnings.push_back(w);
    }
  }
  report.calibration = plan.calibration;
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    for (std::size_t s = 0; s < plan.settings.size(); ++s) {
      report.candidates.push_back(MakeCandidate(plan, measured, i, s, &report.failures));
      report.measurement_warnings.push_back(StoredWarnings(measured.models[i], s));
    }
  }
  report.analysis = Analyze(report.candidates, report.constraints, report.objective);
  AddVariantDiagnoses(plan, &report);
  AddEngineSections(plan, measured, &report);
  if (spec.cascade) AddCascade(*spec.cascade, plan, measured, &report);
  report.reference = FindReference(report.candidates, spec.reference);
  for (const Candidate& c : report.candidates) {
    report.reference_p.push_back(
        report.reference && c.failure.empty() ? PairedPValue(c, report.candidates[*report.reference]) : std::nullopt);
  }
  return report;
}

void FillReportHeader(const StudySpec& spec, const StudyPlan& plan, const Dataset& dataset, const fs::path& db_path,
                      StudyReport* report) {
  report->db_path = db_path.string();
  report->dataset = dataset.description();
  report->dataset_notes = dataset.notes();
  report->dataset_classes = dataset.class_names();
  report->dataset_samples =
      static_cast<std::int64_t>(StratifiedSubset(dataset, spec.limit, spec.seed, plan.holdout).size());
}

Result<StudyReport> RunStudy(const StudySpec& spec, const StudyOptions& options) {
  const auto made = [&options](const std::string& line) {
    if (!options.progress) return;
    StudyProgress progress;
    progress.finished = line;
    options.progress(progress);
  };
  SWEETSPOT_ASSIGN_OR_RETURN(const StudyPlan plan, PlanStudy(spec, options.cache_dir, made));
  if (spec.task == StudyTask::kDetection) return RunDetectionStudy(spec, plan, options);
  if (spec.task == StudyTask::kKeypoints) return RunKeypointStudy(spec, plan, options);
  const fs::path db_path = options.db_path.empty() ? spec.spec_path.parent_path() / "sweetspot.db" : options.db_path;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<ResultsStore> store, ResultsStore::Open(db_path));
  const std::string dataset_field = spec.spec_path.string() + " [dataset] path";

  DatasetOptions dataset_options;
  dataset_options.class_names_file = spec.classes_file;
  auto opened = OpenDataset(spec.dataset_path, dataset_options);
  if (!opened.ok()) return opened.status().WithContext(dataset_field);
  const Dataset& dataset = **opened;
  const std::string dataset_hash = DatasetIdentity(dataset);
  const Environment environment = CaptureEnvironment();
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));

  StudyContext context;
  context.db_path = db_path;
  SWEETSPOT_ASSIGN_OR_RETURN(context.study_id, store->PutStudy(spec.name, spec.spec_path.string(), spec.spec_text));
  SWEETSPOT_ASSIGN_OR_RETURN(context.environment_id, store->PutEnvironment(environment, backend->version()));
  SWEETSPOT_ASSIGN_OR_RETURN(context.dataset_id,
                             store->PutDataset({dataset_hash, dataset.description(),
                                                static_cast<std::int64_t>(dataset.size()), dataset.class_names()}));
  SWEETSPOT_ASSIGN_OR_RETURN(const StudyMeasurements measured, RunStudyPlan(spec, plan, *store, context, options));

  StudyReport report = AssembleReport(spec, plan, measured);
  FillReportHeader(spec, plan, dataset, db_path, &report);
  report.environment = environment;
  report.backend_version = backend->version();
  if (options.report_run) {
    SWEETSPOT_RETURN_IF_ERROR(store->PutStudyReport(context.study_id, context.environment_id,
                                                    options.report_run(spec, plan, measured, report)));
  }
  return report;
}

Status StudyOutcome(const StudyReport& report) {
  const auto count = report.failures.size();
  const auto total = report.candidates.size();
  for (const Status& failure : report.failures) {
    if (IsBadInput(failure.code())) {
      return failure.WithContext(fmt::format("{} of {} candidate(s) failed; the first on bad input", count, total));
    }
  }
  if (!report.analysis.recommended && report.analysis.closest) {
    std::string closest;
    const std::size_t i = *report.analysis.closest;
    std::string misses;
    for (const auto& reason : report.analysis.candidates[i].reasons) misses += (misses.empty() ? "" : "; ") + reason;
    closest = fmt::format("; the closest is {}: {}", report.candidates[i].name, misses);
    return Status::InvalidArgument(
        fmt::format("no candidate meets the constraints ({}){}; relax [constraints] in {} or add candidates",
                    DescribeConstraints(report.constraints), closest, report.spec_path));
  }
  if (count > 0) {
    return report.failures.front().WithContext(fmt::format("{} of {} candidate(s) failed; first", count, total));
  }
  return Status::Ok();
}

}  // namespace sweetspot
