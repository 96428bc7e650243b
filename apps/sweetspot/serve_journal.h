// The fast/accurate flag group of `sweetspot serve` (--fast, --accurate,
// --journal, --cascade-threshold, --cascade-mode, ...): the job journal, its
// re-analysis worker and the live cascade (live_cascade.h) wired to the
// server, its metrics and its HTTP front end. docs/serve.md, "Fast now,
// accurate later" and "Cascade".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sweetspot/http_server.h"
#include "sweetspot/job_journal.h"
#include "sweetspot/live_cascade.h"
#include "sweetspot/model_server.h"
#include "sweetspot/reanalysis_worker.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

// Empty/unset: not given.
struct FastAccurateFlags {
  std::string fast, accurate, journal;
  std::optional<double> threshold;
  std::string mode;  // sync|journal; default: journal with --journal, else sync
  std::optional<double> predicted_deferral;
  std::string output_kind = "auto";
  int workers = 1;
  // The runtime of each model of the pair; "": --runtime's.
  std::string fast_runtime, accurate_runtime;
};

void AddFastAccurateFlags(CLI::App* cmd, FastAccurateFlags* flags);
// Errors name the flag and the fix (exit 2).
Status CheckFastAccurateFlags(const FastAccurateFlags& flags);
// The model files to serve for the pair (none without --fast).
std::vector<std::string> FastAccuratePaths(const FastAccurateFlags& flags);
// --fast-runtime / --accurate-runtime on the pair's models among `models`.
void ApplyPairRuntimes(const FastAccurateFlags& flags, std::vector<ServedModelOptions>& models);
// A model the runtime refused, with the fix (model_server.h: the FieldFix
// "runtime") as the flag of that model: --fast-runtime, --accurate-runtime or --runtime.
Status WithRuntimeFlag(const FastAccurateFlags& flags, const Status& status);

// The running pair: owns the journal, its worker and the cascade. The front
// ends route the fast model's name to Handler() and GET /v2/jobs to Lookup().
class FastAccurate {
 public:
  // Opens the journal, registers the metrics and starts the worker; null
  // without --fast. Errors name the flag.
  static Result<std::unique_ptr<FastAccurate>> Start(const FastAccurateFlags& flags, ModelServer& server);
  const std::string& model() const { return cascade_->options().fast_model; }
  InferHandler Handler() const;
  JobLookup Lookup() const;  // null without --journal
  // After the front ends stopped: the worker finishes its job, the rest stays pending.
  void Stop();

 private:
  // Shared with the metrics' callbacks, which the server's registry keeps.
  std::shared_ptr<JobJournal> journal_;
  std::shared_ptr<LiveCascade> cascade_;
  std::unique_ptr<ReanalysisWorker> worker_;
};

}  // namespace sweetspot::cli
