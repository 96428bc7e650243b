// How far one runtime's outputs on the evaluation set are from a reference
// runtime's for the same model: the task's own metric on real data (does the
// predicted class change?) rather than a tensor tolerance on random inputs.
//
// Samples are matched by dataset index; those only one side evaluated are
// left out. Flips count samples whose correctness changed: right_to_wrong =
// the reference predicted the label and this runtime does not.
// Score differences are |a - b| over every value of the matched rows (the
// model's raw output rows, EvalSummary::scores), compared only when both sides
// kept their scores.
//
// Errors: no sample in common (InvalidArgument), a matched sample with
// different labels or score rows of different widths (InvalidData).
// Thread-safety: pure.
#pragma once

#include <cstdint>
#include <span>

#include "sweetspot/status.h"

namespace sweetspot {

// One runtime's per-sample outputs, parallel arrays in evaluation order.
// `scores` is row-major [samples x classes] or empty.
struct SampleOutputs {
  std::span<const std::int64_t> sample_indices;
  std::span<const std::int32_t> labels;
  std::span<const std::int32_t> predicted;
  std::span<const float> scores;
};

struct RuntimeAgreement {
  std::int64_t compared = 0;        // samples both sides evaluated
  std::int64_t same_top1 = 0;       // of those, with the same predicted class
  double top1_agreement = 0.0;      // same_top1 / compared, in [0, 1]
  std::int64_t right_to_wrong = 0;  // the reference right, this runtime wrong
  std::int64_t wrong_to_right = 0;  // the reference wrong, this runtime right
  bool scores_compared = false;     // both kept their scores
  double max_abs_score_diff = 0.0;  // over every score of the compared samples
  double mean_abs_score_diff = 0.0;
};

Result<RuntimeAgreement> CompareRuntimeOutputs(const SampleOutputs& outputs, const SampleOutputs& reference);

}  // namespace sweetspot
