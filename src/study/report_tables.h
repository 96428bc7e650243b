// The tables of the study's renderings (study_report.h): a header and rows of
// cells, the first column and the last two (text) left-aligned, the others
// (figures) right-aligned.
#pragma once

#include <string>
#include <vector>

namespace sweetspot {

// Columns padded to their widest cell, two spaces apart, no trailing blanks.
std::string TextTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// A GitHub-flavoured Markdown table, '|' in cells escaped.
std::string MarkdownTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// A p-value as the reports print it: three decimals, or scientific notation
// below 0.001 ("4.0e-04"), so a small p keeps its magnitude.
std::string PValueText(double p);

}  // namespace sweetspot
