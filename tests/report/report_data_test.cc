// The report's data end to end on real SQLite, ONNX Runtime and OpenCV: a
// study run with the snapshot hook stores its report, LoadReportData reads it
// back with thumbnails, and the bad stores of issue 11 (no snapshot, no
// measurement, images moved, a newer schema) fail or degrade as documented.
#include "sweetspot/report_data.h"

#include <sched.h>
#include <sqlite3.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "study/study_fixtures.h"
#include "support/support.h"
#include "sweetspot/results_store.h"
#include "sweetspot/study_report.h"
#include "thumbnails.h"

namespace sweetspot {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using testing::RunCli;
using testing::TempDir;
namespace fs = std::filesystem;

// The colours study of the study tests (study_fixtures.h).
class ReportDataTest : public ::testing::Test {
 protected:
  ReportDataTest() { testing::WriteColoursStudy(dir_.path()); }

  // Runs the study in this process; with_snapshot: as `sweetspot study` does.
  StudyReport Study(bool with_snapshot) {
    auto spec = LoadStudySpec(dir_ / "study.toml");
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    StudyOptions options;
    options.db_path = db_;
    options.self_exe = SWEETSPOT_CLI_PATH;
    options.cache_dir = dir_ / "cache";
    if (with_snapshot) options.report_run = BuildReportRun;
    auto report = RunStudy(*spec, options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : StudyReport{};
  }

  Result<ReportData> Load(const fs::path& db, std::string_view study = "colours") {
    // As `sweetspot report` opens it.
    auto store = ResultsStore::Open(db, {.read_only = true, .allow_newer_schema = true});
    if (!store.ok()) return store.status();
    return LoadReportData(**store, study);
  }

  std::string CliStudy(const std::string& more = "") const {
    return "study -q '" + (dir_ / "study.toml").string() + "' --cache-dir '" + (dir_ / "cache").string() + "' --db '" +
           db_.string() + "' " + more;
  }

  TempDir dir_;
  fs::path db_ = dir_ / "results.db";
};

std::int64_t Sum(const json& matrix) {
  std::int64_t total = 0;
  for (const json& row : matrix) {
    for (const json& cell : row) total += cell.get<std::int64_t>();
  }
  return total;
}

std::int64_t Diagonal(const json& matrix) {
  std::int64_t total = 0;
  for (std::size_t c = 0; c < matrix.size(); ++c) total += matrix[c][c].get<std::int64_t>();
  return total;
}

// The snapshot a study stores, read back: the study object is exactly the
// study's JSON; each accuracy entry agrees with the stored accuracy row; the
// raw latencies are the candidate's, sorted (and subsampled: a tiny model
// runs more than kMaxRawLatencies queries).
TEST_F(ReportDataTest, SnapshotStoredByTheStudyReadsBackAndAgreesWithTheStore) {
  const StudyReport report = Study(/*with_snapshot=*/true);
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const json doc = json::parse(ReportDataJson(*data));
  EXPECT_EQ(doc["schema"], "sweetspot.report/1");
  EXPECT_EQ(doc["study"], "colours");
  EXPECT_EQ(doc["classes"], json({"a_red", "b_green", "c_blue"}));
  ASSERT_EQ(doc["runs"].size(), 1U);
  const json& run = doc["runs"][0];
  EXPECT_EQ(run["schema"], "sweetspot.report-run/1");
  EXPECT_EQ(run["study"], json::parse(RenderStudyJson(report)));
  EXPECT_THAT(run["written_utc"].get<std::string>(), ::testing::MatchesRegex(R"(....-..-..T..:..:..\....Z)"));
  EXPECT_THAT(run["environment_label"].get<std::string>(), HasSubstr(report.environment.hostname));

  auto store = ResultsStore::Open(db_, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto measured = (*store)->StudyMeasurements("colours");
  ASSERT_TRUE(measured.ok()) << measured.status().ToString();
  ASSERT_EQ(run["accuracy"].size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const json& entry = run["accuracy"][i];
    const AccuracyRow& row = (*measured)[i].accuracy.back();
    EXPECT_EQ(entry["model"], (*measured)[i].name);
    EXPECT_EQ(entry["engine"], "onnxruntime");
    EXPECT_EQ(entry["candidates"], json({(*measured)[i].name}));
    EXPECT_EQ(Sum(entry["confusion"]), row.sample_count) << "the confusion matrix counts every sample once";
    EXPECT_EQ(Diagonal(entry["confusion"]), row.top1_correct);
    for (const json& cell : entry["confusion_cells"]) {
      EXPECT_NE(cell[2], 0);
      EXPECT_EQ(entry["confusion"][cell[0].get<std::size_t>()][cell[1].get<std::size_t>()], cell[2]);
    }
    std::int64_t sparse_total = 0;
    for (const json& cell : entry["confusion_cells"]) sparse_total += cell[2].get<std::int64_t>();
    EXPECT_EQ(sparse_total, row.sample_count) << "the nonzero cells are the whole matrix";
    // Both were scored on the same samples: indices and labels once per run.
    EXPECT_FALSE(entry.contains("indices"));
    EXPECT_EQ(run["shared_samples"]["indices"], json(row.sample_indices));
    const json& labels = run["shared_samples"]["labels"];
    std::int64_t right = 0;
    for (std::size_t k = 0; k < labels.size(); ++k) right += labels[k] == entry["predictions"][k];
    EXPECT_EQ(right, row.top1_correct) << "the predictions agree with the top-1 count";
    const json& recall = entry["recall"];
    ASSERT_EQ(recall.size(), 3U);
    EXPECT_DOUBLE_EQ(recall[0].get<double>(),
                     entry["confusion"][0][0].get<double>() / Sum(json({entry["confusion"][0]})));
  }
  // "good" misses the green image among the reds: cell (a_red, b_green).
  EXPECT_EQ(run["accuracy"][0]["confusion"][0][1], 1);
  ASSERT_EQ(run["accuracy"][0]["cell_samples"]["0,1"].size(), 1U);
  // Flips against the reference ("good"): none of its own; "bad" takes the
  // two greens good got right for blue.
  ASSERT_EQ(run["study"]["reference"], "good");
  EXPECT_EQ(run["accuracy"][0]["flipped_samples"], json::object());
  EXPECT_EQ(run["accuracy"][1]["flipped_samples"]["1"].size(), 2U);
  EXPECT_EQ(run["accuracy"][1]["confusion"][1][2], 2);

  ASSERT_EQ(run["latency"].size(), report.candidates.size());
  for (std::size_t c = 0; c < report.candidates.size(); ++c) {
    std::vector<double> sorted = report.candidates[c].latency_ms;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(run["latency"][c]["candidate"], report.candidates[c].name);
    EXPECT_EQ(run["latency"][c]["count"], sorted.size());
    const auto raw_ms = run["latency"][c]["raw_ms"].get<std::vector<double>>();
    EXPECT_LE(raw_ms.size(), kMaxRawLatencies);
    EXPECT_EQ(raw_ms, SubsampleSorted(sorted, kMaxRawLatencies));
    EXPECT_EQ(raw_ms.front(), sorted.front());
    EXPECT_EQ(raw_ms.back(), sorted.back());
  }
  EXPECT_EQ(run["variants"], json::array());
  EXPECT_EQ(run["training"], json::array());
}

// Every mislabelled sample shown has a thumbnail: a PNG no larger than the
// limit, decoded back to the sample's colour; the page's JSON holds them.
TEST_F(ReportDataTest, ThumbnailsOfMislabelledSamplesArePngDataUris) {
  Study(/*with_snapshot=*/true);
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(data->notes.empty()) << data->notes.front();
  ASSERT_FALSE(data->thumbnails.empty());
  const std::string prefix = "data:image/png;base64,";
  for (const auto& [index, uri] : data->thumbnails) {
    ASSERT_EQ(uri.rfind(prefix, 0), 0U) << uri;
  }
  const json doc = json::parse(ReportDataJson(*data));
  const json& good = doc["runs"][0]["accuracy"][0];
  const std::string green = std::to_string(good["cell_samples"]["0,1"][0].get<std::int64_t>());
  ASSERT_TRUE(doc["thumbnails"].contains(green)) << "the reference's mislabelled sample has its thumbnail";
  EXPECT_GT(data->thumbnails.size(), 1U) << "bad's mislabelled samples too";

  // Capped at one: the reference's ("good") comes before bad's.
  auto store = ResultsStore::Open(db_, {.read_only = true});
  ASSERT_TRUE(store.ok());
  ReportLoadOptions one;
  one.max_thumbnails = 1;
  auto capped = LoadReportData(**store, "colours", one);
  ASSERT_TRUE(capped.ok()) << capped.status().ToString();
  ASSERT_EQ(capped->thumbnails.size(), 1U);
  EXPECT_EQ(std::to_string(capped->thumbnails.begin()->first), green);
}

TEST(PngDataUriTest, ShrinksToTheLimitAndKeepsGrayAsOneChannel) {
  const cv::Mat gray(100, 50, CV_8UC3, cv::Scalar(90, 90, 90));
  auto uri = PngDataUri(gray, 64);
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  const std::string b64 = uri->substr(std::string("data:image/png;base64,").size());
  std::string bytes;
  int bits = 0, value = 0;
  for (const char ch : b64) {
    const auto at = std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").find(ch);
    if (at == std::string::npos) break;
    value = (value << 6) | static_cast<int>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((value >> bits) & 0xFF);
    }
  }
  const cv::Mat decoded = cv::imdecode(std::vector<unsigned char>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(decoded.empty());
  EXPECT_EQ(decoded.rows, 64);
  EXPECT_EQ(decoded.cols, 32);
  EXPECT_EQ(decoded.channels(), 1);
  EXPECT_EQ(decoded.at<unsigned char>(10, 10), 90);
  const cv::Mat small(4, 4, CV_8UC3, cv::Scalar(0, 0, 255));
  auto kept = PngDataUri(small, 64);
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(PngDataUri(cv::Mat(), 64).ok());
}

// Images moved away after the study: the report still loads, without
// thumbnails, and says why.
TEST_F(ReportDataTest, ImagesNoLongerOnDiskGiveNoThumbnailsAndANote) {
  Study(/*with_snapshot=*/true);
  fs::rename(dir_ / "images", dir_ / "moved");
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(data->thumbnails.empty());
  ASSERT_EQ(data->notes.size(), 1U);
  EXPECT_THAT(data->notes[0], HasSubstr("no thumbnails: the images under " + (dir_ / "images").string()));
  EXPECT_EQ(data->runs.size(), 1U);
  EXPECT_THAT(ReportDataJson(*data), HasSubstr("no thumbnails"));
}

// A store whose study was measured without a snapshot (an older sweetspot,
// here a schema-2 file) names the command that stores one; run, it loads.
TEST_F(ReportDataTest, StoreWithoutSnapshotNamesReportOnlyAndTheFixWorks) {
  Study(/*with_snapshot=*/false);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE study_reports; PRAGMA user_version = 2", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto missing = Load(db_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  const std::string fix =
      "sweetspot study " + (dir_ / "study.toml").string() + " --db " + db_.string() + " --report-only";
  EXPECT_THAT(missing.status().message(), HasSubstr("`" + fix + "`"));

  const auto fixed = RunCli(CliStudy("--report-only"));
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->runs.size(), 1U);
  EXPECT_EQ(json::parse(data->runs[0])["accuracy"].size(), 2U);
  auto store = ResultsStore::Open(db_, {.read_only = true});
  EXPECT_EQ((*store)->schema_version(), kResultsSchemaVersion) << "--report-only upgraded the file";

  auto unknown = Load(db_, "nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("studies there: colours"));
}

// A study registered but never measured names the study command; run, it loads.
TEST_F(ReportDataTest, StudyWithNoMeasurementNamesTheStudyCommandAndTheFixWorks) {
  {
    auto store = ResultsStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutStudy("colours", (dir_ / "study.toml").string(), "").ok());
  }
  auto missing = Load(db_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("has no finished measurement"));
  EXPECT_THAT(missing.status().message(),
              HasSubstr("`sweetspot study " + (dir_ / "study.toml").string() + " --db " + db_.string() + "`"));
  const auto fixed = RunCli(CliStudy());
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->runs.size(), 1U);
}

// Every candidate failed: the snapshot is stored all the same, with the
// failures in the study and no accuracy or latency to draw.
TEST_F(ReportDataTest, AStudyWhoseCandidatesAllFailedStillStoresItsReport) {
  testing::WriteFile(dir_ / "good.onnx", "not an onnx model");
  testing::WriteFile(dir_ / "bad.onnx", "not one either");
  Study(/*with_snapshot=*/true);
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->runs.size(), 1U);
  const json run = json::parse(data->runs[0]);
  EXPECT_EQ(run["accuracy"], json::array());
  EXPECT_EQ(run["latency"], json::array());
  ASSERT_EQ(run["study"]["candidates"].size(), 2U);
  EXPECT_FALSE(run["study"]["candidates"][0]["failure"].is_null());
  EXPECT_TRUE(data->thumbnails.empty());
}

