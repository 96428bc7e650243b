#include "study/report_tables.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

nlohmann::json IntervalJson(const stats::Interval& ci) {
  return ci.valid ? nlohmann::json::array({ci.lower, ci.upper}) : nlohmann::json(nullptr);
}

std::string Joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& reason : reasons) out += (out.empty() ? "" : "; ") + reason;
  return out;
}

std::string Verdicts(const std::vector<Candidate>& candidates, const Analysis& a, const std::string& where,
                     const std::string& bullet) {
  std::string out;
  if (a.recommended) {
    out += fmt::format("Recommended{}: {}\n", where, candidates[*a.recommended].name);
    for (const auto& reason : a.recommendation_reasons) out += bullet + reason + "\n";
  } else {
    out += fmt::format("No recommendation{}: no candidate meets the constraints", where);
    if (a.closest) {
      out +=
          fmt::format("; the closest is {}: {}", candidates[*a.closest].name, Joined(a.candidates[*a.closest].reasons));
    }
    out += "\n";
  }
  bool header = false;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    if (a.recommended == k) continue;
    if (!header)
      out += a.recommended ? "Why the others lost" + where + ":\n" : "Why each candidate fails" + where + ":\n";
    header = true;
    out += fmt::format("{}{} ({}): {}\n", bullet, candidates[k].name, VerdictName(a.candidates[k].verdict),
                       Joined(a.candidates[k].reasons));
  }
  return out;
}

nlohmann::json AnalysisJson(const std::vector<Candidate>& candidates, const Analysis& a) {
  nlohmann::json out = {
      {"recommended", a.recommended ? nlohmann::json(candidates[*a.recommended].name) : nlohmann::json(nullptr)},
      {"recommendation_reasons", a.recommendation_reasons},
      {"rests_on_undecided", a.rests_on_undecided}};
  if (a.closest) out["closest"] = candidates[*a.closest].name;
  return out;
}

std::string MeasuredFooter(const StudyReport& r) {
  return fmt::format("Measured on {}, {} logical cores, onnxruntime {}: {} new, {} reused, {} failed; stored in {}",
                     r.environment.cpu_model.empty() ? "unknown CPU" : r.environment.cpu_model,
                     r.environment.logical_cores, r.backend_version, r.measured, r.reused, r.failed, r.db_path);
}

}  // namespace sweetspot
