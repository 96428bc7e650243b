#include "sweetspot/analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

namespace sweetspot {
namespace {

constexpr double kMegabyte = 1e6;

// The figure the objective minimises (throughput is inverted), and how a
// ratio of it reads ("2.10x faster").
struct CostAxis {
  Objective objective;

  double Cost(const Candidate& c) const {
    switch (objective) {
      case Objective::kMaxThroughput: return c.items_per_s > 0 ? 1.0 / c.items_per_s : kInf;
      case Objective::kMinP99: return c.p99_ms;
      case Objective::kMinMemory: return static_cast<double>(c.peak_memory_bytes);
      case Objective::kMinSize: return static_cast<double>(c.size_bytes);
      case Objective::kMinP50:
      case Objective::kMaxAccuracy:
      case Objective::kMaxMap50_95:
      case Objective::kMaxMap50: return c.p50_ms;
    }
    return c.p50_ms;
  }

  bool Speed() const { return objective != Objective::kMinMemory && objective != Objective::kMinSize; }

  // cost(worse) / cost(better), with its interval on a speed axis.
  SpeedRatio Ratio(const Candidate& worse, const Candidate& better) const {
    if (!Speed()) return {Cost(worse) / Cost(better), {}};
    const SpeedFigure figure = objective == Objective::kMaxThroughput ? SpeedFigure::kItemsPerS
                               : objective == Objective::kMinP99      ? SpeedFigure::kP99
                                                                      : SpeedFigure::kP50;
    return SpeedupOf(better, worse, figure);
  }

  // "2.10x faster [1.90, 2.31]", "1.30x less memory"; `r` = worse cost / better cost.
  std::string Better(const SpeedRatio& r) const {
    if (Speed()) return DescribeSpeedup(r);
    if (r.ratio < 1.005) return objective == Objective::kMinMemory ? "as much memory" : "as small";
    return fmt::format("{:.2f}x {}", r.ratio, objective == Objective::kMinMemory ? "less memory" : "smaller");
  }
  // "1.33x slower [1.25, 1.40] than", "no measurable speed difference (...) from", "as large as".
  std::string WorseThan(const SpeedRatio& r) const {
    if (Speed()) return DescribeSpeedup(Inverse(r)) + (r.Measurable() || !r.ci.valid ? " than" : " from");
    if (r.ratio < 1.005) return objective == Objective::kMinMemory ? "needs as much memory as" : "as large as";
    return Worse(r) + " than";
  }
  std::string Worse(const SpeedRatio& r) const {
    if (Speed()) return DescribeSpeedup(Inverse(r));
    if (objective == Objective::kMinMemory) return fmt::format("needs {:.2f}x the memory", r.ratio);
    return fmt::format("{:.2f}x larger", r.ratio);
  }
  static SpeedRatio Inverse(const SpeedRatio& r) {
    return {1.0 / r.ratio, {1.0 / r.ci.upper, 1.0 / r.ci.lower, r.ci.valid}};
  }
  // "p50 1.20 ms vs 0.86 ms"
  std::string Figures(const Candidate& a, const Candidate& b) const {
    switch (objective) {
      case Objective::kMaxThroughput: return fmt::format("{:.0f} vs {:.0f} items/s", a.items_per_s, b.items_per_s);
      case Objective::kMinP99: return fmt::format("p99 {:.3g} ms vs {:.3g} ms", a.p99_ms, b.p99_ms);
      case Objective::kMinMemory:
        return fmt::format("peak {:.1f} MB vs {:.1f} MB", static_cast<double>(a.peak_memory_bytes) / kMegabyte,
                           static_cast<double>(b.peak_memory_bytes) / kMegabyte);
      case Objective::kMinSize:
        return fmt::format("{:.2f} MB vs {:.2f} MB", static_cast<double>(a.size_bytes) / kMegabyte,
                           static_cast<double>(b.size_bytes) / kMegabyte);
      default: return fmt::format("p50 {:.3g} ms vs {:.3g} ms", a.p50_ms, b.p50_ms);
    }
  }

