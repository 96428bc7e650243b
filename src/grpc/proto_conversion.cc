#include "grpc/proto_conversion.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sweetspot::grpc_conversion {
namespace {

static_assert(std::endian::native == std::endian::little, "raw tensor contents are little-endian");

using ProtoParameters = google::protobuf::Map<std::string, inference::InferParameter>;
using ProtoShape = google::protobuf::RepeatedField<std::int64_t>;

// No message holds more elements (protobuf caps a message at 2 GiB); the cap
// keeps element counts times element sizes far from overflowing.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

Parameters ParametersFromProto(const ProtoParameters& map) {
  Parameters parameters;
  for (const auto& [key, value] : map) {
    switch (value.parameter_choice_case()) {
      case inference::InferParameter::kBoolParam: parameters[key] = value.bool_param(); break;
      case inference::InferParameter::kInt64Param: parameters[key] = std::int64_t{value.int64_param()}; break;
      case inference::InferParameter::kStringParam: parameters[key] = value.string_param(); break;
      case inference::InferParameter::kDoubleParam: parameters[key] = value.double_param(); break;
      // A kind this proto lacks (Triton's uint64_param): nothing sweetspot reads.
      case inference::InferParameter::PARAMETER_CHOICE_NOT_SET: break;
    }
  }
  return parameters;
}

void ParametersToProto(const Parameters& parameters, ProtoParameters* map) {
  for (const auto& [key, value] : parameters) {
    inference::InferParameter& parameter = (*map)[key];
    if (const auto* b = std::get_if<bool>(&value)) parameter.set_bool_param(*b);
    if (const auto* i = std::get_if<std::int64_t>(&value)) parameter.set_int64_param(*i);
    if (const auto* d = std::get_if<double>(&value)) parameter.set_double_param(*d);
    if (const auto* s = std::get_if<std::string>(&value)) parameter.set_string_param(*s);
  }
}

bool BoolParameter(const ProtoParameters& map, const std::string& key) {
  const auto it = map.find(key);
  return it != map.end() && it->second.parameter_choice_case() == inference::InferParameter::kBoolParam &&
         it->second.bool_param();
}

std::string ShapeText(const ProtoShape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

Result<std::int64_t> ElementCount(const ProtoShape& shape, const std::string& field) {
  std::int64_t count = 1;
  for (int i = 0; i < shape.size(); ++i) {
    const std::int64_t dim = shape[i];
    if (dim < 0) {
      return Status::InvalidArgument(
          fmt::format("{}.shape[{}]: {}; a tensor's dimensions are sizes (0 or more)", field, i, dim));
    }
    if (dim != 0 && count > kMaxElements / dim) {
      return Status::InvalidArgument(
          fmt::format("{}.shape: {} holds more elements than a message can carry", field, ShapeText(shape)));
    }
    count *= dim;
  }
  return count;
}

// Appends `values` as little-endian `Wire` elements; integers must fit `Wire`.
template <typename Wire, typename Values>
Status Pack(const Values& values, WireType type, const std::string& field, std::string* data) {
  data->reserve(data->size() + static_cast<std::size_t>(values.size()) * sizeof(Wire));
  for (int i = 0; i < values.size(); ++i) {
    const auto value = values[i];
    if constexpr (std::is_integral_v<Wire> && !std::is_same_v<decltype(value), const bool>) {
      if (!std::in_range<Wire>(value)) {
        return Status::InvalidArgument(fmt::format("{}[{}]: {} does not fit {}", field, i, value, WireTypeName(type)));
      }
    }
    const Wire wire = static_cast<Wire>(value);
    data->append(reinterpret_cast<const char*>(&wire), sizeof(Wire));
  }
  return {};
}

template <typename Wire, typename Values>
void Unpack(std::string_view data, Values* values) {
  const std::size_t count = data.size() / sizeof(Wire);
  values->Reserve(static_cast<int>(count));
  for (std::size_t i = 0; i < count; ++i) {
    Wire wire;
    std::memcpy(&wire, data.data() + i * sizeof(Wire), sizeof(Wire));
    values->Add(static_cast<typename Values::value_type>(wire));
  }
}

// The InferTensorContents field that carries `type`'s elements and its size
// (FP16 has none: name empty).
struct ContentsField {
  std::string_view name;
  int size = 0;
};

ContentsField FieldFor(const inference::InferTensorContents& c, WireType type) {
  switch (type) {
    case WireType::kBool: return {"bool_contents", c.bool_contents_size()};
    case WireType::kInt8:
    case WireType::kInt16:
    case WireType::kInt32: return {"int_contents", c.int_contents_size()};
    case WireType::kInt64: return {"int64_contents", c.int64_contents_size()};
    case WireType::kUint8:
    case WireType::kUint16:
    case WireType::kUint32: return {"uint_contents", c.uint_contents_size()};
    case WireType::kUint64: return {"uint64_contents", c.uint64_contents_size()};
    case WireType::kFp32: return {"fp32_contents", c.fp32_contents_size()};
    case WireType::kFp64: return {"fp64_contents", c.fp64_contents_size()};
    case WireType::kBytes: return {"bytes_contents", c.bytes_contents_size()};
    case WireType::kFp16: return {};
  }
  return {};
}

int AllElements(const inference::InferTensorContents& c) {
  return c.bool_contents_size() + c.int_contents_size() + c.int64_contents_size() + c.uint_contents_size() +
         c.uint64_contents_size() + c.fp32_contents_size() + c.fp64_contents_size() + c.bytes_contents_size();
}

Status PackContents(const inference::InferTensorContents& c, WireType type, const std::string& field,
                    std::string* data) {
  switch (type) {
    case WireType::kBool: return Pack<std::uint8_t>(c.bool_contents(), type, field, data);
    case WireType::kInt8: return Pack<std::int8_t>(c.int_contents(), type, field, data);
    case WireType::kInt16: return Pack<std::int16_t>(c.int_contents(), type, field, data);
    case WireType::kInt32: return Pack<std::int32_t>(c.int_contents(), type, field, data);
    case WireType::kInt64: return Pack<std::int64_t>(c.int64_contents(), type, field, data);
    case WireType::kUint8: return Pack<std::uint8_t>(c.uint_contents(), type, field, data);
    case WireType::kUint16: return Pack<std::uint16_t>(c.uint_contents(), type, field, data);
    case WireType::kUint32: return Pack<std::uint32_t>(c.uint_contents(), type, field, data);
    case WireType::kUint64: return Pack<std::uint64_t>(c.uint64_contents(), type, field, data);
    case WireType::kFp32: return Pack<float>(c.fp32_contents(), type, field, data);
    case WireType::kFp64: return Pack<double>(c.fp64_contents(), type, field, data);
    case WireType::kBytes:
      for (const std::string& element : c.bytes_contents()) AppendBytesElement(*data, element);
      return {};
    case WireType::kFp16: break;
  }
  assert(false && "FP16 has no typed contents; checked by the caller");
  return Status::Internal(fmt::format("{}: no typed contents for {}", field, WireTypeName(type)));
}

// Typed contents -> InferTensor::data. `field` names the tensor ("inputs[0]").
Status ContentsToRaw(const inference::InferTensorContents& contents, WireType type, const ProtoShape& shape,
                     std::int64_t count, const std::string& field, std::string* data) {
  const ContentsField expected = FieldFor(contents, type);
  if (expected.name.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}.contents: FP16 has no typed contents; send FP16 tensors as raw "
                    "contents (raw_input_contents)",
                    field));
  }
  if (AllElements(contents) != expected.size) {
    return Status::InvalidArgument(
        fmt::format("{}.contents: the elements of a {} tensor go in {}", field, WireTypeName(type), expected.name));
  }
  const std::string contents_field = fmt::format("{}.contents.{}", field, expected.name);
  if (expected.size != count) {
    return Status::InvalidArgument(
        fmt::format("{}: {} elements, shape {} holds {}", contents_field, expected.size, ShapeText(shape), count));
  }
  return PackContents(contents, type, contents_field, data);
}

