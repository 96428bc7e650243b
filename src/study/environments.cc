#include "sweetspot/study_environments.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "study/detection_study.h"
#include "study/keypoint_study.h"
#include "study/report_header.h"
#include "study/task_study.h"
#include "sweetspot/dataset.h"
#include "sweetspot/results_store.h"
#include "sweetspot/study_plan.h"
#include "sweetspot/study_report.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

// The store's variant of each planned model (nullopt: never stored), looked
// up by content hash and lineage, parents before their variants.
Result<std::vector<std::optional<std::int64_t>>> StoredVariants(const StudyPlan& plan, ResultsStore& store) {
  std::vector<std::optional<std::int64_t>> ids;
  for (const PlannedModel& m : plan.models) {
    std::optional<std::int64_t> id;
    if (!m.parent) {
      SWEETSPOT_ASSIGN_OR_RETURN(id, store.FindVariant(m.info.sha256, std::nullopt, "identity", "{}"));
    } else if (const auto parent = ids[*m.parent]) {
      SWEETSPOT_ASSIGN_OR_RETURN(
          id, store.FindVariant(m.info.sha256, *parent, m.lineage.transform, m.lineage.parameters_json));
    }
    ids.push_back(id);
  }
  return ids;
}

// What the store holds for each planned measurement under one environment.
Result<StudyMeasurements> StoredUnder(const StudyPlan& plan, ResultsStore& store,
                                      const std::vector<std::optional<std::int64_t>>& variants,
                                      std::int64_t environment_id, std::int64_t dataset_id) {
  StudyMeasurements out = EmptyMeasurements(plan);
  for (const PlannedMeasurement& m : plan.measurements) {
    if (!variants[m.model]) continue;
    ModelMeasurements& found = out.models[m.model];
    if (m.kind == MeasurementKind::kAccuracy) {
      SWEETSPOT_ASSIGN_OR_RETURN(found.accuracy[m.engine],
                                 store.FindAccuracy({*variants[m.model], environment_id, dataset_id, m.settings_key}));
      out.reused += found.accuracy[m.engine] ? 1 : 0;
    } else {
      SWEETSPOT_ASSIGN_OR_RETURN(found.latency[m.setting],
                                 store.FindLatency({*variants[m.model], environment_id, 0, m.settings_key}));
      out.reused += found.latency[m.setting] ? 1 : 0;
    }
  }
  return out;
}

// Through SpeedupOf, so the interval (and "no measurable difference") follows
// the same rule as every other speed ratio of the study (analysis.h).
void AddRatios(EnvironmentsReport* report) {
  const StudyReport& first = report->reports.front();
  for (std::size_t e = 1; e < report->reports.size(); ++e) {
    const StudyReport& other = report->reports[e];
    for (std::size_t i = 0; i < first.candidates.size(); ++i) {
      const Candidate& a = first.candidates[i];
      const Candidate& b = other.candidates[i];
      if (!a.failure.empty() || !b.failure.empty() || b.p50_ms <= 0 || a.items_per_s <= 0) continue;
      const SpeedRatio p50 = SpeedupOf(b, a, SpeedFigure::kP50);
      report->ratios.push_back({i, e, p50.ratio, p50.ci, b.items_per_s / a.items_per_s});
    }
  }
}

// The ratios as plain rows in every environment's report, so that each
// report snapshot (options.report_run) carries them.
void ShareRatios(EnvironmentsReport* report) {
  const StudyReport& first = report->reports.front();
  const std::string a = DescribeEnvironment(first.environment, first.backend_version);
  std::vector<StudyReport::EnvironmentRatio> rows;
  for (const EnvironmentSpeedRatio& ratio : report->ratios) {
    const StudyReport& other = report->reports[ratio.environment];
    const Candidate& c = first.candidates[ratio.candidate];
    rows.push_back({c.name, c.model, c.setting, a, DescribeEnvironment(other.environment, other.backend_version),
                    ratio.p50_ratio, ratio.p50_ratio_ci, SpeedVerdict(ratio), ratio.items_per_s_ratio});
  }
  for (StudyReport& r : report->reports) r.environment_ratios = rows;
}