  static constexpr double kInf = std::numeric_limits<double>::infinity();
};

constexpr const char* kMap50_95Name = "mAP@[.5:.95]";
constexpr const char* kMap50Name = "mAP@0.5";

std::string Pct(double fraction) { return fmt::format("{:.2f} %", 100.0 * fraction); }
// A top-1 bound as the figures it is compared with are printed: "82 %".
std::string PctBound(double fraction) { return fmt::format("{:g} %", 100.0 * fraction); }
std::string Points(double fraction_delta) { return fmt::format("{:.2f} points", 100.0 * fraction_delta); }
std::string PValue(double p) { return p < 0.001 ? fmt::format("{:.1e}", p) : fmt::format("{:.3f}", p); }
double Mb(std::int64_t bytes) { return static_cast<double>(bytes) / kMegabyte; }

// One constraint on one figure, with the texts of each outcome.
struct Bound {
  std::string constraint;  // "top-1 >= 82 %"
  bool at_least = false;
  double estimate = 0.0;
  double bound = 0.0;
  stats::Interval ci;  // invalid: judged on the estimate
  std::int64_t samples = 0;
  std::string noun;     // what `samples` counts
  std::string figures;  // met: "top-1 82.50 % >= 82 %"
  std::string by;       // the estimate's distance to the bound: "1.00 points"
  std::string shown;    // the estimate with its interval: "81.00 % [78.45, 83.31]"
};

// A judged constraint: the public check, its sentence, the point estimate's relative miss.
struct Judged {
  ConstraintCheck check;
  std::string text;
  double relative_miss = 0.0;
};

// The count at which the interval's half-width on the bound's side would fall
// below the estimate's distance to the bound, if it shrinks as 1/sqrt(n).
std::int64_t SamplesToDecide(const Bound& b) {
  const double gap = std::abs(b.estimate - b.bound);
  if (!(gap > 1e-12 * std::max(1.0, std::abs(b.bound)))) return 0;
  const double half = b.bound > b.estimate ? b.ci.upper - b.estimate : b.estimate - b.ci.lower;
  const double n = static_cast<double>(b.samples) * (half / gap) * (half / gap);
  // Within rounding of an integer (3.2^2 * 1000 computes as 10240.000000000002), that integer.
  const double nearest = std::round(n);
  return static_cast<std::int64_t>(std::abs(n - nearest) <= 1e-9 * n ? nearest : std::ceil(n));
}

Judged Judge(const Bound& b) {
  Judged j;
  j.check.constraint = b.constraint;
  const bool point_meets = b.at_least ? b.estimate >= b.bound : b.estimate <= b.bound;
  if (!point_meets) j.relative_miss = std::abs(b.estimate - b.bound) / std::max(std::abs(b.bound), 1e-12);
  ConstraintStatus& status = j.check.status;
  status = point_meets ? ConstraintStatus::kMet : ConstraintStatus::kMissed;
  if (b.ci.valid) {
    j.check.samples = b.samples;
    const bool all_in = b.at_least ? b.ci.lower >= b.bound : b.ci.upper <= b.bound;
    const bool all_out = b.at_least ? b.ci.upper < b.bound : b.ci.lower > b.bound;
    status = all_in ? ConstraintStatus::kMet : all_out ? ConstraintStatus::kMissed : ConstraintStatus::kUndecided;
  }
  if (status == ConstraintStatus::kMet) j.text = b.figures;
  if (status == ConstraintStatus::kMissed) j.text = fmt::format("fails {} by {}", b.constraint, b.by);
  if (status == ConstraintStatus::kUndecided) {
    j.check.samples_needed = SamplesToDecide(b);
    j.text = fmt::format("undecided on {}: {} holds the bound{}; ", b.constraint, b.shown,
                         point_meets ? "" : fmt::format(" (the estimate fails it by {})", b.by));
    j.text += j.check.samples_needed == 0
                  ? "no sample count decides it (the estimate is on the bound)"
                  : fmt::format("about {} {} would decide it ({} now, if the interval narrows as 1/sqrt(n))",
                                j.check.samples_needed, b.noun, b.samples);
  }
  return j;
}

std::string Shown(const std::string& estimate, const stats::Interval& ci, double scale, const char* format) {
  return fmt::format("{} [{}, {}]", estimate, fmt::format(fmt::runtime(format), scale * ci.lower),
                     fmt::format(fmt::runtime(format), scale * ci.upper));
}

// A lower bound on an accuracy fraction with its interval over `count` `noun`.
Bound AccuracyBound(const std::string& name, double value, const stats::Interval& ci, std::int64_t count,
                    const char* noun, double bound) {
  return {name + " >= " + PctBound(bound),
          true,
          value,
          bound,
          ci,
          count,
          noun,
          fmt::format("{} {} >= {}", name, Pct(value), PctBound(bound)),
          Points(bound - value),
          Shown(Pct(value), ci, 100.0, "{:.2f}")};
}

std::string PckName(const Constraints& k) { return fmt::format("PCK@{:g}", k.pck_alpha); }

// An upper bound on a noise figure measured over video frames.
Bound NoiseBound(const std::string& name, const char* unit, double value, const stats::Interval& ci,
                 std::int64_t frames, double bound) {
  const std::string shown = fmt::format("{} {:.3g} {}", name, value, unit);
  if (!std::isfinite(value)) {
    return {fmt::format("{} <= {:g} {}", name, bound, unit),
            false,
            value,
            bound,
            {},
            0,
            "video frames",
            "",
            "not being measured (no video frames with jointly confident joints: check [video])",
            ""};
  }
  return {fmt::format("{} <= {:g} {}", name, bound, unit),
          false,
          value,
          bound,
          ci,
          frames,
          "video frames",
          fmt::format("{} <= {:g} {}", shown, bound, unit),
          fmt::format("{:.3g} {}", value - bound, unit),
          Shown(shown, ci, 1.0, "{:.3g}")};
}

// The keypoint bounds. A candidate without keypoint figures has 0 accuracy,
// and without a video run (frames 0) an infinite noise: both miss.
std::vector<Bound> KeypointBounds(const Candidate& c, const Constraints& k) {
  std::vector<Bound> out;
  const Candidate::KeypointFigures figures = c.keypoints.value_or(Candidate::KeypointFigures{});
  if (k.min_pck)
    out.push_back(AccuracyBound(PckName(k), figures.pck, figures.pck_ci, figures.persons, "persons", *k.min_pck));
  if (k.min_oks)
    out.push_back(AccuracyBound("OKS", figures.oks, figures.oks_ci, figures.persons, "persons", *k.min_oks));
  const double unmeasured = std::numeric_limits<double>::infinity();
  if (k.max_jitter_px) {
    out.push_back(NoiseBound("jitter", "px/frame^2", figures.frames > 0 ? figures.jitter_px : unmeasured,
                             figures.jitter_ci, figures.frames, *k.max_jitter_px));
  }
  if (k.max_angle_noise_deg) {
    const bool measured = figures.frames > 0 && !figures.noisiest_angle.empty();
    out.push_back(NoiseBound("angle noise", "deg/frame^2", measured ? figures.angle_noise_deg : unmeasured,
                             figures.angle_noise_ci, figures.frames, *k.max_angle_noise_deg));
  }
  return out;
}

// The bounds on top-1, mAP, keypoints, latency and throughput, in DescribeConstraints' order.
std::vector<Bound> SpeedAndAccuracyBounds(const Candidate& c, const Constraints& k) {
  std::vector<Bound> out;
  const auto runs = static_cast<std::int64_t>(c.latency_ms.size());
  if (k.min_top1)
    out.push_back(AccuracyBound("top-1", c.top1, c.top1_ci, c.eval_count, "evaluation samples", *k.min_top1));
  // A candidate without detection figures has an mAP of 0, judged on that estimate.
  const Candidate::DetectionFigures detection = c.detection.value_or(Candidate::DetectionFigures{});
  if (k.min_map50_95) {
    out.push_back(AccuracyBound(kMap50_95Name, detection.map50_95, detection.map50_95_ci, detection.images, "images",
                                *k.min_map50_95));
  }
  if (k.min_map50) {
    out.push_back(
        AccuracyBound(kMap50Name, detection.map50, detection.map50_ci, detection.images, "images", *k.min_map50));
  }
  if (k.min_pck || k.min_oks || k.max_jitter_px || k.max_angle_noise_deg) {
    for (Bound& b : KeypointBounds(c, k)) out.push_back(std::move(b));
  }
  const auto latency = [&](const char* name, double ms, const stats::Interval& ci, double bound) {
    out.push_back({fmt::format("{} <= {:g} ms", name, bound), false, ms, bound, ci, runs, "timed runs",
                   fmt::format("{} {:.3g} ms <= {:g} ms", name, ms, bound), fmt::format("{:.3g} ms", ms - bound),
                   Shown(fmt::format("{} {:.3g} ms", name, ms), ci, 1.0, "{:.3g}")});
  };
  if (k.max_p50_ms) latency("p50", c.p50_ms, c.p50_ci, *k.max_p50_ms);
  if (k.max_p99_ms) latency("p99", c.p99_ms, c.p99_ci, *k.max_p99_ms);
  if (k.min_items_per_s) {
    const double bound = *k.min_items_per_s;
    out.push_back({fmt::format("throughput >= {:g} items/s", bound), true, c.items_per_s, bound, c.items_per_s_ci, runs,
                   "timed runs", fmt::format("{:.0f} items/s >= {:g}", c.items_per_s, bound),
                   fmt::format("{:.0f} items/s", bound - c.items_per_s),
                   Shown(fmt::format("{:.0f} items/s", c.items_per_s), c.items_per_s_ci, 1.0, "{:.0f}")});
  }
  return out;
}

// Memory and size: single measurements, judged on the figure.
std::vector<Bound> CostBounds(const Candidate& c, const Constraints& k) {
  std::vector<Bound> out;
  const auto bytes = [&](std::string name, std::int64_t figure, std::int64_t bound, const char* miss_format) {
    out.push_back({fmt::format("{} <= {:g} MB", name, Mb(bound)),
                   false,
                   static_cast<double>(figure),
                   static_cast<double>(bound),
                   {},
                   0,
                   "",
                   fmt::format("{} {} <= {:g} MB", name, fmt::format(fmt::runtime(miss_format), Mb(figure)), Mb(bound)),
                   fmt::format(fmt::runtime(miss_format), Mb(figure - bound)),
                   ""});
  };
  if (k.max_peak_memory_bytes) bytes("peak memory", c.peak_memory_bytes, *k.max_peak_memory_bytes, "{:.1f} MB");
  if (k.max_model_memory_bytes) bytes("model memory", c.model_memory_bytes, *k.max_model_memory_bytes, "{:.1f} MB");
  if (k.max_size_bytes) bytes("size", c.size_bytes, *k.max_size_bytes, "{:.2f} MB");
  return out;
}

// Every constraint judged, in DescribeConstraints' order.
std::vector<Judged> JudgeAll(const Candidate& c, const Constraints& k) {
  std::vector<Judged> out;
  for (const Bound& b : SpeedAndAccuracyBounds(c, k)) {
    out.push_back(Judge(b));
    // An unmeasured noise figure misses by as much as any whole miss.
    if (!std::isfinite(out.back().relative_miss)) out.back().relative_miss = 1.0;
  }
  for (const Bound& b : CostBounds(c, k)) {
    out.push_back(Judge(b));
    if (k.max_model_memory_bytes && b.constraint.starts_with("model memory") && c.model_memory_bytes == 0) {
      Judged& unknown = out.back();
      unknown.check.status = ConstraintStatus::kMissed;
      unknown.text = "fails " + b.constraint +
                     ": not measured (stored by an older sweetspot; measure it again, not from the stored results)";
      unknown.relative_miss = 1.0;
    }
  }
  return out;
}

bool Has(const std::vector<Judged>& judged, ConstraintStatus status) {
  return std::any_of(judged.begin(), judged.end(), [&](const Judged& j) { return j.check.status == status; });
}

// "meets top-1 82.56 % >= 82 %, p50 ...": the constraints met, with the figures.
std::string MetFigures(const std::vector<Judged>& judged) {
  std::vector<std::string> parts;
  for (const Judged& j : judged) {
    if (j.check.status == ConstraintStatus::kMet) parts.push_back(j.text);
  }
  if (judged.empty()) return "no constraints are set";
  return parts.empty() ? "" : "meets " + fmt::format("{}", fmt::join(parts, ", "));
}

// "as accurate" or "0.64 points more accurate".
std::string AccuracyEdge(double delta) {
  if (std::abs(delta) < 5e-5) return "as accurate";
  return Points(delta) + " more accurate";
}

std::vector<SettingFits> Fit(const std::vector<Candidate>& candidates) {
  std::vector<std::string> settings;
  for (const auto& c : candidates) {
    if (c.failure.empty() && std::find(settings.begin(), settings.end(), c.setting) == settings.end()) {
      settings.push_back(c.setting);
    }
  }
  std::vector<SettingFits> out;
  for (const auto& setting : settings) {
    std::vector<double> macs, p50, inverse_p50, top1;
    for (const auto& c : candidates) {
      if (!c.failure.empty() || c.setting != setting || c.p50_ms <= 0) continue;
      macs.push_back(static_cast<double>(c.macs));
      p50.push_back(c.p50_ms);
      inverse_p50.push_back(1.0 / c.p50_ms);
      top1.push_back(c.top1);
    }
    if (p50.size() < kMinFitPoints) continue;
    SettingFits fits;
    fits.setting = setting;
    fits.latency_vs_macs = stats::FitLine(macs, p50);
    const stats::LineFit hyperbola = stats::FitLine(inverse_p50, top1);
    fits.accuracy_vs_latency = {hyperbola.intercept, hyperbola.slope, hyperbola.r_squared, hyperbola.count,
                                hyperbola.valid};
    out.push_back(fits);
  }
  return out;
}

}  // namespace

std::string_view ObjectiveName(Objective objective) {
  switch (objective) {
    case Objective::kMaxThroughput: return "max-throughput";
    case Objective::kMinP50: return "min-p50";
    case Objective::kMinP99: return "min-p99";
    case Objective::kMaxAccuracy: return "max-accuracy";
    case Objective::kMinMemory: return "min-memory";
    case Objective::kMinSize: return "min-size";
    case Objective::kMaxMap50_95: return "max-map50-95";
    case Objective::kMaxMap50: return "max-map50";
  }
  return "?";
}

Result<Objective> ParseObjective(std::string_view name) {
  std::string dashed(name);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (Objective o : {Objective::kMaxThroughput, Objective::kMinP50, Objective::kMinP99, Objective::kMaxAccuracy,
                      Objective::kMinMemory, Objective::kMinSize, Objective::kMaxMap50_95, Objective::kMaxMap50}) {
    if (dashed == ObjectiveName(o)) return o;
  }
  return Status::InvalidArgument(fmt::format(
      "unknown objective '{}' (known: max-throughput, min-p50, min-p99, max-accuracy, min-memory, min-size, "
      "max-map50-95, max-map50)",
      name));
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRecommended: return "recommended";
    case Verdict::kOutranked: return "outranked";
    case Verdict::kDominated: return "dominated";
    case Verdict::kUndecided: return "undecided";
    case Verdict::kExcluded: return "excluded";
    case Verdict::kFailed: return "failed";
  }
  return "?";
}

