#include "sweetspot/accuracy_aware.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>

#include <fmt/core.h>

#include "sweetspot/onnx_model.h"
#include "tune/scores.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using tune::ScoreRows;

// A private temporary folder for the models being loaded and timed, removed
// with this object.
class ScratchFolder {
 public:
  static Result<std::unique_ptr<ScratchFolder>> Create() {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-aware-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::IoError("cannot create a temporary folder in " + fs::temp_directory_path().string());
    }
    return std::unique_ptr<ScratchFolder>(new ScratchFolder(pattern));
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit ScratchFolder(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

// What every stage of the search reads.
struct Search {
  Backend& backend;
  const onnx::ModelProto& float_model;
  const ActivationRanges& ranges;
  const LabelledBatches& evaluation;
  const AccuracyAwareOptions& options;
  fs::path folder;

  void Progress(std::string_view stage, std::size_t done, std::size_t total) const {
    if (options.progress) options.progress(stage, done, total);
  }

  // The static int8 model with `reverted` (and the options' exclude_nodes) in float.
  Result<onnx::ModelProto> Quantize(std::span<const std::string> reverted, QuantizeReport* report = nullptr) const {
    QuantizeOptions quantize = options.quantize;
    quantize.exclude_nodes.insert(quantize.exclude_nodes.end(), reverted.begin(), reverted.end());
    return QuantizeStatic(float_model, ranges, quantize, report);
  }

  Result<fs::path> Save(const onnx::ModelProto& model, std::string_view name) const {
    const fs::path path = folder / fmt::format("{}.onnx", name);
    SWEETSPOT_RETURN_IF_ERROR(SaveOnnxModel(model, path));
    return path;
  }

  Result<ScoreRows> Scores(const fs::path& model, std::span<const Tensor> batches) const {
    SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, backend.Load(model, options.backend));
    return tune::RunScores(*session, batches);
  }

  // Single-stream p50 of the saved model.
  Result<double> LatencyMs(const fs::path& model) const {
    MeasureConfig config = options.latency;
    config.scenarios = {Scenario::kSingleStream};
    SWEETSPOT_ASSIGN_OR_RETURN(BenchResult bench, RunBench(backend, model, options.backend, config, InputSpec{}));
    return bench.single_stream->latency.summary_ms.p50;
  }
};

struct Measured {
  fs::path path;  // where the model was saved
  ScoreRows scores;
  std::size_t correct = 0;
  double latency_ms = 0.0;
};

// Evaluates `model` on the whole evaluation set and times it; it stays saved as `name`.
Result<Measured> Measure(const Search& search, const onnx::ModelProto& model, std::string_view name) {
  Measured measured;
  SWEETSPOT_ASSIGN_OR_RETURN(measured.path, search.Save(model, name));
  const fs::path& path = measured.path;
  SWEETSPOT_ASSIGN_OR_RETURN(measured.scores, search.Scores(path, search.evaluation.batches));
  SWEETSPOT_ASSIGN_OR_RETURN(measured.latency_ms, search.LatencyMs(path));
  measured.correct = measured.scores.CountCorrect(search.evaluation.labels);
  return measured;
}

Status CheckInputs(const LabelledBatches& evaluation, const AccuracyAwareOptions& options) {
  if (options.budget.value < 0.0) return Status::InvalidArgument("the accuracy budget is negative");
  if (options.ranking_samples == 0) return Status::InvalidArgument("ranking_samples is 0: rank on at least 1 sample");
  std::size_t rows = 0;
  for (const Tensor& batch : evaluation.batches) {
    if (batch.shape().empty() || batch.shape()[0] <= 0) {
      return Status::InvalidArgument("an evaluation batch has no rows: " + ShapeToString(batch.shape()));
    }
    rows += static_cast<std::size_t>(batch.shape()[0]);
  }
  if (rows == 0) return Status::InvalidArgument("the evaluation set is empty");
  if (rows != evaluation.labels.size()) {
    return Status::InvalidArgument(
        fmt::format("the evaluation batches hold {} rows but {} labels were given", rows, evaluation.labels.size()));
  }
  return Status::Ok();
}

Status CheckLabels(std::span<const int> labels, std::size_t classes) {
  const auto bad = std::find_if(labels.begin(), labels.end(),
                                [&](int label) { return label < 0 || static_cast<std::size_t>(label) >= classes; });
  if (bad == labels.end()) return Status::Ok();
  return Status::InvalidArgument(fmt::format("evaluation label {} (row {}) is outside the model's {} classes", *bad,
                                             bad - labels.begin(), classes));
}

// The `count` samples whose float and int8 outputs differ most: top-1
// differs first, then by L2 distance, largest first.
std::vector<std::size_t> RankingSubset(const ScoreRows& float_scores, const ScoreRows& int8_scores, std::size_t count) {
  std::vector<std::pair<bool, double>> keys(float_scores.rows());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    keys[i] = {float_scores.Top1(i) != int8_scores.Top1(i), tune::L2Distance(float_scores.Row(i), int8_scores.Row(i))};
  }
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] > keys[b]; });
  order.resize(std::min(count, order.size()));
  return order;
}

