#include "serve_journal.h"

#include <charconv>
#include <filesystem>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "output.h"
#include "sweetspot/backend.h"

namespace sweetspot::cli {
namespace {

namespace fs = std::filesystem;

std::string Stem(const std::string& path) { return fs::path(path).stem().string(); }

CascadeMode ModeOf(const FastAccurateFlags& f) {
  if (f.mode.empty()) return f.journal.empty() ? CascadeMode::kSync : CascadeMode::kJournal;
  return *ParseCascadeMode(f.mode);
}

// The journal's figures; NaN when it cannot be read (a scrape must not fail).
double JournalFigure(JobJournal& journal, double (*figure)(const JournalStats&)) {
  const Result<JournalStats> stats = journal.Stats();
  return stats.ok() ? figure(*stats) : std::numeric_limits<double>::quiet_NaN();
}

void RegisterJournalMetrics(ServerMetrics& metrics, const std::shared_ptr<JobJournal>& journal) {
  metrics.AddGauge("sweetspot_journal_backlog", "jobs waiting for the accurate model", [journal] {
    return JournalFigure(*journal, [](const JournalStats& s) { return static_cast<double>(s.pending); });
  });
  metrics.AddGauge(
      "sweetspot_journal_staleness_seconds", "age of the oldest job waiting for the accurate model",
      [journal] { return JournalFigure(*journal, [](const JournalStats& s) { return s.oldest_pending_age_s; }); });
  metrics.AddGauge("sweetspot_agreement_ratio",
                   "share of analysed jobs where both models agree (same top-1; detectors: box F1 >= 0.8)", [journal] {
                     return JournalFigure(*journal, [](const JournalStats& s) {
                       return s.AgreementRatio().value_or(std::numeric_limits<double>::quiet_NaN());
                     });
                   });
}

void RegisterCascadeMetrics(ServerMetrics& metrics, const std::shared_ptr<LiveCascade>& cascade,
                            std::optional<double> predicted) {
  metrics.AddGauge("sweetspot_cascade_deferred_ratio",
                   "share of the fast model's requests deferred (fast confidence below the threshold)", [cascade] {
                     return cascade->counters().DeferredRatio().value_or(std::numeric_limits<double>::quiet_NaN());
                   });
  if (predicted) {
    metrics.AddGauge("sweetspot_cascade_predicted_deferred_ratio",
                     "the deferred share predicted offline (--predicted-deferral)",
                     [value = *predicted] { return value; });
  }
}

}  // namespace

void AddFastAccurateFlags(CLI::App* cmd, FastAccurateFlags* f) {
  cmd->add_option("--fast", f->fast, "fast model: answers requests to its name at once (with --accurate)");
  cmd->add_option("--accurate", f->accurate, "accurate model: re-analyses journaled requests, answers deferred ones");
  cmd->add_option("--journal", f->journal,
                  "job journal file (SQLite): requests answered fast are re-analysed by --accurate in the background");
  cmd->add_option("--cascade-threshold", f->threshold,
                  "defer requests whose fast confidence (top-1 probability) is below this, in [0, 1]")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--cascade-mode", f->mode,
                  "sync: the accurate model answers a deferred request at once; journal: answer fast, journal it "
                  "(default: journal with --journal, else sync)")
      ->check(CLI::IsMember({"sync", "journal"}));
  cmd->add_option("--predicted-deferral", f->predicted_deferral,
                  "deferred share `sweetspot cascade` predicted for --cascade-threshold, shown beside the live one")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--output-kind", f->output_kind,
                  "the models' outputs: auto|logits|probabilities|sigmoid (auto: detected per answer)")
      ->check(CLI::IsMember({"auto", "logits", "probabilities", "sigmoid"}));
  cmd->add_option("--fast-runtime", f->fast_runtime,
                  "the runtime of --fast (default: --runtime's), e.g. opencv-dnn for a model ONNX Runtime refuses");
  cmd->add_option("--accurate-runtime", f->accurate_runtime, "the runtime of --accurate (default: --runtime's)");
  cmd->add_option("--reanalysis-workers", f->workers, "journal jobs the accurate model analyses at once (default 1)")
      ->check(PositiveInteger());
}