bool RanksOnAccuracy(Objective objective) {
  return objective == Objective::kMaxAccuracy || objective == Objective::kMaxMap50_95 ||
         objective == Objective::kMaxMap50;
}

std::string_view ConstraintStatusName(ConstraintStatus status) {
  switch (status) {
    case ConstraintStatus::kMet: return "met";
    case ConstraintStatus::kMissed: return "missed";
    case ConstraintStatus::kUndecided: return "undecided";
  }
  return "?";
}

void FillLatencyIntervals(Candidate* c) {
  if (c->latency_ms.empty()) return;
  std::vector<double> sorted = c->latency_ms;
  std::sort(sorted.begin(), sorted.end());
  c->p50_ci = stats::QuantileInterval(sorted, 0.50);
  c->p99_ci = stats::QuantileInterval(sorted, 0.99);
  // items/s is items per mean latency: the mean's interval, inverted.
  const double mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  const stats::Interval mean_ci = stats::BootstrapInterval(sorted, {.mean = true});
  if (mean_ci.valid && mean_ci.lower > 0) {
    c->items_per_s_ci = {c->items_per_s * mean / mean_ci.upper, c->items_per_s * mean / mean_ci.lower, true};
  }
}

SpeedRatio SpeedupOf(const Candidate& a, const Candidate& b, SpeedFigure figure) {
  const stats::BootstrapStatistic statistic{.mean = figure == SpeedFigure::kItemsPerS,
                                            .q = figure == SpeedFigure::kP99 ? 0.99 : 0.5};
  SpeedRatio out;
  out.ratio = figure == SpeedFigure::kItemsPerS ? a.items_per_s / b.items_per_s
              : figure == SpeedFigure::kP99     ? b.p99_ms / a.p99_ms
                                                : b.p50_ms / a.p50_ms;
  const stats::Interval ci = stats::BootstrapRatioInterval(b.latency_ms, a.latency_ms, statistic);
  if (!ci.valid) return out;
  // The interval is of the statistic's ratio on the timed runs; scaled to the
  // stored figures' ratio (the same for quantiles; for throughput it carries
  // the batch sizes and the loop's overhead).
  const auto point = [&](const std::vector<double>& v) {
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    return statistic.mean ? std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size())
                          : stats::Percentile(sorted, statistic.q);
  };
  const double scale = out.ratio / (point(b.latency_ms) / point(a.latency_ms));
  const double widen = 1.0 + kRunToRunTolerance;
  if (std::isfinite(scale) && scale > 0) out.ci = {ci.lower * scale / widen, ci.upper * scale * widen, true};
  return out;
}

