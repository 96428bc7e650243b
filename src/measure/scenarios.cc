#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "sweetspot/elapsed.h"
#include "sweetspot/measure.h"

#include "sweetspot/graph_diagnosis.h"
#include "sweetspot/log.h"

namespace sweetspot {
namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

LatencyRecord MakeRecord(std::vector<double> raw_ms, double confidence) {
  LatencyRecord record;
  if (!raw_ms.empty()) record.summary_ms = stats::Summarize(raw_ms, confidence);
  record.raw_ms = std::move(raw_ms);
  return record;
}

// User + system CPU time of the whole process, every thread (measure.h says why), in ms.
double ProcessCpuMs() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto ms = [](const timeval& t) {
    return 1e3 * static_cast<double>(t.tv_sec) + 1e-3 * static_cast<double>(t.tv_usec);
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// The CPU time since `start_cpu_ms` (ProcessCpuMs) per inference and per item.
template <typename ScenarioResult>
void SetCpuTime(ScenarioResult& result, double start_cpu_ms, std::size_t inferences) {
  if (inferences == 0) return;
  result.cpu_ms_per_inference = (ProcessCpuMs() - start_cpu_ms) / static_cast<double>(inferences);
  result.cpu_ms_per_item = result.cpu_ms_per_inference / static_cast<double>(result.batch_size);
}

// One timed inference; returns its latency in ms.
Result<double> TimedRun(Session& session, std::span<const Tensor> inputs) {
  const auto start = Clock::now();
  auto outputs = session.Run(inputs);
  const double ms = MillisecondsSince(start);
  if (!outputs.ok()) return outputs.status();
  return ms;
}

// Runs until latency stabilises (or the warm-up's time limit passes).
Result<WarmupRecord> WarmUp(const TimedQuery& query, const MeasureConfig& config) {
  stats::WarmupDetector detector(config.warmup_window, config.warmup_tolerance);
  const auto start = Clock::now();
  while (true) {
    SWEETSPOT_ASSIGN_OR_RETURN(double ms, query());
    if (detector.Add(ms) || Seconds(Clock::now() - start) >= config.warmup_max_duration) break;
  }
  return WarmupRecord{detector.count(), detector.stable() && !detector.hit_limit(), MillisecondsSince(start)};
}

TimedQuery RunQuery(Session& session, std::span<const Tensor> inputs) {
  return [&session, inputs] { return TimedRun(session, inputs); };
}

// N threads issue back-to-back requests; each thread uses sessions[i % size].
Result<ConcurrentResult> RunConcurrent(std::vector<Session*> sessions, std::span<const Tensor> inputs, int64_t batch,
                                       const MeasureConfig& config, const ProgressFn& progress) {
  ConcurrentResult result;
  result.concurrency = config.concurrency;
  result.separate_sessions = sessions.size() > 1;
  result.batch_size = batch;
  result.warmup.stable = true;
  for (Session* s : sessions) {
    SWEETSPOT_ASSIGN_OR_RETURN(WarmupRecord w, WarmUp(RunQuery(*s, inputs), config));
    result.warmup.runs += w.runs;
    result.warmup.duration_ms += w.duration_ms;
    result.warmup.stable = result.warmup.stable && w.stable;
  }

  std::vector<std::vector<double>> per_thread(static_cast<std::size_t>(config.concurrency));
  std::atomic<bool> failed{false};
  Status first_error;
  std::mutex error_mutex;
  const double start_cpu_ms = ProcessCpuMs();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(config.run_duration);
  std::vector<std::thread> threads;
  for (int t = 0; t < config.concurrency; ++t) {
    threads.emplace_back([&, t] {
      Session& session = *sessions[static_cast<std::size_t>(t) % sessions.size()];
      auto& mine = per_thread[static_cast<std::size_t>(t)];
      while (!failed.load(std::memory_order_relaxed) && Clock::now() < deadline) {
        auto ms = TimedRun(session, inputs);
        if (!ms.ok()) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!failed.exchange(true)) first_error = ms.status();
          return;
        }
        mine.push_back(*ms);
      }
    });
  }
  for (auto& th : threads) th.join();
  if (failed) return first_error;
  result.duration_s = Seconds(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  SetCpuTime(result, start_cpu_ms, all.size());
  result.items_per_s = static_cast<double>(batch) * static_cast<double>(all.size()) / result.duration_s;
  result.latency = MakeRecord(std::move(all), config.stopping.confidence);
  if (progress) progress("concurrent", 1.0);
  return result;
}

// The concurrent scenario on one shared session, then on one session per thread.
Result<std::vector<ConcurrentResult>> RunConcurrentScenarios(Backend& backend, const std::filesystem::path& model,
                                                             const BackendOptions& options, Session& session,
                                                             std::span<const Tensor> inputs,
                                                             const MeasureConfig& config, const ProgressFn& progress) {
  const int64_t batch = config.batch_sizes.front();
  std::vector<ConcurrentResult> results;
  SWEETSPOT_ASSIGN_OR_RETURN(ConcurrentResult shared, RunConcurrent({&session}, inputs, batch, config, progress));
  results.push_back(std::move(shared));
  std::vector<std::unique_ptr<Session>> own;
  std::vector<Session*> pointers;
  for (int i = 0; i < config.concurrency; ++i) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, backend.Load(model, options));
    pointers.push_back(s.get());
    own.push_back(std::move(s));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(ConcurrentResult separate, RunConcurrent(pointers, inputs, batch, config, progress));
  results.push_back(std::move(separate));
  return results;
}

}  // namespace