double MeanDistance(const ScoreRows& scores, const ScoreRows& reference) {
  double sum = 0.0;
  for (std::size_t i = 0; i < scores.rows(); ++i) sum += tune::L2Distance(scores.Row(i), reference.Row(i));
  return sum / static_cast<double>(scores.rows());
}

}  // namespace

namespace {

// The ranking subset's batches, labels, float scores and the fully
// quantized model's figures on it.
struct RankingSet {
  std::vector<Tensor> batches;
  std::vector<int> labels;
  ScoreRows float_scores;
  std::size_t int8_correct = 0;
  double int8_distance = 0.0;
};

ScoreRows SelectRows(const ScoreRows& scores, std::span<const std::size_t> indices) {
  ScoreRows selected;
  selected.width = scores.width;
  for (std::size_t i : indices)
    selected.values.insert(selected.values.end(), scores.Row(i).begin(), scores.Row(i).end());
  return selected;
}

RankingSet MakeRankingSet(const Search& search, const ScoreRows& float_scores, const ScoreRows& int8_scores) {
  const std::vector<std::size_t> subset = RankingSubset(float_scores, int8_scores, search.options.ranking_samples);
  RankingSet set;
  const auto batch_rows = static_cast<std::size_t>(search.evaluation.batches[0].shape()[0]);
  set.batches = tune::GatherRows(search.evaluation.batches, subset, batch_rows);
  for (std::size_t i : subset) set.labels.push_back(search.evaluation.labels[i]);
  set.float_scores = SelectRows(float_scores, subset);
  const ScoreRows int8 = SelectRows(int8_scores, subset);
  set.int8_correct = int8.CountCorrect(set.labels);
  set.int8_distance = MeanDistance(int8, set.float_scores);
  return set;
}

// The quantized nodes of QuantizeOptions::op_types, by name (exclude_nodes
// matches names, so an unnamed node cannot be reverted). Nodes quantized
// around them (Relu, Add, pools) follow their neighbours and are not ranked.
std::vector<std::string> RevertibleNodes(const onnx::ModelProto& model, const QuantizeReport& report,
                                         const QuantizeOptions& options) {
  std::vector<std::string> nodes;
  for (const auto& node : model.graph().node()) {
    const bool anchor =
        std::find(options.op_types.begin(), options.op_types.end(), node.op_type()) != options.op_types.end();
    const bool quantized = std::find(report.quantized_nodes.begin(), report.quantized_nodes.end(), node.name()) !=
                           report.quantized_nodes.end();
    if (anchor && quantized && !node.name().empty()) nodes.push_back(node.name());
  }
  return nodes;
}

// Every node's effect when it alone is reverted, most harmful (largest gain) first.
Result<std::vector<NodeEffect>> RankNodes(const Search& search, std::span<const std::string> nodes,
                                          const RankingSet& set) {
  std::vector<NodeEffect> effects;
  const double samples = static_cast<double>(set.labels.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    search.Progress("rank", i, nodes.size());
    SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto model, search.Quantize(nodes.subspan(i, 1)));
    SWEETSPOT_ASSIGN_OR_RETURN(fs::path path, search.Save(model, "candidate"));
    SWEETSPOT_ASSIGN_OR_RETURN(ScoreRows scores, search.Scores(path, set.batches));
    const double gained = static_cast<double>(scores.CountCorrect(set.labels)) - static_cast<double>(set.int8_correct);
    effects.push_back({nodes[i], 100.0 * gained / samples, set.int8_distance - MeanDistance(scores, set.float_scores)});
  }
  search.Progress("rank", nodes.size(), nodes.size());
  std::stable_sort(effects.begin(), effects.end(), [](const NodeEffect& a, const NodeEffect& b) {
    return std::pair(a.top1_gain_points, a.distance_reduction) > std::pair(b.top1_gain_points, b.distance_reduction);
  });
  return effects;
}

