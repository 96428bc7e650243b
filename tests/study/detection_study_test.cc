// Detection studies end to end, with the real binary's child processes, ONNX
// Runtime and SQLite: oracle detectors whose boxes are known over two shape
// datasets (the recommendation per dataset and overall under
// min_map50_95), a killed study resuming, and the NanoDet example on the
// real VOC images (skipped without ../shared/data).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "study_fixtures.h"
#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/study.h"
#include "sweetspot/study_report.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::Rows;
using testing::RunCli;
using testing::Slurp;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kSize = 64;   // images and the oracles' input, so input pixels are image pixels
constexpr int kImages = 6;  // per dataset
const std::vector<std::string> kClasses = {"circle", "square"};  // sorted: VOC keeps the order

// Image i: on the "squares" dataset two squares, on the "circles" dataset two
// circles (drawn as rectangles too), at places that differ per image.
std::vector<testing::ShapeObject> Objects(int i, int class_id) {
  const int x = 4 + 3 * i, y = 6 + 2 * i;
  return {{class_id, x, y, x + 16, y + 16}, {class_id, x + 24, y + 20, x + 40, y + 36}};
}

// An oracle's boxes for image i: both datasets' objects (the class absent
// from a dataset has no ground truth there and is left out of its mean),
// squares moved right by `square_shift` pixels, circles by `circle_shift`.
// A 16-pixel box moved 1 pixel has IoU 15/17 = 0.88 (mAP@[.5:.95] 0.8), moved
// 5 pixels 11/21 = 0.52 (0.1).
std::vector<std::vector<Detection>> OracleBoxes(int square_shift, int circle_shift) {
  std::vector<std::vector<Detection>> boxes(kImages);
  for (int i = 0; i < kImages; ++i) {
    for (int class_id : {0, 1}) {
      const int shift = class_id == 1 ? square_shift : circle_shift;
      for (const auto& o : Objects(i, class_id)) {
        boxes[i].push_back({{static_cast<double>(o.x1 + shift), static_cast<double>(o.y1),
                             static_cast<double>(o.x2 + shift), static_cast<double>(o.y2)},
                            class_id,
                            0.9F});
      }
    }
  }
  return boxes;
}

std::vector<testing::ShapeImage> Images(int class_id) {
  std::vector<testing::ShapeImage> images;
  for (int i = 0; i < kImages; ++i) images.push_back({fmt::format("img{}", i), kSize, kSize, Objects(i, class_id)});
  return images;
}

class DetectionStudyTest : public ::testing::Test {
 protected:
  DetectionStudyTest() {
    squares_ = testing::WriteShapesDataset(dir_ / "squares", testing::DetectionFormat::kVoc, Images(1), kClasses);
    circles_ = testing::WriteShapesDataset(dir_ / "circles", testing::DetectionFormat::kCoco, Images(0), kClasses);
    // sharp: exact squares, circles 5 px off; blurry: the reverse; balanced: both 1 px off.
    for (const auto& [name, square, circle] :
         {std::tuple{"sharp", 0, 5}, std::tuple{"blurry", 5, 0}, std::tuple{"balanced", 1, 1}}) {
      testing::WriteModel(
          testing::OracleDetector(DetectionLayout::kBoxesScoresTransposed, OracleBoxes(square, circle), 2, kSize),
          dir_ / (std::string(name) + ".onnx"));
    }
  }

  // The study of the three oracles over both datasets.
  fs::path Spec(const std::string& constraints = "min_map50_95 = 0.7\n") {
    const fs::path spec = dir_ / "study.toml";
    testing::WriteFile(spec, fmt::format(R"(name = "oracles"
task = "detection"
objective = "max-map50-95"

[detection]
layout = "yolov8"
model_classes = "{}"

[[datasets]]
name = "squares"
path = "{}"
classes = "squares/classes.txt"
preprocess = {{ color = "bgr" }}

[[datasets]]
name = "circles"
path = "{}"
preprocess = {{ color = "bgr" }}

[[models]]
path = "sharp.onnx"
[[models]]
path = "blurry.onnx"
[[models]]
path = "balanced.onnx"

[runtime]
duration_s = 0.05
max_duration_s = 0.3
min_count = 10

[constraints]
{})",
                                         (dir_ / "squares" / "classes.txt").string(), squares_.string(),
                                         circles_.string(), constraints));
    return spec;
  }

  fs::path Db() const { return dir_ / "sweetspot.db"; }
  // Accuracy and latency rows: two per candidate and dataset.
  std::int64_t Measurements() const { return Rows(Db(), "accuracy_results") + Rows(Db(), "latency_results"); }

  std::string Args(const fs::path& spec, const std::string& more = "") const {
    return "study '" + spec.string() + "' -q --cache-dir '" + (dir_ / "cache").string() + "' " + more;
  }

  TempDir dir_;
  fs::path squares_, circles_;
};

