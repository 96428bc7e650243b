// Renderings of a StudyReport: the terminal table with the recommendation and
// the reason every other candidate lost, and --json / --csv / --markdown.
// Pure functions of the report (golden-tested), thread-safe; docs/study.md
// describes them. Sizes are in MB = 10^6 bytes, MACs per sample, latencies in ms.
#pragma once

#include <string>

#include "sweetspot/study.h"

namespace sweetspot {

// Table (name, size MB, params, MACs, top-1 +/- 95 % CI, p50/p99 ms, items/s,
// peak MB, on the accuracy-latency frontier, verdict), then the
// recommendation with its reasons, the reasons of the others, the fits, and
// where the measurements are stored.
std::string RenderStudyText(const StudyReport& report);

// {"schema": "sweetspot.study/1", ...}: every figure, verdict and reason.
std::string RenderStudyJson(const StudyReport& report);

// One row per candidate, header first; reasons joined by "; ".
std::string RenderStudyCsv(const StudyReport& report);

// The table and the reasons as GitHub-flavoured Markdown.
std::string RenderStudyMarkdown(const StudyReport& report);

}  // namespace sweetspot
