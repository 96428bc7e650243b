#include "support/support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "sweetspot/onnx_model.h"

namespace sweetspot::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("sweetspot-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path SharedData(const std::string& relative) {
  fs::path p = fs::path(SWEETSPOT_SHARED_DATA_DIR) / relative;
  std::error_code ec;
  return fs::exists(p, ec) ? fs::canonical(p, ec) : fs::path();
}

fs::path WriteModel(const onnx::ModelProto& model, const fs::path& path) {
  const Status status = SaveOnnxModel(model, path);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return path;
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

CommandResult RunCli(const std::string& args) { return RunCliUnder("", args); }

CommandResult RunCliUnder(const std::string& wrapper, const std::string& args) {
  TempDir dir;
  const std::string cmd = wrapper + " '" + SWEETSPOT_CLI_PATH + "' " + args + " >'" + (dir / "out").string() + "' 2>'" +
                          (dir / "err").string() + "' </dev/null";
  const int raw = std::system(cmd.c_str());  // NOLINT(concurrency-mt-unsafe): tests run it sequentially
  CommandResult result;
  result.exit_code = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  result.out = slurp(dir / "out");
  result.err = slurp(dir / "err");
  return result;
}

}  // namespace sweetspot::testing
