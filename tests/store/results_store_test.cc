// The results store on real SQLite files: round trips, resumable lookups by
// key, idempotent identities, WAL mode, and the bad files of the study issue
// (corrupt, foreign, locked), which must fail cleanly and leave data intact.
#include "sweetspot/results_store.h"

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/results_export.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Environment Env(int cores = 2) {
  Environment e;
  e.cpu_model = "Example CPU";
  e.logical_cores = cores;
  e.affinity = {0, 1};
  e.kernel = "Linux 6.1";
  e.hostname = "box";
  e.sweetspot_version = "0.1.0";
  e.timestamp_utc = "2024-01-01T00:00:00Z";
  return e;
}

AccuracyRow Accuracy(std::int64_t correct) {
  AccuracyRow r;
  r.sample_count = 4;
  r.top1_correct = correct;
  r.top5_correct = 4;
  r.top1 = static_cast<double>(correct) / 4.0;
  r.top5 = 1.0;
  r.top1_ci = {0.1, 0.9, true};
  r.sample_indices = {0, 3, 5, 9};
  r.labels = {0, 1, 2, 1};
  r.predicted = {0, 1, 2, 2};
  r.eval_json = R"({"schema": "sweetspot.eval/1"})";
  r.duration_ms = 12.5;
  return r;
}

LatencyRow Latency(double p50_ms) {
  LatencyRow r;
  r.setting = "single-stream b1 t1";
  r.scenario = "single-stream";
  r.p50_ms = p50_ms;
  r.p90_ms = p50_ms * 1.1;
  r.p99_ms = p50_ms * 1.5;
  r.mean_ms = p50_ms;
  r.items_per_s = 1000.0 / p50_ms;
  r.converged = true;
  r.sample_count = 3;
  r.load_ms = 4.0;
  r.first_inference_ms = 2.0;
  r.peak_rss_bytes = 123456789;
  r.raw_ms = {p50_ms, p50_ms * 0.9, p50_ms * 1.5};
  r.bench_json = "{}";
  return r;
}

struct Keys {
  std::int64_t study = 0;
  MeasurementKey accuracy;
  MeasurementKey latency;
};

Keys Populate(ResultsStore& store) {
  Keys k;
  auto study = store.PutStudy("demo", "/x/study.toml", "name = \"demo\"");
  EXPECT_TRUE(study.ok()) << study.status().ToString();
  k.study = *study;
  auto model = store.PutModel({"ab12", 1000, 270000, 40000000, 1080000, "/x/m.onnx"});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto variant = store.PutIdentityVariant(*model);
  EXPECT_TRUE(variant.ok()) << variant.status().ToString();
  auto dataset = store.PutDataset({"cd34", "image folder /x", 10, {"a", "b", "c"}});
  EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto env = store.PutEnvironment(Env(), "1.21.0");
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_TRUE(store.SetCandidates(k.study, {{"m", *variant, "/x/m.onnx"}}).ok());
  k.accuracy = {*variant, *env, *dataset, R"({"limit":0})"};
  k.latency = {*variant, *env, 0, R"({"batch":1})"};
  return k;
}

