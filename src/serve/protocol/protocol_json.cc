#include "protocol/protocol_json.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace sweetspot::protocol {
namespace {

// A JSON value as a message shows it: numbers as written, strings quoted and shortened.
std::string Describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::number_integer: return fmt::format("{}", value.get<std::int64_t>());
    case Json::value_t::number_unsigned: return fmt::format("{}", value.get<std::uint64_t>());
    case Json::value_t::number_float: return fmt::format("{}", value.get<double>());
    case Json::value_t::string: return fmt::format("\"{}\"", Printable(value.get_ref<const std::string&>()));
    case Json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case Json::value_t::null: return "null";
    case Json::value_t::array: return "an array";
    default: return "an object";
  }
}

template <typename T>
void Store(std::string& raw, std::size_t index, T value) {
  std::memcpy(raw.data() + index * sizeof(T), &value, sizeof(T));
}

template <typename T>
T Load(const std::string& raw, std::size_t index) {
  T value;
  std::memcpy(&value, raw.data() + index * sizeof(T), sizeof(T));
  return value;
}

// Integer element: a JSON integer within T's range. Returns the error, "" when stored.
template <typename T>
std::string StoreInteger(const Json& value, std::string& raw, std::size_t index, WireType type) {
  bool fits = false;
  if (value.is_number_unsigned()) {
    fits = value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    if (fits) Store(raw, index, static_cast<T>(value.get<std::uint64_t>()));
  } else if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    fits = std::in_range<T>(v);
    if (fits) Store(raw, index, static_cast<T>(v));
  } else {
    return fmt::format("{} is not an integer ({} takes integers)", Describe(value), WireTypeName(type));
  }
  return fits ? "" : fmt::format("{} does not fit {}", Describe(value), WireTypeName(type));
}

// `v` as a float rounded to odd (toward zero, then the last bit set when inexact): rounding
// that to half then gives what rounding `v` to half directly would, where rounding to nearest
// twice could land on a tie the wrong way (Boldo & Melquiond, "When double rounding is odd").
float ToFloatRoundToOdd(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) == v) return f;
  if (std::fabs(static_cast<double>(f)) > std::fabs(v)) f = std::nextafter(f, 0.0F);
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(f) | 1U);
}

// Floating-point element: any JSON number whose value rounds to a finite value of `type`.
std::string StoreFloat(const Json& value, std::string& raw, std::size_t index, WireType type) {
  if (!value.is_number()) return fmt::format("{} is not a number", Describe(value));
  const double v = value.get<double>();
  // The smallest magnitudes that round to infinity: 2^128 - 2^103 (FP32), 65520 (FP16).
  const double limit = type == WireType::kFp64   ? std::numeric_limits<double>::infinity()
                       : type == WireType::kFp32 ? 0x1.ffffffp127
                                                 : 65520.0;
  if (!std::isfinite(v) || std::fabs(v) >= limit) {
    return fmt::format("{} does not fit {}", Describe(value), WireTypeName(type));
  }
  if (type == WireType::kFp64) {
    Store(raw, index, v);
    return "";
  }
  if (type == WireType::kFp16) {
    Store(raw, index, FloatToHalf(ToFloatRoundToOdd(v)));
    return "";
  }
  // Below the limit but above FLT_MAX rounds to FLT_MAX; the clamp keeps the cast defined.
  const auto max_float = static_cast<double>(std::numeric_limits<float>::max());
  Store(raw, index, static_cast<float>(std::fmax(-max_float, std::fmin(max_float, v))));
  return "";
}

