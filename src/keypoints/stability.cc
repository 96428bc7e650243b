#include "sweetspot/stability.h"

#include <cassert>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "series_bootstrap.h"

namespace sweetspot {
namespace {

std::size_t FrameCount(const KeypointTrack& a, [[maybe_unused]] const KeypointTrack& b) {
  assert(a.frames.size() == b.frames.size());
  return a.frames.size();
}

// Whether the joint is in the mask at t-1, t and t+1.
bool TripleMasked(const std::vector<std::vector<bool>>& mask, std::size_t t, std::size_t joint) {
  return mask[t - 1][joint] && mask[t][joint] && mask[t + 1][joint];
}

// Joint jitter |p[t+1] - 2 p[t] + p[t-1]| per triple centre t (index t - 1), one channel per joint.
ChannelSeries JitterSeries(const KeypointTrack& track, const std::vector<std::vector<bool>>& mask, std::size_t joints) {
  const std::size_t n = track.frames.size();
  ChannelSeries series(n >= 3 ? n - 2 : 0, joints);
  for (std::size_t t = 1; t + 1 < n; ++t) {
    for (std::size_t j = 0; j < joints; ++j) {
      if (!TripleMasked(mask, t, j)) continue;
      const Keypoint& before = track.frames[t - 1][j];
      const Keypoint& now = track.frames[t][j];
      const Keypoint& after = track.frames[t + 1][j];
      series.Add(t - 1, j, std::hypot(after.x - 2.0 * now.x + before.x, after.y - 2.0 * now.y + before.y));
    }
  }
  return series;
}

// The angles' second differences per triple centre t (index t - 1), one channel per schema angle.
ChannelSeries AngleSeries(const KeypointTrack& track, const KeypointSchema& schema,
                          const std::vector<std::vector<bool>>& mask) {
  const std::size_t n = track.frames.size();
  ChannelSeries series(n >= 3 ? n - 2 : 0, schema.angles.size());
  for (std::size_t k = 0; k < schema.angles.size(); ++k) {
    const std::vector<std::optional<double>> angle = AngleSeriesDeg(track, schema.angles[k], schema, mask);
    for (std::size_t t = 1; t + 1 < n; ++t) {
      if (angle[t - 1] && angle[t] && angle[t + 1])
        series.Add(t - 1, k, *angle[t + 1] - 2.0 * *angle[t] + *angle[t - 1]);
    }
  }
  return series;
}

std::size_t JointOf(const KeypointSchema& schema, const std::string& joint) {
  const int index = schema.JointIndex(joint);
  assert(index >= 0);  // keypoints.h: the joints an angle names exist
  return static_cast<std::size_t>(index);
}

}  // namespace

std::vector<std::vector<bool>> JointlyConfident(const KeypointTrack& a, const KeypointTrack& b, float min_confidence) {
  const std::size_t n = FrameCount(a, b);
  std::vector<std::vector<bool>> mask(n);
  for (std::size_t t = 0; t < n; ++t) {
    assert(a.frames[t].size() == b.frames[t].size());
    mask[t].resize(a.frames[t].size());
    for (std::size_t j = 0; j < mask[t].size(); ++j) {
      mask[t][j] = a.frames[t][j].score >= min_confidence && b.frames[t][j].score >= min_confidence;
    }
  }
  return mask;
}

std::optional<double> JointAngleDeg(std::span<const Keypoint> keypoints, const JointAngle& angle,
                                    const KeypointSchema& schema) {
  const Keypoint& a = keypoints[JointOf(schema, angle.a)];
  const Keypoint& v = keypoints[JointOf(schema, angle.vertex)];
  const Keypoint& c = keypoints[JointOf(schema, angle.c)];
  const double ax = a.x - v.x, ay = a.y - v.y, cx = c.x - v.x, cy = c.y - v.y;
  if ((ax == 0.0 && ay == 0.0) || (cx == 0.0 && cy == 0.0)) return std::nullopt;
  // atan2 of the cross and dot products: accurate near 0 and 180 degrees, where acos is not.
  const double interior_deg = std::atan2(std::abs(ax * cy - ay * cx), ax * cx + ay * cy) * 180.0 / std::numbers::pi;
  return angle.sign * (interior_deg - angle.offset_deg);
}

std::vector<std::optional<double>> AngleSeriesDeg(const KeypointTrack& track, const JointAngle& angle,
                                                  const KeypointSchema& schema,
                                                  const std::vector<std::vector<bool>>& mask) {
  assert(mask.size() == track.frames.size());
  const std::size_t joints[] = {JointOf(schema, angle.a), JointOf(schema, angle.vertex), JointOf(schema, angle.c)};
  std::vector<std::optional<double>> series(track.frames.size());
  for (std::size_t t = 0; t < series.size(); ++t) {
    const bool masked = mask[t][joints[0]] && mask[t][joints[1]] && mask[t][joints[2]];
    if (masked) series[t] = JointAngleDeg(track.frames[t], angle, schema);
  }
  return series;
}

std::string StabilityVerdict(std::string_view a_name, std::string_view b_name, double diff, double p_value,
                             double significance, std::int64_t count) {
  if (count == 0) return "not measured (no jointly confident frames)";
  if (count < kMinTestedMeasurements) {
    return fmt::format("too few to test ({} measurement{}; at least {})", count, count == 1 ? "" : "s",
                       kMinTestedMeasurements);
  }
  const std::string p = p_value < 0.001 ? fmt::format("{:.1e}", p_value) : fmt::format("{:.3f}", p_value);
  if (p_value >= significance || diff == 0.0) return fmt::format("no measurable difference (p = {})", p);
  return diff > 0.0 ? fmt::format("{} is noisier than {} (p = {})", a_name, b_name, p)
                    : fmt::format("{} is noisier than {} (p = {})", b_name, a_name, p);
}

KeypointStabilityComparison CompareKeypointStability(const KeypointTrack& a, const KeypointTrack& b,
                                                     const KeypointSchema& schema, std::string_view model_a,
                                                     std::string_view model_b, const StabilityOptions& options) {
  const std::size_t n = FrameCount(a, b);
  const std::vector<std::vector<bool>> mask = JointlyConfident(a, b, options.min_confidence);
  KeypointStabilityComparison out;
  out.model_a = model_a;
  out.model_b = model_b;
  out.schema = schema.name;
  out.frames = static_cast<std::int64_t>(n);
  out.block_length = static_cast<std::int64_t>(BlockLengthFor(n >= 3 ? n - 2 : 0, options));
  out.replicates = static_cast<std::int64_t>(options.bootstrap_replicates);
  out.min_confidence = options.min_confidence;

  out.jitter_px = CompareSeries(JitterSeries(a, mask, schema.size()), JitterSeries(b, mask, schema.size()),
                                SeriesStatistic::kMean, true, model_a, model_b, options);
  out.overall_jitter_px = std::move(out.jitter_px.back());
  out.overall_jitter_px.name = "overall";
  out.jitter_px.pop_back();
  for (std::size_t j = 0; j < out.jitter_px.size(); ++j) out.jitter_px[j].name = schema.joints[j];

  out.angle_noise_deg = CompareSeries(AngleSeries(a, schema, mask), AngleSeries(b, schema, mask),
                                      SeriesStatistic::kStdDev, false, model_a, model_b, options);
  for (std::size_t k = 0; k < out.angle_noise_deg.size(); ++k) out.angle_noise_deg[k].name = schema.angles[k].name;
  return out;
}

}  // namespace sweetspot
