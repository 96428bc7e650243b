// Output plumbing shared by the subcommands: writing results, the one
// progress bar every subcommand draws, and CLI11 validators with messages a
// user can read.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

// Writes SafeText(`text`) to stdout when `path` is "-", else atomically to the
// file (names that are not UTF-8 come out escaped, never as raw bytes).
// `flag` (e.g. "--json") prefixes errors so the user knows which option failed.
Status WriteOutput(const std::string& path, const std::string& text, std::string_view flag);

// Output checks, made before any work so that a bad path fails in a second,
// not after an hour of training or measuring. Each error is one line naming
// `flag` and the fix: the folder is missing (mkdir -p), a file stands where a
// folder should be, or the folder takes no new file (tested by creating one,
// so it holds for root and read-only mounts too).
//
// A file `path` the command will write: "" and "-" (stdout) pass; a path that
// is a folder fails.
// kReplacesIt (every output but a results database) also refuses an
// existing SQLite file: writing there would destroy stored measurements.
enum class OutputFile { kReplacesIt, kDatabase };
Status CheckOutputFile(const std::string& path, std::string_view flag, OutputFile kind = OutputFile::kReplacesIt);

// `--size` as "224" (square) or "224x160" (WIDTHxHEIGHT), both positive;
// the one parser of eval's and train's --size.
Status ParseSizeFlag(const std::string& text, int* width, int* height);
// A folder the command will write files into.
Status CheckOutputFolder(const std::filesystem::path& folder, std::string_view flag);
// At most one of `outputs` ({path, flag} pairs) may be "-": two documents on
// stdout one after the other could not be parsed.
Status CheckOneStdout(std::initializer_list<std::pair<std::string_view, std::string_view>> outputs);

// `status` with its fixes (status.h) named as this tool's flags and appended
// to its message ("...: pass --size 224x224 --dim H=VALUE"): the one table
// from the library's field names to flags. main renders every error so.
Status WithFlagFixes(const Status& status);

// The per-stage speed table eval prints: `heading`, then one row per stage
// with its p50 and mean in milliseconds.
std::string StageTimesTable(std::string_view heading,
                            std::initializer_list<std::pair<std::string_view, const stats::Summary*>> stages);

// "p = 0.012: significant at 5 %" (or "not significant at 5 %"): a paired
// comparison's p-value as eval prints it (PValueText, p_value_text.h: a
// bootstrap p of `resamples` replicates at its floor is "p < 0.002").
std::string SignificanceText(double p_value, std::size_t resamples);

// Registers the hidden subcommand `name` REQUEST RESULT of an isolated
// measurement (child_process.h): runs `run(request, result)` and leaves
// without static destructors (the result file says everything, errors
// included; the runtime's teardown is skipped).
void RegisterChildCommand(CLI::App& root, std::function<Status()>* selected, const std::string& name,
                          Status (*run)(const std::filesystem::path& request, const std::filesystem::path& result));

// True when stderr is a terminal: progress bars are drawn only then.
bool StderrIsTerminal();

// Erases the current progress line (no-op when stderr is not a terminal).
void ClearProgressLine();

// The progress line of every subcommand, on stderr:
//   "label [#######.................] 3/8  detail  ETA 1m20s"
// redrawn in place at most every 100 ms, and only on a terminal (a log gets
// just the lines passed to Print). The ETA extrapolates from the time since
// `label` last changed. Not thread-safe: call it from one thread.
class ProgressBar {
 public:
  // `enabled` false (e.g. --quiet) draws and prints nothing.
  explicit ProgressBar(bool enabled = true);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Work counted in items; `done` == `total` always draws.
  void Update(std::string_view label, std::size_t done, std::size_t total, std::string_view detail = {});
  // Work measured as a fraction in [0, 1], or negative when unknown ("label: detail...").
  void Update(std::string_view label, double fraction, std::string_view detail);
  // Clears the bar and prints `line` plus a newline, on a terminal or not.
  void Print(std::string_view line);
  // Erases the bar (a later Update draws it again).
  void Clear();

 private:
  using Clock = std::chrono::steady_clock;
  bool Due(std::string_view label, bool force);

  bool tty_;
  bool enabled_;
  bool drawn_ = false;
  std::string label_;
  Clock::time_point label_start_{};
  Clock::time_point last_draw_{};
};

// CLI11 checks with readable messages ("--batch: 0 is not a positive
// integer"); CLI11 2.1's own print the whole double range.
CLI::Validator PositiveInteger();
CLI::Validator NonNegativeInteger();
CLI::Validator NonNegativeNumber();

// A library parse result with the flag that gave the text as its context
// ("--scenario: unknown scenario 'x' (expected ...)").
template <typename T>
Result<T> WithFlag(Result<T> parsed, std::string_view flag) {
  if (parsed.ok()) return parsed;
  return parsed.status().WithContext(flag);
}

// NAME=VALUE pairs that PositiveInteger().application_index(1) checked, as
// a map of their values (a later pair for the same name wins).
std::map<std::string, std::int64_t> DimValues(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace sweetspot::cli
