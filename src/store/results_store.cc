#include "sweetspot/results_store.h"
#include "sweetspot/sqlite_db.h"
#include "sweetspot/text_file.h"

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// 'SWSP': marks the file as ours, so a stranger's SQLite file is refused.
constexpr int kApplicationId = 0x53575350;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec_path TEXT NOT NULL,
  spec_toml TEXT NOT NULL,
  created_utc TEXT NOT NULL,
  updated_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  file_bytes INTEGER NOT NULL,
  param_count INTEGER NOT NULL,
  macs INTEGER NOT NULL,
  weight_bytes INTEGER NOT NULL,
  first_path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS variants (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  parent_variant_id INTEGER REFERENCES variants(id),
  transform TEXT NOT NULL,
  parameters_json TEXT NOT NULL DEFAULT '{}');
CREATE UNIQUE INDEX IF NOT EXISTS variants_lineage
  ON variants(model_id, ifnull(parent_variant_id, 0), transform, parameters_json);
CREATE TABLE IF NOT EXISTS study_candidates (
  study_id INTEGER NOT NULL REFERENCES studies(id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  variant_id INTEGER NOT NULL REFERENCES variants(id),
  path TEXT NOT NULL,
  PRIMARY KEY (study_id, name));
CREATE TABLE IF NOT EXISTS datasets (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  sample_count INTEGER NOT NULL,
  classes_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS environments (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  cpu_model TEXT NOT NULL,
  logical_cores INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  backend_version TEXT NOT NULL,
  environment_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accuracy_results (
  id INTEGER PRIMARY KEY,
  variant_id INTEGER NOT NULL REFERENCES variants(id),
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  settings_key TEXT NOT NULL,
  study_id INTEGER REFERENCES studies(id),
  sample_count INTEGER NOT NULL,
  top1_correct INTEGER NOT NULL,
  top1 REAL NOT NULL,
  top1_ci_lower REAL NOT NULL,
  top1_ci_upper REAL NOT NULL,
  top5_correct INTEGER NOT NULL,
  top5 REAL NOT NULL,
  excluded_count INTEGER NOT NULL,
  samples_json TEXT NOT NULL,
  eval_json TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  measured_utc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accuracy_key ON accuracy_results(variant_id, dataset_id, environment_id, settings_key);
CREATE TABLE IF NOT EXISTS latency_results (
  id INTEGER PRIMARY KEY,
  variant_id INTEGER NOT NULL REFERENCES variants(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  settings_key TEXT NOT NULL,
  study_id INTEGER REFERENCES studies(id),
  setting TEXT NOT NULL,
  scenario TEXT NOT NULL,
  batch_size INTEGER NOT NULL,
  threads INTEGER NOT NULL,
  p50_ms REAL NOT NULL,
  p90_ms REAL NOT NULL,
  p99_ms REAL NOT NULL,
  mean_ms REAL NOT NULL,
  items_per_s REAL NOT NULL,
  converged INTEGER NOT NULL,
  sample_count INTEGER NOT NULL,
  load_ms REAL NOT NULL,
  first_inference_ms REAL NOT NULL,
  peak_rss_bytes INTEGER NOT NULL,
  raw_ms_json TEXT NOT NULL,
  bench_json TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  measured_utc TEXT NOT NULL,
  model_rss_bytes INTEGER);
CREATE INDEX IF NOT EXISTS latency_key ON latency_results(variant_id, environment_id, settings_key);
CREATE TABLE IF NOT EXISTS failures (
  id INTEGER PRIMARY KEY,
  study_id INTEGER REFERENCES studies(id),
  variant_id INTEGER NOT NULL REFERENCES variants(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  kind TEXT NOT NULL,
  setting TEXT NOT NULL,
  settings_key TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  failed_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS study_reports (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  written_utc TEXT NOT NULL,
  report_json TEXT NOT NULL,
  UNIQUE (study_id, environment_id));
CREATE TABLE IF NOT EXISTS load_runs (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  url TEXT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  form TEXT NOT NULL,
  dataset TEXT NOT NULL,
  options_json TEXT NOT NULL,
  levels_json TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  measured_utc TEXT NOT NULL);
)sql";

// Schema 1 kept the model's own memory only inside bench_json (0 or absent:
// not measured); schema 2 has the column. The same expression reads a
// version-1 file opened read-only and fills the column when one is upgraded.
constexpr const char* kModelRssFromBenchJson =
    "CASE WHEN json_valid(bench_json) THEN nullif(json_extract(bench_json, '$.memory.model_rss_bytes'), 0) END";

// "2026-12-01T01:00:00Z"; with_ms: "2026-12-01T01:00:00.123Z" (still sorts as text).
std::string NowUtc(bool with_ms = false) {
  const auto clock = std::chrono::system_clock::now();
  const std::time_t now = std::chrono::system_clock::to_time_t(clock);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!with_ms) return std::string(buffer) + "Z";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.time_since_epoch()).count() % 1000;
  return fmt::format("{}.{:03}Z", buffer, ms);
}

}  // namespace

// The connection and the translation of SQLite's codes into Status.
struct ResultsStore::Impl : SqliteDb {
  fs::path path;
  // Of the file: older or newer only when opened read-only.
  std::int64_t schema_version = kResultsSchemaVersion;

  Status Error(int code, std::string_view doing) const override {
    const std::string file = "'" + path.string() + "'";
    const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    if ((code & 0xFF) == SQLITE_ERROR && schema_version > kResultsSchemaVersion) {
      // A newer sweetspot renamed or dropped what this read needs.
      return Status::Unsupported(fmt::format(
          "results database {} has schema version {}, newer than this sweetspot reads ({}), and {} failed ({}); "
          "upgrade sweetspot",
          file, schema_version, kResultsSchemaVersion, doing, detail));
    }
    switch (code & 0xFF) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Status::FailedPrecondition(fmt::format(
            "results database {} is locked by another process (another sweetspot study?) while {}; wait for it to "
            "finish or use another database file",
            file, doing));
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return Status::InvalidData(fmt::format(
            "{} is not a readable sweetspot results database ({}); nothing was written to it: move it away or use "
            "another database file",
            file, detail));
      case SQLITE_CANTOPEN:
        return Status::FailedPrecondition(fmt::format(
            "cannot open results database {} ({}); check that its folder exists and is writable, or use another "
            "database file",
            file, detail));
      case SQLITE_READONLY:
      case SQLITE_PERM:
        return Status::FailedPrecondition(fmt::format(
            "cannot write results database {} ({}); check its permissions or use another database file", file, detail));
      default: return Status::IoError(fmt::format("results database {}: {} failed: {}", file, doing, detail));
    }
  }
};

namespace {

using Stmt = SqliteStatement;
using Transaction = SqliteTransaction;

Result<std::int64_t> SelectId(const ResultsStore::Impl& impl, const char* sql, std::string_view key,
                              std::string_view doing) {
  Stmt select(impl, sql, doing);
  select.Bind(key);
  if (select.Step()) return select.Int(0);
  SWEETSPOT_RETURN_IF_ERROR(select.status());
  return Status::Internal(fmt::format("results database: {}: row vanished after insert", doing));
}

// `optional`: an absent key is an empty array (a key added since the first stores).
template <typename T>
Result<std::vector<T>> JsonArray(const std::string& text, const char* key, std::string_view what,
                                 bool optional = false) {
  auto doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (optional && !doc.is_discarded() && doc.is_object() && !doc.contains(key)) return std::vector<T>();
  if (doc.is_discarded() || !doc.is_object() || !doc.contains(key) || !doc[key].is_array()) {
    return Status::InvalidData(fmt::format("results database: stored {} is damaged (no '{}' array)", what, key));
  }
  std::vector<T> out;
  out.reserve(doc[key].size());
  for (const auto& v : doc[key]) {
    if (!v.is_number()) return Status::InvalidData(fmt::format("results database: stored {} is damaged", what));
    out.push_back(v.get<T>());
  }
  return out;
}

constexpr const char* kAccuracyColumns =
    "sample_count, top1_correct, top5_correct, excluded_count, top1, top5, top1_ci_lower, top1_ci_upper, "
    "samples_json, eval_json, duration_ms, measured_utc, settings_key";

// Environments from rows (id, backend_version, environment_json).
Result<std::vector<StoredEnvironment>> ReadEnvironments(Stmt& s, const fs::path& path) {
  std::vector<StoredEnvironment> out;
  while (s.Step()) {
    StoredEnvironment stored{s.Int(0), {}, s.Text(1)};
    json facts = json::parse(s.Text(2), nullptr, /*allow_exceptions=*/false);
    if (!facts.is_object()) {
      return Status::InvalidData(
          fmt::format("results database '{}': stored environment {} is damaged", path.string(), stored.id));
    }
    facts["timestamp_utc"] = "";  // PutEnvironment leaves it out
    try {
      facts.get_to(stored.environment);
    } catch (const json::exception& e) {
      return Status::InvalidData(fmt::format("results database '{}': stored environment {} is damaged ({})",
                                             path.string(), stored.id, e.what()));
    }
    out.push_back(std::move(stored));
  }
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return out;
}

// Sets the environment_id of each row StudyMeasurements read for one
// candidate (the same tables and order) and the environments they name.
Status ReadRowEnvironments(const ResultsStore::Impl& impl, const fs::path& path, std::int64_t variant_id,
                           std::int64_t study_id, CandidateMeasurements& c) {
  const auto ids = [&](const char* sql, auto&& set) -> Status {
    Stmt s(impl, sql, "reading environments");
    s.Bind(variant_id);
    if (std::string_view(sql).find("study_id") != std::string_view::npos) s.Bind(study_id);
    for (std::size_t row = 0; s.Step(); ++row) set(row, s.Int(0));
    return s.status();
  };
  SWEETSPOT_RETURN_IF_ERROR(ids("SELECT environment_id FROM accuracy_results WHERE variant_id = ? ORDER BY id",
                                [&](std::size_t r, std::int64_t id) { c.accuracy.at(r).environment_id = id; }));
  SWEETSPOT_RETURN_IF_ERROR(ids("SELECT environment_id FROM latency_results WHERE variant_id = ? ORDER BY id",
                                [&](std::size_t r, std::int64_t id) { c.latency.at(r).environment_id = id; }));
  SWEETSPOT_RETURN_IF_ERROR(ids("SELECT environment_id FROM failures WHERE variant_id = ? AND study_id = ? ORDER BY id",
                                [&](std::size_t r, std::int64_t id) { c.failures.at(r).environment_id = id; }));
  Stmt e(impl,
         "SELECT id, backend_version, environment_json FROM environments WHERE id IN (SELECT environment_id FROM "
         "accuracy_results WHERE variant_id = ?1 UNION SELECT environment_id FROM latency_results WHERE variant_id = "
         "?1 UNION SELECT environment_id FROM failures WHERE variant_id = ?1 AND study_id = ?2) ORDER BY id",
         "reading environments");
  e.Bind(variant_id).Bind(study_id);
  SWEETSPOT_ASSIGN_OR_RETURN(c.environments, ReadEnvironments(e, path));
  return Status::Ok();
}

Result<AccuracyRow> ReadAccuracy(const Stmt& s) {
  AccuracyRow row;
  row.sample_count = s.Int(0);
  row.top1_correct = s.Int(1);
  row.top5_correct = s.Int(2);
  row.excluded_count = s.Int(3);
  row.top1 = s.Real(4);
  row.top5 = s.Real(5);
  row.top1_ci = {s.Real(6), s.Real(7), true};
  const std::string samples = s.Text(8);
  SWEETSPOT_ASSIGN_OR_RETURN(row.sample_indices, JsonArray<std::int64_t>(samples, "indices", "accuracy samples"));
  SWEETSPOT_ASSIGN_OR_RETURN(row.labels, JsonArray<std::int32_t>(samples, "labels", "accuracy samples"));
  SWEETSPOT_ASSIGN_OR_RETURN(row.predicted, JsonArray<std::int32_t>(samples, "predicted", "accuracy samples"));
  SWEETSPOT_ASSIGN_OR_RETURN(row.scores, JsonArray<float>(samples, "scores", "accuracy samples", /*optional=*/true));
  row.eval_json = s.Text(9);
  row.duration_ms = s.Real(10);
  row.measured_utc = s.Text(11);
  row.settings_key = s.Text(12);
  return row;
}

std::string LatencyColumns(const ResultsStore::Impl& impl) {
  return fmt::format(
      "setting, scenario, batch_size, threads, p50_ms, p90_ms, p99_ms, mean_ms, items_per_s, converged, "
      "sample_count, load_ms, first_inference_ms, peak_rss_bytes, raw_ms_json, bench_json, duration_ms, "
      "measured_utc, settings_key, {}",
      impl.schema_version >= 2 ? "model_rss_bytes" : kModelRssFromBenchJson);
}

Result<LatencyRow> ReadLatency(const Stmt& s) {
  LatencyRow row;
  row.setting = s.Text(0);
  row.scenario = s.Text(1);
  row.batch_size = s.Int(2);
  row.threads = static_cast<int>(s.Int(3));
  row.p50_ms = s.Real(4);
  row.p90_ms = s.Real(5);
  row.p99_ms = s.Real(6);
  row.mean_ms = s.Real(7);
  row.items_per_s = s.Real(8);
  row.converged = s.Int(9) != 0;
  row.sample_count = s.Int(10);
  row.load_ms = s.Real(11);
  row.first_inference_ms = s.Real(12);
  row.peak_rss_bytes = s.Int(13);
  SWEETSPOT_ASSIGN_OR_RETURN(row.raw_ms, JsonArray<double>(s.Text(14), "raw_ms", "latency samples"));
  row.bench_json = s.Text(15);
  row.duration_ms = s.Real(16);
  row.measured_utc = s.Text(17);
  row.settings_key = s.Text(18);
  row.model_rss_bytes = s.OptionalInt(19);
  return row;
}

}  // namespace

ResultsStore::ResultsStore(fs::path path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}
ResultsStore::~ResultsStore() = default;

Result<std::unique_ptr<ResultsStore>> ResultsStore::Open(const fs::path& path, const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  std::error_code ec;
  if (options.read_only && !fs::exists(path, ec)) {
    return Status::NotFound(
        fmt::format("no results database '{}': run `sweetspot study SPEC.toml` first, or name another database file",
                    path.string()));
  }
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(
        fmt::format("results database '{}' is a folder; name a database file", path.string()));
  }
  const int flags = options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return impl->Error(rc, "opening it");
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);

  // The first read tells a stranger's or a damaged file apart from ours.
  std::int64_t application_id = 0, user_version = 0, tables = 0;
  {
    Stmt s(*impl, "PRAGMA application_id", "reading its header");
    if (s.Step()) application_id = s.Int(0);
    SWEETSPOT_RETURN_IF_ERROR(s.status());
  }
  {
    Stmt s(*impl, "PRAGMA user_version", "reading its header");
    if (s.Step()) user_version = s.Int(0);
    SWEETSPOT_RETURN_IF_ERROR(s.status());
  }
  {
    Stmt s(*impl, "SELECT count(*) FROM sqlite_master", "reading its tables");
    if (s.Step()) tables = s.Int(0);
    SWEETSPOT_RETURN_IF_ERROR(s.status());
  }
  if (application_id != kApplicationId && tables > 0) {
    return Status::InvalidData(fmt::format(
        "'{}' is an SQLite database of another program, not sweetspot results; nothing was written to it: use "
        "another database file",
        path.string()));
  }
  if (user_version > kResultsSchemaVersion && !(options.read_only && options.allow_newer_schema)) {
    return Status::Unsupported(
        fmt::format("results database '{}' has schema version {}, newer than this sweetspot "
                    "reads ({}); upgrade sweetspot or use another database file",
                    path.string(), user_version, kResultsSchemaVersion));
  }
  impl->schema_version = user_version;
  if (options.read_only) {
    if (tables == 0) {
      return Status::InvalidData(
          fmt::format("'{}' holds no sweetspot results yet: run `sweetspot study SPEC.toml` first", path.string()));
    }
    return std::unique_ptr<ResultsStore>(new ResultsStore(path, std::move(impl)));
  }

  // WAL: readers never block the study, and a killed writer leaves the last
  // committed transaction intact.
  SWEETSPOT_RETURN_IF_ERROR(impl->Exec("PRAGMA journal_mode=WAL", "switching it to WAL mode"));
  SWEETSPOT_RETURN_IF_ERROR(impl->Exec("PRAGMA foreign_keys=ON", "enabling foreign keys"));
  if (tables == 0 || user_version < kResultsSchemaVersion) {
    Transaction tx(*impl, "creating its tables");
    SWEETSPOT_RETURN_IF_ERROR(tx.begun());
    SWEETSPOT_RETURN_IF_ERROR(impl->Exec(kSchema, "creating its tables"));
    if (tables > 0 && user_version < 2) {
      SWEETSPOT_RETURN_IF_ERROR(
          impl->Exec(fmt::format("ALTER TABLE latency_results ADD COLUMN model_rss_bytes INTEGER; "
                                 "UPDATE latency_results SET model_rss_bytes = {}",
                                 kModelRssFromBenchJson)
                         .c_str(),
                     "upgrading it to schema version 2"));
    }
    SWEETSPOT_RETURN_IF_ERROR(impl->Exec(
        fmt::format("PRAGMA application_id={}; PRAGMA user_version={}", kApplicationId, kResultsSchemaVersion).c_str(),
        "marking it as sweetspot's"));
    SWEETSPOT_RETURN_IF_ERROR(tx.Commit());
  }
  impl->schema_version = kResultsSchemaVersion;
  return std::unique_ptr<ResultsStore>(new ResultsStore(path, std::move(impl)));
}