std::string RatioWithInterval(const EnvironmentSpeedRatio& ratio) {
  const stats::Interval& ci = ratio.p50_ratio_ci;
  return ci.valid ? fmt::format("{:.2f}x [{:.2f}, {:.2f}]", ratio.p50_ratio, ci.lower, ci.upper)
                  : fmt::format("{:.2f}x", ratio.p50_ratio);
}

// Rows as aligned columns: the first (names) and last (verdicts) left, the figures right.
std::string RenderColumns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size());
  for (const auto& row : rows) {
    for (std::size_t k = 0; k < row.size(); ++k) width[k] = std::max(width[k], row[k].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      const bool text = k == 0 || k + 1 == row.size();
      out += text ? fmt::format("  {:<{}}", row[k], width[k]) : fmt::format("  {:>{}}", row[k], width[k]);
    }
    out.erase(out.find_last_not_of(' ') + 1);
    out += "\n";
  }
  return out;
}

// Each environment's report snapshot, written to the store opened for
// writing (which upgrades an older file in place).
Status StoreReportRuns(const StudySpec& spec, const StudyPlan& plan, const std::vector<StudyMeasurements>& measured,
                       const EnvironmentsReport& report, const std::vector<StoredEnvironment>& environments,
                       const StudyOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<ResultsStore> store, ResultsStore::Open(report.db_path));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study_id,
                             store->PutStudy(spec.name, spec.spec_path.string(), spec.spec_text));
  for (std::size_t e = 0; e < environments.size(); ++e) {
    SWEETSPOT_RETURN_IF_ERROR(store->PutStudyReport(study_id, environments[e].id,
                                                    options.report_run(spec, plan, measured[e], report.reports[e])));
  }
  return Status::Ok();
}

}  // namespace

Result<EnvironmentsReport> ReportStoredEnvironments(const StudySpec& spec, const StudyPlan& plan,
                                                    const StudyOptions& options, ResultsStore::ResultKind kind,
                                                    const ReportStoredRows& report_rows) {
  const fs::path db_path = options.db_path.empty() ? spec.spec_path.parent_path() / "sweetspot.db" : options.db_path;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<ResultsStore> store, ResultsStore::Open(db_path, {.read_only = true}));
  SWEETSPOT_ASSIGN_OR_RETURN(const auto variants, StoredVariants(plan, *store));
  std::vector<std::int64_t> known;
  for (const auto& id : variants) {
    if (id) known.push_back(*id);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<StoredEnvironment> environments,
                             store->EnvironmentsMeasuring(known, kind));
  if (environments.empty()) {
    return Status::NotFound(
        fmt::format("'{}' holds no {} result of study '{}''s candidates; run `sweetspot study {}` first (or merge the "
                    "stores that hold them)",
                    db_path.string(), kind == ResultsStore::ResultKind::kLatency ? "latency" : "accuracy", spec.name,
                    spec.spec_path.string()));
  }
  EnvironmentsReport out{spec.name, db_path.string(), {}, {}};
  std::vector<StudyMeasurements> snapshots;
  for (const StoredEnvironment& e : environments) {
    SWEETSPOT_ASSIGN_OR_RETURN(StoredReport stored, report_rows(*store, variants, e.id));
    stored.report.db_path = db_path.string();
    stored.report.environment = e.environment;
    stored.report.backend_version = e.backend_version;
    out.reports.push_back(std::move(stored.report));
    snapshots.push_back(std::move(stored.snapshot));
  }
  AddRatios(&out);
  ShareRatios(&out);
  if (options.report_run) SWEETSPOT_RETURN_IF_ERROR(StoreReportRuns(spec, plan, snapshots, out, environments, options));
  return out;
}

