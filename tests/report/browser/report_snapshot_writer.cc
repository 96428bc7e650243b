// Test-only: stores a `sweetspot.report-run/1` snapshot as study STUDY's report
// for the snapshot's own environment, in the results store DB (created when
// missing), and with LOAD.json (a `sweetspot load --json` document) a load run
// of the study. The browser test (browser_test.mjs) builds its synthetic
// 1000-class store with it: a store that holds the snapshot and no measurement.
//
//   report_snapshot_writer DB STUDY SNAPSHOT.json [LOAD.json]
//
// Exit 0 when stored; 2 with one line on stderr when an argument, the file or
// the store is unusable.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sweetspot/environment.h"
#include "sweetspot/results_store.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "report_snapshot_writer: %s\n", message.c_str());
  return 2;
}

nlohmann::json ReadJson(const char* path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream read;
  read << in.rdbuf();
  *text = read.str();
  return nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

// The load document's options and levels as a stored load run.
sweetspot::Status PutLoad(sweetspot::ResultsStore& store, std::int64_t study, std::int64_t environment,
                          const nlohmann::json& load) {
  sweetspot::StoredLoadRun run;
  const nlohmann::json& options = load.at("options");
  run.url = options.value("url", "");
  run.model = options.value("model", "");
  run.model_version = options.value("version", "");
  run.form = options.value("form", "images");
  run.dataset = load.value("dataset", "");
  run.options_json = options.dump();
  run.levels_json = load.at("levels").dump();
  return store.PutLoadRun(study, environment, run);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) return Fail("usage: report_snapshot_writer DB STUDY SNAPSHOT.json [LOAD.json]");
  std::string load_text;
  const nlohmann::json load = argc == 5 ? ReadJson(argv[4], &load_text) : nlohmann::json::object();
  if (argc == 5 && (!load.is_object() || !load.contains("options") || !load.contains("levels"))) {
    return Fail(std::string(argv[4]) + " is not a sweetspot load document with \"options\" and \"levels\"");
  }
  std::ifstream in(argv[3], std::ios::binary);
  if (!in) return Fail(std::string("cannot read ") + argv[3]);
  std::ostringstream text;
  text << in.rdbuf();
  const auto snapshot = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!snapshot.is_object() || !snapshot.contains("environment")) {
    return Fail(std::string(argv[3]) + " is not a report snapshot with an \"environment\" object");
  }
  const sweetspot::Environment environment = snapshot.at("environment").get<sweetspot::Environment>();
  const std::string backend_version = snapshot.at("environment").value("backend_version", "");

  auto store = sweetspot::ResultsStore::Open(argv[1]);
  if (!store.ok()) return Fail(store.status().ToString());
  auto study_id = (*store)->PutStudy(argv[2], argv[3], "");
  if (!study_id.ok()) return Fail(study_id.status().ToString());
  auto environment_id = (*store)->PutEnvironment(environment, backend_version);
  if (!environment_id.ok()) return Fail(environment_id.status().ToString());
  const sweetspot::Status stored = (*store)->PutStudyReport(*study_id, *environment_id, text.str());
  if (!stored.ok()) return Fail(stored.ToString());
  if (argc == 5) {
    const sweetspot::Status loaded = PutLoad(**store, *study_id, *environment_id, load);
    if (!loaded.ok()) return Fail(loaded.ToString());
  }
  return 0;
}
