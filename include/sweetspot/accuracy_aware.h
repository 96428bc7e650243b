// Accuracy-aware int8: the fastest static int8 model (quantize.h) whose top-1
// on an evaluation set stays within a budget of the float model's, found by
// reverting the quantized nodes that hurt the task metric most back to float.
//
// Algorithm (issue 9, item 3):
//  0. Evaluate the float model and the fully quantized model (every node of
//     QuantizeOptions::op_types outside exclude_nodes) on the whole
//     evaluation set, and time both. Within the budget: done, no revert.
//  1. Ranking subset: the `ranking_samples` evaluation samples whose float
//     and int8 outputs differ most, ordered by (top-1 prediction differs,
//     then L2 distance between the two score rows), largest first.
//  2. Rank the quantized nodes of QuantizeOptions::op_types that have a
//     name (exclude_nodes matches names; Relu, Add, pools quantized around
//     them follow their neighbours and are not ranked) by their measured
//     effect on the task metric (SQNR, sqnr.h, is not used as a proxy): the
//     top-1 gain, in points of the ranking subset, of the model with that
//     node alone reverted to float over the fully quantized model; ties
//     broken by how much the revert shrinks the mean L2 distance to the
//     float scores. Nodes are ranked one at a time, not in groups: a tensor
//     read or written by several quantized nodes keeps its
//     QuantizeLinear/DequantizeLinear while any of them stays quantized, so
//     reverting one node of such a group may gain nothing until the rest
//     of the group is reverted too.
//  3. Revert the nodes in that order, cumulatively, one per step; each step's
//     model is evaluated on the whole evaluation set and re-timed. The search
//     ends after `max_reverts` steps, when all ranked nodes but one are
//     reverted (all of them would be the float model), or
//     `steps_after_budget` steps after the first step within the budget
//     (later steps may be faster: every intermediate model is timed).
//  4. The result is the fastest model (p50 latency) among the float model
//     and the steps within the budget. When no quantized model met the
//     budget, or none that did was faster than float, the float model is
//     returned with `quantized` false and a message saying which: an
//     expected outcome, not an error.
//
// Budget: `points` of top-1 (absolute: 0.3 allows 90.00 % -> 89.70 %) or
// `percent` of the float top-1 (relative: 1 % of 90 % allows 0.9 points).
// A model is within it when float top-1 - its top-1 <= the allowance
// (computed from correct counts, so 0.3 points on 9,000 samples allows 27).
//
// Evaluation: `evaluation.batches` each hold a batch for the model's first
// input (e.g. PreparedTensors::Batch views, tensor_cache.h) and
// `evaluation.labels` the true class of each row, in order; the scores are
// read from the first float output with a class dimension (FindScoresOutput,
// evaluate.h; float32 only), top-1 by argmax (ties to the lower class). A model with a
// fixed batch dimension gets short batches zero-padded (padding discarded).
// The evaluation set must not hold the calibration samples the ranges came
// from; this function cannot check that, the caller must split them.
// Memory: the float and int8 score rows of every evaluation sample
// (2 x samples x classes floats) plus one Session at a time.
//
// Latency: single-stream p50 (measure.h RunBench, random inputs, in this
// process) at `latency.batch_sizes[0]` with `backend` settings; no other
// scenario of `latency` runs. The float model is timed the same way before
// and after the steps, and its figure is the faster of the two, so that a
// busy moment while it was timed never passes for a speed-up. The chosen
// model is rebuilt from its float nodes (QuantizeStatic is deterministic).
//
// Errors (Status): labels that do not match the batches' rows, a label
// outside the output's classes, an empty evaluation set, a negative budget,
// ranking_samples 0, scores that are not float32 or not finite;
// QuantizeStatic's own (nothing to quantize, already
// quantized, a range missing); a model or batch the backend refuses.
//
// Thread-safety: reentrant; one Session at a time; `progress` runs on the
// calling thread. Models are written to a temporary folder while they are
// loaded and timed, and the folder is removed before returning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/calibration.h"
#include "sweetspot/measure.h"
#include "sweetspot/quantize.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

