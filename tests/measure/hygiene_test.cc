// Measurement hygiene warnings: the load figures from recorded /proc/stat
// samples, each check on a hand-made result, and a real benchmark with the
// machine made busy by other processes. The shared 2-core machine the tests
// run on is never quiet, so "no warning without load" is checked on recorded
// samples, not on a live run.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include <gtest/gtest.h>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/bench_json.h"
#include "sweetspot/cpus.h"
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

// Processes that each keep one CPU busy until destroyed.
class BusyProcesses {
 public:
  explicit BusyProcesses(int count) {
    for (int i = 0; i < count; ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        volatile unsigned long spins = 0;  // only async-signal-safe work after fork
        for (;;) spins = spins + 1;
      }
      if (pid > 0) pids_.push_back(pid);
    }
  }
  ~BusyProcesses() {
    for (pid_t pid : pids_) kill(pid, SIGKILL);
    for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
  }
  BusyProcesses(const BusyProcesses&) = delete;
  BusyProcesses& operator=(const BusyProcesses&) = delete;
  std::size_t size() const { return pids_.size(); }

 private:
  std::vector<pid_t> pids_;
};

class BusyMachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::WriteModel(testing::TinyCnn(), dir_ / "tiny.onnx");
    auto backend = CreateBackend("onnxruntime");
    ASSERT_TRUE(backend.ok());
    backend_ = std::move(backend).value();
    config_.stopping.min_duration = std::chrono::duration<double>(1.0);
    config_.stopping.max_duration = std::chrono::duration<double>(1.5);
    config_.stopping.min_count = 50;
    config_.warmup_max_duration = std::chrono::duration<double>(0.5);
  }
  testing::TempDir dir_;
  std::filesystem::path model_;
  std::unique_ptr<Backend> backend_;
  MeasureConfig config_;
};

TEST_F(BusyMachineTest, OtherProcessesKeepingTheCpusBusyAreWarnedAbout) {
  // One busy process per usable CPU: with the benchmark's own thread they ask
  // for more CPU than there is, so they hold well over the threshold.
  BusyProcesses busy(UsableCpuCount());
  ASSERT_EQ(busy.size(), static_cast<std::size_t>(UsableCpuCount()));
  auto result = RunBench(*backend_, model_, {}, config_, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->load.has_value());
  EXPECT_GT(result->load->other_cpus, kOtherLoadThresholdCpus);
  std::cout << "other processes: " << result->load->other_cpus << " of " << result->load->allowed_cpus
            << " CPUs; this one: " << result->load->own_cpus << "\n";
  ASSERT_TRUE(Has(result->warnings, "other-load")) << ToJson(*result, false).dump(2);
  const HygieneWarning w = Find(result->warnings, "other-load");
  EXPECT_TRUE(w.message.starts_with("other processes used ")) << w.message;
  EXPECT_NE(w.message.find(" CPUs during the run"), std::string::npos) << w.message;
}

TEST_F(BusyMachineTest, EveryResultCarriesItsLoadAndTheEnvironmentsWarnings) {
  BackendOptions options;
  options.intra_op_threads = UsableCpuCount() + 1;
  auto result = RunBench(*backend_, model_, options, config_, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->load.has_value());
  EXPECT_GT(result->load->own_cpus, 0);
  EXPECT_GT(result->load->wall_s, 0.9);
  EXPECT_TRUE(Has(result->warnings, "threads-over-cores"));
  EXPECT_EQ(Has(result->warnings, "governor-unknown"), result->environment.frequency_governor.empty());
}

// A real ONNX Runtime session whose runtime says part of the model took a fallback.
class FallbackSession : public Session {
 public:
  explicit FallbackSession(std::unique_ptr<Session> inner) : inner_(std::move(inner)) {}
  const std::vector<TensorInfo>& inputs() const override { return inner_->inputs(); }
  const std::vector<TensorInfo>& outputs() const override { return inner_->outputs(); }
  Result<std::vector<Tensor>> Run(std::span<const Tensor> inputs) override { return inner_->Run(inputs); }
  std::vector<std::string> FallbackNotes() const override { return {"2 of 9 nodes left to the CPU provider"}; }

 private:
  std::unique_ptr<Session> inner_;
};

class FallbackBackend : public Backend {
 public:
  explicit FallbackBackend(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name(); }
  std::string version() const override { return inner_->version(); }
  std::vector<std::string> AvailableProviders() const override { return inner_->AvailableProviders(); }
  Status CheckProvider(const std::string& name) const override { return inner_->CheckProvider(name); }
  Result<std::unique_ptr<Session>> Load(const std::filesystem::path& model, const BackendOptions& options) override {
    SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, inner_->Load(model, options));
    return std::unique_ptr<Session>(std::make_unique<FallbackSession>(std::move(session)));
  }

 private:
  std::unique_ptr<Backend> inner_;
};

TEST_F(BusyMachineTest, ASessionsFallbackNotesAreWarnings) {
  FallbackBackend backend(std::move(backend_));
  config_.stopping.min_duration = std::chrono::duration<double>(0.1);
  auto result = RunBench(backend, model_, {}, config_, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Find(result->warnings, "runtime-fallback").message, "2 of 9 nodes left to the CPU provider");
}

}  // namespace
}  // namespace sweetspot
