#include "study/report_tables.h"

#include <algorithm>

#include <fmt/format.h>

namespace sweetspot {
namespace {

bool TextColumn(std::size_t k, std::size_t columns) { return k == 0 || k >= columns - 2; }

}  // namespace

std::string TextTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t k = 0; k < header.size(); ++k) {
    width[k] = header[k].size();
    for (const auto& row : rows) width[k] = std::max(width[k], row[k].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t k = 0; k < cells.size(); ++k) {
      const bool left = TextColumn(k, cells.size());
      s += (k == 0 ? "" : "  ") +
           (left ? fmt::format("{:<{}}", cells[k], width[k]) : fmt::format("{:>{}}", cells[k], width[k]));
    }
    return s.substr(0, s.find_last_not_of(' ') + 1) + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string MarkdownTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "|";
  for (const auto& h : header) out += " " + h + " |";
  out += "\n|";
  for (std::size_t k = 0; k < header.size(); ++k) out += TextColumn(k, header.size()) ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& row : rows) {
    out += "|";
    for (const auto& cell : row) {
      std::string escaped;
      for (char ch : cell) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
      out += " " + escaped + " |";
    }
    out += "\n";
  }
  return out;
}

std::string PValueText(double p) { return p < 0.001 ? fmt::format("{:.1e}", p) : fmt::format("{:.3f}", p); }

}  // namespace sweetspot
