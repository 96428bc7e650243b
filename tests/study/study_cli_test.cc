// `sweetspot study` and `sweetspot results` end to end, on the real binary,
// real ONNX Runtime child processes and a real SQLite file: recommendation,
// reuse, failures, timeouts, resuming after SIGKILL/SIGINT, and bad input.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/eval_fixtures.h"
#include "study_fixtures.h"
#include "support/support.h"
#include "sweetspot/results_store.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Rows;
using testing::RunCli;
using testing::Slurp;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

std::int64_t Measurements(const fs::path& db) { return Rows(db, "accuracy_results") + Rows(db, "latency_results"); }

// A colour-coded image folder (9 images, 3 classes), a model that gets 8 of
// them right and one that gets 3, and a spec with very short benchmarks.
class StudyCliTest : public ::testing::Test {
 protected:
  StudyCliTest() {
    testing::WriteRgbFolder(dir_ / "images");
    testing::WriteModel(testing::ChannelModel(), dir_ / "good.onnx");
    testing::WriteModel(testing::ChannelModel({-1, 3, 2, 2}, 3, false, false, /*swap_green_blue=*/true),
                        dir_ / "bad.onnx");
  }

  // Writes study.toml with the two models (plus `more_models`) and `extra` tables.
  fs::path Spec(const std::string& extra = "[constraints]\nmin_top1 = 0.8\n", const std::string& more_models = "",
                const std::string& runtime = "duration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n") {
    const fs::path spec = dir_ / "study.toml";
    testing::WriteFile(spec,
                       "name = \"colours\"\n[dataset]\npath = \"images\"\n"
                       "[[models]]\nname = \"good\"\npath = \"good.onnx\"\n"
                       "[[models]]\nname = \"bad\"\npath = \"bad.onnx\"\n" +
                           more_models + "[runtime]\n" + runtime + extra);
    return spec;
  }

  std::string Args(const fs::path& spec, const std::string& more = "") const {
    return "study '" + spec.string() + "' --cache-dir '" + (dir_ / "cache").string() + "' " + more;
  }

  fs::path Db() const { return dir_ / "sweetspot.db"; }

  TempDir dir_;
};