// A store written by a newer sweetspot: its snapshot is shown with a note
// saying so; a foreign snapshot is left out with a note; with no snapshot this
// sweetspot reads, a clear message.
TEST_F(ReportDataTest, NewerSchemaShowsItsSnapshotsWithANote) {
  Study(/*with_snapshot=*/true);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->runs.size(), 1U);
  EXPECT_EQ(json::parse(data->runs[0])["study"]["study"], "colours");
  EXPECT_THAT(
      data->notes,
      Contains(HasSubstr(fmt::format("was written by a newer sweetspot (schema 99, this one reads {}): showing its "
                                     "stored report snapshots only; upgrade sweetspot",
                                     kResultsSchemaVersion))));

  ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE study_reports SET report_json = '{\"schema\": \"sweetspot.report-run/2\"}'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto foreign = Load(db_);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(foreign.status().message(), HasSubstr("schema version 99, newer than this sweetspot"));
}

// The study's load runs come with the report, options and levels parsed; a
// damaged one is left out with a note.
TEST_F(ReportDataTest, LoadRunsOfTheStudyAreShown) {
  Study(/*with_snapshot=*/true);
  {
    auto store = ResultsStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const std::int64_t study = *(*store)->EnsureStudy("colours");
    StoredLoadRun run;
    run.url = "http://127.0.0.1:8000";
    run.model = "m";
    run.form = "images";
    run.options_json = R"({"duration_s": 5})";
    run.levels_json = R"([{"mode": "closed", "concurrency": 4, "throughput_per_s": 812.5}])";
    ASSERT_TRUE((*store)->PutLoadRun(study, 1, run).ok());
    run.levels_json = "[{";
    ASSERT_TRUE((*store)->PutLoadRun(study, 1, run).ok());
  }
  auto data = Load(db_);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->load_runs.size(), 1U);
  const json page = json::parse(ReportDataJson(*data));
  ASSERT_EQ(page["load_runs"].size(), 1U);
  EXPECT_EQ(page["load_runs"][0]["url"], "http://127.0.0.1:8000");
  EXPECT_EQ(page["load_runs"][0]["options"]["duration_s"], 5);
  EXPECT_EQ(page["load_runs"][0]["levels"][0]["throughput_per_s"], 812.5);
  EXPECT_THAT(data->notes, Contains(HasSubstr("the load run of http://127.0.0.1:8000 stored at")));
}

