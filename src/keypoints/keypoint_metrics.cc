#include "sweetspot/keypoint_metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace sweetspot {
namespace {

constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

// What one person contributes; NaN where it contributes nothing.
struct PersonFigures {
  std::vector<double> pck;  // per alpha
  double oks = kUndefined;
  double confidence = kUndefined;
  std::vector<double> error_px;  // per joint
  std::vector<double> error_norm;
};

double Distance(const Keypoint& a, const Keypoint& b) { return std::hypot(a.x - b.x, a.y - b.y); }

double MeanScore(const Person& person) {
  double sum = 0.0;
  for (const Keypoint& k : person.keypoints) sum += k.score;
  return person.keypoints.empty() ? kUndefined : sum / static_cast<double>(person.keypoints.size());
}

double Norm(const Person& truth, const std::string& normalization) {
  return normalization == "head" ? truth.head_size : std::max(truth.box.width(), truth.box.height());
}

PersonFigures FiguresOf(const KeypointSchema& schema, const Person& truth, const Person& predicted,
                        const KeypointMetricOptions& options) {
  assert(truth.keypoints.size() == schema.size() && predicted.keypoints.size() == schema.size());
  PersonFigures out;
  out.error_px.assign(schema.size(), kUndefined);
  out.error_norm.assign(schema.size(), kUndefined);
  const double norm = Norm(truth, options.normalization);
  std::vector<int> hits(options.pck_alphas.size(), 0);
  int labelled = 0;
  for (std::size_t j = 0; j < schema.size(); ++j) {
    if (!(truth.keypoints[j].score > 0.0F)) continue;
    ++labelled;
    const double d = Distance(truth.keypoints[j], predicted.keypoints[j]);
    out.error_px[j] = d;
    if (norm > 0.0) out.error_norm[j] = d / norm;
    for (std::size_t a = 0; a < hits.size(); ++a) hits[a] += d <= options.pck_alphas[a] * norm ? 1 : 0;
  }
  for (const int h : hits) out.pck.push_back(labelled > 0 && norm > 0.0 ? double(h) / labelled : kUndefined);
  if (!schema.sigmas.empty() && labelled > 0) out.oks = Oks(truth, predicted, schema.sigmas);
  out.confidence = MeanScore(predicted);
  return out;
}

// Mean of the defined values of `value(i)` over `indices` (NaN when none).
template <typename Value>
double MeanOver(std::span<const std::size_t> indices, Value value) {
  double sum = 0.0;
  std::size_t count = 0;
  for (const std::size_t i : indices) {
    const double v = value(i);
    if (std::isnan(v)) continue;
    sum += v;
    ++count;
  }
  return count == 0 ? kUndefined : sum / static_cast<double>(count);
}

// The statistic on the data and on bootstrap resamples of the persons (the
// same resamples for every statistic with the same options: paired).
template <typename Statistic>
Estimate Bootstrapped(std::size_t persons, const KeypointMetricOptions& options, Statistic statistic,
                      std::vector<double>* replicates_out = nullptr) {
  std::vector<std::size_t> all(persons);
  std::iota(all.begin(), all.end(), std::size_t{0});
  Estimate out{.value = statistic(std::span<const std::size_t>(all)), .ci = {}};
  if (persons == 0 || options.bootstrap_replicates == 0) return out;
  stats::MovingBlockResampler resampler(persons, 1, options.seed);  // blocks of 1: independent persons
  std::vector<double> replicates;
  for (std::size_t r = 0; r < options.bootstrap_replicates; ++r) {
    const double v = statistic(std::span<const std::size_t>(resampler.Next()));
    if (!std::isnan(v)) replicates.push_back(v);
  }
  if (replicates_out != nullptr) *replicates_out = replicates;
  out.ci = stats::PercentileBootstrapInterval(std::move(replicates), options.confidence);
  return out;
}

double MedianOver(std::span<const std::size_t> indices, const std::vector<PersonFigures>& figures) {
  std::vector<double> values;
  for (const std::size_t i : indices) values.push_back(figures[i].confidence);
  std::sort(values.begin(), values.end());
  return values.empty() ? kUndefined : stats::Percentile(values, 0.5);
}

// AP over OKS thresholds .50:.05:.95 of the persons in `indices`: [mean, AP50, AP75].
std::array<double, 3> ApOver(std::span<const std::size_t> indices, const std::vector<PersonFigures>& figures) {
  std::vector<double> oks, scores;
  for (const std::size_t i : indices) {
    oks.push_back(figures[i].oks);
    scores.push_back(figures[i].confidence);
  }
  std::array<double, 10> ap{};
  for (std::size_t t = 0; t < ap.size(); ++t) ap[t] = KeypointAp(oks, scores, 0.5 + 0.05 * static_cast<double>(t));
  return {std::accumulate(ap.begin(), ap.end(), 0.0) / 10.0, ap[0], ap[5]};
}

Status CheckOptions(const KeypointMetricOptions& options) {
  if (options.normalization != "box" && options.normalization != "head") {
    return Status::InvalidArgument(fmt::format(
        "normalization '{}': use box (max side of the person box) or head (head size)", options.normalization));
  }
  for (const double alpha : options.pck_alphas) {
    // PCK@2 counts joints two box sides away as correct: every figure is ~100 %.
    if (!(alpha > 0.0 && alpha <= 1.0)) {
      return Status::InvalidArgument(fmt::format("pck alpha {}: give alphas in (0, 1]", alpha));
    }
  }
  return Status::Ok();
}

// Figures of the persons whose truth has a labelled joint.
std::vector<PersonFigures> AllFigures(const KeypointSchema& schema, std::span<const Person> truth,
                                      std::span<const Person> predicted, const KeypointMetricOptions& options) {
  assert(truth.size() == predicted.size());
  std::vector<PersonFigures> out;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto& k = truth[i].keypoints;
    if (std::none_of(k.begin(), k.end(), [](const Keypoint& p) { return p.score > 0.0F; })) continue;
    out.push_back(FiguresOf(schema, truth[i], predicted[i], options));
  }
  return out;
}