std::string StoreElement(const Json& value, WireType type, std::string& raw, std::size_t index) {
  switch (type) {
    case WireType::kBool:
      if (!value.is_boolean()) return fmt::format("{} is not a boolean (BOOL takes true or false)", Describe(value));
      raw[index] = value.get<bool>() ? 1 : 0;
      return "";
    case WireType::kUint8: return StoreInteger<std::uint8_t>(value, raw, index, type);
    case WireType::kUint16: return StoreInteger<std::uint16_t>(value, raw, index, type);
    case WireType::kUint32: return StoreInteger<std::uint32_t>(value, raw, index, type);
    case WireType::kUint64: return StoreInteger<std::uint64_t>(value, raw, index, type);
    case WireType::kInt8: return StoreInteger<std::int8_t>(value, raw, index, type);
    case WireType::kInt16: return StoreInteger<std::int16_t>(value, raw, index, type);
    case WireType::kInt32: return StoreInteger<std::int32_t>(value, raw, index, type);
    case WireType::kInt64: return StoreInteger<std::int64_t>(value, raw, index, type);
    case WireType::kFp16:
    case WireType::kFp32:
    case WireType::kFp64: return StoreFloat(value, raw, index, type);
    case WireType::kBytes:
      if (!value.is_string()) return fmt::format("{} is not a string (BYTES takes strings)", Describe(value));
      AppendBytesElement(raw, value.get_ref<const std::string&>());
      return "";
  }
  return "unknown datatype";
}

// The leaves of a nested array, depth first, without recursion (the nesting is the client's).
std::vector<const Json*> Flatten(const Json& array) {
  std::vector<const Json*> leaves;
  std::vector<std::pair<const Json*, std::size_t>> stack{{&array, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next == node->size()) {
      stack.pop_back();
      continue;
    }
    const Json& child = (*node)[next++];
    if (child.is_array()) {
      stack.emplace_back(&child, 0);
    } else {
      leaves.push_back(&child);
    }
  }
  return leaves;
}

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, code = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, code = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, code = c & 0x07U;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto continuation = static_cast<unsigned char>(text[i + k]);
      if ((continuation & 0xC0U) != 0x80U) return false;
      code = (code << 6) | (continuation & 0x3FU);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    const std::uint32_t smallest = extra == 1 ? 0x80 : extra == 2 ? 0x800 : 0x10000;
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

Json ElementJson(const std::string& raw, std::size_t i, WireType type) {
  switch (type) {
    case WireType::kBool: return raw[i] != 0;
    case WireType::kUint8: return Load<std::uint8_t>(raw, i);
    case WireType::kUint16: return Load<std::uint16_t>(raw, i);
    case WireType::kUint32: return Load<std::uint32_t>(raw, i);
    case WireType::kUint64: return Load<std::uint64_t>(raw, i);
    case WireType::kInt8: return Load<std::int8_t>(raw, i);
    case WireType::kInt16: return Load<std::int16_t>(raw, i);
    case WireType::kInt32: return Load<std::int32_t>(raw, i);
    case WireType::kInt64: return Load<std::int64_t>(raw, i);
    case WireType::kFp16: return static_cast<double>(HalfToFloat(Load<std::uint16_t>(raw, i)));
    case WireType::kFp32: return static_cast<double>(Load<float>(raw, i));
    case WireType::kFp64: return Load<double>(raw, i);
    case WireType::kBytes: break;
  }
  return nullptr;
}

// A BYTES element that is not valid UTF-8: the array of its byte values.
Json ByteValuesJson(std::string_view element) {
  Json values = Json::array();
  for (const char c : element) values.push_back(static_cast<unsigned char>(c));
  return values;
}

std::optional<Json> BytesJson(const std::string& raw, bool spell_out) {
  auto elements = BytesElements(raw);
  assert(elements.ok() && "BYTES data holds whole elements");
  if (!elements.ok()) return std::nullopt;
  Json array = Json::array();
  for (const std::string_view element : *elements) {
    if (IsValidUtf8(element)) {
      array.push_back(std::string(element));
    } else if (spell_out) {
      array.push_back(ByteValuesJson(element));
    } else {
      return std::nullopt;
    }
  }
  return array;
}

