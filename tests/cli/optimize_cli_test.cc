// `sweetspot optimize` on the built binary: what it writes and prints, the
// cache, and bad input (one line, exit 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/content_hash.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

class OptimizeCliTest : public ::testing::Test {
 protected:
  OptimizeCliTest() {
    testing::TinyCnnSpec cnn;
    cnn.image_size = 8;
    testing::WriteModel(testing::TinyCnn(cnn), dir_ / "cnn.onnx");
    fs::create_directories(dir_ / "out");
  }

  std::string Optimize(const std::string& flags) const {
    return "optimize '" + (dir_ / "cnn.onnx").string() + "' --cache-dir '" + (dir_ / "cache").string() + "' " + flags;
  }

  TempDir dir_;
};

TEST_F(OptimizeCliTest, WritesALoadableVariantAndTakesItFromTheCacheNextTime) {
  const std::string flags = "--prune 0.5 --out '" + (dir_ / "out").string() + "' --json -";
  const auto first = RunCli(Optimize(flags));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json doc = json::parse(first.out);
  EXPECT_EQ(doc["variant"], "prune:0.5:unstructured");
  EXPECT_EQ(doc["transform"], "prune");
  EXPECT_EQ(doc["from_cache"], false);
  EXPECT_TRUE(doc["calibration"].is_null());
  EXPECT_FALSE(doc["notes"].empty());
  const fs::path output = doc["output"].get<std::string>();
  EXPECT_EQ(output, dir_ / "out" / "cnn.prune-0.5-unstructured.onnx");
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok());
  EXPECT_TRUE((*backend)->Load(output, {}).ok());

  const auto second = RunCli(Optimize("--prune 0.5 --out '" + (dir_ / "out").string() + "'"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("prune:0.5:unstructured of "));
  EXPECT_THAT(second.out, HasSubstr("(from the cache)"));
  EXPECT_THAT(second.out, HasSubstr("wrote " + output.string()));
}

TEST_F(OptimizeCliTest, BadInputIsOneLineAndExitsTwo) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "no transform asked for; pass exactly one of --int8 static|dynamic, --fp16"},
      {"--fp16 --int8 dynamic", "more than one transform asked for"},
      {"--int8 dense", "--int8: 'dense' is neither static nor dynamic"},
      {"--int8 static --method kl", "--method: 'kl' is not a calibration method (minmax, percentile or entropy)"},
      {"--prune 1.5", "--prune: variant 'prune:1.5:unstructured': fraction '1.5' is not a number in (0, 1)"},
      {"--resize 0", "--resize: variant 'resize:0'"},
      {"--prune 0", "--prune: variant 'prune:0:unstructured': fraction '0' is not a number in (0, 1)"},
      {"--int8 dynamic --samples 0", "--samples"},
      {"--int8 static", "--int8 static needs calibration samples: add --data DIR"},
      {"--int8 static --data '" + (dir_ / "nowhere").string() + "'", "--data"},
  };
  for (const auto& [flags, error] : cases) {
    const auto r = RunCli(Optimize(flags));
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(error)) << flags;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // mkdir -p cannot create a folder under /proc: no mkdir is proposed.
  const auto proc = RunCli(Optimize("--fp16 --out /proc/x"));
  EXPECT_EQ(proc.exit_code, 2) << proc.err;
  EXPECT_THAT(proc.err, HasSubstr("--out: folder '/proc/x' does not exist and cannot be created: folder '/proc' is "
                                  "not writable (it takes no new files); choose another folder"));
  EXPECT_THAT(proc.err, ::testing::Not(HasSubstr("mkdir")));
  const auto missing = RunCli("optimize '" + (dir_ / "none.onnx").string() + "' --fp16");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("does not exist"));
}

// The trial: cnn-nano (Conv, MaxPool, Flatten, Gemm, symbolic batch) resized
// to 14 exited 0 with a model whose Gemm could not run.
TEST_F(OptimizeCliTest, ResizingAFlattenIntoGemmModelIsRefusedNamingTheGemm) {
  const fs::path model = fs::path(SWEETSPOT_TEST_DIR) / ".." / "examples" / "fashion-mnist" / "cnn-nano.onnx";
  const auto r = RunCli("optimize '" + model.string() + "' --cache-dir '" + (dir_ / "cache").string() +
                        "' --resize 14 --out '" + (dir_ / "out").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot resize the input to 14x14: node "));
  EXPECT_THAT(r.err, HasSubstr("(Gemm) has a weight for "));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "cnn-nano.resize-14.onnx"));
}

// The trial: fp16 on the CPU provider kept every node float32 and wrote the
// parent's bytes under the fp16 name, exit 0. It changes the model or is refused.
TEST_F(OptimizeCliTest, Fp16ThatChangesNothingIsRefused) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "cifar10-resnet/resnet20_cifar10.onnx");
  const auto r = RunCli("optimize '" + model.string() + "' --cache-dir '" + (dir_ / "cache").string() +
                        "' --fp16 --json - --out '" + (dir_ / "out").string() + "'");
  if (r.exit_code == 0) {
    const fs::path output = json::parse(r.out)["output"].get<std::string>();
    auto parent = HashFile(model);
    auto written = HashFile(output);
    ASSERT_TRUE(parent.ok() && written.ok());
    EXPECT_NE(*parent, *written) << "fp16 wrote the parent's bytes";
  } else {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("fp16 is identical to '" + model.string() + "': the transform changed nothing"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(OptimizeCliTest, HelpShowsEveryTransformWithExamples) {
  const auto r = RunCli("optimize --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"--int8", "--method", "--fp16", "--prune", "--structured", "--resize", "--data", "--samples",
                           "--out", "--json", "sweetspot optimize resnet56.onnx --int8 static"}) {
    EXPECT_THAT(r.out, HasSubstr(text));
  }
}

}  // namespace
}  // namespace sweetspot
