// Diagnostics on stderr, one line each: "sweetspot: warning: ...".
//
// The threshold comes from the environment variable SWEETSPOT_LOG_LEVEL
// (debug, info, warning or error, any case; default warning) and is read once,
// by the first LogThreshold() call (main makes it at start); a value that is
// none of those gets one warning line naming the variable and the accepted
// values, and the default applies. Messages
// from libraries (ONNX Runtime's own log) come through here too, so they look
// like ours and carry no terminal colour codes.
//
// Thread-safety: Log may be called from any thread; each call writes one line.
#pragma once

#include <string_view>

namespace sweetspot {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

std::string_view LogLevelName(LogLevel level);  // "debug", "info", "warning", "error"
// Messages below this level are dropped.
LogLevel LogThreshold();
// Writes "sweetspot: LEVEL: MESSAGE" to stderr when `level` >= LogThreshold().
// Newlines inside `message` become spaces: one message is one line.
void Log(LogLevel level, std::string_view message);

}  // namespace sweetspot