Json NonFiniteJson(double value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

// spell_out: what JSON cannot carry is spelled out (see RawToReadableJsonData);
// otherwise nullopt.
std::optional<Json> DataJson(const InferTensor& tensor, bool spell_out) {
  if (tensor.datatype == WireType::kBytes) return BytesJson(tensor.data, spell_out);
  const std::size_t size = WireTypeSizeBytes(tensor.datatype);
  assert(tensor.data.size() % size == 0);
  Json array = Json::array();
  auto& elements = array.get_ref<Json::array_t&>();
  elements.reserve(tensor.data.size() / size);
  for (std::size_t i = 0; i < tensor.data.size() / size; ++i) {
    Json element = ElementJson(tensor.data, i, tensor.datatype);
    if (element.is_number_float() && !std::isfinite(element.get<double>())) {
      if (!spell_out) return std::nullopt;
      element = NonFiniteJson(element.get<double>());
    }
    elements.push_back(std::move(element));
  }
  return array;
}

}  // namespace

Status FieldError(std::string_view path, std::string_view message) {
  return Status::InvalidArgument(fmt::format("{}: {}", path, message));
}

std::string Printable(std::string_view text) {
  constexpr std::size_t kMaxBytes = 64;
  std::size_t cut = std::min(kMaxBytes, text.size());
  // Not inside a UTF-8 sequence: the message stays valid UTF-8 (found by fuzz_model_metadata).
  while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  std::string out(text.substr(0, cut));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  if (cut < text.size()) out += "...";
  return out;
}

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  // nlohmann stops at a NUL byte as at the end, and no JSON text holds one.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("{}: not valid JSON (a NUL byte at byte {}; binary data needs the {} "
                    "header)",
                    what, nul, kInferenceHeaderContentLength));
  }
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // e.byte counts from 1; past the end (size + 1) the text stopped unfinished.
    if (e.byte > text.size()) {
      return Status::InvalidArgument(
          fmt::format("{}: not valid JSON (it ends unfinished after {} bytes)", what, text.size()));
    }
    return Status::InvalidArgument(
        fmt::format("{}: not valid JSON (it breaks at byte {} of {})", what, e.byte, text.size()));
  } catch (const Json::exception&) {
    // The only other error parsing raises: a number literal beyond a double's range.
    return Status::InvalidArgument(fmt::format("{}: not valid JSON (a number beyond a double's range)", what));
  }
}

std::string Dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

Status ExpectObject(const Json& json, std::string_view path) {
  if (json.is_object()) return Status::Ok();
  return FieldError(path, fmt::format("must be a JSON object, not {}", Describe(json)));
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key, std::string_view prefix) {
  const auto it = object.find(key);
  if (it == object.end()) return std::optional<std::string>();
  if (!it->is_string())
    return FieldError(fmt::format("{}{}", prefix, key), fmt::format("{} is not a string", Describe(*it)));
  return std::optional<std::string>(it->get_ref<const std::string&>());
}

Result<std::string> RequiredString(const Json& object, std::string_view key, std::string_view prefix) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto value, OptionalString(object, key, prefix));
  if (!value) return FieldError(fmt::format("{}{}", prefix, key), "missing");
  return std::move(*value);
}

Result<const Json*> ArrayField(const Json& object, std::string_view key, std::string_view prefix, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) return FieldError(fmt::format("{}{}", prefix, key), "missing");
    return static_cast<const Json*>(nullptr);
  }
  if (!it->is_array()) {
    return FieldError(fmt::format("{}{}", prefix, key), fmt::format("{} is not an array", Describe(*it)));
  }
  return &*it;
}

Result<Parameters> ParseParameters(const Json& object, std::string_view prefix) {
  Parameters parameters;
  const auto it = object.find("parameters");
  if (it == object.end()) return parameters;
  const std::string where = fmt::format("{}parameters", prefix);
  SWEETSPOT_RETURN_IF_ERROR(ExpectObject(*it, where));
  for (const auto& [key, value] : it->items()) {
    if (value.is_boolean()) {
      parameters[key] = value.get<bool>();
    } else if (value.is_number_integer() &&
               !(value.is_number_unsigned() && !std::in_range<std::int64_t>(value.get<std::uint64_t>()))) {
      parameters[key] = value.get<std::int64_t>();
    } else if (value.is_number()) {
      parameters[key] = value.get<double>();
    } else if (value.is_string()) {
      parameters[key] = value.get<std::string>();
    } else {
      return FieldError(fmt::format("{}.{}", where, Printable(key)),
                        fmt::format("{} is not a string, number or boolean", Describe(value)));
    }
  }
  return parameters;
}

