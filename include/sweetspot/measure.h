// The measurement engine behind `sweetspot bench`: LoadGen-style scenarios
// run against one Session, filling plain result structs. Reporters (table,
// JSON) only read those structs.
//
// Scenarios:
//  - single-stream: one query at a time until a minimum duration and count are
//    met and the p50's distribution-free confidence interval is within the
//    target relative half-width, or a maximum duration ends it (then
//    `converged` is false and the output says so);
//  - offline: back-to-back batches for each batch size -> items/s;
//  - concurrent: N threads issuing queries at once, on one shared session and
//    on N separate sessions -> items/s and latency percentiles.
// Every scenario warms up until latency stabilises (stats::WarmupDetector)
// before it records anything. Load time and first-inference time are kept
// apart from steady-state figures.
//
// CPU time per inference: the process's user + system time (getrusage
// RUSAGE_SELF) over a scenario's measured phase only (not load, not warm-up),
// divided by the inferences (Session::Run calls, one batch each) and by the
// items. RUSAGE_SELF, not the calling thread's: the runtime's own pool threads
// do most of the work, and their busy-waiting (spinning) is CPU time the
// setting costs. It counts the measuring loop's own small overhead too, so
// measure in a process of its own (RunBenchIsolated) for a clean figure.
//
// Thread-safety: RunBench is re-entrant; it starts and joins its own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/environment.h"
#include "sweetspot/hygiene.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

enum class Scenario { kSingleStream, kOffline, kConcurrent };
std::string_view ScenarioName(Scenario scenario);  // "single-stream", "offline", "concurrent"
Result<Scenario> ParseScenario(std::string_view name);

// How input tensors are made.
struct InputSpec {
  // Values (>= 1) for dynamic dimensions other than the batch (a dynamic
  // first dimension, set by the batch size only): keyed by the dimension's
  // name, or "INPUT:AXIS" (e.g. "x:2") for an unnamed one. A key naming a
  // batch dimension or no dimension is an error. Dimensions left unset take
  // their size from the input's .npy file, if one is given.
  std::map<std::string, int64_t> dim_values;
  // Input name -> .npy file with the tensor to feed (its first dimension must
  // equal the batch size, or be 1 and then it is repeated); the name "" stands
  // for the only input of a single-input model. Other inputs get seeded random values.
  std::map<std::string, std::filesystem::path> files;
  uint32_t seed = 42;
};

// Concrete input tensors for `infos` at `batch_size`: from InputSpec::files
// where given, else seeded random (uniform [0,1) for floats, small integers
// otherwise). Errors name the input; the dimensions, batch size or input file
// that fix them (every missing dimension at once) come as the Status's fixes.
Result<std::vector<Tensor>> MakeInputs(const std::vector<TensorInfo>& infos, int64_t batch_size, const InputSpec& spec);

// A model's declared inputs (model_info.h DeclaredInputs), named for errors.
struct ModelDeclaredInputs {
  std::string model;  // the file as the user named it
  std::vector<TensorInfo> inputs;
};

// One InputSpec per model for measuring several with one set of dimension
// values: each gets the values that name one of its dynamic dimensions (a
// batch's too, which MakeInputs then refuses), so a value a model lacks does
// not fail it. A value that names no model's dimension is an error listing
// every model's settable dimensions.
Result<std::vector<InputSpec>> InputSpecsPerModel(const std::vector<ModelDeclaredInputs>& models,
                                                  const InputSpec& spec);

// Reads a NumPy .npy file (little-endian, C order; float32/float64/int/uint8/bool).
Result<Tensor> ReadNpy(const std::filesystem::path& path);

struct MeasureConfig {
  std::vector<Scenario> scenarios{Scenario::kSingleStream};
  // single-stream and concurrent use the first; offline runs each.
  std::vector<int64_t> batch_sizes{1};
  int concurrency = 4;
  // single-stream: min_duration, max_duration, min_count, target, confidence.
  stats::StoppingRule stopping;
  // offline and concurrent: how long each configuration runs.
  std::chrono::duration<double> run_duration{2.0};
  // Warm-up: stable when medians of two windows agree within this tolerance.
  std::size_t warmup_window = 10;
  double warmup_tolerance = 0.05;
  std::chrono::duration<double> warmup_max_duration{10.0};
};

struct WarmupRecord {
  std::size_t runs = 0;
  bool stable = false;  // false: ended by its time/count limit
  double duration_ms = 0;
};

struct LatencyRecord {
  stats::Summary summary_ms;   // of raw_ms
  std::vector<double> raw_ms;  // every measured latency, in order
};

struct SingleStreamResult {
  int64_t batch_size = 1;
  WarmupRecord warmup;
  LatencyRecord latency;
  bool converged = false;
  double target_relative_half_width = 0;
  double achieved_relative_half_width = 0;  // of the p50 interval
  double duration_s = 0;
  double items_per_s = 0;
  double cpu_ms_per_inference = 0;  // process CPU time per Run (one batch); 0 = not measured
  double cpu_ms_per_item = 0;       // cpu_ms_per_inference / batch_size
};

struct OfflineResult {
  int64_t batch_size = 1;
  WarmupRecord warmup;
  LatencyRecord batch_latency;  // per batch
  double duration_s = 0;
  double items_per_s = 0;
  double cpu_ms_per_inference = 0;  // process CPU time per Run (one batch); 0 = not measured
  double cpu_ms_per_item = 0;       // cpu_ms_per_inference / batch_size
};

