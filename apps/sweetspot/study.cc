// `sweetspot study`: measures candidate models (accuracy and latency, each in
// a child process), stores every measurement, and recommends one.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "output.h"
#include "sweetspot/child_process.h"
#include "sweetspot/isolated_eval.h"
#include "sweetspot/report_data.h"
#include "sweetspot/results_store.h"
#include "sweetspot/study.h"
#include "sweetspot/study_environments.h"
#include "sweetspot/study_report.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;

struct StudyArgs {
  std::string spec;
  std::string db;
  std::string json;
  std::string csv;
  std::string markdown;
  std::string html;
  std::string cache_dir;
  bool fresh = false;
  bool quick = false;
  bool quiet = false;
  bool report_only = false;
};

// Set by SIGINT/SIGTERM: the study kills the running measurement and stops.
std::atomic<bool> g_cancel{false};
volatile sig_atomic_t g_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler stores to it");

void OnSignal(int sig) {
  g_signal = sig;
  g_cancel.store(true);
}

// While alive, SIGINT and SIGTERM cancel the study instead of killing it, so
// the running child is reaped and the store is left between transactions.
class CancelOnSignals {
 public:
  CancelOnSignals() {
    struct sigaction action {};
    action.sa_handler = OnSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~CancelOnSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  CancelOnSignals(const CancelOnSignals&) = delete;
  CancelOnSignals& operator=(const CancelOnSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// "study [#####.....] 3/8  latency of resnet20 [single-stream b1 t1]  ETA 1m20s"
// on a TTY; one line per finished measurement everywhere.
void ShowStudyProgress(ProgressBar& bar, const StudyProgress& p) {
  if (!p.finished.empty()) bar.Print(SafeText(p.finished));
  // After a finished measurement the next call names the new one; draw then.
  if (p.done < p.total && p.finished.empty()) bar.Update("study", p.done, p.total, SafeText(p.current));
}

// The report page of the study just stored: --html FILE, else <db folder>/<study>.html;
// its path goes to `out`. A page that cannot be written is an error when
// --html asked for it, else a warning: the study itself has finished.
Status WriteStudyPage(const StudyArgs& a, const std::string& study, const fs::path& db, std::FILE* out) {
  std::string name = study;
  std::replace(name.begin(), name.end(), '/', '_');
  const std::string html = a.html.empty() ? (db.parent_path() / (name + ".html")).string() : a.html;
  const auto write = [&]() -> Result<std::string> {
    SWEETSPOT_ASSIGN_OR_RETURN(const HtmlAssets assets, LoadHtmlAssets(DefaultNodeModules()));
    SWEETSPOT_ASSIGN_OR_RETURN(const std::unique_ptr<ResultsStore> store, ResultsStore::Open(db, {.read_only = true}));
    return WriteReportPage(*store, study, html, &assets);
  };
  const Result<std::string> written = write();
  if (written.ok()) {
    std::fputs((*written + "\n").c_str(), out);
    return Status::Ok();
  }
  if (!a.html.empty()) return written.status().WithContext("--html");
  std::fprintf(stderr, "sweetspot: warning: no HTML report: %s\n", SafeText(written.status().message()).c_str());
  return Status::Ok();
}

// --report-only: each environment's stored measurements, side by side.
Status ReportStoredCommand(const StudyArgs& a, const StudySpec& spec) {
  if (a.fresh) return Status::InvalidArgument("--report-only measures nothing; drop --fresh (or --report-only)");
  if (!a.json.empty() || !a.csv.empty() || !a.markdown.empty()) {
    return Status::InvalidArgument(
        "--report-only prints text only; drop --json/--csv/--markdown (each environment's measurements are in "
        "`sweetspot results --study NAME --json`)");
  }
  StudyOptions options;
  options.db_path = a.db;
  options.cache_dir = a.cache_dir;
  options.report_run = BuildReportRun;
  SWEETSPOT_ASSIGN_OR_RETURN(const EnvironmentsReport report, ReportStoredStudy(spec, options));
  std::fputs(RenderEnvironmentsText(report).c_str(), stdout);
  std::fflush(stdout);
  return WriteStudyPage(a, report.study, report.db_path, stdout);
}

Status RunStudyCommand(const StudyArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(StudySpec spec, LoadStudySpec(a.spec));
  if (a.quick) MakeQuick(spec);
  if (a.report_only) return ReportStoredCommand(a, spec);
  // Every output is checked before the first measurement, the database too:
  // SQLite also creates its journal beside it.
  const bool default_db = a.db.empty();
  SWEETSPOT_RETURN_IF_ERROR(
      CheckOutputFile(default_db ? (spec.spec_path.parent_path() / "sweetspot.db").string() : a.db,
                      default_db ? "the results database beside the spec (--db)" : "--db", OutputFile::kDatabase));
  SWEETSPOT_RETURN_IF_ERROR(CheckOneStdout({{a.json, "--json"}, {a.csv, "--csv"}, {a.markdown, "--markdown"}}));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json, "--json"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.csv, "--csv"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.markdown, "--markdown"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.html, "--html"));
  StudyOptions options;
  SWEETSPOT_ASSIGN_OR_RETURN(options.self_exe, SelfExecutable());
  options.db_path = a.db;
  options.cache_dir = a.cache_dir;
  options.fresh = a.fresh;
  options.cancel = &g_cancel;
  options.report_run = BuildReportRun;
  auto bar = std::make_shared<ProgressBar>(!a.quiet);
  options.progress = [bar](const StudyProgress& p) { ShowStudyProgress(*bar, p); };

  Result<StudyReport> report = Status::Internal("not run");
  {
    CancelOnSignals cancel_on_signals;
    report = RunStudy(spec, options);
  }
  bar->Clear();
  if (!report.ok()) {
    if (g_signal != 0) {
      // Die of the same signal, so a shell or a supervisor sees why we stopped.
      std::fprintf(stderr, "sweetspot: %s\n", SafeText(report.status().message()).c_str());
      std::fflush(stderr);
      signal(g_signal, SIG_DFL);
      raise(g_signal);
    }
    return report.status();
  }
  for (const std::string& warning : report->warnings) {
    std::fprintf(stderr, "sweetspot: warning: %s (pass --cache-dir DIR for a writable folder)\n",
                 SafeText(warning).c_str());
  }

  const bool to_stdout = a.json == "-" || a.csv == "-" || a.markdown == "-";
  if (!a.json.empty()) SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, RenderStudyJson(*report), "--json"));
  if (!a.csv.empty()) SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.csv, RenderStudyCsv(*report), "--csv"));
  if (!a.markdown.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.markdown, RenderStudyMarkdown(*report), "--markdown"));
  }
  if (!to_stdout) {
    std::fputs(RenderStudyText(*report).c_str(), stdout);
    std::fflush(stdout);
  }
  SWEETSPOT_RETURN_IF_ERROR(WriteStudyPage(a, report->study, report->db_path, to_stdout ? stderr : stdout));
  return StudyOutcome(*report);
}

}  // namespace

