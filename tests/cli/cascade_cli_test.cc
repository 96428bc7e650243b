// `sweetspot cascade` on a results store written by hand (no measurement):
// the table and the recommendation, --json/--csv, an unknown candidate (exit
// 2, listing the study's, and the listed name works), and a candidate without
// stored scores.
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/environment.h"
#include "sweetspot/results_store.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
namespace fs = std::filesystem;

constexpr int kSamples = 200;

// Right on [0, right); the fast model's wrong answers get confidence 0.4,
// its right ones 0.9 (3 classes, probabilities). Without `scores` none are kept.
AccuracyRow Accuracy(int right, bool scores) {
  AccuracyRow row;
  row.sample_count = kSamples;
  row.top1_correct = right;
  row.top1 = static_cast<double>(right) / kSamples;
  for (int i = 0; i < kSamples; ++i) {
    row.sample_indices.push_back(i);
    row.labels.push_back(0);
    row.predicted.push_back(i < right ? 0 : 1);
    if (!scores) continue;
    const float confidence = i < right ? 0.9F : 0.4F;
    const float rest = (1.0F - confidence) / 2.0F;
    row.scores.insert(row.scores.end(), {i < right ? confidence : rest, i < right ? rest : confidence, rest});
  }
  row.eval_json = "{}";
  return row;
}

LatencyRow Latency(double p50_ms) {
  LatencyRow row;
  row.setting = "single-stream b1 t1";
  row.scenario = "single-stream";
  row.p50_ms = row.p90_ms = row.p99_ms = p50_ms;
  row.mean_ms = p50_ms * 1.1;
  row.items_per_s = 1000.0 / p50_ms;
  row.sample_count = 100;
  row.bench_json = "{}";
  return row;
}

// Study "pair": "nano" (80 % right, scores kept), "large" (90 %), "big" (no scores).
void WriteStore(const fs::path& db) {
  auto store = ResultsStore::Open(db).value();
  const std::int64_t study = store->PutStudy("pair", "/spec/pair.toml", "").value();
  Environment machine;
  machine.cpu_model = "Example CPU";
  machine.hostname = "box";
  const std::int64_t environment = store->PutEnvironment(machine, "1.0").value();
  const std::int64_t dataset = store->PutDataset({"d0", "synthetic", kSamples, {"a", "b", "c"}}).value();
  std::vector<ResultsStore::CandidateEntry> candidates;
  const std::vector<std::tuple<std::string, int, bool, double>> models = {
      {"nano", 160, true, 0.2}, {"large", 180, false, 2.0}, {"big", 190, false, 3.0}};
  for (const auto& [name, right, scores, p50_ms] : models) {
    StoredModel model;
    model.sha256 = "sha-" + name;
    model.path = "/models/" + name + ".onnx";
    const std::int64_t variant = store->PutIdentityVariant(store->PutModel(model).value()).value();
    candidates.push_back({name, variant, model.path});
    ASSERT_TRUE(store->PutAccuracy({variant, environment, dataset, "{}"}, study, Accuracy(right, scores)).ok());
    ASSERT_TRUE(store->PutLatency({variant, environment, 0, "{}"}, study, Latency(p50_ms)).ok());
  }
  ASSERT_TRUE(store->SetCandidates(study, candidates).ok());
}

class CascadeCli : public ::testing::Test {
 protected:
  void SetUp() override { WriteStore(db_); }
  testing::TempDir dir_;
  fs::path db_ = dir_.path() / "store.db";
};

TEST_F(CascadeCli, PrintsTheCurveAndTheRecommendation) {
  const auto r = RunCli("cascade --db " + db_.string() + " --fast nano --accurate large");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("study pair: cascade nano -> large on 200 samples (single-stream b1 t1"));
  // Deferring the 40 samples below 0.9 (20 %) gives large's answers there: 90 %.
  EXPECT_THAT(r.out, HasSubstr("defer when nano's confidence < 0.9: 20.0 % of inputs go to large; top-1 90.0 %"));
  EXPECT_THAT(r.out, HasSubstr("0.6 ms per input (p50) vs 2 ms for large alone"));
}

TEST_F(CascadeCli, JsonAndCsvHoldEveryThreshold) {
  const fs::path csv = dir_.path() / "curve.csv";
  const auto r =
      RunCli("cascade --db " + db_.string() + " --fast nano --accurate large --json - --csv " + csv.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["curve"].size(), 3U);  // never, below 0.9, always
  EXPECT_EQ(doc["recommended"]["deferred"], 40);
  EXPECT_EQ(ReadTextFile(csv).value().substr(0, 10), "threshold,");
}

TEST_F(CascadeCli, UnknownCandidateListsTheStudysAndTheListedOneWorks) {
  const auto r = RunCli("cascade --db " + db_.string() + " --fast tiny --accurate large");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("study 'pair' has no candidate 'tiny' (its candidates: nano, large, big)"));
  EXPECT_EQ(RunCli("cascade --db " + db_.string() + " --fast nano --accurate large").exit_code, 0);
}

TEST_F(CascadeCli, ANegativeMaxDropIsRefusedInOneShortLine) {
  const auto r = RunCli("cascade --db " + db_.string() + " --fast nano --accurate large --max-drop-points -5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("-5 is not a non-negative number"));
  EXPECT_LT(r.err.size(), 200U) << "no 300-digit range: " << r.err;
}

TEST_F(CascadeCli, AFastModelWithoutScoresIsRefused) {
  const auto r = RunCli("cascade --db " + db_.string() + " --fast large --accurate big");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("large: its accuracy result kept no per-sample scores"));
}

}  // namespace
}  // namespace sweetspot
