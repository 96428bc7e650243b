// `sweetspot cascade`: a fast and an accurate candidate of a stored study
// evaluated as one system that defers the fast model's unsure inputs to the
// accurate one (cascade.h; docs/cascade.md). Reads the results store only.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "output.h"
#include "sweetspot/cascade.h"
#include "sweetspot/results_store.h"

namespace sweetspot::cli {
namespace {

struct CascadeArgs {
  std::string db = "sweetspot.db";
  std::string study;
  std::string fast;
  std::string accurate;
  double max_drop_points = kDefaultMaxDropPoints;
  std::string json;
  std::string csv;
};

Status RunCascade(const CascadeArgs& a) {
  SWEETSPOT_RETURN_IF_ERROR(CheckOneStdout({{a.json, "--json"}, {a.csv, "--csv"}}));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json, "--json"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.csv, "--csv"));
  SWEETSPOT_ASSIGN_OR_RETURN(
      const std::unique_ptr<ResultsStore> store,
      WithFlag(ResultsStore::Open(a.db, {.read_only = true, .allow_newer_schema = true}), "--db"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string study, PickStudy(*store, a.study));
  if (a.fast == a.accurate) return Status::InvalidArgument("--fast and --accurate name the same candidate: pick two");
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<CandidateMeasurements> candidates, store->StudyMeasurements(study));
  CascadeOptions options;
  options.max_drop_points = a.max_drop_points;
  SWEETSPOT_ASSIGN_OR_RETURN(const CascadeAnalysis analysis,
                             AnalyzeStoredCascade(candidates, study, a.fast, a.accurate, options));
  if (!a.json.empty()) SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, CascadeJson(analysis).dump(2) + "\n", "--json"));
  if (!a.csv.empty()) SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.csv, RenderCascadeCsv(analysis), "--csv"));
  if (a.json == "-" || a.csv == "-") return Status::Ok();
  return WriteOutput("-", fmt::format("study {}: {}", study, RenderCascadeText(analysis)), "");
}

}  // namespace

void RegisterCascade(CLI::App& root, Action* selected) {
  auto args = std::make_shared<CascadeArgs>();
  CLI::App* cmd = root.add_subcommand(
      "cascade", "Evaluate two candidates of a study as a cascade: the fast one answers, its unsure inputs go on");
  cmd->footer(
      "For every threshold on the fast model's confidence (its top-1 probability), from the per-sample\n"
      "results and latencies the study stored: the share of inputs deferred to the accurate model, the\n"
      "system's top-1 with its 95 % interval and McNemar's test against the accurate model alone, and the\n"
      "cost per input (fast always + accurate on the deferred share). Recommends the cheapest threshold\n"
      "whose top-1 is within --max-drop-points of the accurate model's; deploy it with\n"
      "`sweetspot serve --fast A --accurate B --cascade-threshold T` (docs/cascade.md).\n\n"
      "Example:\n"
      "  sweetspot cascade --db build/demo/sweetspot.db --fast nano --accurate large --csv curve.csv");
  cmd->add_option("--db", args->db, "results database (default: ./sweetspot.db)");
  cmd->add_option("--study", args->study, "the study (default: the database's only one)");
  cmd->add_option("--fast", args->fast, "the fast candidate, as the study names it (e.g. nano)")->required();
  cmd->add_option("--accurate", args->accurate, "the accurate candidate (e.g. large)")->required();
  cmd->add_option("--max-drop-points", args->max_drop_points,
                  "top-1 the cascade may lose against the accurate model, in points (default 0.3)")
      ->check(NonNegativeNumber());
  cmd->add_option("--json", args->json, "write the whole curve as JSON to FILE (- for stdout)");
  cmd->add_option("--csv", args->csv, "write every threshold as CSV to FILE (- for stdout)");
  cmd->callback([args, selected] { *selected = [args] { return RunCascade(*args); }; });
}

}  // namespace sweetspot::cli