struct ConcurrentResult {
  int concurrency = 1;
  bool separate_sessions = false;  // one session per thread (else one shared)
  int64_t batch_size = 1;
  WarmupRecord warmup;
  LatencyRecord latency;  // per request, all threads
  double duration_s = 0;
  double items_per_s = 0;
  double cpu_ms_per_inference = 0;  // process CPU time per Run (one batch); 0 = not measured
  double cpu_ms_per_item = 0;       // cpu_ms_per_inference / batch_size
};

// Memory figures. In-process runs reset the kernel's peak-RSS mark before
// loading. Only the first model a process loads through RunBench has figures
// of its own: later ones reuse what the runtime and the allocator kept from
// the first, so their growth would be understated. For those, and where the
// kernel refuses the reset, `measured` is false and growth_bytes and
// model_rss_bytes are 0 (measure each model in a child process of its own:
// RunBenchIsolated).
struct MemoryRecord {
  bool measured = false;
  bool isolated = false;               // measured in a child process of its own
  int64_t baseline_rss_bytes = 0;      // before the model was loaded
  int64_t peak_rss_bytes = 0;          // peak of the process while one session ran
  int64_t growth_bytes = 0;            // peak - baseline
  int64_t process_peak_rss_bytes = 0;  // whole process, all scenarios (wait4 when isolated)
  // Isolated runs: the peak RSS (wait4) of the same child process loading no
  // model, i.e. the runtime's and the tool's own share; 0 = not measured.
  int64_t runtime_baseline_rss_bytes = 0;
  // What the model itself adds: process_peak_rss_bytes - runtime_baseline_rss_bytes
  // when isolated with a baseline, else growth_bytes (0 when not measured).
  // Comparable across models.
  int64_t model_rss_bytes = 0;
};

struct BenchResult {
  std::string model_path;
  int64_t model_file_bytes = 0;
  std::string backend;
  std::string backend_version;
  BackendOptions options;
  MeasureConfig config;
  std::vector<TensorInfo> inputs;  // as the model declares them
  std::vector<TensorInfo> outputs;
  double load_ms = 0;             // session creation
  double first_inference_ms = 0;  // first Run after load, batch = first batch size
  std::optional<SingleStreamResult> single_stream;
  std::vector<OfflineResult> offline;
  std::vector<ConcurrentResult> concurrent;
  MemoryRecord memory;
  Environment environment;
  // The allowed CPUs' load from the first scenario's start to the last one's
  // end; nullopt where /proc/stat could not be read.
  std::optional<MachineLoad> load;
  // What made the figures less trustworthy, and what to do (hygiene.h).
  std::vector<HygieneWarning> warnings;
};

// Progress callback: a short human-readable phase name and a fraction in [0,1]
// of that phase (or negative when unknown). Called from the measuring thread.
using ProgressFn = std::function<void(const std::string& phase, double fraction)>;

// One query of a scenario, which times itself: runs a batch of the
// scenario's batch size and returns its latency in ms (a query that splits
// itself into stages, detection_bench.h, returns their sum). An error stops
// the scenario with that Status. Called from the measuring thread only.
using TimedQuery = std::function<Result<double>()>;

// The single-stream and offline scenarios over any query; RunBench's own are
// these over one Session::Run. Each warms up first (`warmup`), calling the
// query like the measured phase does, so the measured queries are the last
// latency.raw_ms.size() (offline: batch_latency.raw_ms.size()) calls, in order.
// CPU time is the process's over the measured calls (see the top of this file).
Result<SingleStreamResult> MeasureSingleStream(const TimedQuery& query, int64_t batch_size, const MeasureConfig& config,
                                               const ProgressFn& progress = {});
Result<OfflineResult> MeasureOffline(const TimedQuery& query, int64_t batch_size, const MeasureConfig& config,
                                     const ProgressFn& progress = {});

// Loads `model` with `backend` and runs the configured scenarios in this process.
Result<BenchResult> RunBench(Backend& backend, const std::filesystem::path& model, const BackendOptions& options,
                             const MeasureConfig& config, const InputSpec& inputs, const ProgressFn& progress = {});

// A BenchResult with what is known before anything runs: the model file and
// its size, the backend and its version, `options`, `config` and the
// environment (CaptureEnvironment). RunBench starts from it, as does any
// other measurement that reports a BenchResult (detection_bench.h).
BenchResult NewBenchResult(const Backend& backend, const std::filesystem::path& model, const BackendOptions& options,
                           const MeasureConfig& config);

// Checks a config before anything runs (batch sizes > 0, concurrency > 0, ...).
Status ValidateConfig(const MeasureConfig& config);

// Current and peak resident set size of this process, from /proc/self/status.
struct RssSample {
  int64_t rss_bytes = 0;
  int64_t peak_bytes = 0;
};
RssSample ReadSelfRss();
// Resets this process's peak RSS to its current RSS (Linux: "5" to
// /proc/self/clear_refs). False when the kernel refuses.
bool ResetPeakRss();

// Reads the current machine's facts (sweetspot/environment.h holds the struct
// and its JSON, which the store reads too). Never fails: unreadable facts stay
// empty.
Environment CaptureEnvironment();

}  // namespace sweetspot
