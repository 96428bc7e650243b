#include "sweetspot/job_journal.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/support.h"
#include "sweetspot/live_cascade.h"
#include "sweetspot/reanalysis_worker.h"

namespace sweetspot {
namespace {

using testing::TempDir;

InferTensor Fp32(std::string name, std::vector<std::int64_t> shape, const std::vector<float>& values) {
  InferTensor t;
  t.name = std::move(name);
  t.datatype = WireType::kFp32;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(float));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

std::vector<float> Floats(const InferTensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

InferRequest Request(const std::string& model, float a, float b) {
  InferRequest r;
  r.model_name = model;
  r.inputs.push_back(Fp32("x", {1, 2}, {a, b}));
  return r;
}

// Two real (if tiny) classifiers: "fast" answers logits [a, b, -1],
// "accurate" [b, a, -1]; they disagree unless a == b.
Result<InferResponse> TwoModels(const InferRequest& request) {
  if (request.inputs.size() != 1 || request.inputs[0].name != "x") {
    return Status::InvalidArgument("input 'x' is missing");
  }
  const std::vector<float> x = Floats(request.inputs[0]);
  InferResponse response;
  response.model_name = request.model_name;
  if (request.model_name == "fast") {
    response.outputs.push_back(Fp32("logits", {1, 3}, {x[0], x[1], -1.0f}));
  } else if (request.model_name == "accurate") {
    response.outputs.push_back(Fp32("logits", {1, 3}, {x[1], x[0], -1.0f}));
  } else {
    return Status::NotFound("no model " + request.model_name);
  }
  return response;
}

std::unique_ptr<JobJournal> OpenJournal(const std::filesystem::path& path) {
  auto journal = JobJournal::Open(path);
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  return journal.ok() ? std::move(journal).value() : nullptr;
}

NewJob FastJob(float a, float b) {
  const InferRequest request = Request("fast", a, b);
  const InferResponse fast = *TwoModels(request);
  return MakeJob(request, fast, *Classify(fast), "accurate");
}

TEST(ClassifyTest, SoftmaxOfLogitsProbabilitiesAsTheyAre) {
  InferResponse logits;
  logits.outputs.push_back(Fp32("y", {2, 3}, {1.0f, 2.0f, 3.0f, 5.0f, -1.0f, 0.0f}));
  const auto c = Classify(logits);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->top1, (std::vector<int>{2, 0}));
  const double softmax = std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(c->confidence[0], softmax, 1e-6);
  EXPECT_NEAR(c->MinConfidence(), softmax, 1e-6);

  InferResponse probabilities;
  probabilities.outputs.push_back(Fp32("p", {1, 3}, {0.1f, 0.7f, 0.2f}));
  const auto p = Classify(probabilities);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->top1, std::vector<int>{1});
  EXPECT_NEAR(p->confidence[0], 0.7, 1e-6);
}

TEST(ClassifyTest, RefusesWhatIsNotAClassification) {
  InferResponse none;
  EXPECT_EQ(Classify(none).status().code(), StatusCode::kInvalidArgument);
  InferResponse integers;
  InferTensor t;
  t.name = "ids";
  t.datatype = WireType::kInt64;
  t.shape = {1};
  t.data.assign(8, '\0');
  integers.outputs.push_back(t);
  const auto c = Classify(integers);
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("'ids'"), std::string::npos) << c.status().message();
}

