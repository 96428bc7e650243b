#include "sweetspot/load_report.h"

#include <fmt/format.h>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {
using nlohmann::json;

json IntervalJson(const stats::Interval& interval) {
  return {{"lower", interval.lower}, {"upper", interval.upper}, {"valid", interval.valid}};
}

json LatencyJson(const LatencyStats& l) {
  return {{"count", l.count},
          {"mean", l.mean_ms},
          {"p50", l.p50_ms},
          {"p90", l.p90_ms},
          {"p95", l.p95_ms},
          {"p99", l.p99_ms},
          {"p50_ci", IntervalJson(l.p50_ci)},
          {"p90_ci", IntervalJson(l.p90_ci)},
          {"p95_ci", IntervalJson(l.p95_ci)},
          {"p99_ci", IntervalJson(l.p99_ci)}};
}

// "closed 16" or "open 200/s".
std::string LevelLabel(const LevelResult& level) {
  return level.mode == LoadMode::kClosed ? fmt::format("closed {}", level.concurrency)
                                         : fmt::format("open {:g}/s", level.rate_per_s);
}

}  // namespace

json LoadOptionsJson(const LoadOptions& o) {
  return {{"url", o.url},
          {"model", o.model},
          {"version", o.version},
          {"form", RequestFormName(o.form)},
          {"concurrency", o.concurrency},
          {"rates_per_s", o.rates_per_s},
          {"warmup_s", o.timing.warmup_s},
          {"duration_s", o.timing.duration_s},
          {"window_s", o.timing.window_s},
          {"tolerance", o.timing.tolerance},
          {"max_in_flight", o.max_in_flight},
          {"seed", o.seed},
          {"one_pass", o.one_pass}};
}

json LevelJson(const LevelResult& l) {
  json level = {
      {"mode", LoadModeName(l.mode)},
      {"concurrency", l.concurrency},
      {"rate_per_s", l.rate_per_s},
      {"duration_s", l.duration_s},
      {"completed", l.completed},
      {"dropped", l.dropped},
      {"errors", l.errors},
      {"error_count", l.error_count()},
      {"first_error", SafeText(l.first_error)},
      {"throughput_per_s", l.throughput_per_s},
      {"latency_ms", LatencyJson(l.latency)},
      {"client_us", {{"serialize", l.client.serialize_us}, {"wait", l.client.wait_us}, {"parse", l.client.parse_us}}},
      {"top1", {{"scored", l.scored}, {"correct", l.top1_correct}, {"value", l.top1}, {"ci", IntervalJson(l.top1_ci)}}},
      {"windows_per_s", l.window_throughputs},
      {"stable", l.stable}};
  level["detection"] = l.detection ? ToJson(*l.detection) : json(nullptr);
  level["keypoints"] = l.keypoints ? ToJson(*l.keypoints) : json(nullptr);
  level["server_us"] = l.server.answers == 0 ? json(nullptr)
                                             : json{{"answers", l.server.answers},
                                                    {"queue", l.server.queue_us},
                                                    {"preprocess", l.server.preprocess_us},
                                                    {"inference", l.server.inference_us},
                                                    {"batch_size", l.server.batch_size}};
  return level;
}

json LoadRunJson(const LoadRun& run, const Environment& environment) {
  json levels = json::array();
  for (const LevelResult& level : run.levels) levels.push_back(LevelJson(level));
  return {{"schema", "sweetspot.load/1"},     {"options", LoadOptionsJson(run.options)},
          {"dataset", SafeText(run.dataset)}, {"samples", run.samples},
          {"environment", environment},       {"levels", std::move(levels)}};
}

