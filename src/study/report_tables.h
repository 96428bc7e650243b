// The tables of the study's renderings (study_report.h): a header and rows of
// cells, the first column and the last two (text) left-aligned, the others
// (figures) right-aligned; and the pieces every task's rendering shares.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/analysis.h"
#include "sweetspot/study.h"

namespace sweetspot {

// Columns padded to their widest cell, two spaces apart, no trailing blanks.
std::string TextTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// A GitHub-flavoured Markdown table, '|' in cells escaped.
std::string MarkdownTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// A p-value as the reports print it: three decimals, or scientific notation
// below 0.001 ("4.0e-04"), so a small p keeps its magnitude.
std::string PValueText(double p);

// [lower, upper], or null when the interval is unknown.
nlohmann::json IntervalJson(const stats::Interval& ci);

// Reasons joined with "; ".
std::string Joined(const std::vector<std::string>& reasons);

// The recommendation (or its absence, naming the closest) and each other
// candidate's reasons, one bullet each (`bullet` "  - " for text, "- " for
// Markdown); `where` follows the headings (" on voc100", "").
std::string Verdicts(const std::vector<Candidate>& candidates, const Analysis& a, const std::string& where,
                     const std::string& bullet);

// The analysis' recommendation, its reasons and the closest candidate as JSON keys.
nlohmann::json AnalysisJson(const std::vector<Candidate>& candidates, const Analysis& a);

// "Measured on <CPU>, N logical cores, onnxruntime V: N new, N reused, N failed; stored in DB".
std::string MeasuredFooter(const StudyReport& r);

}  // namespace sweetspot
