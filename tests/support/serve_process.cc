#include "support/serve_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

extern char** environ;

namespace sweetspot::testing {

ServeProcess::ServeProcess(const std::vector<std::string>& args, const std::filesystem::path& stderr_file,
                           bool sigint_ignored)
    : stderr_file_(stderr_file) {
  std::vector<std::string> argv_strings = {SWEETSPOT_CLI_PATH, "serve"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto previous = std::signal(SIGINT, sigint_ignored ? SIG_IGN : SIG_DFL);
  EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
  std::signal(SIGINT, previous);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  stdout_ = fdopen(out[0], "r");
  char line[512] = {};
  if (std::fgets(line, sizeof(line), stdout_) != nullptr) line_ = line;
  std::smatch match;
  if (std::regex_search(line_, match, std::regex(R"(^serving http://127\.0\.0\.1:(\d+) \(models: (.*)\)\n$)"))) {
    port_ = std::stoi(match.str(1));
  }
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0 && !waited_) {
    kill(pid_, SIGKILL);
    Wait();
  }
  if (stdout_ != nullptr) std::fclose(stdout_);
}

std::string ServeProcess::NextLine() {
  char line[512] = {};
  return std::fgets(line, sizeof(line), stdout_) != nullptr ? line : "";
}

std::string ServeProcess::Stderr() const {
  std::ifstream in(stderr_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ServeProcess::Signal(int signal) const { kill(pid_, signal); }

int ServeProcess::Wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  waited_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace sweetspot::testing
