// The study's plan and assemble steps on their own: no child process runs.
#include <algorithm>
#include <numeric>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/eval_fixtures.h"
#include "study_fixtures.h"
#include "support/support.h"
#include "sweetspot/stats.h"
#include "sweetspot/study_plan.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() {
    testing::WriteRgbFolder(dir_ / "images");
    testing::WriteModel(testing::ChannelModel(), dir_ / "good.onnx");
    testing::WriteModel(testing::ChannelModel({-1, 3, 2, 2}, 3, false, false, true), dir_ / "swapped.onnx");
  }

  Result<StudySpec> Spec(const std::string& models, const std::string& rest = "") {
    return ParseStudySpec("[dataset]\npath = \"images\"\n" + models + rest, dir_ / "study.toml");
  }

  TempDir dir_;
};

TEST_F(PlanTest, ListsEveryMeasurementWithItsRequestAndKey) {
  auto spec =
      Spec("[[models]]\npath = \"good.onnx\"\n[[models]]\npath = \"swapped.onnx\"\n", "[runtime]\nthreads = [1, 2]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto plan = PlanStudy(*spec, dir_ / "cache");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->models.size(), 2u);
  EXPECT_EQ(plan->models[0].name, "good");
  EXPECT_EQ(plan->models[0].info.sha256.size(), 64u);
  EXPECT_GT(plan->models[0].info.param_count, 0);
  ASSERT_EQ(plan->measurements.size(), 6u);  // per model: accuracy, then latency at t1 and t2
  const PlannedMeasurement& accuracy = plan->measurements[3];
  EXPECT_EQ(accuracy.kind, MeasurementKind::kAccuracy);
  EXPECT_EQ(accuracy.Label(*plan), "accuracy of swapped");
  EXPECT_EQ(accuracy.eval.dataset_path, (dir_ / "images").string());
  EXPECT_EQ(accuracy.eval.cache_dir, (dir_ / "cache").string());
  const PlannedMeasurement& latency = plan->measurements[5];
  EXPECT_EQ(latency.Label(*plan), "latency of swapped [single-stream b1 t2]");
  EXPECT_EQ(latency.bench.options.intra_op_threads, 2);
  EXPECT_NE(latency.settings_key, plan->measurements[4].settings_key);  // the thread count is in the key
  EXPECT_EQ(latency.settings_key, plan->measurements[2].settings_key);  // the model is not
}

// Every runtime axis reaches the measuring child and the stored key; the key of
// all-default settings is the one earlier versions stored, so their results are found.
TEST_F(PlanTest, RuntimeAxesReachTheRequestAndTheKey) {
  auto spec = Spec("[[models]]\npath = \"good.onnx\"\n",
                   "[runtime]\nthreads = [1, 2]\ngraph_optimization = [\"basic\", \"all\"]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto plan = PlanStudy(*spec, dir_ / "cache");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->measurements.size(), 5u);  // accuracy, then 4 latencies
  std::set<std::string> keys;
  std::set<std::string> labels;
  for (std::size_t i = 1; i < 5; ++i) {
    keys.insert(plan->measurements[i].settings_key);
    labels.insert(plan->measurements[i].Label(*plan));
  }
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_EQ(labels.size(), 4u);
  const BenchRequest& basic = plan->measurements[1].bench;
  EXPECT_EQ(basic.backend, "onnxruntime");
  EXPECT_EQ(basic.options.graph_optimization, GraphOptimization::kBasic);
  EXPECT_EQ(plan->measurements[3].bench.options.intra_op_threads, 2);

  const json defaults = json::parse(plan->measurements[2].settings_key);  // t1, opt all: every default
  EXPECT_EQ(defaults["bench"]["backend"], "onnxruntime");
  std::vector<std::string> option_keys;
  for (const auto& [key, value] : defaults["bench"]["options"].items()) option_keys.push_back(key);
  EXPECT_THAT(option_keys, ::testing::ElementsAre("execution_mode", "execution_provider", "graph_optimization",
                                                  "inter_op_threads", "intra_op_threads"));

  auto off = Spec("[[models]]\npath = \"good.onnx\"\n", "[runtime]\nspinning = [true, false]\nmemory_arena = false\n");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  auto off_plan = PlanStudy(*off, dir_ / "cache");
  ASSERT_TRUE(off_plan.ok()) << off_plan.status().ToString();
  const PlannedMeasurement& no_spin = off_plan->measurements[2];
  EXPECT_FALSE(no_spin.bench.options.allow_spinning);
  EXPECT_FALSE(no_spin.bench.options.memory_arena);
  EXPECT_NE(no_spin.settings_key, off_plan->measurements[1].settings_key);
  EXPECT_FALSE(keys.contains(off_plan->measurements[1].settings_key));  // the arena is in the key
}

TEST_F(PlanTest, TheSameModelTwiceIsRefusedWithBothNames) {
  fs::copy_file(dir_ / "good.onnx", dir_ / "copy.onnx");
  auto spec = Spec("[[models]]\npath = \"good.onnx\"\n[[models]]\nname = \"again\"\npath = \"copy.onnx\"\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto plan = PlanStudy(*spec, "");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("'good' and 'again' are the same model"));

  // The fix it names: list it once.
  auto once = PlanStudy(*Spec("[[models]]\npath = \"good.onnx\"\n"), "");
  EXPECT_TRUE(once.ok()) << once.status().ToString();
}

// Symbolic height and width take the size the preprocessing gives, as
// `eval --size` does; `dims` tables give other symbols.
TEST_F(PlanTest, PreprocessingSizeAndDimsTablesResolveSymbolicDimensions) {
  testing::WriteModel(testing::DynamicSizeModel(), dir_ / "dynamic.onnx");
  testing::WriteModel(testing::DynamicSizeModel("", ""), dir_ / "unnamed.onnx");
  auto spec = Spec(
      "[[models]]\npath = \"dynamic.onnx\"\n[models.preprocess]\nsize = 32\n"
      "[[models]]\npath = \"unnamed.onnx\"\ndims = { \"input:2\" = 8, \"input:3\" = 6 }\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_THAT(spec->models[1].dims, ElementsAre(Pair("input:2", 8), Pair("input:3", 6)));
  auto plan = PlanStudy(*spec, "");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const PlannedModel& dynamic = plan->models[0];
  EXPECT_THAT(dynamic.dims, ElementsAre(Pair("H", 32), Pair("W", 32)));
  EXPECT_TRUE(dynamic.inspect_failure.ok()) << dynamic.inspect_failure.ToString();
  EXPECT_GT(dynamic.info.macs, 0);  // costed at 32x32
  EXPECT_THAT(plan->measurements[1].bench.inputs.dim_values, ElementsAre(Pair("H", 32), Pair("W", 32)));
  EXPECT_TRUE(plan->models[1].inspect_failure.ok()) << plan->models[1].inspect_failure.ToString();
  EXPECT_GT(plan->models[1].info.macs, 0);

  // Without a size the dimensions stay open, and inspection says which one.
  auto open = PlanStudy(*Spec("[[models]]\npath = \"dynamic.onnx\"\n"), "");
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_FALSE(open->models[0].inspect_failure.ok());
}

AccuracyRow Accuracy(double top1, std::vector<std::int32_t> predicted) {
  AccuracyRow row;
  row.sample_count = static_cast<std::int64_t>(predicted.size());
  row.top1 = top1;
  row.top1_ci = {top1 - 0.1, top1 + 0.1, true};
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    row.sample_indices.push_back(static_cast<std::int64_t>(i));
    row.labels.push_back(0);
  }
  row.predicted = std::move(predicted);
  return row;
}

LatencyRow Latency(double p50_ms) {
  LatencyRow row;
  row.p50_ms = p50_ms;
  row.p99_ms = 2 * p50_ms;
  row.items_per_s = 1000 / p50_ms;
  row.peak_rss_bytes = 100'000'000;
  return row;
}

// Assemble on hand-made measurements: candidates, failures, reference, counts.
TEST(AssembleTest, CandidatesFailuresAndReferenceFromHandMadeMeasurements) {
  StudySpec spec;
  spec.name = "hand";
  spec.spec_path = "/specs/hand.toml";
  StudyPlan plan;
  plan.settings = {RuntimeSetting{}};
  for (const char* name : {"a", "b", "c"}) {
    PlannedModel m;
    m.name = name;
    m.info.file_bytes = 1000;
    plan.models.push_back(m);
  }
  plan.models[2].inspect_failure = Status::InvalidData("c.onnx is not an ONNX model");
  StudyMeasurements measured;
  measured.models.resize(3);
  plan.engines = {"onnxruntime"};
  for (auto& m : measured.models) {
    m.accuracy.resize(1);
    m.accuracy_failure.resize(1);
    m.latency.resize(1);
    m.latency_failure.resize(1);
  }
  measured.models[0].accuracy[0] = Accuracy(0.5, {0, 0, 1, 1});
  measured.models[0].latency[0] = Latency(1.0);
  measured.models[1].accuracy[0] = Accuracy(0.75, {0, 0, 0, 1});
  measured.models[1].latency_failure[0] = Status::RuntimeError("timed out");
  measured.measured = 3;
  measured.failed = 2;
  measured.warnings = {"the tensor cache could not be written"};

  const StudyReport report = AssembleReport(spec, plan, measured);
  ASSERT_EQ(report.candidates.size(), 3u);
  EXPECT_EQ(report.candidates[0].name, "a");
  EXPECT_TRUE(report.candidates[0].failure.empty());
  EXPECT_EQ(report.candidates[0].p50_ms, 1.0);
  EXPECT_EQ(report.candidates[0].correct, (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(report.candidates[1].failure, "timed out");
  EXPECT_EQ(report.candidates[2].failure, "c.onnx is not an ONNX model");
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].message(), "b: timed out");
  EXPECT_EQ(report.failures[1].code(), StatusCode::kInvalidData);
  ASSERT_TRUE(report.reference.has_value());
  EXPECT_EQ(*report.reference, 0u);  // the most accurate candidate that did not fail
  EXPECT_EQ(report.reference_p.size(), 3u);
  EXPECT_TRUE(report.analysis.recommended.has_value());
  EXPECT_EQ(report.measured, 3u);
  EXPECT_EQ(report.failed, 2u);
  EXPECT_THAT(report.warnings, ElementsAre("the tensor cache could not be written"));
  EXPECT_EQ(report.study, "hand");
}

// A single-stream latency row from its timed runs, as the runner stores it.
LatencyRow Timed(std::vector<double> raw_ms) {
  std::vector<double> sorted = raw_ms;
  std::sort(sorted.begin(), sorted.end());
  LatencyRow row;
  row.p50_ms = stats::Percentile(sorted, 0.5);
  row.p99_ms = stats::Percentile(sorted, 0.99);
  row.items_per_s = 1000.0 * static_cast<double>(sorted.size()) / std::accumulate(sorted.begin(), sorted.end(), 0.0);
  row.peak_rss_bytes = 100'000'000;
  row.sample_count = static_cast<std::int64_t>(sorted.size());
  row.raw_ms = std::move(raw_ms);
  return row;
}

// A variant whose throughput is below its parent's gets the "slower" verdict
// only when the ratio's interval excludes 1 (issue 9: it fired on noise).
TEST(AssembleTest, SlowerVariantVerdictOnlyWhenTheDifferenceIsMeasurable) {
  StudySpec spec;
  spec.spec_path = "/specs/variants.toml";
  StudyPlan plan;
  plan.settings = {RuntimeSetting{}};
  plan.models.resize(2);
  plan.models[0].name = "large";
  plan.models[1].name = "large/int8-static:minmax";
  plan.models[1].parent = 0;
  plan.models[1].variant = "int8-static:minmax";
  plan.models[0].diagnosis = GraphDiagnosis{};
  GraphDiagnosis quantized;
  quantized.quantize_nodes = quantized.dequantize_nodes = 5;
  plan.models[1].diagnosis = quantized;
  std::vector<double> raw;
  for (int i = 0; i < 300; ++i) raw.push_back(1.0 + 0.2 * ((i * 53) % 300) / 300.0);
  std::vector<double> noisy = raw;  // the same runs, one of them slower: a lower point estimate
  noisy[7] += 0.5;
  plan.engines = {"onnxruntime"};
  const auto measure = [&](const std::vector<double>& variant_ms) {
    StudyMeasurements measured;
    measured.models.resize(2);
    for (auto& m : measured.models) {
      m.accuracy = {Accuracy(0.5, {0, 0, 1, 1})};
      m.accuracy_failure.resize(1);
      m.latency_failure.resize(1);
    }
    measured.models[0].latency = {Timed(raw)};
    measured.models[1].latency = {Timed(variant_ms)};
    return AssembleReport(spec, plan, measured);
  };

  const StudyReport noise = measure(noisy);
  ASSERT_LT(noise.candidates[1].items_per_s, noise.candidates[0].items_per_s);
  EXPECT_THAT(noise.analysis.candidates[1].reasons,
              Contains(StartsWith("not slower than large: no measurable speed difference (")));
  ASSERT_EQ(noise.variants.size(), 1U);
  EXPECT_EQ(noise.variants[0].verdict, "");

  std::vector<double> doubled = raw;
  for (double& ms : doubled) ms *= 2;
  const StudyReport slower = measure(doubled);
  EXPECT_THAT(slower.analysis.candidates[1].reasons, Contains(StartsWith("slower than large (2.00x slower [")));
  EXPECT_THAT(slower.analysis.candidates[1].reasons,
              Contains(HasSubstr("]): 10 extra QuantizeLinear/DequantizeLinear")));
  EXPECT_EQ(slower.variants[0].verdict, "10 extra QuantizeLinear/DequantizeLinear");
}

// The hygiene warnings stored in a latency row's bench JSON reach the report;
// a row stored before they were recorded, or a malformed one, has none.
TEST(AssembleTest, EachCandidateGetsTheWarningsStoredWithItsLatency) {
  StudyPlan plan;
  plan.settings = {RuntimeSetting{}};
  plan.models.resize(3);
  plan.models[0].name = "a";
  plan.models[1].name = "b";
  plan.models[2].name = "c";
  StudyMeasurements measured;
  measured.models.resize(3);
  BenchResult bench;
  bench.environment.frequency_governor = "powersave";
  bench.warnings = CheckHygiene(bench);
  plan.engines = {"onnxruntime"};
  for (auto& m : measured.models) {
    m.accuracy.resize(1);
    m.accuracy_failure.resize(1);
    m.latency = {Latency(1.0)};
    m.latency_failure.resize(1);
  }
  measured.models[0].latency[0]->bench_json = DumpJson(ToJson(bench, false));
  auto old = ToJson(bench, false);
  old.erase("warnings");
  measured.models[1].latency[0]->bench_json = DumpJson(old);
  measured.models[2].latency[0]->bench_json = R"({"warnings": [{"code": 3}]})";  // malformed: no warnings

  const StudyReport report = AssembleReport(StudySpec{}, plan, measured);
  ASSERT_EQ(report.measurement_warnings.size(), 3u);
  ASSERT_EQ(report.measurement_warnings[0].size(), 1u);
  EXPECT_EQ(report.measurement_warnings[0][0].code, "governor");
  EXPECT_TRUE(report.measurement_warnings[1].empty());
  EXPECT_TRUE(report.measurement_warnings[2].empty());
}

}  // namespace
}  // namespace sweetspot
