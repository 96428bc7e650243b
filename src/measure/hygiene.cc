#include "sweetspot/hygiene.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/measure.h"

namespace sweetspot {

void to_json(nlohmann::json& j, const HygieneWarning& w) {
  j = {{"code", w.code},       {"message", w.message}, {"action", w.action},
       {"setting", w.setting}, {"change", w.change},   {"value", w.value}};
}
void from_json(const nlohmann::json& j, HygieneWarning& w) {
  j.at("code").get_to(w.code);
  j.at("message").get_to(w.message);
  j.at("action").get_to(w.action);
  j.at("setting").get_to(w.setting);
  j.at("change").get_to(w.change);
  j.at("value").get_to(w.value);
}

void to_json(nlohmann::json& j, const MachineLoad& l) {
  j = {{"wall_s", l.wall_s},
       {"allowed_cpus", l.allowed_cpus},
       {"busy_cpus", l.busy_cpus},
       {"own_cpus", l.own_cpus},
       {"other_cpus", l.other_cpus},
       {"steal_cpus", l.steal_cpus},
       {"load_average", l.load_average}};
}
void from_json(const nlohmann::json& j, MachineLoad& l) {
  j.at("wall_s").get_to(l.wall_s);
  j.at("allowed_cpus").get_to(l.allowed_cpus);
  j.at("busy_cpus").get_to(l.busy_cpus);
  j.at("own_cpus").get_to(l.own_cpus);
  j.at("other_cpus").get_to(l.other_cpus);
  j.at("steal_cpus").get_to(l.steal_cpus);
  j.at("load_average").get_to(l.load_average);
}

std::string HygieneAdvice(const HygieneWarning& warning, const HygieneSettingNames& names) {
  if (warning.setting.empty()) return warning.action;
  const std::map<std::string, std::string> by_setting = {{"threads", names.threads},
                                                         {"concurrency", names.concurrency},
                                                         {"duration", names.duration},
                                                         {"max_duration", names.max_duration}};
  const auto found = by_setting.find(warning.setting);
  const std::string& name = found == by_setting.end() ? warning.setting : found->second;
  return warning.value.empty() ? fmt::format("{} {}", warning.change, name)
                               : fmt::format("{} {} to {}", warning.change, name, warning.value);
}

std::vector<CpuTicks> ParseProcStat(std::string_view text) {
  std::vector<CpuTicks> cpus;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    // "cpuN user nice system idle iowait irq softirq steal [guest guest_nice]"
    if (!line.starts_with("cpu") || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    CpuTicks t;
    int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(fields >> t.cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) continue;
    t.busy = user + nice + system + irq + softirq;
    t.idle = idle + iowait;
    t.steal = steal;
    cpus.push_back(t);
  }
  return cpus;
}

LoadSample SampleLoad() {
  LoadSample sample;
  sample.time_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * t.tv_usec; };
    sample.own_cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  std::ifstream stat("/proc/stat");
  sample.cpus = ParseProcStat(std::string(std::istreambuf_iterator<char>(stat), {}));
  std::ifstream loadavg("/proc/loadavg");
  loadavg >> sample.load_average;
  return sample;
}

std::optional<MachineLoad> LoadBetween(const LoadSample& before, const LoadSample& after,
                                       std::span<const int> allowed_cpus, double ticks_per_s) {
  MachineLoad load;
  load.wall_s = after.time_s - before.time_s;
  if (load.wall_s <= 0 || ticks_per_s <= 0) return std::nullopt;
  const auto find = [](const LoadSample& s, int cpu) {
    return std::find_if(s.cpus.begin(), s.cpus.end(), [cpu](const CpuTicks& t) { return t.cpu == cpu; });
  };
  int64_t busy_ticks = 0;
  int64_t steal_ticks = 0;
  for (int cpu : allowed_cpus) {
    const auto b = find(before, cpu);
    const auto a = find(after, cpu);
    if (b == before.cpus.end() || a == after.cpus.end()) continue;
    ++load.allowed_cpus;
    busy_ticks += a->busy - b->busy;
    steal_ticks += a->steal - b->steal;
  }
  if (load.allowed_cpus == 0) return std::nullopt;
  const double per_cpu_s = ticks_per_s * load.wall_s;
  load.busy_cpus = static_cast<double>(busy_ticks) / per_cpu_s;
  load.steal_cpus = static_cast<double>(steal_ticks) / per_cpu_s;
  load.own_cpus = (after.own_cpu_s - before.own_cpu_s) / load.wall_s;
  load.other_cpus = std::max(0.0, load.busy_cpus - load.own_cpus);
  load.load_average = after.load_average;
  return load;
}