Status CheckFastAccurateFlags(const FastAccurateFlags& f) {
  const bool pair_used = !f.journal.empty() || f.threshold || !f.mode.empty() || f.predicted_deferral;
  if (f.fast.empty() != f.accurate.empty() || (pair_used && f.fast.empty())) {
    return Status::InvalidArgument(
        "--fast and --accurate go together (and --journal, --cascade-* need them): pass both models");
  }
  if (!f.fast.empty() && f.journal.empty() && !f.threshold) {
    return Status::InvalidArgument(
        "--fast and --accurate need --journal FILE (re-analyse later) or --cascade-threshold T (defer unsure "
        "requests): pass one");
  }
  if (ModeOf(f) == CascadeMode::kJournal && f.journal.empty()) {
    return Status::InvalidArgument("--cascade-mode journal needs --journal FILE: pass it, or --cascade-mode sync");
  }
  if ((!f.fast_runtime.empty() || !f.accurate_runtime.empty()) && f.fast.empty()) {
    return Status::InvalidArgument(
        "--fast-runtime and --accurate-runtime need --fast and --accurate: pass both models");
  }
  for (const auto& [flag, name] :
       {std::pair{"--fast-runtime", &f.fast_runtime}, {"--accurate-runtime", &f.accurate_runtime}}) {
    if (name->empty()) continue;
    if (Status known = CheckBackendName(*name); !known.ok()) return known.WithContext(flag);
  }
  if (!f.fast.empty() && Stem(f.fast) == Stem(f.accurate)) {
    return Status::InvalidArgument(
        fmt::format("--fast and --accurate are both served as '{}': copy or rename one model file", Stem(f.fast)));
  }
  return Status::Ok();
}

std::vector<std::string> FastAccuratePaths(const FastAccurateFlags& f) {
  if (f.fast.empty()) return {};
  return {f.fast, f.accurate};
}

void ApplyPairRuntimes(const FastAccurateFlags& f, std::vector<ServedModelOptions>& models) {
  for (ServedModelOptions& m : models) {
    if (!f.fast_runtime.empty() && m.path == f.fast) m.engine = f.fast_runtime;
    if (!f.accurate_runtime.empty() && m.path == f.accurate) m.engine = f.accurate_runtime;
  }
}

Status WithRuntimeFlag(const FastAccurateFlags& f, const Status& status) {
  for (const FieldFix& fix : status.fixes()) {
    if (fix.field != "runtime") continue;
    const std::string flag = fix.key == Stem(f.fast)       ? "--fast-runtime"
                             : fix.key == Stem(f.accurate) ? "--accurate-runtime"
                                                           : "--runtime";
    return status.RenderedFixes(fmt::format("pass {} {}", flag, fmt::join(fix.values, ",")));
  }
  return status;
}

Result<std::unique_ptr<FastAccurate>> FastAccurate::Start(const FastAccurateFlags& f, ModelServer& server) {
  if (f.fast.empty()) return std::unique_ptr<FastAccurate>();
  auto pair = std::unique_ptr<FastAccurate>(new FastAccurate());
  const OutputKind kind = *ParseOutputKind(f.output_kind);
  const InferFunction infer = [&server](const InferRequest& r) { return server.Infer(r); };
  if (!f.journal.empty()) {
    Result<std::unique_ptr<JobJournal>> journal = JobJournal::Open(f.journal);
    if (!journal.ok()) return journal.status().WithContext("--journal");
    pair->journal_ = std::move(journal).value();
    pair->worker_ = std::make_unique<ReanalysisWorker>(*pair->journal_, infer,
                                                       ReanalysisOptions{.workers = f.workers, .output_kind = kind});
    RegisterJournalMetrics(server.metrics(), pair->journal_);
  }
  const LiveCascadeOptions options{Stem(f.fast), Stem(f.accurate), f.threshold, ModeOf(f), kind};
  pair->cascade_ = std::make_shared<LiveCascade>(options, infer, pair->journal_.get(), pair->worker_.get());
  if (f.threshold) RegisterCascadeMetrics(server.metrics(), pair->cascade_, f.predicted_deferral);
  if (pair->worker_) pair->worker_->Start();
  return pair;
}

InferHandler FastAccurate::Handler() const {
  return [cascade = cascade_](const InferRequest& request) { return cascade->Infer(request); };
}

JobLookup FastAccurate::Lookup() const {
  if (!journal_) return nullptr;
  return [journal = journal_](const std::string& id) -> Result<std::string> {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), number);
    if (error != std::errc() || end != id.data() + id.size()) {
      return Status::NotFound(fmt::format("no job '{}': job ids are numbers", id));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(const JobRecord record, journal->Lookup(number));
    return JobRecordJson(record);
  };
}

void FastAccurate::Stop() {
  if (worker_) worker_->Stop();
}

}  // namespace sweetspot::cli