// InferTensor::data -> typed contents; `data` was checked against the shape.
void RawToContents(std::string_view data, WireType type, inference::InferTensorContents* c) {
  switch (type) {
    case WireType::kBool: return Unpack<std::uint8_t>(data, c->mutable_bool_contents());
    case WireType::kInt8: return Unpack<std::int8_t>(data, c->mutable_int_contents());
    case WireType::kInt16: return Unpack<std::int16_t>(data, c->mutable_int_contents());
    case WireType::kInt32: return Unpack<std::int32_t>(data, c->mutable_int_contents());
    case WireType::kInt64: return Unpack<std::int64_t>(data, c->mutable_int64_contents());
    case WireType::kUint8: return Unpack<std::uint8_t>(data, c->mutable_uint_contents());
    case WireType::kUint16: return Unpack<std::uint16_t>(data, c->mutable_uint_contents());
    case WireType::kUint32: return Unpack<std::uint32_t>(data, c->mutable_uint_contents());
    case WireType::kUint64: return Unpack<std::uint64_t>(data, c->mutable_uint64_contents());
    case WireType::kFp32: return Unpack<float>(data, c->mutable_fp32_contents());
    case WireType::kFp64: return Unpack<double>(data, c->mutable_fp64_contents());
    case WireType::kBytes: {
      const auto elements = BytesElements(data);
      assert(elements.ok() && "BYTES data was checked before");
      if (!elements.ok()) return;
      for (std::string_view element : *elements) c->add_bytes_contents(std::string(element));
      return;
    }
    case WireType::kFp16: break;
  }
  assert(false && "FP16 travels raw; callers pick raw contents for it");
}

