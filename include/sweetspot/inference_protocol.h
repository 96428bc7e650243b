// The Open Inference Protocol (KServe v2) over REST: request, response, error
// and model metadata JSON, with the binary tensor data extension.
//
// Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
// (also https://github.com/kserve/open-inference-protocol) and Triton's binary
// extension: https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md
//
// Wire forms:
// - Request  {"id", "parameters", "inputs": [{"name", "shape", "datatype",
//   "parameters", "data"}], "outputs": [{"name", "parameters"}]}.
// - Response {"model_name", "model_version", "id", "parameters",
//   "outputs": [{"name", "shape", "datatype", "parameters", "data"}]}.
// - Error    {"error": "<message>"}.
// - Metadata {"name", "versions", "platform", "inputs": [{"name", "datatype",
//   "shape"}], "outputs": [...]}; shape -1 marks a dynamic dimension.
// - "data" is a flat or nested JSON array in row-major order; nested arrays
//   are flattened and only their element count is checked against the shape.
//   BOOL as true/false, integers as JSON integers (no fraction, in range),
//   FP16/FP32/FP64 as JSON numbers, BYTES as JSON strings whose (UTF-8)
//   bytes are the element, byte for byte (no base64). JSON has no NaN or
//   infinity: an encoder sends a tensor holding one (or a BYTES element that
//   is not valid UTF-8) in binary, whatever was asked, so it arrives intact.
// - Binary extension: the body is a JSON header of
//   Inference-Header-Content-Length bytes followed by the tensors' raw data,
//   in the order of the tensors that carry "parameters": {"binary_data_size":
//   N} (and no "data"). Raw data is row-major little-endian; BOOL one byte
//   0 or 1; BYTES each element a 4-byte little-endian length then its bytes.
//   A request asks for binary outputs with "parameters": {"binary_data":
//   true} on a requested output, or {"binary_data_output": true} on the
//   request for every output.
//
// Errors: every parse failure is InvalidArgument with a one-line message
// naming the field path, e.g. "inputs[1].data[3]: 300 does not fit UINT8"
// ("data[i]" counts flattened elements). Parsing never throws and never
// allocates more than a small multiple of the body size, whatever the shape
// claims (it is fuzzed: fuzz/, docs/fuzzing.md).
//
// Thread-safety: every function is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

enum class WireType {
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kFp32,
  kFp64,
  kBytes
};

std::string_view WireTypeName(WireType t);  // "FP32", "BYTES", ... (the protocol's names)
// InvalidArgument naming the allowed names (case-sensitive, as the spec writes them).
Result<WireType> ParseWireType(std::string_view name);
std::size_t WireTypeSizeBytes(WireType t);  // bytes per element; 0 for kBytes

// The protocol type of a sweetspot DType, and back (nullopt for the protocol's
// UINT16/UINT32/UINT64/BYTES, which no DType holds).
WireType WireTypeOf(DType dtype);
std::optional<DType> DTypeOf(WireType t);

// IEEE 754 binary16 <-> binary32, rounding to nearest even; values beyond
// the half range become infinity (the JSON parser rejects those first).
float HalfToFloat(std::uint16_t half);
std::uint16_t FloatToHalf(float value);

using ParameterValue = std::variant<bool, std::int64_t, double, std::string>;
using Parameters = std::map<std::string, ParameterValue>;

struct InferTensor {
  std::string name;
  WireType datatype = WireType::kFp32;
  std::vector<std::int64_t> shape;
  // Raw elements, row-major, little-endian, the binary extension's layout. BYTES: each element
  // is a 4-byte little-endian length followed by its bytes.
  std::string data;
  // Without the wire-only binary_data_size (the parser removes it).
  Parameters parameters;
  // Product of shape (1 for a scalar); -1 when a dimension is negative or the product
  // overflows int64.
  std::int64_t ElementCount() const;
  bool operator==(const InferTensor&) const = default;
};

struct RequestedOutput {
  std::string name;
  bool binary_data = false;  // parameters.binary_data on the wire (removed from `parameters`)
  Parameters parameters;
  bool operator==(const RequestedOutput&) const = default;
};

struct InferRequest {
  std::string id;
  std::string model_name, model_version;  // from the URL (not parsed from the body)
  std::vector<InferTensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: every output
  Parameters parameters;                 // e.g. binary_data_output
};