namespace {

HygieneWarning Act(std::string code, std::string message, std::string action) {
  return {std::move(code), std::move(message), std::move(action), "", "", ""};
}

HygieneWarning Change(std::string code, std::string message, std::string change, std::string setting,
                      std::string value = "") {
  return {std::move(code), std::move(message), "", std::move(setting), std::move(change), std::move(value)};
}

void GovernorWarnings(const Environment& e, std::vector<HygieneWarning>* out) {
  if (e.frequency_governor.empty()) {
    out->push_back(
        Act("governor-unknown",
            "the CPU frequency governor could not be read (no cpufreq in /sys, as in most virtual machines), "
            "so clock-speed changes during the run cannot be ruled out",
            "on a machine you control, check it with: cpupower frequency-info"));
  } else if (e.frequency_governor != "performance") {
    out->push_back(
        Act("governor",
            fmt::format(
                "the CPU frequency governor is '{}', not 'performance', so the clock may change speed during the run",
                e.frequency_governor),
            "set the governor: sudo cpupower frequency-set -g performance"));
  }
}

void LoadWarnings(const MachineLoad& load, std::vector<HygieneWarning>* out) {
  if (load.other_cpus > kOtherLoadThresholdCpus) {
    out->push_back(Act("other-load",
                       fmt::format("other processes used {:.1f} of {} CPUs during the run (load average {:.2f})",
                                   load.other_cpus, load.allowed_cpus, load.load_average),
                       "stop other work or pin with taskset"));
  }
  const double steal_fraction = load.steal_cpus / load.allowed_cpus;
  if (steal_fraction > kStealThresholdFraction) {
    out->push_back(Act("steal",
                       fmt::format("the hypervisor withheld {:.0f} % of the {} CPUs' time (steal) during the run",
                                   100 * steal_fraction, load.allowed_cpus),
                       "measure on a dedicated machine or at a quieter time (other virtual machines share the host)"));
  }
}

void ThreadWarnings(const BenchResult& r, std::vector<HygieneWarning>* out) {
  const int usable = r.environment.usable_cpus;
  const int intra = r.options.intra_op_threads;
  if (usable <= 0 || intra <= 0) return;  // 0 threads: the runtime picks the usable CPUs
  const bool parallel = r.options.execution_mode == ExecutionMode::kParallel && r.options.inter_op_threads > 1;
  const int per_query = intra * (parallel ? r.options.inter_op_threads : 1);
  const auto& scenarios = r.config.scenarios;
  const bool concurrent = std::find(scenarios.begin(), scenarios.end(), Scenario::kConcurrent) != scenarios.end();
  const int streams = concurrent ? r.config.concurrency : 1;
  const int total = per_query * streams;
  if (total <= usable) return;
  std::string parts = fmt::format("{} intra-op", intra);
  if (parallel) parts += fmt::format(" x {} inter-op", r.options.inter_op_threads);
  if (concurrent) parts += fmt::format(" x {} concurrent", streams);
  const bool threads_to_blame = per_query > usable || intra > 1;
  const int inter_factor = per_query / intra;
  out->push_back(Change("threads-over-cores",
                        fmt::format("{} runtime threads ({}) on {} usable CPUs: the extra threads only time-share them",
                                    total, parts, usable),
                        "lower", threads_to_blame ? "threads" : "concurrency",
                        std::to_string(threads_to_blame ? std::max(1, usable / (streams * inter_factor)) : usable)));
}

void StabilityWarning(const std::string& what, const stats::Summary& s, std::vector<HygieneWarning>* out) {
  if (s.count < 2 || s.mean <= 0) return;
  const double cv = s.stddev / s.mean;
  if (cv <= kUnstableCvThreshold) return;
  out->push_back(Change("unstable-latency",
                        fmt::format("{} latencies vary by {:.0f} % (coefficient of variation, above {:.0f} %), so they "
                                    "never stabilised",
                                    what, 100 * cv, 100 * kUnstableCvThreshold),
                        "raise", "duration"));
}

void ConvergenceWarning(const SingleStreamResult& s, std::vector<HygieneWarning>* out) {
  if (s.converged) return;
  const std::string reached = std::isfinite(s.achieved_relative_half_width)
                                  ? fmt::format("+/-{:.2f} %", 100 * s.achieved_relative_half_width)
                                  : std::string("no valid interval");
  out->push_back(
      Change("not-converged",
             fmt::format("the single-stream p50 interval did not reach +/-{:.2f} % before the maximum duration "
                         "(got {}); the machine is noisy or the run too short",
                         100 * s.target_relative_half_width, reached),
             "raise", "max_duration"));
}

}  // namespace

std::vector<HygieneWarning> CheckHygiene(const BenchResult& r, const std::vector<std::string>& fallback_notes,
                                         const std::string& unfused_qdq_note) {
  std::vector<HygieneWarning> out;
  GovernorWarnings(r.environment, &out);
  if (r.load) LoadWarnings(*r.load, &out);
  ThreadWarnings(r, &out);
  if (r.single_stream) {
    StabilityWarning("single-stream", r.single_stream->latency.summary_ms, &out);
    ConvergenceWarning(*r.single_stream, &out);
  }
  for (const auto& o : r.offline) {
    StabilityWarning(fmt::format("offline batch-{}", o.batch_size), o.batch_latency.summary_ms, &out);
  }
  for (const std::string& note : fallback_notes) {
    out.push_back(Act("runtime-fallback", note,
                      "measure with a provider or engine that runs the whole model, or count on the slower path"));
  }
  if (!unfused_qdq_note.empty()) {
    // Each form the runtime fuses needs all three; unquantized nodes skip the conversions.
    out.push_back(Act("runtime-fallback", unfused_qdq_note,
                      "quantize those nodes as the runtime fuses them (8-bit activations and weights, the output "
                      "quantized, graph optimisation extended or all) or leave them unquantized"));
  }
  return out;
}

}  // namespace sweetspot
