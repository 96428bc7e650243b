#include "sweetspot/live_cascade.h"

#include <fmt/format.h>

#include <utility>

#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"

namespace sweetspot {

std::string_view CascadeModeName(CascadeMode mode) { return mode == CascadeMode::kSync ? "sync" : "journal"; }

Result<CascadeMode> ParseCascadeMode(std::string_view name) {
  if (name == "sync") return CascadeMode::kSync;
  if (name == "journal") return CascadeMode::kJournal;
  return Status::InvalidArgument(fmt::format("unknown cascade mode '{}' (expected sync or journal)", name));
}

std::optional<double> CascadeCounters::DeferredRatio() const {
  if (requests == 0) return std::nullopt;
  return static_cast<double>(deferred) / static_cast<double>(requests);
}

LiveCascade::LiveCascade(LiveCascadeOptions options, InferFunction infer, JobJournal* journal, ReanalysisWorker* worker)
    : options_(std::move(options)), infer_(std::move(infer)), journal_(journal), worker_(worker) {}

CascadeCounters LiveCascade::counters() const { return {requests_.load(), deferred_.load()}; }

Result<std::string> LiveCascade::Journal(const InferRequest& request, const InferResponse& fast,
                                         const Classification& classification) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t id,
                             journal_->Append(MakeJob(request, fast, classification, options_.accurate_model)));
  if (worker_ != nullptr) worker_->Notify();
  return std::to_string(id);
}

Result<InferResponse> LiveCascade::Infer(const InferRequest& request) {
  InferRequest fast_request = request;
  fast_request.model_name = options_.fast_model;
  SWEETSPOT_ASSIGN_OR_RETURN(InferResponse response, infer_(fast_request));
  // A detector's or keypoint model's answer has no top-1: it is journalled
  // with its boxes or keypoints (MakeJob), never deferred.
  const bool located = HasDetectionOutputs(response) || HasKeypointOutput(response);
  Result<Classification> classification =
      located ? Result<Classification>(Status::InvalidArgument(
                    fmt::format("model '{}' answers with {}: a cascade threshold needs class scores",
                                options_.fast_model, HasDetectionOutputs(response) ? "detections" : "keypoints")))
              : Classify(response, options_.output_kind);
  if (options_.threshold && !classification.ok()) return classification.status();
  const Classification fast = classification.ok() ? std::move(*classification) : Classification{};
  const bool deferred = options_.threshold && fast.MinConfidence() < *options_.threshold;
  if (options_.threshold) response.parameters["sweetspot_fast_confidence"] = fast.MinConfidence();
  std::string answered_by = options_.fast_model;
  if (deferred && options_.mode == CascadeMode::kSync) {
    InferRequest accurate_request = request;
    accurate_request.model_name = options_.accurate_model;
    SWEETSPOT_ASSIGN_OR_RETURN(InferResponse accurate, infer_(accurate_request));
    accurate.parameters.insert(response.parameters.begin(), response.parameters.end());
    response = std::move(accurate);
    answered_by = options_.accurate_model;
  } else if (journal_ != nullptr && (!options_.threshold || options_.mode == CascadeMode::kSync || deferred)) {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::string id, Journal(request, response, fast));
    response.parameters["sweetspot_job_id"] = id;
  }
  response.model_name = request.model_name;
  response.parameters["sweetspot_answered_by"] = answered_by;
  ++requests_;
  if (deferred) ++deferred_;
  return response;
}

}  // namespace sweetspot
