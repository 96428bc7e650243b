// BuildReportRun: one environment's run as the `sweetspot.report-run/1`
// snapshot (report_data.h).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/detection_section.h"
#include "report/keypoint_section.h"
#include "report/ops_by_precision.h"
#include "report/run_samples.h"
#include "sweetspot/environment.h"
#include "sweetspot/report_data.h"
#include "sweetspot/study_report.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Classes the matrix needs: the dataset's, or more when a label or prediction
// lies beyond them (a model with more outputs than the dataset has classes).
std::size_t MatrixSize(const AccuracyRow& row, std::size_t classes) {
  std::int32_t most = static_cast<std::int32_t>(classes) - 1;
  for (const std::int32_t v : row.labels) most = std::max(most, v);
  for (const std::int32_t v : row.predicted) most = std::max(most, v);
  return static_cast<std::size_t>(most + 1);
}

// The confusion matrix [true][predicted] (its nonzero cells as [true,
// predicted, count], and dense up to kMaxDenseConfusionClasses), the recall per class (null for a class with no
// sample) and up to kCellSamples indices per mislabelled cell
// ("true,predicted" -> indices, in evaluation order).
void AddConfusion(const AccuracyRow& row, std::size_t classes, json* entry) {
  const std::size_t n = MatrixSize(row, classes);
  std::vector<std::vector<std::int64_t>> confusion(n, std::vector<std::int64_t>(n, 0));
  json cells = json::object();
  for (std::size_t k = 0; k < row.labels.size() && k < row.predicted.size(); ++k) {
    const std::int32_t t = row.labels[k], p = row.predicted[k];
    if (t < 0 || p < 0) continue;
    ++confusion[t][p];
    if (t == p || k >= row.sample_indices.size()) continue;
    json& cell = cells[fmt::format("{},{}", t, p)];
    if (cell.size() < kCellSamples) cell.push_back(row.sample_indices[k]);
  }
  json recall = json::array();
  json nonzero = json::array();  // [true, predicted, count]: the matrix without its zeros
  for (std::size_t c = 0; c < n; ++c) {
    std::int64_t total = 0;
    for (std::size_t p = 0; p < n; ++p) {
      total += confusion[c][p];
      if (confusion[c][p] != 0) nonzero.push_back({c, p, confusion[c][p]});
    }
    recall.push_back(total > 0 ? json(static_cast<double>(confusion[c][c]) / static_cast<double>(total)) : json());
  }
  (*entry)["confusion"] = n <= kMaxDenseConfusionClasses ? json(confusion) : json();
  (*entry)["confusion_cells"] = nonzero;
  (*entry)["recall"] = recall;
  (*entry)["cell_samples"] = cells;
}

// The reference candidate's accuracy row (nullptr: no reference, or its run
// did not finish).
const AccuracyRow* ReferenceRow(const StudyPlan& plan, const StudyMeasurements& measured, const StudyReport& report) {
  if (!report.reference || plan.settings.empty()) return nullptr;
  const std::size_t model = *report.reference / plan.settings.size();
  const std::size_t engine = plan.EngineOf(*report.reference % plan.settings.size());
  const auto& row = measured.models[model].accuracy[engine];
  return row ? &*row : nullptr;
}

// Per true class, up to kCellSamples samples the reference classified right
// and `row` wrong, in evaluation order (the per-class table's flips).
json Flips(const AccuracyRow& row, const AccuracyRow& reference) {
  std::map<std::int64_t, bool> reference_right;
  for (std::size_t k = 0; k < reference.sample_indices.size() && k < reference.labels.size(); ++k) {
    reference_right[reference.sample_indices[k]] = reference.labels[k] == reference.predicted[k];
  }
  json flips = json::object();
  for (std::size_t k = 0; k < row.sample_indices.size() && k < row.labels.size(); ++k) {
    const auto found = reference_right.find(row.sample_indices[k]);
    if (row.labels[k] == row.predicted[k] || found == reference_right.end() || !found->second) continue;
    json& samples = flips[std::to_string(row.labels[k])];
    if (samples.size() < kCellSamples) samples.push_back(row.sample_indices[k]);
  }
  return flips;
}

