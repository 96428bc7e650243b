#include "sweetspot/keypoint_video_summary.h"

#include <cassert>
#include <vector>

#include <nlohmann/json.hpp>

#include "series_bootstrap.h"
#include "stability_json.h"

namespace sweetspot {
namespace {

KeypointTrack TrackOf(const KeypointVideoModel& model) { return {model.frames}; }

VideoConfidence MeasureConfidence(const KeypointVideoModel& model, const StabilityOptions& options) {
  const std::size_t n = model.frames.size();
  ChannelSeries score(n, 1), confident(n, 1);
  for (std::size_t t = 0; t < n; ++t) {
    for (const Keypoint& k : model.frames[t]) {
      if (!(k.score > 0.0F)) continue;
      score.Add(t, 0, k.score);
      confident.Add(t, 0, k.score >= options.min_confidence ? 1.0 : 0.0);
    }
  }
  return {model.name, score.Count(0), SeriesFigures(score, false, options)[0].a,
          SeriesFigures(confident, false, options)[0].a};
}

// 100 * (reference - model) / reference on the means of `indices`; nullopt when undefined.
std::optional<double> DropPercent(const ChannelSeries& reference, const ChannelSeries& model,
                                  std::span<const std::size_t> indices) {
  const std::optional<double> r = reference.Statistic(indices, 0, SeriesStatistic::kMean);
  const std::optional<double> m = model.Statistic(indices, 0, SeriesStatistic::kMean);
  if (!r || !m || *r <= 0.0) return std::nullopt;
  return 100.0 * (*r - *m) / *r;
}

VideoConfidenceDrop MeasureDrop(const KeypointVideoModel& reference, const KeypointVideoModel& model,
                                const StabilityOptions& options) {
  const std::size_t n = reference.frames.size();
  ChannelSeries r(n, 1), m(n, 1);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t j = 0; j < reference.frames[t].size(); ++j) {
      const float rs = reference.frames[t][j].score, ms = model.frames[t][j].score;
      if (!(rs > 0.0F && ms > 0.0F)) continue;
      r.Add(t, 0, rs);
      m.Add(t, 0, ms);
    }
  }
  VideoConfidenceDrop drop;
  drop.joint_frames = r.Count(0);
  std::vector<std::size_t> all(n);
  for (std::size_t t = 0; t < n; ++t) all[t] = t;
  const std::optional<double> point = DropPercent(r, m, all);
  if (!point) return drop;
  drop.reference_mean = *r.Statistic(all, 0, SeriesStatistic::kMean);
  drop.model_mean = *m.Statistic(all, 0, SeriesStatistic::kMean);
  drop.drop_percent.value = *point;
  if (options.bootstrap_replicates == 0) return drop;
  // The ratio is recomputed on each paired resample (not the interval of the difference rescaled).
  stats::MovingBlockResampler resampler(n, BlockLengthFor(n, options), options.seed);
  std::vector<double> replicates;
  for (std::size_t b = 0; b < options.bootstrap_replicates; ++b) {
    if (const std::optional<double> d = DropPercent(r, m, resampler.Next())) replicates.push_back(*d);
  }
  drop.p_value = stats::PairedBootstrapPValue(replicates);
  drop.drop_percent.ci = stats::PercentileBootstrapInterval(std::move(replicates), options.confidence);
  return drop;
}

KeypointVideoComparison Compare(const KeypointVideoResult& result, std::size_t m,
                                const KeypointVideoSummaryOptions& options) {
  const KeypointVideoModel& reference = result.models[result.reference];
  const KeypointVideoModel& model = result.models[m];
  std::vector<double> scale_px;
  for (const TrackSquare& crop : result.crops) scale_px.push_back(crop.side_px);
  KeypointVideoComparison out;
  out.model = model.name;
  out.stability = CompareKeypointStability(TrackOf(model), TrackOf(reference), result.schema, model.name,
                                           reference.name, options.stability);
  out.agreement = MeasureKeypointAgreement(TrackOf(reference), TrackOf(model), scale_px, result.schema, reference.name,
                                           model.name, options.agreement, options.stability);
  out.confidence_drop = MeasureDrop(reference, model, options.stability);
  return out;
}

}  // namespace

