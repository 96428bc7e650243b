// The class scores of every evaluation sample under one model, kept whole
// (not summarised as evaluate.h does) because the accuracy-aware search
// compares two models' rows sample by sample.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot::tune {

struct ScoreRows {
  std::size_t width = 0;      // classes
  std::vector<float> values;  // rows x width, row-major

  std::size_t rows() const { return width == 0 ? 0 : values.size() / width; }
  std::span<const float> Row(std::size_t i) const { return {values.data() + i * width, width}; }
  // Top-1 class of row i; ties to the lower class (as SummarizeRow, metrics.h).
  int Top1(std::size_t i) const;
  // Rows whose top-1 is their label.
  std::size_t CountCorrect(std::span<const int> labels) const;
};

// Runs `session` over `batches` (its first input) and reads the scores from
// the output FindScoresOutput (evaluate.h) picks. A batch shorter than a fixed
// batch dimension is zero-padded and the padding's rows dropped. Errors: a
// float32-less scores output, rows of different widths, NaN or Inf (naming
// the row), the session's own.
Result<ScoreRows> RunScores(Session& session, std::span<const Tensor> batches);

// sqrt(sum (a - b)^2); the rows must have one width.
double L2Distance(std::span<const float> a, std::span<const float> b);

// Rows `indices` of `batches` (rows counted across batches, in order) copied
// into owned batches of `batch_rows` rows (the last one shorter).
std::vector<Tensor> GatherRows(std::span<const Tensor> batches, std::span<const std::size_t> indices,
                               std::size_t batch_rows);

}  // namespace sweetspot::tune