// Per (model, engine) accuracy run that finished, with the names of the
// candidates it scores (candidate (model i, setting s) is i * settings + s).
json AccuracyJson(const StudyPlan& plan, const StudyMeasurements& measured, const StudyReport& report) {
  json out = json::array();
  const AccuracyRow* reference = ReferenceRow(plan, measured, report);
  for (std::size_t i = 0; i < plan.models.size(); ++i) {
    for (std::size_t e = 0; e < plan.engines.size(); ++e) {
      const auto& row = measured.models[i].accuracy[e];
      if (!row) continue;
      json candidates = json::array();
      for (std::size_t s = 0; s < plan.settings.size(); ++s) {
        if (plan.EngineOf(s) == e) candidates.push_back(report.candidates[i * plan.settings.size() + s].name);
      }
      json entry = {{"model", plan.models[i].name}, {"engine", plan.engines[e]},
                    {"candidates", candidates},     {"top1", row->top1},
                    {"samples", row->sample_count}, {"indices", row->sample_indices},
                    {"labels", row->labels},        {"predictions", row->predicted}};
      AddConfusion(*row, report.dataset_classes.size(), &entry);
      entry["flipped_samples"] = reference != nullptr ? Flips(*row, *reference) : json::object();
      out.push_back(std::move(entry));
    }
  }
  return out;
}

json LatencyJson(const StudyReport& report) {
  json out = json::array();
  for (const Candidate& c : report.candidates) {
    if (c.latency_ms.empty()) continue;
    std::vector<double> sorted = c.latency_ms;
    std::sort(sorted.begin(), sorted.end());
    out.push_back(
        {{"candidate", c.name}, {"count", sorted.size()}, {"raw_ms", SubsampleSorted(sorted, kMaxRawLatencies)}});
  }
  return out;
}

const StudyReport::VariantInfo* FindVariant(const StudyReport& report, const std::string& model) {
  for (const auto& v : report.variants) {
    if (v.model == model) return &v;
  }
  return nullptr;
}

json VariantJson(const StudyPlan& plan, const PlannedModel& m, const StudyReport& report) {
  const StudyReport::VariantInfo* info = FindVariant(report, m.name);
  const PlannedModel& parent = plan.models[*m.parent];
  const ModelGraphFacts facts = DescribeModelGraph(m);
  json sqnr = json::array();
  for (json row : SqnrToJson(facts.sqnr)) {
    row["sqnr_db"] = row["cumulative_db"];
    sqnr.push_back(std::move(row));
  }
  return {{"model", m.name},
          {"path", m.path.string()},
          {"parent", parent.name},
          {"transform", m.variant},
          {"notes", m.notes},
          {"failure", m.variant_failure.ok() ? json() : json(m.variant_failure.message())},
          {"sqnr", sqnr},
          {"float_nodes", m.diagnosis ? m.diagnosis->float_mac_nodes : std::vector<std::string>()},
          {"float_mac_fraction", m.diagnosis ? json(m.diagnosis->float_mac_fraction) : json()},
          {"ops_source", facts.ops_source},
          {"ops_by_precision", facts.ops_by_precision},
          {"parent_ops_by_precision", DescribeModelGraph(parent).ops_by_precision},
          {"verdict", info != nullptr ? info->verdict : ""}};
}

json VariantsJson(const StudyPlan& plan, const StudyReport& report) {
  json out = json::array();
  for (const PlannedModel& m : plan.models) {
    if (m.parent) out.push_back(VariantJson(plan, m, report));
  }
  for (const StudyPlan::SameVariant& same : plan.same_variants) {
    out.push_back({{"model", same.name},
                   {"parent", plan.models[same.parent].name},
                   {"transform", same.variant},
                   {"notes", same.notes},
                   {"same_as", plan.models[same.same_as].name}});
  }
  return out;
}

