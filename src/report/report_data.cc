// LoadReportData and ReportDataJson: the store's snapshots of a study, its
// classes and thumbnails, as the `sweetspot.report/1` document.
#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/run_samples.h"
#include "report/thumbnails.h"
#include "sweetspot/report_data.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Why the study has no snapshot, and the study command that stores one.
Status NoSnapshot(const ResultsStore& store, std::string_view study) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<StudyListing> studies, store.ListStudies());
  const auto found = std::find_if(studies.begin(), studies.end(), [&](const auto& s) { return s.name == study; });
  const std::string spec = found != studies.end() ? found->spec_path : "SPEC.toml";
  const std::string db = store.path().string();
  if (found == studies.end() || found->latency_results == 0) {
    return Status::FailedPrecondition(
        fmt::format("study '{}' in '{}' has no finished measurement to report: run `sweetspot study {} --db {}` first",
                    study, db, spec, db));
  }
  return Status::FailedPrecondition(
      fmt::format("study '{}' in '{}' has no stored report (its measurements were stored by an older sweetspot): "
                  "run `sweetspot study {} --db {} --report-only` to store one from them",
                  study, db, spec, db));
}

// An accuracy entry scores the reference or the recommended candidate.
bool ScoresKeyCandidate(const json& entry, const json& study) {
  const std::vector<json> keys = {study.value("reference", json()),
                                  study.value("recommendation", json::object()).value("name", json())};
  for (const json& name : entry.value("candidates", json::array())) {
    if (std::find(keys.begin(), keys.end(), name) != keys.end()) return true;
  }
  return false;
}

// The mislabelled and flipped samples each run's accuracy entries name
// ("true,predicted" or "true" -> indices), those scoring the reference or
// recommended candidate first, each once, at most `most`.
std::vector<ThumbnailRequest> ThumbnailRequests(const std::vector<json>& runs, std::size_t most) {
  std::vector<ThumbnailRequest> out;
  std::set<std::int64_t> seen;
  for (const bool key_candidates : {true, false}) {
    for (const json& run : runs) {
      for (const json& entry : run.value("accuracy", json::array())) {
        if (ScoresKeyCandidate(entry, run.value("study", json::object())) != key_candidates) continue;
        json cells = entry.value("cell_samples", json::object());
        cells.update(entry.value("flipped_samples", json::object()));  // keyed "true class"
        for (const auto& [cell, indices] : cells.items()) {
          std::int32_t label = 0;
          if (std::from_chars(cell.data(), cell.data() + cell.size(), label).ec != std::errc()) continue;
          for (const json& index : indices) {
            if (out.size() >= most) return out;
            if (!index.is_number_integer()) continue;
            if (seen.insert(index.get<std::int64_t>()).second) out.push_back({index.get<std::int64_t>(), label});
          }
        }
      }
    }
  }
  return out;
}

// Reopens the newest run's dataset; a dataset no longer there is a note.
void AddThumbnails(const std::vector<json>& runs, const ReportLoadOptions& options, ReportData* data) {
  const std::vector<ThumbnailRequest> requests = ThumbnailRequests(runs, options.max_thumbnails);
  if (requests.empty()) return;
  const json dataset = runs.front().value("dataset", json::object());
  const fs::path path = dataset.value("path", "");
  if (path.empty()) {
    data->notes.push_back("no thumbnails: the stored report names no dataset");
    return;
  }
  DatasetOptions dataset_options;
  dataset_options.class_names_file = dataset.value("classes_file", "");
  auto opened = OpenDataset(path, dataset_options);
  if (!opened.ok()) {
    data->notes.push_back(fmt::format("no thumbnails: the images under {} are no longer readable ({})", path.string(),
                                      opened.status().message()));
    return;
  }
  Thumbnails made = MakeThumbnails(**opened, requests, options.thumbnail_px);
  data->thumbnails = std::move(made.uris);
  data->notes.insert(data->notes.end(), made.notes.begin(), made.notes.end());
}

// The per-sample arrays of every run, left out when all runs together hold
// more than kMaxSnapshotSampleInts numbers (each run was limited alone).
void LimitSampleArrays(std::vector<json>* runs, std::vector<std::string>* notes) {
  std::size_t total = 0;
  bool left_out = false;  // by BuildReportRun already
  for (const json& run : *runs) {
    total += SampleNumbers(run);
    for (const json& entry : run.value("accuracy", json::array())) {
      left_out = left_out || !entry.contains("predictions") || entry["predictions"].is_null();
    }
  }
  if (total <= kMaxSnapshotSampleInts) {
    if (left_out) {
      notes->push_back(
          fmt::format("per-sample predictions left out of a run with more than {} sample numbers; the "
                      "confusion matrices are complete",
                      kMaxSnapshotSampleInts));
    }
    return;
  }
  for (json& run : *runs) DropSampleArrays(&run);
  notes->push_back(
      fmt::format("per-sample predictions left out: the runs hold {} sample numbers, more than {}; the "
                  "confusion matrices are complete",
                  total, kMaxSnapshotSampleInts));
}

bool Newer(const ResultsStore& store) { return store.schema_version() > kResultsSchemaVersion; }

