// Shared test helpers: temporary folders, real data in ../shared/data, and
// the built CLI.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

namespace sweetspot::testing {

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The shipped Fashion-MNIST family: examples/fashion-mnist/<name>.onnx.
std::filesystem::path DemoModel(const std::string& name);

// Debian's dataset-fashion-mnist test set (IDX prefix), and whether it is installed.
inline const std::string kFashionMnistTest = "/usr/share/datasets/fashion-mnist/t10k";
bool HaveFashionMnistTest();

// ../shared/data/<relative>; empty if it does not exist.
std::filesystem::path SharedData(const std::string& relative);

// Writes `model` to `path` and returns the path (asserts on failure).
std::filesystem::path WriteModel(const onnx::ModelProto& model, const std::filesystem::path& path);

// Writes raw bytes to a file.
void WriteFile(const std::filesystem::path& path, const std::string& bytes);

// A solid 2x2 24-bit BMP of colour (r, g, b), written by hand so that tests
// need no image library; creates the parent folders.
void WriteBmp(const std::filesystem::path& path, std::uint8_t r, std::uint8_t g, std::uint8_t b);

// Compares `text` byte for byte with the golden file `relative` (under
// tests/); SWEETSPOT_UPDATE_GOLDEN=1 rewrites the file first, after an
// intended change.
void ExpectMatchesGolden(const std::string& text, const std::string& relative);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the built `sweetspot` binary with `args` (shell-quoted by the caller).
CommandResult RunCli(const std::string& args);
// The same, started through `wrapper`, a shell command prefix such as
// "taskset -c 0" or "env OMP_NUM_THREADS=1".
CommandResult RunCliUnder(const std::string& wrapper, const std::string& args);

}  // namespace sweetspot::testing

// Skips the test when a file under ../shared/data is missing, saying which.
#define SWEETSPOT_REQUIRE_SHARED_DATA(var, relative)                            \
  const std::filesystem::path var = ::sweetspot::testing::SharedData(relative); \
  if ((var).empty()) GTEST_SKIP() << "../shared/data/" << (relative) << " is missing; skipping"
