// Two environments of one study, end to end on the real binary: the same tiny
// study measured under one and under two allowed CPUs (taskset), its two
// stores merged, and the per-environment report of the merged store.
#include <sched.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "eval/eval_fixtures.h"
#include "study_fixtures.h"
#include "support/support.h"
#include "sweetspot/study_environments.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::RunCliUnder;
using testing::TempDir;
namespace fs = std::filesystem;

class StudyEnvironmentsTest : public ::testing::Test {
 protected:
  StudyEnvironmentsTest() { testing::WriteColoursStudy(dir_.path()); }

  std::string Study(const std::string& db, const std::string& more = "") const {
    return "study -q '" + (dir_ / "study.toml").string() + "' --cache-dir '" + (dir_ / "cache").string() + "' --db '" +
           (dir_ / db).string() + "' " + more;
  }

  std::string Db(const std::string& name) const { return "'" + (dir_ / name).string() + "'"; }

  TempDir dir_;
};

bool TwoCpusAllowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

TEST_F(StudyEnvironmentsTest, MergedStoresReportEachEnvironmentAndTheRatioBetweenThem) {
  if (!TwoCpusAllowed()) GTEST_SKIP() << "needs CPUs 0 and 1 allowed";
  const auto one = RunCliUnder("taskset -c 0", Study("one.db"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto two = RunCliUnder("taskset -c 0,1", Study("two.db"));
  ASSERT_EQ(two.exit_code, 0) << two.err;

  const auto merged = RunCli("results merge " + Db("one.db") + " " + Db("two.db") + " --into " + Db("all.db"));
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_THAT(merged.out, HasSubstr("2 model(s)"));
  EXPECT_THAT(merged.out, HasSubstr("4 latency"));
  const auto again = RunCli("results merge " + Db("two.db") + " " + Db("one.db") + " --into " + Db("all.db"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("0 environment(s), 0 accuracy, 0 latency and 0 failure row(s)"));

  const auto report = RunCli(Study("all.db", "--report-only"));
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("on 2 environment(s)"));
  EXPECT_THAT(report.out, HasSubstr("=== Environment 1: "));
  EXPECT_THAT(report.out, HasSubstr("CPUs 0 allowed (1 usable)"));
  EXPECT_THAT(report.out, HasSubstr("=== Environment 2: "));
  EXPECT_THAT(report.out, HasSubstr("CPUs 0-1 allowed"));
  EXPECT_THAT(report.out, HasSubstr("  environment 1: good\n  environment 2: good\n"));
  EXPECT_THAT(report.out, HasSubstr("Speed vs environment 1"));
  // One ratio row per model: name, environment 2, then the figures.
  EXPECT_THAT(report.out, ::testing::ContainsRegex("\n  good +2 +[0-9.]+ +[0-9.]+ +[0-9.]+x"));
  EXPECT_THAT(report.out, ::testing::ContainsRegex("\n  bad +2 +[0-9.]+ +[0-9.]+ +[0-9.]+x"));
  // Each ratio has its bootstrap interval and the verdict it gives.
  EXPECT_THAT(report.out, ::testing::ContainsRegex(
                              "\n  good +2 .*x \\[[0-9.]+, [0-9.]+\\] .*(faster|slower|no measurable difference)\n"));

  // One store alone is one environment, with no ratios.
  const auto single = RunCli(Study("one.db", "--report-only"));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_THAT(single.out, HasSubstr("on 1 environment(s)"));
  EXPECT_THAT(single.out, ::testing::Not(HasSubstr("Speed vs environment 1")));
}

// A store that holds none of the study's measurements names the command that
// makes them; run, the report follows.
TEST_F(StudyEnvironmentsTest, ReportOnlyOfAStoreWithoutTheStudySaysWhatToRun) {
  const auto no_store = RunCli("results merge " + Db("none.db") + " --into " + Db("all.db"));
  EXPECT_EQ(no_store.exit_code, 2);
  EXPECT_THAT(no_store.err, HasSubstr("no results database"));
  const auto fresh = RunCli(Study("all.db", "--report-only --fresh"));
  EXPECT_EQ(fresh.exit_code, 2);
  EXPECT_THAT(fresh.err, HasSubstr("drop --fresh"));

  testing::WriteModel(testing::ChannelModel({-1, 3, 2, 2}, 3, /*softmax=*/true), dir_ / "soft.onnx");
  testing::WriteFile(dir_ / "other.toml",
                     "name = \"other\"\n[dataset]\npath = \"images\"\n[[models]]\npath = \"soft.onnx\"\n"
                     "[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n");
  const auto other = RunCli("study -q '" + (dir_ / "other.toml").string() + "' --cache-dir '" +
                            (dir_ / "cache").string() + "' --db " + Db("all.db"));
  ASSERT_EQ(other.exit_code, 0) << other.err;
  const auto none = RunCli(Study("all.db", "--report-only"));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("holds no latency result of study 'colours''s candidates; run `sweetspot study"));
  ASSERT_EQ(RunCli(Study("all.db")).exit_code, 0);
  const auto fixed = RunCli(Study("all.db", "--report-only"));
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("  environment 1: good\n"));
}

TEST(SpeedVerdictTest, AnIntervalContainingOneIsNoMeasurableDifference) {
  EnvironmentSpeedRatio ratio;
  EXPECT_EQ(SpeedVerdict(ratio), "") << "no raw latencies, no verdict";
  ratio.p50_ratio_ci = {1.05, 1.2, true};
  EXPECT_EQ(SpeedVerdict(ratio), "faster");
  ratio.p50_ratio_ci = {0.95, 1.1, true};
  EXPECT_EQ(SpeedVerdict(ratio), "no measurable difference");
  ratio.p50_ratio_ci = {0.5, 0.9, true};
  EXPECT_EQ(SpeedVerdict(ratio), "slower");
}

TEST(DescribeEnvironmentTest, NamesTheAllowedCpusAsRanges) {
  Environment e;
  e.cpu_model = "Example CPU";
  e.logical_cores = 8;
  e.affinity = {0, 1, 2, 3, 6};
  e.usable_cpus = 5;
  e.hostname = "box";
  e.sweetspot_version = "0.1.0";
  e.build_type = "Release";
  EXPECT_EQ(DescribeEnvironment(e, "1.21.0"),
            "Example CPU, 8 logical cores, CPUs 0-3,6 allowed (5 usable), host box, onnxruntime 1.21.0, sweetspot "
            "0.1.0 (Release)");
}

}  // namespace
}  // namespace sweetspot
