// Measurement hygiene warnings: the load figures from recorded /proc/stat
// samples and each check on a hand-made result (scenarios_test.cc makes the
// machine busy during a real run). The shared 2-core machine the tests run on
// is never quiet, so "no warning without load" is checked on recorded
// samples, not on a live run.
#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/bench_json.h"
#include "sweetspot/hygiene.h"
#include "sweetspot/measure.h"

namespace sweetspot {
namespace {

// Two CPUs; the fields are user nice system idle iowait irq softirq steal guest guest_nice.
constexpr const char* kStatBefore =
    "cpu  2000 0 400 900 0 0 0 20 0 0\n"
    "cpu0 1000 0 200 450 0 0 0 10 0 0\n"
    "cpu1 1000 0 200 450 0 0 0 10 0 0\n"
    "intr 1 2 3\n"
    "ctxt 42\n";
// 2 s later (100 ticks/s): cpu0 busy 150 ticks, cpu1 busy 130 ticks, 4 ticks of steal.
constexpr const char* kStatAfter =
    "cpu  2250 10 420 1020 0 0 0 24 0 0\n"
    "cpu0 1120 10 210 490 0 5 5 12 0 0\n"
    "cpu1 1130 0 200 530 0 0 0 12 0 0\n";
// cpu0 100 ticks idle and 20 busy, cpu1 10 busy: hardly anything but this process.
constexpr const char* kStatQuiet =
    "cpu0 1020 0 200 630 0 0 0 10 0 0\n"
    "cpu1 1010 0 200 640 0 0 0 10 0 0\n";

LoadSample Sample(const char* stat, double own_cpu_s, double time_s) {
  return {ParseProcStat(stat), own_cpu_s, 4.5, time_s};
}

bool Has(const std::vector<HygieneWarning>& warnings, const std::string& code) {
  return std::any_of(warnings.begin(), warnings.end(), [&](const HygieneWarning& w) { return w.code == code; });
}

// The warning with `code`, or an empty one (and a failure) when there is none.
HygieneWarning Find(const std::vector<HygieneWarning>& warnings, const std::string& code) {
  const auto it =
      std::find_if(warnings.begin(), warnings.end(), [&](const HygieneWarning& w) { return w.code == code; });
  if (it != warnings.end()) return *it;
  ADD_FAILURE() << "no warning " << code;
  return {};
}

// A measured result with nothing to warn about.
BenchResult CleanResult() {
  BenchResult r;
  r.environment.frequency_governor = "performance";
  r.environment.usable_cpus = 2;
  r.options.intra_op_threads = 1;
  SingleStreamResult s;
  s.converged = true;
  s.latency.summary_ms.count = 100;
  s.latency.summary_ms.mean = 2.0;
  s.latency.summary_ms.stddev = 0.1;
  r.single_stream = s;
  r.load = MachineLoad{2.0, 2, 0.6, 0.5, 0.1, 0.0, 0.3};
  return r;
}

TEST(ProcStat, ParsesEveryCpuLineAndSkipsTheRest) {
  const auto cpus = ParseProcStat(kStatAfter);
  ASSERT_EQ(cpus.size(), 2U);
  EXPECT_EQ(cpus[0].cpu, 0);
  EXPECT_EQ(cpus[0].busy, 1120 + 10 + 210 + 5 + 5);
  EXPECT_EQ(cpus[0].idle, 490);
  EXPECT_EQ(cpus[0].steal, 12);
  EXPECT_EQ(cpus[1].cpu, 1);
  EXPECT_TRUE(ParseProcStat("cpu0 1 2\nnonsense\n").empty());
}

TEST(MachineLoadTest, OtherProcessesAreTheBusyTimeLessThisProcesssOwn) {
  // Busy 150 + 130 ticks = 2.8 s over 2 s = 1.4 CPUs; this process used 1 s = 0.5 CPUs.
  const auto load = LoadBetween(Sample(kStatBefore, 3.0, 10.0), Sample(kStatAfter, 4.0, 12.0), std::vector{0, 1}, 100);
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->allowed_cpus, 2);
  EXPECT_DOUBLE_EQ(load->busy_cpus, 1.4);
  EXPECT_DOUBLE_EQ(load->own_cpus, 0.5);
  EXPECT_DOUBLE_EQ(load->other_cpus, 0.9);
  EXPECT_DOUBLE_EQ(load->steal_cpus, 0.02);
  BenchResult r = CleanResult();
  r.load = load;
  const auto warnings = CheckHygiene(r);
  EXPECT_EQ(Find(warnings, "other-load").message,
            "other processes used 0.9 of 2 CPUs during the run (load average 4.50)");
  EXPECT_EQ(HygieneAdvice(Find(warnings, "other-load")), "stop other work or pin with taskset");
  EXPECT_FALSE(Has(warnings, "steal"));  // 1 % of the CPUs' time
}

TEST(MachineLoadTest, OnlyTheAllowedCpusCount) {
  // Pinned to cpu1: 130 busy ticks over 2 s = 0.65 CPUs; this process's
  // exact time reads more than the sampled ticks (0.75 CPUs).
  const auto load = LoadBetween(Sample(kStatBefore, 3.0, 10.0), Sample(kStatAfter, 4.5, 12.0), std::vector{1}, 100);
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->allowed_cpus, 1);
  EXPECT_DOUBLE_EQ(load->other_cpus, 0.0);  // never below 0
  EXPECT_FALSE(LoadBetween(Sample(kStatBefore, 0, 1), Sample(kStatAfter, 0, 2), std::vector{7}, 100).has_value());
  EXPECT_FALSE(LoadBetween(Sample(kStatBefore, 0, 1), Sample(kStatAfter, 0, 1), std::vector{0}, 100).has_value());
}