std::string DescribeSpeedup(const SpeedRatio& r) {
  const bool faster = r.ratio >= 1.0;
  const double factor = faster ? r.ratio : 1.0 / r.ratio;
  if (!r.ci.valid) return factor < 1.005 ? "as fast" : fmt::format("{:.2f}x {}", factor, faster ? "faster" : "slower");
  if (!r.Measurable()) {
    // Three decimals: near 1, two would print bounds such as [1.00, 1.01].
    return fmt::format("no measurable speed difference ({:.3f}x [{:.3f}, {:.3f}])", r.ratio, r.ci.lower, r.ci.upper);
  }
  const double lower = faster ? r.ci.lower : 1.0 / r.ci.upper, upper = faster ? r.ci.upper : 1.0 / r.ci.lower;
  return fmt::format("{:.2f}x {} [{:.2f}, {:.2f}]", factor, faster ? "faster" : "slower", lower, upper);
}

std::optional<double> PairedPValue(const Candidate& a, const Candidate& b) {
  if (a.sample_indices.size() != a.correct.size() || b.sample_indices.size() != b.correct.size()) return std::nullopt;
  std::unordered_map<std::int64_t, bool> b_correct;
  b_correct.reserve(b.sample_indices.size());
  for (std::size_t i = 0; i < b.sample_indices.size(); ++i) b_correct.emplace(b.sample_indices[i], b.correct[i]);
  std::int64_t shared = 0, only_a = 0, only_b = 0;
  for (std::size_t i = 0; i < a.sample_indices.size(); ++i) {
    const auto it = b_correct.find(a.sample_indices[i]);
    if (it == b_correct.end()) continue;
    ++shared;
    if (a.correct[i] && !it->second) ++only_a;
    if (!a.correct[i] && it->second) ++only_b;
  }
  if (shared == 0) return std::nullopt;
  return stats::McNemarExactPValue(only_a, only_b);
}

