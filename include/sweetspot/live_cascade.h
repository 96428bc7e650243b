// A fast/accurate model pair served as one entry point (docs/serve.md, "Fast
// now, accurate later" and "Cascade"). Requests to the fast model's name are
// answered by the fast model, and then:
//  - no threshold: with a journal, every request is journaled for re-analysis
//    by the accurate model (fast now, accurate later);
//  - a threshold T: a request whose fast confidence (the least sure row's
//    largest softmax probability, Classify in job_journal.h) is below T is
//    deferred. kSync answers a deferred request with the accurate model at
//    once; the requests answered fast are journaled (when there is a journal)
//    so their agreement with the accurate model is measured. kJournal answers
//    every request fast and journals only the deferred ones.
// Response parameters (extensions): `sweetspot_answered_by` (the model whose
// outputs these are), `sweetspot_job_id` (string, when journaled), and
// `sweetspot_fast_confidence` (double, when a threshold is set).
//
// Errors: the fast or accurate model's errors as they are; with a threshold, a
// fast answer that is not a classification -> InvalidArgument; a journal write
// that fails -> its Status (the request is not acknowledged).
//
// Thread-safety: Infer and counters may be called from any thread at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "sweetspot/inference_protocol.h"
#include "sweetspot/job_journal.h"
#include "sweetspot/reanalysis_worker.h"
#include "sweetspot/status.h"

namespace sweetspot {

enum class CascadeMode { kSync, kJournal };
std::string_view CascadeModeName(CascadeMode mode);  // sync|journal
Result<CascadeMode> ParseCascadeMode(std::string_view name);

struct LiveCascadeOptions {
  std::string fast_model;  // served names
  std::string accurate_model;
  std::optional<double> threshold;  // in [0, 1]; nullopt: nothing is deferred
  CascadeMode mode = CascadeMode::kJournal;
  OutputKind output_kind = OutputKind::kAuto;  // of the fast model (Classify)
};

struct CascadeCounters {
  std::int64_t requests = 0;  // answered (errors not counted)
  std::int64_t deferred = 0;  // of those, below the threshold
  // deferred / requests; nullopt before the first answer.
  std::optional<double> DeferredRatio() const;
};

class LiveCascade {
 public:
  // `infer` runs a request on the model it names (both models go through it);
  // `journal` (may be null) and `worker` (may be null: told when a job is
  // appended) must outlive this object.
  LiveCascade(LiveCascadeOptions options, InferFunction infer, JobJournal* journal, ReanalysisWorker* worker);

  // The request's model_name is the fast model's (the caller routes on it).
  Result<InferResponse> Infer(const InferRequest& request);
  CascadeCounters counters() const;
  const LiveCascadeOptions& options() const { return options_; }

 private:
  Result<std::string> Journal(const InferRequest& request, const InferResponse& fast,
                              const Classification& classification);

  LiveCascadeOptions options_;
  InferFunction infer_;
  JobJournal* journal_;
  ReanalysisWorker* worker_;
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> deferred_{0};
};

}  // namespace sweetspot
