// The keypoint study (study.h, docs/study.md "Keypoint studies"): the
// runner's keypoint path, its assembly and its renderings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "study/task_study.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/study.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {

// RunStudy for task = "keypoints": per candidate (model x setting) the
// labelled evaluation (RunKeypointEvalIsolated: every person's keypoints and
// stage times), then per setting one video run of every evaluated model,
// tracked by the reference (the spec's, else the most accurate at the primary
// alpha; RunKeypointVideoIsolated), each in a child process killed after
// timeout_s; each stored at once (resume and reuse as the other studies),
// then assembled by AssembleKeypointReport.
Result<StudyReport> RunKeypointStudy(const StudySpec& spec, const StudyPlan& plan, const StudyOptions& options);

// ReportStoredStudy (study_environments.h) of a planned keypoint study: per
// environment, the measurements the runner would make read from the store
// (nothing measured, nothing but the report snapshot written), assembled as
// after a run.
Result<EnvironmentsReport> ReportStoredKeypointStudy(const StudySpec& spec, const StudyPlan& plan,
                                                     const StudyOptions& options);

// What the keypoint runner found, or why each measurement failed.
struct KeypointMeasurements {
  std::string dataset;  // description: the JSON and its format
  std::vector<std::string> notes;
  std::int64_t persons = 0;
  // [model][setting]
  std::vector<std::vector<std::optional<KeypointEvalResult>>> evals;
  std::vector<std::vector<Status>> eval_failures;
  // [setting]: the video run, its models (into plan.models, in the run's
  // order) and its reference (into plan.models); unset without [video].
  std::vector<std::optional<KeypointVideoResult>> videos;
  std::vector<std::vector<std::size_t>> video_models;
  std::vector<std::optional<std::size_t>> references;
  std::vector<Status> video_failures;
  std::size_t measured = 0, reused = 0, failed = 0;
};

// The report of a keypoint study from its plan and measurements (pure): per
// candidate the metrics at the spec's alphas, the comparison and confidence
// drop against the reference, the stability figures against it, the speed
// split; the analysis under the constraints.
StudyReport AssembleKeypointReport(const StudySpec& spec, const StudyPlan& plan, const KeypointMeasurements& measured);

// The renderings of a keypoint study's report (study_report.h dispatches to
// them on StudyReport::task).
std::string RenderKeypointStudyText(const StudyReport& report);
std::string RenderKeypointStudyMarkdown(const StudyReport& report);
std::string RenderKeypointStudyJson(const StudyReport& report);
// One row per candidate.
std::string RenderKeypointStudyCsv(const StudyReport& report);

}  // namespace sweetspot
