#include "sweetspot/analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>
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
      case Objective::kMaxAccuracy: return c.p50_ms;
    }
    return c.p50_ms;
  }

  // "2.10x faster", "1.30x less memory"; `ratio` = worse cost / better cost.
  std::string Better(double ratio) const {
    if (ratio < 1.005)
      return objective == Objective::kMinMemory ? "as much memory"
             : objective == Objective::kMinSize ? "as small"
                                                : "as fast";
    switch (objective) {
      case Objective::kMinMemory: return fmt::format("{:.2f}x less memory", ratio);
      case Objective::kMinSize: return fmt::format("{:.2f}x smaller", ratio);
      default: return fmt::format("{:.2f}x faster", ratio);
    }
  }
  // "1.33x slower than" (or "as fast as" within half a percent).
  std::string WorseThan(double ratio) const {
    if (ratio < 1.005)
      return objective == Objective::kMinMemory ? "needs as much memory as"
             : objective == Objective::kMinSize ? "as large as"
                                                : "as fast as";
    return Worse(ratio) + " than";
  }
  std::string Worse(double ratio) const {
    switch (objective) {
      case Objective::kMinMemory: return fmt::format("needs {:.2f}x the memory", ratio);
      case Objective::kMinSize: return fmt::format("{:.2f}x larger", ratio);
      default: return fmt::format("{:.2f}x slower", ratio);
    }
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

std::string Pct(double fraction) { return fmt::format("{:.2f} %", 100.0 * fraction); }
// A top-1 bound as the figures it is compared with are printed: "82 %".
std::string PctBound(double fraction) { return fmt::format("{:g} %", 100.0 * fraction); }
std::string Points(double fraction_delta) { return fmt::format("{:.2f} points", 100.0 * fraction_delta); }
std::string PValue(double p) { return p < 0.001 ? fmt::format("{:.1e}", p) : fmt::format("{:.3f}", p); }
double Mb(std::int64_t bytes) { return static_cast<double>(bytes) / kMegabyte; }

// Constraint misses as sentences, and the summed relative miss.
std::vector<std::string> Misses(const Candidate& c, const Constraints& k, double* relative) {
  std::vector<std::string> out;
  *relative = 0.0;
  if (k.min_top1 && c.top1 < *k.min_top1) {
    out.push_back(fmt::format("fails top-1 >= {} by {}", PctBound(*k.min_top1), Points(*k.min_top1 - c.top1)));
    *relative += (*k.min_top1 - c.top1) / std::max(*k.min_top1, 1e-12);
  }
  if (k.max_p50_ms && c.p50_ms > *k.max_p50_ms) {
    out.push_back(fmt::format("fails p50 <= {:g} ms by {:.3g} ms", *k.max_p50_ms, c.p50_ms - *k.max_p50_ms));
    *relative += (c.p50_ms - *k.max_p50_ms) / std::max(*k.max_p50_ms, 1e-12);
  }
  if (k.max_p99_ms && c.p99_ms > *k.max_p99_ms) {
    out.push_back(fmt::format("fails p99 <= {:g} ms by {:.3g} ms", *k.max_p99_ms, c.p99_ms - *k.max_p99_ms));
    *relative += (c.p99_ms - *k.max_p99_ms) / std::max(*k.max_p99_ms, 1e-12);
  }
  if (k.min_items_per_s && c.items_per_s < *k.min_items_per_s) {
    out.push_back(fmt::format("fails throughput >= {:g} items/s by {:.0f} items/s", *k.min_items_per_s,
                              *k.min_items_per_s - c.items_per_s));
    *relative += (*k.min_items_per_s - c.items_per_s) / std::max(*k.min_items_per_s, 1e-12);
  }
  if (k.max_peak_memory_bytes && c.peak_memory_bytes > *k.max_peak_memory_bytes) {
    out.push_back(fmt::format("fails peak memory <= {:g} MB by {:.1f} MB", Mb(*k.max_peak_memory_bytes),
                              Mb(c.peak_memory_bytes - *k.max_peak_memory_bytes)));
    *relative += static_cast<double>(c.peak_memory_bytes - *k.max_peak_memory_bytes) /
                 static_cast<double>(std::max<std::int64_t>(*k.max_peak_memory_bytes, 1));
  }
  if (k.max_model_memory_bytes && c.model_memory_bytes == 0) {
    out.push_back("fails model memory <= " + fmt::format("{:g}", Mb(*k.max_model_memory_bytes)) +
                  " MB: not measured (stored by an older sweetspot; measure it again, not from the stored results)");
    *relative += 1.0;
  } else if (k.max_model_memory_bytes && c.model_memory_bytes > *k.max_model_memory_bytes) {
    out.push_back(fmt::format("fails model memory <= {:g} MB by {:.1f} MB", Mb(*k.max_model_memory_bytes),
                              Mb(c.model_memory_bytes - *k.max_model_memory_bytes)));
    *relative += static_cast<double>(c.model_memory_bytes - *k.max_model_memory_bytes) /
                 static_cast<double>(std::max<std::int64_t>(*k.max_model_memory_bytes, 1));
  }
  if (k.max_size_bytes && c.size_bytes > *k.max_size_bytes) {
    out.push_back(
        fmt::format("fails size <= {:g} MB by {:.2f} MB", Mb(*k.max_size_bytes), Mb(c.size_bytes - *k.max_size_bytes)));
    *relative += static_cast<double>(c.size_bytes - *k.max_size_bytes) /
                 static_cast<double>(std::max<std::int64_t>(*k.max_size_bytes, 1));
  }
  return out;
}

// "top-1 82.56 % >= 82 %": the constraints a feasible candidate meets, with its figures.
std::string MetFigures(const Candidate& c, const Constraints& k) {
  std::vector<std::string> parts;
  if (k.min_top1) parts.push_back(fmt::format("top-1 {} >= {}", Pct(c.top1), PctBound(*k.min_top1)));
  if (k.max_p50_ms) parts.push_back(fmt::format("p50 {:.3g} ms <= {:g} ms", c.p50_ms, *k.max_p50_ms));
  if (k.max_p99_ms) parts.push_back(fmt::format("p99 {:.3g} ms <= {:g} ms", c.p99_ms, *k.max_p99_ms));
  if (k.min_items_per_s) parts.push_back(fmt::format("{:.0f} items/s >= {:g}", c.items_per_s, *k.min_items_per_s));
  if (k.max_peak_memory_bytes) {
    parts.push_back(fmt::format("peak {:.1f} MB <= {:g} MB", Mb(c.peak_memory_bytes), Mb(*k.max_peak_memory_bytes)));
  }
  if (k.max_model_memory_bytes) {
    parts.push_back(
        fmt::format("model memory {:.1f} MB <= {:g} MB", Mb(c.model_memory_bytes), Mb(*k.max_model_memory_bytes)));
  }
  if (k.max_size_bytes) {
    parts.push_back(fmt::format("size {:.2f} MB <= {:g} MB", Mb(c.size_bytes), Mb(*k.max_size_bytes)));
  }
  if (parts.empty()) return "no constraints are set";
  return "meets " + fmt::format("{}", fmt::join(parts, ", "));
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
  }
  return "?";
}

