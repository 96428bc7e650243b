// BuildReportRun's sections: a real study of the Fashion-MNIST example models
// with an int8 variant (SQNR in graph order, ops by precision, training cost,
// gray thumbnails), the per-sample limit on synthetic runs, and the ops of a
// variant counted from its file when the runtime's diagnosis is missing.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ops_by_precision.h"
#include "run_samples.h"
#include "support/support.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/report_data.h"
#include "sweetspot/results_store.h"

namespace sweetspot {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

const fs::path kFashionTest = "/usr/share/datasets/fashion-mnist/t10k";
const fs::path kFashionTrain = "/usr/share/datasets/fashion-mnist/train";
const fs::path kExamples = fs::path(SWEETSPOT_TEST_DIR) / "../examples/fashion-mnist";

// resnet-small and its static int8 variant on 200 test images.
TEST(ReportRunFashionTest, Int8VariantHasSqnrInGraphOrderOpsByPrecisionAndTrainingCost) {
  if (!fs::exists(kFashionTest.string() + "-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "needs Debian's dataset-fashion-mnist (" << kFashionTest << ")";
  }
  TempDir dir;
  testing::WriteFile(dir / "study.toml",
                     "name = \"fm\"\nvariants = [\"int8-static:entropy\"]\n[dataset]\npath = \"" +
                         kFashionTest.string() + "\"\nlimit = 200\ncalibration = \"" + kFashionTrain.string() +
                         "\"\ncalibration_samples = 100\n[[models]]\nname = \"small\"\npath = \"" +
                         (kExamples / "resnet-small.onnx").string() +
                         "\"\n[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n");
  auto spec = LoadStudySpec(dir / "study.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  StudyOptions options;
  options.db_path = dir / "fm.db";
  options.self_exe = SWEETSPOT_CLI_PATH;
  options.cache_dir = dir / "cache";
  options.report_run = BuildReportRun;
  auto report = RunStudy(*spec, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto store = ResultsStore::Open(dir / "fm.db", {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto data = LoadReportData(**store, "fm");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const json run = json::parse(data->runs.at(0));

  ASSERT_EQ(run["variants"].size(), 1U);
  const json& variant = run["variants"][0];
  EXPECT_EQ(variant["model"], "small/int8-static:entropy");
  EXPECT_EQ(variant["parent"], "small");
  EXPECT_EQ(variant["ops_source"], "onnxruntime");
  EXPECT_GT(variant["ops_by_precision"]["int8"]["QLinearConv"].get<int>(), 0);
  EXPECT_FALSE(variant["parent_ops_by_precision"].contains("int8"));
  ASSERT_EQ(variant["sqnr"].size(), report->variants[0].sqnr_layers) << "every quantized activation";
  // Graph order: the order of the nodes in the variant's own file.
  const fs::path variant_file = variant["path"].get<std::string>();
  auto model = LoadOnnxModel(variant_file);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<int> positions;
  for (const json& row : variant["sqnr"]) {
    EXPECT_EQ(row["sqnr_db"], row["cumulative_db"]);
    const auto& nodes = model->graph().node();
    const auto found = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.name() == row["node"]; });
    ASSERT_NE(found, nodes.end()) << row["node"];
    positions.push_back(static_cast<int>(found - nodes.begin()));
  }
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));

  ASSERT_EQ(run["training"].size(), 1U);
  EXPECT_EQ(run["training"][0]["model"], "small");
  EXPECT_EQ(run["training"][0]["model_file"], "resnet-small.onnx");
  EXPECT_GT(run["training"][0]["cost"]["train_ms"].get<double>(), 0.0);
  EXPECT_GT(run["training"][0]["cost"]["peak_rss_bytes"].get<double>(), 0.0);

  EXPECT_EQ(data->classes.size(), 10U);
  EXPECT_EQ(data->classes[0], "T-shirt/top");
  ASSERT_FALSE(data->thumbnails.empty()) << "a 200-image run of resnet-small mislabels some";
  EXPECT_TRUE(data->notes.empty()) << data->notes.front();
}

// A study with one candidate whose accuracy row has `samples` samples (all
// of class 0, predicted 0 but every tenth predicted 1).
struct SyntheticRun {
  StudySpec spec;
  StudyPlan plan;
  StudyMeasurements measured;
  StudyReport report;
};

SyntheticRun Synthetic(std::size_t samples) {
  SyntheticRun r;
  r.spec.name = "big";
  PlannedModel model;
  model.name = "m";
  model.path = "/nonexistent/m.onnx";
  r.plan.models = {model};
  r.plan.engines = {"onnxruntime"};
  r.plan.settings = {RuntimeSetting{}};
  AccuracyRow row;
  row.sample_count = static_cast<std::int64_t>(samples);
  for (std::size_t k = 0; k < samples; ++k) {
    row.sample_indices.push_back(static_cast<std::int64_t>(k));
    row.labels.push_back(0);
    row.predicted.push_back(k % 10 == 0 ? 1 : 0);
  }
  ModelMeasurements m;
  m.accuracy = {row};
  m.accuracy_failure = {Status::Ok()};
  m.latency = {std::nullopt};
  m.latency_failure = {Status::Ok()};
  r.measured.models = {m};
  Candidate candidate;
  candidate.name = candidate.model = "m";
  r.report.study = "big";
  r.report.dataset_classes = {"zero", "one"};
  r.report.candidates = {candidate};
  r.report.analysis = Analyze(r.report.candidates, {}, Objective::kMaxThroughput);
  r.report.reference_p = {std::nullopt};
  return r;
}

TEST(ReportRunLimitTest, PerSampleArraysAreLeftOutAboveTheLimitAndTheMatrixStays) {
  const SyntheticRun small = Synthetic(1000);
  const json kept = json::parse(BuildReportRun(small.spec, small.plan, small.measured, small.report));
  EXPECT_EQ(kept["accuracy"][0]["predictions"].size(), 1000U);
  EXPECT_EQ(kept["accuracy"][0]["cell_samples"]["0,1"].size(), kCellSamples);
  EXPECT_EQ(kept["accuracy"][0]["cell_samples"]["0,1"][1], 10);

  const SyntheticRun big = Synthetic(kMaxSnapshotSampleInts / 3 + 1);
  const json left = json::parse(BuildReportRun(big.spec, big.plan, big.measured, big.report));
  const json& entry = left["accuracy"][0];
  EXPECT_TRUE(entry["predictions"].is_null());
  EXPECT_TRUE(left["shared_samples"].is_null());
  EXPECT_FALSE(entry.contains("indices"));
  EXPECT_EQ(entry["confusion"][0][0].get<std::int64_t>() + entry["confusion"][0][1].get<std::int64_t>(),
            static_cast<std::int64_t>(kMaxSnapshotSampleInts / 3 + 1));
  EXPECT_EQ(entry["cell_samples"]["0,1"].size(), kCellSamples) << "the hover samples stay";
  EXPECT_EQ(entry["recall"][1], nullptr) << "no sample of class 1";
}

// Many classes: the dense matrix is left out, its nonzero cells stay.
TEST(ReportRunLimitTest, ManyClassesKeepOnlyTheNonzeroCells) {
  SyntheticRun run = Synthetic(1000);
  run.report.dataset_classes.assign(kMaxDenseConfusionClasses + 1, "class");
  const json entry = json::parse(BuildReportRun(run.spec, run.plan, run.measured, run.report))["accuracy"][0];
  EXPECT_TRUE(entry["confusion"].is_null());
  EXPECT_EQ(entry["confusion_cells"], json({{0, 0, 900}, {0, 1, 100}}));
  EXPECT_EQ(entry["recall"].size(), kMaxDenseConfusionClasses + 1);
  EXPECT_EQ(entry["recall"][0], 0.9);

  run.report.dataset_classes.resize(kMaxDenseConfusionClasses);
  const json dense = json::parse(BuildReportRun(run.spec, run.plan, run.measured, run.report))["accuracy"][0];
  EXPECT_EQ(dense["confusion"].size(), kMaxDenseConfusionClasses);
}

// Two runs each under the limit, over it together: LoadReportData leaves the
// arrays out of both and says so.
TEST(ReportRunLimitTest, RunsOverTheLimitTogetherLoseTheirArraysWithANote) {
  TempDir dir;
  auto store = ResultsStore::Open(dir / "s.db");
  ASSERT_TRUE(store.ok());
  const std::int64_t study = *(*store)->PutStudy("big", "/x/study.toml", "");
  const SyntheticRun half = Synthetic(kMaxSnapshotSampleInts / 5);
  const std::string text = BuildReportRun(half.spec, half.plan, half.measured, half.report);
  for (const int cores : {1, 2}) {
    Environment e;
    e.logical_cores = cores;
    ASSERT_TRUE((*store)->PutStudyReport(study, *(*store)->PutEnvironment(e, "1.21.0"), text).ok());
  }
  auto data = LoadReportData(**store, "big");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->runs.size(), 2U);
  for (const std::string& run : data->runs) EXPECT_TRUE(json::parse(run)["accuracy"][0]["predictions"].is_null());
  EXPECT_THAT(data->notes, ::testing::ElementsAre(HasSubstr("per-sample predictions left out: the runs hold"),
                                                  "no thumbnails: the stored report names no dataset"));
}

// Indices and labels are written once when every entry has the same; an
// entry scored on other samples keeps its own, and so do the others.
TEST(RunSamplesTest, SharedOnlyWhenEveryEntryHasTheSameSamples) {
  json run = {{"accuracy",
               {{{"indices", {1, 2}}, {"labels", {0, 1}}, {"predictions", {0, 0}}},
                {{"indices", {1, 2}}, {"labels", {0, 1}}, {"predictions", {1, 1}}}}}};
  ShareSamples(&run);
  EXPECT_EQ(run["shared_samples"], json({{"indices", {1, 2}}, {"labels", {0, 1}}}));
  EXPECT_FALSE(run["accuracy"][1].contains("labels"));
  EXPECT_EQ(SampleNumbers(run), 8U);
  DropSampleArrays(&run);
  EXPECT_TRUE(run["shared_samples"].is_null());
  EXPECT_TRUE(run["accuracy"][0]["predictions"].is_null());
  EXPECT_EQ(SampleNumbers(run), 0U);

  json apart = {{"accuracy",
                 {{{"indices", {1, 2}}, {"labels", {0, 1}}, {"predictions", {0, 0}}},
                  {{"indices", {1, 3}}, {"labels", {0, 1}}, {"predictions", {1, 1}}}}}};
  ShareSamples(&apart);
  EXPECT_TRUE(apart["shared_samples"].is_null());
  EXPECT_EQ(apart["accuracy"][1]["indices"], json({1, 3}));
  EXPECT_EQ(SampleNumbers(apart), 12U);
}

// Without the runtime's diagnosis the variant's file is counted: a float16
// region between two Casts computes in float16.
TEST(ModelGraphFactsTest, OpsFromTheFileWhenTheDiagnosisIsMissing) {
  TempDir dir;
  GraphBuilder b("half");
  b.Input("x", DType::kFloat32, {1, 4});
  b.Node("Cast", {"x"}, {"h"}, {Attr("to", std::int64_t{onnx::TensorProto::FLOAT16})});
  b.Node("Relu", {"h"}, {"r"});
  b.Node("Cast", {"r"}, {"y"}, {Attr("to", std::int64_t{onnx::TensorProto::FLOAT})});
  b.Output("y", DType::kFloat32, {1, 4});
  PlannedModel model;
  model.path = testing::WriteModel(b.Build(), dir / "half.onnx");
  const ModelGraphFacts facts = DescribeModelGraph(model);
  EXPECT_EQ(facts.ops_source, "file");
  EXPECT_EQ(facts.ops_by_precision["float16"]["Relu"], 1);
  EXPECT_EQ(facts.ops_by_precision["float32"]["Cast"], 1);

  model.path = dir / "missing.onnx";
  const ModelGraphFacts unknown = DescribeModelGraph(model);
  EXPECT_EQ(unknown.ops_source, "");
  EXPECT_TRUE(unknown.ops_by_precision.empty());
}

TEST(ModelGraphFactsTest, IntegerOpsAreInt8WhateverTheirInputType) {
  EXPECT_EQ(PrecisionBucket({"com.microsoft", "QLinearConv", "uint8", 3}), "int8");
  EXPECT_EQ(PrecisionBucket({"", "ConvInteger", "unknown", 1}), "int8");
  EXPECT_EQ(PrecisionBucket({"", "Conv", "float", 1}), "float32");
  EXPECT_EQ(PrecisionBucket({"", "Conv", "float16", 1}), "float16");
  EXPECT_EQ(PrecisionBucket({"", "Gather", "int64", 1}), "int64");
}

}  // namespace
}  // namespace sweetspot