TEST(JobJournalTest, AppendClaimCompleteLookup) {
  TempDir dir;
  auto journal = JobJournal::Open(dir / "jobs.db");
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  const auto first = (*journal)->Append(FastJob(2.0f, 1.0f));
  const auto second = (*journal)->Append(FastJob(1.0f, 1.0f));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_LT(*first, *second);

  auto pending = (*journal)->Lookup(*first);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_EQ(pending->state, JobState::kPending);
  EXPECT_EQ(pending->fast.model, "fast");
  EXPECT_EQ(pending->fast.classification.top1, std::vector<int>{0});
  EXPECT_FALSE(pending->accurate.has_value());
  EXPECT_EQ(Floats(pending->fast.outputs.at(0)), (std::vector<float>{2.0f, 1.0f, -1.0f}));

  auto claimed = (*journal)->Claim();
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->id, *first);
  EXPECT_EQ(Floats((*claimed)->inputs.at(0)), (std::vector<float>{2.0f, 1.0f}));
  const InferResponse accurate = *TwoModels(AccurateRequest(**claimed));
  const JobAnswer answer{"accurate", *Classify(accurate), accurate.outputs, std::nullopt, std::nullopt};
  EXPECT_TRUE(*(*journal)->Complete(*first, answer));
  EXPECT_FALSE(*(*journal)->Complete(*first, answer)) << "a second answer must not be committed";

  auto done = (*journal)->Lookup(*first);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, JobState::kDone);
  ASSERT_TRUE(done->accurate.has_value());
  EXPECT_EQ(done->accurate->classification.top1, std::vector<int>{1});
  EXPECT_EQ(done->agree, std::optional<bool>(false));
  EXPECT_EQ(done->attempts, 1);
  EXPECT_EQ(done->answers, 1);
  EXPECT_FALSE(done->analysed_utc.empty());

  const auto stats = (*journal)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending, 1);
  EXPECT_EQ(stats->done, 1);
  EXPECT_EQ(stats->AgreementRatio(), std::optional<double>(0.0));
  EXPECT_GE(stats->oldest_pending_age_s, 0.0);
  EXPECT_EQ((*journal)->Lookup(999).status().code(), StatusCode::kNotFound);
}

TEST(JobJournalTest, ReopenedJournalResumesPendingJobsAndNeverRedoesDoneOnes) {
  TempDir dir;
  std::int64_t done_id = 0, interrupted_id = 0;
  {
    auto journal = OpenJournal(dir / "jobs.db");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(journal->Append(FastJob(1.0f, 2.0f)).ok());
    const ClaimedJob done = **journal->Claim();
    const InferResponse accurate = *TwoModels(AccurateRequest(done));
    ASSERT_TRUE(
        *journal->Complete(done.id, {"accurate", *Classify(accurate), accurate.outputs, std::nullopt, std::nullopt}));
    done_id = done.id;
    interrupted_id = (**journal->Claim()).id;  // claimed, never answered: the process "dies"
  }
  auto journal = OpenJournal(dir / "jobs.db");
  EXPECT_EQ(journal->Stats()->pending, 2);
  std::vector<std::int64_t> claimed;
  while (auto job = *journal->Claim()) claimed.push_back(job->id);
  ASSERT_EQ(claimed.size(), 2U);
  EXPECT_EQ(claimed.front(), interrupted_id);
  EXPECT_EQ(std::count(claimed.begin(), claimed.end(), done_id), 0);
  const JobRecord retried = *journal->Lookup(interrupted_id);
  EXPECT_EQ(retried.attempts, 2);
  EXPECT_EQ(retried.answers, 0);
}

