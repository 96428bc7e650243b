#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/cpus.h"
#include "sweetspot/measure.h"

namespace sweetspot {
namespace {

using testing::TempDir;

MeasureConfig FastConfig() {
  MeasureConfig c;
  c.stopping.min_duration = std::chrono::duration<double>(0.2);
  c.stopping.max_duration = std::chrono::duration<double>(1.0);
  c.stopping.min_count = 50;
  c.run_duration = std::chrono::duration<double>(0.2);
  c.warmup_max_duration = std::chrono::duration<double>(1.0);
  return c;
}

class ScenariosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::WriteModel(testing::TinyCnn(), dir_ / "tiny.onnx");
    auto backend = CreateBackend("onnxruntime");
    ASSERT_TRUE(backend.ok());
    backend_ = std::move(backend).value();
  }
  TempDir dir_;
  std::filesystem::path model_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(ScenariosTest, SingleStreamMeetsItsStoppingRule) {
  MeasureConfig config = FastConfig();
  auto result = RunBench(*backend_, model_, {}, config, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->single_stream.has_value());
  const auto& s = *result->single_stream;
  const auto& lat = s.latency.summary_ms;
  EXPECT_GE(lat.count, config.stopping.min_count);
  EXPECT_EQ(lat.count, s.latency.raw_ms.size());
  EXPECT_GE(s.duration_s, 0.2);
  EXPECT_LE(lat.min, lat.p50);
  EXPECT_LE(lat.p50, lat.p90);
  EXPECT_LE(lat.p90, lat.p99);
  EXPECT_LE(lat.p99, lat.max);
  if (s.converged) {
    EXPECT_LE(s.achieved_relative_half_width, config.stopping.target_relative_half_width);
  } else {
    EXPECT_GE(s.duration_s, 1.0);  // only the maximum duration may stop an unconverged run
  }
  EXPECT_GT(s.warmup.runs, 0U);
  EXPECT_GT(result->load_ms, 0);
  EXPECT_GT(result->first_inference_ms, 0);
  EXPECT_GT(s.items_per_s, 0);
  EXPECT_EQ(result->environment.logical_cores > 0, true);
  EXPECT_FALSE(result->environment.timestamp_utc.empty());
}

// CPU time over the measured phase: never more than the threads can use in
// the wall time (no lower bound: a loaded machine leaves the process waiting).
TEST_F(ScenariosTest, CpuTimePerInferenceIsThatOfTheMeasuredPhase) {
  for (int threads : {1, 2}) {
    BackendOptions options;
    options.intra_op_threads = threads;
    MeasureConfig config = FastConfig();
    config.scenarios = {Scenario::kSingleStream, Scenario::kOffline};
    config.batch_sizes = {4};
    auto result = RunBench(*backend_, model_, options, config, {});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const auto& s = *result->single_stream;
    EXPECT_GT(s.cpu_ms_per_inference, 0) << threads;
    EXPECT_DOUBLE_EQ(s.cpu_ms_per_item, s.cpu_ms_per_inference / 4) << threads;
    const double wall_ms_per_query = 1000 * s.duration_s / static_cast<double>(s.latency.raw_ms.size());
    // Loose: the clock's and the scheduler's granularity, and the loop's own work.
    EXPECT_LT(s.cpu_ms_per_inference, threads * wall_ms_per_query * 1.5) << threads;
    ASSERT_EQ(result->offline.size(), 1u);
    EXPECT_GT(result->offline[0].cpu_ms_per_inference, 0) << threads;
    const double wall_ms_per_batch =
        1000 * result->offline[0].duration_s / static_cast<double>(result->offline[0].batch_latency.raw_ms.size());
    EXPECT_LT(result->offline[0].cpu_ms_per_inference, threads * wall_ms_per_batch * 1.5) << threads;
  }
}

TEST_F(ScenariosTest, UnmetStoppingRuleEndsAtMaxDurationAndSaysSo) {
  MeasureConfig config = FastConfig();
  // A tiny target alone is not enough: a fast model's p50 interval can be
  // exactly zero wide when the clock gives many equal latencies.
  config.stopping.min_count = 1U << 30U;
  config.stopping.max_duration = std::chrono::duration<double>(0.3);
  auto result = RunBench(*backend_, model_, {}, config, {});
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->single_stream->converged);
  EXPECT_GE(result->single_stream->duration_s, 0.3);
}

