#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/bench_json.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/cpus.h"
#include "sweetspot/dataset.h"
#include "sweetspot/isolated_eval.h"
#include "sweetspot/model_info.h"
#include "sweetspot/results_store.h"
#include "sweetspot/study.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Everything that changes an accuracy figure besides the model and the data.
// nlohmann::json sorts object keys, so dump() is a canonical key.
std::string AccuracySettingsKey(const StudySpec& spec, const StudyModel& model) {
  return json{{"variant", "identity"},
              {"dataset_preprocess", spec.dataset_preprocess_toml},
              {"model_preprocess", model.preprocess_toml},
              {"limit", spec.limit},
              {"seed", spec.seed},
              {"eval_batch", spec.eval_batch},
              {"output_kind", "auto"}}
      .dump();
}

BenchRequest MakeBenchRequest(const StudySpec& spec, const StudyModel& model, const RuntimeSetting& setting) {
  BenchRequest request;
  request.model_path = model.path.string();
  request.options.intra_op_threads = setting.threads > 0 ? setting.threads : DefaultThreadCount();
  request.options.inter_op_threads = 1;
  MeasureConfig& c = request.config;
  c.scenarios = {setting.scenario};
  c.batch_sizes = {setting.batch_size};
  c.stopping.min_duration = std::chrono::duration<double>(spec.duration_s);
  c.stopping.max_duration = std::chrono::duration<double>(spec.max_duration_s);
  c.stopping.min_count = spec.min_count;
  c.stopping.target_relative_half_width = spec.target_ci;
  c.run_duration = std::chrono::duration<double>(spec.duration_s);
  return request;
}

// The request itself, less the model path, is the latency settings key.
std::string LatencySettingsKey(const BenchRequest& request) {
  json j = ToJson(request);
  j.erase("model_path");
  return DumpJson(json{{"variant", "identity"}, {"bench", j}});
}

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
  row.bench_json = DumpJson(ToJson(r, /*include_raw_latencies=*/false));
  row.duration_ms = duration_ms;
  return row;
}

Result<AccuracyRow> ToAccuracyRow(const IsolatedEvalResult& r) {
  try {
    const json& m = r.eval.at("metrics");
    AccuracyRow row;
    row.sample_count = m.at("count").get<std::int64_t>();
    row.top1_correct = m.at("top1_correct").get<std::int64_t>();
    row.top5_correct = m.at("top5_correct").get<std::int64_t>();
    row.top1 = m.at("top1").get<double>();
    row.top5 = m.at("top5").get<double>();
    row.top1_ci = {m.at("top1_ci95").at(0).get<double>(), m.at("top1_ci95").at(1).get<double>(), true};
    row.excluded_count = r.eval.at("dataset").at("excluded_count").get<std::int64_t>();
    row.sample_indices = r.sample_indices;
    row.labels = r.labels;
    row.predicted = r.predicted;
    row.eval_json = DumpJson(r.eval);
    row.duration_ms = r.wall_ms;
    return row;
  } catch (const json::exception& e) {
    return Status::Internal(std::string("the evaluation result lacks a field: ") + e.what());
  }
}

struct ModelState {
  std::int64_t variant_id = 0;
  StoredModel info;
  Status inspect_failure;
  std::optional<AccuracyRow> accuracy;
  Status accuracy_failure;
  std::vector<std::optional<LatencyRow>> latency;  // per setting
  std::vector<Status> latency_failure;
};

struct Task {
  bool accuracy = true;
  std::size_t model = 0;
  std::size_t setting = 0;
  MeasurementKey key;
};

bool IsBadInput(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound || code == StatusCode::kInvalidData ||
         code == StatusCode::kUnsupported;
}

}  // namespace