// A newer store none of whose snapshots of the study this sweetspot reads.
Status NothingReadable(const ResultsStore& store, std::string_view study) {
  return Status::Unsupported(
      fmt::format("results database '{}' has schema version {}, newer than this sweetspot reads ({}), and no "
                  "report of study '{}' this one can show; upgrade sweetspot",
                  store.path().string(), store.schema_version(), kResultsSchemaVersion, study));
}

std::string NowUtc() { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::now())); }

// The study's load runs as the page reads them; damaged ones are left out
// with a note, and a store whose load runs cannot be read gives a note only.
void AddLoadRuns(const ResultsStore& store, std::string_view study, ReportData* data) {
  auto stored = store.StudyLoadRuns(study);
  if (!stored.ok()) {
    data->notes.push_back(fmt::format("no load runs: {}", stored.status().message()));
    return;
  }
  for (const StoredLoadRun& r : *stored) {
    json run = {{"url", r.url},
                {"model", r.model},
                {"version", r.model_version},
                {"form", r.form},
                {"dataset", r.dataset},
                {"measured_utc", r.measured_utc},
                {"duration_ms", r.duration_ms},
                {"environment_id", r.environment_id}};
    run["options"] = json::parse(r.options_json, nullptr, /*allow_exceptions=*/false);
    run["levels"] = json::parse(r.levels_json, nullptr, /*allow_exceptions=*/false);
    if (!run["options"].is_object() || !run["levels"].is_array()) {
      data->notes.push_back(fmt::format("the load run of {} stored at {} is damaged; left out", r.url, r.measured_utc));
      continue;
    }
    data->load_runs.push_back(run.dump());
  }
}

// A study with no snapshot but load runs (`sweetspot load --db --study`
// only): the page shows those, with a note on what is missing.
Result<ReportData> LoadRunsOnly(const ResultsStore& store, std::string_view study, ReportData data) {
  AddLoadRuns(store, study, &data);
  if (data.load_runs.empty()) return Newer(store) ? NothingReadable(store, study) : NoSnapshot(store, study);
  data.notes.push_back(
      fmt::format("study '{}' has no stored study run, only load runs: run `sweetspot study "
                  "SPEC.toml --db {}` to compare its models",
                  study, store.path().string()));
  return data;
}

}  // namespace

Result<ReportData> LoadReportData(const ResultsStore& store, std::string_view study, const ReportLoadOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<StoredStudyReport> stored, store.StudyReports(study));
  ReportData data;
  data.study = std::string(study);
  data.db_path = store.path().string();
  data.generated_utc = options.generated_utc.empty() ? NowUtc() : options.generated_utc;
  if (stored.empty()) return LoadRunsOnly(store, study, std::move(data));
  if (Newer(store)) {
    data.notes.push_back(fmt::format(
        "'{}' was written by a newer sweetspot (schema {}, this one reads {}): showing its stored report snapshots "
        "only; upgrade sweetspot to see everything",
        store.path().string(), store.schema_version(), kResultsSchemaVersion));
  }
  // This sweetspot cannot rewrite a newer store's snapshots: upgrading is the fix.
  const std::string fix = Newer(store) ? "upgrade sweetspot to show it" : "run the study again to replace it";
  std::vector<json> runs;
  for (const StoredStudyReport& s : stored) {
    json run = json::parse(s.report_json, nullptr, /*allow_exceptions=*/false);
    if (!run.is_object() || run.value("schema", "") != "sweetspot.report-run/1") {
      data.notes.push_back(
          fmt::format("the report stored at {} for environment {} is not a sweetspot.report-run/1 "
                      "document; left out ({})",
                      s.written_utc, s.environment_id, fix));
      continue;
    }
    run["written_utc"] = s.written_utc;
    runs.push_back(std::move(run));
  }
  if (runs.empty()) return Newer(store) ? NothingReadable(store, study) : NoSnapshot(store, study);
  LimitSampleArrays(&runs, &data.notes);
  for (const json& run : runs) data.runs.push_back(run.dump());
  data.classes = runs.front().value("dataset", json::object()).value("classes", std::vector<std::string>());
  if (options.thumbnails) AddThumbnails(runs, options, &data);
  AddLoadRuns(store, study, &data);
  return data;
}

std::string ReportDataJson(const ReportData& data) {
  json thumbnails = json::object();
  for (const auto& [index, uri] : data.thumbnails) thumbnails[std::to_string(index)] = uri;
  json runs = json::array();
  for (const std::string& run : data.runs) {
    runs.push_back(json::parse(run, nullptr, /*allow_exceptions=*/false));
    assert(runs.back().is_object() && "ReportData::runs holds the JSON documents LoadReportData read");
  }
  json load_runs = json::array();
  for (const std::string& run : data.load_runs) load_runs.push_back(json::parse(run, nullptr, false));
  return DumpJson({{"schema", "sweetspot.report/1"},
                   {"study", data.study},
                   {"db_path", data.db_path},
                   {"generated_utc", data.generated_utc},
                   {"notes", data.notes},
                   {"classes", data.classes},
                   {"thumbnails", thumbnails},
                   {"runs", runs},
                   {"load_runs", load_runs}});
}

}  // namespace sweetspot