Result<std::int64_t> ResultsStore::PutStudy(std::string_view name, std::string_view spec_path,
                                            std::string_view spec_toml) {
  const std::string now = NowUtc();
  Stmt s(*impl_,
         "INSERT INTO studies(name, spec_path, spec_toml, created_utc, updated_utc) VALUES(?, ?, ?, ?, ?) "
         "ON CONFLICT(name) DO UPDATE SET spec_path = excluded.spec_path, spec_toml = excluded.spec_toml, "
         "updated_utc = excluded.updated_utc",
         "recording the study");
  s.Bind(name).Bind(spec_path).Bind(spec_toml).Bind(now).Bind(now);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return SelectId(*impl_, "SELECT id FROM studies WHERE name = ?", name, "recording the study");
}

Result<std::int64_t> ResultsStore::PutModel(const StoredModel& m) {
  Stmt s(*impl_,
         "INSERT INTO models(sha256, file_bytes, param_count, macs, weight_bytes, first_path) VALUES(?, ?, ?, ?, ?, ?) "
         "ON CONFLICT(sha256) DO NOTHING",
         "recording a model");
  s.Bind(m.sha256).Bind(m.file_bytes).Bind(m.param_count).Bind(m.macs).Bind(m.weight_bytes).Bind(m.path);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return SelectId(*impl_, "SELECT id FROM models WHERE sha256 = ?", m.sha256, "recording a model");
}

