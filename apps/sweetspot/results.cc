// `sweetspot results`: lists the studies in a results database and exports
// one study's measurements; `results merge` merges databases measured on
// several machines into one; `results upgrade` upgrades an older one in place.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

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

struct MergeArgs {
  std::vector<std::string> sources;
  std::string into;
};

Status RunMerge(const MergeArgs& a) {
  const std::vector<std::filesystem::path> sources(a.sources.begin(), a.sources.end());
  SWEETSPOT_ASSIGN_OR_RETURN(const MergeCounts added, MergeResultStores(sources, a.into));
  std::fputs(
      fmt::format(
          "merged {} database(s) into {}: added {} study(ies), {} model(s), {} variant(s), {} "
          "dataset(s), {} environment(s), {} accuracy, {} latency and {} failure row(s), {} report snapshot(s), {} "
          "load run(s)\n",
          sources.size(), a.into, added.studies, added.models, added.variants, added.datasets, added.environments,
          added.accuracy_results, added.latency_results, added.failures, added.study_reports, added.load_runs)
          .c_str(),
      stdout);
  return Status::Ok();
}

// Opening a store for writing upgrades it to this sweetspot's schema.
Status RunUpgrade(const std::string& db) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::unique_ptr<ResultsStore> read, ResultsStore::Open(db, {.read_only = true}));
  const std::int64_t was = read->schema_version();
  SWEETSPOT_RETURN_IF_ERROR(ResultsStore::Open(db).status());
  std::fputs((was == kResultsSchemaVersion
                  ? fmt::format("{} already has schema version {}; nothing to do\n", db, was)
                  : fmt::format("upgraded {} from schema version {} to {}\n", db, was, kResultsSchemaVersion))
                 .c_str(),
             stdout);
  return Status::Ok();
}

void RegisterMerge(CLI::App& results, Action* selected) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = results.add_subcommand("merge", "Merge results databases (e.g. from several machines) into one");
  cmd->footer(
      "Copies every study, model, variant, dataset, environment and measurement of each DB into --into\n"
      "(created when missing, else added to), in one transaction. Rows are matched by content hashes,\n"
      "environment facts and settings, so merging twice adds nothing twice, and each machine's measurements\n"
      "stay apart: `sweetspot study SPEC --db MERGED --report-only` reports them per environment.\n\n"
      "Example:\n"
      "  sweetspot results merge laptop.db server.db --into all.db");
  cmd->add_option("DB", args->sources, "results databases to merge")->required();
  cmd->add_option("--into", args->into, "the database to merge into (created when missing)")->required();
  cmd->callback([args, selected] { *selected = [args] { return RunMerge(*args); }; });

  auto db = std::make_shared<std::string>();
  CLI::App* upgrade =
      results.add_subcommand("upgrade", "Upgrade a results database written by an older sweetspot, in place");
  upgrade->add_option("DB", *db, "the results database")->required();
  upgrade->callback([db, selected] { *selected = [db] { return RunUpgrade(*db); }; });
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
  RegisterMerge(*cmd, selected);
  // Runs after a nested subcommand's callback: that one's action stands.
  cmd->callback([cmd, args, selected] {
    if (cmd->get_subcommands().empty()) *selected = [args] { return RunResults(*args); };
  });
}

}  // namespace sweetspot::cli