std::size_t Named(const std::vector<Candidate>& candidates, const std::string& name) {
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    if (candidates[k].name == name) return k;
  }
  ADD_FAILURE() << "no candidate " << name;
  return 0;
}

TEST_F(DetectionStudyTest, RecommendsPerDatasetAndOverallUnderMinMap) {
  auto spec = LoadStudySpec(Spec());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  StudyOptions options;
  options.self_exe = SWEETSPOT_CLI_PATH;
  options.db_path = Db();
  options.cache_dir = dir_ / "cache";
  auto report = RunStudy(*spec, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->detection_datasets.size(), 2u);
  const DetectionStudyDataset& squares = report->detection_datasets[0];
  const DetectionStudyDataset& circles = report->detection_datasets[1];
  ASSERT_TRUE(squares.analysis.recommended.has_value()) << RenderStudyText(*report);
  ASSERT_TRUE(circles.analysis.recommended.has_value()) << RenderStudyText(*report);
  EXPECT_EQ(squares.candidates[*squares.analysis.recommended].name, "sharp") << RenderStudyText(*report);
  EXPECT_EQ(circles.candidates[*circles.analysis.recommended].name, "blurry") << RenderStudyText(*report);
  // Only balanced meets mAP@[.5:.95] >= 70 % on both.
  ASSERT_TRUE(report->analysis.recommended.has_value()) << RenderStudyText(*report);
  EXPECT_EQ(report->candidates[*report->analysis.recommended].name, "balanced");
  const auto& sharp = report->analysis.candidates[Named(report->candidates, "sharp")];
  EXPECT_EQ(sharp.verdict, Verdict::kExcluded);
  EXPECT_THAT(sharp.reasons.front(), HasSubstr("on circles: fails mAP@[.5:.95] >= 70 %"));

  // The figures the oracles make: exact boxes score 1, a 1-pixel shift 0.8.
  const auto& exact = squares.results[Named(squares.candidates, "sharp")];
  const auto& shifted = squares.results[Named(squares.candidates, "balanced")];
  ASSERT_TRUE(exact && shifted);
  EXPECT_NEAR(exact->metrics.map50_95, 1.0, 1e-9);
  EXPECT_NEAR(shifted->metrics.map50_95, 0.8, 1e-9);
  EXPECT_NEAR(shifted->metrics.map50, 1.0, 1e-9);
  ASSERT_TRUE(shifted->vs_best.has_value());
  EXPECT_NEAR(shifted->vs_best->map50_95_diff, -0.2, 1e-9);
  EXPECT_GT(exact->speed.network_p50_ms, 0.0);
  EXPECT_GE(exact->speed.total_p50_ms, exact->speed.network_p50_ms);
  // The end-to-end latency ranked is the split's total, with an interval from every timed image.
  const Candidate& timed = squares.candidates[Named(squares.candidates, "sharp")];
  EXPECT_DOUBLE_EQ(timed.p50_ms, exact->speed.total_p50_ms);
  EXPECT_TRUE(timed.p50_ci.valid);
  EXPECT_GE(timed.latency_ms.size(), 10u);

  const std::string text = RenderStudyText(*report);
  EXPECT_THAT(text, HasSubstr("pre-proc p50 ms"));
  EXPECT_THAT(text, HasSubstr("decode+NMS p50 ms"));
  EXPECT_THAT(text, HasSubstr("Recommended overall: balanced"));
  const json j = json::parse(RenderStudyJson(*report));
  EXPECT_EQ(j["overall"]["recommended"], "balanced");
  EXPECT_EQ(j["datasets"][0]["recommended"], "sharp");
  EXPECT_EQ(report->detection.size(), 2u);
  EXPECT_EQ(report->detection[0].candidates.size(), 3u);
  EXPECT_TRUE(StudyOutcome(*report).ok());
}