Result<std::int64_t> ResultsStore::PutIdentityVariant(std::int64_t model_id) {
  Stmt s(*impl_,
         "INSERT OR IGNORE INTO variants(model_id, parent_variant_id, transform, parameters_json) "
         "VALUES(?, NULL, 'identity', '{}')",
         "recording a variant");
  s.Bind(model_id);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  Stmt select(*impl_,
              "SELECT id FROM variants WHERE model_id = ? AND parent_variant_id IS NULL AND transform = 'identity' "
              "AND parameters_json = '{}'",
              "recording a variant");
  select.Bind(model_id);
  if (select.Step()) return select.Int(0);
  SWEETSPOT_RETURN_IF_ERROR(select.status());
  return Status::Internal("results database: the identity variant vanished after insert");
}

Result<std::int64_t> ResultsStore::PutDerivedVariant(std::int64_t model_id, std::int64_t parent_variant_id,
                                                     std::string_view transform, std::string_view parameters_json) {
  Stmt s(*impl_,
         "INSERT OR IGNORE INTO variants(model_id, parent_variant_id, transform, parameters_json) VALUES(?, ?, ?, ?)",
         "recording a variant");
  s.Bind(model_id).Bind(parent_variant_id).Bind(transform).Bind(parameters_json);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  Stmt select(*impl_,
              "SELECT id FROM variants WHERE model_id = ? AND parent_variant_id = ? AND transform = ? AND "
              "parameters_json = ?",
              "recording a variant");
  select.Bind(model_id).Bind(parent_variant_id).Bind(transform).Bind(parameters_json);
  if (select.Step()) return select.Int(0);
  SWEETSPOT_RETURN_IF_ERROR(select.status());
  return Status::Internal("results database: the derived variant vanished after insert");
}

