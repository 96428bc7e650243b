// Datatypes of the Open Inference Protocol and the raw element layout they share
// with the binary extension (little-endian; BYTES length-prefixed).
#include <array>
#include <bit>
#include <cassert>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "sweetspot/inference_protocol.h"

namespace sweetspot {
namespace {

static_assert(std::endian::native == std::endian::little, "raw tensor data is little-endian, as the host's");

struct WireTypeFacts {
  WireType type;
  std::string_view name;
  std::size_t size_bytes;
};

constexpr std::array<WireTypeFacts, 13> kWireTypes{{{WireType::kBool, "BOOL", 1},
                                                    {WireType::kUint8, "UINT8", 1},
                                                    {WireType::kUint16, "UINT16", 2},
                                                    {WireType::kUint32, "UINT32", 4},
                                                    {WireType::kUint64, "UINT64", 8},
                                                    {WireType::kInt8, "INT8", 1},
                                                    {WireType::kInt16, "INT16", 2},
                                                    {WireType::kInt32, "INT32", 4},
                                                    {WireType::kInt64, "INT64", 8},
                                                    {WireType::kFp16, "FP16", 2},
                                                    {WireType::kFp32, "FP32", 4},
                                                    {WireType::kFp64, "FP64", 8},
                                                    {WireType::kBytes, "BYTES", 0}}};

const WireTypeFacts& Facts(WireType t) {
  const auto index = static_cast<std::size_t>(t);
  assert(index < kWireTypes.size() && kWireTypes[index].type == t);
  return kWireTypes[index];
}

constexpr std::array<std::pair<DType, WireType>, 9> kDTypes{{{DType::kFloat32, WireType::kFp32},
                                                             {DType::kFloat16, WireType::kFp16},
                                                             {DType::kFloat64, WireType::kFp64},
                                                             {DType::kInt8, WireType::kInt8},
                                                             {DType::kUInt8, WireType::kUint8},
                                                             {DType::kInt16, WireType::kInt16},
                                                             {DType::kInt32, WireType::kInt32},
                                                             {DType::kInt64, WireType::kInt64},
                                                             {DType::kBool, WireType::kBool}}};

template <typename T>
T Load(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

double ElementAsDouble(WireType t, const char* bytes) {
  switch (t) {
    case WireType::kBool: return bytes[0] != 0 ? 1.0 : 0.0;
    case WireType::kUint8: return Load<std::uint8_t>(bytes);
    case WireType::kUint16: return Load<std::uint16_t>(bytes);
    case WireType::kUint32: return Load<std::uint32_t>(bytes);
    case WireType::kUint64: return static_cast<double>(Load<std::uint64_t>(bytes));
    case WireType::kInt8: return Load<std::int8_t>(bytes);
    case WireType::kInt16: return Load<std::int16_t>(bytes);
    case WireType::kInt32: return Load<std::int32_t>(bytes);
    case WireType::kInt64: return static_cast<double>(Load<std::int64_t>(bytes));
    case WireType::kFp16: return HalfToFloat(Load<std::uint16_t>(bytes));
    case WireType::kFp32: return Load<float>(bytes);
    case WireType::kFp64: return Load<double>(bytes);
    case WireType::kBytes: break;
  }
  assert(false && "BYTES has no numeric value");
  return 0;
}

}  // namespace

std::string_view WireTypeName(WireType t) { return Facts(t).name; }

std::size_t WireTypeSizeBytes(WireType t) { return Facts(t).size_bytes; }

Result<WireType> ParseWireType(std::string_view name) {
  for (const auto& facts : kWireTypes) {
    if (facts.name == name) return facts.type;
  }
  return Status::InvalidArgument(
      "unknown datatype (expected BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, "
      "FP64 or BYTES)");
}

WireType WireTypeOf(DType dtype) {
  for (const auto& [d, w] : kDTypes) {
    if (d == dtype) return w;
  }
  assert(false && "every DType has a wire type");
  return WireType::kFp32;
}

std::optional<DType> DTypeOf(WireType t) {
  for (const auto& [d, w] : kDTypes) {
    if (w == t) return d;
  }
  return std::nullopt;
}

float HalfToFloat(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000U) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1FU;
  std::uint32_t mantissa = half & 0x3FFU;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000U | (mantissa << 13));  // inf, NaN
  if (exponent != 0) return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Subnormal: mantissa * 2^-24, exact in float.
  const float magnitude = static_cast<float>(mantissa) * 0x1p-24F;
  return sign != 0 ? -magnitude : magnitude;
}

std::uint16_t FloatToHalf(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000U);
  const std::uint32_t abs_bits = bits & 0x7FFFFFFFU;
  if (abs_bits > 0x7F800000U) return static_cast<std::uint16_t>(sign | 0x7E00U | ((abs_bits >> 13) & 0x1FFU));
  if (abs_bits >= 0x477FF000U) return static_cast<std::uint16_t>(sign | 0x7C00U);  // rounds past 65504
  if (abs_bits < 0x38800000U) {
    // Below the smallest normal half (2^-14): a multiple of 2^-24, rounded to nearest even by
    // the float addition (2^-24 * 2^23 = 0.5 puts the half's last bit at the float's unit).
    const float scaled = std::bit_cast<float>(abs_bits) + 0.5F;
    return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(scaled) - 0x3F000000U));
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even.
  const std::uint32_t rounded = abs_bits + 0xFFFU + ((abs_bits >> 13) & 1U);
  return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000U) >> 13));
}

std::int64_t InferTensor::ElementCount() const {
  std::int64_t count = 1;
  for (const std::int64_t dim : shape) {
    if (dim < 0) return -1;
    if (dim == 0) return 0;
  }
  for (const std::int64_t dim : shape) {
    if (count > std::numeric_limits<std::int64_t>::max() / dim) return -1;
    count *= dim;
  }
  return count;
}

void AppendBytesElement(std::string& data, std::string_view element) {
  assert(element.size() <= std::numeric_limits<std::uint32_t>::max());
  const auto length = static_cast<std::uint32_t>(element.size());
  char prefix[4];
  std::memcpy(prefix, &length, sizeof prefix);
  data.append(prefix, sizeof prefix);
  data.append(element);
}

Result<std::vector<std::string_view>> BytesElements(std::string_view data) {
  std::vector<std::string_view> elements;
  std::size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 4) {
      return Status::InvalidArgument(fmt::format("BYTES element {} at byte {}: {} bytes left, a length takes 4",
                                                 elements.size(), at, data.size() - at));
    }
    const std::uint32_t length = Load<std::uint32_t>(data.data() + at);
    at += 4;
    if (length > data.size() - at) {
      return Status::InvalidArgument(fmt::format("BYTES element {}: length {} runs past the data's end ({} left)",
                                                 elements.size(), length, data.size() - at));
    }
    elements.push_back(data.substr(at, length));
    at += length;
  }
  return elements;
}

std::vector<double> NumericValues(const InferTensor& tensor) {
  std::vector<double> values;
  const std::size_t size = WireTypeSizeBytes(tensor.datatype);
  if (size == 0) return values;
  assert(tensor.data.size() % size == 0);
  values.reserve(tensor.data.size() / size);
  for (std::size_t at = 0; at + size <= tensor.data.size(); at += size) {
    values.push_back(ElementAsDouble(tensor.datatype, tensor.data.data() + at));
  }
  return values;
}

}  // namespace sweetspot
