// Renderings of what the results store holds, for `sweetspot results`: the
// list of studies, and one study's measurements (every stored row, oldest
// first, with its settings and time). Pure functions (golden-tested),
// thread-safe; docs/study.md describes the formats.
#pragma once

#include <string>
#include <vector>

#include "sweetspot/results_store.h"

namespace sweetspot {

std::string RenderStudyListText(const std::vector<StudyListing>& studies);
std::string RenderStudyListJson(const std::vector<StudyListing>& studies);
std::string RenderStudyListCsv(const std::vector<StudyListing>& studies);

// Text: one line per measurement. JSON: {"schema": "sweetspot.results/2",
// "study", "environments": [...], "candidates": [...]} with raw latencies and
// the eval documents (per-sample predictions are left out). CSV: one row per
// measurement. Each row names its environment (environment_id, and in CSV its
// description; text: "env N" when the rows come from several environments).
std::string RenderMeasurementsText(const std::string& study, const std::vector<CandidateMeasurements>& candidates);
std::string RenderMeasurementsJson(const std::string& study, const std::vector<CandidateMeasurements>& candidates);
std::string RenderMeasurementsCsv(const std::string& study, const std::vector<CandidateMeasurements>& candidates);

}  // namespace sweetspot