TEST(MachineLoadTest, AQuietMachineGivesNoLoadWarning) {
  // 30 busy ticks over 2 s = 0.15 CPUs, 0.1 of them this process's.
  const auto load = LoadBetween(Sample(kStatBefore, 3.0, 10.0), Sample(kStatQuiet, 3.2, 12.0), std::vector{0, 1}, 100);
  ASSERT_TRUE(load.has_value());
  EXPECT_NEAR(load->other_cpus, 0.05, 1e-9);
  BenchResult r = CleanResult();
  r.load = load;
  EXPECT_TRUE(CheckHygiene(r).empty());
}

TEST(MachineLoadTest, StealAboveItsThresholdWarns) {
  BenchResult r = CleanResult();
  r.load->steal_cpus = 0.3;  // 15 % of 2 CPUs
  EXPECT_EQ(Find(CheckHygiene(r), "steal").message,
            "the hypervisor withheld 15 % of the 2 CPUs' time (steal) during the run");
}

TEST(HygieneCheck, GovernorOtherThanPerformanceWarnsAndUnknownIsSaidOnce) {
  BenchResult r = CleanResult();
  r.environment.frequency_governor = "powersave";
  auto warnings = CheckHygiene(r);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].code, "governor");
  EXPECT_NE(warnings[0].message.find("'powersave'"), std::string::npos);
  EXPECT_EQ(HygieneAdvice(warnings[0]), "set the governor: sudo cpupower frequency-set -g performance");

  r.environment.frequency_governor = "";
  r.offline.resize(3);  // more records do not repeat it
  warnings = CheckHygiene(r);
  EXPECT_EQ(std::count_if(warnings.begin(), warnings.end(),
                          [](const HygieneWarning& w) { return w.code.starts_with("governor"); }),
            1);
  EXPECT_TRUE(Has(warnings, "governor-unknown"));
}

TEST(HygieneCheck, MoreThreadsThanUsableCpusProposesFewer) {
  BenchResult r = CleanResult();
  r.options.intra_op_threads = 4;
  auto warnings = CheckHygiene(r);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].message,
            "4 runtime threads (4 intra-op) on 2 usable CPUs: the extra threads only time-share them");
  EXPECT_EQ(HygieneAdvice(warnings[0], {.threads = "--threads"}), "lower --threads to 2");
  EXPECT_EQ(HygieneAdvice(warnings[0]), "lower intra_op_threads to 2");

  // One thread per query, four queries at once: the concurrency is too high.
  r.options.intra_op_threads = 1;
  r.config.scenarios = {Scenario::kSingleStream, Scenario::kConcurrent};
  r.config.concurrency = 4;
  warnings = CheckHygiene(r);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(HygieneAdvice(warnings[0], {.concurrency = "--concurrency"}), "lower --concurrency to 2");

  r.options.intra_op_threads = 2;
  r.config.concurrency = 2;
  EXPECT_EQ(HygieneAdvice(CheckHygiene(r).at(0)), "lower intra_op_threads to 1");

  r.options.intra_op_threads = 0;  // the runtime's default: the usable CPUs
  r.config.scenarios = {Scenario::kSingleStream};
  EXPECT_TRUE(CheckHygiene(r).empty());
}

