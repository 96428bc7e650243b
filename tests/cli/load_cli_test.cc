// `sweetspot load` as a user runs it: the real `sweetspot serve` on a free
// port, the demo model and Fashion-MNIST test images, short levels; the JSON
// it prints, the run it stores and the report that shows it. No timing
// assertions.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/serve_process.h"
#include "support/support.h"
#include "sweetspot/results_store.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::ServeProcess;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;
using testing::DemoModel;
using testing::HaveFashionMnistTest;
using testing::kFashionMnistTest;

const std::string kShort = " --limit 100 --duration-s 1 --warmup-s 0.2 --window-s 0.5 --tolerance 0.5";

// Two closed levels against `sweetspot serve`: JSON on stdout with every
// answer scored and no error, progress on stderr, the run stored with its
// study, and the report of that study showing it.
TEST(LoadCliTest, LoadsServeAndStoresTheRun) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  TempDir dir;
  ServeProcess serve({DemoModel("cnn-nano").string(), "--http-port", "0"}, dir / "serve.err");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  const fs::path db = dir / "load.db";
  const auto run = RunCli("load " + serve.url() + " --model cnn-nano --dataset " + kFashionMnistTest + kShort +
                          " --concurrency 1,2 --json - --db " + db.string() + " --study serving");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("closed, concurrency 1: "));
  EXPECT_THAT(run.err, HasSubstr("closed, concurrency 2: "));
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["schema"], "sweetspot.load/1");
  EXPECT_EQ(doc["samples"], 100);
  ASSERT_EQ(doc["levels"].size(), 2U);
  for (const json& level : doc["levels"]) {
    EXPECT_EQ(level["mode"], "closed");
    EXPECT_GT(level["completed"].get<int>(), 0);
    EXPECT_EQ(level["error_count"], 0) << level["first_error"];
    EXPECT_EQ(level["top1"]["scored"], level["completed"]);
    EXPECT_EQ(level["latency_ms"]["count"], level["completed"]);
    EXPECT_FALSE(level["server_us"].is_null()) << "sweetspot serve reports its stage times";
  }

  auto store = ResultsStore::Open(db, {.read_only = true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto runs = (*store)->StudyLoadRuns("serving");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1U);
  EXPECT_EQ((*runs)[0].model, "cnn-nano");
  EXPECT_EQ(json::parse((*runs)[0].levels_json), doc["levels"]);

  const auto report =
      RunCli("report --db " + db.string() + " --study serving --json --out " + (dir / "r.json").string());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::ifstream in(dir / "r.json");
  const json page = json::parse(in);
  ASSERT_EQ(page["load_runs"].size(), 1U);
  EXPECT_EQ(page["load_runs"][0]["levels"].size(), 2U);
}

// Bad input: an unreachable server names the URL; an unknown model lists the
// server's models; each one line, exit 2.
TEST(LoadCliTest, UnreachableServerAndUnknownModelSayWhatToDo) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  const auto nobody = RunCli("load http://127.0.0.1:1 --model m --dataset " + kFashionMnistTest + kShort);
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_THAT(nobody.err, HasSubstr("cannot reach the server at http://127.0.0.1:1"));
  EXPECT_EQ(std::count(nobody.err.begin(), nobody.err.end(), '\n'), 1) << nobody.err;

  TempDir dir;
  ServeProcess serve({DemoModel("cnn-nano").string(), "--http-port", "0"}, dir / "serve.err");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  const auto unknown = RunCli("load " + serve.url() + " --model nope --dataset " + kFashionMnistTest + kShort);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--model: "));
  EXPECT_THAT(unknown.err, HasSubstr("cnn-nano")) << "the server's models are named";
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;

  const auto no_grpc = RunCli("load grpc://127.0.0.1:1 --model m --dataset " + kFashionMnistTest + kShort);
  EXPECT_EQ(no_grpc.exit_code, 2);
  EXPECT_THAT(no_grpc.err, HasSubstr("cannot reach the server at grpc://127.0.0.1:1"));
  EXPECT_THAT(no_grpc.err, HasSubstr("--grpc-port"));
  EXPECT_EQ(std::count(no_grpc.err.begin(), no_grpc.err.end(), '\n'), 1) << no_grpc.err;

  const auto bad_url = RunCli("load 127.0.0.1:8000 --model m --dataset " + kFashionMnistTest);
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_THAT(bad_url.err, HasSubstr("http://HOST:PORT"));
}

