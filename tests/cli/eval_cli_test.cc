// `sweetspot eval` end to end: exit codes, the table, JSON and predictions
// files, and each bad input of the eval issue (exit 2 with a one-line error).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCli;
using testing::TempDir;
namespace fs = std::filesystem;

// logit c = mean of RGB channel c; `classes` beyond 3 get 0. The Gemm's
// weights are [12, classes], or [classes, 12] with transB = 1 when
// `transposed` (OpenCV 4.6 imports only that form of a Gemm with a bias).
onnx::ModelProto ChannelModel(int classes = 3, bool transposed = false) {
  GraphBuilder b("channels");
  b.Input("input", DType::kFloat32, {-1, 3, 2, 2}, {"N"});
  std::vector<float> w(static_cast<std::size_t>(12 * classes), 0.0F);
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < 4; ++p) {
      w[static_cast<std::size_t>(transposed ? c * 12 + c * 4 + p : (c * 4 + p) * classes + c)] = 0.25F;
    }
  }
  b.Initializer("W", transposed ? Shape{classes, 12} : Shape{12, classes}, w);
  b.Initializer("B", {classes}, std::vector<float>(static_cast<std::size_t>(classes), 0.0F));
  b.Node("Flatten", {"input"}, {"flat"}, {Attr("axis", int64_t{1})});
  b.Node("Gemm", {"flat", "W", "B"}, {"logits"}, {Attr("transB", int64_t{transposed ? 1 : 0})});
  b.Output("logits", DType::kFloat32, {-1, classes}, {"N", ""});
  return b.Build();
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EvalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) testing::WriteBmp(dir_ / ("data/a_red/" + std::to_string(i) + ".bmp"), 255, 0, 0);
    testing::WriteBmp(dir_ / "data/a_red/3_green.bmp", 0, 255, 0);
    for (int i = 0; i < 2; ++i) testing::WriteBmp(dir_ / ("data/b_green/" + std::to_string(i) + ".bmp"), 0, 255, 0);
    for (int i = 0; i < 3; ++i) testing::WriteBmp(dir_ / ("data/c_blue/" + std::to_string(i) + ".bmp"), 0, 0, 255);
    model_ = testing::WriteModel(ChannelModel(), dir_ / "model.onnx").string();
  }

  std::string Eval(const std::string& extra) {
    return "eval '" + model_ + "' --cache-dir '" + (dir_ / "cache").string() + "' " + extra;
  }

  TempDir dir_;
  std::string model_;
};

TEST_F(EvalCli, PrintsTableAndWritesJsonAndPredictions) {
  const auto json = dir_ / "out.json";
  const auto preds = dir_ / "preds.csv";
  const auto r = RunCli(Eval("--data '" + (dir_ / "data").string() + "' --json '" + json.string() +
                             "' --predictions '" + preds.string() + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("88.89 %"));
  EXPECT_THAT(r.out, HasSubstr("a_red"));
  EXPECT_THAT(r.err, HasSubstr("inference"));  // not a TTY: one plain line per stage
  const auto doc = nlohmann::json::parse(Slurp(json));
  EXPECT_EQ(doc["metrics"]["top1_correct"], 8);
  EXPECT_EQ(doc["dataset"]["evaluated"], 9);
  const std::string csv = Slurp(preds);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10);
  EXPECT_THAT(csv, HasSubstr("a_red/3_green.bmp"));

  // Second run: the tensor cache answers, and the figures are the same.
  const auto again = RunCli(Eval("--data '" + (dir_ / "data").string() + "' --json -"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr("tensor cache hit"));
  const auto doc2 = nlohmann::json::parse(again.out);
  EXPECT_EQ(doc2["metrics"]["top1_correct"], 8);
  EXPECT_TRUE(doc2["timing"]["cache_hit"].get<bool>());
}

// eval and train share one --size parser: zero, negative and malformed sizes
// are refused by both, and a valid size is then accepted.
TEST_F(EvalCli, SizeFlagIsParsedOnceForEvalAndTrain) {
  const std::string data = "--data '" + (dir_ / "data").string() + "' --no-cache ";
  for (const std::string size : {"0", "2x0", "-2", "2x", "x2", "2y2"}) {
    const auto r = RunCli(Eval(data + "--size " + size));
    EXPECT_EQ(r.exit_code, 2) << size << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("--size: '" + size + "' is not a size (expected e.g. 224 or 224x160)"));
    const auto t =
        RunCli("train --data '" + (dir_ / "data").string() + "' --out '" + dir_.path().string() + "' --size " + size);
    EXPECT_EQ(t.exit_code, 2) << size << "\n" << t.err;
    EXPECT_THAT(t.err, HasSubstr("--size: '" + size + "' is not a size"));
  }
  EXPECT_EQ(RunCli(Eval(data + "--size 2x2")).exit_code, 0);  // the model's own size, written out
}

