// Classification metrics from per-sample predictions: plain structs in, plain
// structs out, no I/O (except LoadLabelMap) and no global state; thread-safe.
//
// The evaluation runner reduces each output row to a RowSummary as it goes
// (top-k raw values plus the row's log-sum-exp, sum and minimum), so memory
// grows with the sample count, not with the class count. Whether the rows are
// logits or probabilities is decided once over the whole run
// (DetectOutputKind), and the summaries become Predictions with
// probabilities (softmax for logits).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr int kTopK = 5;
inline constexpr int kCalibrationBins = 15;

// kSigmoid: independent per-class probabilities (multi-label heads, models
// trained with BCE): each in [0, 1], rows need not sum to 1. A class's
// confidence is its own score.
enum class OutputKind { kAuto, kLogits, kProbabilities, kSigmoid };
std::string_view OutputKindName(OutputKind kind);  // auto|logits|probabilities|sigmoid
Result<OutputKind> ParseOutputKind(std::string_view name);

struct RowSummary {
  int k = 0;                             // min(kTopK, row width)
  std::array<int, kTopK> top_class{};    // best first; ties to the lower class index
  std::array<float, kTopK> top_value{};  // the raw output values
  double log_sum_exp = 0.0;              // log(sum(exp(row)))
  double sum = 0.0;
  double min = 0.0;  // (the maximum is top_value[0])
};
// Requires a non-empty row of finite values.
RowSummary SummarizeRow(std::span<const float> row);

// kProbabilities when every row is non-negative and sums to 1 within 1e-3;
// else kSigmoid when every value is in [0, 1]; else kLogits. Empty input:
// kLogits. (Logits that all happen to lie in [0, 1] read as sigmoid: the
// report says what was detected, and --output-kind overrides it.)
OutputKind DetectOutputKind(std::span<const RowSummary> rows);

struct Prediction {
  int label = 0;  // true class
  int k = 0;      // entries used in top_class/top_probability
  std::array<int, kTopK> top_class{};
  std::array<double, kTopK> top_probability{};
  int predicted() const { return top_class[0]; }
  double confidence() const { return top_probability[0]; }
  bool correct() const { return top_class[0] == label; }
  bool correct_top5() const;
};
// `kind` must not be kAuto (resolve it with DetectOutputKind first).
std::vector<Prediction> ToPredictions(std::span<const RowSummary> rows, std::span<const int> labels, OutputKind kind);

struct ClassMetrics {
  std::string name;
  std::int64_t support = 0;    // samples of this class
  std::int64_t predicted = 0;  // samples predicted as this class
  std::int64_t true_positives = 0;
  double precision = 0.0;  // 0 when nothing was predicted as the class
  double recall = 0.0;     // 0 when the class has no samples
  double f1 = 0.0;         // 0 when precision + recall == 0
};

struct ClassificationMetrics {
  std::int64_t count = 0;
  std::int64_t top1_correct = 0;
  std::int64_t top5_correct = 0;
  double top1 = 0.0;  // fractions in [0, 1]
  double top5 = 0.0;
  stats::Interval top1_ci;  // Wilson, 95 %
  stats::Interval top5_ci;
  std::vector<ClassMetrics> per_class;
  // Mean F1 over the classes that have samples or predictions (sklearn's
  // "macro" over the labels present).
  double macro_f1 = 0.0;
  // confusion[true][predicted], class order.
  std::vector<std::vector<std::int64_t>> confusion;
  double mean_confidence = 0.0;    // of the top-1 probability
  double median_confidence = 0.0;  // mean of the two middle values for an even count
  // Expected calibration error over kCalibrationBins equal-width bins of the
  // top-1 confidence, bin b = (b/15, (b+1)/15] (0 goes to the first):
  // sum over bins of |bin| / n * |accuracy(bin) - mean confidence(bin)|.
  double ece = 0.0;
};
// Requires every label and predicted class < class_names.size().
ClassificationMetrics ComputeMetrics(std::span<const Prediction> predictions,
                                     const std::vector<std::string>& class_names);

// Many-to-one map of fine classes to coarse ones.
struct LabelMap {
  std::vector<std::string> coarse_names;  // in order of first appearance in the file
  std::vector<int> fine_to_coarse;        // indexed by fine class
};
// File format: one `fine,coarse` pair per line (a tab also separates; blank
// lines and lines starting with '#' are skipped). Every fine class must be
// mapped exactly once; errors name the file, line and class.
Result<LabelMap> ParseLabelMap(std::string_view text, std::string_view source,
                               const std::vector<std::string>& fine_names);
Result<LabelMap> LoadLabelMap(const std::filesystem::path& path, const std::vector<std::string>& fine_names);

// Coarse predictions: the coarse label, and the coarse classes of the fine
// top-k in order without repeats, each with the summed probability of the
// fine top-k classes that map to it (a lower bound of its full probability).
std::vector<Prediction> MapToCoarse(std::span<const Prediction> fine, const LabelMap& map);

struct Flip {
  std::size_t position = 0;  // index into the prediction lists
  int label = 0;
  int model_prediction = 0;
  int reference_prediction = 0;
  double model_confidence = 0.0;
  double reference_confidence = 0.0;
};

struct Comparison {
  std::int64_t count = 0;
  std::int64_t agreements = 0;  // same top-1 prediction
  double agreement = 0.0;       // fraction
  std::int64_t both_correct = 0;
  std::int64_t only_model_correct = 0;      // McNemar's b
  std::int64_t only_reference_correct = 0;  // McNemar's c
  std::int64_t both_wrong = 0;
  double top1_delta = 0.0;  // model top-1 minus reference top-1 (fraction)
  double mcnemar_p = 1.0;   // exact, two-sided
  // Mean of (model confidence - reference confidence) in each one's top-1.
  double mean_confidence_delta = 0.0;
  // mean model confidence / mean reference confidence - 1 ("15 % less confident").
  double relative_confidence_change = 0.0;
  std::vector<Flip> flips;  // samples whose top-1 differs, in order
};
// Both lists describe the same samples in the same order (same labels).
Result<Comparison> Compare(std::span<const Prediction> model, std::span<const Prediction> reference);

}  // namespace sweetspot
