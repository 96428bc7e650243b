// Writing a file so that its final name only ever holds a complete file
// (private to src/train).
#pragma once

#include <filesystem>
#include <string_view>

#include "sweetspot/status.h"

namespace sweetspot {

// Writes `bytes` to "<path>.tmp-<pid>", fsyncs it, and renames it to `path`;
// any failure removes the temporary file and leaves `path` untouched. ENOSPC,
// EDQUOT and EFBIG (a full disk, a quota, a file-size limit) are
// InvalidArgument, since choosing another folder fixes them; other errors are
// IoError. Messages name `path`.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace sweetspot