// --once: each of the 300 samples answered exactly once at concurrency 4,
// the level's top-1 count equal to `sweetspot eval`'s on the same subset;
// --once with --rate is refused in one line, exit 2.
TEST(LoadCliTest, OnceScoresTheSubsetAsEvalDoes) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  TempDir dir;
  ServeProcess serve({DemoModel("cnn-nano").string(), "--http-port", "0"}, dir / "serve.err");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  const std::string load = "load " + serve.url() + " --model cnn-nano --dataset " + kFashionMnistTest +
                           " --limit 300 --warmup-s 0.2 --duration-s 0.001 --once --concurrency 4";
  const auto run = RunCli(load + " --json -");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("level(s) of one pass"));
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["options"]["one_pass"], true);
  ASSERT_EQ(doc["levels"].size(), 1U);
  const json& level = doc["levels"][0];
  EXPECT_EQ(level["error_count"], 0) << level["first_error"];
  EXPECT_EQ(level["top1"]["scored"], 300);

  const fs::path eval_json = dir / "eval.json";
  const auto eval = RunCli("eval " + DemoModel("cnn-nano").string() + " --data " + kFashionMnistTest +
                           " --limit 300 --no-cache --json " + eval_json.string());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  std::ifstream in(eval_json);
  EXPECT_EQ(level["top1"]["correct"], json::parse(in)["metrics"]["top1_correct"]);

  const auto open = RunCli(load + " --rate 50");
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_THAT(open.err, HasSubstr("--once and --rate exclude each other"));
  EXPECT_EQ(std::count(open.err.begin(), open.err.end(), '\n'), 1) << open.err;
}

// --tensors without the model's preprocessing is told to pass --model-file;
// with it the answers score as eval does. A level shorter than one window is
// told that its stability was not judged. A --db that is no store fails
// before the first level.
TEST(LoadCliTest, TensorsNeedTheModelFileAndShortLevelsAreNotJudged) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  TempDir dir;
  ServeProcess serve({DemoModel("cnn-nano").string(), "--http-port", "0"}, dir / "serve.err");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  const std::string base = "load " + serve.url() + " --model cnn-nano --dataset " + kFashionMnistTest +
                           " --limit 100 --duration-s 1 --warmup-s 0.2 --window-s 5 --concurrency 1 --tensors";
  const auto bare = RunCli(base);
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_THAT(bare.err, HasSubstr("pass --model-file MODEL.onnx"));
  EXPECT_EQ(std::count(bare.err.begin(), bare.err.end(), '\n'), 1) << bare.err;

  const auto fixed = RunCli(base + " --model-file " + DemoModel("cnn-nano").string() + " --json -");
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  const json doc = json::parse(fixed.out);
  EXPECT_GT(doc["levels"][0]["top1"]["value"].get<double>(), 0.5) << "the model's mean and std were applied";
  EXPECT_THAT(fixed.err, HasSubstr("stability not judged: 1 s is shorter than one 5 s window (--window-s)"));

  const fs::path bad_db = dir / "notes.txt";
  std::ofstream(bad_db) << "not a database\n";
  const auto stored = RunCli(base + " --model-file " + DemoModel("cnn-nano").string() + " --db " + bad_db.string() +
                             " --study serving");
  EXPECT_EQ(stored.exit_code, 2);
  EXPECT_THAT(stored.err, HasSubstr("--db"));
  EXPECT_THAT(stored.err, ::testing::Not(HasSubstr("closed, concurrency 1"))) << "no level ran";
}

// The open loop from the command line: a rate level only, CSV on stdout.
TEST(LoadCliTest, RateLevelsAloneRunTheOpenLoop) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  TempDir dir;
  ServeProcess serve({DemoModel("cnn-nano").string(), "--http-port", "0"}, dir / "serve.err");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  const auto run = RunCli("load " + serve.url() + " --model cnn-nano --dataset " + kFashionMnistTest + kShort +
                          " --tensors --model-file " + DemoModel("cnn-nano").string() + " --rate 50 --csv -");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\nopen,"));
  EXPECT_THAT(run.err, HasSubstr("open, 50 requests/s: "));
}

}  // namespace
}  // namespace sweetspot