struct AccuracyBudget {
  enum class Kind { kPoints, kPercent };
  Kind kind = Kind::kPoints;
  double value = 0.3;  // >= 0: top-1 points, or percent of the float top-1

  // The top-1 drop allowed, in points, for a float top-1 of `float_top1` (fraction).
  double AllowedDropPoints(double float_top1) const;
  std::string ToString() const;  // "0.3 points", "1 % of float top-1"
};
// "0.3" (points) or "1%" (percent of the float top-1). Errors name the text
// and the two forms.
Result<AccuracyBudget> ParseAccuracyBudget(std::string_view text);

// A single-stream configuration short enough to time every step of a search:
// converges within 2 % or stops after 5 s; warm-up at most 2 s.
MeasureConfig AccuracyAwareLatencyConfig();

struct AccuracyAwareOptions {
  QuantizeOptions quantize;  // exclude_nodes stay float in every step
  AccuracyBudget budget;
  std::size_t ranking_samples = 256;  // capped at the evaluation set's size
  int max_reverts = 16;               // steps after the fully quantized model
  int steps_after_budget = 2;
  BackendOptions backend;  // every session: evaluation and timing
  MeasureConfig latency = AccuracyAwareLatencyConfig();
  // stage "evaluate" (the float and the int8 model), "rank" (one per node),
  // "revert" (one per step); done of total in that stage.
  std::function<void(std::string_view stage, std::size_t done, std::size_t total)> progress;
};

struct LabelledBatches {
  std::span<const Tensor> batches;
  std::span<const int> labels;  // one per batch row, in order
};

// A quantized node's effect when it alone is reverted to float, on the
// ranking subset.
struct NodeEffect {
  std::string node;
  double top1_gain_points = 0.0;    // of the ranking subset
  double distance_reduction = 0.0;  // mean L2 distance to the float scores, int8 minus reverted
};

struct AccuracyAwareStep {
  int step = 0;               // 0: fully quantized; k: k nodes reverted
  std::string reverted_node;  // reverted at this step ("" at step 0)
  std::int64_t top1_correct = 0;
  double top1 = 0.0;         // fraction, whole evaluation set
  double drop_points = 0.0;  // float top-1 minus this one, in points
  double latency_ms = 0.0;   // single-stream p50
  bool within_budget = false;
};

struct AccuracyAwareResult {
  bool quantized = false;  // `model` is an int8 (mixed) model; false: the float model
  std::string message;     // one line: what was chosen and why
  onnx::ModelProto model;
  int chosen_step = -1;                  // index into `steps`; -1: the float model
  std::vector<std::string> float_nodes;  // exclude_nodes + the nodes reverted up to the chosen step
  std::size_t evaluation_samples = 0;
  std::size_t ranking_samples = 0;  // 0 when the fully quantized model met the budget
  double allowed_drop_points = 0.0;
  std::int64_t float_top1_correct = 0;
  double float_top1 = 0.0;
  double float_latency_ms = 0.0;
  std::vector<NodeEffect> ranking;       // most harmful first; empty when no revert was needed
  std::vector<AccuracyAwareStep> steps;  // step 0 first
};

// See the top of this file. `ranges` covers StaticQuantizationTensors(
// float_model, options.quantize) (calibration.h CalibrateActivations).
Result<AccuracyAwareResult> AccuracyAwareQuantize(Backend& backend, const onnx::ModelProto& float_model,
                                                  const ActivationRanges& ranges, const LabelledBatches& evaluation,
                                                  const AccuracyAwareOptions& options);

// The step table as text: one line per model (fp32, then each step) with the
// node reverted, top-1 %, drop in points, p50 ms, within the budget or not,
// the chosen one marked; then `message`.
std::string RenderAccuracyAwareTable(const AccuracyAwareResult& result);

}  // namespace sweetspot
