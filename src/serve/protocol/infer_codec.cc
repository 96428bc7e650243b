// POST /v2/models/{name}[/versions/{v}]/infer: request and response bodies,
// JSON and binary extension.
#include <set>
#include <utility>

#include <fmt/format.h>

#include "protocol/protocol_json.h"
#include "sweetspot/inference_protocol.h"

namespace sweetspot {
namespace {

using protocol::Json;

constexpr std::string_view kBinaryDataSize = "binary_data_size";
constexpr std::string_view kBinaryData = "binary_data";
constexpr std::string_view kBinaryDataOutput = "binary_data_output";

// The body split at Inference-Header-Content-Length, its JSON parsed; the binary part is
// consumed tensor by tensor.
struct Body {
  Json json;
  bool has_binary_header = false;
  std::string_view binary;
  std::size_t total_bytes = 0;
};

Result<Body> SplitBody(std::string_view body, std::optional<std::size_t> json_header_bytes, std::string_view what) {
  Body split;
  split.total_bytes = body.size();
  std::string_view json_text = body;
  if (json_header_bytes) {
    if (*json_header_bytes > body.size()) {
      return Status::InvalidArgument(fmt::format("{}: {} bytes, more than the body's {}", kInferenceHeaderContentLength,
                                                 *json_header_bytes, body.size()));
    }
    split.has_binary_header = true;
    json_text = body.substr(0, *json_header_bytes);
    split.binary = body.substr(*json_header_bytes);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(split.json, protocol::ParseJson(json_text, what));
  SWEETSPOT_RETURN_IF_ERROR(protocol::ExpectObject(split.json, what));
  return split;
}

// The shape's element count, which must fit in a body of `body_bytes` (every element takes
// at least one byte of JSON or binary data): a huge shape is refused before anything is
// allocated for it.
Result<std::int64_t> CheckedElementCount(const InferTensor& tensor, std::size_t body_bytes, std::string_view path) {
  const std::int64_t count = tensor.ElementCount();
  if (count < 0 || static_cast<std::uint64_t>(count) > body_bytes) {
    return protocol::FieldError(fmt::format("{}.shape", path),
                                fmt::format("{} elements, more than a {}-byte body can hold",
                                            count < 0 ? std::string("over 2^63") : std::to_string(count), body_bytes));
  }
  return count;
}

// Raw data from the binary part: `size_bytes` of it, checked against the datatype and count.
Result<std::string> TakeBinaryData(Body& body, std::int64_t size_bytes, const InferTensor& tensor, std::int64_t count,
                                   const std::string& path) {
  const std::string size_path = fmt::format("{}.parameters.{}", path, kBinaryDataSize);
  if (!body.has_binary_header) {
    return protocol::FieldError(size_path,
                                fmt::format("binary data needs the {} header", kInferenceHeaderContentLength));
  }
  if (size_bytes < 0 || static_cast<std::uint64_t>(size_bytes) > body.binary.size()) {
    return protocol::FieldError(
        size_path, fmt::format("{} bytes, but {} are left after the JSON header", size_bytes, body.binary.size()));
  }
  const std::string_view raw = body.binary.substr(0, static_cast<std::size_t>(size_bytes));
  body.binary.remove_prefix(raw.size());
  const std::size_t element_bytes = WireTypeSizeBytes(tensor.datatype);
  if (tensor.datatype == WireType::kBytes) {
    auto elements = BytesElements(raw);
    if (!elements.ok()) return protocol::FieldError(path, elements.status().message());
    if (elements->size() != static_cast<std::uint64_t>(count)) {
      return protocol::FieldError(fmt::format("{}.shape", path),
                                  fmt::format("{} elements, binary data holds {}", count, elements->size()));
    }
  } else if (raw.size() != static_cast<std::uint64_t>(count) * element_bytes) {
    return protocol::FieldError(size_path, fmt::format("{} bytes, {} {} elements take {}", raw.size(), count,
                                                       WireTypeName(tensor.datatype), count * element_bytes));
  }
  if (tensor.datatype == WireType::kBool) {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != 0 && raw[i] != 1) {
        return protocol::FieldError(fmt::format("{}.data[{}]", path, i),
                                    fmt::format("byte {} is not a BOOL (0 or 1)", static_cast<int>(raw[i])));
      }
    }
  }
  return std::string(raw);
}

// The tensor's data, from "data" or from the binary part (parameters.binary_data_size).
Status ParseTensorData(const Json& json, Body& body, InferTensor& tensor, const std::string& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t count, CheckedElementCount(tensor, body.total_bytes, path));
  const auto size = tensor.parameters.find(std::string(kBinaryDataSize));
  const auto data = json.find("data");
  if (size == tensor.parameters.end()) {
    if (data == json.end()) {
      return protocol::FieldError(fmt::format("{}.data", path),
                                  fmt::format("missing (and no parameters.{})", kBinaryDataSize));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(tensor.data, protocol::JsonDataToRaw(*data, tensor.datatype, count, path));
    return Status::Ok();
  }
  if (data != json.end()) {
    return protocol::FieldError(path, fmt::format("has both data and parameters.{}", kBinaryDataSize));
  }
  if (!std::holds_alternative<std::int64_t>(size->second)) {
    return protocol::FieldError(fmt::format("{}.parameters.{}", path, kBinaryDataSize), "must be an integer");
  }
  const std::int64_t size_bytes = std::get<std::int64_t>(size->second);
  tensor.parameters.erase(size);
  SWEETSPOT_ASSIGN_OR_RETURN(tensor.data, TakeBinaryData(body, size_bytes, tensor, count, path));
  return Status::Ok();
}

Result<InferTensor> ParseTensor(const Json& json, Body& body, const std::string& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(TensorMetadata metadata, protocol::ParseTensorMetadata(json, path, false));
  InferTensor tensor;
  tensor.name = std::move(metadata.name);
  tensor.datatype = metadata.datatype;
  tensor.shape = std::move(metadata.shape);
  SWEETSPOT_ASSIGN_OR_RETURN(tensor.parameters, protocol::ParseParameters(json, path + "."));
  SWEETSPOT_RETURN_IF_ERROR(ParseTensorData(json, body, tensor, path));
  return tensor;
}

// inputs/outputs of a body: tensors with unique names.
Result<std::vector<InferTensor>> ParseTensors(const Json& array, Body& body, std::string_view key) {
  std::vector<InferTensor> tensors;
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = fmt::format("{}[{}]", key, i);
    SWEETSPOT_ASSIGN_OR_RETURN(InferTensor tensor, ParseTensor(array[i], body, path));
    if (!names.insert(tensor.name).second) {
      return protocol::FieldError(path + ".name",
                                  fmt::format("\"{}\" appears twice", protocol::Printable(tensor.name)));
    }
    tensors.push_back(std::move(tensor));
  }
  if (!body.binary.empty()) {
    return Status::InvalidArgument(
        fmt::format("binary data: {} bytes after the JSON header that no {}'s parameters.{} "
                    "claims",
                    body.binary.size(), key.substr(0, key.size() - 1), kBinaryDataSize));
  }
  return tensors;
}

