#include "sweetspot/job_journal.h"
#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"
#include "sweetspot/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

namespace sweetspot {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// 'SWJR': marks the file as a sweetspot journal, so another file is refused.
constexpr int kJournalApplicationId = 0x53574A52;

// Times are SQLite's: UTC text with milliseconds, which sorts as time.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
  received_utc TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  request_id TEXT NOT NULL,
  accurate_model TEXT NOT NULL,
  inputs_meta TEXT NOT NULL,
  inputs_data BLOB NOT NULL,
  fast_model TEXT NOT NULL,
  fast_classification TEXT NOT NULL,
  fast_outputs_meta TEXT NOT NULL,
  fast_outputs_data BLOB NOT NULL,
  accurate_classification TEXT,
  accurate_outputs_meta TEXT,
  accurate_outputs_data BLOB,
  agree INTEGER,
  error TEXT,
  analysed_utc TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  answers INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, id);
)sql";

// Tensors as one blob (their data back to back) and a JSON list of
// {name, datatype, shape, bytes} saying how to cut it.
struct PackedTensors {
  std::string meta;
  std::string data;
};

PackedTensors Pack(const std::vector<InferTensor>& tensors) {
  PackedTensors packed;
  json meta = json::array();
  for (const auto& t : tensors) {
    meta.push_back(
        {{"name", t.name}, {"datatype", WireTypeName(t.datatype)}, {"shape", t.shape}, {"bytes", t.data.size()}});
    packed.data += t.data;
  }
  packed.meta = meta.dump();
  return packed;
}

Result<std::vector<InferTensor>> Unpack(const std::string& meta_text, const std::string& data) {
  const Status damaged = Status::InvalidData("job journal: stored tensors are damaged");
  const json meta = json::parse(meta_text, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_array()) return damaged;
  std::vector<InferTensor> tensors;
  std::size_t offset = 0;
  for (const auto& m : meta) {
    InferTensor t;
    t.name = m.value("name", "");
    SWEETSPOT_ASSIGN_OR_RETURN(t.datatype, ParseWireType(m.value("datatype", "")));
    t.shape = m.value("shape", std::vector<std::int64_t>());
    const auto bytes = m.value("bytes", std::size_t{0});
    if (bytes > data.size() - offset) return damaged;
    t.data = data.substr(offset, bytes);
    offset += bytes;
    tensors.push_back(std::move(t));
  }
  return tensors;
}

// What the journal keeps of an answer besides its tensors: the top-1 and
// confidence per row, and a detector's boxes per row as [x1, y1, x2, y2,
// score, class] (a JSON text column, so detectors need no other schema).
std::string SummaryText(const JobAnswer& a) {
  json j = {{"top1", a.classification.top1}, {"confidence", a.classification.confidence}};
  if (a.detections) {
    json rows = json::array();
    for (const auto& image : *a.detections) {
      json boxes = json::array();
      for (const Detection& d : image) boxes.push_back({d.box.x1, d.box.y1, d.box.x2, d.box.y2, d.score, d.class_id});
      rows.push_back(std::move(boxes));
    }
    j["detections"] = std::move(rows);
  }
  if (a.keypoints) {
    json rows = json::array();
    for (const auto& row : *a.keypoints) {
      json joints = json::array();
      for (const Keypoint& k : row) joints.push_back({k.x, k.y, k.score});
      rows.push_back(std::move(joints));
    }
    j["keypoints"] = std::move(rows);
  }
  return j.dump();
}

// A keypoint model's rows of [x, y, score] back into `a` (none when absent or damaged).
void ParseKeypointSummary(const json& j, JobAnswer& a) {
  const auto rows = j.find("keypoints");
  if (rows == j.end() || !rows->is_array()) return;
  a.keypoints.emplace();
  for (const json& row : *rows) {
    std::vector<Keypoint>& out = a.keypoints->emplace_back();
    if (!row.is_array()) continue;
    for (const json& k : row) {
      if (k.is_array() && k.size() == 3) out.push_back({k[0].get<double>(), k[1].get<double>(), k[2].get<float>()});
    }
  }
}

// The summary back into `a` (left empty where the text is damaged).
void ParseSummary(const std::string& text, JobAnswer& a) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  a.classification.top1 = j.value("top1", std::vector<int>());
  a.classification.confidence = j.value("confidence", std::vector<double>());
  ParseKeypointSummary(j, a);
  const auto rows = j.find("detections");
  if (rows == j.end() || !rows->is_array()) return;
  a.detections.emplace();
  for (const json& image : *rows) {
    std::vector<Detection>& out = a.detections->emplace_back();
    for (const json& b : image) {
      if (!b.is_array() || b.size() != 6) continue;
      out.push_back({{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()},
                     b[5].get<int>(),
                     b[4].get<float>()});
    }
  }
}

