#include "sweetspot/bench_report.h"

#include <fmt/format.h>

namespace sweetspot {
namespace {

std::string Mib(int64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0)); }

std::string Ci(const stats::Interval& ci) {
  return ci.valid ? fmt::format("[{:.3f}, {:.3f}]", ci.lower, ci.upper) : std::string("[n/a: too few samples]");
}

void LatencyLines(std::string& out, const stats::Summary& s) {
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10}  {}\n", "", "ms", "95% interval (ms)");
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}\n", "min", s.min);
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}  {}\n", "p50", s.p50, Ci(s.p50_ci));
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}  {}\n", "p90", s.p90, Ci(s.p90_ci));
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}\n", "p95", s.p95);
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}  {}\n", "p99", s.p99, Ci(s.p99_ci));
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}\n", "max", s.max);
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}  (std {:.3f})\n", "mean", s.mean, s.stddev);
}

// CPU time per inference (measure.h), "-" when not measured.
std::string CpuMs(double ms) { return ms > 0 ? fmt::format("{:.3f}", ms) : std::string("-"); }

// The single-stream CPU line: per query (and item), and the CPUs that kept busy
// on average, so "2 threads: 1.3x faster for 2x the CPU" reads off two runs.
void CpuLine(std::string& out, const SingleStreamResult& s) {
  if (s.cpu_ms_per_inference <= 0) return;
  const double busy = s.duration_s > 0 ? s.cpu_ms_per_inference * static_cast<double>(s.latency.summary_ms.count) /
                                             (1000 * s.duration_s)
                                       : 0;
  fmt::format_to(std::back_inserter(out), "    {:<6} {:>10.3f}  per query{}, {:.2f} CPUs busy (user + system)\n", "cpu",
                 s.cpu_ms_per_inference,
                 s.batch_size > 1 ? fmt::format(" ({:.3f} per item)", s.cpu_ms_per_item) : std::string(), busy);
}

std::string Warmup(const WarmupRecord& w) {
  return fmt::format("warm-up {} runs in {:.0f} ms{}", w.runs, w.duration_ms, w.stable ? "" : " (did NOT stabilise)");
}

template <typename... Args>
void Line(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
  out += '\n';
}

}  // namespace

std::string RenderBenchText(const BenchResult& r, const BenchTextHints& hints) {
  std::string out;
  Line(out, "model      {} ({})", r.model_path, Mib(r.model_file_bytes));
  for (const auto& in : r.inputs) {
    Line(out, "input      {} {} {}", in.name, DTypeName(in.dtype), ShapeToString(in.shape, in.dim_names));
  }
  // Spinning and the arena are on by default; only turning them off is news.
  Line(out, "runtime    {} {}, provider {}, {} intra-op / {} inter-op threads, graph opt {}, {}{}{}", r.backend,
       r.backend_version, r.options.execution_provider, r.options.intra_op_threads, r.options.inter_op_threads,
       GraphOptimizationName(r.options.graph_optimization), ExecutionModeName(r.options.execution_mode),
       r.options.allow_spinning ? "" : ", no spinning", r.options.memory_arena ? "" : ", no memory arena");
  const auto& e = r.environment;
  Line(out, "machine    {} ({} logical cores, affinity {} CPUs{}), {}", e.cpu_model, e.logical_cores, e.affinity.size(),
       e.frequency_governor.empty() ? "" : ", governor " + e.frequency_governor, e.kernel);
  Line(out, "load       {:.1f} ms (session creation)", r.load_ms);
  Line(out, "first run  {:.3f} ms", r.first_inference_ms);
  if (r.memory.measured && r.memory.isolated && r.memory.runtime_baseline_rss_bytes > 0) {
    Line(out, "memory     model {} of the {} peak RSS (the same process without a model: {}), in a child process",
         Mib(r.memory.model_rss_bytes), Mib(r.memory.process_peak_rss_bytes), Mib(r.memory.runtime_baseline_rss_bytes));
  } else if (r.memory.measured) {
    Line(out, "memory     model {} of the {} peak RSS (over the {} before loading){}", Mib(r.memory.model_rss_bytes),
         Mib(r.memory.peak_rss_bytes), Mib(r.memory.baseline_rss_bytes),
         r.memory.isolated ? ", in a child process" : "");
  } else {
    Line(out,
         "memory     not measured: this process loaded another model before (whose memory the runtime keeps) or "
         "cannot reset its peak RSS mark; {}",
         hints.isolate);
  }
  if (r.single_stream) {
    const auto& s = *r.single_stream;
    Line(out, "");
    Line(out, "single-stream, batch {}: {} queries in {:.1f} s, {:.1f} items/s; {}", s.batch_size,
         s.latency.summary_ms.count, s.duration_s, s.items_per_s, Warmup(s.warmup));
    LatencyLines(out, s.latency.summary_ms);
    CpuLine(out, s);
    if (s.converged) {
      Line(out, "    p50 interval within +/-{:.2f} % (target +/-{:.2f} %)", 100 * s.achieved_relative_half_width,
           100 * s.target_relative_half_width);
    } else {
      Line(out, "    p50 interval NOT within the target +/-{:.2f} % (see the warnings)",
           100 * s.target_relative_half_width);
    }
  }
  if (!r.offline.empty()) {
    Line(out, "");
    Line(out, "offline    {:>6} {:>12} {:>14} {:>14} {:>8}", "batch", "items/s", "p50 batch ms", "cpu ms/batch",
         "batches");
    for (const auto& o : r.offline) {
      Line(out, "           {:>6} {:>12.1f} {:>14.3f} {:>14} {:>8}", o.batch_size, o.items_per_s,
           o.batch_latency.summary_ms.p50, CpuMs(o.cpu_ms_per_inference), o.batch_latency.summary_ms.count);
    }
  }
  if (!r.concurrent.empty()) {
    Line(out, "");
    Line(out, "concurrent {:>8} {:>10} {:>12} {:>10} {:>10} {:>12} {:>9}", "threads", "sessions", "items/s", "p50 ms",
         "p99 ms", "cpu ms/req", "requests");
    for (const auto& c : r.concurrent) {
      Line(out, "           {:>8} {:>10} {:>12.1f} {:>10.3f} {:>10.3f} {:>12} {:>9}", c.concurrency,
           c.separate_sessions ? std::to_string(c.concurrency) : std::string("1 shared"), c.items_per_s,
           c.latency.summary_ms.p50, c.latency.summary_ms.p99, CpuMs(c.cpu_ms_per_inference),
           c.latency.summary_ms.count);
    }
  }
  if (!r.warnings.empty()) Line(out, "");
  for (const HygieneWarning& w : r.warnings)
    Line(out, "WARNING    {}: {}", w.message, HygieneAdvice(w, hints.settings));
  return out;
}

}  // namespace sweetspot