TEST(ResultsStoreTest, RoundTripsEveryKindOfRowAndFindsTheLatest) {
  TempDir dir;
  auto opened = ResultsStore::Open(dir / "sweetspot.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ResultsStore& store = **opened;
  const Keys k = Populate(store);

  auto missing = store.FindAccuracy(k.accuracy);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(store.PutAccuracy(k.accuracy, k.study, Accuracy(3)).ok());
  ASSERT_TRUE(store.PutAccuracy(k.accuracy, k.study, Accuracy(2)).ok());  // a --fresh remeasurement
  auto found = store.FindAccuracy(k.accuracy);
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status().ToString();
  const AccuracyRow& a = **found;
  EXPECT_EQ(a.top1_correct, 2);  // the latest
  EXPECT_EQ(a.sample_indices, (std::vector<std::int64_t>{0, 3, 5, 9}));
  EXPECT_EQ(a.predicted, (std::vector<std::int32_t>{0, 1, 2, 2}));
  EXPECT_EQ(a.eval_json, R"({"schema": "sweetspot.eval/1"})");
  EXPECT_EQ(a.settings_key, R"({"limit":0})");
  EXPECT_FALSE(a.measured_utc.empty());

  MeasurementKey other = k.accuracy;
  other.settings_key = R"({"limit":100})";
  EXPECT_FALSE(store.FindAccuracy(other)->has_value());

  ASSERT_TRUE(store.PutLatency(k.latency, k.study, Latency(1.25)).ok());
  auto latency = store.FindLatency(k.latency);
  ASSERT_TRUE(latency.ok() && latency->has_value());
  EXPECT_DOUBLE_EQ((*latency)->p50_ms, 1.25);
  EXPECT_EQ((*latency)->raw_ms, (std::vector<double>{1.25, 1.125, 1.875}));
  EXPECT_EQ((*latency)->peak_rss_bytes, 123456789);
  EXPECT_FALSE((*latency)->model_rss_bytes.has_value());  // not measured stays not measured
  EXPECT_TRUE((*latency)->converged);
  LatencyRow with_memory = Latency(1.5);
  with_memory.model_rss_bytes = 6080000;
  ASSERT_TRUE(store.PutLatency(k.latency, k.study, with_memory).ok());
  EXPECT_EQ(store.FindLatency(k.latency)->value().model_rss_bytes, 6080000);

  ASSERT_TRUE(store
                  .PutFailure(k.latency, k.study, "latency", "offline b8 t1",
                              Status::RuntimeError("the measuring process crashed (signal 11)"))
                  .ok());

  auto studies = store.ListStudies();
  ASSERT_TRUE(studies.ok());
  ASSERT_EQ(studies->size(), 1U);
  EXPECT_EQ((*studies)[0].name, "demo");
  EXPECT_EQ((*studies)[0].candidates, 1);
  EXPECT_EQ((*studies)[0].accuracy_results, 2);
  EXPECT_EQ((*studies)[0].latency_results, 2);
  EXPECT_EQ((*studies)[0].failures, 1);

  auto measurements = store.StudyMeasurements("demo");
  ASSERT_TRUE(measurements.ok()) << measurements.status().ToString();
  ASSERT_EQ(measurements->size(), 1U);
  const CandidateMeasurements& m = (*measurements)[0];
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.model.macs, 40000000);
  EXPECT_EQ(m.accuracy.size(), 2U);
  EXPECT_EQ(m.latency.size(), 2U);
  ASSERT_EQ(m.failures.size(), 1U);
  EXPECT_EQ(m.failures[0].code, StatusCodeName(StatusCode::kRuntimeError));
  ASSERT_EQ(m.environments.size(), 1U);
  EXPECT_EQ(m.environments[0].environment.cpu_model, "Example CPU");
  EXPECT_EQ(m.environments[0].environment.hostname, "box");
  for (const auto& row : m.accuracy) EXPECT_EQ(row.environment_id, m.environments[0].id);
  for (const auto& row : m.latency) EXPECT_EQ(row.environment_id, m.environments[0].id);
  EXPECT_EQ(m.failures[0].environment_id, m.environments[0].id);

  auto unknown = store.StudyMeasurements("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no study named 'nope'"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("studies there: demo"));
}

TEST(ResultsStoreTest, IdentitiesAreIdempotent) {
  TempDir dir;
  auto store = ResultsStore::Open(dir / "s.db");
  ASSERT_TRUE(store.ok());
  auto m1 = (*store)->PutModel({"ab12", 1, 2, 3, 4, "/a.onnx"});
  auto m2 = (*store)->PutModel({"ab12", 1, 2, 3, 4, "/moved/a.onnx"});
  EXPECT_EQ(*m1, *m2);
  EXPECT_EQ(*(*store)->PutIdentityVariant(*m1), *(*store)->PutIdentityVariant(*m1));
  Environment later = Env();
  later.timestamp_utc = "2025-06-01T00:00:00Z";
  EXPECT_EQ(*(*store)->PutEnvironment(Env(), "1.21.0"), *(*store)->PutEnvironment(later, "1.21.0"));
  EXPECT_NE(*(*store)->PutEnvironment(Env(), "1.21.0"), *(*store)->PutEnvironment(Env(4), "1.21.0"));
  EXPECT_NE(*(*store)->PutEnvironment(Env(), "1.21.0"), *(*store)->PutEnvironment(Env(), "1.22.0"));
  EXPECT_EQ(*(*store)->PutStudy("s", "/a", "x"), *(*store)->PutStudy("s", "/b", "y"));
}

TEST(ResultsStoreTest, DerivedVariantsAreIdempotentByTheirLineage) {
  TempDir dir;
  auto store = ResultsStore::Open(dir / "s.db");
  ASSERT_TRUE(store.ok());
  const std::int64_t parent = *(*store)->PutIdentityVariant(*(*store)->PutModel({"p", 1, 2, 3, 4, "/p.onnx"}));
  const std::int64_t model = *(*store)->PutModel({"q", 1, 2, 3, 4, "/q.onnx"});
  auto entropy =
      (*store)->PutDerivedVariant(model, parent, "int8-static", R"({"calibration":"c1","method":"entropy"})");
  ASSERT_TRUE(entropy.ok()) << entropy.status().ToString();
  EXPECT_NE(*entropy, parent);
  EXPECT_EQ(*entropy,
            *(*store)->PutDerivedVariant(model, parent, "int8-static", R"({"calibration":"c1","method":"entropy"})"));
  // Another calibration set is another lineage, even for the same file.
  EXPECT_NE(*entropy,
            *(*store)->PutDerivedVariant(model, parent, "int8-static", R"({"calibration":"c2","method":"entropy"})"));
  EXPECT_NE(*entropy, *(*store)->PutIdentityVariant(model));
}