// Raw bytes against the shape: fixed-size elements by length, BYTES by
// walking the length prefixes.
Status CheckRaw(std::string_view data, WireType type, const ProtoShape& shape, std::int64_t count,
                const std::string& field) {
  if (type == WireType::kBytes) {
    const auto elements = BytesElements(data);
    if (!elements.ok()) return elements.status().WithContext(field);
    if (static_cast<std::int64_t>(elements->size()) == count) return {};
    return Status::InvalidArgument(
        fmt::format("{}: {} BYTES elements, shape {} holds {}", field, elements->size(), ShapeText(shape), count));
  }
  const std::uint64_t expected = static_cast<std::uint64_t>(count) * WireTypeSizeBytes(type);
  if (data.size() == expected) return {};
  return Status::InvalidArgument(fmt::format("{}: {} bytes, a {} tensor of shape {} is {} bytes", field, data.size(),
                                             WireTypeName(type), ShapeText(shape), expected));
}

// An input or output tensor message (their fields are the same) ->
// InferTensor. `raw`: the tensor's raw contents entry, null when it uses
// typed contents; `field`/`raw_field` name both in errors.
template <typename TensorProto>
Result<InferTensor> TensorFromProto(const TensorProto& proto, const std::string* raw, const std::string& field,
                                    const std::string& raw_field) {
  InferTensor tensor;
  tensor.name = proto.name();
  auto type = ParseWireType(proto.datatype());
  if (!type.ok()) return type.status().WithContext(field + ".datatype");
  tensor.datatype = *type;
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t count, ElementCount(proto.shape(), field));
  tensor.shape.assign(proto.shape().begin(), proto.shape().end());
  tensor.parameters = ParametersFromProto(proto.parameters());
  if (raw == nullptr) {
    SWEETSPOT_RETURN_IF_ERROR(ContentsToRaw(proto.contents(), *type, proto.shape(), count, field, &tensor.data));
    return tensor;
  }
  if (AllElements(proto.contents()) != 0) {
    return Status::InvalidArgument(
        fmt::format("{}.contents: set although the tensors travel in {}; the protocol "
                    "allows one of the two",
                    field, raw_field.substr(0, raw_field.find('['))));
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckRaw(*raw, *type, proto.shape(), count, raw_field));
  tensor.data = *raw;
  return tensor;
}

// InferTensor -> a tensor message; its data goes to `raw` when not null,
// else to typed contents.
template <typename TensorProto>
void TensorToProto(const InferTensor& tensor, std::string* raw, TensorProto* proto) {
  proto->set_name(tensor.name);
  proto->set_datatype(std::string(WireTypeName(tensor.datatype)));
  proto->mutable_shape()->Assign(tensor.shape.begin(), tensor.shape.end());
  ParametersToProto(tensor.parameters, proto->mutable_parameters());
  if (raw != nullptr) {
    *raw = tensor.data;
  } else {
    RawToContents(tensor.data, tensor.datatype, proto->mutable_contents());
  }
}