// A study that holds only load runs (no study run) is reported: its load runs
// alone, with a note naming the study command.
TEST_F(ReportDataTest, AStudyOfLoadRunsAloneIsReported) {
  {
    auto store = ResultsStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const std::int64_t study = *(*store)->EnsureStudy("serving");
    const std::int64_t env = *(*store)->PutEnvironment(Environment{}, "");
    StoredLoadRun run;
    run.url = "http://127.0.0.1:8000";
    run.options_json = "{}";
    run.levels_json = "[]";
    ASSERT_TRUE((*store)->PutLoadRun(study, env, run).ok());
    ASSERT_TRUE((*store)->EnsureStudy("empty").ok());
  }
  auto data = Load(db_, "serving");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(data->runs.empty());
  EXPECT_EQ(data->load_runs.size(), 1U);
  EXPECT_THAT(data->notes, Contains(HasSubstr("only load runs: run `sweetspot study SPEC.toml --db")));
  auto empty = Load(db_, "empty");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kFailedPrecondition);
}

// Merged into another store, the run's snapshot comes along.
TEST_F(ReportDataTest, MergeCopiesTheRuns) {
  Study(/*with_snapshot=*/true);
  auto merged = MergeResultStores({db_}, dir_ / "all.db");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->study_reports, 1);
  auto data = Load(dir_ / "all.db");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->runs.size(), 1U);
  EXPECT_EQ(json::parse(data->runs[0])["study"]["study"], "colours");
}