// Detectors: their boxes agree (served_detections.h); keypoint models: their
// joints (served_keypoints.h); classifiers: the same top-1 in every row.
bool Agree(const JobAnswer& fast, const JobAnswer& accurate) {
  if (fast.detections && accurate.detections) {
    return CompareDetectionAnswers(*fast.detections, *accurate.detections).agree();
  }
  if (fast.keypoints && accurate.keypoints) {
    return CompareKeypointAnswers(*fast.keypoints, *accurate.keypoints).agree();
  }
  return !fast.classification.top1.empty() && fast.classification.top1 == accurate.classification.top1;
}

// The classification output's values (FP16, FP32 or FP64).
Result<std::vector<float>> OutputValues(const InferTensor& t) {
  if (t.datatype != WireType::kFp16 && t.datatype != WireType::kFp32 && t.datatype != WireType::kFp64) {
    return Status::InvalidArgument(fmt::format("output '{}' is {}: a classification output is FP16, FP32 or FP64",
                                               t.name, WireTypeName(t.datatype)));
  }
  std::vector<float> values;
  for (const double v : NumericValues(t)) {
    if (!std::isfinite(v))
      return Status::InvalidArgument(fmt::format("output '{}' holds a value that is not finite", t.name));
    values.push_back(static_cast<float>(v));
  }
  return values;
}

}  // namespace

double Classification::MinConfidence() const {
  return confidence.empty() ? 1.0 : *std::min_element(confidence.begin(), confidence.end());
}

Result<Classification> Classify(const InferResponse& response, OutputKind kind) {
  if (response.outputs.empty()) return Status::InvalidArgument("the model's answer has no output to classify");
  const InferTensor& output = response.outputs.front();
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<float> values, OutputValues(output));
  const std::size_t rows = output.shape.size() >= 2 && output.shape[0] > 0 ? output.shape[0] : 1;
  if (values.empty() || values.size() % rows != 0) {
    return Status::InvalidArgument(fmt::format("output '{}' holds no classes to classify", output.name));
  }
  const std::size_t classes = values.size() / rows;
  Classification c;
  for (std::size_t r = 0; r < rows; ++r) {
    const RowSummary row = SummarizeRow(std::span<const float>(values).subspan(r * classes, classes));
    const OutputKind row_kind = kind == OutputKind::kAuto ? DetectOutputKind(std::span(&row, 1)) : kind;
    const Prediction p = ToPredictions(std::span(&row, 1), std::array{0}, row_kind).front();
    c.top1.push_back(p.predicted());
    c.confidence.push_back(p.confidence());
  }
  return c;
}

Result<JobAnswer> ReadJobAnswer(std::string model, const InferResponse& response, OutputKind kind) {
  JobAnswer answer;
  answer.model = std::move(model);
  answer.outputs = response.outputs;
  if (HasDetectionOutputs(response)) {
    SWEETSPOT_ASSIGN_OR_RETURN(answer.detections, ReadDetectionOutputs(response));
    return answer;
  }
  if (HasKeypointOutput(response)) {
    SWEETSPOT_ASSIGN_OR_RETURN(answer.keypoints, ReadKeypointOutput(response));
    return answer;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(answer.classification, Classify(response, kind));
  return answer;
}

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending: return "pending";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
  }
  return "pending";
}

std::optional<double> JournalStats::AgreementRatio() const {
  if (done == 0) return std::nullopt;
  return static_cast<double>(agreements) / static_cast<double>(done);
}

// The connection, the claims of this process, and SQLite's codes as Status.
struct JobJournal::Impl : SqliteDb {
  fs::path path;
  std::mutex mutex;
  std::set<std::int64_t> claimed;

  Status Error(int code, std::string_view doing) const override {
    const std::string file = "'" + path.string() + "'";
    const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    switch (code & 0xFF) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Status::FailedPrecondition(fmt::format(
            "job journal {} is locked by another process (another sweetspot serve?) while {}; stop it or use "
            "another journal file",
            file, doing));
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return Status::InvalidData(fmt::format(
            "{} is not a readable sweetspot job journal ({}); move it away or use another journal file", file, detail));
      case SQLITE_CANTOPEN:
      case SQLITE_READONLY:
      case SQLITE_PERM:
        return Status::FailedPrecondition(fmt::format(
            "cannot write job journal {} ({}); check that its folder exists and is writable, or use another file", file,
            detail));
      default: return Status::IoError(fmt::format("job journal {}: {} failed: {}", file, doing, detail));
    }
  }
};