KeypointVideoSummaryOptions KeypointVideoSummaryOptions::FromRequest(const KeypointVideoRequest& request) {
  KeypointVideoSummaryOptions options;
  options.stability.min_confidence = request.min_confidence;
  options.stability.bootstrap_replicates = request.bootstrap_replicates;
  options.stability.seed = request.seed;
  options.agreement.threshold = request.agreement_threshold;
  return options;
}

KeypointVideoSummary SummarizeKeypointVideo(const KeypointVideoResult& result,
                                            const KeypointVideoSummaryOptions& options) {
  assert(result.reference < result.models.size());
  KeypointVideoSummary summary;
  summary.video = result.video;
  summary.fps = result.fps;
  summary.schema = result.schema.name;
  summary.reference = result.models[result.reference].name;
  summary.frames = static_cast<std::int64_t>(result.crops.size());
  summary.lost_at_frame = result.lost_at_frame;
  summary.note = result.note;
  summary.min_confidence = options.stability.min_confidence;
  summary.agreement_threshold = options.agreement.threshold;
  for (std::size_t m = 0; m < result.models.size(); ++m) {
    assert(result.models[m].frames.size() == result.crops.size());
    summary.confidence.push_back(MeasureConfidence(result.models[m], options.stability));
    if (m != result.reference) summary.comparisons.push_back(Compare(result, m, options));
  }
  return summary;
}

// ---------------------------------------------------------------- JSON
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VideoConfidence, model, joint_frames, mean, confident_share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VideoConfidenceDrop, joint_frames, reference_mean, model_mean, drop_percent, p_value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointVideoComparison, model, stability, agreement, confidence_drop)

namespace {
constexpr const char* kSummarySchema = "sweetspot.keypoint-video-summary/1";
}  // namespace

nlohmann::json ToJson(const KeypointVideoSummary& s) {
  return {{"schema", kSummarySchema},
          {"video", s.video},
          {"fps", s.fps},
          {"keypoint_schema", s.schema},
          {"reference", s.reference},
          {"frames", s.frames},
          {"lost_at_frame", s.lost_at_frame ? nlohmann::json(*s.lost_at_frame) : nlohmann::json(nullptr)},
          {"note", s.note},
          {"min_confidence", s.min_confidence},
          {"agreement_threshold", s.agreement_threshold},
          {"confidence", s.confidence},
          {"comparisons", s.comparisons}};
}

Result<KeypointVideoSummary> KeypointVideoSummaryFromJson(const nlohmann::json& j) {
  try {
    if (j.at("schema").get<std::string>() != kSummarySchema) {
      return Status::InvalidData(std::string("keypoint video summary: schema is not ") + kSummarySchema);
    }
    KeypointVideoSummary s;
    s.video = j.at("video").get<std::string>();
    s.fps = j.at("fps").get<double>();
    s.schema = j.at("keypoint_schema").get<std::string>();
    s.reference = j.at("reference").get<std::string>();
    s.frames = j.at("frames").get<std::int64_t>();
    if (!j.at("lost_at_frame").is_null()) s.lost_at_frame = j.at("lost_at_frame").get<std::size_t>();
    s.note = j.at("note").get<std::string>();
    s.min_confidence = j.at("min_confidence").get<double>();
    s.agreement_threshold = j.at("agreement_threshold").get<double>();
    s.confidence = j.at("confidence").get<std::vector<VideoConfidence>>();
    s.comparisons = j.at("comparisons").get<std::vector<KeypointVideoComparison>>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("keypoint video summary: ") + e.what());
  }
}

}  // namespace sweetspot
