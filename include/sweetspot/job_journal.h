// The job journal of "fast now, accurate later" (docs/serve.md): every request
// answered by the fast model is appended with its input tensors and the fast
// answer; a ReanalysisWorker (reanalysis_worker.h) later runs the accurate
// model on it and commits the accurate answer. One SQLite file of its own
// (not the results store).
//
// A job is `pending` until its accurate answer is committed, then `done`, or
// `failed` when the accurate model refused the request for good (a request
// it cannot take: wrong input name, shape or datatype); a failed job keeps
// the error message and is never retried.
//
// Durability and exactly-once: the file is in WAL mode with synchronous=FULL,
// and Append commits before it returns, so an acknowledged request is on
// disk. Claim increments the job's `attempts` in its own transaction before
// the accurate model runs; Complete writes the answer with
// `UPDATE ... WHERE id=? AND state='pending'` in one transaction, so a job has
// at most one committed answer (`answers` is 0 or 1) whatever the number of
// workers, and a process killed at any point loses no job: a claimed job
// whose answer was not committed is still pending when the file is reopened
// and is analysed again (attempts > answers shows it was). Claims live in
// memory only: a reopened journal has none.
//
// Errors (Status, one line naming the file): a file that is not a sweetspot
// journal or is damaged -> kInvalidData; a folder or a file that cannot be
// opened or written -> kFailedPrecondition; the journal locked by another
// process beyond the busy timeout -> kFailedPrecondition; other SQLite
// failures -> kIoError. An unknown job id -> kNotFound.
//
// Thread-safety: every method may be called from any thread (one connection
// behind a mutex). One process writes a journal at a time; others may read it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/metrics.h"
#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr int kJournalSchemaVersion = 1;

// The classification read from a model's answer: per row of its first output
// (shape [N, C], [C] or [N, C, 1, 1]...: N rows of C classes), the top-1 class
// and its confidence: the largest softmax probability for logits, the largest
// value for probabilities or sigmoid scores (as `sweetspot eval` reads them).
// `kind` kAuto detects it as eval does (DetectOutputKind, metrics.h), but
// from one row at a time: logits that all happen to lie in [0, 1] read as
// sigmoid scores, so pass the kind when it is known.
struct Classification {
  std::vector<int> top1;
  std::vector<double> confidence;  // in [0, 1]
  // The smallest row confidence (1 for no rows): a request is as sure as its
  // least sure sample.
  double MinConfidence() const;
};
// InvalidArgument when the response has no output, the first output is not
// FP16/FP32/FP64 or holds no value, or a value is not finite.
Result<Classification> Classify(const InferResponse& response, OutputKind kind = OutputKind::kAuto);

// One model's answer to a job.
struct JobAnswer {
  std::string model;                 // served model name
  Classification classification;     // empty for a detector
  std::vector<InferTensor> outputs;  // as the model returned them
  // A detector's boxes per row (the answer held `detections` and
  // `detection_count`, served_detections.h); nullopt for a classifier.
  std::optional<std::vector<std::vector<Detection>>> detections;
  // A keypoint model's keypoints per row (the answer held `keypoints`,
  // served_keypoints.h); nullopt otherwise.
  std::optional<std::vector<std::vector<Keypoint>>> keypoints;
};

// The answer of `model` as the journal keeps it: a detector's boxes when the
// response holds the detection outputs, else its classification (Classify).
// A keypoint model's keypoints when it holds `keypoints`.
// Errors: those of ReadDetectionOutputs, ReadKeypointOutput or Classify.
Result<JobAnswer> ReadJobAnswer(std::string model, const InferResponse& response, OutputKind kind);

struct NewJob {
  std::string request_id;  // the protocol's optional request id ("" when none)
  std::string accurate_model;
  std::vector<InferTensor> inputs;  // the request's, as received
  JobAnswer fast;
};

enum class JobState { kPending, kDone, kFailed };
std::string_view JobStateName(JobState state);  // pending|done|failed