namespace {

using Query = SqliteStatement;
using Transaction = SqliteTransaction;

Status CheckOurs(const JobJournal::Impl& impl) {
  std::int64_t application_id = 0, user_version = 0, tables = 0;
  Query id(impl, "PRAGMA application_id", "reading its header");
  if (id.Step()) application_id = id.Int(0);
  SWEETSPOT_RETURN_IF_ERROR(id.status());
  Query version(impl, "PRAGMA user_version", "reading its header");
  if (version.Step()) user_version = version.Int(0);
  SWEETSPOT_RETURN_IF_ERROR(version.status());
  Query count(impl, "SELECT count(*) FROM sqlite_master", "reading its tables");
  if (count.Step()) tables = count.Int(0);
  SWEETSPOT_RETURN_IF_ERROR(count.status());
  if (tables > 0 && application_id != kJournalApplicationId) {
    return Status::InvalidData(fmt::format(
        "'{}' is an SQLite database but not a sweetspot job journal; nothing was written to it: use another journal "
        "file",
        impl.path.string()));
  }
  if (user_version > kJournalSchemaVersion) {
    return Status::Unsupported(fmt::format(
        "job journal '{}' has schema version {}, newer than this sweetspot reads ({}); upgrade sweetspot or use "
        "another journal file",
        impl.path.string(), user_version, kJournalSchemaVersion));
  }
  return Status::Ok();
}

}  // namespace

JobJournal::JobJournal(fs::path path, std::unique_ptr<Impl> impl) : path_(std::move(path)), impl_(std::move(impl)) {}
JobJournal::~JobJournal() = default;

Result<std::unique_ptr<JobJournal>> JobJournal::Open(const fs::path& path, const JournalOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Status::FailedPrecondition(fmt::format("job journal '{}' is a folder; name a file", path.string()));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return impl->Error(rc, "opening it");
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);
  SWEETSPOT_RETURN_IF_ERROR(CheckOurs(*impl));
  // WAL: readers (GET /v2/jobs, a test) never block the writer; FULL: a
  // commit is on disk before Append returns, not only in the OS's cache.
  SWEETSPOT_RETURN_IF_ERROR(impl->Exec("PRAGMA journal_mode=WAL", "switching it to WAL mode"));
  SWEETSPOT_RETURN_IF_ERROR(impl->Exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"));
  Transaction tx(*impl, "creating its tables");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  SWEETSPOT_RETURN_IF_ERROR(impl->Exec(kSchema, "creating its tables"));
  SWEETSPOT_RETURN_IF_ERROR(impl->Exec(
      fmt::format("PRAGMA application_id={}; PRAGMA user_version={}", kJournalApplicationId, kJournalSchemaVersion)
          .c_str(),
      "marking it as a sweetspot journal"));
  SWEETSPOT_RETURN_IF_ERROR(tx.Commit());
  return std::unique_ptr<JobJournal>(new JobJournal(path, std::move(impl)));
}