Result<std::int64_t> ResultsStore::PutDataset(const StoredDataset& d) {
  Stmt s(*impl_,
         "INSERT INTO datasets(sha256, description, sample_count, classes_json) VALUES(?, ?, ?, ?) "
         "ON CONFLICT(sha256) DO NOTHING",
         "recording the dataset");
  s.Bind(d.sha256).Bind(d.description).Bind(d.sample_count).Bind(DumpJson(json(d.classes)));
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return SelectId(*impl_, "SELECT id FROM datasets WHERE sha256 = ?", d.sha256, "recording the dataset");
}

Result<std::int64_t> ResultsStore::PutEnvironment(const Environment& e, std::string_view backend_version) {
  // The timestamp is left out: the same machine and build is one environment.
  json facts = e;
  facts.erase("timestamp_utc");
  facts["backend_version"] = backend_version;
  const std::string text = facts.dump();  // object keys are sorted: a canonical form
  Stmt s(*impl_,
         "INSERT INTO environments(fingerprint, cpu_model, logical_cores, hostname, backend_version, environment_json) "
         "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING",
         "recording the environment");
  s.Bind(text).Bind(e.cpu_model).Bind(std::int64_t{e.logical_cores}).Bind(e.hostname).Bind(backend_version).Bind(text);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return SelectId(*impl_, "SELECT id FROM environments WHERE fingerprint = ?", text, "recording the environment");
}

Status ResultsStore::SetCandidates(std::int64_t study_id, const std::vector<CandidateEntry>& candidates) {
  Transaction tx(*impl_, "recording the study's candidates");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  Stmt clear(*impl_, "DELETE FROM study_candidates WHERE study_id = ?", "recording the study's candidates");
  clear.Bind(study_id);
  SWEETSPOT_RETURN_IF_ERROR(clear.Run());
  std::int64_t position = 0;
  for (const auto& c : candidates) {
    Stmt s(*impl_, "INSERT INTO study_candidates(study_id, position, name, variant_id, path) VALUES(?, ?, ?, ?, ?)",
           "recording the study's candidates");
    s.Bind(study_id).Bind(position++).Bind(c.name).Bind(c.variant_id).Bind(c.path);
    SWEETSPOT_RETURN_IF_ERROR(s.Run());
  }
  return tx.Commit();
}

Result<std::optional<AccuracyRow>> ResultsStore::FindAccuracy(const MeasurementKey& key) {
  Stmt s(*impl_,
         fmt::format("SELECT {} FROM accuracy_results WHERE variant_id = ? AND dataset_id = ? AND environment_id = ? "
                     "AND settings_key = ? ORDER BY id DESC LIMIT 1",
                     kAccuracyColumns)
             .c_str(),
         "looking up an accuracy result");
  s.Bind(key.variant_id).Bind(key.dataset_id).Bind(key.environment_id).Bind(key.settings_key);
  if (s.Step()) {
    SWEETSPOT_ASSIGN_OR_RETURN(AccuracyRow row, ReadAccuracy(s));
    return std::optional<AccuracyRow>(std::move(row));
  }
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return std::optional<AccuracyRow>();
}

