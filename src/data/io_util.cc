#include "data/io_util.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace sweetspot {

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("file " + path.string() + " does not exist");
  if (std::filesystem::is_directory(path, ec))
    return Status::InvalidArgument(path.string() + " is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string() + " (permission denied?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("error while reading " + path.string());
  return ss.str();
}

std::string_view Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace sweetspot