bool TwoCpusAllowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

// The snapshot's ratios between environments are those --report-only prints
// (RenderEnvironmentsText): per candidate, its row ending in the same verdict,
// under the same two environment descriptions, each ratio with its interval.
void ExpectRatiosAsPrinted(const json& ratios, const std::string& printed) {
  ASSERT_EQ(ratios.size(), 2U) << "one per candidate: " << ratios.dump();
  for (const json& r : ratios) {
    const std::string candidate = r["candidate"];
    EXPECT_THAT(printed, HasSubstr("=== Environment 1: " + r["environment_a"].get<std::string>() + "\n"));
    EXPECT_THAT(printed, HasSubstr("=== Environment 2: " + r["environment_b"].get<std::string>() + "\n"));
    ASSERT_EQ(r["p50_ratio_ci95"].size(), 2U) << r.dump();
    const double lower = r["p50_ratio_ci95"][0], upper = r["p50_ratio_ci95"][1];
    EXPECT_GT(lower, 0.0);
    EXPECT_LE(lower, upper);
    EXPECT_GT(r["p50_ratio"].get<double>(), 0.0);
    EXPECT_GT(r["items_per_s_ratio"].get<double>(), 0.0);
    const std::string verdict = r["verdict"];
    EXPECT_THAT(verdict, ::testing::AnyOf("faster", "slower", "no measurable difference"));
    const std::string row = fmt::format("\n  {} ", candidate);
    const std::size_t at = printed.find(row, printed.find("Speed vs environment 1"));
    ASSERT_NE(at, std::string::npos) << candidate << " has no printed ratio row:\n" << printed;
    const std::string line = printed.substr(at + 1, printed.find('\n', at + 1) - at - 1);
    EXPECT_THAT(line, HasSubstr(fmt::format("[{:.2f}, {:.2f}]", lower, upper)));
    EXPECT_TRUE(line.ends_with(" " + verdict)) << line;
  }
}