TEST(ResultsStoreTest, SurvivesReopenAndUsesWal) {
  TempDir dir;
  const fs::path db = dir / "s.db";
  Keys k;
  {
    auto store = ResultsStore::Open(db);
    ASSERT_TRUE(store.ok());
    k = Populate(**store);
    ASSERT_TRUE((*store)->PutAccuracy(k.accuracy, k.study, Accuracy(3)).ok());
  }
  auto reopened = ResultsStore::Open(db, {.read_only = true});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->FindAccuracy(k.accuracy)->has_value());

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST(ResultsStoreTest, CorruptFileIsRefusedAndLeftAlone) {
  TempDir dir;
  const fs::path db = dir / "sweetspot.db";
  const std::string garbage(8192, '\x5a');
  testing::WriteFile(db, garbage);
  auto store = ResultsStore::Open(db);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(store.status().message(), HasSubstr("is not a readable sweetspot results database"));
  EXPECT_THAT(store.status().message(), HasSubstr(db.string()));
  EXPECT_EQ(Slurp(db), garbage);
}

// A schema-1 file: made by this version, then taken back to what version 1
// wrote (no model_rss_bytes column; the figure only inside bench_json).
void MakeSchema1(const fs::path& db, const std::string& bench_json) {
  {
    auto opened = ResultsStore::Open(db);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    const Keys k = Populate(**opened);
    LatencyRow row = Latency(2.0);
    row.bench_json = bench_json;
    ASSERT_TRUE((*opened)->PutLatency(k.latency, k.study, row).ok());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "ALTER TABLE latency_results DROP COLUMN model_rss_bytes; PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_close(raw);
}

// An older database stays readable as it is, and is upgraded in place when
// opened for writing, the model's memory taken from the stored bench JSON.
TEST(ResultsStoreTest, SchemaVersion1IsReadAndUpgraded) {
  TempDir dir;
  const fs::path db = dir / "old.db";
  MakeSchema1(db, R"({"memory": {"model_rss_bytes": 6080000}})");
  {
    auto read_only = ResultsStore::Open(db, {.read_only = true});
    ASSERT_TRUE(read_only.ok()) << read_only.status().ToString();
    auto m = (*read_only)->StudyMeasurements("demo");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    ASSERT_EQ((*m)[0].latency.size(), 1U);
    EXPECT_EQ((*m)[0].latency[0].model_rss_bytes, 6080000);
  }
  auto upgraded = ResultsStore::Open(db);
  ASSERT_TRUE(upgraded.ok()) << upgraded.status().ToString();
  auto m = (*upgraded)->StudyMeasurements("demo");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)[0].latency[0].model_rss_bytes, 6080000);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), kResultsSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);

  // A row whose bench JSON predates the figure (or is damaged) reads as not measured.
  const fs::path older = dir / "older.db";
  MakeSchema1(older, "not json");
  auto reopened = ResultsStore::Open(older);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_FALSE((*reopened)->StudyMeasurements("demo")->at(0).latency[0].model_rss_bytes.has_value());
}

TEST(ResultsStoreTest, ForeignDatabaseIsRefusedAndLeftAlone) {
  TempDir dir;
  const fs::path db = dir / "other.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE notes(text TEXT); INSERT INTO notes VALUES('keep me')", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  const std::string before = Slurp(db);
  auto store = ResultsStore::Open(db);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(store.status().message(), HasSubstr("another program"));
  EXPECT_EQ(Slurp(db), before);
}

TEST(ResultsStoreTest, LockedDatabaseFailsCleanlyAndKeepsWhatWasStored) {
  TempDir dir;
  const fs::path db = dir / "sweetspot.db";
  Keys k;
  {
    auto store = ResultsStore::Open(db);
    ASSERT_TRUE(store.ok());
    k = Populate(**store);
    ASSERT_TRUE((*store)->PutAccuracy(k.accuracy, k.study, Accuracy(3)).ok());
  }
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto store = ResultsStore::Open(db, {.busy_timeout_ms = 50});
  ASSERT_TRUE(store.ok()) << store.status().ToString();  // opening an existing store only reads
  const Status put = (*store)->PutLatency(k.latency, k.study, Latency(1.0));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition);  // the user can fix it; not a bad argument
  EXPECT_THAT(put.message(), HasSubstr("is locked by another process"));
  EXPECT_THAT(put.message(), HasSubstr("use another database file"));

  ASSERT_EQ(sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(holder);
  EXPECT_TRUE((*store)->FindAccuracy(k.accuracy)->has_value());
  EXPECT_TRUE((*store)->PutLatency(k.latency, k.study, Latency(1.0)).ok());
}

TEST(ResultsStoreTest, ReadOnlyOpenOfAMissingFileSaysHowToMakeOne) {
  TempDir dir;
  auto store = ResultsStore::Open(dir / "none.db", {.read_only = true});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(store.status().message(), HasSubstr("run `sweetspot study SPEC.toml` first"));
  EXPECT_FALSE(fs::exists(dir / "none.db"));
}