std::string DescribeConstraints(const Constraints& k) {
  std::vector<std::string> parts;
  if (k.min_top1) parts.push_back("top-1 >= " + PctBound(*k.min_top1));
  if (k.min_map50_95) parts.push_back(std::string(kMap50_95Name) + " >= " + PctBound(*k.min_map50_95));
  if (k.min_map50) parts.push_back(std::string(kMap50Name) + " >= " + PctBound(*k.min_map50));
  if (k.min_pck) parts.push_back(PckName(k) + " >= " + PctBound(*k.min_pck));
  if (k.min_oks) parts.push_back("OKS >= " + PctBound(*k.min_oks));
  if (k.max_jitter_px) parts.push_back(fmt::format("jitter <= {:g} px/frame^2", *k.max_jitter_px));
  if (k.max_angle_noise_deg) parts.push_back(fmt::format("angle noise <= {:g} deg/frame^2", *k.max_angle_noise_deg));
  if (k.max_p50_ms) parts.push_back(fmt::format("p50 <= {:g} ms", *k.max_p50_ms));
  if (k.max_p99_ms) parts.push_back(fmt::format("p99 <= {:g} ms", *k.max_p99_ms));
  if (k.min_items_per_s) parts.push_back(fmt::format("throughput >= {:g} items/s", *k.min_items_per_s));
  if (k.max_peak_memory_bytes) parts.push_back(fmt::format("peak memory <= {:g} MB", Mb(*k.max_peak_memory_bytes)));
  if (k.max_model_memory_bytes) {
    parts.push_back(fmt::format("model memory <= {:g} MB", Mb(*k.max_model_memory_bytes)));
  }
  if (k.max_size_bytes) parts.push_back(fmt::format("size <= {:g} MB", Mb(*k.max_size_bytes)));
  if (parts.empty()) return "none";
  return fmt::format("{}", fmt::join(parts, ", "));
}

