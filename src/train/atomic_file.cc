#include "train/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/core.h>

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

Status WriteError(const fs::path& path, int error) {
  if (error == ENOSPC || error == EDQUOT || error == EFBIG) {
    return Status::InvalidArgument(fmt::format("cannot save '{}': {}; free some space or choose another --out folder",
                                               path.string(), std::strerror(error)));
  }
  return Status::IoError(fmt::format("cannot save '{}': {}", path.string(), std::strerror(error)));
}

}  // namespace

Status WriteFileAtomically(const fs::path& path, std::string_view bytes) {
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return WriteError(path, errno);
  int error = 0;
  std::size_t written = 0;
  while (written < bytes.size() && error == 0) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) written += static_cast<std::size_t>(n);
  }
  // Without fsync a crash after the rename could leave an empty file under the final name.
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return WriteError(path, error);
  }
  return Status::Ok();
}

}  // namespace sweetspot
