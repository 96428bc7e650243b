// The background re-analysis of a job journal (job_journal.h): worker threads
// claim pending jobs in id order, run the accurate model on each job's input
// tensors and commit the accurate answer (one transaction per job). Started
// on a reopened journal, they resume its backlog.
//
// The accurate model runs through an InferFunction; `sweetspot serve` passes
// ModelServer::Infer, so re-analysis shares the accurate model's queue and
// dynamic batching with live requests.
//
// Errors of the accurate model: InvalidArgument, NotFound, InvalidData or
// Unsupported (a request that model can never answer) fail the job for good
// (JobJournal::Fail, with the message); any other error (a full queue, a
// server shutting down, a runtime failure) leaves it pending and the worker
// retries it after `retry_delay`. A journal error stops the worker; last_error()
// tells it.
//
// Thread-safety: Start, Notify, Stop and last_error may be called from any
// thread. Stop (and the destructor) lets each worker finish the job it is
// running (its answer is committed) and leaves the rest pending.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sweetspot/inference_protocol.h"
#include "sweetspot/job_journal.h"
#include "sweetspot/status.h"

namespace sweetspot {

// Runs one request on the model it names (request.model_name) and blocks
// until answered.
using InferFunction = std::function<Result<InferResponse>(const InferRequest&)>;

struct ReanalysisOptions {
  int workers = 1;  // jobs analysed at once (threads)
  // With no pending job a worker sleeps until Notify or this long (a job
  // appended by another journal object on the same file is found then).
  std::chrono::milliseconds idle_poll{200};
  std::chrono::milliseconds retry_delay{100};
  OutputKind output_kind = OutputKind::kAuto;  // of the accurate model (Classify)
};

class ReanalysisWorker {
 public:
  // `journal` and `accurate` must outlive the worker.
  ReanalysisWorker(JobJournal& journal, InferFunction accurate, ReanalysisOptions options = {});
  ~ReanalysisWorker();
  ReanalysisWorker(const ReanalysisWorker&) = delete;
  ReanalysisWorker& operator=(const ReanalysisWorker&) = delete;

  void Start();
  // A job was appended: wake an idle worker.
  void Notify();
  // Returns when every worker has finished its current job; idempotent.
  void Stop();
  // The journal error that stopped a worker (OK when none).
  Status last_error() const;

 private:
  void Run();
  // Claims and analyses one job; false when there was none.
  Result<bool> AnalyseOne();
  void Sleep(std::chrono::milliseconds duration);

  JobJournal& journal_;
  InferFunction accurate_;
  ReanalysisOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool notified_ = false;
  Status last_error_;
  std::vector<std::thread> threads_;
};

// The job of a request answered by `fast` (fast_response, classified; a
// detector's boxes are read from fast_response) whose accurate answer is to
// come from `accurate_model`.
NewJob MakeJob(const InferRequest& request, const InferResponse& fast_response, Classification fast,
               std::string accurate_model);
// An InferRequest for the accurate model from a claimed job.
InferRequest AccurateRequest(const ClaimedJob& job);

}  // namespace sweetspot
