// Output formats of `sweetspot study` and `sweetspot results` against golden
// files, from hand-made reports (no measurement). Regenerate the golden files
// with SWEETSPOT_UPDATE_GOLDEN=1 after an intended change, and review the diff.
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/results_export.h"
#include "sweetspot/study_report.h"

namespace sweetspot {
namespace {

void ExpectGolden(const std::string& text, const std::string& name) {
  testing::ExpectMatchesGolden(text, "study/golden/" + name);
}

// Correct on [0, first) of 1000 samples, plus [extra_from, extra_from + extra).
Candidate Make(const std::string& name, std::int64_t first, double p50_ms, std::int64_t macs,
               std::int64_t extra_from = 0, std::int64_t extra = 0) {
  Candidate c;
  c.name = c.model = name;
  c.setting = "single-stream b1 t1";
  c.size_bytes = macs / 40;
  c.param_count = macs / 150;
  c.macs = macs;
  c.eval_count = 1000;
  for (std::int64_t i = 0; i < 1000; ++i) {
    c.sample_indices.push_back(i);
    c.correct.push_back(i < first || (i >= extra_from && i < extra_from + extra));
  }
  c.top1 = static_cast<double>(first + extra) / 1000.0;
  c.top1_ci = stats::WilsonInterval(first + extra, 1000);
  c.p50_ms = p50_ms;
  c.p99_ms = p50_ms * 1.4;
  c.items_per_s = 1000.0 / (p50_ms * 1.02);
  c.cpu_ms_per_inference = p50_ms * 0.97;
  c.peak_memory_bytes = 60'000'000 + macs / 10;
  c.model_memory_bytes = 2'000'000 + macs / 10;
  // 200 timed runs spread evenly over p50 +- 4 %, in a scrambled order.
  for (int i = 0; i < 200; ++i) c.latency_ms.push_back(p50_ms * (1.0 + 0.04 * ((i * 37 % 200) - 100) / 100.0));
  FillLatencyIntervals(&c);
  return c;
}

// As RunBench computes them: no governor to read on any measured candidate;
// resnet44 measured under load, resnet56 with more threads than CPUs. The
// failed candidate has no latency row.
std::vector<std::vector<HygieneWarning>> HandMadeWarnings() {
  BenchResult quiet;
  quiet.environment.usable_cpus = 2;
  quiet.options.intra_op_threads = 1;
  BenchResult loaded = quiet;
  loaded.load = MachineLoad{2.0, 2, 1.9, 1.0, 0.9, 0.0, 5.25};
  BenchResult threads = quiet;
  threads.options.intra_op_threads = 4;
  // One entry per candidate, in candidate order: resnet20, resnet32, resnet32-rerun, resnet44, resnet56, truncated.
  return {CheckHygiene(quiet),  CheckHygiene(quiet),   CheckHygiene(quiet),
          CheckHygiene(loaded), CheckHygiene(threads), {}};
}

// resnet20 -> resnet56 on the 1000 samples: resnet20 is right on [0, 810)
// and resnet56 on [0, 832); resnet20's wrong answers are its least confident
// (10 classes, probabilities; the predicted class gets the confidence).
std::optional<CascadeAnalysis> HandMadeCascade() {
  AccuracyRow fast;
  AccuracyRow accurate;
  for (std::int32_t i = 0; i < 1000; ++i) {
    const double spread = static_cast<double>(i * 7919 % 1000) / 1000.0;
    const bool right = i < 810;
    const double confidence = right ? 0.6 + 0.4 * spread : 0.3 + 0.4 * spread;
    for (auto* row : {&fast, &accurate}) {
      row->sample_indices.push_back(i);
      row->labels.push_back(0);
    }
    fast.predicted.push_back(right ? 0 : 1);
    accurate.predicted.push_back(i < 832 ? 0 : 2);
    for (int c = 0; c < 10; ++c) {
      const bool top = c == fast.predicted.back();
      fast.scores.push_back(static_cast<float>(top ? confidence : (1.0 - confidence) / 9.0));
    }
  }
  LatencyRow fast_latency;
  LatencyRow accurate_latency;
  fast_latency.setting = accurate_latency.setting = "single-stream b1 t1";
  fast_latency.p50_ms = 0.80;
  fast_latency.mean_ms = 0.82;
  accurate_latency.p50_ms = 2.30;
  accurate_latency.mean_ms = 2.35;
  auto analysis = AnalyzeCascade({"resnet20", fast, fast_latency}, {"resnet56", accurate, accurate_latency});
  return analysis.ok() ? std::optional<CascadeAnalysis>(*analysis) : std::nullopt;
}

StudyReport HandMadeReport() {
  StudyReport r;
  r.study = "cifar10-resnets";
  r.spec_path = "/data/cifar10-study.toml";
  r.db_path = "/data/sweetspot.db";
  r.dataset = "image folder /data/cifar10-test";
  r.dataset_samples = 1000;
  r.environment.cpu_model = "Example CPU @ 2.0GHz";
  r.environment.logical_cores = 2;
  r.environment.affinity = {0, 1};
  r.environment.kernel = "Linux 6.1";
  r.environment.hostname = "box";
  r.environment.sweetspot_version = "0.1.0";
  r.environment.timestamp_utc = "2024-05-01T12:00:00Z";
  r.backend_version = "1.21.0";
  r.constraints.min_top1 = 0.82;
  r.objective = Objective::kMaxThroughput;
  // resnet32-rerun: the same model measured again (0.3 % slower): no measurable difference.
  r.candidates = {Make("resnet20", 810, 0.80, 40'800'000), Make("resnet32", 825, 1.30, 69'100'000),
                  Make("resnet32-rerun", 825, 1.304, 69'100'000), Make("resnet44", 815, 1.80, 97'400'000, 825, 12),
                  Make("resnet56", 832, 2.30, 125'800'000)};
  r.candidates[3].cpu_ms_per_inference = 0;  // resnet44: stored before CPU time was measured
  Candidate broken;
  broken.name = broken.model = "truncated";
  broken.setting = "single-stream b1 t1";
  broken.size_bytes = 550'000;
  broken.failure = "'/data/truncated.onnx' is not a valid ONNX model (protobuf parse failed: truncated or not ONNX)";
  r.candidates.push_back(broken);
  r.analysis = Analyze(r.candidates, r.constraints, r.objective);
  r.reference = 4;
  for (const auto& c : r.candidates) {
    r.reference_p.push_back(c.failure.empty() ? PairedPValue(c, r.candidates[4]) : std::nullopt);
  }
  r.measured = 7;
  r.reused = 2;
  r.failed = 1;
  r.failures = {Status::InvalidData(broken.failure).WithContext("truncated")};
  // What the variant blocks show: notes, the worst layers by SQNR (of 21),
  // and a variant that is the same model as another one.
  StudyReport::VariantInfo int8;
  int8.model = "resnet20/int8-static:minmax";
  int8.parent = "resnet20";
  int8.transform = "int8-static:minmax";
  int8.notes = {"calibration: minmax over 1000 samples (1000 samples of image folder /data/train)",
                "quantized 22 node(s) (Conv 19, Gemm 1, MaxPool 2)"};
  int8.sqnr_worst = {{"/layer3/relu", "/layer3/conv2/Conv", 31.25, 18.5},
                     {"/fc/input", "/fc/Gemm", std::numeric_limits<double>::infinity(), 22.0}};
  int8.sqnr_layers = 21;
  int8.diagnosis =
      "optimised graph: 25 nodes: 19 QLinearConv (uint8); 1 QuantizeLinear, 0 DequantizeLinear, 0 Cast; "
      "0 % of MACs in float";
  StudyReport::VariantInfo aware;
  aware.model = "resnet20/int8-aware:0.3";
  aware.parent = "resnet20";
  aware.transform = "int8-aware:0.3";
  aware.notes = {
      "the accuracy-aware search kept every layer quantized (step 0 within the budget): the same model as "
      "resnet20/int8-static:minmax, measured once, under that name"};
  aware.same_as = "resnet20/int8-static:minmax";
  r.variants = {int8, aware};
  r.calibration = "1000 samples of image folder /data/train (stratified, seed 0)";
  r.measurement_warnings = HandMadeWarnings();
  r.cascade = HandMadeCascade();
  return r;
}

TEST(StudyReportTest, TextGolden) { ExpectGolden(RenderStudyText(HandMadeReport()), "study.txt"); }
TEST(StudyReportTest, CsvGolden) { ExpectGolden(RenderStudyCsv(HandMadeReport()), "study.csv"); }
TEST(StudyReportTest, MarkdownGolden) { ExpectGolden(RenderStudyMarkdown(HandMadeReport()), "study.md"); }
TEST(StudyReportTest, JsonGolden) { ExpectGolden(RenderStudyJson(HandMadeReport()), "study.json"); }

TEST(StudyReportTest, JsonCarriesVerdictsAndNulls) {
  const auto doc = nlohmann::json::parse(RenderStudyJson(HandMadeReport()));
  EXPECT_EQ(doc["recommendation"]["name"], "resnet32");
  // resnet20's top-1 81.00 % [78.45, 83.31] holds the bound 82 %: undecided, not excluded.
  EXPECT_EQ(doc["candidates"][0]["verdict"], "undecided");
  const auto& check = doc["candidates"][0]["constraint_checks"][0];
  EXPECT_EQ(check["constraint"], "top-1 >= 82 %");
  EXPECT_EQ(check["status"], "undecided");
  EXPECT_EQ(check["samples"], 1000);
  EXPECT_GT(check["samples_needed"].get<std::int64_t>(), 1000);
  EXPECT_TRUE(doc["recommendation"]["rests_on_undecided"].get<bool>());
  EXPECT_EQ(doc["candidates"][1]["p50_ci95"].size(), 2U);
  EXPECT_EQ(doc["candidates"][5]["verdict"], "failed");
  EXPECT_FALSE(doc["candidates"][5].contains("top1"));
  EXPECT_TRUE(doc["constraints"]["max_p99_ms"].is_null());
  EXPECT_EQ(doc["fits"].size(), 1U);
  EXPECT_EQ(doc["variants"][0]["sqnr_layers"], 21);
  EXPECT_EQ(doc["variants"][0]["sqnr_worst"][0]["cumulative_db"], 18.5);
  EXPECT_TRUE(doc["variants"][0]["sqnr_worst"][1]["local_db"].is_null());  // +inf: no noise
  EXPECT_TRUE(doc["variants"][0]["same_as"].is_null());
  EXPECT_EQ(doc["variants"][1]["same_as"], "resnet20/int8-static:minmax");
}

TEST(StudyReportTest, CascadeSectionInEveryFormat) {
  const StudyReport r = HandMadeReport();
  ASSERT_TRUE(r.cascade.has_value());
  EXPECT_NE(RenderStudyText(r).find("Cascade: defer when resnet20's confidence < "), std::string::npos);
  EXPECT_NE(RenderStudyMarkdown(r).find("## Cascade\n\ncascade resnet20 -> resnet56 on 1000 samples"),
            std::string::npos);
  const auto doc = nlohmann::json::parse(RenderStudyJson(r));
  EXPECT_EQ(doc["cascade"]["fast"], "resnet20");
  EXPECT_LE(doc["cascade"]["curve"].size(), 105U);
  EXPECT_GT(doc["cascade"]["curve_points"].get<std::size_t>(), doc["cascade"]["curve"].size());
  EXPECT_FALSE(doc["cascade"]["recommended"].is_null());

  StudyReport failed = HandMadeReport();
  failed.cascade.reset();
  failed.cascade_note = "resnet56: its accuracy result kept no per-sample scores";
  EXPECT_EQ(nlohmann::json::parse(RenderStudyJson(failed))["cascade"]["note"], failed.cascade_note);
  EXPECT_NE(RenderStudyMarkdown(failed).find("## Cascade\n\nNone: resnet56"), std::string::npos);
  failed.cascade_note.clear();
  EXPECT_FALSE(nlohmann::json::parse(RenderStudyJson(failed)).contains("cascade"));
}

TEST(StudyReportTest, MeasurementWarningsAreListedOnceWithTheirCandidates) {
  const std::string text = RenderStudyText(HandMadeReport());
  const std::string governor = "the CPU frequency governor could not be read";
  ASSERT_NE(text.find(governor), std::string::npos) << text;
  EXPECT_EQ(text.find(governor), text.rfind(governor)) << text;
  EXPECT_NE(text.find("so clock-speed changes during the run cannot be ruled out: on a machine you control, check it "
                      "with: cpupower frequency-info (every measured candidate)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  other processes used 0.9 of 2 CPUs during the run (load average 5.25): stop other work or "
                      "pin with taskset (resnet44)\n"),
            std::string::npos)
      << text;
  // In the spec's words, never a flag.
  EXPECT_NE(text.find("time-share them: lower [runtime] threads to 2 (resnet56)"), std::string::npos) << text;
  const auto doc = nlohmann::json::parse(RenderStudyJson(HandMadeReport()));
  EXPECT_EQ(doc["candidates"][3]["warnings"][1]["code"], "other-load");
  EXPECT_EQ(doc["candidates"][4]["warnings"][1]["setting"], "threads");
  EXPECT_TRUE(doc["candidates"][5]["warnings"].empty());
}

TEST(StudyReportTest, NoRecommendationNamesTheClosest) {
  StudyReport r = HandMadeReport();
  r.constraints.min_top1 = 0.9;
  r.analysis = Analyze(r.candidates, r.constraints, r.objective);
  const std::string text = RenderStudyText(r);
  EXPECT_NE(text.find("No recommendation: no candidate meets the constraints; the closest is resnet56: fails top-1 "
                      ">= 90 % by 6.80 points"),
            std::string::npos)
      << text;
  const Status outcome = StudyOutcome(r);
  EXPECT_EQ(outcome.code(), StatusCode::kInvalidData);  // the truncated model's bad input comes first
  r.failures.clear();
  EXPECT_EQ(StudyOutcome(r).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(StudyOutcome(r).message().find("the closest is resnet56: fails top-1 >= 90 % by 6.80 points"),
            std::string::npos);
}

std::vector<CandidateMeasurements> HandMadeMeasurements() {
  CandidateMeasurements c;
  c.name = "resnet20";
  c.path = "/data/resnet20.onnx";
  c.model = {"0123456789abcdef", 1100000, 272000, 40800000, 1080000, "/data/resnet20.onnx"};
  StoredEnvironment env{1, {}, "1.21.0"};
  env.environment.cpu_model = "Example CPU";
  env.environment.logical_cores = 2;
  env.environment.affinity = {0, 1};
  env.environment.usable_cpus = 2;
  env.environment.hostname = "box";
  env.environment.sweetspot_version = "0.1.0";
  env.environment.build_type = "Release";
  c.environments = {env};
  AccuracyRow a;
  a.sample_count = 1000;
  a.top1_correct = 810;
  a.top5_correct = 990;
  a.top1 = 0.81;
  a.top5 = 0.99;
  a.top1_ci = {0.785, 0.833, true};
  a.eval_json = R"({"schema":"sweetspot.eval/1"})";
  a.duration_ms = 1234.5;
  a.measured_utc = "2024-05-01T12:00:00Z";
  a.settings_key = R"({"limit":1000})";
  a.environment_id = 1;
  c.accuracy.push_back(a);
  LatencyRow l;
  l.setting = "single-stream b1 t1";
  l.scenario = "single-stream";
  l.p50_ms = 0.8;
  l.p90_ms = 0.9;
  l.p99_ms = 1.1;
  l.mean_ms = 0.82;
  l.items_per_s = 1219.5;
  l.converged = true;
  l.sample_count = 3;
  l.load_ms = 12;
  l.first_inference_ms = 3;
  l.peak_rss_bytes = 75'000'000;
  l.model_rss_bytes = 6'080'000;
  l.raw_ms = {0.8, 0.79, 1.1};
  l.duration_ms = 2500;
  l.measured_utc = "2024-05-01T12:00:03Z";
  l.settings_key = R"({"bench":{}})";
  l.environment_id = 1;
  c.latency.push_back(l);
  c.failures.push_back(
      {"latency", "offline b8 t1", "runtime error", "timed out after 60 s", "2024-05-01T12:01:00Z", 1});
  return {c};
}

TEST(ResultsExportTest, MeasurementsGolden) {
  const auto m = HandMadeMeasurements();
  ExpectGolden(RenderMeasurementsText("cifar10-resnets", m), "results.txt");
  ExpectGolden(RenderMeasurementsCsv("cifar10-resnets", m), "results.csv");
  ExpectGolden(RenderMeasurementsJson("cifar10-resnets", m), "results.json");
}

TEST(ResultsExportTest, ModelMemoryNotMeasuredIsNullAndEmpty) {
  auto m = HandMadeMeasurements();
  m[0].latency[0].model_rss_bytes.reset();
  const auto doc = nlohmann::json::parse(RenderMeasurementsJson("s", m));
  EXPECT_TRUE(doc["candidates"][0]["latency"][0]["model_rss_bytes"].is_null());
  const std::string csv = RenderMeasurementsCsv("s", m);
  EXPECT_NE(csv.find(",75000000,,1,,1,"), std::string::npos) << csv;  // peak, empty model memory, converged
  m[0].latency[0].model_rss_bytes = 6'080'000;
  EXPECT_NE(RenderMeasurementsCsv("s", m).find(",75000000,6080000,1,,1,"), std::string::npos);
}

TEST(ResultsExportTest, StudyListGolden) {
  const std::vector<StudyListing> list = {
      {"cifar10-resnets", "/data/cifar10-study.toml", "2024-05-01T12:00:00Z", "2024-05-02T08:30:00Z", 4, 4, 4, 0},
      {"fashion", "/data/fashion, v2.toml", "2024-05-03T09:00:00Z", "2024-05-03T09:00:00Z", 4, 3, 2, 1}};
  ExpectGolden(RenderStudyListText(list), "list.txt");
  ExpectGolden(RenderStudyListCsv(list), "list.csv");
  ExpectGolden(RenderStudyListJson(list), "list.json");
  EXPECT_EQ(RenderStudyListText({}), "no studies stored yet: run `sweetspot study SPEC.toml`\n");
}

}  // namespace
}  // namespace sweetspot
