#include "sweetspot/calibration_data.h"

#include <algorithm>

#include "sweetspot/content_hash.h"

namespace sweetspot {

Result<CalibrationData> PrepareCalibrationData(Backend& backend, const std::filesystem::path& model,
                                               const Dataset& dataset, std::span<const std::size_t> indices,
                                               std::span<const PreprocessLayer> layers, const TensorCacheOptions& cache,
                                               int dynamic_batch, std::string source) {
  SWEETSPOT_ASSIGN_OR_RETURN(ModelInputs inputs, PrepareModelInputs(backend, model, dataset, indices, layers, cache));
  const std::int64_t fixed = inputs.input.shape.empty() ? -1 : inputs.input.shape[0];
  const std::size_t batch = static_cast<std::size_t>(fixed > 0 ? fixed : std::max(1, dynamic_batch));
  CalibrationData data;
  for (std::size_t begin = 0; begin < inputs.tensors.size(); begin += batch) {
    const std::size_t count = std::min(batch, inputs.tensors.size() - begin);
    if (fixed > 0 && count < batch) break;
    data.batches.push_back(inputs.tensors.Batch(begin, count));
    data.samples += count;
  }
  data.sha256 = Sha256Hex(inputs.key);
  data.source = std::move(source);
  return data;
}

}  // namespace sweetspot
