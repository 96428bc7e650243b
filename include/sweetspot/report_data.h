// The data of the HTML report (issue 11): what a study stores at its end and
// what the page is drawn from. The flow is one way:
//
//   study --BuildReportRun--> report snapshot (`sweetspot.report-run/1`),
//         stored per study and environment (ResultsStore::PutStudyReport)
//   store --LoadReportData--> ReportData --ReportDataJson--> `sweetspot.report/1`
//
// The JSON documents are specified field by field in docs/report-data.md.
// A snapshot holds:
//  - `study`: exactly RenderStudyJson's document (study_report.h);
//  - `accuracy`: per (model, engine) accuracy run that finished, its samples'
//    dataset indices, labels and top-1 predictions (left out, null, when the
//    run's accuracy entries hold more than kMaxSnapshotSampleInts of them in
//    all), its confusion matrix [true][predicted] (as nonzero cells, and
//    dense up to kMaxDenseConfusionClasses), recall per class, and up to kCellSamples sample indices per
//    mislabelled cell and per class the reference got right and it wrong;
//  - `latency`: per candidate its raw latencies in ms, sorted, evenly
//    subsampled to at most kMaxRawLatencies (SubsampleSorted);
//  - `variants`: per derived model its SQNR per quantized activation in graph
//    order, the MAC-carrying nodes still in float, its ops by precision (from
//    the study's diagnosis of ONNX Runtime's optimised graph, else from the
//    variant's own file) and its "slower because" verdict;
//  - `training`: each spec model's `<stem>.cost.json` (written by `sweetspot
//    train`) when it is beside the model.
//  - `detection`: a detection study's datasets (StudyReport::detection), per
//    candidate its APs and precision-recall envelopes, and the example images
//    where the two shown detectors disagree most, read from disk as JPEG
//    thumbnails with each detector's boxes judged (detection_report.h).
// Thread-safety: every function is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/results_store.h"
#include "sweetspot/status.h"
#include "sweetspot/study.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {

inline constexpr std::size_t kMaxRawLatencies = 2000;
inline constexpr std::size_t kMaxSnapshotSampleInts = 2'000'000;
inline constexpr std::size_t kCellSamples = 8;
// Above this many classes the dense matrix is left out (null): confusion_cells
// holds it (1000 classes: 2 MB of JSON per matrix, mostly zeros).
inline constexpr std::size_t kMaxDenseConfusionClasses = 100;

// The `sweetspot.report-run/1` JSON document of one environment's run (the
// report's environment): an options.report_run for RunStudy (study.h). Files
// it reads beside the models (cost.json, a variant without a diagnosis) that
// cannot be read are left out, never an error.
std::string BuildReportRun(const StudySpec& spec, const StudyPlan& plan, const StudyMeasurements& measured,
                           const StudyReport& report);

// `sorted` (ascending) itself when it has at most `most` values, else `most`
// of them at evenly spaced ranks, the first and last included. most >= 2.
std::vector<double> SubsampleSorted(const std::vector<double>& sorted, std::size_t most);

struct ReportLoadOptions {
  bool thumbnails = true;
  std::size_t max_thumbnails = 3000;  // images, over every run
  int thumbnail_px = 64;              // the longer side at most, never enlarged
  std::string generated_utc;          // "" = now
};

struct ReportData {
  std::string study;
  std::string db_path;
  std::string generated_utc;
  // One line per thing the page cannot show and why ("no thumbnails: ...").
  std::vector<std::string> notes;
  std::vector<std::string> classes;  // the dataset's class names, index = label
  // By dataset sample index: "data:image/png;base64,..." (PNG, at most
  // thumbnail_px a side): the mislabelled samples the page can show, those of
  // the reference and recommended candidates first.
  std::map<std::int64_t, std::string> thumbnails;
  // Every stored snapshot of the study (`sweetspot.report-run/1` text, its
  // written_utc set from the store), newest first.
  std::vector<std::string> runs;
  // The study's `sweetspot load` runs (JSON objects: what the store holds,
  // options and levels parsed), oldest first; a run whose JSON is damaged is
  // left out with a note.
  std::vector<std::string> load_runs;
};

// Everything `sweetspot report` shows of `study`. The runs' per-sample
// arrays are left out (null, with a note) when all runs together hold more
// than kMaxSnapshotSampleInts of them. Thumbnails are read from
// the dataset a snapshot names (reopened at its stored path); a dataset no
// longer there, or changed, gives no thumbnails and a note, never an error.
// A store of a newer schema version (opened with allow_newer_schema) shows
// the snapshots this sweetspot reads, with a note saying so; one that has
// none it reads -> kUnsupported.
// A study with no snapshot but `sweetspot load` runs gives those alone (runs
// empty, a note naming the study command that adds the rest).
// Errors: the store's (a newer schema: kUnsupported); kNotFound naming the
// studies there are for an unknown study; kFailedPrecondition with the study
// command to run when the study has no finished measurement or no snapshot,
// and no load run.
Result<ReportData> LoadReportData(const ResultsStore& store, std::string_view study,
                                  const ReportLoadOptions& options = {});

// The `sweetspot.report/1` JSON document (compact; every string SafeText).
std::string ReportDataJson(const ReportData& data);

}  // namespace sweetspot