// Two machines' stores (one and two allowed CPUs) merged: one run per
// environment, newest first; --report-only of the merged store rewrites both.
TEST_F(ReportDataTest, MergedStoresGiveOneRunPerEnvironmentNewestFirst) {
  if (!TwoCpusAllowed()) GTEST_SKIP() << "needs CPUs 0 and 1 allowed";
  const fs::path all = dir_ / "all.db";
  for (const std::string cpus : {"0", "0,1"}) {
    db_ = dir_ / ("cpus" + cpus + ".db");
    const auto run = testing::RunCliUnder("taskset -c " + cpus, CliStudy());
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  auto merged = MergeResultStores({dir_ / "cpus0.db", dir_ / "cpus0,1.db"}, all);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->study_reports, 2);
  auto data = Load(all);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->runs.size(), 2U);
  const json newest = json::parse(data->runs[0]), oldest = json::parse(data->runs[1]);
  EXPECT_EQ(newest["environment"]["affinity"], json({0, 1}));
  EXPECT_EQ(oldest["environment"]["affinity"], json({0}));
  EXPECT_GT(newest["written_utc"].get<std::string>(), oldest["written_utc"].get<std::string>());

  db_ = all;
  const auto report_only = RunCli(CliStudy("--report-only"));
  ASSERT_EQ(report_only.exit_code, 0) << report_only.err;
  auto rewritten = Load(all);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  ASSERT_EQ(rewritten->runs.size(), 2U);
  for (const std::string& text : rewritten->runs) {
    const json run = json::parse(text);
    EXPECT_GT(run["written_utc"].get<std::string>(), newest["written_utc"].get<std::string>());
    EXPECT_EQ(run["accuracy"].size(), 2U);
    EXPECT_EQ(run["latency"].size(), 2U) << "each environment's own latencies";
    ExpectRatiosAsPrinted(run["environment_ratios"], report_only.out);
    EXPECT_THAT(report_only.out, HasSubstr(": " + run["environment_description"].get<std::string>() + "\n"));
  }
}

TEST(SubsampleSortedTest, KeepsFirstAndLastAtEvenRanks) {
  std::vector<double> values(5000);
  std::iota(values.begin(), values.end(), 0.0);
  const std::vector<double> kept = SubsampleSorted(values, kMaxRawLatencies);
  ASSERT_EQ(kept.size(), kMaxRawLatencies);
  EXPECT_EQ(kept.front(), 0.0);
  EXPECT_EQ(kept.back(), 4999.0);
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
  EXPECT_EQ(std::adjacent_find(kept.begin(), kept.end()), kept.end()) << "no rank taken twice";
  EXPECT_NEAR(kept[1000], 2500.0, 2.0) << "the middle rank is the median";
  const std::vector<double> few = {1.0, 2.0, 3.0};
  EXPECT_EQ(SubsampleSorted(few, kMaxRawLatencies), few);
}

}  // namespace
}  // namespace sweetspot