Result<std::int64_t> JobJournal::Append(const NewJob& job) {
  const PackedTensors inputs = Pack(job.inputs);
  const PackedTensors outputs = Pack(job.fast.outputs);
  const std::string classification = SummaryText(job.fast);
  std::lock_guard lock(impl_->mutex);
  Query insert(*impl_,
               "INSERT INTO jobs (request_id, accurate_model, inputs_meta, inputs_data, fast_model, "
               "fast_classification, fast_outputs_meta, fast_outputs_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               "appending a job");
  insert.Bind(job.request_id).Bind(job.accurate_model).Bind(inputs.meta).BindBlob(inputs.data);
  insert.Bind(job.fast.model).Bind(classification).Bind(outputs.meta).BindBlob(outputs.data);
  SWEETSPOT_RETURN_IF_ERROR(insert.Run());
  return impl_->LastInsertId();
}

Result<std::optional<ClaimedJob>> JobJournal::Claim() {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(*impl_, "claiming a job");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  // The claimed jobs come first in id order: skip as many as are held.
  Query select(*impl_,
               "SELECT id, accurate_model, inputs_meta, inputs_data FROM jobs WHERE state = 'pending' "
               "ORDER BY id LIMIT ?",
               "claiming a job");
  select.Bind(static_cast<std::int64_t>(impl_->claimed.size()) + 1);
  std::optional<ClaimedJob> job;
  while (!job && select.Step()) {
    if (impl_->claimed.count(select.Int(0)) > 0) continue;
    job.emplace();
    job->id = select.Int(0);
    job->accurate_model = select.Text(1);
    SWEETSPOT_ASSIGN_OR_RETURN(job->inputs, Unpack(select.Text(2), select.Blob(3)));
  }
  SWEETSPOT_RETURN_IF_ERROR(select.status());
  if (!job) return job;
  Query count(*impl_, "UPDATE jobs SET attempts = attempts + 1 WHERE id = ?", "claiming a job");
  SWEETSPOT_RETURN_IF_ERROR(count.Bind(job->id).Run());
  SWEETSPOT_RETURN_IF_ERROR(tx.Commit());
  impl_->claimed.insert(job->id);
  return job;
}

Result<bool> JobJournal::Complete(std::int64_t id, const JobAnswer& accurate) { return Finish(id, &accurate, ""); }

Result<bool> JobJournal::Fail(std::int64_t id, const std::string& error) { return Finish(id, nullptr, error); }

Result<bool> JobJournal::Finish(std::int64_t id, const JobAnswer* accurate, const std::string& error) {
  std::lock_guard lock(impl_->mutex);
  impl_->claimed.erase(id);
  Transaction tx(*impl_, "committing an answer");
  SWEETSPOT_RETURN_IF_ERROR(tx.begun());
  std::optional<JobAnswer> fast;
  {
    Query select(*impl_, "SELECT fast_classification FROM jobs WHERE id = ? AND state = 'pending'",
                 "committing an answer");
    if (select.Bind(id).Step()) ParseSummary(select.Text(0), fast.emplace());
    SWEETSPOT_RETURN_IF_ERROR(select.status());
  }
  if (!fast) return false;
  Query update(*impl_,
               "UPDATE jobs SET state = ?, "
               "accurate_classification = ?, accurate_outputs_meta = ?, accurate_outputs_data = ?, agree = ?, "
               "error = ?, answers = answers + ?, analysed_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
               "WHERE id = ? AND state = 'pending'",
               "committing an answer");
  if (accurate != nullptr) {
    const PackedTensors outputs = Pack(accurate->outputs);
    update.Bind("done").Bind(SummaryText(*accurate));
    update.Bind(outputs.meta).BindBlob(outputs.data).Bind(std::int64_t{Agree(*fast, *accurate) ? 1 : 0});
    update.Bind(std::string_view()).Bind(std::int64_t{1});
  } else {
    update.Bind("failed").Bind(std::string_view()).Bind(std::string_view());
    update.BindBlob({}).BindNull().Bind(error).Bind(std::int64_t{0});
  }
  SWEETSPOT_RETURN_IF_ERROR(update.Bind(id).Run());
  const bool changed = impl_->Changes() == 1;
  SWEETSPOT_RETURN_IF_ERROR(tx.Commit());
  return changed;
}

void JobJournal::Release(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  impl_->claimed.erase(id);
}

Result<JobRecord> JobJournal::Lookup(std::int64_t id) {
  std::lock_guard lock(impl_->mutex);
  Query q(*impl_,
          "SELECT state, request_id, accurate_model, received_utc, coalesce(analysed_utc, ''), attempts, answers, "
          "coalesce(error, ''), agree, fast_model, fast_classification, fast_outputs_meta, fast_outputs_data, "
          "accurate_classification, accurate_outputs_meta, accurate_outputs_data FROM jobs WHERE id = ?",
          "reading a job");
  if (!q.Bind(id).Step()) {
    SWEETSPOT_RETURN_IF_ERROR(q.status());
    return Status::NotFound(fmt::format("no job {} in job journal '{}'", id, path_.string()));
  }
  JobRecord r;
  r.id = id;
  const std::string state = q.Text(0);
  r.state = state == "done" ? JobState::kDone : (state == "failed" ? JobState::kFailed : JobState::kPending);
  r.request_id = q.Text(1);
  r.accurate_model = q.Text(2);
  r.received_utc = q.Text(3);
  r.analysed_utc = q.Text(4);
  r.attempts = q.Int(5);
  r.answers = q.Int(6);
  r.error = q.Text(7);
  if (!q.IsNull(8)) r.agree = q.Int(8) != 0;
  r.fast.model = q.Text(9);
  ParseSummary(q.Text(10), r.fast);
  SWEETSPOT_ASSIGN_OR_RETURN(r.fast.outputs, Unpack(q.Text(11), q.Blob(12)));
  if (r.state == JobState::kDone) {
    r.accurate.emplace();
    r.accurate->model = r.accurate_model;
    ParseSummary(q.Text(13), *r.accurate);
    SWEETSPOT_ASSIGN_OR_RETURN(r.accurate->outputs, Unpack(q.Text(14), q.Blob(15)));
    if (r.fast.detections && r.accurate->detections) {
      r.agreement = CompareDetectionAnswers(*r.fast.detections, *r.accurate->detections);
    }
    if (r.fast.keypoints && r.accurate->keypoints) {
      r.keypoint_agreement = CompareKeypointAnswers(*r.fast.keypoints, *r.accurate->keypoints);
    }
  }
  return r;
}

Result<JournalStats> JobJournal::Stats() {
  std::lock_guard lock(impl_->mutex);
  Query q(*impl_,
          "SELECT state, count(*), coalesce(sum(agree), 0), "
          "coalesce((julianday('now') - julianday(min(received_utc))) * 86400.0, 0) FROM jobs GROUP BY state",
          "counting jobs");
  JournalStats stats;
  while (q.Step()) {
    const std::string state = q.Text(0);
    if (state == "pending") {
      stats.pending = q.Int(1);
      stats.oldest_pending_age_s = std::max(0.0, q.Real(3));
    } else if (state == "done") {
      stats.done = q.Int(1);
      stats.agreements = q.Int(2);
    } else {
      stats.failed = q.Int(1);
    }
  }
  SWEETSPOT_RETURN_IF_ERROR(q.status());
  return stats;
}

namespace {

// The tensors as the protocol's JSON tensors, with NaN, infinity and BYTES
// that are not UTF-8 spelled out (JSON cannot carry them; an infer response
// sends them in binary).
json TensorsJson(const std::vector<InferTensor>& tensors) { return json::parse(EncodeReadableTensors(tensors)); }

json AnswerJson(const JobAnswer& a) {
  if (a.detections) {
    json rows = json::parse(SummaryText(a))["detections"];
    return {{"model", a.model}, {"detections", std::move(rows)}, {"outputs", TensorsJson(a.outputs)}};
  }
  if (a.keypoints) {
    json rows = json::parse(SummaryText(a))["keypoints"];
    return {{"model", a.model}, {"keypoints", std::move(rows)}, {"outputs", TensorsJson(a.outputs)}};
  }
  return {{"model", a.model},
          {"top1", a.classification.top1},
          {"confidence", a.classification.confidence},
          {"outputs", TensorsJson(a.outputs)}};
}

json AgreementJson(const DetectionAgreement& a) {
  return {{"recall", a.recall},
          {"precision", a.precision},
          {"f1", a.f1},
          {"reference", a.reference},
          {"candidates", a.candidates},
          {"matched", a.matched},
          {"min_score", kAgreementMinScore},
          {"min_iou", kAgreementMinIou}};
}

json KeypointAgreementJson(const KeypointAnswerAgreement& a) {
  return {{"share", a.share},
          {"compared", a.compared},
          {"within", a.within},
          {"mean_distance_px", a.mean_distance_px},
          {"min_score", kKeypointAgreementMinScore},
          {"alpha", kKeypointAgreementAlpha}};
}

}  // namespace

std::string JobRecordJson(const JobRecord& r) {
  json j = {{"id", std::to_string(r.id)},
            {"state", JobStateName(r.state)},
            {"request_id", r.request_id},
            {"fast", AnswerJson(r.fast)},
            {"accurate", r.accurate ? AnswerJson(*r.accurate) : json(nullptr)},
            {"agree", r.agree ? json(*r.agree) : json(nullptr)},
            {"received_utc", r.received_utc},
            {"analysed_utc", r.analysed_utc.empty() ? json(nullptr) : json(r.analysed_utc)},
            {"attempts", r.attempts},
            {"answers", r.answers}};
  if (r.state == JobState::kFailed) j["error"] = r.error;
  if (r.fast.detections) j["agreement"] = r.agreement ? AgreementJson(*r.agreement) : json(nullptr);
  if (r.fast.keypoints) {
    j["agreement"] = r.keypoint_agreement ? KeypointAgreementJson(*r.keypoint_agreement) : json(nullptr);
  }
  return j.dump();
}

}  // namespace sweetspot
