#include "sweetspot/log.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

constexpr LogLevel kLevels[] = {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError};

// Unset or empty: the default. Case is ignored. A value that names no level
// is said aloud once: a misspelt level would otherwise just show nothing.
LogLevel ThresholdFromEnvironment() {
  const char* value = std::getenv("SWEETSPOT_LOG_LEVEL");
  std::string name = value != nullptr ? value : "";
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.empty()) return LogLevel::kWarning;
  for (LogLevel level : kLevels) {
    if (LogLevelName(level) == name) return level;
  }
  std::fprintf(stderr,
               "sweetspot: warning: SWEETSPOT_LOG_LEVEL '%s' is not a level; using warning (accepted: debug, info, "
               "warning, error)\n",
               SafeText(value).c_str());
  // Child processes (isolated measurements) inherit the level used here and
  // do not warn again. main reads the threshold before any thread starts.
  setenv("SWEETSPOT_LOG_LEVEL", "warning", 1);
  return LogLevel::kWarning;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "warning";
}

LogLevel LogThreshold() {
  static const LogLevel threshold = ThresholdFromEnvironment();
  return threshold;
}

void Log(LogLevel level, std::string_view message) {
  if (level < LogThreshold()) return;
  std::string line(message);
  std::replace(line.begin(), line.end(), '\n', ' ');
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  // One fprintf per line: stdio locks the stream, so lines from threads do not interleave.
  std::fprintf(stderr, "sweetspot: %s: %s\n", std::string(LogLevelName(level)).c_str(), line.c_str());
}

}  // namespace sweetspot
