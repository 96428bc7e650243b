// WriteChartPngs: node runs export_png.js (embedded) against the page; its
// output names the files or the failure.
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

struct RunOutcome {
  int status = -1;     // the exit status; -1 when it could not start
  std::string output;  // stdout and stderr
};

// Runs `argv` and collects what it writes to stdout and stderr.
RunOutcome Run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  RunOutcome outcome;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n > 0) outcome.output.append(buffer, static_cast<std::size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  close(pipe_fds[0]);
  if (spawned != 0) return outcome;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

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
  // The script goes on the command line (node -e), so nothing is left behind.
  const RunOutcome run = Run({node.string(), "-e", std::string(html_page::PngScript()), html.string(), dir.string(),
                              chromium.string(), node_modules.string()});
  if (run.status != 0) {
    const std::size_t at = run.output.rfind("error: ");
    return Status::RuntimeError(fmt::format("the PNG export in headless chromium failed (exit {}): {}", run.status,
                                            at == std::string::npos ? run.output : run.output.substr(at + 7)));
  }
  std::vector<fs::path> written;
  std::stringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("png: ")) written.emplace_back(line.substr(5));
  }
  return written;
}

}  // namespace sweetspot