AccuracyAwareStep MakeStep(const AccuracyAwareResult& result, int step, std::string node, const Measured& measured) {
  AccuracyAwareStep row;
  row.step = step;
  row.reverted_node = std::move(node);
  row.top1_correct = static_cast<std::int64_t>(measured.correct);
  row.top1 = static_cast<double>(measured.correct) / static_cast<double>(result.evaluation_samples);
  row.drop_points = 100.0 * static_cast<double>(result.float_top1_correct - row.top1_correct) /
                    static_cast<double>(result.evaluation_samples);
  row.latency_ms = measured.latency_ms;
  row.within_budget = row.drop_points <= result.allowed_drop_points + 1e-9;  // rounding of count ratios
  return row;
}

// The fastest step within the budget when it is faster than the float
// model; -1 otherwise.
int FastestWithinBudget(const AccuracyAwareResult& result) {
  int chosen = -1;
  double fastest_ms = result.float_latency_ms;
  for (const AccuracyAwareStep& step : result.steps) {
    if (step.within_budget && step.latency_ms < fastest_ms) {
      chosen = step.step;
      fastest_ms = step.latency_ms;
    }
  }
  return chosen;
}

// Steps 1..: the ranked nodes reverted cumulatively (see the header for when it stops).
Status Revert(const Search& search, AccuracyAwareResult& result) {
  // Reverting every node would give the float model back: at most all but one.
  const int last = std::min<int>(search.options.max_reverts, static_cast<int>(result.ranking.size()) - 1);
  std::vector<std::string> reverted;
  int first_within = -1;
  for (int step = 1; step <= last; ++step) {
    if (first_within > 0 && step - first_within > search.options.steps_after_budget) break;
    search.Progress("revert", static_cast<std::size_t>(step - 1), static_cast<std::size_t>(last));
    reverted.push_back(result.ranking[step - 1].node);
    SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto model, search.Quantize(reverted));
    SWEETSPOT_ASSIGN_OR_RETURN(Measured measured, Measure(search, model, "step"));
    result.steps.push_back(MakeStep(result, step, reverted.back(), measured));
    if (result.steps.back().within_budget && first_within < 0) first_within = step;
  }
  search.Progress("revert", static_cast<std::size_t>(std::max(last, 0)), static_cast<std::size_t>(std::max(last, 0)));
  return Status::Ok();
}

