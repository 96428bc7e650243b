#include "output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "sweetspot/text_file.h"

namespace sweetspot::cli {

Status WriteOutput(const std::string& path, const std::string& raw, std::string_view flag) {
  const std::string text = SafeText(raw);
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::Ok();
  }
  return WriteTextFile(path, text).WithContext(flag);
}

namespace {

namespace fs = std::filesystem;

std::string Quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// The first leading part of `path` that exists but is not a folder, if any.
fs::path FileInTheWay(const fs::path& path) {
  fs::path prefix;
  for (const fs::path& part : path) {
    prefix /= part;
    std::error_code ec;
    const fs::file_status status = fs::status(prefix, ec);
    if (ec || !fs::exists(status)) return {};
    if (!fs::is_directory(status)) return prefix;
  }
  return {};
}

}  // namespace

Status CheckOutputFolder(const fs::path& folder, std::string_view flag) {
  const fs::path dir = folder.empty() ? fs::path(".") : folder;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (const fs::path file = FileInTheWay(dir); !file.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: {} is a file, not a folder, so {} cannot be written; choose "
                      "another path",
                      flag, Quoted(file), Quoted(dir)));
    }
    return Status::NotFound(
        fmt::format("{}: folder {} does not exist; create it first (mkdir -p {})", flag, Quoted(dir), Quoted(dir)));
  }
  const fs::path probe = dir / fmt::format(".sweetspot-write-test-{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::InvalidArgument(
        fmt::format("{}: cannot create files in folder {} ({}); choose a folder you can "
                    "write to",
                    flag, Quoted(dir), std::strerror(errno)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::Ok();
}

Status CheckOutputFile(const std::string& path, std::string_view flag) {
  if (path.empty() || path == "-") return Status::Ok();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(fmt::format("{}: {} is a folder; name a file inside it", flag, Quoted(path)));
  }
  return CheckOutputFolder(fs::path(path).parent_path(), flag);
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) != 0; }

void ClearProgressLine() {
  if (StderrIsTerminal()) std::fprintf(stderr, "\r\033[K");
}

}  // namespace sweetspot::cli