std::string_view ScenarioName(Scenario scenario) {
  switch (scenario) {
    case Scenario::kSingleStream: return "single-stream";
    case Scenario::kOffline: return "offline";
    case Scenario::kConcurrent: return "concurrent";
  }
  return "single-stream";
}

Result<Scenario> ParseScenario(std::string_view name) {
  for (auto s : {Scenario::kSingleStream, Scenario::kOffline, Scenario::kConcurrent}) {
    if (ScenarioName(s) == name) return s;
  }
  return Status::InvalidArgument("unknown scenario '" + std::string(name) +
                                 "' (expected single-stream, offline or concurrent)");
}

Result<SingleStreamResult> MeasureSingleStream(const TimedQuery& query, int64_t batch, const MeasureConfig& config,
                                               const ProgressFn& progress) {
  SingleStreamResult result;
  result.batch_size = batch;
  result.target_relative_half_width = config.stopping.target_relative_half_width;
  SWEETSPOT_ASSIGN_OR_RETURN(result.warmup, WarmUp(query, config));

  std::vector<double> raw;
  raw.reserve(4096);
  const double start_cpu_ms = ProcessCpuMs();
  const auto start = Clock::now();
  // Checking the rule sorts the samples, so do it at ~10 % growth steps or
  // every 100 ms, whichever comes first, to keep the loop's overhead small.
  std::size_t next_check = config.stopping.min_count;
  auto last_check = start;
  stats::StopDecision decision = stats::StopDecision::kContinue;
  while (decision == stats::StopDecision::kContinue) {
    SWEETSPOT_ASSIGN_OR_RETURN(double ms, query());
    raw.push_back(ms);
    const auto now = Clock::now();
    const Seconds elapsed = now - start;
    if (raw.size() >= next_check || now - last_check >= std::chrono::milliseconds(100) ||
        elapsed >= config.stopping.max_duration) {
      decision = stats::ShouldStop(config.stopping, elapsed, raw);
      next_check = raw.size() + std::max<std::size_t>(raw.size() / 10, 1);
      last_check = now;
      if (progress) {
        const double by_time = elapsed / config.stopping.min_duration;
        progress("single-stream", std::min(1.0, by_time));
      }
    }
  }
  result.duration_s = Seconds(Clock::now() - start).count();
  SetCpuTime(result, start_cpu_ms, raw.size());
  result.converged = decision == stats::StopDecision::kConverged;
  result.latency = MakeRecord(std::move(raw), config.stopping.confidence);
  const auto& s = result.latency.summary_ms;
  result.achieved_relative_half_width = stats::RelativeHalfWidth(s.p50_ci, s.p50);
  double total_ms = 0;
  for (double ms : result.latency.raw_ms) total_ms += ms;
  result.items_per_s = total_ms > 0 ? 1000.0 * static_cast<double>(batch * result.latency.raw_ms.size()) / total_ms : 0;
  return result;
}