Result<std::vector<RequestedOutput>> ParseRequestedOutputs(const Json& json) {
  std::vector<RequestedOutput> outputs;
  SWEETSPOT_ASSIGN_OR_RETURN(const Json* array, protocol::ArrayField(json, "outputs", "", false));
  if (array == nullptr) return outputs;
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string path = fmt::format("outputs[{}]", i);
    const std::string prefix = path + ".";
    SWEETSPOT_RETURN_IF_ERROR(protocol::ExpectObject((*array)[i], path));
    RequestedOutput output;
    SWEETSPOT_ASSIGN_OR_RETURN(output.name, protocol::RequiredString((*array)[i], "name", prefix));
    SWEETSPOT_ASSIGN_OR_RETURN(output.parameters, protocol::ParseParameters((*array)[i], prefix));
    SWEETSPOT_ASSIGN_OR_RETURN(auto binary, protocol::TakeBoolParameter(output.parameters, kBinaryData, prefix));
    output.binary_data = binary.value_or(false);
    if (!names.insert(output.name).second) {
      return protocol::FieldError(prefix + "name",
                                  fmt::format("\"{}\" appears twice", protocol::Printable(output.name)));
    }
    outputs.push_back(std::move(output));
  }
  return outputs;
}

// One tensor's JSON; its data goes to `binary` when asked or when JSON cannot carry it.
Json TensorHeadJson(const InferTensor& tensor) {
  return {{"name", tensor.name}, {"datatype", WireTypeName(tensor.datatype)}, {"shape", tensor.shape}};
}