void RegisterStudy(CLI::App& root, Action* selected) {
  auto args = std::make_shared<StudyArgs>();
  CLI::App* cmd = root.add_subcommand(
      "study", "Measure candidate models' accuracy and speed, store the results, and recommend one");
  cmd->footer(
      "SPEC is a TOML file naming the dataset, the candidate models, runtime settings, constraints and\n"
      "the objective (docs/study.md; examples/cifar10-study.toml). Every measurement runs in a child\n"
      "process and is stored at once in SQLite (sweetspot.db beside the spec), so an interrupted study\n"
      "resumes where it stopped; a crash or timeout in one model is recorded and the others go on.\n"
      "The spec's `variants` (int8-static, int8-dynamic, int8-aware, fp16, prune, resize) adds\n"
      "variants sweetspot makes of each model, cached by content, measured beside their parents.\n\n"
      "Exit codes: 0 a recommendation and no failures; 2 bad input (spec, files, database) or no\n"
      "candidate meeting the constraints; 1 a measurement crashed or timed out.\n\n"
      "Examples:\n"
      "  sweetspot study examples/cifar10-study.toml\n"
      "  sweetspot study study.toml --quick --markdown report.md\n"
      "  sweetspot study study.toml --fresh --json results.json\n"
      "  sweetspot study study.toml --db merged.db --report-only");
  cmd->add_option("spec", args->spec, "study spec (TOML)")->required();
  cmd->add_option("--db", args->db, "results database (default: sweetspot.db beside the spec)");
  cmd->add_flag("--fresh", args->fresh, "remeasure everything, even what the database holds (nothing is deleted)");
  cmd->add_flag(
      "--quick", args->quick,
      fmt::format("a quick subset for CI: at most {} samples, a keypoint video's first 60 frames and short benchmarks",
                  kQuickLimit));
  cmd->add_option("--json", args->json, "write the report as JSON to FILE (- for stdout only)");
  cmd->add_option("--csv", args->csv, "write one CSV row per candidate to FILE (- for stdout only)");
  cmd->add_option("--markdown", args->markdown, "write the report as Markdown to FILE (- for stdout only)");
  cmd->add_option("--html", args->html,
                  "write the report page to FILE (default: <study>.html beside the database; see `sweetspot report`)");
  cmd->add_option("--cache-dir", args->cache_dir,
                  "tensor cache folder (default ~/.cache/sweetspot/tensors); variants go to DIR/variants");
  cmd->add_flag("-q,--quiet", args->quiet, "no progress output");
  cmd->add_flag("--report-only", args->report_only,
                "measure nothing (no model is run): report, per environment the database holds measurements under "
                "(machine, CPU affinity, runtime; see `sweetspot results merge`), its candidates and recommendation "
                "from the stored rows (one missing: \"not measured\"), and each candidate's speed ratio between "
                "environments; any task");
  // A study's fixes are keys of its spec, never flags.
  cmd->callback([args, selected] { *selected = [args] { return WithSpecFixes(RunStudyCommand(*args)); }; });

  // Internal: the child process of an isolated accuracy measurement.
  RegisterChildCommand(root, selected, "__eval-child", RunEvalChild);
}

}  // namespace sweetspot::cli