Result<OfflineResult> MeasureOffline(const TimedQuery& query, int64_t batch, const MeasureConfig& config,
                                     const ProgressFn& progress) {
  OfflineResult result;
  result.batch_size = batch;
  SWEETSPOT_ASSIGN_OR_RETURN(result.warmup, WarmUp(query, config));
  std::vector<double> raw;
  const double start_cpu_ms = ProcessCpuMs();
  const auto start = Clock::now();
  // At least a few batches even when one batch outlasts the duration.
  while (Seconds(Clock::now() - start) < config.run_duration || raw.size() < 3) {
    SWEETSPOT_ASSIGN_OR_RETURN(double ms, query());
    raw.push_back(ms);
    if (progress)
      progress("offline batch " + std::to_string(batch), Seconds(Clock::now() - start) / config.run_duration);
  }
  result.duration_s = Seconds(Clock::now() - start).count();
  SetCpuTime(result, start_cpu_ms, raw.size());
  result.items_per_s = static_cast<double>(batch) * static_cast<double>(raw.size()) / result.duration_s;
  result.batch_latency = MakeRecord(std::move(raw), config.stopping.confidence);
  return result;
}

Status ValidateConfig(const MeasureConfig& config) {
  if (config.scenarios.empty()) return Status::InvalidArgument("scenarios: give at least one scenario");
  if (config.batch_sizes.empty()) return Status::InvalidArgument("batch_sizes: give at least one batch size");
  for (int64_t b : config.batch_sizes) {
    if (b <= 0) return Status::InvalidArgument("batch_sizes " + std::to_string(b) + ": batch sizes must be >= 1");
  }
  if (config.concurrency <= 0) return Status::InvalidArgument("concurrency must be >= 1");
  const auto& s = config.stopping;
  if (s.min_duration.count() < 0 || s.max_duration < s.min_duration) {
    return Status::InvalidArgument("stopping.max_duration must be >= stopping.min_duration, and both >= 0");
  }
  if (!(s.target_relative_half_width > 0 && s.target_relative_half_width < 1)) {
    return Status::InvalidArgument("stopping.target_relative_half_width must be in (0, 1), e.g. 0.02 for +/-2 %");
  }
  if (!(s.confidence > 0.5 && s.confidence < 1)) {
    return Status::InvalidArgument("stopping.confidence must be in (0.5, 1)");
  }
  if (config.run_duration.count() <= 0) return Status::InvalidArgument("run_duration must be > 0");
  return Status::Ok();
}

RssSample ReadSelfRss() {
  RssSample sample;
  std::ifstream in("/proc/self/status");
  std::string line;
  auto kib = [](const std::string& l) { return std::stoll(l.substr(l.find(':') + 1)) * 1024; };
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) sample.rss_bytes = kib(line);
    if (line.starts_with("VmHWM:")) sample.peak_bytes = kib(line);
  }
  return sample;
}

bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

BenchResult NewBenchResult(const Backend& backend, const std::filesystem::path& model, const BackendOptions& options,
                           const MeasureConfig& config) {
  BenchResult result;
  result.model_path = model.string();
  std::error_code ec;
  result.model_file_bytes = static_cast<int64_t>(std::filesystem::file_size(model, ec));
  result.backend = backend.name();
  result.backend_version = backend.version();
  result.options = options;
  result.config = config;
  result.environment = CaptureEnvironment();
  return result;
}