namespace {

// The measure's p-value of candidates a and b (indices).
std::optional<double> PairedP(const AccuracyMeasure& measure, const std::vector<Candidate>& candidates, std::size_t a,
                              std::size_t b) {
  return measure.paired_p ? measure.paired_p(a, b) : PairedPValue(candidates[a], candidates[b]);
}

// "McNemar p = 0.041", or "no paired data".
std::string TestText(const AccuracyMeasure& measure, const std::optional<double>& p) {
  return p ? fmt::format("{} p = {}", measure.test, PValue(*p)) : "no paired data";
}

// "int8-static:entropy of large: 2.30x faster, -0.40 points, not significant (McNemar p = 0.410)".
std::string LineageReason(const Candidate& variant, const Candidate& parent, const CostAxis& axis,
                          const std::optional<double>& p, const AccuracyMeasure& measure) {
  const SpeedRatio r = axis.Ratio(parent, variant);
  const std::string speed = axis.Speed() || r.ratio >= 1 ? axis.Better(r) : axis.Worse(CostAxis::Inverse(r));
  const std::string test = !p                        ? "no paired data"
                           : *p < kSignificanceLevel ? fmt::format("significant ({})", TestText(measure, p))
                                                     : fmt::format("not significant ({})", TestText(measure, p));
  return fmt::format("{} of {}: {}, {:+.2f} points, {}", variant.transform, parent.model, speed,
                     100.0 * (variant.top1 - parent.top1), test);
}

void AddLineage(const std::vector<Candidate>& candidates, const CostAxis& axis, const AccuracyMeasure& measure,
                Analysis* out) {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (c.parent.empty() || !c.failure.empty()) continue;
    const auto parent = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& p) {
      return p.model == c.parent && p.setting == c.setting && p.failure.empty();
    });
    if (parent == candidates.end()) continue;
    const auto p = PairedP(measure, candidates, i, static_cast<std::size_t>(parent - candidates.begin()));
    const std::string reason = LineageReason(c, *parent, axis, p, measure);
    auto& reasons = out->candidates[i].reasons;
    reasons.insert(reasons.begin(), reason);
    if (out->recommended == i) out->recommendation_reasons.push_back(reason);
  }
}

// The candidates and the objective's order over them.
struct Ranking {
  const std::vector<Candidate>& candidates;
  CostAxis axis;
  const AccuracyMeasure& measure;

  std::optional<double> P(std::size_t a, std::size_t b) const { return PairedP(measure, candidates, a, b); }
  const std::string& Name() const { return measure.name; }

  // Lower cost wins; ties go to the more accurate.
  bool Cheaper(std::size_t x, std::size_t y) const {
    const double cx = axis.Cost(candidates[x]), cy = axis.Cost(candidates[y]);
    if (cx != cy) return cx < cy;
    return candidates[x].top1 > candidates[y].top1;
  }
  std::size_t Cheapest(const std::vector<std::size_t>& pool) const {
    return *std::min_element(pool.begin(), pool.end(), [&](std::size_t x, std::size_t y) { return Cheaper(x, y); });
  }
  std::size_t MostAccurate(const std::vector<std::size_t>& pool) const {
    return *std::max_element(pool.begin(), pool.end(), [&](std::size_t x, std::size_t y) {
      if (candidates[x].top1 != candidates[y].top1) return candidates[x].top1 < candidates[y].top1;
      return Cheaper(y, x);
    });
  }
  // `better`'s speed edge over `worse` is within the noise of the measurement.
  bool NoiseOnly(std::size_t worse, std::size_t better) const {
    const SpeedRatio r = axis.Ratio(candidates[worse], candidates[better]);
    return r.ci.valid && !r.Measurable();
  }
};

std::string UndecidedConstraints(const std::vector<Judged>& judged) {
  std::vector<std::string> open;
  for (const Judged& j : judged) {
    if (j.check.status == ConstraintStatus::kUndecided) open.push_back(j.check.constraint);
  }
  return fmt::format("{}", fmt::join(open, " and "));
}

// Whether the recommendation's speed edge over the next cheapest is measurable.
std::optional<std::string> RunnerUpReason(const Ranking& k, std::size_t recommended,
                                          const std::vector<std::size_t>& pool) {
  std::vector<std::size_t> others;
  for (std::size_t i : pool) {
    if (i != recommended) others.push_back(i);
  }
  if (!k.axis.Speed() || others.empty()) return std::nullopt;
  const Candidate& runner = k.candidates[k.Cheapest(others)];
  const Candidate& r = k.candidates[recommended];
  const SpeedRatio edge = k.axis.Ratio(runner, r);
  if (!edge.ci.valid) return std::nullopt;
  if (edge.Measurable()) return fmt::format("{} than the runner-up {}", DescribeSpeedup(edge), runner.name);
  return fmt::format(
      "its speed edge over the runner-up {} is not measurable ({:.3f}x [{:.3f}, {:.3f}]): the order between them is "
      "noise ({} {} vs {})",
      runner.name, edge.ratio, edge.ci.lower, edge.ci.upper, k.Name(), Pct(r.top1), Pct(runner.top1));
}

