#include "sweetspot/reanalysis_worker.h"

#include <utility>

#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"

namespace sweetspot {
namespace {

// Errors that say the accurate model can never answer this request.
bool Permanent(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound || code == StatusCode::kInvalidData ||
         code == StatusCode::kUnsupported;
}

}  // namespace

NewJob MakeJob(const InferRequest& request, const InferResponse& fast_response, Classification fast,
               std::string accurate_model) {
  NewJob job;
  job.request_id = request.id;
  job.accurate_model = std::move(accurate_model);
  job.inputs = request.inputs;
  job.fast.model = fast_response.model_name.empty() ? request.model_name : fast_response.model_name;
  job.fast.classification = std::move(fast);
  job.fast.outputs = fast_response.outputs;
  if (HasDetectionOutputs(fast_response)) {
    // The server's own outputs: they read back unless damaged, and then the job keeps none.
    Result<std::vector<std::vector<Detection>>> boxes = ReadDetectionOutputs(fast_response);
    if (boxes.ok()) job.fast.detections = *std::move(boxes);
  }
  if (HasKeypointOutput(fast_response)) {
    Result<std::vector<std::vector<Keypoint>>> keypoints = ReadKeypointOutput(fast_response);
    if (keypoints.ok()) job.fast.keypoints = *std::move(keypoints);
  }
  return job;
}

InferRequest AccurateRequest(const ClaimedJob& job) {
  InferRequest request;
  request.id = "job-" + std::to_string(job.id);
  request.model_name = job.accurate_model;
  request.inputs = job.inputs;
  return request;
}

ReanalysisWorker::ReanalysisWorker(JobJournal& journal, InferFunction accurate, ReanalysisOptions options)
    : journal_(journal), accurate_(std::move(accurate)), options_(options) {}

ReanalysisWorker::~ReanalysisWorker() { Stop(); }

void ReanalysisWorker::Start() {
  std::lock_guard lock(mutex_);
  if (!threads_.empty() || stopping_) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { Run(); });
}

void ReanalysisWorker::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

void ReanalysisWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Status ReanalysisWorker::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void ReanalysisWorker::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stopping_ || notified_; });
  notified_ = false;
}

void ReanalysisWorker::Run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    const Result<bool> analysed = AnalyseOne();
    if (!analysed.ok()) {
      std::lock_guard lock(mutex_);
      last_error_ = analysed.status();
      return;
    }
    if (!*analysed) Sleep(options_.idle_poll);
  }
}

Result<bool> ReanalysisWorker::AnalyseOne() {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::optional<ClaimedJob> job, journal_.Claim());
  if (!job) return false;
  const Result<InferResponse> response = accurate_(AccurateRequest(*job));
  Status failure = response.status();
  if (response.ok()) {
    const Result<JobAnswer> answer = ReadJobAnswer(job->accurate_model, *response, options_.output_kind);
    if (answer.ok()) {
      SWEETSPOT_RETURN_IF_ERROR(journal_.Complete(job->id, *answer).status());
      return true;
    }
    failure = answer.status();
  }
  if (Permanent(failure.code())) {
    SWEETSPOT_RETURN_IF_ERROR(journal_.Fail(job->id, failure.message()).status());
    return true;
  }
  journal_.Release(job->id);
  Sleep(options_.retry_delay);
  return true;
}

}  // namespace sweetspot