Json EncodeTensor(const InferTensor& tensor, bool binary_asked, std::string& binary, bool& any_binary) {
  Json json = TensorHeadJson(tensor);
  Json parameters = protocol::ParametersJson(tensor.parameters);
  std::optional<Json> data;
  if (!binary_asked) data = protocol::RawToJsonData(tensor);
  if (data) {
    json["data"] = std::move(*data);
  } else {
    parameters[std::string(kBinaryDataSize)] = tensor.data.size();
    binary += tensor.data;
    any_binary = true;
  }
  if (!parameters.empty()) json["parameters"] = std::move(parameters);
  return json;
}

HttpBody Finish(const Json& header, std::string binary, bool any_binary) {
  HttpBody out;
  out.body = protocol::Dump(header);
  if (any_binary) {
    out.json_header_bytes = out.body.size();
    out.body += binary;
    out.content_type = "application/octet-stream";
  } else {
    out.content_type = "application/json";
  }
  return out;
}

bool BoolParameter(const Parameters& parameters, std::string_view key) {
  const auto it = parameters.find(std::string(key));
  return it != parameters.end() && std::holds_alternative<bool>(it->second) && std::get<bool>(it->second);
}

}  // namespace

Result<InferRequest> ParseInferRequest(std::string_view body, std::optional<std::size_t> json_header_bytes) {
  SWEETSPOT_ASSIGN_OR_RETURN(Body split, SplitBody(body, json_header_bytes, "request body"));
  const Json& json = split.json;
  InferRequest request;
  SWEETSPOT_ASSIGN_OR_RETURN(auto id, protocol::OptionalString(json, "id", ""));
  request.id = id.value_or("");
  SWEETSPOT_ASSIGN_OR_RETURN(request.parameters, protocol::ParseParameters(json, ""));
  SWEETSPOT_ASSIGN_OR_RETURN(auto binary_output,
                             protocol::TakeBoolParameter(request.parameters, kBinaryDataOutput, ""));
  // Kept: EncodeInferResponse reads it from the request.
  if (binary_output) request.parameters[std::string(kBinaryDataOutput)] = *binary_output;
  SWEETSPOT_ASSIGN_OR_RETURN(const Json* inputs, protocol::ArrayField(json, "inputs", "", true));
  if (inputs->empty()) return protocol::FieldError("inputs", "empty; a request needs at least one input");
  SWEETSPOT_ASSIGN_OR_RETURN(request.inputs, ParseTensors(*inputs, split, "inputs"));
  SWEETSPOT_ASSIGN_OR_RETURN(request.outputs, ParseRequestedOutputs(json));
  return request;
}