TEST(ResultsStoreTest, MissingFolderIsABadPath) {
  TempDir dir;
  auto store = ResultsStore::Open(dir / "no/such/folder/s.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("check that its folder exists"));
}

// ---------------------------------------------------------------- merge

std::int64_t CountRows(const fs::path& db, const std::string& table) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(raw);
  const std::int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return n;
}

// A store measured on one machine: the demo study's model m, measured once,
// and (with `derived`) its int8 variant, measured under `env`.
void MakeMachineStore(const fs::path& db, const Environment& env, double p50_ms, bool derived) {
  auto opened = ResultsStore::Open(db);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ResultsStore& store = **opened;
  Keys k = Populate(store);
  k.accuracy.environment_id = k.latency.environment_id = *store.PutEnvironment(env, "1.21.0");
  AccuracyRow accuracy = Accuracy(3);
  accuracy.duration_ms = p50_ms * 7;
  ASSERT_TRUE(store.PutAccuracy(k.accuracy, k.study, accuracy).ok());
  LatencyRow latency = Latency(p50_ms);
  latency.duration_ms = p50_ms * 11;
  ASSERT_TRUE(store.PutLatency(k.latency, k.study, latency).ok());
  ASSERT_TRUE(store.PutFailure(k.latency, k.study, "latency", "offline b8 t1", Status::RuntimeError("crashed")).ok());
  if (!derived) return;
  const std::int64_t model = *store.PutModel({"ef56", 500, 270000, 40000000, 270000, "/x/m-int8.onnx"});
  auto variant = store.PutDerivedVariant(model, k.latency.variant_id, "int8-static", R"({"calibration":"c1"})");
  ASSERT_TRUE(variant.ok()) << variant.status().ToString();
  ASSERT_TRUE(
      store.SetCandidates(k.study, {{"m", k.latency.variant_id, "/x/m.onnx"}, {"m/int8", *variant, "/y"}}).ok());
  ASSERT_TRUE(
      store.PutLatency({*variant, k.latency.environment_id, 0, k.latency.settings_key}, k.study, Latency(p50_ms / 2))
          .ok());
}

Environment OneCore() {
  Environment e = Env();
  e.affinity = {0};
  e.usable_cpus = 1;
  return e;
}

const char* const kTables[] = {"studies",          "models",           "variants",        "datasets", "environments",
                               "study_candidates", "accuracy_results", "latency_results", "failures"};

std::map<std::string, std::int64_t> AllCounts(const fs::path& db) {
  std::map<std::string, std::int64_t> counts;
  for (const char* table : kTables) counts[table] = CountRows(db, table);
  return counts;
}