TEST_F(DetectionStudyTest, AKilledStudyResumesWhereItStopped) {
  const fs::path spec = Spec();
  const std::string out = (dir_ / "first.txt").string();
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string exe = SWEETSPOT_CLI_PATH;
    if (std::freopen(out.c_str(), "w", stdout) == nullptr ||
        std::freopen((out + ".err").c_str(), "w", stderr) == nullptr) {
      _exit(126);
    }
    const std::string cache = (dir_ / "cache").string();
    execl(exe.c_str(), exe.c_str(), "study", spec.c_str(), "-q", "--cache-dir", cache.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Measurements() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << Slurp(out + ".err");
  const std::int64_t stored = Measurements();
  ASSERT_GE(stored, 1);
  ASSERT_LT(stored, 12) << "the study finished before it was killed";

  const auto rerun = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  const json report = json::parse(rerun.out);
  EXPECT_EQ(report["reused"], stored);
  EXPECT_EQ(report["measured"], 12 - stored);
  EXPECT_EQ(Rows(Db(), "accuracy_results"), 6);  // nothing measured twice
  EXPECT_EQ(Rows(Db(), "latency_results"), 6);
  EXPECT_EQ(report["overall"]["recommended"], "balanced");

  const auto again = RunCli(Args(spec, "--json -"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["reused"], 12);
}

// --report-only of a detection study runs no model: it reads the stored rows
// the study measured and prints the study's tables and recommendations from
// them (and its report page), writing no measurement; a row missing from the
// store leaves its candidate "not measured", never a figure.
TEST_F(DetectionStudyTest, ReportOnlyReportsTheStoredRowsAndAMissingOneAsNotMeasured) {
  const fs::path spec = Spec();
  const auto run = RunCli(Args(spec));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(Measurements(), 12);
  // The study writes its report page where the page's scripts are installed (scripts/bootstrap).
  const bool page = fs::exists(dir_ / "oracles.html");
  fs::remove(dir_ / "oracles.html");

  const auto stored = RunCli(Args(spec, "--report-only"));
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  std::printf("%s", stored.out.c_str());
  EXPECT_THAT(stored.out, HasSubstr("Study 'oracles' on 1 environment(s)"));
  EXPECT_THAT(stored.out, HasSubstr("decode+NMS p50 ms"));
  EXPECT_THAT(stored.out, HasSubstr("Recommended overall: balanced"));
  EXPECT_THAT(stored.out, HasSubstr("  environment 1: balanced\n"));
  EXPECT_EQ(fs::exists(dir_ / "oracles.html"), page) << "the report page, as the study writes it: " << stored.err;
  EXPECT_EQ(Measurements(), 12);
  EXPECT_EQ(Rows(Db(), "failures"), 0);

  // balanced's accuracy on circles removed: it is not measured there, so not
  // recommended overall (sharp and blurry each miss one dataset).
  ASSERT_TRUE(testing::ExecuteSql(
      Db(),
      "DELETE FROM accuracy_results WHERE id = (SELECT a.id FROM accuracy_results a JOIN variants v ON v.id = "
      "a.variant_id JOIN models m ON m.id = v.model_id JOIN datasets d ON d.id = a.dataset_id WHERE m.first_path "
      "LIKE '%balanced.onnx' AND d.description LIKE '%circles%')"));
  ASSERT_EQ(Rows(Db(), "accuracy_results"), 5);
  const auto missing = RunCli(Args(spec, "--report-only"));
  ASSERT_EQ(missing.exit_code, 0) << missing.err;
  std::printf("%s", missing.out.c_str());
  // Its row on circles has no figure, only the verdict; overall it fails there.
  EXPECT_THAT(missing.out, ::testing::ContainsRegex("\nbalanced( +-)+ +failed\n"));
  EXPECT_THAT(missing.out, HasSubstr("  - balanced (failed): not measured\n"));
  EXPECT_THAT(missing.out, HasSubstr("  - balanced (failed): on circles: not measured\n"));
  EXPECT_THAT(missing.out, ::testing::Not(HasSubstr("Recommended overall: balanced")));
  EXPECT_THAT(missing.out, HasSubstr("  environment 1: none"));
  EXPECT_EQ(Rows(Db(), "accuracy_results"), 5) << "nothing measured again";
  EXPECT_EQ(Rows(Db(), "latency_results"), 6);
}

TEST_F(DetectionStudyTest, NoCandidateMeetingTheBoundExitsTwoNamingTheClosest) {
  const auto run = RunCli(Args(Spec("min_map50_95 = 0.95\n")));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("no candidate meets the constraints (mAP@[.5:.95] >= 95 %)"));
  EXPECT_THAT(run.out, HasSubstr("No recommendation overall"));
}

// Offline settings: the benchmark runs batches, the report gives images/s
// with its interval and each stage's images/s; a batch the oracles' fixed
// batch of 1 refuses fails that candidate alone, naming the batch that fits.
TEST_F(DetectionStudyTest, AnOfflineSettingReportsThroughputWithItsInterval) {
  const fs::path spec_path = dir_ / "offline.toml";
  testing::WriteFile(spec_path, fmt::format(R"(name = "offline"
task = "detection"
objective = "max-throughput"
[detection]
layout = "yolov8"
model_classes = "{0}"
[[datasets]]
name = "squares"
path = "{1}"
classes = "{0}"
preprocess = {{ color = "bgr" }}
[[models]]
path = "sharp.onnx"
[[models]]
path = "balanced.onnx"
[runtime]
scenario = "offline"
batch = [1, 2]
duration_s = 0.05
max_duration_s = 0.3
min_count = 10
)",
                                            (dir_ / "squares" / "classes.txt").string(), squares_.string()));
  auto spec = LoadStudySpec(spec_path);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  StudyOptions options;
  options.self_exe = SWEETSPOT_CLI_PATH;
  options.db_path = Db();
  options.cache_dir = dir_ / "cache";
  auto report = RunStudy(*spec, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->detection_datasets.size(), 1u);
  const DetectionStudyDataset& squares = report->detection_datasets[0];
  const std::string text = RenderStudyText(*report);
  const std::size_t b1 = Named(squares.candidates, "sharp (offline b1 t1)");
  const std::size_t b2 = Named(squares.candidates, "sharp (offline b2 t1)");
  ASSERT_TRUE(squares.results[b1].has_value()) << text;
  const DetectionSpeedSplit& speed = squares.results[b1]->speed;
  EXPECT_EQ(speed.scenario, "offline");
  EXPECT_EQ(speed.batch_size, 1);
  const Candidate& timed = squares.candidates[b1];
  EXPECT_GT(timed.items_per_s, 0.0);
  ASSERT_TRUE(timed.items_per_s_ci.valid) << text;
  EXPECT_LE(timed.items_per_s_ci.lower, timed.items_per_s_ci.upper);
  // A stage alone runs at least as many images per second as the whole pipeline.
  for (double stage : {speed.preprocess_items_per_s, speed.network_items_per_s, speed.postprocess_items_per_s}) {
    EXPECT_GE(stage, timed.items_per_s) << text;
  }
  // Batch 2: the oracle's input is [1,3,64,64]; the failure names the fix.
  EXPECT_FALSE(squares.results[b2].has_value());
  EXPECT_THAT(squares.candidates[b2].failure, HasSubstr("set [runtime] batch = [1]"));

  EXPECT_THAT(text, HasSubstr("images/s (95 % CI)"));
  EXPECT_THAT(text, HasSubstr("per batch of 1 image (offline; images/s over the whole run)"));
  EXPECT_THAT(text, HasSubstr(fmt::format("[{:.0f}, {:.0f}]", timed.items_per_s_ci.lower, timed.items_per_s_ci.upper)));
  const json j = json::parse(RenderStudyJson(*report));
  const json& c = j["datasets"][0]["candidates"][b1];
  EXPECT_EQ(c["scenario"], "offline");
  EXPECT_EQ(c["batch_size"], 1);
  EXPECT_DOUBLE_EQ(c["items_per_s"].get<double>(), timed.items_per_s);
  EXPECT_DOUBLE_EQ(c["items_per_s_ci95"][0].get<double>(), timed.items_per_s_ci.lower);
  EXPECT_DOUBLE_EQ(c["speed"]["network_items_per_s"].get<double>(), speed.network_items_per_s);
  // The CSV: every row, the failed candidate's too, has the header's field count.
  const std::string csv = RenderStudyCsv(*report);
  std::istringstream lines(csv);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_THAT(header, HasSubstr(",total_p50_ms,scenario,batch_size,items_per_s,items_per_s_low,items_per_s_high,"));
  const auto fields = [](const std::string& row) { return std::count(row.begin(), row.end(), ',') + 1; };
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    // Only the last field, the reasons, can be quoted (names and verdicts hold no comma): up to its
    // opening quote, the row has as many commas as the header.
    EXPECT_EQ(fields(line.substr(0, line.find('"'))), fields(header)) << line;
  }
  EXPECT_EQ(rows, 4u);
}