// A Latin-1 class folder and file name (an old archive) aborted the study
// with an uncaught JSON type_error (exit 134) on every run.
TEST_F(StudyCliTest, NamesThatAreNotUtf8DoNotAbortTheStudy) {
  fs::rename(dir_ / "images/a_red", dir_ / "images/a_caf\xE9");
  fs::rename(dir_ / "images/a_caf\xE9/0.png", dir_ / "images/a_caf\xE9/\xE9t\xE9.png");
  const auto r = RunCli(Args(Spec(), "--json -"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_NEAR(report["candidates"][0]["top1"].get<double>(), 8.0 / 9.0, 1e-12);
  const auto exported = RunCli("results --db '" + Db().string() + "' --study colours --json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const json stored = json::parse(exported.out);
  EXPECT_FALSE(stored["candidates"].empty());
}

// What opening the dataset skipped is said, as eval says it.
TEST_F(StudyCliTest, PrintsTheDatasetNotes) {
  testing::WriteFile(dir_ / "images/a_red/._0.png", "AppleDouble");
  const auto r = RunCli(Args(Spec()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  note: skipped 1 hidden file"));
  const auto j = RunCli(Args(Spec(), "--json -"));
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_THAT(json::parse(j.out)["dataset"]["notes"][0].get<std::string>(), HasSubstr("skipped 1 hidden file"));
}

TEST_F(StudyCliTest, RecommendsStoresAndReusesOnRerun) {
  const fs::path spec = Spec();
  const auto first = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json report = json::parse(first.out);
  EXPECT_EQ(report["schema"], "sweetspot.study/1");
  EXPECT_EQ(report["recommendation"]["name"], "good");
  EXPECT_EQ(report["measurements"]["measured"], 4);
  EXPECT_EQ(report["measurements"]["reused"], 0);
  const json& good = report["candidates"][0];
  EXPECT_NEAR(good["top1"].get<double>(), 8.0 / 9.0, 1e-12);
  EXPECT_EQ(good["eval_count"], 9);
  EXPECT_GT(good["p50_ms"].get<double>(), 0.0);
  EXPECT_GT(good["peak_memory_bytes"].get<std::int64_t>(), 1'000'000);  // a whole process's, from wait4
  const json& bad = report["candidates"][1];
  EXPECT_EQ(bad["verdict"], "excluded");
  EXPECT_THAT(bad["reasons"][0].get<std::string>(), HasSubstr("fails top-1 >= 80 % by 46.67 points"));
  EXPECT_EQ(Measurements(Db()), 4);
  EXPECT_THAT(first.err, HasSubstr("accuracy of good: top-1 88.89 %"));

  // Everything is stored: the rerun measures nothing and agrees.
  const auto second = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json again = json::parse(second.out);
  EXPECT_EQ(again["measurements"]["measured"], 0);
  EXPECT_EQ(again["measurements"]["reused"], 4);
  EXPECT_EQ(again["candidates"][0]["top1"], good["top1"]);
  EXPECT_EQ(again["candidates"][0]["p50_ms"], good["p50_ms"]);
  EXPECT_EQ(Measurements(Db()), 4);

  // --fresh remeasures and adds rows; nothing is replaced.
  const auto fresh = RunCli(Args(spec, "--fresh --csv -"));
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("name,model,setting,size_bytes"));
  EXPECT_THAT(fresh.out, HasSubstr("\ngood,good,single-stream b1 t1,"));
  EXPECT_EQ(Measurements(Db()), 8);

  const auto list = RunCli("results --db '" + Db().string() + "'");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("colours"));
  const auto csv = RunCli("results --db '" + Db().string() + "' --study colours --csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("colours,good,"));
  EXPECT_THAT(csv.out, HasSubstr(",latency,single-stream b1 t1,"));
  const auto exported = RunCli("results --db '" + Db().string() + "' --study colours --json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const json doc = json::parse(exported.out);
  EXPECT_EQ(doc["candidates"][0]["accuracy"].size(), 2U);
  EXPECT_FALSE(doc["candidates"][0]["latency"][0]["raw_ms"].empty());
  const auto unknown = RunCli("results --db '" + Db().string() + "' --study nope");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no study named 'nope'"));
}

// Two runtime settings of one model: both measured under their own labels and
// stored apart; the rerun finds both.
TEST_F(StudyCliTest, TwoRuntimeSettingsAreBothMeasuredAndStored) {
  const fs::path spec =
      Spec("", "", "duration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\nspinning = [true, false]\n");
  const auto first = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json report = json::parse(first.out);
  EXPECT_EQ(report["measurements"]["measured"], 6);  // per model: accuracy, two latencies
  EXPECT_EQ(Rows(Db(), "latency_results"), 4);
  ASSERT_EQ(report["candidates"].size(), 4u);
  EXPECT_EQ(report["candidates"][0]["name"], "good (single-stream b1 t1)");
  EXPECT_EQ(report["candidates"][1]["name"], "good (single-stream b1 t1 spin:off)");
  EXPECT_GT(report["candidates"][1]["p50_ms"].get<double>(), 0.0);
  const auto again = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["measurements"]["reused"], 6);
}

// Two engines x two thread counts: accuracy is measured once per model and
// engine (2 rows, not one per setting: 4), each engine's candidates are
// analysed alone, the same arithmetic agrees fully with the reference
// engine (the first listed), and each model and thread count has a speed ratio.
TEST_F(StudyCliTest, TwoEnginesMeasureAccuracyOncePerEngineAndCompareOutputs) {
  testing::WriteModel(testing::DynamicSizeModel(), dir_ / "pool.onnx");  // OpenCV 4.6 imports it (not a Gemm)
  const fs::path spec = dir_ / "engines.toml";
  testing::WriteFile(spec,
                     "name = \"engines\"\n[dataset]\npath = \"images\"\n"
                     "[[models]]\nname = \"pool\"\npath = \"pool.onnx\"\npreprocess = { size = 32 }\n"
                     "[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n"
                     "engine = [\"onnxruntime\", \"opencv-dnn\"]\nthreads = [1, 2]\n");
  const auto first = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(Rows(Db(), "accuracy_results"), 2);  // once per engine, not per setting (4)
  EXPECT_EQ(Rows(Db(), "latency_results"), 4);
  const json report = json::parse(first.out);
  ASSERT_EQ(report["candidates"].size(), 4u);
  const json& engines = report["engines"];
  EXPECT_EQ(engines["reference"], "onnxruntime");
  ASSERT_EQ(engines["engines"].size(), 2u);
  for (const json& engine : engines["engines"]) {
    EXPECT_EQ(engine["candidates"].size(), 2u);
    EXPECT_THAT(engine["recommendation"].get<std::string>(), HasSubstr("pool ("));
    EXPECT_NEAR(engine["models"][0]["top1"].get<double>(), 8.0 / 9.0, 1e-12);
  }
  EXPECT_EQ(engines["engines"][1]["engine"], "opencv-dnn");
  const json& agreement = engines["engines"][1]["models"][0]["agreement"];
  EXPECT_EQ(agreement["top1_agreement"], 1.0);
  EXPECT_EQ(agreement["compared"], 9);
  EXPECT_EQ(agreement["right_to_wrong"], 0);
  EXPECT_LT(agreement["max_abs_score_diff"].get<double>(), 1e-4);          // the same mean of each channel
  EXPECT_FALSE(engines["engines"][0]["models"][0].contains("agreement"));  // the reference engine
  ASSERT_EQ(engines["speed_ratios"].size(), 2u);                           // one per thread count
  EXPECT_EQ(engines["speed_ratios"][0]["engine"], "opencv-dnn");
  EXPECT_GT(engines["speed_ratios"][0]["speed_ratio"].get<double>(), 0.0);

  const auto text = RunCli(Args(spec));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Engines (reference: onnxruntime):"));
  EXPECT_THAT(text.out, HasSubstr("agreement 100.00 % with onnxruntime (9 of 9 samples; 0 right->wrong"));
  EXPECT_THAT(text.out, HasSubstr("opencv-dnn vs onnxruntime: pool single-stream b1 t1"));
  EXPECT_EQ(Rows(Db(), "accuracy_results"), 2);  // the rerun reused them
}

// A model OpenCV DNN 4.6 cannot import (a Hardmax after the classifier, which
// ONNX Runtime runs): under opencv-dnn its candidates are failed candidates
// with OpenCV's reason in one line, under ONNX Runtime they are measured and
// recommended; the run exits 2 as for any failed candidate.
TEST_F(StudyCliTest, AModelOneEngineCannotLoadFailsOnlyUnderThatEngine) {
  onnx::ModelProto model = testing::DynamicSizeModel();  // OpenCV 4.6 imports this part
  const onnx::ModelProto tail = GraphBuilder("t")
                                    .Node("Hardmax", {"output"}, {"hard"})
                                    .Output("hard", DType::kFloat32, {-1, 3}, {"N", ""})
                                    .Build();
  *model.mutable_graph()->add_node() = tail.graph().node(0);
  model.mutable_graph()->clear_output();
  *model.mutable_graph()->add_output() = tail.graph().output(0);
  testing::WriteModel(model, dir_ / "hard.onnx");
  const fs::path spec = dir_ / "engines.toml";
  testing::WriteFile(spec,
                     "name = \"engines\"\n[dataset]\npath = \"images\"\n"
                     "[[models]]\nname = \"hard\"\npath = \"hard.onnx\"\npreprocess = { size = 32 }\n"
                     "[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n"
                     "engine = [\"onnxruntime\", \"opencv-dnn\"]\n");
  const auto run = RunCli(Args(spec, "-q --json '" + (dir_ / "r.json").string() + "'"));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("1 of 2 candidate(s) failed"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  const json report = json::parse(Slurp(dir_ / "r.json"));
  ASSERT_EQ(report["candidates"].size(), 2u) << report.dump();
  const json& ort = report["candidates"][0];
  const json& opencv = report["candidates"][1];
  EXPECT_NE(ort["verdict"], "failed") << ort.dump();
  EXPECT_GT(ort["p50_ms"].get<double>(), 0.0);
  EXPECT_EQ(opencv["verdict"], "failed") << opencv.dump();
  const std::string reason = opencv["failure"].get<std::string>();
  EXPECT_THAT(reason, HasSubstr("opencv-dnn cannot import '"));
  EXPECT_THAT(reason, HasSubstr("OpenCV DNN has no Hardmax layer"));
  EXPECT_EQ(reason.find('\n'), std::string::npos) << reason;
  EXPECT_THAT(reason, Not(HasSubstr("OpenCV(")));
  EXPECT_EQ(report["recommendation"]["name"], ort["name"]);
  const json& engines = report["engines"]["engines"];
  ASSERT_EQ(engines.size(), 2u);
  EXPECT_THAT(engines[0]["recommendation"].get<std::string>(), HasSubstr("hard ("));
  const auto text = RunCli(Args(spec));  // everything stored is reused
  EXPECT_THAT(text.out, HasSubstr("OpenCV DNN has no Hardmax layer"));
  EXPECT_THAT(text.out, HasSubstr("Recommended: hard (single-stream b1 t1)"));
}

TEST_F(StudyCliTest, FailedModelsAreRecordedAndTheOthersFinish) {
  // Truncated: not an ONNX file any more. Unknown op: a valid graph the
  // runtime cannot load. Gray: an input that cannot take RGB images.
  const std::string good = Slurp(dir_ / "good.onnx");
  testing::WriteFile(dir_ / "truncated.onnx", good.substr(0, good.size() / 2));
  GraphBuilder b("unknown");
  b.Input("input", DType::kFloat32, {-1, 3, 2, 2}, {"N"});
  b.Node("NoSuchOp", {"input"}, {"output"});
  b.Output("output", DType::kFloat32, {-1, 3}, {"N", ""});
  testing::WriteModel(b.Build(), dir_ / "unknown_op.onnx");
  testing::WriteModel(testing::ChannelModel({-1, 1, 2, 2}), dir_ / "gray.onnx");
  const fs::path spec = Spec("[constraints]\nmin_top1 = 0.8\n",
                             "[[models]]\npath = \"truncated.onnx\"\n[[models]]\npath = \"unknown_op.onnx\"\n"
                             "[[models]]\npath = \"gray.onnx\"\n");
  const auto run = RunCli(Args(spec, "--json '" + (dir_ / "r.json").string() + "'"));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("3 of 5 candidate(s) failed"));
  EXPECT_THAT(run.out, HasSubstr("Recommended: good"));
  const json report = json::parse(Slurp(dir_ / "r.json"));
  EXPECT_EQ(report["recommendation"]["name"], "good");
  for (int i : {2, 3, 4}) {
    const json& c = report["candidates"][i];
    EXPECT_EQ(c["verdict"], "failed") << c.dump();
    EXPECT_FALSE(c["failure"].is_null());
  }
  // A study's fix is a key of its spec, never a flag it does not have.
  EXPECT_THAT(report["candidates"][4]["failure"].get<std::string>(),
              HasSubstr("set [models.preprocess] color = \"gray\""));
  EXPECT_EQ(Rows(Db(), "failures"), 3);
  EXPECT_EQ(Measurements(Db()), 4);  // good and bad: accuracy and latency each
}

TEST_F(StudyCliTest, TimeoutKillsTheMeasurementAndIsRecorded) {
  // The timeout leaves an accuracy run of a tiny model time to finish on a
  // loaded 2-core machine; a 30 s benchmark never does.
  const fs::path spec = Spec("", "", "duration_s = 30\nmin_count = 10\ntimeout_s = 8.5\n");
  const auto start = std::chrono::steady_clock::now();
  const auto run = RunCli(Args(spec));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(55));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("timed out after 8.5 s while benchmarking"));
  EXPECT_EQ(Rows(Db(), "accuracy_results"), 2);
  EXPECT_EQ(Rows(Db(), "latency_results"), 0);
  EXPECT_EQ(Rows(Db(), "failures"), 2);
}

// Starts the CLI as a child with the given arguments; output goes to files.
pid_t Spawn(const std::vector<std::string>& args, const fs::path& out) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string exe = SWEETSPOT_CLI_PATH;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    FILE* f = std::freopen(out.c_str(), "w", stdout);
    if (f == nullptr || std::freopen((out.string() + ".err").c_str(), "w", stderr) == nullptr) _exit(126);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

class ResumeTest : public StudyCliTest, public ::testing::WithParamInterface<int> {};

TEST_P(ResumeTest, KilledStudyResumesWithoutRemeasuring) {
  const int sig = GetParam();
  const fs::path spec =
      Spec("[constraints]\nmin_top1 = 0.8\n", "", "duration_s = 0.3\nmax_duration_s = 1\nmin_count = 10\n");
  const pid_t pid = Spawn({"study", spec.string(), "--cache-dir", (dir_ / "cache").string()}, dir_ / "first.txt");
  ASSERT_GT(pid, 0);
  // Kill it as soon as the first measurement is committed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Measurements(Db()) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(kill(pid, sig), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status) << ": " << Slurp(dir_ / "first.txt.err");
  EXPECT_EQ(WTERMSIG(status), sig);  // SIGINT too: the study re-raises it after cleaning up
  if (sig == SIGINT) {
    EXPECT_THAT(Slurp(dir_ / "first.txt.err"), HasSubstr("run the same command again to resume"));
  }
  const std::int64_t stored = Measurements(Db());
  ASSERT_GE(stored, 1);
  ASSERT_LT(stored, 4) << "the study finished before it was killed";

  const auto rerun = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  const json report = json::parse(rerun.out);
  EXPECT_EQ(report["measurements"]["reused"], stored);
  EXPECT_EQ(report["measurements"]["measured"], 4 - stored);
  EXPECT_EQ(Measurements(Db()), 4);  // nothing measured twice
  EXPECT_EQ(report["recommendation"]["name"], "good");
}

INSTANTIATE_TEST_SUITE_P(Signals, ResumeTest, ::testing::Values(SIGKILL, SIGINT),
                         [](const auto& p) { return p.param == SIGKILL ? "Sigkill" : "Sigint"; });

TEST_F(StudyCliTest, BadInputExitsTwoWithOneLine) {
  testing::WriteFile(dir_ / "typo.toml", "[dataset]\npath = \"images\"\nlimt = 5\n[[models]]\npath = \"good.onnx\"\n");
  const auto typo = RunCli(Args(dir_ / "typo.toml"));
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("typo.toml line 3 [dataset]: unknown key 'limt'"));
  EXPECT_EQ(std::count(typo.err.begin(), typo.err.end(), '\n'), 1) << typo.err;

  testing::WriteFile(dir_ / "missing.toml", "[dataset]\npath = \"images\"\n[[models]]\npath = \"gone.onnx\"\n");
  const auto missing = RunCli(Args(dir_ / "missing.toml"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("gone.onnx' does not exist"));

  const auto unmet = RunCli(Args(Spec("[constraints]\nmin_top1 = 0.95\n")));
  EXPECT_EQ(unmet.exit_code, 2) << unmet.err;
  // 8 of 9 right: 88.89 % [56.50, 98.01] cannot tell whether good reaches 95 %.
  EXPECT_THAT(unmet.err, HasSubstr("no candidate meets the constraints (top-1 >= 95 %); the closest is good: undecided "
                                   "on top-1 >= 95 %: 88.89 % [56.50, 98.01] holds the bound (the estimate fails it "
                                   "by 6.11 points); about "));
  EXPECT_THAT(unmet.out, HasSubstr("No recommendation"));

  const std::string garbage(4096, 'g');
  testing::WriteFile(dir_ / "corrupt.db", garbage);
  const auto corrupt = RunCli(Args(Spec(), "--db '" + (dir_ / "corrupt.db").string() + "'"));
  EXPECT_EQ(corrupt.exit_code, 2);
  EXPECT_THAT(corrupt.err, HasSubstr("corrupt.db' is not a readable sweetspot results database"));
  EXPECT_EQ(Slurp(dir_ / "corrupt.db"), garbage);
}

// The same candidate twice is not two candidates: refused with the names,
// before anything is measured; the fix it names (list it once) then runs.
TEST_F(StudyCliTest, DuplicateCandidatesAreRefusedWithTheirNames) {
  fs::copy_file(dir_ / "good.onnx", dir_ / "copy.onnx");
  const auto same_file = RunCli(Args(Spec("", "[[models]]\nname = \"copy\"\npath = \"copy.onnx\"\n")));
  EXPECT_EQ(same_file.exit_code, 2) << same_file.err;
  EXPECT_THAT(same_file.err, HasSubstr("'good' and 'copy' are the same model"));
  EXPECT_EQ(std::count(same_file.err.begin(), same_file.err.end(), '\n'), 1) << same_file.err;
  EXPECT_EQ(Measurements(Db()), 0);

  const std::string runtime = "duration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n";
  const auto same_threads = RunCli(Args(Spec("", "", runtime + "threads = [1, 1]\n")));
  EXPECT_EQ(same_threads.exit_code, 2) << same_threads.err;
  EXPECT_THAT(same_threads.err, HasSubstr("[runtime] threads: lists 1 twice"));

  const auto once = RunCli(Args(Spec("", "", runtime + "threads = [1]\n")));
  EXPECT_EQ(once.exit_code, 0) << once.err;
}

// A model [N,3,H,W] with symbolic H and W: the preprocessing size gives them
// values, for the evaluation as for the benchmark and the inspection.
TEST_F(StudyCliTest, DynamicHeightAndWidthTakeThePreprocessingSize) {
  testing::WriteModel(testing::DynamicSizeModel(), dir_ / "dynamic.onnx");
  const auto run =
      RunCli(Args(Spec("", "[[models]]\npath = \"dynamic.onnx\"\npreprocess = { size = 32 }\n"), "--json -"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json report = json::parse(run.out);
  const json& dynamic = report["candidates"][2];
  EXPECT_EQ(dynamic["name"], "dynamic");
  EXPECT_TRUE(dynamic["failure"].is_null()) << dynamic.dump();
  EXPECT_NEAR(dynamic["top1"].get<double>(), 8.0 / 9.0, 1e-12);
  EXPECT_GT(dynamic["p50_ms"].get<double>(), 0.0);
  EXPECT_GT(dynamic["macs"].get<std::int64_t>(), 0);
}

// An unwritable tensor cache costs the cache, not the study: every candidate
// is measured, and one warning (not one per candidate) says so.
TEST_F(StudyCliTest, UnwritableCacheRunsUncachedWithOneWarning) {
  testing::WriteFile(dir_ / "file", "x");
  const auto run = RunCli("study '" + Spec().string() + "' --cache-dir '" + (dir_ / "file/sub").string() + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Recommended: good"));
  std::size_t warnings = 0;
  for (auto at = run.err.find("warning:"); at != std::string::npos; at = run.err.find("warning:", at + 1)) ++warnings;
  EXPECT_EQ(warnings, 1u) << run.err;
  EXPECT_THAT(run.err, HasSubstr("tensor cache"));
  EXPECT_EQ(Measurements(Db()), 4);
}

TEST_F(StudyCliTest, LockedDatabaseExitsTwoAndLosesNothing) {
  const fs::path spec = Spec();
  ASSERT_EQ(RunCli(Args(spec)).exit_code, 0);
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(Db().c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto locked = RunCli(Args(spec, "--fresh"));
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_EQ(locked.exit_code, 2);
  EXPECT_THAT(locked.err, HasSubstr("is locked by another process"));
  EXPECT_EQ(Measurements(Db()), 4);
  const auto after = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(json::parse(after.out)["measurements"]["reused"], 4);
}

// The real family: the study's accuracy is exactly what `sweetspot eval` gives alone.
TEST(StudyRealModelsTest, AccuracyMatchesEvalRunAlone) {
  SWEETSPOT_REQUIRE_SHARED_DATA(data, "cifar10-test");
  SWEETSPOT_REQUIRE_SHARED_DATA(r20, "cifar10-resnet/resnet20_cifar10.onnx");
  SWEETSPOT_REQUIRE_SHARED_DATA(r32, "cifar10-resnet/resnet32_cifar10.onnx");
  TempDir dir;
  testing::WriteFile(dir / "cifar.toml", "[dataset]\npath = \"" + data.string() +
                                             "\"\nlimit = 200\n[dataset.preprocess]\n"
                                             "mean = [0.485, 0.456, 0.406]\nstd = [0.229, 0.224, 0.225]\n"
                                             "[[models]]\npath = \"" +
                                             r20.string() + "\"\n[[models]]\npath = \"" + r32.string() +
                                             "\"\n"
                                             "[runtime]\nduration_s = 0.1\nmax_duration_s = 0.5\nmin_count = 20\n");
  const std::string cache = " --cache-dir '" + (dir / "cache").string() + "'";
  const auto study = RunCli("study '" + (dir / "cifar.toml").string() + "' --json -" + cache);
  ASSERT_EQ(study.exit_code, 0) << study.err;
  const json report = json::parse(study.out);
  for (int i = 0; i < 2; ++i) {
    const auto eval = RunCli("eval '" + (i == 0 ? r20 : r32).string() + "' --data '" + data.string() +
                             "' --limit 200 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --json -" + cache);
    ASSERT_EQ(eval.exit_code, 0) << eval.err;
    const json alone = json::parse(eval.out);
    EXPECT_EQ(report["candidates"][i]["top1"], alone["metrics"]["top1"]);
    EXPECT_EQ(report["candidates"][i]["top1_ci95"], alone["metrics"]["top1_ci95"]);
  }
  // Which is faster is a benchmark's question (a loaded machine can swap two
  // close models); the test checks that both were timed and costed.
  for (int i = 0; i < 2; ++i) EXPECT_GT(report["candidates"][i]["items_per_s"].get<double>(), 0.0);
  EXPECT_LT(report["candidates"][0]["macs"].get<double>(), report["candidates"][1]["macs"].get<double>());
}

// Every output (the database included) is checked before the first
// measurement: one line naming the flag, exit 2, nothing stored; the fix the
// message proposes then works.
TEST_F(StudyCliTest, UnwritableOutputsFailBeforeMeasuringAndTheirFixesWork) {
  const fs::path spec = Spec();
  testing::WriteFile(dir_ / "somefile", "x");
  const std::string blocked = (dir_ / "somefile").string();
  for (const std::string flag : {"--db", "--json", "--csv", "--markdown"}) {
    const auto r = RunCli(Args(spec, flag + " '" + blocked + "/out'"));
    EXPECT_EQ(r.exit_code, 2) << flag << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(flag + ": '" + blocked + "' is a file, not a folder"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    const auto proc = RunCli(Args(spec, flag + " /proc/out"));
    EXPECT_EQ(proc.exit_code, 2) << proc.err;
    EXPECT_THAT(proc.err, HasSubstr(flag + ": cannot create files in folder '/proc'"));
  }
  const auto missing = RunCli(Args(spec, "--markdown '" + (dir_ / "reports" / "r.md").string() + "'"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("mkdir -p '" + (dir_ / "reports").string() + "'"));
  EXPECT_FALSE(fs::exists(Db())) << "nothing was measured";

  const auto both = RunCli(Args(spec, "--json - --csv -"));
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_THAT(both.err, HasSubstr("--json - and --csv - would both write to stdout"));
  const auto one = RunCli(Args(spec, "--json - --csv '" + (dir_ / "r.csv").string() + "'"));  // the fix
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_TRUE(nlohmann::json::accept(one.out)) << one.out;

  fs::create_directories(dir_ / "reports");
  const auto fixed = RunCli(Args(
      spec, "--markdown '" + (dir_ / "reports" / "r.md").string() + "' --json '" + (dir_ / "r.json").string() + "'"));
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_TRUE(fs::exists(dir_ / "reports" / "r.md"));
  EXPECT_TRUE(fs::exists(dir_ / "r.json"));
}

}  // namespace
}  // namespace sweetspot