// Two machines' stores merge into their union: one study, one model, each
// environment's measurements apart; merging again adds nothing.
TEST(ResultsStoreMergeTest, GivesTheUnionWithoutDuplicatesAndIsIdempotent) {
  TempDir dir;
  Environment two_cores = Env();
  two_cores.usable_cpus = 2;
  MakeMachineStore(dir / "a.db", two_cores, 2.0, /*derived=*/false);
  MakeMachineStore(dir / "b.db", OneCore(), 3.0, /*derived=*/true);
  auto merged = MergeResultStores({dir / "a.db", dir / "b.db"}, dir / "c.db");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->studies, 1);
  EXPECT_EQ(merged->models, 2);
  EXPECT_EQ(merged->variants, 2);
  EXPECT_EQ(merged->datasets, 1);
  EXPECT_EQ(merged->environments, 3);  // Populate's Env() (in both, kept once) and each machine's own
  EXPECT_EQ(merged->accuracy_results, 2);
  EXPECT_EQ(merged->latency_results, 3);
  EXPECT_EQ(merged->failures, 2);
  const auto after_first = AllCounts(dir / "c.db");
  EXPECT_EQ(after_first.at("study_candidates"), 2);

  auto again = MergeResultStores({dir / "b.db", dir / "a.db"}, dir / "c.db");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->models + again->variants + again->environments + again->latency_results + again->accuracy_results +
                again->failures,
            0);
  EXPECT_EQ(AllCounts(dir / "c.db"), after_first);
  // Merging the merged store into a store that holds one of its parts adds only the other.
  auto overlap = MergeResultStores({dir / "c.db"}, dir / "a.db");
  ASSERT_TRUE(overlap.ok()) << overlap.status().ToString();
  EXPECT_EQ(overlap->latency_results, 2);
  EXPECT_EQ(AllCounts(dir / "a.db"), after_first);

  auto store = ResultsStore::Open(dir / "c.db", {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto parent = (*store)->FindVariant("ab12", std::nullopt, "identity", "{}");
  ASSERT_TRUE(parent.ok() && parent->has_value());
  auto derived = (*store)->FindVariant("ef56", **parent, "int8-static", R"({"calibration":"c1"})");
  ASSERT_TRUE(derived.ok() && derived->has_value()) << "the lineage survives the merge";
  auto environments = (*store)->EnvironmentsMeasuring({**parent});
  ASSERT_TRUE(environments.ok()) << environments.status().ToString();
  ASSERT_EQ(environments->size(), 2U);
  EXPECT_EQ((*environments)[0].environment.affinity, (std::vector<int>{0, 1}));
  EXPECT_EQ((*environments)[1].environment.affinity, std::vector<int>{0});
  EXPECT_EQ((*environments)[1].environment.usable_cpus, 1);
  EXPECT_EQ((*environments)[1].backend_version, "1.21.0");
  for (const StoredEnvironment& e : *environments) {
    auto latency = (*store)->FindLatency({**parent, e.id, 0, R"({"batch":1})"});
    ASSERT_TRUE(latency.ok() && latency->has_value());
    EXPECT_DOUBLE_EQ((*latency)->p50_ms, e.environment.usable_cpus == 1 ? 3.0 : 2.0);
  }
}

// `results --study` of a merged store: each row names the environment it was
// measured in (text, JSON and CSV), so two machines' rows are told apart.
TEST(ResultsStoreMergeTest, TheExportOfAMergedStoreNamesEachRowsEnvironment) {
  TempDir dir;
  MakeMachineStore(dir / "a.db", Env(), 2.0, /*derived=*/false);
  MakeMachineStore(dir / "b.db", OneCore(), 3.0, /*derived=*/false);
  ASSERT_TRUE(MergeResultStores({dir / "a.db", dir / "b.db"}, dir / "c.db").ok());
  auto store = ResultsStore::Open(dir / "c.db", {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto measured = (*store)->StudyMeasurements("demo");
  ASSERT_TRUE(measured.ok()) << measured.status().ToString();
  ASSERT_EQ(measured->size(), 1U);
  const CandidateMeasurements& m = (*measured)[0];
  ASSERT_EQ(m.environments.size(), 2U);
  ASSERT_EQ(m.latency.size(), 2U);
  const StoredEnvironment& one_core = m.environments[1];
  EXPECT_EQ(one_core.environment.usable_cpus, 1);
  // Each row's environment is the one it was measured in: 2 ms on both CPUs, 3 ms on one.
  for (const LatencyRow& row : m.latency) {
    EXPECT_EQ(row.environment_id == one_core.id, row.p50_ms == 3.0) << row.p50_ms;
  }
  ASSERT_EQ(m.failures.size(), 2U);
  EXPECT_NE(m.failures[0].environment_id, m.failures[1].environment_id);

  const std::string text = RenderMeasurementsText("demo", *measured);
  const std::string two = DescribeEnvironment(m.environments[0].environment, "1.21.0");
  const std::string one = DescribeEnvironment(one_core.environment, "1.21.0");
  EXPECT_THAT(text, HasSubstr(fmt::format("env {}: {}\n", m.environments[0].id, two)));
  EXPECT_THAT(text, HasSubstr(fmt::format("env {}: {}\n", one_core.id, one)));
  EXPECT_THAT(one, HasSubstr("CPUs 0 allowed (1 usable)"));
  EXPECT_THAT(text, HasSubstr(fmt::format("env {}  latency   single-stream b1 t1  p50 3.000 ms", one_core.id)));
  EXPECT_THAT(text,
              HasSubstr(fmt::format("env {}  latency   single-stream b1 t1  p50 2.000 ms", m.environments[0].id)));

  const auto doc = nlohmann::json::parse(RenderMeasurementsJson("demo", *measured));
  ASSERT_EQ(doc["environments"].size(), 2U);
  EXPECT_EQ(doc["environments"][1]["id"], one_core.id);
  EXPECT_EQ(doc["environments"][1]["description"], one);
  EXPECT_EQ(doc["environments"][1]["environment"]["usable_cpus"], 1);
  for (const auto& row : doc["candidates"][0]["latency"]) {
    EXPECT_EQ(row["environment_id"] == one_core.id, row["p50_ms"] == 3.0) << row.dump();
  }

  const std::string csv = RenderMeasurementsCsv("demo", *measured);
  EXPECT_THAT(csv, HasSubstr(",reason,environment_id,environment\n"));
  std::istringstream lines(csv);
  int with_one_core = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(",latency,") == std::string::npos) continue;
    const bool slow = line.find(",3,3.3,4.5,") != std::string::npos;  // p50, p90, p99 of 3 ms
    const bool on_one_core = line.find(fmt::format(",{},\"{}\"", one_core.id, one)) != std::string::npos ||
                             line.find(fmt::format(",{},{}", one_core.id, one)) != std::string::npos;
    EXPECT_EQ(slow, on_one_core) << line;
    with_one_core += on_one_core ? 1 : 0;
  }
  EXPECT_EQ(with_one_core, 1);
}

// A store of an older schema is refused with the command that upgrades it;
// once upgraded (what that command does: open it for writing) it merges.
TEST(ResultsStoreMergeTest, OlderSchemaIsRefusedUntilUpgraded) {
  TempDir dir;
  MakeSchema1(dir / "old.db", "{}");
  MakeMachineStore(dir / "b.db", OneCore(), 3.0, /*derived=*/false);
  auto refused = MergeResultStores({dir / "b.db", dir / "old.db"}, dir / "c.db");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("old.db' has schema version 1"));
  EXPECT_THAT(refused.status().message(), HasSubstr("sweetspot results upgrade"));
  EXPECT_FALSE(fs::exists(dir / "c.db")) << "a refused merge leaves no file";
  ASSERT_TRUE(ResultsStore::Open(dir / "old.db").ok());
  auto merged = MergeResultStores({dir / "b.db", dir / "old.db"}, dir / "c.db");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->latency_results, 2);
}