Result<Objective> ParseObjective(std::string_view name) {
  for (Objective o : {Objective::kMaxThroughput, Objective::kMinP50, Objective::kMinP99, Objective::kMaxAccuracy,
                      Objective::kMinMemory, Objective::kMinSize}) {
    if (name == ObjectiveName(o)) return o;
  }
  return Status::InvalidArgument(fmt::format(
      "unknown objective '{}' (known: max-throughput, min-p50, min-p99, max-accuracy, min-memory, min-size)", name));
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRecommended: return "recommended";
    case Verdict::kOutranked: return "outranked";
    case Verdict::kDominated: return "dominated";
    case Verdict::kExcluded: return "excluded";
    case Verdict::kFailed: return "failed";
  }
  return "?";
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

// "int8-static:entropy of large: 2.30x faster, -0.40 points, not significant (McNemar p = 0.410)".
std::string LineageReason(const Candidate& variant, const Candidate& parent, const CostAxis& axis) {
  const double ratio = axis.Cost(parent) / axis.Cost(variant);
  const std::string speed = ratio >= 1 ? axis.Better(ratio) : axis.Worse(1 / ratio);
  const auto p = PairedPValue(variant, parent);
  const std::string test = !p                        ? "no paired data"
                           : *p < kSignificanceLevel ? fmt::format("significant (McNemar p = {})", PValue(*p))
                                                     : fmt::format("not significant (McNemar p = {})", PValue(*p));
  return fmt::format("{} of {}: {}, {:+.2f} points, {}", variant.transform, parent.model, speed,
                     100.0 * (variant.top1 - parent.top1), test);
}

