// GET /v2/models/{name}[/versions/{v}]: the model metadata object.
#include <utility>

#include <fmt/format.h>

#include "protocol/protocol_json.h"
#include "sweetspot/inference_protocol.h"

namespace sweetspot {
namespace {

using protocol::Json;

Json TensorsJson(const std::vector<TensorMetadata>& tensors) {
  Json array = Json::array();
  for (const TensorMetadata& tensor : tensors) {
    array.push_back({{"name", tensor.name},
                     {"datatype", std::string(WireTypeName(tensor.datatype))},
                     {"shape", protocol::ShapeJson(tensor.shape)}});
  }
  return array;
}

Result<std::vector<TensorMetadata>> ParseTensorsMetadata(const Json& json, std::string_view key) {
  SWEETSPOT_ASSIGN_OR_RETURN(const Json* array, protocol::ArrayField(json, key, "", true));
  std::vector<TensorMetadata> tensors;
  for (std::size_t i = 0; i < array->size(); ++i) {
    SWEETSPOT_ASSIGN_OR_RETURN(TensorMetadata tensor,
                               protocol::ParseTensorMetadata((*array)[i], fmt::format("{}[{}]", key, i), true));
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

Result<std::vector<std::string>> ParseVersions(const Json& json) {
  std::vector<std::string> versions;
  SWEETSPOT_ASSIGN_OR_RETURN(const Json* array, protocol::ArrayField(json, "versions", "", false));
  if (array == nullptr) return versions;
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (!(*array)[i].is_string()) return protocol::FieldError(fmt::format("versions[{}]", i), "must be a string");
    versions.push_back((*array)[i].get<std::string>());
  }
  return versions;
}

}  // namespace

std::string EncodeModelMetadata(const ModelMetadata& metadata) {
  const Json json = {{"name", metadata.name},
                     {"versions", metadata.versions},
                     {"platform", metadata.platform},
                     {"inputs", TensorsJson(metadata.inputs)},
                     {"outputs", TensorsJson(metadata.outputs)}};
  return protocol::Dump(json);
}

Result<ModelMetadata> ParseModelMetadata(std::string_view text) {
  SWEETSPOT_ASSIGN_OR_RETURN(const Json json, protocol::ParseJson(text, "model metadata"));
  SWEETSPOT_RETURN_IF_ERROR(protocol::ExpectObject(json, "model metadata"));
  ModelMetadata metadata;
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.name, protocol::RequiredString(json, "name", ""));
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.versions, ParseVersions(json));
  SWEETSPOT_ASSIGN_OR_RETURN(auto platform, protocol::OptionalString(json, "platform", ""));
  metadata.platform = platform.value_or("");
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.inputs, ParseTensorsMetadata(json, "inputs"));
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.outputs, ParseTensorsMetadata(json, "outputs"));
  return metadata;
}

}  // namespace sweetspot