TEST(ResultsStoreMergeTest, BadSourcesAreRefusedByName) {
  TempDir dir;
  MakeMachineStore(dir / "a.db", Env(), 2.0, /*derived=*/false);
  const auto missing = MergeResultStores({dir / "a.db", dir / "nope.db"}, dir / "c.db");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.db"));
  const auto twice = MergeResultStores({dir / "a.db", dir / "." / "a.db"}, dir / "c.db");
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("same results database"));
  const auto into_itself = MergeResultStores({dir / "a.db"}, dir / "a.db");
  EXPECT_EQ(into_itself.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(into_itself.status().message(), HasSubstr("merge into another file"));
  EXPECT_EQ(MergeResultStores({}, dir / "c.db").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir / "c.db"));
}

// A merge that fails half-way (a source missing a table) rolls back: the
// destination keeps exactly what it held.
TEST(ResultsStoreMergeTest, AFailedMergeLeavesTheDestinationAsItWas) {
  TempDir dir;
  MakeMachineStore(dir / "a.db", Env(), 2.0, /*derived=*/false);
  MakeMachineStore(dir / "b.db", OneCore(), 3.0, /*derived=*/true);
  ASSERT_TRUE(MergeResultStores({dir / "a.db"}, dir / "c.db").ok());
  const auto before = AllCounts(dir / "c.db");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "b.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE failures", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  const auto failed = MergeResultStores({dir / "b.db"}, dir / "c.db");
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("merging failures"));
  EXPECT_EQ(AllCounts(dir / "c.db"), before);
}

// ---------------------------------------------------------------- report snapshots

std::vector<StoredStudyReport> Reports(const fs::path& db, const std::string& study = "demo") {
  auto store = ResultsStore::Open(db, {.read_only = true});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  auto reports = (*store)->StudyReports(study);
  EXPECT_TRUE(reports.ok()) << reports.status().ToString();
  return reports.ok() ? *reports : std::vector<StoredStudyReport>{};
}

// One snapshot per (study, environment), replaced by the next write; the
// newest first; an unknown study names the studies there are.
TEST(ResultsStoreReportTest, OneSnapshotPerEnvironmentReplacedOnEachWrite) {
  TempDir dir;
  auto opened = ResultsStore::Open(dir / "s.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ResultsStore& store = **opened;
  const Keys k = Populate(store);
  const std::int64_t other_env = *store.PutEnvironment(OneCore(), "1.21.0");
  ASSERT_TRUE(store.PutStudyReport(k.study, k.latency.environment_id, R"({"n": 1})").ok());
  ASSERT_TRUE(store.PutStudyReport(k.study, other_env, R"({"n": 2})").ok());
  ASSERT_TRUE(store.PutStudyReport(k.study, k.latency.environment_id, R"({"n": 3})").ok());
  const auto reports = Reports(dir / "s.db");
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_EQ(reports[0].report_json, R"({"n": 3})");
  EXPECT_EQ(reports[0].environment_id, k.latency.environment_id);
  EXPECT_EQ(reports[1].report_json, R"({"n": 2})");
  EXPECT_GE(reports[0].written_utc, reports[1].written_utc);
  EXPECT_THAT(reports[0].written_utc, ::testing::MatchesRegex(R"(....-..-..T..:..:..\....Z)"));

  auto unknown = store.StudyReports("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("studies there: demo"));
}

// A schema-2 file (no study_reports table): read as it is (no snapshots),
// upgraded in place to version 3 when opened for writing.
TEST(ResultsStoreReportTest, SchemaVersion2IsReadAndUpgraded) {
  TempDir dir;
  const fs::path db = dir / "v2.db";
  MakeMachineStore(db, Env(), 2.0, /*derived=*/false);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE study_reports; PRAGMA user_version = 2", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_close(raw);
  {
    auto read_only = ResultsStore::Open(db, {.read_only = true});
    ASSERT_TRUE(read_only.ok()) << read_only.status().ToString();
    EXPECT_EQ((*read_only)->schema_version(), 2);
    auto reports = (*read_only)->StudyReports("demo");
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    EXPECT_TRUE(reports->empty());
  }
  auto upgraded = ResultsStore::Open(db);
  ASSERT_TRUE(upgraded.ok()) << upgraded.status().ToString();
  EXPECT_EQ((*upgraded)->schema_version(), kResultsSchemaVersion);
  auto m = (*upgraded)->StudyMeasurements("demo");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)[0].latency.size(), 1U) << "the upgrade keeps every measurement";
  ASSERT_TRUE((*upgraded)->PutStudyReport(1, 1, "{}").ok());
  EXPECT_EQ(Reports(db).size(), 1U);
}

