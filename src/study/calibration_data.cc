#include "sweetspot/calibration_data.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "sweetspot/content_hash.h"
#include "sweetspot/preprocess.h"

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

Result<EvaluationData> PrepareEvaluationData(Backend& backend, const std::filesystem::path& model,
                                             const Dataset& dataset, std::span<const std::size_t> indices,
                                             std::span<const PreprocessLayer> layers, const TensorCacheOptions& cache,
                                             int dynamic_batch) {
  SWEETSPOT_ASSIGN_OR_RETURN(ModelInputs inputs, PrepareModelInputs(backend, model, dataset, indices, layers, cache));
  const std::int64_t fixed = inputs.input.shape.empty() ? -1 : inputs.input.shape[0];
  const std::size_t batch = static_cast<std::size_t>(fixed > 0 ? fixed : std::max(1, dynamic_batch));
  EvaluationData data;
  for (std::size_t begin = 0; begin < inputs.tensors.size(); begin += batch) {
    data.batches.push_back(inputs.tensors.Batch(begin, std::min(batch, inputs.tensors.size() - begin)));
  }
  data.labels = inputs.tensors.labels;
  data.sha256 = Sha256Hex(inputs.key);
  return data;
}

AccuracyAwareSearch MakeAccuracyAwareSearch(Backend& backend, const VariantSpec& variant,
                                            const EvaluationData& evaluation, const AccuracyAwareOptions& options) {
  return [&backend, variant, &evaluation, options](const onnx::ModelProto& parent, const ActivationRanges& ranges,
                                                   const QuantizeOptions& quantize,
                                                   std::vector<std::string>* notes) -> Result<onnx::ModelProto> {
    AccuracyAwareOptions search = options;
    search.quantize = quantize;
    search.budget.kind = variant.budget_relative ? AccuracyBudget::Kind::kPercent : AccuracyBudget::Kind::kPoints;
    search.budget.value = variant.budget;
    SWEETSPOT_ASSIGN_OR_RETURN(
        AccuracyAwareResult result,
        AccuracyAwareQuantize(backend, parent, ranges, {evaluation.batches, evaluation.labels}, search));
    std::istringstream table(RenderAccuracyAwareTable(result));
    for (std::string line; std::getline(table, line);) {
      if (!line.empty()) notes->push_back(line);
    }
    if (!result.quantized) return Status::FailedPrecondition(result.message);
    return std::move(result.model);
  };
}

Result<std::map<std::string, std::string>> VariantMetadata(Backend& backend, const std::filesystem::path& model,
                                                           std::span<const PreprocessLayer> layers,
                                                           const VariantSpec& variant) {
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(model, layers));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, backend.Load(model, BackendOptions{}));
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec resolved, Resolve(spec, session->inputs().front()));
  if (variant.transform == Transform::kResize) {
    resolved.height = static_cast<int>(variant.height);
    resolved.width = static_cast<int>(variant.width);
  }
  return std::map<std::string, std::string>{{std::string(kPreprocessMetadataKey), resolved.ToToml()}};
}

}  // namespace sweetspot
