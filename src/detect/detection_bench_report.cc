#include <fmt/format.h>

#include "sweetspot/detection_bench.h"

namespace sweetspot {
namespace {

template <typename... Args>
void Line(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
  out += '\n';
}

std::string Interval(const stats::Interval& ci) {
  return ci.valid ? fmt::format("[{:.3f}, {:.3f}]", ci.lower, ci.upper) : std::string("[n/a: too few]");
}

void StageRow(std::string& out, std::string_view stage, const stats::Summary& s, double total_mean_ms) {
  const double share = total_mean_ms > 0 ? 100.0 * s.mean / total_mean_ms : 0;
  Line(out, "    {:<16} {:>9.3f}  {:<22} {:>9.3f} {:>9.3f} {:>7.1f} %", stage, s.p50, Interval(s.p50_ci), s.p99, s.mean,
       share);
}

void SingleStreamTable(std::string& out, const DetectionStageRecords& stages, const SingleStreamResult& total) {
  const stats::Summary& t = total.latency.summary_ms;
  Line(out, "detection split, single-stream (one image at a time), {} images timed:", t.count);
  Line(out, "    {:<16} {:>9}  {:<22} {:>9} {:>9} {:>9}", "stage", "p50 ms", "95% interval (ms)", "p99 ms", "mean ms",
       "share");
  StageRow(out, "pre-processing", stages.preprocess.summary_ms, t.mean);
  StageRow(out, "network", stages.network.summary_ms, t.mean);
  StageRow(out, "decoding + NMS", stages.postprocess.summary_ms, t.mean);
  StageRow(out, "end to end", t, t.mean);
}

void OfflineTable(std::string& out, const std::vector<DetectionStageRecords>& stages,
                  const std::vector<OfflineResult>& totals) {
  Line(out, "detection split, offline (items/s of each stage alone, and of the whole pipeline):");
  Line(out, "    {:>6} {:>16} {:>12} {:>16} {:>12}", "batch", "pre-processing", "network", "decoding + NMS",
       "end to end");
  for (std::size_t i = 0; i < stages.size() && i < totals.size(); ++i) {
    const DetectionStageRecords& s = stages[i];
    Line(out, "    {:>6} {:>16.1f} {:>12.1f} {:>16.1f} {:>12.1f}", s.batch_size, s.preprocess_items_per_s,
         s.network_items_per_s, s.postprocess_items_per_s, totals[i].items_per_s);
  }
}

}  // namespace

std::string RenderDetectionSplit(const DetectionBenchResult& r) {
  std::string out;
  Line(out,
       "pipeline   {} distinct images of {}; preprocessing {} {}x{}; decoder {}{}, score >= {}, NMS IoU {}, at most {}",
       r.images, r.dataset, ResizeModeName(r.spec.resize), r.spec.width, r.spec.height,
       DetectionLayoutName(r.detector.layout), r.layout_detected ? " (detected)" : "", r.detector.score_threshold,
       r.detector.iou_threshold, r.detector.max_detections);
  Line(out, "           {:.1f} detections per image after NMS", r.detections_per_image);
  if (r.single_stream && r.bench.single_stream) {
    Line(out, "");
    SingleStreamTable(out, *r.single_stream, *r.bench.single_stream);
  }
  if (!r.offline.empty()) {
    Line(out, "");
    OfflineTable(out, r.offline, r.bench.offline);
  }
  return out;
}

}  // namespace sweetspot