// A file of a newer schema version: every writer refuses it; read-only with
// allow_newer_schema it is read and left byte for byte as it was; a read of a
// table the newer version dropped names it and the version.
TEST(ResultsStoreReportTest, NewerSchemaIsOnlyReadWhenAllowed) {
  TempDir dir;
  const fs::path db = dir / "v99.db";
  MakeMachineStore(db, Env(), 2.0, /*derived=*/false);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  const std::string bytes = Slurp(db);
  const auto mtime = fs::last_write_time(db);
  for (const StoreOptions& refused : {StoreOptions{}, StoreOptions{.read_only = true},
                                      StoreOptions{.read_only = false, .allow_newer_schema = true}}) {
    auto opened = ResultsStore::Open(db, refused);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kUnsupported);
    EXPECT_THAT(opened.status().message(), HasSubstr("schema version 99, newer than this sweetspot"));
  }
  auto merged = MergeResultStores({db}, dir / "merged.db");
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), StatusCode::kUnsupported);
  {
    auto opened = ResultsStore::Open(db, {.read_only = true, .allow_newer_schema = true});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ((*opened)->schema_version(), 99);
    auto m = (*opened)->StudyMeasurements("demo");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ((*m)[0].latency.size(), 1U);
    EXPECT_FALSE((*opened)->PutStudy("other", "o.toml", "").ok());
  }
  EXPECT_EQ(Slurp(db), bytes) << "reading a newer file never writes it";
  EXPECT_EQ(fs::last_write_time(db), mtime);

  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE study_reports", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto opened = ResultsStore::Open(db, {.read_only = true, .allow_newer_schema = true});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto reports = (*opened)->StudyReports("demo");
  ASSERT_FALSE(reports.ok());
  EXPECT_EQ(reports.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(reports.status().message(),
              HasSubstr(fmt::format("schema version 99, newer than this sweetspot reads ({})", kResultsSchemaVersion)));
  EXPECT_THAT(reports.status().message(), HasSubstr("study_reports"));
}

// Merging copies the snapshots once per (study, environment); the newer
// written one wins whichever side it is on.
TEST(ResultsStoreReportTest, MergeCopiesSnapshotsAndTheNewerWins) {
  TempDir dir;
  MakeMachineStore(dir / "a.db", Env(), 2.0, /*derived=*/false);
  MakeMachineStore(dir / "b.db", OneCore(), 3.0, /*derived=*/false);
  const auto put = [](const fs::path& db, const Environment& env, const std::string& text) {
    auto store = ResultsStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const std::int64_t study = *(*store)->PutStudy("demo", "/x/study.toml", "name = \"demo\"");
    ASSERT_TRUE((*store)->PutStudyReport(study, *(*store)->PutEnvironment(env, "1.21.0"), text).ok());
  };
  put(dir / "a.db", Env(), "a-old");
  put(dir / "b.db", OneCore(), "b");
  auto merged = MergeResultStores({dir / "a.db", dir / "b.db"}, dir / "c.db");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->study_reports, 2);
  ASSERT_EQ(Reports(dir / "c.db").size(), 2U);

  auto again = MergeResultStores({dir / "a.db", dir / "b.db"}, dir / "c.db");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->study_reports, 0) << "an equal snapshot is not copied again";
  EXPECT_EQ(CountRows(dir / "c.db", "study_reports"), 2);

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  put(dir / "a.db", Env(), "a-new");
  auto newer = MergeResultStores({dir / "a.db"}, dir / "c.db");
  ASSERT_TRUE(newer.ok()) << newer.status().ToString();
  EXPECT_EQ(newer->study_reports, 1);
  std::vector<std::string> texts;
  for (const auto& r : Reports(dir / "c.db")) texts.push_back(r.report_json);
  EXPECT_THAT(texts, ::testing::UnorderedElementsAre("a-new", "b"));

  // The older one merged back into a store holding the newer changes nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  put(dir / "c.db", Env(), "c-newest");
  auto older = MergeResultStores({dir / "a.db"}, dir / "c.db");
  ASSERT_TRUE(older.ok()) << older.status().ToString();
  EXPECT_EQ(older->study_reports, 0);
  texts.clear();
  for (const auto& r : Reports(dir / "c.db")) texts.push_back(r.report_json);
  EXPECT_THAT(texts, ::testing::UnorderedElementsAre("c-newest", "b"));
}

// ---------------------------------------------------------------- load runs

StoredLoadRun LoadRun(const std::string& url) {
  StoredLoadRun r;
  r.url = url;
  r.model = "m";
  r.form = "images";
  r.dataset = "IDX /x/t10k";
  r.options_json = R"({"concurrency":[1,2]})";
  r.levels_json = R"([{"mode":"closed","concurrency":1,"throughput_per_s":100.5}])";
  r.duration_ms = 2500.0;
  return r;
}

