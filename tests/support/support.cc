#include "support/support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

fs::path DemoModel(const std::string& name) {
  return fs::path(SWEETSPOT_TEST_DIR).parent_path() / "examples" / "fashion-mnist" / (name + ".onnx");
}

bool HaveFashionMnistTest() { return fs::exists(kFashionMnistTest + "-images-idx3-ubyte.gz"); }

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

namespace {

void Put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void Put16(std::string& s, std::uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}

}  // namespace

// A solid 2x2 24-bit BMP (written by hand: this test links no image library).
void WriteBmp(const std::filesystem::path& path, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  std::filesystem::create_directories(path.parent_path());
  const std::uint32_t row = 8;  // 2 pixels * 3 bytes, padded to 4
  std::string s = "BM";
  Put32(s, 54 + row * 2);
  Put32(s, 0);
  Put32(s, 54);
  Put32(s, 40);
  Put32(s, 2);
  Put32(s, 2);
  Put16(s, 1);
  Put16(s, 24);
  Put32(s, 0);
  Put32(s, row * 2);
  Put32(s, 2835);
  Put32(s, 2835);
  Put32(s, 0);
  Put32(s, 0);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) s += {static_cast<char>(b), static_cast<char>(g), static_cast<char>(r)};
    s += std::string(2, '\0');
  }
  WriteFile(path, s);
}

void ExpectMatchesGolden(const std::string& text, const std::string& relative) {
  const std::string path = std::string(SWEETSPOT_TEST_DIR) + "/" + relative;
  if (std::getenv("SWEETSPOT_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << text;
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str()) << relative;
}

}  // namespace sweetspot::testing