// The acceptance run of issue 13: three NanoDet detectors on the 100 VOC
// images, a min_map50 constraint, the speed split in the table.
TEST(NanodetStudyTest, RecommendsOneUnderTheMapConstraintWithTheSpeedSplit) {
  const fs::path data = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet";
  if (!fs::exists(data / "data" / "Annotations")) GTEST_SKIP() << "no " << data << " (see ../shared/data/README.md)";
  TempDir dir;
  const fs::path spec = fs::path(SWEETSPOT_TEST_DIR).parent_path() / "examples" / "nanodet-study.toml";
  const auto run =
      RunCli(fmt::format("study '{}' --quick -q --db '{}' --json '{}' --cache-dir '{}'", spec.string(),
                         (dir / "nanodet.db").string(), (dir / "report.json").string(), (dir / "cache").string()));
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("decode+NMS p50 ms"));
  const json report = json::parse(Slurp(dir / "report.json"));
  ASSERT_TRUE(report["overall"]["recommended"].is_string()) << report.dump(2);
  const json& candidates = report["datasets"][0]["candidates"];
  ASSERT_EQ(candidates.size(), 3u);
  for (const json& c : candidates) {
    EXPECT_GT(c["map50"].get<double>(), 0.3) << c.dump();
    EXPECT_GT(c["speed"]["preprocess_p50_ms"].get<double>(), 0.0);
    EXPECT_GT(c["speed"]["postprocess_p50_ms"].get<double>(), 0.0);
  }
}

}  // namespace
}  // namespace sweetspot