TEST_F(ScenariosTest, OfflineRunsEveryBatchSize) {
  MeasureConfig config = FastConfig();
  config.scenarios = {Scenario::kOffline};
  config.batch_sizes = {1, 4};
  auto result = RunBench(*backend_, model_, {}, config, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->single_stream.has_value());
  ASSERT_EQ(result->offline.size(), 2U);
  EXPECT_EQ(result->offline[0].batch_size, 1);
  EXPECT_EQ(result->offline[1].batch_size, 4);
  for (const auto& o : result->offline) {
    EXPECT_GT(o.items_per_s, 0);
    EXPECT_GE(o.batch_latency.summary_ms.count, 3U);
    // items/s is batches * batch / wall time, so it cannot exceed batch / fastest batch.
    EXPECT_LE(o.items_per_s, 1000.0 * static_cast<double>(o.batch_size) / o.batch_latency.summary_ms.min * 1.0001);
  }
}

TEST_F(ScenariosTest, ConcurrentRunsSharedAndSeparateSessions) {
  MeasureConfig config = FastConfig();
  config.scenarios = {Scenario::kConcurrent};
  config.concurrency = 2;
  auto result = RunBench(*backend_, model_, {}, config, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->concurrent.size(), 2U);
  EXPECT_FALSE(result->concurrent[0].separate_sessions);
  EXPECT_TRUE(result->concurrent[1].separate_sessions);
  for (const auto& c : result->concurrent) {
    EXPECT_EQ(c.concurrency, 2);
    EXPECT_GT(c.latency.summary_ms.count, 0U);
    EXPECT_GT(c.items_per_s, 0);
  }
}

// Earlier tests loaded models in this process: the runtime keeps what they
// made it allocate, so this model's growth is not its own and is not given.
// (The first model of a process is measured: BenchCli.NoIsolateMeasuresOnlyTheFirstModel.)
TEST_F(ScenariosTest, MemoryOfALaterModelInTheSameProcessIsNotMeasured) {
  ASSERT_TRUE(RunBench(*backend_, model_, {}, FastConfig(), {}).ok());
  auto result = RunBench(*backend_, model_, {}, FastConfig(), {});
  ASSERT_TRUE(result.ok());
  const auto& m = result->memory;
  EXPECT_FALSE(m.measured);
  EXPECT_FALSE(m.isolated);
  EXPECT_GT(m.baseline_rss_bytes, 0);
  EXPECT_GE(m.peak_rss_bytes, m.baseline_rss_bytes);
  EXPECT_EQ(m.growth_bytes, 0);
  EXPECT_EQ(m.model_rss_bytes, 0);
}

