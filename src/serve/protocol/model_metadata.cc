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

// An optional array of strings at json[key]; errors name prefix + key.
Result<std::vector<std::string>> ParseStrings(const Json& json, std::string_view key, std::string_view prefix) {
  std::vector<std::string> strings;
  SWEETSPOT_ASSIGN_OR_RETURN(const Json* array, protocol::ArrayField(json, key, prefix, false));
  if (array == nullptr) return strings;
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (!(*array)[i].is_string())
      return protocol::FieldError(fmt::format("{}{}[{}]", prefix, key, i), "must be a string");
    strings.push_back((*array)[i].get<std::string>());
  }
  return strings;
}

// The extension object "sweetspot_detection": {"classes": [...]}, optional.
Result<std::vector<std::string>> ParseDetectionClasses(const Json& json) {
  const auto it = json.find("sweetspot_detection");
  if (it == json.end()) return std::vector<std::string>();
  if (!it->is_object()) return protocol::FieldError("sweetspot_detection", "must be an object");
  return ParseStrings(*it, "classes", "sweetspot_detection.");
}

}  // namespace

std::string EncodeModelMetadata(const ModelMetadata& metadata) {
  const Json json = {{"name", metadata.name},
                     {"versions", metadata.versions},
                     {"platform", metadata.platform},
                     {"inputs", TensorsJson(metadata.inputs)},
                     {"outputs", TensorsJson(metadata.outputs)}};
  if (!metadata.detection_classes.empty()) {
    Json with_classes = json;
    with_classes["sweetspot_detection"] = {{"classes", metadata.detection_classes}};
    return protocol::Dump(with_classes);
  }
  return protocol::Dump(json);
}

Result<ModelMetadata> ParseModelMetadata(std::string_view text) {
  SWEETSPOT_ASSIGN_OR_RETURN(const Json json, protocol::ParseJson(text, "model metadata"));
  SWEETSPOT_RETURN_IF_ERROR(protocol::ExpectObject(json, "model metadata"));
  ModelMetadata metadata;
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.name, protocol::RequiredString(json, "name", ""));
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.versions, ParseStrings(json, "versions", ""));
  SWEETSPOT_ASSIGN_OR_RETURN(auto platform, protocol::OptionalString(json, "platform", ""));
  metadata.platform = platform.value_or("");
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.inputs, ParseTensorsMetadata(json, "inputs"));
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.outputs, ParseTensorsMetadata(json, "outputs"));
  SWEETSPOT_ASSIGN_OR_RETURN(metadata.detection_classes, ParseDetectionClasses(json));
  return metadata;
}

}  // namespace sweetspot
