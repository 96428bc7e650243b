#include "sweetspot/keypoint_model.h"

#include <fmt/format.h>

namespace sweetspot {
namespace {

// The layered preprocessing, resolved, for a square crop resized exactly.
Result<PreprocessSpec> CropPreprocessing(const std::string& model, const PreprocessSpec& spec,
                                         const TensorInfo& input) {
  if (spec.resize != ResizeMode::kExact) {
    return Status::InvalidArgument(
        fmt::format("model '{}': resize = {}{}, but keypoint crops are square and resized exactly; remove that "
                    "resize key",
                    model, ResizeModeName(spec.resize), spec.Origin("resize")));
  }
  auto resolved = Resolve(spec, input);
  if (!resolved.ok()) return resolved.status().WithContext(model);
  if (resolved->width != resolved->height) {
    return Status::Unsupported(fmt::format(
        "model '{}': input {}x{} is not square; keypoint crops are square: give a model with a square input", model,
        resolved->width, resolved->height));
  }
  return resolved;
}

Result<KeypointSchema> ModelSchema(const std::string& model, const std::string& given,
                                   const KeypointDecoderSpec& decoder) {
  const std::string& name = given.empty() ? decoder.schema : given;
  if (name.empty()) {
    // The fix in the app's words (--schema for eval and serve): a FieldFix.
    return Status::InvalidArgument(fmt::format("model '{}' names no keypoint schema; give its schema (a built-in "
                                               "name such as efficientpose16, or a file)",
                                               model))
        .WithFix(FieldFix{.field = "schema", .key = "", .values = {}});
  }
  auto schema = ResolveSchema(name);
  if (!schema.ok()) return schema.status().WithContext(fmt::format("model '{}' schema", model));
  return schema;
}

}  // namespace

Result<KeypointModelSpec> ResolveKeypointModel(const std::filesystem::path& model, const PreprocessSpec& preprocess,
                                               std::span<const DecoderLayer> decoder_layers, const std::string& schema,
                                               const Session& session) {
  KeypointModelSpec spec;
  spec.model_path = model.string();
  const auto& inputs = session.inputs();
  if (inputs.empty()) return Status::InvalidData("model " + spec.model_path + " has no inputs");
  SWEETSPOT_ASSIGN_OR_RETURN(spec.preprocess, CropPreprocessing(spec.model_path, preprocess, inputs[0]));
  SWEETSPOT_ASSIGN_OR_RETURN(spec.decoder, ResolveKeypointDecoder(model, decoder_layers, session));
  for (const TensorInfo& info : session.outputs()) {
    if (info.is_tensor()) spec.output_infos.push_back(info);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(spec.schema, ModelSchema(spec.model_path, schema, spec.decoder));
  return spec;
}

Result<std::vector<Keypoint>> DecodeKeypointsToImage(const KeypointModelSpec& spec, std::span<const Tensor> outputs,
                                                     const CropGeometry& crop) {
  auto decoded =
      DecodeKeypoints(outputs, spec.decoder, spec.preprocess.width, spec.preprocess.height, spec.output_infos);
  if (!decoded.ok()) return decoded.status().WithContext("model '" + spec.model_path + "'");
  if (decoded->size() != spec.schema.size()) {
    return Status::InvalidArgument(fmt::format("model '{}' gives {} joints, its schema '{}' names {}; give its schema",
                                               spec.model_path, decoded->size(), spec.schema.name, spec.schema.size()));
  }
  std::vector<Keypoint> keypoints;
  keypoints.reserve(decoded->size());
  for (const Keypoint& k : *decoded) keypoints.push_back(MapToImage(k, crop));
  return keypoints;
}

std::vector<Keypoint> MapKeypoints(const std::vector<Keypoint>& keypoints, const std::vector<int>& map) {
  std::vector<Keypoint> out(map.size());
  for (std::size_t j = 0; j < map.size(); ++j) {
    if (map[j] >= 0) out[j] = keypoints[static_cast<std::size_t>(map[j])];
  }
  return out;
}

}  // namespace sweetspot
