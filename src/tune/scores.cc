#include "tune/scores.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include "sweetspot/evaluate.h"

namespace sweetspot::tune {
namespace {

// `batch` zero-padded to `rows` rows when it has fewer.
Tensor Padded(const Tensor& batch, std::int64_t rows) {
  if (rows <= 0 || batch.shape()[0] >= rows) return batch;
  Shape shape = batch.shape();
  shape[0] = rows;
  Tensor padded = Tensor::Owned(batch.dtype(), std::move(shape));
  std::memcpy(padded.data(), batch.data(), batch.size_bytes());
  return padded;
}

Status AppendRows(const Tensor& output, const std::string& name, std::size_t rows, ScoreRows& scores) {
  if (output.dtype() != DType::kFloat32) {
    return Status::Unsupported(fmt::format("model output '{}' is {}; the accuracy-aware search reads float32 scores",
                                           name, DTypeName(output.dtype())));
  }
  const auto values = output.values<float>();
  const std::size_t fed = static_cast<std::size_t>(output.shape().empty() ? 1 : output.shape()[0]);
  const std::size_t width = fed == 0 ? 0 : values.size() / fed;
  if (width == 0 || width * fed != values.size() || (scores.width != 0 && width != scores.width)) {
    return Status::InvalidData(
        fmt::format("model output '{}' has {} values for a batch of {}: not one row of scores per sample", name,
                    values.size(), fed));
  }
  scores.width = width;
  const auto kept = values.first(rows * width);
  const auto bad = std::find_if(kept.begin(), kept.end(), [](float v) { return !std::isfinite(v); });
  if (bad != kept.end()) {
    return Status::InvalidData(fmt::format("model output '{}' has {} in row {}: the model is numerically broken", name,
                                           std::isnan(*bad) ? "NaN" : "Inf",
                                           scores.rows() + static_cast<std::size_t>(bad - kept.begin()) / width));
  }
  scores.values.insert(scores.values.end(), kept.begin(), kept.end());
  return Status::Ok();
}

}  // namespace

int ScoreRows::Top1(std::size_t i) const {
  const auto row = Row(i);
  return static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());  // first of equal maxima
}

std::size_t ScoreRows::CountCorrect(std::span<const int> labels) const {
  std::size_t correct = 0;
  for (std::size_t i = 0; i < rows(); ++i) correct += Top1(i) == labels[i] ? 1 : 0;
  return correct;
}

Result<ScoreRows> RunScores(Session& session, std::span<const Tensor> batches) {
  SWEETSPOT_ASSIGN_OR_RETURN(ScoresOutput output, FindScoresOutput(session.outputs()));
  const std::int64_t fixed_rows = session.inputs().at(0).shape.empty() ? 0 : session.inputs()[0].shape[0];
  ScoreRows scores;
  for (const Tensor& batch : batches) {
    const std::vector<Tensor> feed{Padded(batch, fixed_rows)};
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Tensor> ran, session.Run(feed));
    if (ran.size() <= output.fetched_index) return Status::RuntimeError("the model returned too few outputs");
    SWEETSPOT_RETURN_IF_ERROR(
        AppendRows(ran[output.fetched_index], output.info.name, static_cast<std::size_t>(batch.shape()[0]), scores));
  }
  return scores;
}

double L2Distance(std::span<const float> a, std::span<const float> b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  return std::sqrt(sum);
}

std::vector<Tensor> GatherRows(std::span<const Tensor> batches, std::span<const std::size_t> indices,
                               std::size_t batch_rows) {
  std::vector<std::pair<const Tensor*, std::size_t>> where;  // batch and row of every row
  for (const Tensor& batch : batches) {
    for (std::int64_t r = 0; r < batch.shape()[0]; ++r) where.emplace_back(&batch, static_cast<std::size_t>(r));
  }
  std::vector<Tensor> gathered;
  for (std::size_t begin = 0; begin < indices.size(); begin += batch_rows) {
    const std::size_t count = std::min(batch_rows, indices.size() - begin);
    Shape shape = batches[0].shape();
    shape[0] = static_cast<std::int64_t>(count);
    Tensor out = Tensor::Owned(batches[0].dtype(), std::move(shape));
    const std::size_t row_bytes = out.size_bytes() / count;
    for (std::size_t k = 0; k < count; ++k) {
      const auto [batch, row] = where[indices[begin + k]];
      std::memcpy(static_cast<std::byte*>(out.data()) + k * row_bytes,
                  static_cast<const std::byte*>(batch->data()) + row * row_bytes, row_bytes);
    }
    gathered.push_back(std::move(out));
  }
  return gathered;
}

}  // namespace sweetspot::tune