std::string Message(const AccuracyAwareResult& result, const AccuracyAwareOptions& options) {
  const std::string budget = options.budget.ToString();
  if (result.chosen_step >= 0) {
    const AccuracyAwareStep& s = result.steps[result.chosen_step];
    const std::string what = s.step == 0 ? "fully int8" : fmt::format("int8 with {} node(s) reverted to float", s.step);
    return fmt::format(
        "{} (step {}): top-1 {:.2f} % vs fp32 {:.2f} % ({:+.2f} points, budget "
        "{}), p50 {:.3f} ms vs fp32 {:.3f} ms ({:.2f}x faster)",
        what, s.step, 100.0 * s.top1, 100.0 * result.float_top1, 0.0 - s.drop_points, budget, s.latency_ms,
        result.float_latency_ms, result.float_latency_ms / s.latency_ms);
  }
  const bool any_within =
      std::any_of(result.steps.begin(), result.steps.end(), [](const AccuracyAwareStep& s) { return s.within_budget; });
  if (any_within) {
    return fmt::format(
        "the int8 models within the budget of {} were not faster than fp32 ({:.3f} ms): returning the float model",
        budget, result.float_latency_ms);
  }
  const auto best = std::min_element(result.steps.begin(), result.steps.end(),
                                     [](const auto& a, const auto& b) { return a.drop_points < b.drop_points; });
  return fmt::format(
      "no int8 model met the budget of {} after {} revert(s) (the closest, step {}, lost {:.2f} points): returning "
      "the float model",
      budget, result.steps.size() - 1, best->step, best->drop_points);
}

// Re-times the float model (its figure is the faster of its two timings, so
// a quiet moment during a step never passes for a speed-up), chooses, and
// rebuilds the chosen model (QuantizeStatic is deterministic).
Status Choose(const Search& search, const fs::path& float_path, AccuracyAwareResult& result) {
  SWEETSPOT_ASSIGN_OR_RETURN(double float_again_ms, search.LatencyMs(float_path));
  result.float_latency_ms = std::min(result.float_latency_ms, float_again_ms);
  result.chosen_step = FastestWithinBudget(result);
  result.quantized = result.chosen_step >= 0;
  result.float_nodes = search.options.quantize.exclude_nodes;
  if (!result.quantized) {
    result.model = search.float_model;
    return Status::Ok();
  }
  std::vector<std::string> reverted;
  for (int i = 0; i < result.chosen_step; ++i) reverted.push_back(result.ranking[i].node);
  SWEETSPOT_ASSIGN_OR_RETURN(result.model, search.Quantize(reverted));
  result.float_nodes.insert(result.float_nodes.end(), reverted.begin(), reverted.end());
  return Status::Ok();
}

}  // namespace

Result<AccuracyAwareResult> AccuracyAwareQuantize(Backend& backend, const onnx::ModelProto& float_model,
                                                  const ActivationRanges& ranges, const LabelledBatches& evaluation,
                                                  const AccuracyAwareOptions& options) {
  SWEETSPOT_RETURN_IF_ERROR(CheckInputs(evaluation, options));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<ScratchFolder> folder, ScratchFolder::Create());
  const Search search{backend, float_model, ranges, evaluation, options, folder->path()};
  AccuracyAwareResult result;
  result.evaluation_samples = evaluation.labels.size();

  search.Progress("evaluate", 0, 2);
  SWEETSPOT_ASSIGN_OR_RETURN(Measured fp32, Measure(search, float_model, "float"));
  SWEETSPOT_RETURN_IF_ERROR(CheckLabels(evaluation.labels, fp32.scores.width));
  QuantizeReport report;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto int8, search.Quantize({}, &report));
  result.float_top1_correct = static_cast<std::int64_t>(fp32.correct);
  result.float_top1 = static_cast<double>(fp32.correct) / static_cast<double>(result.evaluation_samples);
  result.float_latency_ms = fp32.latency_ms;
  result.allowed_drop_points = options.budget.AllowedDropPoints(result.float_top1);
  SWEETSPOT_ASSIGN_OR_RETURN(Measured full, Measure(search, int8, "step"));
  search.Progress("evaluate", 2, 2);
  result.steps.push_back(MakeStep(result, 0, "", full));

  if (!result.steps[0].within_budget) {
    const RankingSet set = MakeRankingSet(search, fp32.scores, full.scores);
    result.ranking_samples = set.labels.size();
    SWEETSPOT_ASSIGN_OR_RETURN(result.ranking,
                               RankNodes(search, RevertibleNodes(float_model, report, options.quantize), set));
    SWEETSPOT_RETURN_IF_ERROR(Revert(search, result));
  }
  SWEETSPOT_RETURN_IF_ERROR(Choose(search, fp32.path, result));
  result.message = Message(result, options);
  return result;
}

}  // namespace sweetspot