Status ResultsStore::PutAccuracy(const MeasurementKey& key, std::int64_t study_id, const AccuracyRow& r) {
  json samples = {{"indices", r.sample_indices}, {"labels", r.labels}, {"predicted", r.predicted}};
  if (!r.scores.empty()) samples["scores"] = r.scores;
  Transaction tx(*impl_, "storing an accuracy result");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  Stmt s(*impl_,
         "INSERT INTO accuracy_results(variant_id, dataset_id, environment_id, settings_key, study_id, sample_count, "
         "top1_correct, top1, top1_ci_lower, top1_ci_upper, top5_correct, top5, excluded_count, samples_json, "
         "eval_json, duration_ms, measured_utc) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         "storing an accuracy result");
  s.Bind(key.variant_id).Bind(key.dataset_id).Bind(key.environment_id).Bind(key.settings_key).Bind(study_id);
  s.Bind(r.sample_count).Bind(r.top1_correct).Bind(r.top1).Bind(r.top1_ci.lower).Bind(r.top1_ci.upper);
  s.Bind(r.top5_correct).Bind(r.top5).Bind(r.excluded_count).Bind(DumpJson(samples)).Bind(r.eval_json);
  s.Bind(r.duration_ms).Bind(NowUtc());
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Result<std::optional<LatencyRow>> ResultsStore::FindLatency(const MeasurementKey& key) {
  Stmt s(*impl_,
         fmt::format("SELECT {} FROM latency_results WHERE variant_id = ? AND environment_id = ? AND settings_key = ? "
                     "ORDER BY id DESC LIMIT 1",
                     LatencyColumns(*impl_))
             .c_str(),
         "looking up a latency result");
  s.Bind(key.variant_id).Bind(key.environment_id).Bind(key.settings_key);
  if (s.Step()) {
    SWEETSPOT_ASSIGN_OR_RETURN(LatencyRow row, ReadLatency(s));
    return std::optional<LatencyRow>(std::move(row));
  }
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return std::optional<LatencyRow>();
}

Status ResultsStore::PutLatency(const MeasurementKey& key, std::int64_t study_id, const LatencyRow& r) {
  Transaction tx(*impl_, "storing a latency result");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  Stmt s(*impl_,
         "INSERT INTO latency_results(variant_id, environment_id, settings_key, study_id, setting, scenario, "
         "batch_size, threads, p50_ms, p90_ms, p99_ms, mean_ms, items_per_s, converged, sample_count, load_ms, "
         "first_inference_ms, peak_rss_bytes, raw_ms_json, bench_json, duration_ms, measured_utc, model_rss_bytes) "
         "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         "storing a latency result");
  s.Bind(key.variant_id).Bind(key.environment_id).Bind(key.settings_key).Bind(study_id).Bind(r.setting);
  s.Bind(r.scenario).Bind(r.batch_size).Bind(std::int64_t{r.threads}).Bind(r.p50_ms).Bind(r.p90_ms).Bind(r.p99_ms);
  s.Bind(r.mean_ms).Bind(r.items_per_s).Bind(std::int64_t{r.converged ? 1 : 0}).Bind(r.sample_count);
  s.Bind(r.load_ms).Bind(r.first_inference_ms).Bind(r.peak_rss_bytes).Bind(DumpJson(json({{"raw_ms", r.raw_ms}})));
  s.Bind(r.bench_json).Bind(r.duration_ms).Bind(NowUtc()).Bind(r.model_rss_bytes);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Status ResultsStore::PutFailure(const MeasurementKey& key, std::int64_t study_id, std::string_view kind,
                                std::string_view setting, const Status& failure) {
  Transaction tx(*impl_, "storing a failure");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  Stmt s(*impl_,
         "INSERT INTO failures(study_id, variant_id, environment_id, kind, setting, settings_key, code, reason, "
         "failed_utc) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
         "storing a failure");
  s.Bind(study_id).Bind(key.variant_id).Bind(key.environment_id).Bind(kind).Bind(setting).Bind(key.settings_key);
  s.Bind(StatusCodeName(failure.code())).Bind(failure.message()).Bind(NowUtc());
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Status ResultsStore::PutStudyReport(std::int64_t study_id, std::int64_t environment_id, std::string_view report_json) {
  Transaction tx(*impl_, "storing the study's report");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  // REPLACE deletes the old row and inserts a new one, whose id is then the
  // largest: two writes within one millisecond still read back newest first
  // (StudyReports orders by written_utc, then id).
  Stmt s(*impl_,
         "INSERT OR REPLACE INTO study_reports(study_id, environment_id, written_utc, report_json) "
         "VALUES(?, ?, ?, ?)",
         "storing the study's report");
  s.Bind(study_id).Bind(environment_id).Bind(NowUtc(/*with_ms=*/true)).Bind(report_json);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Result<std::int64_t> ResultsStore::EnsureStudy(std::string_view name) {
  const std::string now = NowUtc();
  Stmt s(*impl_,
         "INSERT OR IGNORE INTO studies(name, spec_path, spec_toml, created_utc, updated_utc) VALUES(?, '', '', ?, ?)",
         "recording the study");
  s.Bind(name).Bind(now).Bind(now);
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return SelectId(*impl_, "SELECT id FROM studies WHERE name = ?", name, "recording the study");
}

Status ResultsStore::PutLoadRun(std::int64_t study_id, std::int64_t environment_id, const StoredLoadRun& r) {
  Transaction tx(*impl_, "storing a load run");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  Stmt s(*impl_,
         "INSERT INTO load_runs(study_id, environment_id, url, model, model_version, form, dataset, options_json, "
         "levels_json, duration_ms, measured_utc) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         "storing a load run");
  s.Bind(study_id).Bind(environment_id).Bind(r.url).Bind(r.model).Bind(r.model_version).Bind(r.form);
  s.Bind(r.dataset).Bind(r.options_json).Bind(r.levels_json).Bind(r.duration_ms).Bind(NowUtc(/*with_ms=*/true));
  SWEETSPOT_RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Result<std::vector<StoredLoadRun>> ResultsStore::StudyLoadRuns(std::string_view study_name) const {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study_id, StudyId(study_name));
  std::vector<StoredLoadRun> out;
  if (impl_->schema_version < 4) return out;
  Stmt s(*impl_,
         "SELECT url, model, model_version, form, dataset, options_json, levels_json, duration_ms, measured_utc, "
         "environment_id FROM load_runs WHERE study_id = ? ORDER BY id",
         "reading the study's load runs");
  s.Bind(study_id);
  while (s.Step()) {
    out.push_back(
        {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6), s.Real(7), s.Text(8), s.Int(9)});
  }
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return out;
}

Result<std::vector<StoredStudyReport>> ResultsStore::StudyReports(std::string_view study_name) const {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study_id, StudyId(study_name));
  std::vector<StoredStudyReport> out;
  if (impl_->schema_version < 3) return out;
  Stmt s(*impl_,
         "SELECT environment_id, written_utc, report_json FROM study_reports WHERE study_id = ? "
         "ORDER BY written_utc DESC, id DESC",
         "reading the study's reports");
  s.Bind(study_id);
  while (s.Step()) out.push_back({s.Int(0), s.Text(1), s.Text(2)});
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return out;
}

Result<std::int64_t> ResultsStore::StudyId(std::string_view study_name) const {
  {
    Stmt s(*impl_, "SELECT id FROM studies WHERE name = ?", "reading a study");
    s.Bind(study_name);
    if (s.Step()) return s.Int(0);
    SWEETSPOT_RETURN_IF_ERROR(s.status());
  }
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<StudyListing> studies, ListStudies());
  std::vector<std::string> names;
  for (const auto& st : studies) names.push_back(st.name);
  return Status::NotFound(fmt::format("no study named '{}' in '{}' (studies there: {}); check the study name",
                                      study_name, path_.string(),
                                      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

Result<std::vector<StudyListing>> ResultsStore::ListStudies() const {
  Stmt s(*impl_,
         "SELECT s.name, s.spec_path, s.created_utc, s.updated_utc, "
         "(SELECT count(*) FROM study_candidates c WHERE c.study_id = s.id), "
         "(SELECT count(*) FROM accuracy_results a JOIN study_candidates c ON a.variant_id = c.variant_id "
         " WHERE c.study_id = s.id), "
         "(SELECT count(*) FROM latency_results l JOIN study_candidates c ON l.variant_id = c.variant_id "
         " WHERE c.study_id = s.id), "
         "(SELECT count(*) FROM failures f WHERE f.study_id = s.id) "
         "FROM studies s ORDER BY s.name",
         "listing studies");
  std::vector<StudyListing> out;
  while (s.Step()) out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Int(6), s.Int(7)});
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return out;
}

Result<std::vector<CandidateMeasurements>> ResultsStore::StudyMeasurements(std::string_view study_name) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study_id, StudyId(study_name));
  std::vector<CandidateMeasurements> out;
  std::vector<std::int64_t> variant_ids;
  {
    Stmt s(*impl_,
           "SELECT c.name, c.path, c.variant_id, m.sha256, m.file_bytes, m.param_count, m.macs, m.weight_bytes, "
           "m.first_path FROM study_candidates c JOIN variants v ON v.id = c.variant_id JOIN models m ON m.id = "
           "v.model_id WHERE c.study_id = ? ORDER BY c.position",
           "reading a study's candidates");
    s.Bind(study_id);
    while (s.Step()) {
      CandidateMeasurements c;
      c.name = s.Text(0);
      c.path = s.Text(1);
      variant_ids.push_back(s.Int(2));
      c.model = {s.Text(3), s.Int(4), s.Int(5), s.Int(6), s.Int(7), s.Text(8)};
      out.push_back(std::move(c));
    }
    SWEETSPOT_RETURN_IF_ERROR(s.status());
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    Stmt a(*impl_,
           fmt::format("SELECT {} FROM accuracy_results WHERE variant_id = ? ORDER BY id", kAccuracyColumns).c_str(),
           "reading accuracy results");
    a.Bind(variant_ids[i]);
    while (a.Step()) {
      SWEETSPOT_ASSIGN_OR_RETURN(AccuracyRow row, ReadAccuracy(a));
      out[i].accuracy.push_back(std::move(row));
    }
    SWEETSPOT_RETURN_IF_ERROR(a.status());
    Stmt l(
        *impl_,
        fmt::format("SELECT {} FROM latency_results WHERE variant_id = ? ORDER BY id", LatencyColumns(*impl_)).c_str(),
        "reading latency results");
    l.Bind(variant_ids[i]);
    while (l.Step()) {
      SWEETSPOT_ASSIGN_OR_RETURN(LatencyRow row, ReadLatency(l));
      out[i].latency.push_back(std::move(row));
    }
    SWEETSPOT_RETURN_IF_ERROR(l.status());
    Stmt f(*impl_,
           "SELECT kind, setting, code, reason, failed_utc FROM failures WHERE variant_id = ? AND study_id = ? "
           "ORDER BY id",
           "reading failures");
    f.Bind(variant_ids[i]).Bind(study_id);
    while (f.Step()) out[i].failures.push_back({f.Text(0), f.Text(1), f.Text(2), f.Text(3), f.Text(4)});
    SWEETSPOT_RETURN_IF_ERROR(f.status());
    SWEETSPOT_RETURN_IF_ERROR(ReadRowEnvironments(*impl_, path_, variant_ids[i], study_id, out[i]));
  }
  return out;
}

std::int64_t ResultsStore::schema_version() const { return impl_->schema_version; }

Result<std::optional<std::int64_t>> ResultsStore::FindVariant(std::string_view model_sha256,
                                                              std::optional<std::int64_t> parent_variant_id,
                                                              std::string_view transform,
                                                              std::string_view parameters_json) {
  Stmt s(*impl_,
         "SELECT v.id FROM variants v JOIN models m ON m.id = v.model_id WHERE m.sha256 = ? AND "
         "ifnull(v.parent_variant_id, 0) = ? AND v.transform = ? AND v.parameters_json = ?",
         "looking up a variant");
  s.Bind(model_sha256).Bind(parent_variant_id.value_or(0)).Bind(transform).Bind(parameters_json);
  if (s.Step()) return std::optional<std::int64_t>(s.Int(0));
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return std::optional<std::int64_t>();
}

Result<std::optional<std::int64_t>> ResultsStore::FindDataset(std::string_view sha256) {
  Stmt s(*impl_, "SELECT id FROM datasets WHERE sha256 = ?", "looking up a dataset");
  s.Bind(sha256);
  if (s.Step()) return std::optional<std::int64_t>(s.Int(0));
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return std::optional<std::int64_t>();
}

Result<std::vector<StoredEnvironment>> ResultsStore::EnvironmentsMeasuring(const std::vector<std::int64_t>& variant_ids,
                                                                           ResultKind kind) {
  const std::string ids = fmt::format("{}", fmt::join(variant_ids, ","));
  const char* table = kind == ResultKind::kLatency ? "latency_results" : "accuracy_results";
  Stmt s(*impl_,
         fmt::format("SELECT e.id, e.backend_version, e.environment_json FROM environments e JOIN (SELECT "
                     "environment_id, min(id) AS first FROM {} WHERE variant_id IN ({}) GROUP BY "
                     "environment_id) l ON l.environment_id = e.id ORDER BY l.first",
                     table, ids)
             .c_str(),
         "reading environments");
  return ReadEnvironments(s, path_);
}

namespace {

// ---------------------------------------------------------------- merge

// The columns of `table` in the destination, in order, less its row id.
Result<std::vector<std::string>> TableColumns(const ResultsStore::Impl& impl, const std::string& table) {
  Stmt s(impl, fmt::format("PRAGMA main.table_info({})", table).c_str(), "reading its tables");
  std::vector<std::string> columns;
  while (s.Step()) {
    if (s.Text(1) != "id") columns.push_back(s.Text(1));
  }
  SWEETSPOT_RETURN_IF_ERROR(s.status());
  return columns;
}

// Rows the last statement inserted.
std::int64_t Changes(const ResultsStore::Impl& impl) { return sqlite3_changes64(impl.db); }

// A table identified by one natural-key column: copies the source's rows the
// destination lacks (INSERT OR IGNORE on its unique key), then maps every
// source id to the destination's (temp.merge_<table>).
Result<std::int64_t> MergeByKey(const ResultsStore::Impl& impl, const std::string& source, const std::string& table,
                                const std::string& key) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<std::string> columns, TableColumns(impl, table));
  const std::string list = fmt::format("{}", fmt::join(columns, ", "));
  const std::string doing = "merging " + table;
  SWEETSPOT_RETURN_IF_ERROR(impl.Exec(
      fmt::format("INSERT OR IGNORE INTO main.{0}({1}) SELECT {1} FROM {2}.{0} ORDER BY id", table, list, source)
          .c_str(),
      doing));
  const std::int64_t added = Changes(impl);
  SWEETSPOT_RETURN_IF_ERROR(impl.Exec(
      fmt::format("DROP TABLE IF EXISTS temp.merge_{0}; CREATE TEMP TABLE merge_{0}(src INTEGER PRIMARY KEY, dst "
                  "INTEGER NOT NULL); INSERT INTO temp.merge_{0} SELECT x.id, y.id FROM {1}.{0} x JOIN main.{0} y ON "
                  "y.{2} = x.{2}",
                  table, source, key)
          .c_str(),
      doing));
  return added;
}

// Variants in id order, so a parent is mapped before its children (a parent
// is always recorded first); matched by model and lineage.
Result<std::int64_t> MergeVariants(const ResultsStore::Impl& impl, const std::string& source) {
  const std::string doing = "merging variants";
  SWEETSPOT_RETURN_IF_ERROR(impl.Exec(
      "DROP TABLE IF EXISTS temp.merge_variants; CREATE TEMP TABLE merge_variants(src INTEGER PRIMARY KEY, dst "
      "INTEGER NOT NULL)",
      doing));
  Stmt rows(impl,
            fmt::format("SELECT x.id, m.dst, x.parent_variant_id, x.transform, x.parameters_json FROM {}.variants x "
                        "JOIN temp.merge_models m ON m.src = x.model_id ORDER BY x.id",
                        source)
                .c_str(),
            doing);
  std::int64_t added = 0;
  while (rows.Step()) {
    std::optional<std::int64_t> parent;
    if (const auto source_parent = rows.OptionalInt(2)) {
      Stmt mapped(impl, "SELECT dst FROM temp.merge_variants WHERE src = ?", doing);
      mapped.Bind(*source_parent);
      if (mapped.Step()) parent = mapped.Int(0);
      SWEETSPOT_RETURN_IF_ERROR(mapped.status());
      if (!parent) return Status::InvalidData(fmt::format("a variant's parent is missing ({})", doing));
    }
    Stmt insert(impl,
                "INSERT OR IGNORE INTO main.variants(model_id, parent_variant_id, transform, parameters_json) "
                "VALUES(?, ?, ?, ?)",
                doing);
    insert.Bind(rows.Int(1)).Bind(parent).Bind(rows.Text(3)).Bind(rows.Text(4));
    SWEETSPOT_RETURN_IF_ERROR(insert.Run());
    added += Changes(impl);
    Stmt map(impl,
             "INSERT INTO temp.merge_variants SELECT ?, id FROM main.variants WHERE model_id = ? AND "
             "ifnull(parent_variant_id, 0) = ? AND transform = ? AND parameters_json = ?",
             doing);
    map.Bind(rows.Int(0)).Bind(rows.Int(1)).Bind(parent.value_or(0)).Bind(rows.Text(3)).Bind(rows.Text(4));
    SWEETSPOT_RETURN_IF_ERROR(map.Run());
  }
  SWEETSPOT_RETURN_IF_ERROR(rows.status());
  return added;
}

// A row-id reference of the measurement tables, and the map that translates it.
struct Reference {
  const char* column;
  const char* map;
  bool nullable;
};
constexpr Reference kReferences[] = {{"variant_id", "merge_variants", false},
                                     {"environment_id", "merge_environments", false},
                                     {"dataset_id", "merge_datasets", false},
                                     {"study_id", "merge_studies", true}};

// Copies the rows of a measurement table the destination lacks: a row is
// there already when its references (less the study) and `same` columns match.
Result<std::int64_t> MergeRows(const ResultsStore::Impl& impl, const std::string& source, const std::string& table,
                               const std::vector<std::string>& same) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<std::string> columns, TableColumns(impl, table));
  std::vector<std::string> values, joins, match;
  for (const std::string& column : columns) {
    const Reference* ref = nullptr;
    for (const Reference& r : kReferences) {
      if (column == r.column) ref = &r;
    }
    if (ref == nullptr) {
      values.push_back("x." + column);
      continue;
    }
    const std::string alias = "r_" + column;
    values.push_back(alias + ".dst");
    joins.push_back(fmt::format("{} JOIN temp.{} {} ON {}.src = x.{}", ref->nullable ? "LEFT" : "", ref->map, alias,
                                alias, column));
    if (!ref->nullable) match.push_back(fmt::format("y.{} = {}.dst", column, alias));
  }
  for (const std::string& column : same) match.push_back(fmt::format("y.{0} IS x.{0}", column));
  SWEETSPOT_RETURN_IF_ERROR(impl.Exec(
      fmt::format("INSERT INTO main.{0}({1}) SELECT {2} FROM {3}.{0} x {4} WHERE NOT EXISTS (SELECT 1 FROM main.{0} "
                  "y WHERE {5}) ORDER BY x.id",
                  table, fmt::join(columns, ", "), fmt::join(values, ", "), source, fmt::join(joins, " "),
                  fmt::join(match, " AND "))
          .c_str(),
      "merging " + table));
  return Changes(impl);
}

