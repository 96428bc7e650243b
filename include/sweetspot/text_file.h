// Writing result files so that a reader never sees half of one.
#pragma once

#include <filesystem>
#include <string>

#include "sweetspot/status.h"

namespace sweetspot {

// Writes `text` to a temporary file beside `path`, then renames it over
// `path`: an interrupted or failed write leaves any previous file intact and
// no partial one. Errors name the path and the likely fix.
Status WriteTextFile(const std::filesystem::path& path, const std::string& text);

}  // namespace sweetspot
