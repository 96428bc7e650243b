// `sweetspot results`: lists the studies in a results database and exports
// one study's measurements.
#include <memory>
#include <string>

#include "commands.h"
#include "output.h"
#include "sweetspot/results_export.h"
#include "sweetspot/results_store.h"

namespace sweetspot::cli {
namespace {

struct ResultsArgs {
  std::string db = "sweetspot.db";
  std::string study;
  bool json = false;
  bool csv = false;
};

Status RunResults(const ResultsArgs& a) {
  if (a.json && a.csv) return Status::InvalidArgument("--json and --csv exclude each other; pick one");
  auto opened = ResultsStore::Open(a.db, {.read_only = true});
  if (!opened.ok()) return opened.status().WithContext("--db");
  std::unique_ptr<ResultsStore> store = std::move(opened).value();
  std::string text;
  if (a.study.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<StudyListing> studies, store->ListStudies());
    text = a.json ? RenderStudyListJson(studies) : a.csv ? RenderStudyListCsv(studies) : RenderStudyListText(studies);
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<CandidateMeasurements> measurements, store->StudyMeasurements(a.study));
    text = a.json  ? RenderMeasurementsJson(a.study, measurements)
           : a.csv ? RenderMeasurementsCsv(a.study, measurements)
                   : RenderMeasurementsText(a.study, measurements);
  }
  return WriteOutput("-", text, "");
}

}  // namespace

void RegisterResults(CLI::App& root, Action* selected) {
  auto args = std::make_shared<ResultsArgs>();
  CLI::App* cmd =
      root.add_subcommand("results", "List the studies in a results database, or export one's measurements");
  cmd->footer(
      "Without --study: one line per study. With --study NAME: every stored measurement of its candidates\n"
      "(oldest first; a --fresh rerun adds rows, it never replaces them). To see a study's recommendation\n"
      "again, rerun `sweetspot study SPEC.toml`: everything stored is reused, nothing is remeasured.\n\n"
      "Examples:\n"
      "  sweetspot results --db examples/sweetspot.db\n"
      "  sweetspot results --study cifar10-resnets --csv > measurements.csv");
  cmd->add_option("--db", args->db, "results database (default: ./sweetspot.db)");
  cmd->add_option("--study", args->study, "the study to export");
  cmd->add_flag("--json", args->json, "JSON on stdout (raw latencies included)");
  cmd->add_flag("--csv", args->csv, "CSV on stdout, one row per measurement");
  cmd->callback([args, selected] { *selected = [args] { return RunResults(*args); }; });
}

}  // namespace sweetspot::cli