// Each spec model's `<stem>.cost.json` beside it: its keys, "model" being the
// study's name for it (the file's own "model" kept as "model_file").
json TrainingJson(const StudySpec& spec) {
  json out = json::array();
  for (const StudyModel& m : spec.models) {
    const fs::path file = m.path.parent_path() / (m.path.stem().string() + ".cost.json");
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) continue;
    auto text = ReadTextFile(file);
    if (!text.ok()) continue;
    json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) continue;
    if (doc.contains("model")) doc["model_file"] = doc["model"];
    doc["model"] = m.name;
    doc["cost_file"] = file.string();
    out.push_back(std::move(doc));
  }
  return out;
}

json EnvironmentJson(const StudyReport& report) {
  json environment = report.environment;
  environment["backend_version"] = report.backend_version;
  return environment;
}

std::string EnvironmentLabel(const Environment& e) {
  return fmt::format("{} · {} · {} cores", e.hostname.empty() ? "unknown host" : e.hostname,
                     e.cpu_model.empty() ? "unknown CPU" : e.cpu_model, e.logical_cores);
}

// The speed ratios between environments (StudyReport::environment_ratios).
json EnvironmentRatiosJson(const StudyReport& report) {
  json out = json::array();
  for (const StudyReport::EnvironmentRatio& r : report.environment_ratios) {
    const stats::Interval& ci = r.p50_ratio_ci;
    out.push_back({{"candidate", r.candidate},
                   {"model", r.model},
                   {"setting", r.setting},
                   {"environment_a", r.environment_a},
                   {"environment_b", r.environment_b},
                   {"p50_ratio", r.p50_ratio},
                   {"p50_ratio_ci95", ci.valid ? json({ci.lower, ci.upper}) : json()},
                   {"verdict", r.verdict},
                   {"items_per_s_ratio", r.items_per_s_ratio}});
  }
  return out;
}

// A detection study's datasets, one entry each (detection_section.h); [] for classification.
json DetectionJson(const StudyReport& report) {
  json out = json::array();
  for (const DetectionReportSection& section : report.detection) out.push_back(DetectionSectionJson(section));
  return out;
}

// A keypoint study's videos, one entry each (keypoint_section.h); [] for the other tasks.
json KeypointsJson(const StudyReport& report) {
  json out = json::array();
  for (const KeypointReportSection& section : report.keypoints) out.push_back(KeypointSectionJson(section));
  return out;
}

}  // namespace

std::vector<double> SubsampleSorted(const std::vector<double>& sorted, std::size_t most) {
  if (sorted.size() <= most) return sorted;
  std::vector<double> out;
  out.reserve(most);
  const double step = static_cast<double>(sorted.size() - 1) / static_cast<double>(most - 1);
  for (std::size_t j = 0; j < most; ++j) out.push_back(sorted[static_cast<std::size_t>(std::llround(step * j))]);
  return out;
}

std::string BuildReportRun(const StudySpec& spec, const StudyPlan& plan, const StudyMeasurements& measured,
                           const StudyReport& report) {
  json doc = {{"schema", "sweetspot.report-run/1"},
              {"environment", EnvironmentJson(report)},
              {"environment_label", EnvironmentLabel(report.environment)},
              {"environment_description", DescribeEnvironment(report.environment, report.backend_version)},
              {"written_utc", nullptr},
              {"dataset",
               {{"path", spec.dataset_path.string()},
                {"classes_file", spec.classes_file.string()},
                {"description", report.dataset},
                {"classes", report.dataset_classes}}},
              {"study", json::parse(RenderStudyJson(report))},
              {"accuracy", AccuracyJson(plan, measured, report)},
              {"latency", LatencyJson(report)},
              {"variants", VariantsJson(plan, report)},
              {"training", TrainingJson(spec)},
              {"environment_ratios", EnvironmentRatiosJson(report)},
              {"detection", DetectionJson(report)},
              {"keypoints", KeypointsJson(report)}};
  ShareSamples(&doc);
  if (SampleNumbers(doc) > kMaxSnapshotSampleInts) DropSampleArrays(&doc);
  return DumpJson(doc);
}

}  // namespace sweetspot