bool AnyFp16(const std::vector<InferTensor>& tensors) {
  for (const InferTensor& tensor : tensors) {
    if (tensor.datatype == WireType::kFp16) return true;
  }
  return false;
}

Status CheckRawCount(int raw_count, int tensor_count, std::string_view raw_field, std::string_view tensors) {
  if (raw_count == 0 || raw_count == tensor_count) return {};
  return Status::InvalidArgument(fmt::format("{}: {} entries for {} {}; one per tensor, in the order of {}", raw_field,
                                             raw_count, tensor_count, tensors, tensors));
}

std::string OneLine(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

}  // namespace

Result<InferRequest> RequestFromProto(const inference::ModelInferRequest& proto) {
  SWEETSPOT_RETURN_IF_ERROR(
      CheckRawCount(proto.raw_input_contents_size(), proto.inputs_size(), "raw_input_contents", "inputs"));
  const bool raw = proto.raw_input_contents_size() > 0;
  InferRequest request;
  request.id = proto.id();
  request.model_name = proto.model_name();
  request.model_version = proto.model_version();
  request.parameters = ParametersFromProto(proto.parameters());
  for (int i = 0; i < proto.inputs_size(); ++i) {
    SWEETSPOT_ASSIGN_OR_RETURN(InferTensor input,
                               TensorFromProto(proto.inputs(i), raw ? &proto.raw_input_contents(i) : nullptr,
                                               fmt::format("inputs[{}]", i), fmt::format("raw_input_contents[{}]", i)));
    request.inputs.push_back(std::move(input));
  }
  for (const auto& output : proto.outputs()) {
    RequestedOutput requested{.name = output.name(),
                              .binary_data = BoolParameter(output.parameters(), "binary_data"),
                              .parameters = ParametersFromProto(output.parameters())};
    requested.parameters.erase("binary_data");  // as the codec keeps it: in binary_data only
    request.outputs.push_back(std::move(requested));
  }
  return request;
}

bool WantsRawOutputs(const inference::ModelInferRequest& proto) {
  if (proto.raw_input_contents_size() > 0 || BoolParameter(proto.parameters(), "binary_data_output")) return true;
  for (const auto& output : proto.outputs()) {
    if (BoolParameter(output.parameters(), "binary_data")) return true;
  }
  return false;
}

void ResponseToProto(const InferResponse& response, bool raw, inference::ModelInferResponse* proto) {
  raw = raw || AnyFp16(response.outputs);
  proto->set_model_name(response.model_name);
  proto->set_model_version(response.model_version);
  proto->set_id(response.id);
  ParametersToProto(response.parameters, proto->mutable_parameters());
  for (const InferTensor& output : response.outputs) {
    TensorToProto(output, raw ? proto->add_raw_output_contents() : nullptr, proto->add_outputs());
  }
}

void RequestToProto(const InferRequest& request, bool raw, inference::ModelInferRequest* proto) {
  raw = raw || AnyFp16(request.inputs);
  proto->set_model_name(request.model_name);
  proto->set_model_version(request.model_version);
  proto->set_id(request.id);
  ParametersToProto(request.parameters, proto->mutable_parameters());
  for (const InferTensor& input : request.inputs) {
    TensorToProto(input, raw ? proto->add_raw_input_contents() : nullptr, proto->add_inputs());
  }
  for (const RequestedOutput& output : request.outputs) {
    auto* requested = proto->add_outputs();
    requested->set_name(output.name);
    ParametersToProto(output.parameters, requested->mutable_parameters());
    if (output.binary_data) (*requested->mutable_parameters())["binary_data"].set_bool_param(true);
  }
}