void FillJoints(const KeypointSchema& schema, const std::vector<PersonFigures>& f, const KeypointMetricOptions& options,
                KeypointMetrics& out) {
  for (std::size_t j = 0; j < schema.size(); ++j) {
    JointError joint{.joint = schema.joints[j], .persons = 0, .error_px = {}, .error_norm = {}};
    for (const auto& p : f) joint.persons += std::isnan(p.error_px[j]) ? 0 : 1;
    joint.error_px = Bootstrapped(
        f.size(), options, [&](auto idx) { return MeanOver(idx, [&](std::size_t i) { return f[i].error_px[j]; }); });
    joint.error_norm = Bootstrapped(
        f.size(), options, [&](auto idx) { return MeanOver(idx, [&](std::size_t i) { return f[i].error_norm[j]; }); });
    out.joints.push_back(std::move(joint));
  }
}

}  // namespace

double Oks(const Person& truth, const Person& predicted, std::span<const double> sigmas) {
  assert(truth.keypoints.size() == sigmas.size() && predicted.keypoints.size() == sigmas.size());
  // cocoeval.computeOks: e = d^2 / vars / (area + eps) / 2, vars = (2 sigma)^2, eps = np.spacing(1).
  const double area = truth.area + std::numeric_limits<double>::epsilon();
  double sum = 0.0;
  int labelled = 0;
  for (std::size_t j = 0; j < sigmas.size(); ++j) {
    if (!(truth.keypoints[j].score > 0.0F)) continue;
    const double d = Distance(truth.keypoints[j], predicted.keypoints[j]);
    const double variance = (2.0 * sigmas[j]) * (2.0 * sigmas[j]);
    sum += std::exp(-(d * d) / variance / area / 2.0);
    ++labelled;
  }
  return labelled == 0 ? -1.0 : sum / labelled;
}

double KeypointAp(std::span<const double> oks, std::span<const double> scores, double threshold) {
  assert(oks.size() == scores.size());
  if (oks.empty()) return 0.0;
  std::vector<std::size_t> order(oks.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  std::vector<double> recall, precision;
  double true_positives = 0.0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    true_positives += oks[order[k]] >= threshold ? 1.0 : 0.0;
    recall.push_back(true_positives / static_cast<double>(oks.size()));
    precision.push_back(true_positives / static_cast<double>(k + 1));
  }
  for (std::size_t k = precision.size() - 1; k > 0; --k) precision[k - 1] = std::max(precision[k - 1], precision[k]);
  double sum = 0.0;
  for (int r = 0; r <= 100; ++r) {  // np.linspace(0, 1, 101), searchsorted side 'left'
    const auto it = std::lower_bound(recall.begin(), recall.end(), r / 100.0);
    sum += it == recall.end() ? 0.0 : precision[static_cast<std::size_t>(it - recall.begin())];
  }
  return sum / 101.0;
}

