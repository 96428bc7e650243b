// A study's stored measurements on several environments side by side: after
// `sweetspot results merge` has gathered stores measured on several machines
// (or under several CPU affinities, runtime versions or builds) into one,
// each environment gets its own report (its candidates and recommendation,
// from its own rows only: measurements of different environments are never
// mixed into one candidate), and each candidate gets its speed ratio between
// environments, the "faster hardware" question. Nothing is measured.
//
// Thread-safety: reentrant; the renderers are pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sweetspot/environment.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"
#include "sweetspot/study.h"

namespace sweetspot {

// A candidate's speed in environment `environment` against the first.
struct EnvironmentSpeedRatio {
  std::size_t candidate = 0;    // into StudyReport::candidates (the same in every report)
  std::size_t environment = 0;  // into EnvironmentsReport::reports, >= 1
  double p50_ratio = 0.0;       // first environment's p50 / this one's: > 1 = this one is faster
  // 95 % percentile-bootstrap interval of p50_ratio over the two stored raw
  // latency series (stats::BootstrapRatioInterval, each resampled
  // independently); valid = false when either has no raw latencies.
  stats::Interval p50_ratio_ci;
  double items_per_s_ratio = 0.0;  // this environment's items/s / the first's (a plain ratio)
};

// "faster", "slower", or "no measurable difference" when the p50 ratio's
// interval contains 1 ("" when it has no valid interval).
std::string SpeedVerdict(const EnvironmentSpeedRatio& ratio);

struct EnvironmentsReport {
  std::string study;
  std::string db_path;
  // One per environment holding a latency result of the study's candidates
  // (a keypoint study's: an accuracy result, it stores no latency row), in
  // the order of their first such result; each with its environment and
  // runtime version set, the candidates in the plan's order.
  std::vector<StudyReport> reports;
  // For every environment after the first, each candidate measured there and
  // in the first.
  std::vector<EnvironmentSpeedRatio> ratios;
};

// Plans the study as RunStudy does (the models must be readable: their
// content hashes key the stored rows) and reads what the store at
// `options.db_path` (default: sweetspot.db beside the spec) holds for each
// planned measurement under each environment, for every task (a detection or
// keypoint study's measurements keyed as its runner keys them, assembled as
// after a run). No model runs. A measurement not stored for an environment
// leaves that candidate "not measured" there.
// With `options.report_run` set, each environment's report snapshot is then
// stored (the store opened for writing: an older file is upgraded in place).
// Errors: as PlanStudy and ResultsStore::Open (read-only: the store must
// exist); a detection or keypoint study's dataset that does not open
// (naming the spec field); kNotFound when the store holds no latency
// (keypoints: accuracy) result of the study's candidates.
Result<EnvironmentsReport> ReportStoredStudy(const StudySpec& spec, const StudyOptions& options);

// Per environment its description and RenderStudyText's report, then the
// speed ratios between environments and each environment's recommendation.
std::string RenderEnvironmentsText(const EnvironmentsReport& report);

}  // namespace sweetspot
