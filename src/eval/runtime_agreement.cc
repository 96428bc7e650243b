#include "sweetspot/runtime_agreement.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

namespace sweetspot {

Result<RuntimeAgreement> CompareRuntimeOutputs(const SampleOutputs& outputs, const SampleOutputs& reference) {
  assert(outputs.labels.size() == outputs.sample_indices.size() &&
         outputs.predicted.size() == outputs.sample_indices.size());
  assert(reference.labels.size() == reference.sample_indices.size() &&
         reference.predicted.size() == reference.sample_indices.size());
  const std::size_t width = outputs.sample_indices.empty() ? 0 : outputs.scores.size() / outputs.sample_indices.size();
  const std::size_t reference_width =
      reference.sample_indices.empty() ? 0 : reference.scores.size() / reference.sample_indices.size();
  RuntimeAgreement a;
  a.scores_compared = width > 0 && reference_width > 0;
  if (a.scores_compared && width != reference_width) {
    return Status::InvalidData(
        fmt::format("the outputs have {} scores per sample and the reference's {}", width, reference_width));
  }
  std::unordered_map<std::int64_t, std::size_t> reference_position;
  for (std::size_t i = 0; i < reference.sample_indices.size(); ++i) reference_position[reference.sample_indices[i]] = i;
  double abs_diff_sum = 0.0;
  for (std::size_t i = 0; i < outputs.sample_indices.size(); ++i) {
    const auto found = reference_position.find(outputs.sample_indices[i]);
    if (found == reference_position.end()) continue;
    const std::size_t r = found->second;
    if (outputs.labels[i] != reference.labels[r]) {
      return Status::InvalidData(fmt::format("sample {} has label {} in the outputs and {} in the reference",
                                             outputs.sample_indices[i], outputs.labels[i], reference.labels[r]));
    }
    a.compared++;
    a.same_top1 += outputs.predicted[i] == reference.predicted[r];
    const bool right = outputs.predicted[i] == outputs.labels[i];
    const bool reference_right = reference.predicted[r] == reference.labels[r];
    a.right_to_wrong += reference_right && !right;
    a.wrong_to_right += !reference_right && right;
    for (std::size_t k = 0; a.scores_compared && k < width; ++k) {
      const double d = std::abs(double{outputs.scores[i * width + k]} - double{reference.scores[r * width + k]});
      a.max_abs_score_diff = std::max(a.max_abs_score_diff, d);
      abs_diff_sum += d;
    }
  }
  if (a.compared == 0) return Status::InvalidArgument("the outputs and the reference share no evaluated sample");
  a.top1_agreement = static_cast<double>(a.same_top1) / static_cast<double>(a.compared);
  if (a.scores_compared) a.mean_abs_score_diff = abs_diff_sum / static_cast<double>(a.compared * width);
  return a;
}

}  // namespace sweetspot