Result<InferResponse> ResponseFromProto(const inference::ModelInferResponse& proto) {
  SWEETSPOT_RETURN_IF_ERROR(
      CheckRawCount(proto.raw_output_contents_size(), proto.outputs_size(), "raw_output_contents", "outputs"));
  const bool raw = proto.raw_output_contents_size() > 0;
  InferResponse response;
  response.model_name = proto.model_name();
  response.model_version = proto.model_version();
  response.id = proto.id();
  response.parameters = ParametersFromProto(proto.parameters());
  for (int i = 0; i < proto.outputs_size(); ++i) {
    SWEETSPOT_ASSIGN_OR_RETURN(
        InferTensor output, TensorFromProto(proto.outputs(i), raw ? &proto.raw_output_contents(i) : nullptr,
                                            fmt::format("outputs[{}]", i), fmt::format("raw_output_contents[{}]", i)));
    response.outputs.push_back(std::move(output));
  }
  return response;
}

void MetadataToProto(const ModelMetadata& metadata, inference::ModelMetadataResponse* proto) {
  proto->set_name(metadata.name);
  for (const std::string& version : metadata.versions) proto->add_versions(version);
  proto->set_platform(metadata.platform);
  const auto add = [](const TensorMetadata& tensor, auto* out) {
    out->set_name(tensor.name);
    out->set_datatype(std::string(WireTypeName(tensor.datatype)));
    out->mutable_shape()->Assign(tensor.shape.begin(), tensor.shape.end());
  };
  for (const TensorMetadata& input : metadata.inputs) add(input, proto->add_inputs());
  for (const TensorMetadata& output : metadata.outputs) add(output, proto->add_outputs());
}

Result<ModelMetadata> MetadataFromProto(const inference::ModelMetadataResponse& proto) {
  ModelMetadata metadata{.name = proto.name(),
                         .versions = {proto.versions().begin(), proto.versions().end()},
                         .platform = proto.platform(),
                         .inputs = {},
                         .outputs = {},
                         .detection_classes = {}};  // the gRPC metadata has no field for it
  for (const auto* tensors : {&proto.inputs(), &proto.outputs()}) {
    const bool inputs = tensors == &proto.inputs();
    for (int i = 0; i < tensors->size(); ++i) {
      const auto& tensor = (*tensors)[i];
      const std::string field = fmt::format("{}[{}]", inputs ? "inputs" : "outputs", i);
      auto type = ParseWireType(tensor.datatype());
      if (!type.ok()) return type.status().WithContext(field + ".datatype");
      for (int d = 0; d < tensor.shape_size(); ++d) {
        if (tensor.shape(d) >= -1) continue;
        return Status::InvalidArgument(
            fmt::format("{}.shape[{}]: {} is not a dimension (>= 0, or -1 for dynamic)", field, d, tensor.shape(d)));
      }
      (inputs ? metadata.inputs : metadata.outputs)
          .push_back(
              {.name = tensor.name(), .datatype = *type, .shape = {tensor.shape().begin(), tensor.shape().end()}});
    }
  }
  return metadata;
}

grpc::Status ToGrpcStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return grpc::Status::OK;
    case StatusCode::kInvalidArgument: return {grpc::StatusCode::INVALID_ARGUMENT, OneLine(status.message())};
    case StatusCode::kNotFound: return {grpc::StatusCode::NOT_FOUND, OneLine(status.message())};
    case StatusCode::kResourceExhausted: return {grpc::StatusCode::RESOURCE_EXHAUSTED, OneLine(status.message())};
    case StatusCode::kUnavailable: return {grpc::StatusCode::UNAVAILABLE, OneLine(status.message())};
    default: return {grpc::StatusCode::INTERNAL, OneLine(status.message())};
  }
}

Status FromGrpcStatus(const grpc::Status& status, std::string_view context) {
  const std::string message = OneLine(fmt::format("{}: {}", context, status.error_message()));
  switch (status.error_code()) {
    case grpc::StatusCode::OK: return {};
    case grpc::StatusCode::INVALID_ARGUMENT: return Status::InvalidArgument(message);
    case grpc::StatusCode::NOT_FOUND: return Status::NotFound(message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return Status::ResourceExhausted(message);
    case grpc::StatusCode::UNAVAILABLE: return Status::Unavailable(message);
    case grpc::StatusCode::DEADLINE_EXCEEDED: return Status::Unavailable(message + " (no answer before the deadline)");
    default:
      return Status::Internal(fmt::format("{} (gRPC status {})", message, static_cast<int>(status.error_code())));
  }
}

}  // namespace sweetspot::grpc_conversion