// Picks the recommendation from `pool` and writes its reasons.
std::size_t Recommend(const Ranking& k, const std::vector<std::size_t>& pool,
                      const std::vector<std::vector<Judged>>& judged, Analysis* out) {
  const std::vector<Candidate>& c = k.candidates;
  const CostAxis& axis = k.axis;
  std::size_t recommended = k.Cheapest(pool);
  const std::size_t best = k.MostAccurate(pool);
  if (RanksOnAccuracy(axis.objective)) {
    recommended = best;
    for (std::size_t i : pool) {
      if (i == best || !k.Cheaper(i, recommended) || k.NoiseOnly(best, i)) continue;
      const auto p = k.P(i, best);
      if (p && *p >= kSignificanceLevel) recommended = i;
    }
  }
  std::vector<std::string>& why = out->recommendation_reasons;
  if (const std::string met = MetFigures(judged[recommended]); !met.empty()) why.push_back(met);
  if (out->rests_on_undecided) {
    why.push_back(
        fmt::format("no candidate meets every constraint for certain: this recommendation rests on {} being "
                    "undecided, not missed",
                    UndecidedConstraints(judged[recommended])));
  }
  const Candidate& r = c[recommended];
  if (RanksOnAccuracy(axis.objective) && recommended == best) {
    why.push_back(fmt::format("the most accurate of the {} candidate(s) {} ({} {})", pool.size(),
                              out->rests_on_undecided ? "not known to miss a constraint" : "that meet the constraints",
                              k.Name(), Pct(c[best].top1)));
  } else if (RanksOnAccuracy(axis.objective)) {
    const auto p = k.P(recommended, best);
    why.push_back(fmt::format("{} {} is not significantly below {}'s {} ({} p = {} >= {:g}), and it is {} ({})",
                              k.Name(), Pct(r.top1), c[best].name, Pct(c[best].top1), k.measure.test,
                              PValue(p.value_or(1)), kSignificanceLevel, axis.Better(axis.Ratio(c[best], r)),
                              axis.Figures(r, c[best])));
  } else {
    std::string best_figure;
    switch (axis.objective) {
      case Objective::kMaxThroughput:
        best_figure = fmt::format("the highest throughput ({:.0f} items/s)", r.items_per_s);
        break;
      case Objective::kMinP50: best_figure = fmt::format("the lowest p50 ({:.3g} ms)", r.p50_ms); break;
      case Objective::kMinP99: best_figure = fmt::format("the lowest p99 ({:.3g} ms)", r.p99_ms); break;
      case Objective::kMinMemory:
        best_figure = fmt::format("the lowest peak memory ({:.1f} MB)", Mb(r.peak_memory_bytes));
        break;
      case Objective::kMinSize: best_figure = fmt::format("the smallest file ({:.2f} MB)", Mb(r.size_bytes)); break;
      case Objective::kMaxAccuracy:
      case Objective::kMaxMap50_95:
      case Objective::kMaxMap50: break;
    }
    why.push_back(fmt::format("{} of the {} candidate(s) {}", best_figure, pool.size(),
                              out->rests_on_undecided ? "not known to miss a constraint" : "that meet them"));
    if (auto runner = RunnerUpReason(k, recommended, pool)) why.push_back(*runner);
  }
  out->recommended = recommended;
  out->candidates[recommended].verdict = Verdict::kRecommended;
  return recommended;
}

// Undecided candidates outside the pool that would beat the recommendation if
// their open constraints turned out met.
void NameUndecidedRivals(const Ranking& k, std::size_t recommended, const std::vector<std::size_t>& pool,
                         const std::vector<std::size_t>& undecided, const std::vector<std::vector<Judged>>& judged,
                         Analysis* out) {
  const Candidate& r = k.candidates[recommended];
  for (std::size_t u : undecided) {
    if (std::find(pool.begin(), pool.end(), u) != pool.end()) continue;
    const Candidate& c = k.candidates[u];
    std::string edge;
    if (RanksOnAccuracy(k.axis.objective)) {
      if (c.top1 > r.top1) edge = AccuracyEdge(c.top1 - r.top1);
    } else if (k.Cheaper(u, recommended) && !k.NoiseOnly(recommended, u)) {
      edge = k.axis.Better(k.axis.Ratio(r, c));
    }
    if (edge.empty()) continue;
    out->recommendation_reasons.push_back(fmt::format("{} could beat it ({}), but {} is undecided for it", c.name, edge,
                                                      UndecidedConstraints(judged[u])));
  }
}

// Why each other candidate of the pool lost: dominated or outranked.
void ExplainTheOthers(const Ranking& k, std::size_t recommended, const std::vector<std::size_t>& pool, Analysis* out) {
  const std::vector<Candidate>& candidates = k.candidates;
  const CostAxis& axis = k.axis;
  const Candidate& r = candidates[recommended];
  const std::size_t best = k.MostAccurate(pool);
  for (std::size_t i : pool) {
    if (i == recommended) continue;
    const Candidate& c = candidates[i];
    CandidateAnalysis& a = out->candidates[i];
    // The dominator named is the recommendation when it dominates, else the cheapest that does.
    std::optional<std::size_t> dominator;
    for (std::size_t j : pool) {
      if (j == i || !stats::Dominates(candidates[j].top1, axis.Cost(candidates[j]), c.top1, axis.Cost(c))) continue;
      if (!dominator || j == recommended || (*dominator != recommended && k.Cheaper(j, *dominator))) dominator = j;
    }
    if (dominator) {
      const Candidate& d = candidates[*dominator];
      a.verdict = Verdict::kDominated;
      a.reasons.push_back(fmt::format("dominated by {}: {}, {} ({})", d.name, AccuracyEdge(d.top1 - c.top1),
                                      axis.Better(axis.Ratio(c, d)), axis.Figures(d, c)));
      continue;
    }
    a.verdict = Verdict::kOutranked;
    const auto p = k.P(i, recommended);
    const std::string test = TestText(k.measure, p);
    const bool significant = p && *p < kSignificanceLevel;
    if (c.top1 > r.top1 && RanksOnAccuracy(axis.objective)) {
      // Only noise separates it from the recommendation, which is cheaper.
      const auto p_best = k.P(recommended, best);
      a.reasons.push_back(fmt::format(
          "{} more accurate than {} ({}), but {} is within noise of the most accurate ({} p = {} vs {}) and {}",
          Points(c.top1 - r.top1), r.name, test, r.name, k.measure.test, PValue(p_best.value_or(1)),
          candidates[best].name, axis.Better(axis.Ratio(c, r))));
    } else if (c.top1 > r.top1) {
      // More accurate but costlier: the objective decided.
      a.reasons.push_back(fmt::format("{} {} ({})", axis.WorseThan(axis.Ratio(c, r)), r.name, axis.Figures(c, r)));
      if (significant) {
        a.reasons.push_back(fmt::format("its +{} of {} are significant ({}): choose it if that is worth the cost",
                                        Points(c.top1 - r.top1), k.Name(), test));
      } else {
        a.reasons.push_back(
            fmt::format("its +{} of {} are not significant ({})", Points(c.top1 - r.top1), k.Name(), test));
      }
    } else if (c.top1 == r.top1) {
      // Equal on both figures: the order of the input decided.
      a.reasons.push_back(
          fmt::format("tied with {}: as accurate, {} ({})", r.name, axis.Better(axis.Ratio(c, r)), axis.Figures(r, c)));
    } else {
      // Cheaper but less accurate: only the accuracy objective turns this down,
      // because its gap to the most accurate is significant.
      a.reasons.push_back(fmt::format("{} {} is significantly below {}'s {} ({}), though it is {}", k.Name(),
                                      Pct(c.top1), candidates[best].name, Pct(candidates[best].top1),
                                      TestText(k.measure, k.P(i, best)), axis.Better(axis.Ratio(r, c))));
    }
  }
}