TEST_F(ScenariosTest, RejectsBadConfigsBeforeLoading) {
  MeasureConfig config = FastConfig();
  config.batch_sizes = {0};
  auto result = RunBench(*backend_, model_, {}, config, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  // The library names the config field; bench names its own flag.
  EXPECT_NE(result.status().message().find("batch_sizes 0"), std::string::npos);
}

TEST(ValidateConfig, NamesTheConfigFieldsNotFlags) {
  MeasureConfig config;
  config.stopping.target_relative_half_width = 2;
  const Status status = ValidateConfig(config);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("stopping.target_relative_half_width"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find("--"), std::string::npos) << status.message();
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

bool HasWarning(const BenchResult& result, const std::string& code) {
  return std::any_of(result.warnings.begin(), result.warnings.end(),
                     [&](const HygieneWarning& w) { return w.code == code; });
}

// A second of single-stream: long enough for /proc/stat's 10 ms ticks.
MeasureConfig SecondLongConfig() {
  MeasureConfig c = FastConfig();
  c.stopping.min_duration = std::chrono::duration<double>(1.0);
  c.stopping.max_duration = std::chrono::duration<double>(1.5);
  c.warmup_max_duration = std::chrono::duration<double>(0.5);
  return c;
}

TEST_F(ScenariosTest, OtherProcessesKeepingTheCpusBusyAreWarnedAbout) {
  // One busy process per usable CPU: with the benchmark's own thread they ask
  // for more CPU than there is, so they hold well over the threshold.
  BusyProcesses busy(UsableCpuCount());
  ASSERT_EQ(busy.size(), static_cast<std::size_t>(UsableCpuCount()));
  auto result = RunBench(*backend_, model_, {}, SecondLongConfig(), {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->load.has_value());
  EXPECT_GT(result->load->other_cpus, kOtherLoadThresholdCpus);
  std::cout << "other processes: " << result->load->other_cpus << " of " << result->load->allowed_cpus
            << " CPUs; this one: " << result->load->own_cpus << "\n";
  const auto w = std::find_if(result->warnings.begin(), result->warnings.end(),
                              [](const HygieneWarning& h) { return h.code == "other-load"; });
  ASSERT_NE(w, result->warnings.end());
  EXPECT_TRUE(w->message.starts_with("other processes used ")) << w->message;
  EXPECT_NE(w->message.find(" CPUs during the run"), std::string::npos) << w->message;
}

TEST_F(ScenariosTest, EveryResultCarriesItsLoadAndTheEnvironmentsWarnings) {
  BackendOptions options;
  options.intra_op_threads = UsableCpuCount() + 1;
  auto result = RunBench(*backend_, model_, options, SecondLongConfig(), {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->load.has_value());
  EXPECT_GT(result->load->own_cpus, 0);
  EXPECT_GT(result->load->wall_s, 0.9);
  EXPECT_TRUE(HasWarning(*result, "threads-over-cores"));
  EXPECT_EQ(HasWarning(*result, "governor-unknown"), result->environment.frequency_governor.empty());
}

// ONNX Runtime fuses a QDQ Conv into QLinearConv and has no integer
// ConvTranspose: only the second runs in float, a warning with the figure.
TEST_F(ScenariosTest, AQdqLayerTheRuntimeLeftInFloatIsARuntimeFallbackWarning) {
  for (const std::string op : {"Conv", "ConvTranspose"}) {
    const auto path = testing::WriteModel(testing::QdqLayerModel(op), dir_ / (op + ".onnx"));
    auto result = RunBench(*backend_, path, {}, FastConfig(), {});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    std::vector<HygieneWarning> fallbacks;
    std::copy_if(result->warnings.begin(), result->warnings.end(), std::back_inserter(fallbacks),
                 [](const HygieneWarning& w) { return w.code == "runtime-fallback"; });
    if (op == "Conv") {
      EXPECT_TRUE(fallbacks.empty()) << fallbacks.front().message;
      continue;
    }
    ASSERT_EQ(fallbacks.size(), 1U);
    EXPECT_EQ(fallbacks[0].message, backend_->name() +
                                        " runs 1 of 1 quantized Conv/Gemm/MatMul nodes in float "
                                        "(DequantizeLinear -> ConvTranspose x1 not fused): 100 % of MACs");
    EXPECT_NE(fallbacks[0].action.find("leave them unquantized"), std::string::npos) << fallbacks[0].action;
  }
  // A float model has no QDQ pattern to fuse.
  auto float_result = RunBench(*backend_, model_, {}, FastConfig(), {});
  ASSERT_TRUE(float_result.ok()) << float_result.status().ToString();
  EXPECT_FALSE(HasWarning(*float_result, "runtime-fallback"));
}

// A query that splits itself into stages (detection_bench.h) learns which of
// its calls were measured: the last raw_ms.size() ones, warm-up before them.
TEST(MeasureQuery, TheMeasuredCallsAreTheLastOnesAfterTheWarmUp) {
  MeasureConfig config = FastConfig();
  config.stopping.min_duration = std::chrono::duration<double>(0);
  std::vector<double> returned;
  const TimedQuery query = [&]() -> Result<double> {
    returned.push_back(1.0 + 0.001 * static_cast<double>(returned.size() % 3));
    return returned.back();
  };
  auto single = MeasureSingleStream(query, 1, config);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  const auto& raw = single->latency.raw_ms;
  ASSERT_EQ(returned.size(), single->warmup.runs + raw.size());
  EXPECT_TRUE(std::equal(raw.begin(), raw.end(), returned.end() - static_cast<std::ptrdiff_t>(raw.size())));
  EXPECT_GE(raw.size(), config.stopping.min_count);

  returned.clear();
  auto offline = MeasureOffline(query, 4, config);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  ASSERT_EQ(returned.size(), offline->warmup.runs + offline->batch_latency.raw_ms.size());
  EXPECT_EQ(offline->batch_size, 4);
  EXPECT_GT(offline->items_per_s, 0);
}

TEST(MeasureQuery, AFailingQueryStopsTheScenarioWithItsStatus) {
  int calls = 0;
  const TimedQuery query = [&]() -> Result<double> {
    if (++calls == 30) return Status::InvalidData("decoding failed on call 30");
    return 1.0;
  };
  MeasureConfig config = FastConfig();
  config.stopping.min_duration = std::chrono::duration<double>(0.5);
  config.stopping.min_count = 1000;
  auto result = MeasureSingleStream(query, 1, config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "decoding failed on call 30");
  EXPECT_EQ(calls, 30);
}

TEST(ReadSelfRss, SeesTouchedMemory) {
  const RssSample before = ReadSelfRss();
  constexpr std::size_t kBytes = 64U << 20U;
  std::vector<char> block(kBytes);
  std::memset(block.data(), 1, block.size());
  const RssSample after = ReadSelfRss();
  EXPECT_GE(after.rss_bytes - before.rss_bytes, static_cast<int64_t>(kBytes * 9 / 10));
  EXPECT_GE(after.peak_bytes, after.rss_bytes);
  EXPECT_EQ(block[kBytes - 1], 1);
}

}  // namespace
}  // namespace sweetspot