// An empty class folder is left out, so the dataset has one class fewer than
// the model: the error names the folder that was left out.
TEST_F(EvalCli, ClassCountMismatchNamesTheEmptyClassFolder) {
  for (const auto& entry : fs::directory_iterator(dir_ / "data/b_green")) fs::remove(entry.path());
  const auto r = RunCli(Eval("--data '" + (dir_ / "data").string() + "'"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the dataset has 2 classes (the dataset: "));
  EXPECT_THAT(r.err, HasSubstr("b_green"));
}

// A Latin-1 class folder and file name aborted `eval --json` (exit 134).
TEST_F(EvalCli, NamesThatAreNotUtf8GiveValidJsonCsvAndText) {
  testing::WriteBmp(dir_ / "latin/a_caf\xE9/\xE9t\xE9.bmp", 255, 0, 0);
  testing::WriteBmp(dir_ / "latin/b_green/0.bmp", 0, 255, 0);
  testing::WriteBmp(dir_ / "latin/c_blue/0.bmp", 0, 0, 255);
  const std::string data = " --data '" + (dir_ / "latin").string() + "'";
  const auto preds = dir_ / "preds.csv";
  const auto r = RunCli(Eval(data + " --json - --predictions '" + preds.string() + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["dataset"]["classes"][0], "a_caf\\xe9");
  EXPECT_EQ(doc["metrics"]["top1_correct"], 3);
  EXPECT_THAT(Slurp(preds), HasSubstr("a_caf\\xe9/\\xe9t\\xe9.bmp"));
  const auto text = RunCli(Eval(data));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("a_caf\\xe9"));
}

TEST_F(EvalCli, SkippedFilesAreReportedInTextAndJson) {
  testing::WriteFile(dir_ / "data/a_red/._0.bmp", "AppleDouble");
  testing::WriteFile(dir_ / "data/.DS_Store", "Bud1");
  testing::WriteFile(dir_ / "data/b_green/anim.gif", "GIF89a");
  const auto r = RunCli(Eval("--data '" + (dir_ / "data").string() + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("88.89 %"));  // the twin is not an unreadable sample
  EXPECT_THAT(r.out, HasSubstr("skipped 2 hidden files"));
  EXPECT_THAT(r.out, HasSubstr("skipped 1 file of an image type OpenCV cannot read in this build (1 .gif"));
  const auto j = RunCli(Eval("--data '" + (dir_ / "data").string() + "' --json -"));
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["dataset"]["notes"].size(), 2u);
}

// With many classes the terminal shows the worst few; JSON keeps every row.
TEST_F(EvalCli, PerClassTableShowsTheWorstClassesByDefault) {
  const int classes = 12;
  for (int c = 0; c < classes; ++c) {
    const std::uint8_t v = c < 3 ? 255 : 0;
    testing::WriteBmp(dir_ / ("many/c" + std::to_string(10 + c) + "/0.bmp"), c == 0 ? v : 0, c == 1 ? v : 0,
                      c == 2 ? v : 0);
  }
  const std::string model = testing::WriteModel(ChannelModel(classes), dir_ / "m12.onnx").string();
  const std::string base = "eval '" + model + "' --no-cache --data '" + (dir_ / "many").string() + "'";
  const auto r = RunCli(base);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The library's report names its argument; eval names its own flags.
  EXPECT_THAT(r.out, HasSubstr("the 10 worst of 12 classes by F1 (--per-class all shows every class; --json has all)"));
  // Black images score 0 everywhere and go to c10, so c13..c21 have F1 0 and
  // c10 0.18; green c11 and blue c12 (F1 1) are not among the 10 worst.
  EXPECT_THAT(r.out, HasSubstr("\n  c10 "));
  EXPECT_THAT(r.out, Not(HasSubstr("\n  c11 ")));
  const auto all = RunCli(base + " --per-class all");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("\n  c11 "));
  EXPECT_THAT(all.out, Not(HasSubstr("worst")));
  const auto j = RunCli(base + " --json -");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["metrics"]["per_class"].size(), 12u);
  const auto bad = RunCli(base + " --per-class many");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--per-class: 'many' is not a row count"));
}

TEST_F(EvalCli, ReferenceComparisonAndLimit) {
  const auto r = RunCli(
      Eval("--data '" + (dir_ / "data").string() + "' --reference '" + model_ + "' --limit 6 --no-cache --json -"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["dataset"]["evaluated"], 6);
  EXPECT_EQ(doc["comparison"]["agreement"], 1.0);
  EXPECT_EQ(doc["comparison"]["mcnemar_p"], 1.0);
}

TEST_F(EvalCli, PrintPreprocessShowsTheResolvedSpec) {
  testing::WriteFile(dir_ / "prep.toml", "mean = [0.5, 0.5, 0.5]\n");
  const auto r = RunCli(Eval("--data '" + (dir_ / "data").string() + "' --preprocess '" +
                             (dir_ / "prep.toml").string() + "' --std 0.25 --print-preprocess"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("width = 2"));
  EXPECT_THAT(r.out, HasSubstr("mean = [0.5, 0.5, 0.5]"));
  EXPECT_THAT(r.out, HasSubstr("std = [0.25]"));
}

// The letterbox flags reach the spec; a model of fixed size keeps it
// (--stride only rounds a size for an input whose size is not fixed).
TEST_F(EvalCli, LetterboxFlagsReachTheResolvedSpec) {
  const std::string data = "--data '" + (dir_ / "data").string() + "'";
  const auto r =
      RunCli(Eval(data + " --resize letterbox --pad 114 --letterbox-align top-left --stride 32 --print-preprocess"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("resize = \"letterbox\""));
  EXPECT_THAT(r.out, HasSubstr("width = 2\n"));
  EXPECT_THAT(r.out, HasSubstr("stride = 32\n"));
  EXPECT_THAT(r.out, HasSubstr("pad = 114\nletterbox_align = \"top-left\"\n"));
  const auto evaluated = RunCli(Eval(data + " --resize letterbox --pad 114"));
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
}

// A cache folder that cannot be made costs the cache, not the evaluation:
// one warning naming the fixes, and the same figures.
TEST_F(EvalCli, UnwritableCacheFallsBackWithOneWarning) {
  testing::WriteFile(dir_ / "file", "x");
  const std::string data = "--data '" + (dir_ / "data").string() + "'";
  const auto r = RunCli("eval '" + model_ + "' " + data + " --cache-dir '" + (dir_ / "file/sub").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("88.89 %"));
  std::size_t warnings = 0;
  for (auto at = r.err.find("warning"); at != std::string::npos; at = r.err.find("warning", at + 1)) ++warnings;
  EXPECT_EQ(warnings, 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--cache-dir DIR for a writable folder, or --no-cache"));
  // Both fixes it proposes work without a warning.
  for (const std::string& fix :
       std::vector<std::string>{" --no-cache", " --cache-dir '" + (dir_ / "cache").string() + "'"}) {
    const auto fixed = RunCli("eval '" + model_ + "' " + data + fix);
    ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
    EXPECT_THAT(fixed.err, ::testing::Not(HasSubstr("warning"))) << fix;
  }
}

TEST_F(EvalCli, BadInputsExitTwoWithAOneLineError) {
  const std::string data = "--data '" + (dir_ / "data").string() + "'";
  // Label outside the class list.
  testing::WriteFile(dir_ / "classes.txt", "a_red\nb_green\nc_blue\n");
  testing::WriteFile(dir_ / "m.csv", "data/a_red/0.bmp,a_red\ndata/b_green/0.bmp,zebra\n");
  auto r =
      RunCli(Eval("--data '" + (dir_ / "m.csv").string() + "' --classes '" + (dir_ / "classes.txt").string() + "'"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("line 2: label 'zebra'"));
  // A manifest row with a missing file.
  testing::WriteFile(dir_ / "missing.csv", "data/a_red/0.bmp,a_red\nnope.bmp,a_red\n");
  r = RunCli(Eval("--data '" + (dir_ / "missing.csv").string() + "'"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nope.bmp"));
  // A dataset with zero samples.
  fs::create_directories(dir_ / "empty/a");
  r = RunCli(Eval("--data '" + (dir_ / "empty").string() + "'"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("zero images"));
  // Output width differs from the class count.
  const auto wide = testing::WriteModel(ChannelModel(5), dir_ / "wide.onnx");
  r = RunCli("eval '" + wide.string() + "' --no-cache " + data);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("5 scores per sample but the dataset has 3 classes"));
  // More than 1 % corrupt, then allowed.
  testing::WriteFile(dir_ / "data/c_blue/broken.jpg", "garbage");
  r = RunCli(Eval(data));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("broken.jpg"));
  EXPECT_THAT(r.err, HasSubstr("--allow-corrupt"));
  r = RunCli(Eval(data + " --allow-corrupt"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 excluded"));
  EXPECT_THAT(r.out, HasSubstr("broken.jpg"));
  // Bad flags.
  r = RunCli(Eval(data + " --mean 0.1,x"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--mean"));
  r = RunCli(Eval(data + " --size 64"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--size 2x2"));
  r = RunCli(Eval("--data '" + (dir_ / "nowhere").string() + "'"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nowhere"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
}

// One batch of 9: the stderr line's time is the report's inference time (one
// clock), so its rate is items / inference_ms, not items / ~0. Both say how
// many threads ran.
TEST_F(EvalCli, StageTimesOnStderrAgreeWithTheJson) {
  const auto r = RunCli(Eval("--data '" + (dir_ / "data").string() + "' --batch 32 --threads 2 --no-cache --json -"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["threads"].get<int>(), 2);
  EXPECT_THAT(r.err, HasSubstr("items/s, 2 thread(s))"));
  const double inference_ms = doc["timing"]["inference_ms"].get<double>();
  const double prepare_ms = doc["timing"]["prepare_ms"].get<double>();
  ASSERT_GT(inference_ms, 0.0);
  double seconds = 0;
  double rate = 0;
  const auto at = r.err.find("inference: 9 items in ");
  ASSERT_NE(at, std::string::npos) << r.err;
  ASSERT_EQ(std::sscanf(r.err.c_str() + at, "inference: 9 items in %lf s (%lf items/s)", &seconds, &rate), 2) << r.err;
  EXPECT_NEAR(seconds * 1000.0, inference_ms, 0.5);
  EXPECT_NEAR(rate, 9.0 / (inference_ms / 1000.0), 1.0);
  const auto decode = r.err.find("decode+preprocess: 9 items in ");
  ASSERT_NE(decode, std::string::npos) << r.err;
  ASSERT_EQ(std::sscanf(r.err.c_str() + decode, "decode+preprocess: 9 items in %lf s", &seconds), 1);
  EXPECT_NEAR(seconds * 1000.0, prepare_ms, 0.5);
}

// Sigmoid scores (each in [0,1], rows not summing to 1) are detected and
// said to be, and their confidence is the score itself; --output-kind overrides.
TEST_F(EvalCli, SigmoidScoresAreDetectedAndNamed) {
  onnx::ModelProto proto = ChannelModel();
  auto* graph = proto.mutable_graph();
  graph->mutable_node(1)->set_output(0, "logits_raw");
  auto* sigmoid = graph->add_node();
  sigmoid->set_op_type("Sigmoid");
  sigmoid->add_input("logits_raw");
  sigmoid->add_output("logits");
  const auto model = testing::WriteModel(proto, dir_ / "sigmoid.onnx");
  const std::string base = "eval '" + model.string() + "' --no-cache --data '" + (dir_ / "data").string() + "'";
  auto r = RunCli(base + " --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["output_kind"], "sigmoid");
  EXPECT_NEAR(doc["metrics"]["mean_confidence"].get<double>(), 1.0 / (1.0 + std::exp(-1.0)), 1e-4);
  r = RunCli(base);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("independent sigmoids"));
  r = RunCli(base + " --output-kind logits --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["output_kind"], "logits");
  EXPECT_LT(doc["metrics"]["mean_confidence"].get<double>(), 0.5);
}

// The four CIFAR-10 ResNets come out in order of depth on a stratified 3,000
// of the 10,000 test images (the tensor cache decodes them once for all four;
// top-1 0.802 < 0.816 < 0.823 < 0.828). The full set's figure for ResNet-20,
// 0.8103, is EvaluateRealData.Resnet20Cifar10Top1Is8103's.
TEST(EvalCliRealData, ResnetsRankByDepth) {
  SWEETSPOT_REQUIRE_SHARED_DATA(models, "cifar10-resnet");
  SWEETSPOT_REQUIRE_SHARED_DATA(data, "cifar10-test");
  TempDir cache;
  std::vector<double> top1;
  for (const char* depth : {"20", "32", "44", "56"}) {
    const auto r = RunCli("eval '" + (models / ("resnet" + std::string(depth) + "_cifar10.onnx")).string() +
                          "' --data '" + data.string() + "' --cache-dir '" + cache.path().string() +
                          "' --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --limit 3000 --json -");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    top1.push_back(nlohmann::json::parse(r.out)["metrics"]["top1"].get<double>());
  }
  EXPECT_LT(top1[0], top1[1]);
  EXPECT_LT(top1[1], top1[2]);
  EXPECT_LT(top1[2], top1[3]);
}

// The same evaluation under each runtime: the same predictions, the runtime named.
TEST_F(EvalCli, RuntimeChoosesTheEngineThatRunsTheModel) {
  model_ = testing::WriteModel(ChannelModel(3, /*transposed=*/true), dir_ / "transposed.onnx").string();
  const std::string data = "--data '" + (dir_ / "data").string() + "' --json -";
  const auto ort = RunCli(Eval(data));
  const auto cv = RunCli(Eval(data + " --runtime opencv-dnn"));
  ASSERT_EQ(ort.exit_code, 0) << ort.err;
  ASSERT_EQ(cv.exit_code, 0) << cv.err;
  const auto ort_doc = nlohmann::json::parse(ort.out);
  const auto cv_doc = nlohmann::json::parse(cv.out);
  EXPECT_EQ(cv_doc["engine"], "opencv-dnn@4.6.0");
  EXPECT_EQ(ort_doc["engine"].get<std::string>().rfind("onnxruntime", 0), 0U) << ort_doc["engine"];
  EXPECT_EQ(cv_doc["metrics"]["top1_correct"], ort_doc["metrics"]["top1_correct"]);
  const auto unknown = RunCli(Eval(data + " --runtime tensorflow"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--runtime: unknown backend 'tensorflow' (available: "));
}

// Every output is checked before any image is decoded (one line, exit 2,
// naming the flag), and the fix each message proposes then works.
TEST_F(EvalCli, UnwritableOutputsFailBeforeTheWorkAndTheirFixesWork) {
  testing::WriteFile(dir_ / "somefile", "x");
  const std::string data = "--data '" + (dir_ / "data").string() + "' --no-cache ";
  const std::string missing = (dir_ / "new" / "out.json").string();
  struct Case {
    std::string args;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"--json '" + (dir_ / "somefile" / "out.json").string() + "'",
       "--json: '" + (dir_ / "somefile").string() + "' is a file, not a folder"},
      {"--predictions /proc/preds.csv", "--predictions: cannot create files in folder '/proc'"},
      {"--json '" + missing + "'", "--json: folder '" + (dir_ / "new").string() + "' does not exist; create it first"},
      {"--predictions '" + dir_.path().string() + "'", "--predictions: '" + dir_.path().string() + "' is a folder"},
  };
  for (const Case& c : cases) {
    const auto r = RunCli(Eval(data + c.args));
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.needle));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // no stage ran
  }
  // Two documents on stdout could not be told apart.
  const auto both = RunCli(Eval(data + "--json - --predictions -"));
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_THAT(both.err, HasSubstr("--json - and --predictions - would both write to stdout"));
  EXPECT_THAT(RunCli(Eval(data + "--predictions /proc/preds.csv")).err, HasSubstr("(it takes no new files)"));
  // The fixes: create the folder; name a file in a writable folder.
  fs::create_directories(dir_ / "new");
  const auto r = RunCli(Eval(data + "--json '" + missing + "' --predictions '" + (dir_ / "preds.csv").string() + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(missing));
  EXPECT_TRUE(fs::exists(dir_ / "preds.csv"));
}

}  // namespace
}  // namespace sweetspot