// Two journal objects on one file (as two processes would be), each with
// several workers: claims are not shared between them, so a job may run twice,
// but it is answered once.
TEST(JobJournalTest, ConcurrentWorkersAnswerEveryJobExactlyOnce) {
  TempDir dir;
  auto a = OpenJournal(dir / "jobs.db");
  auto b = OpenJournal(dir / "jobs.db");
  constexpr int kJobs = 120;
  for (int i = 0; i < kJobs; ++i) ASSERT_TRUE(a->Append(FastJob(static_cast<float>(i % 3), 1.0f)).ok());
  std::atomic<int> runs{0};
  const InferFunction counted = [&runs](const InferRequest& r) {
    ++runs;
    return TwoModels(r);
  };
  {
    ReanalysisWorker wa(*a, counted, {.workers = 3, .idle_poll = std::chrono::milliseconds(5)});
    ReanalysisWorker wb(*b, counted, {.workers = 3, .idle_poll = std::chrono::milliseconds(5)});
    wa.Start();
    wb.Start();
    while (a->Stats()->pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    wa.Stop();
    wb.Stop();
    EXPECT_TRUE(wa.last_error().ok()) << wa.last_error().ToString();
    EXPECT_TRUE(wb.last_error().ok()) << wb.last_error().ToString();
  }
  std::int64_t answers = 0, attempts = 0;
  for (std::int64_t id = 1; id <= kJobs; ++id) {
    const JobRecord r = *a->Lookup(id);
    EXPECT_EQ(r.state, JobState::kDone) << "job " << id;
    EXPECT_EQ(r.answers, 1) << "job " << id;
    answers += r.answers;
    attempts += r.attempts;
  }
  EXPECT_EQ(answers, kJobs);
  EXPECT_EQ(attempts, runs.load()) << "every run of the accurate model is counted as an attempt";
  const JournalStats stats = *a->Stats();
  EXPECT_EQ(stats.done, kJobs);
  EXPECT_EQ(stats.agreements, kJobs / 3) << "only a == b (i % 3 == 1) agrees";
}

TEST(ReanalysisWorkerTest, RetriesTransientErrorsAndFailsRequestsTheModelCannotTake) {
  TempDir dir;
  auto journal = OpenJournal(dir / "jobs.db");
  const std::int64_t retried = *journal->Append(FastJob(1.0f, 2.0f));
  NewJob unanswerable = FastJob(1.0f, 2.0f);
  unanswerable.inputs[0].name = "z";
  const std::int64_t refused = *journal->Append(unanswerable);
  std::atomic<bool> busy_once{true};
  ReanalysisWorker worker(*journal,
                          [&busy_once](const InferRequest& r) -> Result<InferResponse> {
                            if (busy_once.exchange(false)) return Status::ResourceExhausted("queue full");
                            return TwoModels(r);
                          },
                          {.idle_poll = std::chrono::milliseconds(5), .retry_delay = std::chrono::milliseconds(1)});
  worker.Start();
  while (journal->Stats()->pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.Stop();
  const JobRecord ok = *journal->Lookup(retried);
  EXPECT_EQ(ok.state, JobState::kDone);
  EXPECT_EQ(ok.attempts, 2);
  EXPECT_EQ(ok.answers, 1);
  const JobRecord failed = *journal->Lookup(refused);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.answers, 0);
  EXPECT_NE(failed.error.find("'x'"), std::string::npos) << failed.error;
  EXPECT_EQ(journal->Stats()->failed, 1);
  const auto j = nlohmann::json::parse(JobRecordJson(failed));
  EXPECT_EQ(j["state"], "failed");
  EXPECT_TRUE(j["accurate"].is_null());
}

TEST(JobJournalTest, JsonHasBothAnswersAndWhetherTheyAgree) {
  TempDir dir;
  auto journal = OpenJournal(dir / "jobs.db");
  const std::int64_t id = *journal->Append(FastJob(3.0f, 3.0f));
  const ClaimedJob job = **journal->Claim();
  const InferResponse accurate = *TwoModels(AccurateRequest(job));
  ASSERT_TRUE(*journal->Complete(id, {"accurate", *Classify(accurate), accurate.outputs, std::nullopt, std::nullopt}));
  const auto j = nlohmann::json::parse(JobRecordJson(*journal->Lookup(id)));
  EXPECT_EQ(j["id"], std::to_string(id));
  EXPECT_EQ(j["state"], "done");
  EXPECT_EQ(j["fast"]["model"], "fast");
  EXPECT_EQ(j["accurate"]["model"], "accurate");
  EXPECT_EQ(j["fast"]["top1"], nlohmann::json::array({0}));
  EXPECT_EQ(j["accurate"]["top1"], nlohmann::json::array({0}));
  EXPECT_EQ(j["agree"], true);
  EXPECT_EQ(j["fast"]["outputs"][0]["name"], "logits");
  EXPECT_EQ(j["fast"]["outputs"][0]["data"].size(), 3U);
  EXPECT_TRUE(j["analysed_utc"].is_string());
  EXPECT_EQ(j["answers"], 1);
}

// JSON has no NaN or infinity and no bytes that are not UTF-8: the lookup
// spells them out rather than dropping the tensors (it once showed []).
TEST(JobJournalTest, JsonShowsNonFiniteValuesAndRawBytesExactly) {
  TempDir dir;
  auto journal = OpenJournal(dir / "jobs.db");
  NewJob job = FastJob(3.0f, 3.0f);
  job.fast.outputs = {Fp32("logits", {1, 4}, {NAN, INFINITY, -INFINITY, 0.5f})};
  InferTensor bytes;
  bytes.name = "raw";
  bytes.datatype = WireType::kBytes;
  bytes.shape = {2};
  bytes.data = std::string("\x02\0\0\0ok\x02\0\0\0\xff\x00", 12);
  job.fast.outputs.push_back(bytes);
  const std::int64_t id = *journal->Append(job);
  const Result<JobRecord> record = journal->Lookup(id);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  ASSERT_EQ(record->fast.outputs.size(), 2U);
  EXPECT_TRUE(std::isnan(Floats(record->fast.outputs[0])[0]));
  EXPECT_EQ(record->fast.outputs[1].data, bytes.data);
  const auto outputs = nlohmann::json::parse(JobRecordJson(*record))["fast"]["outputs"];
  ASSERT_EQ(outputs.size(), 2U) << outputs.dump();
  EXPECT_EQ(outputs[0]["name"], "logits");
  EXPECT_EQ(outputs[0]["datatype"], "FP32");
  EXPECT_EQ(outputs[0]["data"], nlohmann::json::parse(R"(["NaN", "Infinity", "-Infinity", 0.5])"));
  EXPECT_EQ(outputs[1]["data"], nlohmann::json::parse(R"(["ok", [255, 0]])"));
}

TEST(JobJournalTest, RefusesAnotherProgramsDatabaseAndAFolder) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "other.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto other = JobJournal::Open(dir / "other.db");
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(other.status().message().find("not a sweetspot job journal"), std::string::npos);
  // The fix the message proposes: another journal file.
  EXPECT_TRUE(JobJournal::Open(dir / "jobs.db").ok());
  EXPECT_EQ(JobJournal::Open(dir.path()).status().code(), StatusCode::kFailedPrecondition);
}