TEST(HygieneCheck, LatenciesThatNeverStabilisedWarnFromTheirCoefficientOfVariation) {
  BenchResult r = CleanResult();
  // Alternating 1 ms and 3 ms: mean 2, stddev 1, CV 50 %.
  std::vector<double> raw;
  for (int i = 0; i < 200; ++i) raw.push_back(i % 2 == 0 ? 1.0 : 3.0);
  r.single_stream->latency.summary_ms = stats::Summarize(raw, 0.95);
  r.single_stream->latency.raw_ms = raw;
  auto warnings = CheckHygiene(r);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].code, "unstable-latency");
  EXPECT_NE(warnings[0].message.find("single-stream latencies vary by 50 %"), std::string::npos) << warnings[0].message;
  EXPECT_EQ(HygieneAdvice(warnings[0], {.duration = "--duration-s"}), "raise --duration-s");

  // Offline batches are judged the same way; 10 % is steady enough.
  OfflineResult o;
  o.batch_size = 8;
  o.batch_latency.summary_ms = stats::Summarize(std::vector<double>{9, 10, 11, 10, 9, 11}, 0.95);
  r.offline.push_back(o);
  r.single_stream = CleanResult().single_stream;
  EXPECT_TRUE(CheckHygiene(r).empty());
  o.batch_latency.summary_ms = stats::Summarize(std::vector<double>{5, 15, 5, 15}, 0.95);
  r.offline.push_back(o);
  EXPECT_NE(Find(CheckHygiene(r), "unstable-latency").message.find("offline batch-8"), std::string::npos);
}

TEST(HygieneCheck, AnUnconvergedIntervalProposesALongerRun) {
  BenchResult r = CleanResult();
  r.single_stream->converged = false;
  r.single_stream->target_relative_half_width = 0.02;
  r.single_stream->achieved_relative_half_width = 0.031;
  const HygieneWarning w = Find(CheckHygiene(r), "not-converged");
  EXPECT_NE(w.message.find("(got +/-3.10 %)"), std::string::npos) << w.message;
  EXPECT_EQ(HygieneAdvice(w, {.max_duration = "--max-duration-s"}), "raise --max-duration-s");
}

TEST(HygieneCheck, RuntimeFallbackNotesBecomeWarnings) {
  const auto warnings = CheckHygiene(CleanResult(), {"3 of 12 nodes run on CPUExecutionProvider, not CUDA"});
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].code, "runtime-fallback");
  EXPECT_EQ(warnings[0].message, "3 of 12 nodes run on CPUExecutionProvider, not CUDA");
}

TEST(HygieneCheck, AnUnfusedQdqNoteSaysHowToGetIntegerKernels) {
  const std::string note = "onnxruntime@1.21.0 runs 1 of 2 quantized Conv/Gemm/MatMul nodes in float";
  const auto warnings = CheckHygiene(CleanResult(), {}, note);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].code, "runtime-fallback");
  EXPECT_EQ(warnings[0].message, note);
  EXPECT_NE(warnings[0].action.find("8-bit activations and weights"), std::string::npos) << warnings[0].action;
  EXPECT_TRUE(CheckHygiene(CleanResult(), {}, "").empty());
}

TEST(HygieneJson, WarningsAndLoadRoundTripAndOldResultsHaveNone) {
  BenchResult r = CleanResult();
  r.options.intra_op_threads = 4;
  r.warnings = CheckHygiene(r);
  const auto json = ToJson(r);
  auto back = BenchResultFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->warnings, r.warnings);
  ASSERT_TRUE(back->load.has_value());
  EXPECT_DOUBLE_EQ(back->load->other_cpus, 0.1);
  EXPECT_EQ(json["warnings"][0]["code"], "threads-over-cores");

  auto old = json;  // stored before the warnings were recorded
  old.erase("warnings");
  old.erase("machine_load");
  auto read = BenchResultFromJson(old);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->warnings.empty());
  EXPECT_FALSE(read->load.has_value());
}

}  // namespace
}  // namespace sweetspot
