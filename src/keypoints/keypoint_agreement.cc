#include <cassert>
#include <cmath>

#include "series_bootstrap.h"
#include "sweetspot/stability.h"

namespace sweetspot {
namespace {

struct AgreementSeries {
  ChannelSeries distance_px, distance, beyond, any_beyond;
};

AgreementSeries MeasureFrames(const KeypointTrack& a, const KeypointTrack& b, std::span<const double> scale_px,
                              const std::vector<std::vector<bool>>& mask, std::size_t joints, double threshold) {
  const std::size_t n = a.frames.size();
  AgreementSeries s{ChannelSeries(n, joints), ChannelSeries(n, joints), ChannelSeries(n, joints), ChannelSeries(n, 1)};
  for (std::size_t t = 0; t < n; ++t) {
    assert(scale_px[t] > 0.0);
    bool measured = false, any = false;
    for (std::size_t j = 0; j < joints; ++j) {
      if (!mask[t][j]) continue;
      const double px = std::hypot(a.frames[t][j].x - b.frames[t][j].x, a.frames[t][j].y - b.frames[t][j].y);
      const double normalised = px / scale_px[t];
      s.distance_px.Add(t, j, px);
      s.distance.Add(t, j, normalised);
      s.beyond.Add(t, j, normalised > threshold ? 1.0 : 0.0);
      measured = true;
      any = any || normalised > threshold;
    }
    if (measured) s.any_beyond.Add(t, 0, any ? 1.0 : 0.0);
  }
  return s;
}

}  // namespace

KeypointAgreement MeasureKeypointAgreement(const KeypointTrack& a, const KeypointTrack& b,
                                           std::span<const double> scale_px, const KeypointSchema& schema,
                                           std::string_view model_a, std::string_view model_b,
                                           const AgreementOptions& agreement, const StabilityOptions& options) {
  assert(scale_px.size() == a.frames.size());
  const std::vector<std::vector<bool>> mask = JointlyConfident(a, b, options.min_confidence);
  const AgreementSeries series = MeasureFrames(a, b, scale_px, mask, schema.size(), agreement.threshold);
  const std::vector<PairedStability> px = SeriesFigures(series.distance_px, false, options);
  const std::vector<PairedStability> normalised = SeriesFigures(series.distance, true, options);
  const std::vector<PairedStability> beyond = SeriesFigures(series.beyond, false, options);
  KeypointAgreement out;
  out.model_a = model_a;
  out.model_b = model_b;
  out.schema = schema.name;
  out.frames = static_cast<std::int64_t>(a.frames.size());
  out.threshold = agreement.threshold;
  for (std::size_t j = 0; j < schema.size(); ++j) {
    out.joints.push_back({schema.joints[j], series.distance_px.Count(j), px[j].a, normalised[j].a, beyond[j].a});
  }
  out.distance = normalised.back().a;
  out.frames_measured = series.any_beyond.Count(0);
  out.any_beyond_share = SeriesFigures(series.any_beyond, false, options)[0].a;
  return out;
}

}  // namespace sweetspot
