#include "sweetspot/task_stability.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <tuple>

#include "series_bootstrap.h"

namespace sweetspot {
namespace {

ChannelSeries FlickerSeries(std::span<const int> top1) {
  ChannelSeries series(top1.size() >= 2 ? top1.size() - 1 : 0, 1);
  for (std::size_t t = 0; t + 1 < top1.size(); ++t) series.Add(t, 0, top1[t] != top1[t + 1] ? 1.0 : 0.0);
  return series;
}

// One series' figures (the bootstrap of a series against itself gives its intervals).
std::vector<PairedStability> Figures(const ChannelSeries& series, const StabilityOptions& options) {
  return CompareSeries(series, series, SeriesStatistic::kMean, false, "", "", options);
}

std::vector<Detection> Visible(const std::vector<Detection>& detections, float min_score) {
  std::vector<Detection> out;
  for (const Detection& d : detections) {
    if (d.score >= min_score) out.push_back(d);
  }
  return out;
}

// match[i]: the box of `next` matched to box i of `now`, or -1 (greedy, highest IoU first).
std::vector<int> MatchFrames(const std::vector<Detection>& now, const std::vector<Detection>& next, double threshold) {
  std::vector<std::tuple<double, std::size_t, std::size_t>> candidates;
  for (std::size_t i = 0; i < now.size(); ++i) {
    for (std::size_t j = 0; j < next.size(); ++j) {
      const double iou = IntersectionOverUnion(now[i].box, next[j].box);
      if (iou >= threshold) candidates.emplace_back(iou, i, j);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& x, const auto& y) { return std::get<0>(x) > std::get<0>(y); });
  std::vector<int> match(now.size(), -1);
  std::vector<bool> taken(next.size(), false);
  for (const auto& [iou, i, j] : candidates) {
    if (match[i] >= 0 || taken[j]) continue;
    match[i] = static_cast<int>(j);
    taken[j] = true;
  }
  return match;
}

double Size(const Box& box) { return std::sqrt(box.area()); }

struct DetectionSeries {
  ChannelSeries pairs;    // 0 identity flicker, 1 appear, 2 disappear
  ChannelSeries triples;  // 0 centre jitter, 1 size jitter
};

void AddPair(const std::vector<Detection>& now, const std::vector<Detection>& next, const std::vector<int>& match,
             std::size_t t, ChannelSeries& pairs) {
  std::vector<bool> matched_next(next.size(), false);
  for (std::size_t i = 0; i < now.size(); ++i) {
    pairs.Add(t, 2, match[i] < 0 ? 1.0 : 0.0);
    if (match[i] < 0) continue;
    matched_next[static_cast<std::size_t>(match[i])] = true;
    pairs.Add(t, 0, now[i].class_id != next[static_cast<std::size_t>(match[i])].class_id ? 1.0 : 0.0);
  }
  for (bool m : matched_next) pairs.Add(t, 1, m ? 0.0 : 1.0);
}

void AddChain(const Box& before, const Box& now, const Box& after, std::size_t index, ChannelSeries& triples) {
  const double s = Size(now);
  if (s <= 0.0) return;
  const auto cx = [](const Box& b) { return (b.x1 + b.x2) / 2.0; };
  const auto cy = [](const Box& b) { return (b.y1 + b.y2) / 2.0; };
  triples.Add(index, 0, std::hypot(cx(after) - 2.0 * cx(now) + cx(before), cy(after) - 2.0 * cy(now) + cy(before)) / s);
  triples.Add(index, 1, std::abs(Size(after) - 2.0 * s + Size(before)) / s);
}

DetectionSeries Measure(std::span<const std::vector<Detection>> frames, const DetectionStabilityOptions& detection) {
  const std::size_t n = frames.size();
  std::vector<std::vector<Detection>> visible;
  for (const auto& frame : frames) visible.push_back(Visible(frame, detection.min_score));
  std::vector<std::vector<int>> matches;
  DetectionSeries s{ChannelSeries(n >= 2 ? n - 1 : 0, 3), ChannelSeries(n >= 3 ? n - 2 : 0, 2)};
  for (std::size_t t = 0; t + 1 < n; ++t) {
    matches.push_back(MatchFrames(visible[t], visible[t + 1], detection.iou_threshold));
    AddPair(visible[t], visible[t + 1], matches.back(), t, s.pairs);
  }
  for (std::size_t t = 1; t + 1 < n; ++t) {
    for (std::size_t i = 0; i < visible[t - 1].size(); ++i) {
      const int j = matches[t - 1][i];
      const int k = j < 0 ? -1 : matches[t][static_cast<std::size_t>(j)];
      if (k < 0) continue;
      AddChain(visible[t - 1][i].box, visible[t][static_cast<std::size_t>(j)].box,
               visible[t + 1][static_cast<std::size_t>(k)].box, t - 1, s.triples);
    }
  }
  return s;
}

}  // namespace

ClassificationFlicker MeasureClassificationFlicker(std::span<const int> top1, const StabilityOptions& options) {
  const ChannelSeries series = FlickerSeries(top1);
  ClassificationFlicker out;
  out.frames = static_cast<std::int64_t>(top1.size());
  for (std::size_t t = 0; t + 1 < top1.size(); ++t) out.changes += top1[t] != top1[t + 1] ? 1 : 0;
  out.share = Figures(series, options)[0].a;
  return out;
}

PairedStability CompareClassificationFlicker(std::span<const int> a, std::span<const int> b, std::string_view a_name,
                                             std::string_view b_name, const StabilityOptions& options) {
  assert(a.size() == b.size());
  PairedStability out =
      CompareSeries(FlickerSeries(a), FlickerSeries(b), SeriesStatistic::kMean, false, a_name, b_name, options)[0];
  out.name = "flicker";
  return out;
}

DetectionStability MeasureDetectionStability(std::span<const std::vector<Detection>> frames,
                                             const DetectionStabilityOptions& detection,
                                             const StabilityOptions& options) {
  const DetectionSeries series = Measure(frames, detection);
  const std::vector<PairedStability> pairs = Figures(series.pairs, options);
  const std::vector<PairedStability> triples = Figures(series.triples, options);
  DetectionStability out;
  out.frames = static_cast<std::int64_t>(frames.size());
  out.matched_pairs = series.pairs.Count(0);
  out.chains = series.triples.Count(0);
  out.centre_jitter = triples[0].a;
  out.size_jitter = triples[1].a;
  out.identity_flicker = pairs[0].a;
  out.appear_rate = pairs[1].a;
  out.disappear_rate = pairs[2].a;
  return out;
}

std::vector<PairedStability> CompareDetectionStability(std::span<const std::vector<Detection>> a,
                                                       std::span<const std::vector<Detection>> b,
                                                       std::string_view a_name, std::string_view b_name,
                                                       const DetectionStabilityOptions& detection,
                                                       const StabilityOptions& options) {
  assert(a.size() == b.size());
  const DetectionSeries sa = Measure(a, detection);
  const DetectionSeries sb = Measure(b, detection);
  const std::vector<PairedStability> triples =
      CompareSeries(sa.triples, sb.triples, SeriesStatistic::kMean, false, a_name, b_name, options);
  const std::vector<PairedStability> pairs =
      CompareSeries(sa.pairs, sb.pairs, SeriesStatistic::kMean, false, a_name, b_name, options);
  std::vector<PairedStability> out = {triples[0], triples[1], pairs[0], pairs[1], pairs[2]};
  const char* names[] = {"centre_jitter", "size_jitter", "identity_flicker", "appear_rate", "disappear_rate"};
  // StabilityVerdict's "no jointly confident frames" is the keypoints' case.
  const char* unmeasured[] = {"a model has no box matched over three consecutive frames",
                              "a model has no box matched over three consecutive frames",
                              "a model has no box matched between consecutive frames", "a model has no box",
                              "a model has no box"};
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k].name = names[k];
    if (out[k].count == 0) out[k].verdict = std::string("not measured (") + unmeasured[k] + ")";
  }
  return out;
}

}  // namespace sweetspot
