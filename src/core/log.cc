#include "sweetspot/log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sweetspot {
namespace {

LogLevel ThresholdFromEnvironment() {
  const char* value = std::getenv("SWEETSPOT_LOG_LEVEL");
  const std::string_view name = value != nullptr ? value : "";
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (LogLevelName(level) == name) return level;
  }
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