Result<KeypointMetrics> ComputeKeypointMetrics(const KeypointSchema& schema, std::span<const Person> truth,
                                               std::span<const Person> predicted,
                                               const KeypointMetricOptions& options) {
  SWEETSPOT_RETURN_IF_ERROR(CheckOptions(options));
  const std::vector<PersonFigures> f = AllFigures(schema, truth, predicted, options);
  if (f.empty()) return Status::InvalidArgument("no truth person has a labelled joint; give labelled persons");
  KeypointMetrics out;
  out.schema = schema.name;
  out.normalization = options.normalization;
  out.persons = static_cast<std::int64_t>(f.size());
  for (std::size_t a = 0; a < options.pck_alphas.size(); ++a) {
    out.pck.push_back({options.pck_alphas[a], Bootstrapped(f.size(), options, [&](auto idx) {
                         return MeanOver(idx, [&](std::size_t i) { return f[i].pck[a]; });
                       })});
  }
  const auto mean_of = [&](double PersonFigures::*field) {
    return Bootstrapped(f.size(), options,
                        [&](auto idx) { return MeanOver(idx, [&](std::size_t i) { return f[i].*field; }); });
  };
  const bool has_sigmas = !schema.sigmas.empty();
  out.oks = has_sigmas ? mean_of(&PersonFigures::oks) : Estimate{-1.0, {}};
  for (int k = 0; k < 3; ++k) {
    Estimate& target = k == 0 ? out.ap : k == 1 ? out.ap50 : out.ap75;
    target =
        has_sigmas ? Bootstrapped(f.size(), options, [&](auto idx) { return ApOver(idx, f)[k]; }) : Estimate{-1.0, {}};
  }
  out.confidence_mean = mean_of(&PersonFigures::confidence);
  out.confidence_median = Bootstrapped(f.size(), options, [&](auto idx) { return MedianOver(idx, f); });
  FillJoints(schema, f, options, out);
  return out;
}

Result<KeypointComparison> CompareKeypointModels(const KeypointSchema& schema, std::span<const Person> truth,
                                                 std::span<const Person> a, std::span<const Person> b,
                                                 const KeypointMetricOptions& options) {
  SWEETSPOT_RETURN_IF_ERROR(CheckOptions(options));
  const std::vector<PersonFigures> fa = AllFigures(schema, truth, a, options);
  const std::vector<PersonFigures> fb = AllFigures(schema, truth, b, options);
  if (fa.empty()) return Status::InvalidArgument("no truth person has a labelled joint; give labelled persons");
  KeypointComparison out;
  out.persons = static_cast<std::int64_t>(fa.size());
  // The same truth persons: a figure is defined for a's person exactly when for b's.
  const auto diff = [&](auto value, double& p_value) {
    std::vector<double> replicates;
    const Estimate estimate = Bootstrapped(
        fa.size(), options,
        [&](auto idx) {
          return MeanOver(idx, [&](std::size_t i) { return value(fa[i]); }) -
                 MeanOver(idx, [&](std::size_t i) { return value(fb[i]); });
        },
        &replicates);
    p_value = stats::PairedBootstrapPValue(replicates);
    return estimate;
  };
  for (std::size_t k = 0; k < options.pck_alphas.size(); ++k) {
    KeypointComparison::PckDiff entry{.alpha = options.pck_alphas[k], .diff = {}, .p_value = 1.0};
    entry.diff = diff([k](const PersonFigures& p) { return p.pck[k]; }, entry.p_value);
    out.pck.push_back(entry);
  }
  out.oks_diff =
      schema.sigmas.empty() ? Estimate{-1.0, {}} : diff([](const PersonFigures& p) { return p.oks; }, out.oks_p_value);
  return out;
}

Result<ConfidenceDrop> CompareConfidence(const KeypointSchema& reference_schema, std::span<const Person> reference,
                                         const KeypointSchema& model_schema, std::span<const Person> model,
                                         const KeypointMetricOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<int> from_model, MapSchemas(model_schema, reference_schema));
  if (reference.size() != model.size()) {
    return Status::InvalidArgument(fmt::format(
        "{} reference persons but {} model persons; give both models the same crops", reference.size(), model.size()));
  }
  ConfidenceDrop out;
  out.persons = static_cast<std::int64_t>(reference.size());
  std::vector<double> ref(reference.size(), 0.0), mod(model.size(), 0.0);
  for (std::size_t j = 0; j < from_model.size(); ++j) {
    if (from_model[j] < 0) continue;
    out.joints.push_back(reference_schema.joints[j]);
    for (std::size_t i = 0; i < reference.size(); ++i) {
      ref[i] += reference[i].keypoints[j].score;
      mod[i] += model[i].keypoints[static_cast<std::size_t>(from_model[j])].score;
    }
  }
  const auto all = [](std::span<const double> v) { return [v](std::size_t i) { return v[i]; }; };
  const auto drop = [&](std::span<const std::size_t> idx) {
    const double r = MeanOver(idx, all(ref)), m = MeanOver(idx, all(mod));
    return r > 0.0 ? 100.0 * (r - m) / r : kUndefined;
  };
  std::vector<std::size_t> every(reference.size());
  std::iota(every.begin(), every.end(), std::size_t{0});
  const double shared = static_cast<double>(out.joints.size());
  out.reference_mean = MeanOver(every, all(ref)) / shared;
  out.model_mean = MeanOver(every, all(mod)) / shared;
  if (!(out.reference_mean > 0.0)) {
    return Status::InvalidArgument(
        "the reference model's mean confidence is 0 (or no person given); no drop relative to it");
  }
  std::vector<double> replicates;
  out.drop_percent = Bootstrapped(reference.size(), options, drop, &replicates);
  out.p_value = stats::PairedBootstrapPValue(replicates);
  return out;
}

}  // namespace sweetspot
