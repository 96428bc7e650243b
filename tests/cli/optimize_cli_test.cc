// `sweetspot optimize` on the built binary: what it writes and prints, the
// cache, and bad input (one line, exit 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/text_file.h"

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
    for (int i = 0; i < 4; ++i) {
      testing::WriteBmp(dir_ / ("data/a/" + std::to_string(i) + ".bmp"), 40 * i, 200, 10);
      testing::WriteBmp(dir_ / ("data/b/" + std::to_string(i) + ".bmp"), 250, 30 * i, 90);
    }
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
      {"", "no transform asked for; pass exactly one of --int8 static|dynamic|aware, --fp16"},
      {"--fp16 --int8 dynamic", "more than one transform asked for"},
      {"--int8 dense", "--int8: 'dense' is not static, dynamic or aware"},
      {"--int8 static --method kl", "--method: 'kl' is not a calibration method (minmax, percentile or entropy)"},
      {"--prune 1.5", "--prune: variant 'prune:1.5:unstructured': fraction '1.5' is not a number in (0, 1)"},
      {"--resize 0", "--resize: variant 'resize:0'"},
      {"--prune 0", "--prune: variant 'prune:0:unstructured': fraction '0' is not a number in (0, 1)"},
      {"--int8 dynamic --samples 0", "--samples"},
      {"--int8 static", "--int8 static needs calibration samples: add --data DIR"},
      {"--int8 static --data '" + (dir_ / "nowhere").string() + "'", "--data"},
      // Options the chosen transform does not use are refused, not ignored.
      {"--int8 dynamic --method entropy", "--method does not apply to --int8 dynamic (only to --int8 static)"},
      {"--int8 aware --budget 0.3 --method entropy", "--method does not apply to --int8 aware"},
      {"--prune 0.5 --exclude Conv_1", "--exclude does not apply to --prune (only to --int8)"},
      {"--fp16 --method entropy", "--method does not apply to --fp16"},
      {"--resize 4 --exclude Conv_1", "--exclude does not apply to --resize"},
      {"--int8 static --budget 0.3", "--budget does not apply to --int8 static (only to --int8 aware)"},
      {"--int8 dynamic --data x", "--data does not apply to --int8 dynamic"},
      {"--int8 static --eval-data x", "--eval-data does not apply to --int8 static"},
      {"--fp16 --structured", "--structured does not apply to --fp16 (only to --prune)"},
      {"--int8 aware", "--int8 aware needs an accuracy budget: add --budget 0.3"},
      {"--int8 aware --budget 200", "--budget: variant 'int8-aware:200': budget '200' is not a number in (0, 100)"},
      {"--int8 dynamic --exclude Gemm_99", "the node to keep in float 'Gemm_99' is not in '"},
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
// parent's bytes under the fp16 name, exit 0. It changes the model or is
// refused, saying which ops stayed float32 and why.
TEST_F(OptimizeCliTest, Fp16ThatChangesNothingIsRefusedSayingWhy) {
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
    EXPECT_THAT(r.err, HasSubstr("fp16 of 'resnet20_cifar10.onnx': no node would compute in float16 under execution "
                                 "provider cpu ("));
    EXPECT_THAT(r.err, HasSubstr(" Conv, "));
    EXPECT_THAT(r.err, HasSubstr(" kept float32: run in float32 by ONNX Runtime's cpu provider"));
    EXPECT_THAT(r.err, HasSubstr("); fp16 pays off with a provider that has float16 kernels (e.g. cuda)"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(OptimizeCliTest, AnExcludedNodeThatDoesNotExistListsTheOnesThatDo) {
  const auto wrong = RunCli(Optimize("--int8 dynamic --exclude Gemm_99 --out '" + (dir_ / "out").string() + "'"));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("name one of its quantizable nodes: Conv_1, Conv_4, Gemm_8"));
  // The fix: a listed name. The CNN's one Gemm is all dynamic int8 quantizes,
  // so keep a Conv instead (static int8).
  const auto fixed = RunCli(Optimize("--int8 static --data '" + (dir_ / "data").string() +
                                     "' --exclude Conv_4 --out '" + (dir_ / "out").string() + "'"));
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("kept float: Conv_4 (in exclude_nodes)"));
}

TEST_F(OptimizeCliTest, StaticInt8PrintsTheWorstLayersBySqnr) {
  const auto r = RunCli(Optimize("--int8 static --data '" + (dir_ / "data").string() + "' --out '" +
                                 (dir_ / "out").string() + "' --json '" + (dir_ / "made.json").string() + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  SQNR of the "));
  EXPECT_THAT(r.out, HasSubstr(" by cumulative SQNR:\n    "));
  EXPECT_THAT(r.out, HasSubstr(" dB, local "));
  const json doc = json::parse(ReadTextFile(dir_ / "made.json").value());
  ASSERT_FALSE(doc["sqnr"].empty());
  EXPECT_TRUE(doc["sqnr"][0].contains("cumulative_db"));
  EXPECT_TRUE(doc["sqnr"][0].contains("node"));
  EXPECT_THAT(doc["preprocess"].get<std::string>(), HasSubstr("width = 8"));
}

// Another calibration under the same name would replace the first file
// silently; it is refused, and --force (the fix it proposes) replaces it.
TEST_F(OptimizeCliTest, AnOutputMadeOtherwiseIsKeptUnlessForced) {
  const std::string base =
      "--int8 static --data '" + (dir_ / "data").string() + "' --out '" + (dir_ / "out").string() + "'";
  ASSERT_EQ(RunCli(Optimize(base + " --samples 8")).exit_code, 0);
  const fs::path output = dir_ / "out" / "cnn.int8-static-minmax.onnx";
  const std::string first = HashFile(output).value();
  EXPECT_EQ(RunCli(Optimize(base + " --samples 8")).exit_code, 0) << "the same model again is no conflict";
  const auto other = RunCli(Optimize(base + " --samples 2"));
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_THAT(other.err, HasSubstr("--out: '" + output.string() + "' exists and holds another model"));
  EXPECT_THAT(other.err, HasSubstr("pass --force to replace it, or another --out"));
  EXPECT_EQ(HashFile(output).value(), first);
  const auto forced = RunCli(Optimize(base + " --samples 2 --force"));
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(HashFile(output).value(), first);
}

bool HasFashionMnist() { return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

// The trial: optimize --mean/--std calibrated with them but the variant kept
// the parent's metadata, so `eval variant.onnx` without the flags measured
// it with other preprocessing. The variant now carries what it was made with.
TEST(OptimizeRealData, TheVariantEvaluatesAloneAsWithItsFlags) {
  if (!HasFashionMnist()) GTEST_SKIP() << "/usr/share/datasets/fashion-mnist is missing; skipping";
  TempDir dir;
  const fs::path model = fs::path(SWEETSPOT_TEST_DIR) / ".." / "examples" / "fashion-mnist" / "cnn-nano.onnx";
  const std::string flags = "--mean 0.5 --std 0.5";  // the parent's metadata says 0.286 / 0.353
  const auto made =
      RunCli("optimize '" + model.string() +
             "' --int8 static --data /usr/share/datasets/fashion-mnist/train "
             "--samples 128 " +
             flags + " --cache-dir '" + (dir / "cache").string() + "' --out '" + dir.path().string() + "' --json -");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_THAT(json::parse(made.out)["preprocess"].get<std::string>(), HasSubstr("mean = [0.5]"));
  const std::string eval = "eval '" + (dir / "cnn-nano.int8-static-minmax.onnx").string() +
                           "' --data /usr/share/datasets/fashion-mnist/t10k --limit 300 --no-cache --json - ";
  const auto alone = RunCli(eval);
  const auto with_flags = RunCli(eval + flags);
  const auto parent_preprocessing = RunCli(eval + "--mean 0.28619611420450874 --std 0.3530725105352892");
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  ASSERT_EQ(with_flags.exit_code, 0) << with_flags.err;
  ASSERT_EQ(parent_preprocessing.exit_code, 0) << parent_preprocessing.err;
  const auto top1 = [](const std::string& out) { return json::parse(out)["metrics"]["top1"].get<double>(); };
  EXPECT_EQ(top1(alone.out), top1(with_flags.out));
  EXPECT_NE(top1(alone.out), top1(parent_preprocessing.out)) << "the flags made no difference: no test";
}

// Accuracy-aware int8 needs a budget (the fix its error proposes) and then
// prints its step table; whether the search keeps an int8 model depends on
// the timing (it must be faster than float), so either outcome is accepted.
TEST(OptimizeRealData, AccuracyAwareInt8PrintsItsSteps) {
  if (!HasFashionMnist()) GTEST_SKIP() << "/usr/share/datasets/fashion-mnist is missing; skipping";
  TempDir dir;
  const fs::path model = fs::path(SWEETSPOT_TEST_DIR) / ".." / "examples" / "fashion-mnist" / "resnet-small.onnx";
  const std::string base = "optimize '" + model.string() +
                           "' --int8 aware --data /usr/share/datasets/fashion-mnist/train --samples 128 "
                           "--eval-data /usr/share/datasets/fashion-mnist/t10k --eval-limit 300 --cache-dir '" +
                           (dir / "cache").string() + "' --out '" + dir.path().string() + "'";
  const auto without = RunCli(base);
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_THAT(without.err, HasSubstr("add --budget 0.3"));
  const auto r = RunCli(base + " --budget 0.3");
  EXPECT_THAT(r.out + r.err, ::testing::Not(HasSubstr("add --budget")));
  EXPECT_THAT(r.out, HasSubstr("(none: fully int8)"));
  EXPECT_THAT(r.out, HasSubstr("fp32  (float model)"));
  if (r.exit_code == 0) {
    EXPECT_THAT(r.out, HasSubstr("<- chosen"));
    EXPECT_THAT(r.out, HasSubstr("SQNR of the "));
    EXPECT_TRUE(fs::exists(dir / "resnet-small.int8-aware-0.3.onnx"));
  } else {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("returning the float model"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(OptimizeCliTest, HelpShowsEveryTransformWithExamples) {
  const auto r = RunCli("optimize --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"--int8", "--method", "--fp16", "--prune", "--structured", "--resize", "--data", "--samples",
                           "--out", "--json", "sweetspot optimize resnet56.onnx --int8 static", "--budget",
                           "--eval-data", "--int8 aware --budget 0.3", "--force", "--mean", "--std"}) {
    EXPECT_THAT(r.out, HasSubstr(text));
  }
}

}  // namespace
}  // namespace sweetspot
