// WriteChartPngs: node runs export_png.js (embedded, written to a temporary
// folder) against the page; its output names the files or the failure.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "html/page_assets.h"
#include "sweetspot/html_report.h"
#include "sweetspot/text_file.h"

extern char** environ;

namespace sweetspot {
namespace {

namespace fs = std::filesystem;

// The first `name` on PATH that is an executable file, or "".
fs::path FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) return candidate;
  }
  return {};
}

// Runs `argv` with stdout and stderr into `log`; the exit status, or -1 when it could not start.
int Run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A temporary folder, removed with everything in it when this goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-png-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

Result<std::vector<fs::path>> WriteChartPngs(const fs::path& html, const fs::path& dir, const fs::path& node_modules) {
  const fs::path node = FindOnPath("node");
  if (node.empty()) return Status::FailedPrecondition("the PNG charts need node on PATH: run scripts/bootstrap");
  std::error_code ec;
  if (!fs::is_regular_file(node_modules / "playwright-core" / "package.json", ec)) {
    return Status::FailedPrecondition(fmt::format("the PNG charts need playwright-core under {}: run scripts/bootstrap",
                                                  SafeText(node_modules.string())));
  }
  const char* chromium_env = std::getenv("SWEETSPOT_CHROMIUM");
  const fs::path chromium = chromium_env != nullptr && *chromium_env != '\0' ? chromium_env : "/usr/bin/chromium";
  if (access(chromium.c_str(), X_OK) != 0) {
    return Status::FailedPrecondition(fmt::format(
        "the PNG charts need chromium at {}: run scripts/bootstrap (or set SWEETSPOT_CHROMIUM)", chromium.string()));
  }
  ScratchDir scratch;
  if (scratch.path().empty()) return Status::IoError("cannot make a temporary folder for the PNG export");
  SWEETSPOT_RETURN_IF_ERROR(WriteTextFile(scratch.path() / "export_png.js", html_page::PngScript()));
  const fs::path log = scratch.path() / "log.txt";
  const int status = Run({node.string(), (scratch.path() / "export_png.js").string(), html.string(), dir.string(),
                          chromium.string(), node_modules.string()},
                         log);
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string output, ReadTextFile(log));
  if (status != 0) {
    const std::size_t at = output.rfind("error: ");
    return Status::RuntimeError(fmt::format("the PNG export in headless chromium failed (exit {}): {}", status,
                                            at == std::string::npos ? output : output.substr(at + 7)));
  }
  std::vector<fs::path> written;
  std::stringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("png: ")) written.emplace_back(line.substr(5));
  }
  return written;
}

}  // namespace sweetspot
