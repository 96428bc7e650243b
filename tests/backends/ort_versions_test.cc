// ONNX Runtime versions side by side. A process runs one version, so each
// case that loads a version other than the linked one runs in a child: this
// test binary again, filtered to OrtVersionChild.CreatesTheNamedBackends.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "onnxruntime/ort_library.h"
#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"

namespace sweetspot {
namespace {
namespace fs = std::filesystem;

using testing::TempDir;

constexpr const char* kChildNames = "SWEETSPOT_TEST_ORT_NAMES";  // ','-separated engine names
constexpr const char* kChildModel = "SWEETSPOT_TEST_ORT_MODEL";  // optional: run it under the first
constexpr const char* kChildOut = "SWEETSPOT_TEST_ORT_OUT";      // where the child writes its lines

// Per name, one line: "ok NAME VERSION" or "error CODE MESSAGE"; then, with a
// model, "outputs V1 V2 ..." from the first backend.
TEST(OrtVersionChild, CreatesTheNamedBackends) {
  const char* names = std::getenv(kChildNames);
  if (names == nullptr) GTEST_SKIP() << "runs only as a child of the OrtVersions tests";
  std::ofstream out(std::getenv(kChildOut));
  std::unique_ptr<Backend> first;
  std::istringstream list(names);
  for (std::string name; std::getline(list, name, ',');) {
    auto backend = CreateBackend(name);
    if (!backend.ok()) {
      out << "error " << StatusCodeName(backend.status().code()) << " " << backend.status().message() << "\n";
      continue;
    }
    out << "ok " << (*backend)->name() << " " << (*backend)->version() << "\n";
    if (!first) first = std::move(backend).value();
  }
  const char* model = std::getenv(kChildModel);
  if (model == nullptr || !first) return;
  auto session = first->Load(model, {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = Tensor::Owned(DType::kFloat32, {2, 3, 32, 32});
  auto xv = x.values<float>();
  for (std::size_t i = 0; i < xv.size(); ++i) xv[i] = static_cast<float>(i % 97) / 97.0F - 0.5F;
  auto outputs = (*session)->Run({&x, 1});
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  out << "outputs";
  for (float v : (*outputs)[0].values<float>()) out << " " << v;
  out << "\n";
}

struct ChildRun {
  int exit_code = -1;
  std::vector<std::string> lines;
};

// Runs the child with `names`, and `env` ("VAR=value ...", shell-quoted) before it.
ChildRun RunChild(const std::string& names, const std::string& env, const fs::path& model = {}) {
  TempDir dir;
  const fs::path out = dir / "child.txt";
  std::string command = "env " + env + " " + kChildNames + "='" + names + "' " + kChildOut + "='" + out.string() +
                        "' " + (model.empty() ? "" : std::string(kChildModel) + "='" + model.string() + "' ") + "'" +
                        fs::read_symlink("/proc/self/exe").string() +
                        "' --gtest_filter=OrtVersionChild.CreatesTheNamedBackends >/dev/null 2>&1";
  ChildRun run;
  const int status = std::system(command.c_str());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) run.lines.push_back(line);
  return run;
}

TEST(OrtVersions, ListsTheLinkedVersionAndThoseInTheCache) {
  const auto names = BackendNames();
  const std::string linked = "onnxruntime@" + ort::LinkedOrtLibrary().version;
  EXPECT_EQ(names.front(), "onnxruntime");
  EXPECT_NE(std::find(names.begin(), names.end(), linked), names.end());
  for (const auto& library : ort::FindOrtLibraries()) {
    EXPECT_NE(std::find(names.begin(), names.end(), "onnxruntime@" + library.version), names.end());
  }
}

TEST(OrtVersions, EveryVersionGivesTheSameOutputs) {
  const auto libraries = ort::FindOrtLibraries();
  if (libraries.size() < 2) GTEST_SKIP() << "one ONNX Runtime version here; scripts/bootstrap fetches 1.30.0";
  TempDir dir;
  const fs::path model = testing::WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  std::vector<float> reference;
  for (const auto& library : libraries) {
    const std::string name = "onnxruntime@" + library.version;
    const ChildRun run = RunChild(name, "", model);
    ASSERT_EQ(run.exit_code, 0) << name;
    ASSERT_EQ(run.lines.size(), 2U) << name;
    EXPECT_EQ(run.lines[0], "ok " + name + " " + library.version);
    std::istringstream values(run.lines[1].substr(std::string("outputs").size()));
    std::vector<float> outputs;
    for (float v; values >> v;) outputs.push_back(v);
    ASSERT_EQ(outputs.size(), 20U) << name;
    if (reference.empty()) reference = outputs;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      EXPECT_NEAR(outputs[i], reference[i], 1e-4F * (1.0F + std::abs(reference[i]))) << name << " output " << i;
    }
  }
}

TEST(OrtVersions, ADefaultNameIsTheLinkedVersion) {
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  EXPECT_EQ((*backend)->name(), "onnxruntime@" + ort::LinkedOrtLibrary().version);
  EXPECT_EQ((*backend)->version(), ort::LinkedOrtLibrary().version);
  // The linked version by number is the same library, not a second one.
  auto by_version = CreateBackend("onnxruntime@" + ort::LinkedOrtLibrary().version);
  EXPECT_TRUE(by_version.ok()) << by_version.status().ToString();
}

TEST(OrtVersions, AnUnknownVersionListsTheAvailableOnes) {
  auto backend = CreateBackend("onnxruntime@0.0.1");
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = backend.status().message();
  EXPECT_NE(message.find("'onnxruntime@0.0.1'"), std::string::npos) << message;
  for (const auto& name : BackendNames()) EXPECT_NE(message.find(name), std::string::npos) << message;
  EXPECT_NE(message.find("SWEETSPOT_ONNXRUNTIME_LIBRARIES"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// The fix the unknown-version error proposes: list the library's file.
TEST(OrtVersions, ALibraryListedInTheVariableIsFound) {
  const auto libraries = ort::FindOrtLibraries();
  if (libraries.size() < 2) GTEST_SKIP() << "one ONNX Runtime version here; scripts/bootstrap fetches 1.30.0";
  const ort::OrtLibrary& other = libraries.back();
  TempDir empty_cache;
  const fs::path file = fs::canonical(other.file);  // libonnxruntime.so.VERSION
  const ChildRun run =
      RunChild("onnxruntime@" + other.version, "SWEETSPOT_CACHE_DIR='" + empty_cache.path().string() +
                                                   "' SWEETSPOT_ONNXRUNTIME_LIBRARIES='" + file.string() + "'");
  ASSERT_EQ(run.lines.size(), 1U);
  EXPECT_EQ(run.lines[0], "ok onnxruntime@" + other.version + " " + other.version);
}

TEST(OrtVersions, AFileThatIsNotOnnxRuntimeIsRefused) {
  fs::path zlib;
  for (const char* candidate : {"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                                "/lib64/libz.so.1", "/usr/lib/libz.so.1"}) {
    if (fs::exists(candidate)) zlib = candidate;
  }
  if (zlib.empty()) GTEST_SKIP() << "no libz.so.1 to stand in for a wrong library";
  TempDir cache;
  fs::create_directories(cache / "onnxruntime-9.9.9/lib");
  const fs::path file = cache / "onnxruntime-9.9.9/lib/libonnxruntime.so";
  fs::create_symlink(zlib, file);
  const std::string env = "SWEETSPOT_CACHE_DIR='" + cache.path().string() + "'";
  const ChildRun run = RunChild("onnxruntime@9.9.9", env);
  ASSERT_EQ(run.lines.size(), 1U);
  EXPECT_EQ(run.lines[0], "error invalid data '" + file.string() +
                              "' is not ONNX Runtime (it has no OrtGetApiBase): delete the folder '" +
                              (cache / "onnxruntime-9.9.9").string() +
                              "' (scripts/bootstrap fetches ONNX Runtime into the cache)");
  // The fix: without the folder, 9.9.9 is no version here, and the others are listed.
  fs::remove_all(cache / "onnxruntime-9.9.9");
  const ChildRun fixed = RunChild("onnxruntime@9.9.9,onnxruntime", env);
  ASSERT_EQ(fixed.lines.size(), 2U);
  EXPECT_EQ(fixed.lines[0].rfind("error invalid argument unknown backend 'onnxruntime@9.9.9' (available: ", 0), 0U)
      << fixed.lines[0];
  EXPECT_EQ(fixed.lines[1].rfind("ok onnxruntime@", 0), 0U) << fixed.lines[1];
}

TEST(OrtVersions, ASecondVersionInOneProcessIsRefused) {
  const auto libraries = ort::FindOrtLibraries();
  if (libraries.size() < 2) GTEST_SKIP() << "one ONNX Runtime version here; scripts/bootstrap fetches 1.30.0";
  const std::string first = "onnxruntime@" + libraries.back().version;
  const std::string second = "onnxruntime@" + libraries.front().version;
  const ChildRun run = RunChild(first + "," + second + "," + first, "");
  ASSERT_EQ(run.lines.size(), 3U);
  EXPECT_EQ(run.lines[0], "ok " + first + " " + libraries.back().version);
  EXPECT_EQ(
      run.lines[1].rfind(
          "error failed precondition this process already uses ONNX Runtime " + libraries.back().version + " (", 0),
      0U)
      << run.lines[1];
  EXPECT_NE(run.lines[1].find("ONNX Runtime " + libraries.front().version), std::string::npos) << run.lines[1];
  EXPECT_NE(run.lines[1].find("another process"), std::string::npos) << run.lines[1];
  // The version in use stays usable.
  EXPECT_EQ(run.lines[2], run.lines[0]);
}

}  // namespace
}  // namespace sweetspot
