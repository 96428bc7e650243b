// Measurement hygiene: the conditions during a measurement that make its
// figures less trustworthy, each reported as a warning that names the figure
// and what to do. The measuring code (RunBench) computes them and stores them
// with the result (BenchResult::warnings, bench JSON "warnings"); reporters
// only render them.
//
// The checks (CheckHygiene), with their thresholds:
//  - "governor": cpu0's frequency governor is known and not "performance"
//    (the clock may change speed during the run);
//    "governor-unknown": it could not be read (a VM or a container without
//    cpufreq), said once per result;
//  - "other-load": other processes kept more than kOtherLoadThresholdCpus of
//    the allowed CPUs busy on average during the measured phase (MachineLoad);
//  - "steal": the hypervisor withheld more than kStealThresholdFraction of
//    the allowed CPUs' time (steal);
//  - "threads-over-cores": more runtime threads than usable CPUs (cpus.h):
//    intra-op threads (x inter-op threads in parallel execution mode), x the
//    concurrency for the concurrent scenario;
//  - "unstable-latency": a single-stream or offline latency record whose
//    coefficient of variation (stddev / mean) is above kUnstableCvThreshold
//    (concurrent latencies vary by design and are not judged);
//  - "not-converged": the single-stream p50 interval missed its target before
//    the maximum duration;
//  - "runtime-fallback": the session ran part of the model on a slower path
//    than asked (Session::FallbackNotes), or the runtime left QDQ patterns of
//    a quantized model unfused, computing those nodes in float between
//    conversions (graph_diagnosis.h UnfusedQdqNote).
//
// Thread-safety: every function is reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sweetspot {

struct BenchResult;

inline constexpr double kOtherLoadThresholdCpus = 0.25;  // CPUs, averaged over the measured phase
inline constexpr double kStealThresholdFraction = 0.05;  // of the allowed CPUs' time
inline constexpr double kUnstableCvThreshold = 0.2;      // stddev / mean of one latency record

// One warning. What to do is either `action`, a step that names no
// measurement setting ("set the governor: sudo cpupower frequency-set -g
// performance"), or a change (`change`: "lower" or "raise") of a measurement
// setting that each reporter names in its own words (HygieneSettingNames):
// `setting` is "threads" (intra-op threads), "concurrency", "duration" (the
// minimum measuring time) or "max_duration" (the single-stream cap), and
// `value` the proposed value ("" when any higher one helps).
struct HygieneWarning {
  std::string code;     // stable, for JSON: the codes above
  std::string message;  // one line, with the figure
  std::string action;
  std::string setting;
  std::string change;
  std::string value;
  bool operator==(const HygieneWarning&) const = default;
};

void to_json(nlohmann::json& json, const HygieneWarning& warning);
void from_json(const nlohmann::json& json, HygieneWarning& warning);

// The measurement settings in a caller's vocabulary; the defaults are the
// library's fields (backend.h BackendOptions, measure.h MeasureConfig).
struct HygieneSettingNames {
  std::string threads = "intra_op_threads";
  std::string concurrency = "concurrency";
  std::string duration = "stopping.min_duration";
  std::string max_duration = "stopping.max_duration";
};

// What to do, in one clause: the action, or "lower --threads to 1".
std::string HygieneAdvice(const HygieneWarning& warning, const HygieneSettingNames& names = {});

// One CPU's line of /proc/stat, in clock ticks (USER_HZ, sysconf(_SC_CLK_TCK)).
struct CpuTicks {
  int cpu = -1;       // the N of "cpuN"
  int64_t busy = 0;   // user + nice + system + irq + softirq (guest time is inside user)
  int64_t idle = 0;   // idle + iowait
  int64_t steal = 0;  // withheld by the hypervisor
};

// The per-CPU lines ("cpuN ...") of a /proc/stat text; the total line and
// malformed lines are skipped.
std::vector<CpuTicks> ParseProcStat(std::string_view text);

// A snapshot of the machine's load and this process's CPU time.
struct LoadSample {
  std::vector<CpuTicks> cpus;  // /proc/stat
  double own_cpu_s = 0;        // this process's user + system time, all threads (getrusage RUSAGE_SELF)
  double load_average = 0;     // /proc/loadavg, 1 minute
  double time_s = 0;           // a steady clock's reading
};

// Reads /proc/stat, /proc/loadavg and getrusage now; unreadable files leave
// their fields empty (and LoadBetween then reports nothing).
LoadSample SampleLoad();

// The load on the allowed CPUs between two samples, as average CPUs busy.
struct MachineLoad {
  double wall_s = 0;
  int allowed_cpus = 0;     // of the affinity, found in both samples
  double busy_cpus = 0;     // every process, the kernel's interrupts included
  double own_cpus = 0;      // this process
  double other_cpus = 0;    // busy_cpus - own_cpus, never below 0
  double steal_cpus = 0;    // time the hypervisor withheld
  double load_average = 0;  // 1-minute load average at the end
};

void to_json(nlohmann::json& json, const MachineLoad& load);
void from_json(const nlohmann::json& json, MachineLoad& load);

// `allowed_cpus`: the CPU numbers this process may run on (its affinity);
// `ticks_per_s`: /proc/stat's clock (sysconf(_SC_CLK_TCK)). nullopt when no
// allowed CPU is in both samples or no time passed.
std::optional<MachineLoad> LoadBetween(const LoadSample& before, const LoadSample& after,
                                       std::span<const int> allowed_cpus, double ticks_per_s);

// Every warning for a finished result: from its environment, options,
// config, latency records and load (BenchResult::load), plus one
// "runtime-fallback" per note of the session's (Session::FallbackNotes) and
// one for a non-empty `unfused_qdq_note` (UnfusedQdqNote).
std::vector<HygieneWarning> CheckHygiene(const BenchResult& result, const std::vector<std::string>& fallback_notes = {},
                                         const std::string& unfused_qdq_note = "");

}  // namespace sweetspot