std::string RenderLoadCsv(const LoadRun& run) {
  std::string out =
      "mode,concurrency,rate_per_s,duration_s,completed,errors,dropped,throughput_per_s,mean_ms,p50_ms,p50_lower_ms,"
      "p50_upper_ms,p90_ms,p95_ms,p99_ms,serialize_us,wait_us,parse_us,server_queue_us,server_preprocess_us,"
      "server_inference_us,server_batch_size,scored,top1,top1_lower,top1_upper,stable,map50_95,map50\n";
  for (const LevelResult& l : run.levels) {
    const LatencyStats& t = l.latency;
    out += fmt::format("{},{},{},{},{},{},{},{:.3f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},",
                       LoadModeName(l.mode), l.concurrency, l.rate_per_s, l.duration_s, l.completed, l.error_count(),
                       l.dropped, l.throughput_per_s, t.mean_ms, t.p50_ms, t.p50_ci.lower, t.p50_ci.upper, t.p90_ms,
                       t.p95_ms, t.p99_ms);
    out += fmt::format("{:.2f},{:.2f},{:.2f},", l.client.serialize_us, l.client.wait_us, l.client.parse_us);
    if (l.server.answers > 0) {
      out += fmt::format("{:.2f},{:.2f},{:.2f},{:.3f},", l.server.queue_us, l.server.preprocess_us,
                         l.server.inference_us, l.server.batch_size);
    } else {
      out += ",,,,";
    }
    out += fmt::format("{},{:.6f},{:.6f},{:.6f},{},", l.scored, l.top1, l.top1_ci.lower, l.top1_ci.upper,
                       l.stable ? "true" : "false");
    out += l.detection ? fmt::format("{:.6f},{:.6f}\n", l.detection->map50_95, l.detection->map50) : ",\n";
  }
  return out;
}

namespace {

// The loosest PCK of a keypoint level (the largest alpha).
const PckAt* HeadlinePck(const LevelResult& l) {
  if (!l.keypoints || l.keypoints->pck.empty()) return nullptr;
  return &*std::max_element(l.keypoints->pck.begin(), l.keypoints->pck.end(),
                            [](const PckAt& a, const PckAt& b) { return a.alpha < b.alpha; });
}

// The accuracy column: top-1, or for detection runs the protocol's headline
// mAP (COCO mAP@[.5:.95], VOC mAP@0.5), for keypoint runs PCK at the loosest alpha.
std::string AccuracyHeader(const LoadRun& run) {
  for (const LevelResult& l : run.levels) {
    if (l.detection) return l.detection->protocol == "voc" ? "mAP@0.5" : "mAP@[.5:.95]";
    if (const PckAt* pck = HeadlinePck(l)) return fmt::format("PCK@{:g}", pck->alpha);
  }
  return "top-1";
}

std::string AccuracyCell(const LevelResult& l) {
  if (const PckAt* pck = HeadlinePck(l)) return fmt::format("{:.2f} %", 100.0 * pck->pck.value);
  if (l.detection) {
    return fmt::format("{:.2f} %",
                       100.0 * (l.detection->protocol == "voc" ? l.detection->map50 : l.detection->map50_95));
  }
  return l.scored > 0 ? fmt::format("{:.2f} %", 100.0 * l.top1) : std::string("--");
}

}  // namespace

std::string RenderLoadTable(const LoadRun& run) {
  std::string out =
      fmt::format("{:<14} {:>10} {:>9} {:>21} {:>9} {:>9} {:>8} {:>8} {:>7}  {}\n", "level", "answers/s", "p50 ms",
                  "(95 % interval)", "p90 ms", "p99 ms", "errors", "dropped", AccuracyHeader(run), "");
  for (const LevelResult& l : run.levels) {
    const LatencyStats& t = l.latency;
    const std::string ci =
        t.p50_ci.valid ? fmt::format("({:.3f}-{:.3f})", t.p50_ci.lower, t.p50_ci.upper) : std::string("(--)");
    const std::string top1 = AccuracyCell(l);
    out += fmt::format("{:<14} {:>10.1f} {:>9.3f} {:>21} {:>9.3f} {:>9.3f} {:>8} {:>8} {:>7}  {}\n", LevelLabel(l),
                       l.throughput_per_s, t.p50_ms, ci, t.p90_ms, t.p99_ms, l.error_count(), l.dropped, top1,
                       l.stable ? "" : "unstable");
  }
  return out;
}

}  // namespace sweetspot