// A snapshot per (study, environment): the source's replaces the
// destination's only when it was written later.
Result<std::int64_t> MergeStudyReports(const ResultsStore::Impl& impl, const std::string& source) {
  SWEETSPOT_RETURN_IF_ERROR(impl.Exec(
      fmt::format("INSERT INTO main.study_reports(study_id, environment_id, written_utc, report_json) SELECT s.dst, "
                  "e.dst, x.written_utc, x.report_json FROM {}.study_reports x JOIN temp.merge_studies s ON s.src = "
                  "x.study_id JOIN temp.merge_environments e ON e.src = x.environment_id WHERE true ORDER BY x.id "
                  "ON CONFLICT(study_id, environment_id) DO UPDATE SET written_utc = excluded.written_utc, "
                  "report_json = excluded.report_json WHERE excluded.written_utc > study_reports.written_utc",
                  source)
          .c_str(),
      "merging study reports"));
  return Changes(impl);
}

Status MergeOne(const ResultsStore::Impl& impl, const std::string& source, MergeCounts* counts) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t studies, MergeByKey(impl, source, "studies", "name"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t models, MergeByKey(impl, source, "models", "sha256"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t datasets, MergeByKey(impl, source, "datasets", "sha256"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t environments, MergeByKey(impl, source, "environments", "fingerprint"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t variants, MergeVariants(impl, source));
  // A study already here keeps its candidates; the source's are added by name.
  SWEETSPOT_RETURN_IF_ERROR(impl.Exec(
      fmt::format("INSERT OR IGNORE INTO main.study_candidates(study_id, position, name, variant_id, path) SELECT "
                  "s.dst, x.position, x.name, v.dst, x.path FROM {}.study_candidates x JOIN temp.merge_studies s ON "
                  "s.src = x.study_id JOIN temp.merge_variants v ON v.src = x.variant_id ORDER BY x.position",
                  source)
          .c_str(),
      "merging study candidates"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t accuracy, MergeRows(impl, source, "accuracy_results",
                                                                    {"settings_key", "measured_utc", "duration_ms",
                                                                     "sample_count", "top1_correct"}));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t latency,
                             MergeRows(impl, source, "latency_results",
                                       {"settings_key", "measured_utc", "duration_ms", "sample_count", "p50_ms"}));
  SWEETSPOT_ASSIGN_OR_RETURN(
      const std::int64_t failures,
      MergeRows(impl, source, "failures", {"kind", "setting", "settings_key", "code", "reason", "failed_utc"}));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t reports, MergeStudyReports(impl, source));
  SWEETSPOT_ASSIGN_OR_RETURN(
      const std::int64_t load_runs,
      MergeRows(impl, source, "load_runs", {"url", "model", "model_version", "measured_utc", "levels_json"}));
  counts->studies += studies;
  counts->models += models;
  counts->datasets += datasets;
  counts->environments += environments;
  counts->variants += variants;
  counts->accuracy_results += accuracy;
  counts->latency_results += latency;
  counts->failures += failures;
  counts->study_reports += reports;
  counts->load_runs += load_runs;
  return Status::Ok();
}

// Each source exists, is a sweetspot store of this schema version, and is
// neither named twice nor the destination.
Status CheckMergeSources(const std::vector<fs::path>& sources, const fs::path& into) {
  std::error_code ec;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const fs::path& source = sources[i];
    if (!fs::exists(source, ec)) {
      return Status::NotFound(fmt::format("no results database '{}' to merge; check the path", source.string()));
    }
    if (fs::exists(into, ec) && fs::equivalent(source, into, ec)) {
      return Status::InvalidArgument(fmt::format(
          "'{}' is both a store to merge and the store merged into; merge into another file", source.string()));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (fs::equivalent(source, sources[j], ec)) {
        return Status::InvalidArgument(fmt::format("'{}' and '{}' are the same results database; name each once",
                                                   sources[j].string(), source.string()));
      }
    }
    SWEETSPOT_ASSIGN_OR_RETURN(const std::unique_ptr<ResultsStore> opened,
                               ResultsStore::Open(source, {.read_only = true}));
    if (opened->schema_version() != kResultsSchemaVersion) {
      return Status::FailedPrecondition(fmt::format(
          "results database '{}' has schema version {}, this sweetspot merges version {}; upgrade it in place "
          "first with `sweetspot results upgrade {}`, then merge again",
          source.string(), opened->schema_version(), kResultsSchemaVersion, source.string()));
    }
  }
  return Status::Ok();
}

