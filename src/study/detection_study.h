// The detection study (study.h, docs/study.md "Detection studies"): the
// runner's detection path and what it shares with the classification runner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "study/task_study.h"
#include "sweetspot/detection_bench.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/results_store.h"
#include "sweetspot/study.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {

// RunStudy for task = "detection": per candidate (model x setting) and
// dataset one isolated detection evaluation (RunDetectionEvalIsolated), which
// gives the mAPs and the per-image stage times; each stored at once (resume
// and reuse as the classification study), then assembled by
// AssembleDetectionReport.
Result<StudyReport> RunDetectionStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options);

// ReportStoredStudy (study_environments.h) of a planned detection study: per
// environment, the measurements the runner would make read from the store
// (nothing measured, nothing but the report snapshot written), assembled as
// after a run.
Result<EnvironmentsReport> ReportStoredDetectionStudy(const StudySpec& spec, const StudyPlan& plan,
                                                      const StudyOptions& options);

// What the detection runner found: per model, dataset and setting, the
// evaluation's summary (with per-image detections) and the latency of the
// pipeline split by stage (a LatencyRow whose bench_json is the
// DetectionBenchResult), or why each failed.
struct DetectionMeasurements {
  struct Dataset {
    std::string name;
    std::string description;
    std::vector<std::string> notes;
    std::int64_t images = 0;
  };
  std::vector<Dataset> datasets;
  // [model][dataset][setting]
  std::vector<std::vector<std::vector<std::optional<DetectionEvalSummary>>>> summaries;
  std::vector<std::vector<std::vector<Status>>> failures;
  std::vector<std::vector<std::vector<std::optional<LatencyRow>>>> latency;
  std::vector<std::vector<std::vector<Status>>> latency_failures;
  std::size_t measured = 0, reused = 0, failed = 0;
};

// The report of a detection study from its plan and measurements (pure):
// per dataset its candidates, analysis and comparisons with the most
// accurate; the overall candidates (means over datasets) and analysis; the
// HTML report's sections.
StudyReport AssembleDetectionReport(const StudySpec& spec, const StudyPlan& plan,
                                    const DetectionMeasurements& measured);

// The renderings of a detection study's report (study_report.h dispatches to
// them on StudyReport::task).
std::string RenderDetectionStudyText(const StudyReport& report);
std::string RenderDetectionStudyMarkdown(const StudyReport& report);
std::string RenderDetectionStudyJson(const StudyReport& report);
// One row per dataset and candidate.
std::string RenderDetectionStudyCsv(const StudyReport& report);

}  // namespace sweetspot