// A load run is stored with its study (created without a spec when new, an
// existing one keeps its spec) and read back field for field.
TEST(ResultsStoreLoadTest, LoadRunsRoundTripWithTheirStudy) {
  TempDir dir;
  auto opened = ResultsStore::Open(dir / "s.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ResultsStore& store = **opened;
  const std::int64_t spec_study = *store.PutStudy("demo", "/x/study.toml", "name = \"demo\"");
  auto same = store.EnsureStudy("demo");
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(*same, spec_study);
  auto fresh = store.EnsureStudy("serving");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(*fresh, spec_study);
  const std::int64_t env = *store.PutEnvironment(Env(), "");
  ASSERT_TRUE(store.PutLoadRun(*fresh, env, LoadRun("http://127.0.0.1:1")).ok());
  ASSERT_TRUE(store.PutLoadRun(*fresh, env, LoadRun("http://127.0.0.1:2")).ok());

  auto runs = store.StudyLoadRuns("serving");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2U);
  EXPECT_EQ((*runs)[0].url, "http://127.0.0.1:1") << "oldest first";
  EXPECT_EQ((*runs)[1].url, "http://127.0.0.1:2");
  EXPECT_EQ((*runs)[0].levels_json, LoadRun("").levels_json);
  EXPECT_EQ((*runs)[0].options_json, LoadRun("").options_json);
  EXPECT_EQ((*runs)[0].dataset, "IDX /x/t10k");
  EXPECT_DOUBLE_EQ((*runs)[0].duration_ms, 2500.0);
  EXPECT_EQ((*runs)[0].environment_id, env);
  EXPECT_THAT((*runs)[0].measured_utc, ::testing::MatchesRegex(R"(....-..-..T..:..:..\....Z)"));
  auto none = store.StudyLoadRuns("demo");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto listed = store.ListStudies();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].spec_path, "/x/study.toml") << "EnsureStudy leaves an existing study's spec alone";
}

// A schema-3 file (no load_runs): read as it is (no load runs), upgraded in
// place to version 4 on the first write, keeping every measurement.
TEST(ResultsStoreLoadTest, SchemaVersion3IsReadAndUpgraded) {
  TempDir dir;
  const fs::path db = dir / "v3.db";
  MakeMachineStore(db, Env(), 2.0, /*derived=*/false);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE load_runs; PRAGMA user_version = 3", nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_close(raw);
  {
    auto read_only = ResultsStore::Open(db, {.read_only = true});
    ASSERT_TRUE(read_only.ok()) << read_only.status().ToString();
    EXPECT_EQ((*read_only)->schema_version(), 3);
    auto runs = (*read_only)->StudyLoadRuns("demo");
    ASSERT_TRUE(runs.ok()) << runs.status().ToString();
    EXPECT_TRUE(runs->empty());
  }
  auto upgraded = ResultsStore::Open(db);
  ASSERT_TRUE(upgraded.ok()) << upgraded.status().ToString();
  EXPECT_EQ((*upgraded)->schema_version(), 4);
  auto m = (*upgraded)->StudyMeasurements("demo");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)[0].latency.size(), 1U) << "the upgrade keeps every measurement";
  const std::int64_t study = *(*upgraded)->EnsureStudy("demo");
  ASSERT_TRUE((*upgraded)->PutLoadRun(study, 1, LoadRun("http://h:1")).ok());
  auto runs = (*upgraded)->StudyLoadRuns("demo");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  EXPECT_EQ(runs->size(), 1U);
}

// `results merge` copies the load runs, each once, with their study and environment.
TEST(ResultsStoreLoadTest, MergeCopiesLoadRunsOnce) {
  TempDir dir;
  MakeMachineStore(dir / "a.db", Env(), 2.0, /*derived=*/false);
  MakeMachineStore(dir / "b.db", OneCore(), 3.0, /*derived=*/false);
  for (const char* name : {"a.db", "b.db"}) {
    auto store = ResultsStore::Open(dir / name);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const std::int64_t study = *(*store)->EnsureStudy("serving");
    const std::int64_t env = *(*store)->PutEnvironment(name == std::string("a.db") ? Env() : OneCore(), "");
    ASSERT_TRUE((*store)->PutLoadRun(study, env, LoadRun(std::string("http://") + name + ":1")).ok());
  }
  auto merged = MergeResultStores({dir / "a.db", dir / "b.db"}, dir / "c.db");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->load_runs, 2);
  auto again = MergeResultStores({dir / "a.db", dir / "b.db"}, dir / "c.db");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->load_runs, 0) << "a run already there is not copied again";
  auto store = ResultsStore::Open(dir / "c.db", {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->StudyLoadRuns("serving");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2U);
  EXPECT_EQ((*runs)[0].url, "http://a.db:1");
  EXPECT_NE((*runs)[0].environment_id, (*runs)[1].environment_id) << "each run keeps its own environment";
}

}  // namespace
}  // namespace sweetspot