// Attaches the sources for the life of the merge (SQLite attaches outside a
// transaction only), and detaches them after it.
class Attached {
 public:
  explicit Attached(const ResultsStore::Impl& impl) : impl_(impl) {}
  ~Attached() {
    for (const std::string& name : names_) {
      sqlite3_exec(impl_.db, ("DETACH DATABASE " + name).c_str(), nullptr, nullptr, nullptr);
    }
  }
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;
  Result<std::string> Attach(const fs::path& path) {
    const std::string name = fmt::format("merge_source{}", names_.size());
    Stmt s(impl_, ("ATTACH DATABASE ? AS " + name).c_str(), "attaching a store to merge");
    s.Bind(path.string());
    SWEETSPOT_RETURN_IF_ERROR(s.Run());
    names_.push_back(name);
    return name;
  }

 private:
  const ResultsStore::Impl& impl_;
  std::vector<std::string> names_;
};

}  // namespace

Result<MergeCounts> ResultsStore::Merge(const std::vector<fs::path>& sources) {
  SWEETSPOT_RETURN_IF_ERROR(CheckMergeSources(sources, path_));
  const int most = sqlite3_limit(impl_->db, SQLITE_LIMIT_ATTACHED, -1);
  if (static_cast<int>(sources.size()) > most) {
    return Status::InvalidArgument(
        fmt::format("{} stores to merge, at most {} at once; merge the rest into the same file in a second run",
                    sources.size(), most));
  }
  Attached attached(*impl_);
  std::vector<std::string> names;
  for (const fs::path& source : sources) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::string name, attached.Attach(source));
    names.push_back(std::move(name));
  }
  MergeCounts counts;
  {
    Transaction tx(*impl_, "merging");
    SWEETSPOT_RETURN_IF_ERROR(tx.begun());
    for (const std::string& name : names) SWEETSPOT_RETURN_IF_ERROR(MergeOne(*impl_, name, &counts));
    SWEETSPOT_RETURN_IF_ERROR(tx.Commit());
  }
  return counts;
}

Result<MergeCounts> MergeResultStores(const std::vector<fs::path>& sources, const fs::path& into) {
  if (sources.empty()) return Status::InvalidArgument("no results database to merge; name at least one");
  SWEETSPOT_RETURN_IF_ERROR(CheckMergeSources(sources, into));
  std::error_code ec;
  const bool created = !fs::exists(into, ec);
  Result<MergeCounts> merged = Status::Internal("not merged");
  {
    auto store = ResultsStore::Open(into);
    merged = store.ok() ? (*store)->Merge(sources) : store.status();
  }
  if (!merged.ok() && created) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(into.string() + suffix, ec);
  }
  return merged;
}

}  // namespace sweetspot