Result<StudyReport> RunStudy(const StudySpec& spec, const StudyOptions& options) {
  const fs::path db_path = options.db_path.empty() ? spec.spec_path.parent_path() / "sweetspot.db" : options.db_path;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<ResultsStore> store, ResultsStore::Open(db_path));
  const std::string dataset_field = spec.spec_path.string() + " [dataset] path";

  DatasetOptions dataset_options;
  dataset_options.class_names_file = spec.classes_file;
  auto opened = OpenDataset(spec.dataset_path, dataset_options);
  if (!opened.ok()) return opened.status().WithContext(dataset_field);
  const Dataset& dataset = **opened;
  auto dataset_hash = HashDataset(dataset);
  if (!dataset_hash.ok()) return dataset_hash.status().WithContext(dataset_field);
  const std::size_t requested = StratifiedSubset(dataset, spec.limit, spec.seed).size();

  StudyReport report;
  report.study = spec.name;
  report.spec_path = spec.spec_path.string();
  report.db_path = db_path.string();
  report.dataset = dataset.description();
  report.dataset_samples = static_cast<std::int64_t>(requested);
  report.environment = CaptureEnvironment();
  report.constraints = spec.constraints;
  report.objective = spec.objective;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));
  report.backend_version = backend->version();

  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study_id,
                             store->PutStudy(spec.name, spec.spec_path.string(), spec.spec_text));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t environment_id,
                             store->PutEnvironment(report.environment, report.backend_version));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t dataset_id,
                             store->PutDataset({*dataset_hash, dataset.description(),
                                                static_cast<std::int64_t>(dataset.size()), dataset.class_names()}));

  // Identify and inspect every model (static analysis, in this process: it
  // never runs the model).
  std::vector<ModelState> models(spec.models.size());
  std::vector<ResultsStore::CandidateEntry> entries;
  for (std::size_t i = 0; i < spec.models.size(); ++i) {
    const StudyModel& m = spec.models[i];
    ModelState& state = models[i];
    auto hash = HashFile(m.path);
    if (!hash.ok()) return hash.status().WithContext(fmt::format("{} model '{}'", spec.spec_path.string(), m.name));
    state.info.sha256 = *hash;
    state.info.path = m.path.string();
    std::error_code ec;
    state.info.file_bytes = static_cast<std::int64_t>(fs::file_size(m.path, ec));
    auto info = InspectModel(m.path);
    if (info.ok()) {
      state.info.param_count = info->param_count;
      state.info.macs = info->total_macs;
      state.info.weight_bytes = info->weight_bytes;
    } else {
      state.inspect_failure = info.status();
    }
    SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t model_id, store->PutModel(state.info));
    SWEETSPOT_ASSIGN_OR_RETURN(state.variant_id, store->PutIdentityVariant(model_id));
    state.latency.resize(spec.settings.size());
    state.latency_failure.resize(spec.settings.size());
    entries.push_back({m.name, state.variant_id, m.path.string()});
  }
  SWEETSPOT_RETURN_IF_ERROR(store->SetCandidates(study_id, entries));

  // Plan: what is stored is reused, the rest is measured.
  std::vector<Task> tasks;
  for (std::size_t i = 0; i < spec.models.size(); ++i) {
    ModelState& state = models[i];
    if (!state.inspect_failure.ok()) {
      SWEETSPOT_RETURN_IF_ERROR(store->PutFailure({state.variant_id, environment_id, dataset_id, "{}"}, study_id,
                                                  "inspect", "", state.inspect_failure));
      report.failed++;
      continue;
    }
    Task accuracy{
        true, i, 0, {state.variant_id, environment_id, dataset_id, AccuracySettingsKey(spec, spec.models[i])}};
    if (!options.fresh) {
      SWEETSPOT_ASSIGN_OR_RETURN(state.accuracy, store->FindAccuracy(accuracy.key));
    }
    if (state.accuracy) {
      report.reused++;
    } else {
      tasks.push_back(accuracy);
    }
    for (std::size_t s = 0; s < spec.settings.size(); ++s) {
      const BenchRequest request = MakeBenchRequest(spec, spec.models[i], spec.settings[s]);
      Task latency{false, i, s, {state.variant_id, environment_id, 0, LatencySettingsKey(request)}};
      if (!options.fresh) {
        SWEETSPOT_ASSIGN_OR_RETURN(state.latency[s], store->FindLatency(latency.key));
      }
      if (state.latency[s]) {
        report.reused++;
      } else {
        tasks.push_back(latency);
      }
    }
  }

  const ChildLimits limits{spec.timeout_s, options.cancel, "raise [runtime] timeout_s if it needs longer"};
  StudyProgress progress;
  progress.total = tasks.size();
  const auto interrupted = [&] {
    return Status::RuntimeError(fmt::format(
        "interrupted: {} measurement(s) of this run finished and are stored in '{}'; run the same command again to "
        "resume",
        progress.done, db_path.string()));
  };
  for (const Task& task : tasks) {
    if (options.cancel != nullptr && options.cancel->load()) return interrupted();
    const StudyModel& m = spec.models[task.model];
    ModelState& state = models[task.model];
    const RuntimeSetting& setting = spec.settings[task.setting];
    if (!task.accuracy && !state.accuracy_failure.ok()) {
      // The candidate has failed already; its benchmarks would only cost time.
      progress.total--;
      continue;
    }
    const std::string what =
        task.accuracy ? "accuracy of " + m.name : fmt::format("latency of {} [{}]", m.name, setting.Label());
    progress.current = what;
    progress.finished.clear();
    if (options.progress) options.progress(progress);

    Status failure;
    std::string summary;
    if (task.accuracy) {
      EvalRequest request;
      request.model_path = m.path.string();
      request.dataset_path = spec.dataset_path.string();
      request.classes_file = spec.classes_file.string();
      if (!spec.dataset_preprocess_toml.empty()) {
        request.layers.push_back({spec.spec_path.string() + " [dataset.preprocess]", spec.dataset_preprocess_toml});
      }
      if (!m.preprocess_toml.empty()) {
        request.layers.push_back(
            {fmt::format("{} [[models]] '{}' preprocess", spec.spec_path.string(), m.name), m.preprocess_toml});
      }
      request.limit = spec.limit;
      request.seed = spec.seed;
      request.batch_size = spec.eval_batch;
      request.threads = spec.eval_threads;
      request.cache_dir = options.cache_dir.string();
      auto result = RunEvalIsolated(options.self_exe, request, limits);
      auto row = result.ok() ? ToAccuracyRow(*result) : Result<AccuracyRow>(result.status());
      if (row.ok()) {
        SWEETSPOT_RETURN_IF_ERROR(store->PutAccuracy(task.key, study_id, *row));
        summary = fmt::format("{}: top-1 {:.2f} % ({} samples, {:.1f} s)", what, 100 * row->top1, row->sample_count,
                              row->duration_ms / 1000);
        state.accuracy = std::move(row).value();
      } else {
        failure = row.status();
      }
    } else {
      const auto start = std::chrono::steady_clock::now();
      auto result = RunBenchIsolated(options.self_exe, MakeBenchRequest(spec, m, setting), limits);
      if (result.ok()) {
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        LatencyRow row = ToLatencyRow(*result, setting, ms);
        SWEETSPOT_RETURN_IF_ERROR(store->PutLatency(task.key, study_id, row));
        summary = fmt::format("{}: p50 {:.3g} ms, p99 {:.3g} ms, {:.0f} items/s ({:.1f} s)", what, row.p50_ms,
                              row.p99_ms, row.items_per_s, ms / 1000);
        state.latency[task.setting] = std::move(row);
      } else {
        failure = result.status();
      }
    }
    if (!failure.ok()) {
      if (options.cancel != nullptr && options.cancel->load()) return interrupted();
      SWEETSPOT_RETURN_IF_ERROR(store->PutFailure(task.key, study_id, task.accuracy ? "accuracy" : "latency",
                                                  task.accuracy ? "" : setting.Label(), failure));
      (task.accuracy ? state.accuracy_failure : state.latency_failure[task.setting]) = failure;
      summary = fmt::format("FAILED {}: {}", what, failure.message());
      report.failed++;
    } else {
      report.measured++;
    }
    progress.done++;
    progress.finished = summary;
    if (options.progress) options.progress(progress);
  }

  // Candidates: one per (model, setting).
  for (std::size_t i = 0; i < spec.models.size(); ++i) {
    const ModelState& state = models[i];
    for (std::size_t s = 0; s < spec.settings.size(); ++s) {
      Candidate c;
      c.model = spec.models[i].name;
      c.setting = spec.settings[s].Label();
      c.name = spec.settings.size() == 1 ? c.model : fmt::format("{} ({})", c.model, c.setting);
      c.size_bytes = state.info.file_bytes;
      c.param_count = state.info.param_count;
      c.macs = state.info.macs;
      const Status& failed = !state.inspect_failure.ok()    ? state.inspect_failure
                             : !state.accuracy_failure.ok() ? state.accuracy_failure
                                                            : state.latency_failure[s];
      if (!failed.ok()) {
        c.failure = failed.message();
        report.failures.push_back(failed.WithContext(c.name));
      }
      if (state.accuracy) {
        const AccuracyRow& a = *state.accuracy;
        c.eval_count = a.sample_count;
        c.top1 = a.top1;
        c.top1_ci = a.top1_ci;
        c.sample_indices = a.sample_indices;
        c.correct.resize(a.labels.size());
        for (std::size_t k = 0; k < a.labels.size(); ++k) c.correct[k] = a.labels[k] == a.predicted[k];
      }
      if (state.latency[s]) {
        const LatencyRow& l = *state.latency[s];
        c.p50_ms = l.p50_ms;
        c.p99_ms = l.p99_ms;
        c.items_per_s = l.items_per_s;
        c.peak_memory_bytes = l.peak_rss_bytes;
      }
      if (c.failure.empty() && (!state.accuracy || !state.latency[s])) c.failure = "not measured";
      report.candidates.push_back(std::move(c));
    }
  }
  report.analysis = Analyze(report.candidates, report.constraints, report.objective);

  // The reference: the named model (first setting), else the most accurate.
  for (std::size_t i = 0; i < report.candidates.size(); ++i) {
    const Candidate& c = report.candidates[i];
    if (!c.failure.empty()) continue;
    if (!spec.reference.empty()) {
      if (c.model == spec.reference && !report.reference) report.reference = i;
    } else if (!report.reference || c.top1 > report.candidates[*report.reference].top1) {
      report.reference = i;
    }
  }
  for (const Candidate& c : report.candidates) {
    report.reference_p.push_back(
        report.reference && c.failure.empty() ? PairedPValue(c, report.candidates[*report.reference]) : std::nullopt);
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
    closest = fmt::format("; the closest is {}, which {}", report.candidates[i].name, misses);
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
