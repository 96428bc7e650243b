#include "output.h"

#include <unistd.h>

#include <cstdio>

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

bool StderrIsTerminal() { return isatty(STDERR_FILENO) != 0; }

void ClearProgressLine() {
  if (StderrIsTerminal()) std::fprintf(stderr, "\r\033[K");
}

}  // namespace sweetspot::cli