// --- live cascade ---

struct CascadeRun {
  std::map<std::string, int> answered_by;
  std::int64_t journaled = 0;
  CascadeCounters counters;
};

CascadeRun RunCascade(const TempDir& dir, std::optional<double> threshold, CascadeMode mode) {
  auto journal = OpenJournal(dir / ("cascade-" + std::to_string(threshold.value_or(-1)) + ".db"));
  LiveCascade cascade({"fast", "accurate", threshold, mode}, TwoModels, journal.get(), nullptr);
  CascadeRun run;
  // Fast confidences: softmax([a, 0, -1])[0], rising with a.
  for (int i = 0; i < 10; ++i) {
    const auto response = cascade.Infer(Request("fast", static_cast<float>(i), 0.0f));
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    if (!response.ok()) continue;
    EXPECT_EQ(response->model_name, "fast");
    ++run.answered_by[std::get<std::string>(response->parameters.at("sweetspot_answered_by"))];
    if (response->parameters.count("sweetspot_job_id") > 0) ++run.journaled;
  }
  run.counters = cascade.counters();
  return run;
}

TEST(LiveCascadeTest, SyncThresholdOneDefersEverythingZeroNothing) {
  TempDir dir;
  CascadeRun all = RunCascade(dir, 1.0, CascadeMode::kSync);
  EXPECT_EQ(all.answered_by["accurate"], 10);
  EXPECT_EQ(all.counters.deferred, 10);
  EXPECT_EQ(all.counters.DeferredRatio(), std::optional<double>(1.0));
  EXPECT_EQ(all.journaled, 0) << "answered by the accurate model: nothing left to re-analyse";
  CascadeRun none = RunCascade(dir, 0.0, CascadeMode::kSync);
  EXPECT_EQ(none.answered_by["fast"], 10);
  EXPECT_EQ(none.counters.DeferredRatio(), std::optional<double>(0.0));
  EXPECT_EQ(none.journaled, 10) << "sync mode journals what it answered fast";
}

TEST(LiveCascadeTest, JournalModeAnswersFastAndJournalsTheDeferredOnly) {
  TempDir dir;
  // softmax([a, 0, -1])[0] is 0.42, 0.67, 0.84, 0.94 for a = 0..3: 0, 1, 2 are deferred.
  CascadeRun run = RunCascade(dir, 0.9, CascadeMode::kJournal);
  EXPECT_EQ(run.answered_by["fast"], 10);
  EXPECT_EQ(run.counters.deferred, 3);
  EXPECT_EQ(run.journaled, 3);
  EXPECT_NEAR(*run.counters.DeferredRatio(), 0.3, 1e-12);
  CascadeRun everything = RunCascade(dir, std::nullopt, CascadeMode::kJournal);
  EXPECT_EQ(everything.journaled, 10) << "without a threshold every request is journaled";
  EXPECT_EQ(everything.counters.deferred, 0);
}

}  // namespace
}  // namespace sweetspot
