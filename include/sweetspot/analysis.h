// Study analysis: from measured candidates to a recommendation, with a reason
// for every candidate that lost. Pure functions of plain structs; no I/O;
// thread-safe. `sweetspot study` fills the candidates, reporters render the
// Analysis.
//
// A candidate is one (model variant x runtime setting) with its accuracy (top-1
// and which samples it got right, for paired tests), its latency figures and
// its costs. The analysis, in order:
//  1. candidates that could not be measured are "failed" (with the reason);
//  2. each constraint is checked on the point estimates; a candidate missing
//     one is "excluded", each miss phrased with its size
//     ("fails top-1 >= 0.82 by 0.97 points");
//  3. among the candidates that meet every constraint, the objective picks the
//     recommendation. Accuracy differences are tested with McNemar's exact test
//     on the samples both candidates evaluated: for the accuracy objective,
//     the fastest candidate whose top-1 is not significantly below the most
//     accurate one's (p >= kSignificanceLevel) wins, and the reasons say the
//     difference is not significant;
//  4. every other feasible candidate is "dominated" (another feasible one is at
//     least as accurate and at least as fast: "dominated by X: as accurate,
//     2.1x faster") or "outranked" (a trade-off the objective decided, with
//     whether its accuracy edge is significant).
// With no feasible candidate there is no recommendation; `closest` names the
// candidate with the smallest total relative miss. A measured variant's
// reasons (and the recommendation's, when it is one) start with its lineage
// against its parent in the same setting: "int8-static:entropy of large:
// 2.30x faster, -0.40 points, not significant (McNemar p = 0.41)".
//
// Pareto frontiers (accuracy vs p50 latency, vs peak memory, vs model size)
// are computed over the measured candidates, constraints aside. Fits across
// the candidates of each runtime setting: p50 latency vs MACs (linear) and
// top-1 vs latency (hyperbolic, top-1 = a + b / p50, as Canziani et al. 2016
// observed), each with R^2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr double kSignificanceLevel = 0.05;

enum class Objective { kMaxThroughput, kMinP50, kMinP99, kMaxAccuracy, kMinMemory, kMinSize };
// "max-throughput", "min-p50", "min-p99", "max-accuracy", "min-memory", "min-size".
std::string_view ObjectiveName(Objective objective);
Result<Objective> ParseObjective(std::string_view name);

// Every bound is optional; a candidate must meet all that are set.
struct Constraints {
  std::optional<double> min_top1;  // fraction in [0, 1]
  std::optional<double> max_p50_ms;
  std::optional<double> max_p99_ms;
  std::optional<double> min_items_per_s;
  std::optional<std::int64_t> max_peak_memory_bytes;
  // The model's own memory (Candidate::model_memory_bytes); a candidate whose
  // increment is unknown (0) fails it.
  std::optional<std::int64_t> max_model_memory_bytes;
  std::optional<std::int64_t> max_size_bytes;
};

struct Candidate {
  std::string name;     // unique, e.g. "resnet20" or "resnet20 t2 b8"
  std::string model;    // the model (variant) name
  std::string setting;  // runtime setting label; fits are per setting
  // A variant derived from another candidate's model (variant.h): the parent's
  // `model` and the transform's canonical text ("int8-static:entropy"); both
  // empty for a model as given.
  std::string parent;
  std::string transform;
  // Non-empty: the candidate could not be measured, and why. Its figures are unset.
  std::string failure;

  std::int64_t size_bytes = 0;  // model file
  std::int64_t param_count = 0;
  std::int64_t macs = 0;  // per sample

  std::int64_t eval_count = 0;
  double top1 = 0.0;  // fraction
  stats::Interval top1_ci;
  // Dataset indices of the evaluated samples and whether each was right, in
  // the same order; McNemar pairs candidates on the indices they share.
  std::vector<std::int64_t> sample_indices;
  std::vector<bool> correct;

  double p50_ms = 0.0;
  double p99_ms = 0.0;
  double items_per_s = 0.0;
  std::int64_t peak_memory_bytes = 0;
  // Peak RSS minus that of the same process with no model (the runtime's
  // share); 0 = unknown (a measurement stored before it was recorded).
  std::int64_t model_memory_bytes = 0;
};

enum class Verdict { kRecommended, kOutranked, kDominated, kExcluded, kFailed };
std::string_view VerdictName(Verdict verdict);  // "recommended", "outranked", "dominated", "excluded", "failed"

struct CandidateAnalysis {
  Verdict verdict = Verdict::kFailed;
  std::vector<std::string> reasons;  // one short sentence each
  bool meets_constraints = false;
  bool on_latency_frontier = false;  // accuracy vs p50
  bool on_memory_frontier = false;   // accuracy vs peak memory
  bool on_size_frontier = false;     // accuracy vs file size
  // Relative misses summed over the failed constraints (0 when feasible).
  double total_relative_miss = 0.0;
};

struct HyperbolicFit {  // top-1 = a + b / p50_ms
  double a = 0.0;
  double b = 0.0;
  double r_squared = 0.0;
  std::size_t count = 0;
  bool valid = false;
};

struct SettingFits {
  std::string setting;
  stats::LineFit latency_vs_macs;  // p50_ms = intercept + slope * MACs
  HyperbolicFit accuracy_vs_latency;
};

struct Analysis {
  std::vector<CandidateAnalysis> candidates;  // parallel to the input
  std::optional<std::size_t> recommended;     // index into the input
  std::vector<std::string> recommendation_reasons;
  std::optional<std::size_t> closest;  // when nothing is feasible: the smallest miss
  std::vector<SettingFits> fits;       // settings with >= kMinFitPoints measured candidates
};

inline constexpr std::size_t kMinFitPoints = 3;

// McNemar's exact p-value between two candidates over the samples both
// evaluated; nullopt when they share none (or either lacks per-sample data).
std::optional<double> PairedPValue(const Candidate& a, const Candidate& b);

Analysis Analyze(const std::vector<Candidate>& candidates, const Constraints& constraints, Objective objective);

// "top-1 >= 0.82, p99 <= 5 ms": the constraints as text ("none" when empty).
std::string DescribeConstraints(const Constraints& constraints);

}  // namespace sweetspot