Result<BenchResult> RunBench(Backend& backend, const std::filesystem::path& model, const BackendOptions& options,
                             const MeasureConfig& config, const InputSpec& input_spec, const ProgressFn& progress) {
  SWEETSPOT_RETURN_IF_ERROR(ValidateConfig(config));
  BenchResult result = NewBenchResult(backend, model, options, config);

  // Without the reset, a model measured after a larger one in this process
  // would report the larger one's peak. Only the first model a process loads
  // has figures of its own: the runtime keeps what the first one made it
  // allocate (its environment, thread pools, arenas, freed heap the
  // allocator holds on to), so a later model's growth reads a fraction of
  // its real size (a ResNet-20 measured second: 0.3 MiB instead of 21 MiB).
  static std::atomic<bool> model_loaded_before{false};
  const bool first_model = !model_loaded_before.exchange(true);
  const bool peak_reset = ResetPeakRss() && first_model;
  const RssSample before = ReadSelfRss();
  if (progress) progress("loading", -1);
  auto load_start = Clock::now();
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, backend.Load(model, options));
  result.load_ms = MillisecondsSince(load_start);
  result.inputs = session->inputs();
  result.outputs = session->outputs();

  const int64_t first_batch = config.batch_sizes.front();
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Tensor> inputs, MakeInputs(result.inputs, first_batch, input_spec));
  {
    const auto start = Clock::now();
    auto first = session->Run(inputs);
    result.first_inference_ms = MillisecondsSince(start);
    if (!first.ok()) return first.status();
  }

  // Other processes' load is judged over the measured phase only.
  const LoadSample load_before = SampleLoad();
  for (Scenario scenario : config.scenarios) {
    if (scenario == Scenario::kSingleStream) {
      SWEETSPOT_ASSIGN_OR_RETURN(result.single_stream,
                                 MeasureSingleStream(RunQuery(*session, inputs), first_batch, config, progress));
    } else if (scenario == Scenario::kOffline) {
      for (int64_t batch : config.batch_sizes) {
        SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Tensor> batch_inputs, MakeInputs(result.inputs, batch, input_spec));
        SWEETSPOT_ASSIGN_OR_RETURN(OfflineResult r,
                                   MeasureOffline(RunQuery(*session, batch_inputs), batch, config, progress));
        result.offline.push_back(std::move(r));
      }
    }
  }

  // The model's own peak: one session, before concurrent runs load more.
  const RssSample single = ReadSelfRss();
  result.memory.measured = peak_reset;
  result.memory.baseline_rss_bytes = before.rss_bytes;
  result.memory.peak_rss_bytes = single.peak_bytes;
  // Not measured: no figure at all rather than an understated one.
  result.memory.growth_bytes = peak_reset ? single.peak_bytes - before.rss_bytes : 0;
  result.memory.model_rss_bytes = result.memory.growth_bytes;

  if (std::find(config.scenarios.begin(), config.scenarios.end(), Scenario::kConcurrent) != config.scenarios.end()) {
    SWEETSPOT_ASSIGN_OR_RETURN(result.concurrent,
                               RunConcurrentScenarios(backend, model, options, *session, inputs, config, progress));
  }
  result.memory.process_peak_rss_bytes = ReadSelfRss().peak_bytes;
  result.load =
      LoadBetween(load_before, SampleLoad(), result.environment.affinity, static_cast<double>(sysconf(_SC_CLK_TCK)));
  // After the measured phases: the check loads the model once more.
  const Result<std::string> unfused_qdq = UnfusedQdqNoteOf(backend, model, options);
  if (!unfused_qdq.ok()) Log(LogLevel::kWarning, "no QDQ fusion check: " + unfused_qdq.status().message());
  result.warnings = CheckHygiene(result, session->FallbackNotes(), unfused_qdq.ok() ? *unfused_qdq : "");
  return result;
}

}  // namespace sweetspot