struct InferResponse {
  std::string model_name, model_version, id;
  std::vector<InferTensor> outputs;
  // Extensions: sweetspot_queue_us, sweetspot_preprocess_us, sweetspot_inference_us (double),
  // sweetspot_batch_size (int64), sweetspot_job_id (string); docs/serve.md.
  Parameters parameters;
};

struct HttpBody {  // what goes on the wire
  std::string body;
  std::optional<std::size_t> json_header_bytes;  // Inference-Header-Content-Length when binary
  std::string content_type;                      // "application/json" or "application/octet-stream"
};

// The header's name, as the binary extension spells it.
inline constexpr std::string_view kInferenceHeaderContentLength = "Inference-Header-Content-Length";

// Parses POST .../infer. `json_header_bytes`: the Inference-Header-Content-Length header
// (nullopt when absent: the whole body is JSON). Checks: JSON well-formed, "inputs" a
// non-empty array, each input has name/datatype/shape, names unique, dims >= 0, data count
// matches shape, values fit the datatype, binary_data_size sums to the rest of the body.
// Errors: InvalidArgument, one line naming the field, e.g.
// "inputs[0].shape: 784 elements, data holds 783". Never throws, never crashes (fuzzed).
Result<InferRequest> ParseInferRequest(std::string_view body, std::optional<std::size_t> json_header_bytes);
// Outputs named in request.outputs with binary_data=true, or all when
// parameters.binary_data_output=true, go binary; others as JSON arrays (but see above:
// NaN, infinity and non-UTF-8 BYTES always go binary). Requires each output's data to
// match its shape and datatype.
HttpBody EncodeInferResponse(const InferResponse& response, const InferRequest& request);
// Client side (load generator): binary_inputs puts every input in the binary extension;
// binary_outputs asks for every output in binary (binary_data_output, and binary_data on each
// requested output).
HttpBody EncodeInferRequest(const InferRequest& request, bool binary_inputs, bool binary_outputs);
// Parses a 200 answer to .../infer, with the same checks as ParseInferRequest
// ("outputs[0].data[2]: ..."); "outputs" may be empty.
Result<InferResponse> ParseInferResponse(std::string_view body, std::optional<std::size_t> json_header_bytes);

// The tensors as a JSON array of the protocol's tensor objects ({"name", "datatype",
// "shape", "parameters" when any, "data"}), for people and tools to read, not for
// the wire: every value is shown exactly, with no binary part. A non-finite float is
// the string "NaN", "Infinity" or "-Infinity"; a BYTES element that is not valid
// UTF-8 is the array of its byte values (0-255). Requires data to match the datatype.
std::string EncodeReadableTensors(const std::vector<InferTensor>& tensors);

std::string ErrorBody(std::string_view message);  // {"error": "..."} (the protocol's error object)
// The message of an error object; nullopt when `body` is not one.
std::optional<std::string> ParseErrorBody(std::string_view body);

// BYTES elements: appends one to InferTensor::data; splits data into its elements
// (InvalidArgument when a length runs past the end).
void AppendBytesElement(std::string& data, std::string_view element);
Result<std::vector<std::string_view>> BytesElements(std::string_view data);
// Every element of a numeric or BOOL tensor as a double (FP16 widened, UINT64/INT64 rounded);
// empty for BYTES. Requires data to match the datatype's element size.
std::vector<double> NumericValues(const InferTensor& tensor);

struct TensorMetadata {
  std::string name;
  WireType datatype = WireType::kFp32;
  std::vector<std::int64_t> shape;  // -1: dynamic
  bool operator==(const TensorMetadata&) const = default;
};

struct ModelMetadata {
  std::string name;
  std::vector<std::string> versions;
  std::string platform;  // "onnxruntime_onnx"
  std::vector<TensorMetadata> inputs, outputs;
  // Extension (JSON only: "sweetspot_detection": {"classes": [...]}): a
  // detector's class names, output order (docs/serve.md); empty otherwise.
  std::vector<std::string> detection_classes;
  bool operator==(const ModelMetadata&) const = default;
};

// GET /v2/models/{name}[/versions/{v}]: the metadata JSON, and back. Parse errors are
// InvalidArgument naming the field ("inputs[0].shape[1]: -2 is not a dimension (>= 0, or -1
// for dynamic)"); "versions" may be absent.
std::string EncodeModelMetadata(const ModelMetadata& metadata);
Result<ModelMetadata> ParseModelMetadata(std::string_view json);

}  // namespace sweetspot
