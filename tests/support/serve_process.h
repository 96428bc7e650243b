// `sweetspot serve ARGS...` running in the background for a test: the built
// binary, stdout through a pipe (its first line, "serving http://127.0.0.1:PORT
// (models: ...)", says the port when --http-port 0), stderr into a file.
// `sigint_ignored` starts it as a shell starts a background job (`serve ...
// &`): with SIGINT ignored, a disposition exec keeps. Killed (SIGKILL) when
// the object goes, unless Wait() reaped it first.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace sweetspot::testing {

class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::filesystem::path& stderr_file,
               bool sigint_ignored = false);
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }  // 0 when the serving line did not come
  const std::string& line() const { return line_; }
  // The next line on stdout after the first ("serving grpc://..." with
  // --grpc-port), "" at its end.
  std::string NextLine();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Stderr() const;
  void Signal(int signal) const;
  // The exit status (128 + N for signal N).
  int Wait();

 private:
  std::filesystem::path stderr_file_;
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  std::string line_;
  int port_ = 0;
  bool waited_ = false;
};

}  // namespace sweetspot::testing
