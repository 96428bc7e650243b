// Pieces shared by the protocol's JSON codecs: field access that names the
// field path in its errors and never throws, parameters, shapes, and tensor
// data between JSON arrays and the raw (binary extension) layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/inference_protocol.h"
#include "sweetspot/status.h"

namespace sweetspot::protocol {

using Json = nlohmann::json;

// "<path>: <message>" as InvalidArgument.
Status FieldError(std::string_view path, std::string_view message);
// A user-supplied name or key fit for a one-line message: control characters as '?', at
// most 64 bytes, cut between UTF-8 sequences.
std::string Printable(std::string_view text);

// Parses `text`; errors name `what` and the byte where the JSON breaks.
Result<Json> ParseJson(std::string_view text, std::string_view what);
// Compact JSON; invalid UTF-8 is replaced, never thrown on.
std::string Dump(const Json& json);

// Paths: `prefix` is the path of the object holding the field, with its trailing '.'
// ("inputs[0].", or "" at the top); `path` is the field's own path ("inputs[0].shape"); a
// tensor's `path` is "inputs[0]".
// `json` must be an object. Optional fields are nullopt when absent; wrong types are errors.
Status ExpectObject(const Json& json, std::string_view path);
Result<std::string> RequiredString(const Json& object, std::string_view key, std::string_view prefix);
Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key, std::string_view prefix);
// The array at `key` (required), or nullptr when absent and !required.
Result<const Json*> ArrayField(const Json& object, std::string_view key, std::string_view prefix, bool required);

Result<Parameters> ParseParameters(const Json& object, std::string_view prefix);  // "parameters", optional
Json ParametersJson(const Parameters& parameters);
// Removes parameters[key] and returns it when it is a bool (nullopt when absent).
Result<std::optional<bool>> TakeBoolParameter(Parameters& parameters, std::string_view key, std::string_view prefix);

// A shape array: dims >= 0, or -1 too when allow_dynamic.
Result<std::vector<std::int64_t>> ParseShape(const Json& json, std::string_view path, bool allow_dynamic);
// The "name", "datatype" and "shape" fields (all required) of the tensor object at `path`;
// shape may hold -1 when allow_dynamic.
Result<TensorMetadata> ParseTensorMetadata(const Json& json, const std::string& path, bool allow_dynamic);
Json ShapeJson(const std::vector<std::int64_t>& shape);

// The "data" array (flat or nested) of `count` elements of `type`, as raw bytes.
Result<std::string> JsonDataToRaw(const Json& data, WireType type, std::int64_t count, std::string_view path);
// The tensor's data as a flat JSON array; nullopt when JSON cannot carry it exactly
// (NaN, infinity, BYTES that are not valid UTF-8).
std::optional<Json> RawToJsonData(const InferTensor& tensor);
// The tensor's data as a flat JSON array for reading, never failing: a non-finite
// float is the string "NaN", "Infinity" or "-Infinity", a BYTES element that is not
// valid UTF-8 the array of its byte values (0-255). Not the wire form: parsers refuse it.
Json RawToReadableJsonData(const InferTensor& tensor);

}  // namespace sweetspot::protocol
