// Output plumbing shared by the subcommands.
#pragma once

#include <string>
#include <string_view>

#include "sweetspot/status.h"

namespace sweetspot::cli {

// Writes SafeText(`text`) to stdout when `path` is "-", else atomically to the
// file (names that are not UTF-8 come out escaped, never as raw bytes).
// `flag` (e.g. "--json") prefixes errors so the user knows which option failed.
Status WriteOutput(const std::string& path, const std::string& text, std::string_view flag);

// True when stderr is a terminal: progress bars are drawn only then.
bool StderrIsTerminal();

// Erases the current progress line (no-op when stderr is not a terminal).
void ClearProgressLine();

}  // namespace sweetspot::cli
