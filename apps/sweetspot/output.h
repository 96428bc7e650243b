// Output plumbing shared by the subcommands.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

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
Status CheckOutputFile(const std::string& path, std::string_view flag);
// A folder the command will write files into.
Status CheckOutputFolder(const std::filesystem::path& folder, std::string_view flag);

// True when stderr is a terminal: progress bars are drawn only then.
bool StderrIsTerminal();

// Erases the current progress line (no-op when stderr is not a terminal).
void ClearProgressLine();

}  // namespace sweetspot::cli