Result<InferResponse> ParseInferResponse(std::string_view body, std::optional<std::size_t> json_header_bytes) {
  SWEETSPOT_ASSIGN_OR_RETURN(Body split, SplitBody(body, json_header_bytes, "response body"));
  const Json& json = split.json;
  InferResponse response;
  SWEETSPOT_ASSIGN_OR_RETURN(auto model_name, protocol::OptionalString(json, "model_name", ""));
  SWEETSPOT_ASSIGN_OR_RETURN(auto model_version, protocol::OptionalString(json, "model_version", ""));
  SWEETSPOT_ASSIGN_OR_RETURN(auto id, protocol::OptionalString(json, "id", ""));
  response.model_name = model_name.value_or("");
  response.model_version = model_version.value_or("");
  response.id = id.value_or("");
  SWEETSPOT_ASSIGN_OR_RETURN(response.parameters, protocol::ParseParameters(json, ""));
  SWEETSPOT_ASSIGN_OR_RETURN(const Json* outputs, protocol::ArrayField(json, "outputs", "", true));
  SWEETSPOT_ASSIGN_OR_RETURN(response.outputs, ParseTensors(*outputs, split, "outputs"));
  return response;
}

HttpBody EncodeInferResponse(const InferResponse& response, const InferRequest& request) {
  const bool all_binary = BoolParameter(request.parameters, kBinaryDataOutput);
  Json header = {{"model_name", response.model_name}, {"outputs", Json::array()}};
  if (!response.model_version.empty()) header["model_version"] = response.model_version;
  if (!response.id.empty()) header["id"] = response.id;
  if (!response.parameters.empty()) header["parameters"] = protocol::ParametersJson(response.parameters);
  std::string binary;
  bool any_binary = false;
  for (const InferTensor& output : response.outputs) {
    bool binary_asked = all_binary;
    for (const RequestedOutput& requested : request.outputs) {
      if (requested.name == output.name && requested.binary_data) binary_asked = true;
    }
    header["outputs"].push_back(EncodeTensor(output, binary_asked, binary, any_binary));
  }
  return Finish(header, std::move(binary), any_binary);
}

HttpBody EncodeInferRequest(const InferRequest& request, bool binary_inputs, bool binary_outputs) {
  Json header = {{"inputs", Json::array()}};
  if (!request.id.empty()) header["id"] = request.id;
  Parameters parameters = request.parameters;
  if (binary_outputs) parameters[std::string(kBinaryDataOutput)] = true;
  if (!parameters.empty()) header["parameters"] = protocol::ParametersJson(parameters);
  std::string binary;
  bool any_binary = false;
  for (const InferTensor& input : request.inputs) {
    header["inputs"].push_back(EncodeTensor(input, binary_inputs, binary, any_binary));
  }
  if (!request.outputs.empty()) {
    Json outputs = Json::array();
    for (const RequestedOutput& output : request.outputs) {
      Json output_parameters = protocol::ParametersJson(output.parameters);
      if (output.binary_data || binary_outputs) output_parameters[std::string(kBinaryData)] = true;
      Json json = {{"name", output.name}};
      if (!output_parameters.empty()) json["parameters"] = std::move(output_parameters);
      outputs.push_back(std::move(json));
    }
    header["outputs"] = std::move(outputs);
  }
  return Finish(header, std::move(binary), any_binary);
}

std::string EncodeReadableTensors(const std::vector<InferTensor>& tensors) {
  Json array = Json::array();
  for (const InferTensor& tensor : tensors) {
    Json json = TensorHeadJson(tensor);
    if (!tensor.parameters.empty()) json["parameters"] = protocol::ParametersJson(tensor.parameters);
    json["data"] = protocol::RawToReadableJsonData(tensor);
    array.push_back(std::move(json));
  }
  return protocol::Dump(array);
}

std::string ErrorBody(std::string_view message) { return protocol::Dump(Json{{"error", message}}); }

std::optional<std::string> ParseErrorBody(std::string_view body) {
  auto json = protocol::ParseJson(body, "error body");
  if (!json.ok() || !json->is_object()) return std::nullopt;
  const auto it = json->find("error");
  if (it == json->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace sweetspot