struct JobRecord {
  std::int64_t id = 0;
  JobState state = JobState::kPending;
  std::string request_id;
  std::string accurate_model;
  JobAnswer fast;
  std::optional<JobAnswer> accurate;  // when done
  std::string error;                  // when failed
  std::string received_utc;           // "2026-12-01T04:00:00.123Z"
  std::string analysed_utc;           // when done or failed, else ""
  std::int64_t attempts = 0;          // claims (runs of the accurate model started)
  std::int64_t answers = 0;           // committed accurate answers: 0 or 1
  // Done jobs only: classifiers, the same top-1 in every row; detectors,
  // agreement.agree() (F1 >= kAgreementF1, served_detections.h); keypoint
  // models, keypoint_agreement.agree() (served_keypoints.h).
  std::optional<bool> agree;
  // Done jobs of two detectors: how far their boxes agree.
  std::optional<DetectionAgreement> agreement;
  // Done jobs of two keypoint models: how far their joints agree.
  std::optional<KeypointAnswerAgreement> keypoint_agreement;
};

// A job taken by a worker: what the accurate model needs.
struct ClaimedJob {
  std::int64_t id = 0;
  std::string accurate_model;
  std::vector<InferTensor> inputs;
};

struct JournalStats {
  std::int64_t pending = 0;  // the backlog
  std::int64_t done = 0;
  std::int64_t failed = 0;
  std::int64_t agreements = 0;  // done jobs whose answers agree
  // Age of the oldest pending job (staleness); 0 with no backlog.
  double oldest_pending_age_s = 0.0;
  // agreements / done; nullopt before the first done job.
  std::optional<double> AgreementRatio() const;
};

struct JournalOptions {
  int busy_timeout_ms = 10000;
};

class JobJournal {
 public:
  // Creates the file when missing; reopens (and resumes) an existing journal.
  static Result<std::unique_ptr<JobJournal>> Open(const std::filesystem::path& path,
                                                  const JournalOptions& options = {});
  ~JobJournal();
  JobJournal(const JobJournal&) = delete;
  JobJournal& operator=(const JobJournal&) = delete;

  // Stores a pending job durably; returns its id (increasing, never reused).
  Result<std::int64_t> Append(const NewJob& job);
  // The pending job with the lowest id that no worker holds, with its attempts
  // incremented (committed); nullopt when there is none.
  Result<std::optional<ClaimedJob>> Claim();
  // Commits the accurate answer of a claimed job and releases the claim.
  // Returns whether this call committed it (false: it was already done or
  // failed, e.g. answered through another journal object on the same file).
  Result<bool> Complete(std::int64_t id, const JobAnswer& accurate);
  // Marks a claimed job failed for good with `error` and releases the claim.
  Result<bool> Fail(std::int64_t id, const std::string& error);
  // Gives a claimed job back unanswered (a transient error: the server is
  // full or shutting down); it stays pending.
  void Release(std::int64_t id);
  Result<JobRecord> Lookup(std::int64_t id);
  Result<JournalStats> Stats();
  const std::filesystem::path& path() const { return path_; }

  struct Impl;

 private:
  JobJournal(std::filesystem::path path, std::unique_ptr<Impl> impl);
  Result<bool> Finish(std::int64_t id, const JobAnswer* accurate, const std::string& error);

  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

// GET /v2/jobs/{id}: {"id", "state", "request_id", "fast": {"model", "top1",
// "confidence", "outputs"}, "accurate": {...} | null, "agree": bool | null,
// for detectors "fast"/"accurate" {"model", "detections": per row a list of
// [x1, y1, x2, y2, score, class], "outputs"} and "agreement": {"recall",
// "precision", "f1", "reference", "candidates", "matched", "min_score",
// "min_iou"} | null (pending), for keypoint models "fast"/"accurate"
// {"model", "keypoints": per row a list of [x, y, score], "outputs"} and
// "agreement": {"share", "compared", "within", "mean_distance_px",
// "min_score", "alpha"} | null (pending),
// "error" (failed only), "received_utc", "analysed_utc" | null, "attempts",
// "answers"}. top1 and confidence are per row (arrays); outputs are the
// protocol's JSON tensors as EncodeReadableTensors writes them (NaN as "NaN",
// infinities as "Infinity"/"-Infinity", non-UTF-8 BYTES as byte arrays).
std::string JobRecordJson(const JobRecord& record);

}  // namespace sweetspot