void AddLineage(const std::vector<Candidate>& candidates, const CostAxis& axis, Analysis* out) {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (c.parent.empty() || !c.failure.empty()) continue;
    const auto parent = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& p) {
      return p.model == c.parent && p.setting == c.setting && p.failure.empty();
    });
    if (parent == candidates.end()) continue;
    const std::string reason = LineageReason(c, *parent, axis);
    auto& reasons = out->candidates[i].reasons;
    reasons.insert(reasons.begin(), reason);
    if (out->recommended == i) out->recommendation_reasons.push_back(reason);
  }
}

Analysis AnalyzeCandidates(const std::vector<Candidate>& candidates, const Constraints& constraints,
                           Objective objective) {
  Analysis out;
  out.candidates.resize(candidates.size());
  const CostAxis axis{objective};

  // Frontiers over everything measured, constraints aside.
  std::vector<std::size_t> measured;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].failure.empty()) measured.push_back(i);
  }
  {
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
      out.candidates[measured[m]].on_latency_frontier = on_latency[m];
      out.candidates[measured[m]].on_memory_frontier = on_memory[m];
      out.candidates[measured[m]].on_size_frontier = on_size[m];
    }
  }

  std::vector<std::size_t> feasible;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    CandidateAnalysis& a = out.candidates[i];
    if (!candidates[i].failure.empty()) {
      a.verdict = Verdict::kFailed;
      a.reasons.push_back(candidates[i].failure);
      continue;
    }
    a.reasons = Misses(candidates[i], constraints, &a.total_relative_miss);
    a.meets_constraints = a.reasons.empty();
    if (a.meets_constraints) {
      feasible.push_back(i);
    } else {
      a.verdict = Verdict::kExcluded;
    }
  }
  out.fits = Fit(candidates);

  if (feasible.empty()) {
    for (std::size_t i : measured) {
      if (!out.closest || out.candidates[i].total_relative_miss < out.candidates[*out.closest].total_relative_miss) {
        out.closest = i;
      }
    }
    return out;
  }

  // Lower cost wins; ties go to the more accurate.
  const auto cheaper = [&](std::size_t x, std::size_t y) {
    const double cx = axis.Cost(candidates[x]), cy = axis.Cost(candidates[y]);
    if (cx != cy) return cx < cy;
    return candidates[x].top1 > candidates[y].top1;
  };
  std::size_t recommended = *std::min_element(feasible.begin(), feasible.end(), cheaper);
  const std::size_t best = *std::max_element(feasible.begin(), feasible.end(), [&](std::size_t x, std::size_t y) {
    if (candidates[x].top1 != candidates[y].top1) return candidates[x].top1 < candidates[y].top1;
    return cheaper(y, x);
  });
  std::vector<std::string>& why = out.recommendation_reasons;
  if (objective == Objective::kMaxAccuracy) {
    recommended = best;
    for (std::size_t i : feasible) {
      if (i == best || !cheaper(i, recommended)) continue;
      const auto p = PairedPValue(candidates[i], candidates[best]);
      if (p && *p >= kSignificanceLevel) recommended = i;
    }
    why.push_back(MetFigures(candidates[recommended], constraints));
    if (recommended == best) {
      why.push_back(fmt::format("the most accurate of the {} candidate(s) that meet the constraints (top-1 {})",
                                feasible.size(), Pct(candidates[best].top1)));
    } else {
      const auto p = PairedPValue(candidates[recommended], candidates[best]);
      why.push_back(fmt::format(
          "top-1 {} is not significantly below {}'s {} (McNemar p = {} >= {:g}), and it is {} ({})",
          Pct(candidates[recommended].top1), candidates[best].name, Pct(candidates[best].top1), PValue(p.value_or(1)),
          kSignificanceLevel, axis.Better(axis.Cost(candidates[best]) / axis.Cost(candidates[recommended])),
          axis.Figures(candidates[recommended], candidates[best])));
    }
  } else {
    why.push_back(MetFigures(candidates[recommended], constraints));
    const Candidate& r = candidates[recommended];
    std::string best_figure;
    switch (objective) {
      case Objective::kMaxThroughput:
        best_figure = fmt::format("the highest throughput ({:.0f} items/s)", r.items_per_s);
        break;
      case Objective::kMinP50: best_figure = fmt::format("the lowest p50 ({:.3g} ms)", r.p50_ms); break;
      case Objective::kMinP99: best_figure = fmt::format("the lowest p99 ({:.3g} ms)", r.p99_ms); break;
      case Objective::kMinMemory:
        best_figure = fmt::format("the lowest peak memory ({:.1f} MB)", Mb(r.peak_memory_bytes));
        break;
      case Objective::kMinSize: best_figure = fmt::format("the smallest file ({:.2f} MB)", Mb(r.size_bytes)); break;
      case Objective::kMaxAccuracy: break;
    }
    why.push_back(fmt::format("{} of the {} candidate(s) that do", best_figure, feasible.size()));
  }
  out.recommended = recommended;
  out.candidates[recommended].verdict = Verdict::kRecommended;

  const Candidate& r = candidates[recommended];
  for (std::size_t i : feasible) {
    if (i == recommended) continue;
    const Candidate& c = candidates[i];
    CandidateAnalysis& a = out.candidates[i];
    // The dominator named is the recommendation when it dominates, else the cheapest that does.
    std::optional<std::size_t> dominator;
    for (std::size_t j : feasible) {
      if (j == i || !stats::Dominates(candidates[j].top1, axis.Cost(candidates[j]), c.top1, axis.Cost(c))) continue;
      if (!dominator || j == recommended || (*dominator != recommended && cheaper(j, *dominator))) dominator = j;
    }
    if (dominator) {
      const Candidate& d = candidates[*dominator];
      a.verdict = Verdict::kDominated;
      a.reasons.push_back(fmt::format("dominated by {}: {}, {} ({})", d.name, AccuracyEdge(d.top1 - c.top1),
                                      axis.Better(axis.Cost(c) / axis.Cost(d)), axis.Figures(d, c)));
      continue;
    }
    a.verdict = Verdict::kOutranked;
    const auto p = PairedPValue(c, r);
    const std::string test = p ? fmt::format("McNemar p = {}", PValue(*p)) : "no paired data";
    const bool significant = p && *p < kSignificanceLevel;
    if (c.top1 > r.top1 && objective == Objective::kMaxAccuracy) {
      // Only noise separates it from the recommendation, which is cheaper.
      const auto p_best = PairedPValue(r, candidates[best]);
      a.reasons.push_back(fmt::format(
          "{} more accurate than {} ({}), but {} is within noise of the most accurate (McNemar p = {} vs {}) and {}",
          Points(c.top1 - r.top1), r.name, test, r.name, PValue(p_best.value_or(1)), candidates[best].name,
          axis.Better(axis.Cost(c) / axis.Cost(r))));
    } else if (c.top1 > r.top1) {
      // More accurate but costlier: the objective decided.
      a.reasons.push_back(
          fmt::format("{} {} ({})", axis.WorseThan(axis.Cost(c) / axis.Cost(r)), r.name, axis.Figures(c, r)));
      if (significant) {
        a.reasons.push_back(fmt::format("its +{} of top-1 are significant ({}): choose it if that is worth the cost",
                                        Points(c.top1 - r.top1), test));
      } else {
        a.reasons.push_back(fmt::format("its +{} of top-1 are not significant ({})", Points(c.top1 - r.top1), test));
      }
    } else {
      // Cheaper but less accurate: only the accuracy objective turns this down,
      // because its gap to the most accurate is significant.
      const auto p_best = PairedPValue(c, candidates[best]);
      a.reasons.push_back(fmt::format("top-1 {} is significantly below {}'s {} ({}), though it is {}", Pct(c.top1),
                                      candidates[best].name, Pct(candidates[best].top1),
                                      p_best ? fmt::format("McNemar p = {}", PValue(*p_best)) : "no paired data",
                                      axis.Better(axis.Cost(r) / axis.Cost(c))));
    }
  }
  return out;
}

}  // namespace

Analysis Analyze(const std::vector<Candidate>& candidates, const Constraints& constraints, Objective objective) {
  Analysis out = AnalyzeCandidates(candidates, constraints, objective);
  AddLineage(candidates, CostAxis{objective}, &out);
  return out;
}

}  // namespace sweetspot