Result<EnvironmentsReport> ReportStoredStudy(const StudySpec& spec, const StudyOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const StudyPlan plan, PlanStudy(spec, options.cache_dir));
  if (spec.task == StudyTask::kDetection) return ReportStoredDetectionStudy(spec, plan, options);
  if (spec.task == StudyTask::kKeypoints) return ReportStoredKeypointStudy(spec, plan, options);
  DatasetOptions dataset_options;
  dataset_options.class_names_file = spec.classes_file;
  auto opened = OpenDataset(spec.dataset_path, dataset_options);
  if (!opened.ok()) return opened.status().WithContext(spec.spec_path.string() + " [dataset] path");
  const Dataset& dataset = **opened;
  const std::string identity = DatasetIdentity(dataset);
  const auto rows = [&](ResultsStore& store, const std::vector<std::optional<std::int64_t>>& variants,
                        std::int64_t environment_id) -> Result<StoredReport> {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::optional<std::int64_t> dataset_id, store.FindDataset(identity));
    StoredReport out;
    SWEETSPOT_ASSIGN_OR_RETURN(out.snapshot,
                               StoredUnder(plan, store, variants, environment_id, dataset_id.value_or(0)));
    out.report = AssembleReport(spec, plan, out.snapshot);
    FillReportHeader(spec, plan, dataset, store.path(), &out.report);
    return out;
  };
  return ReportStoredEnvironments(spec, plan, options, ResultsStore::ResultKind::kLatency, rows);
}

std::string SpeedVerdict(const EnvironmentSpeedRatio& ratio) {
  const stats::Interval& ci = ratio.p50_ratio_ci;
  if (!ci.valid) return "";
  if (ci.lower > 1.0) return "faster";
  if (ci.upper < 1.0) return "slower";
  return "no measurable difference";
}

std::string RenderEnvironmentsText(const EnvironmentsReport& r) {
  std::string out = fmt::format("Study '{}' on {} environment(s) stored in {} (nothing measured)\n", r.study,
                                r.reports.size(), r.db_path);
  for (std::size_t e = 0; e < r.reports.size(); ++e) {
    const StudyReport& report = r.reports[e];
    out += fmt::format("\n=== Environment {}: {}\n", e + 1,
                       DescribeEnvironment(report.environment, report.backend_version));
    out += RenderStudyText(report);
  }
  if (!r.ratios.empty()) {
    out +=
        "\nSpeed vs environment 1 (ratio > 1: faster there; the p50 ratio with its 95 % bootstrap interval over the "
        "raw latencies):\n";
    const std::vector<std::string> header = {"name",        "env",     "p50 ms (1)",    "p50 ms", "p50 ratio (95 % CI)",
                                             "items/s (1)", "items/s", "items/s ratio", "verdict"};
    std::vector<std::vector<std::string>> rows = {header};
    for (const EnvironmentSpeedRatio& ratio : r.ratios) {
      const Candidate& a = r.reports.front().candidates[ratio.candidate];
      const Candidate& b = r.reports[ratio.environment].candidates[ratio.candidate];
      rows.push_back({a.name, fmt::format("{}", ratio.environment + 1), fmt::format("{:.3f}", a.p50_ms),
                      fmt::format("{:.3f}", b.p50_ms), RatioWithInterval(ratio), fmt::format("{:.0f}", a.items_per_s),
                      fmt::format("{:.0f}", b.items_per_s), fmt::format("{:.2f}x", ratio.items_per_s_ratio),
                      SpeedVerdict(ratio)});
    }
    out += RenderColumns(rows);
  }
  out += "\nRecommendations:\n";
  for (std::size_t e = 0; e < r.reports.size(); ++e) {
    const StudyReport& report = r.reports[e];
    const auto& recommended = report.analysis.recommended;
    out +=
        fmt::format("  environment {}: {}\n", e + 1,
                    recommended ? report.candidates[*recommended].name : "none (no candidate meets the constraints)");
  }
  return out;
}

}  // namespace sweetspot
