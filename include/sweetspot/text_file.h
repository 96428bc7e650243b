// Writing result files: atomically, so that a reader never sees half of
// one, and CSV fields quoted the one way all our CSV outputs share.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "sweetspot/status.h"

namespace sweetspot {

// Writes `text` to a temporary file beside `path`, fsyncs it, then renames
// it over `path`: an interrupted or failed write leaves any previous file
// intact and no partial one. A full disk (or a file-size limit) is
// kInvalidArgument, "free some space or write elsewhere", since the user fixes
// it; other failures are kIoError. Errors name the path.
Status WriteTextFile(const std::filesystem::path& path, std::string_view text);

// `field` as one CSV field: as is, or double-quoted (quotes doubled) when it
// holds a comma, a quote or a newline (RFC 4180).
std::string CsvField(const std::string& field);

}  // namespace sweetspot