void MarkFrontiers(const std::vector<Candidate>& candidates, const std::vector<std::size_t>& measured, Analysis* out) {
  std::vector<double> top1, p50, memory, size;
  for (std::size_t i : measured) {
    top1.push_back(candidates[i].top1);
    p50.push_back(candidates[i].p50_ms);
    memory.push_back(static_cast<double>(candidates[i].peak_memory_bytes));
    size.push_back(static_cast<double>(candidates[i].size_bytes));
  }
  const auto on_latency = stats::ParetoFrontier(top1, p50);
  const auto on_memory = stats::ParetoFrontier(top1, memory);
  const auto on_size = stats::ParetoFrontier(top1, size);
  for (std::size_t m = 0; m < measured.size(); ++m) {
    out->candidates[measured[m]].on_latency_frontier = on_latency[m];
    out->candidates[measured[m]].on_memory_frontier = on_memory[m];
    out->candidates[measured[m]].on_size_frontier = on_size[m];
  }
}

Analysis AnalyzeCandidates(const std::vector<Candidate>& candidates, const Constraints& constraints,
                           Objective objective, const AccuracyMeasure& measure) {
  Analysis out;
  out.candidates.resize(candidates.size());
  const CostAxis axis{objective};

  // Frontiers over everything measured, constraints aside.
  std::vector<std::size_t> measured;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].failure.empty()) measured.push_back(i);
  }
  MarkFrontiers(candidates, measured, &out);

  // The pool the objective ranks: those that meet every constraint, else the
  // undecided ones whose point estimates meet every constraint.
  std::vector<std::size_t> feasible, leaning, undecided;
  std::vector<std::vector<Judged>> judged(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    CandidateAnalysis& a = out.candidates[i];
    if (!candidates[i].failure.empty()) {
      a.verdict = Verdict::kFailed;
      a.reasons.push_back(candidates[i].failure);
      continue;
    }
    judged[i] = JudgeAll(candidates[i], constraints);
    for (const Judged& j : judged[i]) {
      a.checks.push_back(j.check);
      a.total_relative_miss += j.relative_miss;
      if (j.check.status != ConstraintStatus::kMet) a.reasons.push_back(j.text);
    }
    a.meets_constraints = !Has(judged[i], ConstraintStatus::kMissed) && !Has(judged[i], ConstraintStatus::kUndecided);
    if (a.meets_constraints) {
      feasible.push_back(i);
    } else if (Has(judged[i], ConstraintStatus::kMissed)) {
      a.verdict = Verdict::kExcluded;
    } else {
      a.verdict = Verdict::kUndecided;
      undecided.push_back(i);
      if (a.total_relative_miss == 0.0) leaning.push_back(i);
    }
  }
  out.fits = Fit(candidates);
  out.rests_on_undecided = feasible.empty() && !leaning.empty();
  const std::vector<std::size_t>& pool = feasible.empty() ? leaning : feasible;

  if (pool.empty()) {
    for (std::size_t i : measured) {
      if (!out.closest || out.candidates[i].total_relative_miss < out.candidates[*out.closest].total_relative_miss) {
        out.closest = i;
      }
    }
    return out;
  }
  const Ranking ranking{candidates, axis, measure};
  const std::size_t recommended = Recommend(ranking, pool, judged, &out);
  NameUndecidedRivals(ranking, recommended, pool, undecided, judged, &out);
  ExplainTheOthers(ranking, recommended, pool, &out);
  return out;
}

}  // namespace

Analysis Analyze(const std::vector<Candidate>& candidates, const Constraints& constraints, Objective objective,
                 const AccuracyMeasure& measure) {
  Analysis out = AnalyzeCandidates(candidates, constraints, objective, measure);
  AddLineage(candidates, CostAxis{objective}, measure, &out);
  return out;
}

}  // namespace sweetspot