Json ParametersJson(const Parameters& parameters) {
  Json object = Json::object();
  for (const auto& [key, value] : parameters) {
    std::visit([&object, &key = key](const auto& v) { object[key] = v; }, value);
  }
  return object;
}

Result<std::optional<bool>> TakeBoolParameter(Parameters& parameters, std::string_view key, std::string_view prefix) {
  const auto it = parameters.find(std::string(key));
  if (it == parameters.end()) return std::optional<bool>();
  if (!std::holds_alternative<bool>(it->second)) {
    return FieldError(fmt::format("{}parameters.{}", prefix, key), "must be true or false");
  }
  const bool value = std::get<bool>(it->second);
  parameters.erase(it);
  return std::optional<bool>(value);
}

Result<std::vector<std::int64_t>> ParseShape(const Json& json, std::string_view path, bool allow_dynamic) {
  if (!json.is_array()) return FieldError(path, fmt::format("{} is not an array of dimensions", Describe(json)));
  std::vector<std::int64_t> shape;
  shape.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    const Json& dim = json[i];
    const bool integer = dim.is_number_integer() && !dim.is_number_unsigned();
    const bool valid = (dim.is_number_unsigned() && std::in_range<std::int64_t>(dim.get<std::uint64_t>())) ||
                       (integer && (dim.get<std::int64_t>() >= 0 || (allow_dynamic && dim.get<std::int64_t>() == -1)));
    if (!valid) {
      return FieldError(fmt::format("{}[{}]", path, i),
                        fmt::format("{} is not a dimension (an integer >= 0{})", Describe(dim),
                                    allow_dynamic ? ", or -1 for dynamic" : ""));
    }
    shape.push_back(dim.get<std::int64_t>());
  }
  return shape;
}

Result<TensorMetadata> ParseTensorMetadata(const Json& json, const std::string& path, bool allow_dynamic) {
  SWEETSPOT_RETURN_IF_ERROR(ExpectObject(json, path));
  const std::string prefix = path + ".";
  TensorMetadata tensor;
  SWEETSPOT_ASSIGN_OR_RETURN(tensor.name, RequiredString(json, "name", prefix));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string datatype, RequiredString(json, "datatype", prefix));
  auto type = ParseWireType(datatype);
  if (!type.ok()) {
    return FieldError(prefix + "datatype",
                      fmt::format("\"{}\" is an {}", Printable(datatype), type.status().message()));
  }
  tensor.datatype = *type;
  const auto shape = json.find("shape");
  if (shape == json.end()) return FieldError(prefix + "shape", "missing");
  SWEETSPOT_ASSIGN_OR_RETURN(tensor.shape, ParseShape(*shape, prefix + "shape", allow_dynamic));
  return tensor;
}

Json ShapeJson(const std::vector<std::int64_t>& shape) { return Json(shape); }

Result<std::string> JsonDataToRaw(const Json& data, WireType type, std::int64_t count, std::string_view path) {
  if (!data.is_array())
    return FieldError(fmt::format("{}.data", path), fmt::format("{} is not an array", Describe(data)));
  const std::vector<const Json*> leaves = Flatten(data);
  if (static_cast<std::uint64_t>(count) != leaves.size()) {
    return FieldError(fmt::format("{}.shape", path), fmt::format("{} elements, data holds {}", count, leaves.size()));
  }
  std::string raw(leaves.size() * WireTypeSizeBytes(type), '\0');
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const std::string error = StoreElement(*leaves[i], type, raw, i);
    if (!error.empty()) return FieldError(fmt::format("{}.data[{}]", path, i), error);
  }
  return raw;
}

std::optional<Json> RawToJsonData(const InferTensor& tensor) { return DataJson(tensor, false); }

Json RawToReadableJsonData(const InferTensor& tensor) { return *DataJson(tensor, true); }

}  // namespace sweetspot::protocol
