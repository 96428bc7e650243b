#include "sweetspot/inference_protocol.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

using nlohmann::json;

template <typename T>
std::string Raw(const std::vector<T>& values) {
  std::string raw(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

InferTensor MakeTensor(std::string name, WireType type, std::vector<std::int64_t> shape, std::string data) {
  InferTensor tensor;
  tensor.name = std::move(name);
  tensor.datatype = type;
  tensor.shape = std::move(shape);
  tensor.data = std::move(data);
  return tensor;
}

std::string BytesData(const std::vector<std::string>& elements) {
  std::string data;
  for (const auto& element : elements) AppendBytesElement(data, element);
  return data;
}

// One tensor of every datatype, with each type's extremes.
std::vector<InferTensor> EveryDatatype() {
  return {
      MakeTensor("bool", WireType::kBool, {3}, std::string("\1\0\1", 3)),
      MakeTensor("u8", WireType::kUint8, {2}, Raw<std::uint8_t>({0, 255})),
      MakeTensor("u16", WireType::kUint16, {2}, Raw<std::uint16_t>({0, 65535})),
      MakeTensor("u32", WireType::kUint32, {2}, Raw<std::uint32_t>({1, 4294967295U})),
      MakeTensor("u64", WireType::kUint64, {2}, Raw<std::uint64_t>({0, std::numeric_limits<std::uint64_t>::max()})),
      MakeTensor("i8", WireType::kInt8, {2}, Raw<std::int8_t>({-128, 127})),
      MakeTensor("i16", WireType::kInt16, {2}, Raw<std::int16_t>({-32768, 32767})),
      MakeTensor("i32", WireType::kInt32, {2}, Raw<std::int32_t>({std::numeric_limits<std::int32_t>::min(), 7})),
      MakeTensor(
          "i64", WireType::kInt64, {1, 2},
          Raw<std::int64_t>({std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()})),
      MakeTensor("f16", WireType::kFp16, {3}, Raw<std::uint16_t>({0x3C00, 0x7BFF, 0x8001})),
      MakeTensor(
          "f32", WireType::kFp32, {2, 2},
          Raw<float>({0.1F, -0.0F, std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min()})),
      MakeTensor("f64", WireType::kFp64, {2}, Raw<double>({0.1, -std::numeric_limits<double>::max()})),
      MakeTensor("bytes", WireType::kBytes, {3}, BytesData({"", "héllo", std::string("a\0b", 3)})),
      MakeTensor("empty", WireType::kFp32, {0, 3}, ""),
  };
}

InferRequest RequestOf(std::vector<InferTensor> inputs) {
  InferRequest request;
  request.id = "req-1";
  request.inputs = std::move(inputs);
  return request;
}

std::string ErrorOf(std::string_view body, std::optional<std::size_t> header = std::nullopt) {
  auto parsed = ParseInferRequest(body, header);
  if (parsed.ok()) return "parsed";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

// One FP32 input "x" of `shape` with JSON `data`.
std::string OneInput(std::string_view datatype, std::string_view shape, std::string_view data) {
  return fmt::format(R"({{"inputs":[{{"name":"x","datatype":"{}","shape":{},"data":{}}}]}})", datatype, shape, data);
}

TEST(WireTypeTest, NamesRoundTripAndUnknownNamesListTheAllowedOnes) {
  for (int i = 0; i <= static_cast<int>(WireType::kBytes); ++i) {
    const auto type = static_cast<WireType>(i);
    auto parsed = ParseWireType(WireTypeName(type));
    ASSERT_TRUE(parsed.ok()) << WireTypeName(type);
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(WireTypeSizeBytes(WireType::kFp16), 2U);
  EXPECT_EQ(WireTypeSizeBytes(WireType::kBytes), 0U);
  auto unknown = ParseWireType("fp32");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("FP32"), std::string::npos);
  EXPECT_EQ(WireTypeOf(DType::kUInt8), WireType::kUint8);
  EXPECT_EQ(DTypeOf(WireType::kFp16), DType::kFloat16);
  EXPECT_EQ(DTypeOf(WireType::kUint32), std::nullopt);
}

TEST(Float16Test, KnownValuesAndTiesToEven) {
  EXPECT_EQ(FloatToHalf(1.0F), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0F), 0xC000);
  EXPECT_EQ(FloatToHalf(65504.0F), 0x7BFF);
  EXPECT_EQ(FloatToHalf(65520.0F), 0x7C00);  // halfway to 65536 rounds to even: infinity
  EXPECT_EQ(FloatToHalf(0x1p-24F), 0x0001);
  EXPECT_EQ(FloatToHalf(0x1p-25F), 0x0000);         // tie: to even (zero)
  EXPECT_EQ(FloatToHalf(1.0F + 0x1p-11F), 0x3C00);  // tie: to even
  EXPECT_EQ(FloatToHalf(1.0F + 3 * 0x1p-11F), 0x3C02);
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125F);
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(std::nanf("")))));
  EXPECT_EQ(HalfToFloat(0x7C00), std::numeric_limits<float>::infinity());
}

TEST(Float16Test, EveryHalfSurvivesFloatAndBack) {
  for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto half = static_cast<std::uint16_t>(h);
    if ((half & 0x7C00) == 0x7C00 && (half & 0x3FF) != 0) continue;  // NaN payloads
    ASSERT_EQ(FloatToHalf(HalfToFloat(half)), half) << std::hex << h;
  }
}

TEST(InferRequestTest, SpecRequestExampleIsRejectedForItsOwnShapeMismatch) {
  // The Open Inference Protocol's published example, verbatim: input1 claims shape [3]
  // but carries one element.
  const std::string spec = R"({
  "id" : "42",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "data" : [ 1, 2, 3, 4 ]
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "data" : [ true ]
    }
  ],
  "outputs" : [
    {
      "name" : "output0"
    }
  ]
})";
  EXPECT_EQ(ErrorOf(spec), "inputs[1].shape: 3 elements, data holds 1");
  std::string fixed = spec;
  fixed.replace(fixed.find("[ true ]"), 8, "[ true, false, true ]");
  auto request = ParseInferRequest(fixed, std::nullopt);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->id, "42");
  ASSERT_EQ(request->inputs.size(), 2U);
  EXPECT_EQ(request->inputs[0], MakeTensor("input0", WireType::kUint32, {2, 2}, Raw<std::uint32_t>({1, 2, 3, 4})));
  EXPECT_EQ(request->inputs[1].data, std::string("\1\0\1", 3));
  ASSERT_EQ(request->outputs.size(), 1U);
  EXPECT_EQ(request->outputs[0].name, "output0");
  EXPECT_FALSE(request->outputs[0].binary_data);
}

TEST(InferRequestTest, BinaryExtensionExampleParsesVerbatim) {
  // Triton's binary tensor data extension example (extension_binary_data.md).
  const std::string header = R"({
  "model_name" : "mymodel",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "parameters" : {
        "binary_data_size" : 16
      }
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "parameters" : {
        "binary_data_size" : 3
      }
    }
  ],
  "outputs" : [
    {
      "name" : "output0",
      "parameters" : {
        "binary_data" : true
      }
    },
    {
      "name" : "output1"
    }
  ]
})";
  const std::string input0 = Raw<std::uint32_t>({10, 20, 30, 40});
  const std::string body = header + input0 + std::string("\0\1\1", 3);
  auto request = ParseInferRequest(body, header.size());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->inputs[0].data, input0);
  EXPECT_TRUE(request->inputs[0].parameters.empty()) << "binary_data_size is wire-only";
  EXPECT_EQ(request->inputs[1].data, std::string("\0\1\1", 3));
  ASSERT_EQ(request->outputs.size(), 2U);
  EXPECT_TRUE(request->outputs[0].binary_data);
  EXPECT_FALSE(request->outputs[1].binary_data);
}

TEST(InferResponseTest, SpecResponseExamplesParse) {
  const std::string json_example = R"({
  "id" : "42",
  "outputs" : [
    {
      "name" : "output0",
      "shape" : [ 3, 2 ],
      "datatype"  : "FP32",
      "data" : [ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ]
    }
  ]
})";
  auto response = ParseInferResponse(json_example, std::nullopt);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->id, "42");
  EXPECT_EQ(NumericValues(response->outputs[0]), (std::vector<double>{1.0, 1.1F, 2.0, 2.1F, 3.0, 3.1F}));

  const std::string header = R"({
  "outputs" : [
    {
      "name" : "output0",
      "shape" : [ 3, 2 ],
      "datatype"  : "FP32",
      "parameters" : {
        "binary_data_size" : 24
      }
    },
    {
      "name" : "output1",
      "shape" : [ 2, 2 ],
      "datatype"  : "UINT32",
      "data" : [ 0, 1, 2, 3 ]
    }
  ]
})";
  const std::string output0 = Raw<float>({1, 2, 3, 4, 5, 6});
  auto binary = ParseInferResponse(header + output0, header.size());
  ASSERT_TRUE(binary.ok()) << binary.status().ToString();
  EXPECT_EQ(binary->outputs[0].data, output0);
  EXPECT_EQ(binary->outputs[1].data, Raw<std::uint32_t>({0, 1, 2, 3}));
}

TEST(InferRequestTest, EveryDatatypeRoundTripsInJsonAndBinary) {
  InferRequest request = RequestOf(EveryDatatype());
  request.outputs = {{"out", true, {{"k", std::int64_t{3}}}}};
  request.parameters = {{"p_bool", true}, {"p_int", std::int64_t{-5}}, {"p_double", 0.5}, {"p_string", "s"}};
  for (const bool binary : {false, true}) {
    const HttpBody body = EncodeInferRequest(request, binary, false);
    EXPECT_EQ(body.json_header_bytes.has_value(), binary);
    EXPECT_EQ(body.content_type, binary ? "application/octet-stream" : "application/json");
    auto parsed = ParseInferRequest(body.body, body.json_header_bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->id, request.id);
    EXPECT_EQ(parsed->inputs, request.inputs);
    EXPECT_EQ(parsed->outputs, request.outputs);
    EXPECT_EQ(parsed->parameters, request.parameters);
  }
}

TEST(InferResponseTest, EveryDatatypeRoundTripsInJsonAndBinary) {
  InferResponse response;
  response.model_name = "m";
  response.model_version = "1";
  response.id = "r";
  response.outputs = EveryDatatype();
  response.parameters = {{"sweetspot_queue_us", 12.5}, {"sweetspot_batch_size", std::int64_t{4}}};
  for (const bool binary : {false, true}) {
    InferRequest request;
    if (binary) request.parameters["binary_data_output"] = true;
    const HttpBody body = EncodeInferResponse(response, request);
    auto parsed = ParseInferResponse(body.body, body.json_header_bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->model_name, "m");
    EXPECT_EQ(parsed->model_version, "1");
    EXPECT_EQ(parsed->id, "r");
    EXPECT_EQ(parsed->outputs, response.outputs);
    EXPECT_EQ(parsed->parameters, response.parameters);
  }
}

TEST(InferRequestTest, NestedAndFlatDataAreTheSame) {
  auto flat = ParseInferRequest(OneInput("INT16", "[2,3]", "[1,2,3,4,5,6]"), std::nullopt);
  auto nested = ParseInferRequest(OneInput("INT16", "[2,3]", "[[1,2,3],[4,5,6]]"), std::nullopt);
  ASSERT_TRUE(flat.ok() && nested.ok());
  EXPECT_EQ(flat->inputs, nested->inputs);
  EXPECT_EQ(flat->inputs[0].data, Raw<std::int16_t>({1, 2, 3, 4, 5, 6}));
}

TEST(InferRequestTest, JsonValuesOutOfTheirDatatypeAreRejectedByPath) {
  const std::string two_inputs = R"({"inputs":[{"name":"a","datatype":"FP32","shape":[1],"data":[1]},)"
                                 R"({"name":"b","datatype":"UINT8","shape":[4],"data":[1,2,3,300]}]})";
  EXPECT_EQ(ErrorOf(two_inputs), "inputs[1].data[3]: 300 does not fit UINT8");
  EXPECT_EQ(ErrorOf(OneInput("UINT32", "[1]", "[-1]")), "inputs[0].data[0]: -1 does not fit UINT32");
  EXPECT_EQ(ErrorOf(OneInput("INT64", "[1]", "[9223372036854775808]")),
            "inputs[0].data[0]: 9223372036854775808 does not fit INT64");
  EXPECT_EQ(ErrorOf(OneInput("INT32", "[2]", "[1, 2.5]")),
            "inputs[0].data[1]: 2.5 is not an integer (INT32 takes integers)");
  EXPECT_EQ(ErrorOf(OneInput("BOOL", "[1]", "[1]")),
            "inputs[0].data[0]: 1 is not a boolean (BOOL takes true or false)");
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[1]", "[true]")), "inputs[0].data[0]: true is not a number");
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[1]", "[null]")), "inputs[0].data[0]: null is not a number");
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[1]", "[1e39]")), "inputs[0].data[0]: 1e+39 does not fit FP32");
  EXPECT_EQ(ErrorOf(OneInput("FP64", "[1]", "[1e999]")),
            "request body: not valid JSON (a number beyond a double's range)");
  EXPECT_EQ(ErrorOf(OneInput("FP16", "[1]", "[70000]")), "inputs[0].data[0]: 70000 does not fit FP16");
  EXPECT_EQ(ErrorOf(OneInput("BYTES", "[1]", "[3]")), "inputs[0].data[0]: 3 is not a string (BYTES takes strings)");
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[1]", "[[1], {}]")), "inputs[0].shape: 1 elements, data holds 2");
}

TEST(InferRequestTest, FloatValuesRoundToTheirDatatype) {
  // 65519 rounds to FP16's largest finite value; the shortest decimal of FLT_MAX fits FP32.
  auto half = ParseInferRequest(OneInput("FP16", "[2]", "[65519, 0.1]"), std::nullopt);
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(half->inputs[0].data, Raw<std::uint16_t>({0x7BFF, FloatToHalf(0.1F)}));
  // Just above the tie between 1 and the next half (1 + 2^-11): rounds up, though as a float
  // it is the tie itself.
  auto above_tie =
      ParseInferRequest(OneInput("FP16", "[2]", "[1.0004882812500002, -5.960464477539064e-8]"), std::nullopt);
  ASSERT_TRUE(above_tie.ok()) << above_tie.status().ToString();
  EXPECT_EQ(above_tie->inputs[0].data, Raw<std::uint16_t>({0x3C01, 0x8001}));
  auto single = ParseInferRequest(OneInput("FP32", "[1]", "[3.4028235e38]"), std::nullopt);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  EXPECT_EQ(single->inputs[0].data, Raw<float>({std::numeric_limits<float>::max()}));
}

TEST(InferRequestTest, ShapesThatDoNotMatchTheirDataAreRejected) {
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[2,2]", "[1,2,3]")), "inputs[0].shape: 4 elements, data holds 3");
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[2,-1]", "[1,2]")),
            "inputs[0].shape[1]: -1 is not a dimension (an integer >= 0)");
  EXPECT_EQ(ErrorOf(OneInput("FP32", "[2,\"x\"]", "[1,2]")),
            "inputs[0].shape[1]: \"x\" is not a dimension (an integer >= 0)");
  const std::string overflow = OneInput("FP32", "[4294967296,4294967296]", "[]");
  EXPECT_EQ(ErrorOf(overflow),
            fmt::format("inputs[0].shape: over 2^63 elements, more than a {}-byte body can hold", overflow.size()));
}

TEST(InferRequestTest, AHugeShapeIsRefusedBeforeAnythingIsAllocated) {
  // 2^40 FP32 elements would be 4 TiB; the body is a few dozen bytes.
  const std::string header =
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1099511627776],"parameters":{"binary_data_size":4}}]})";
  const std::string body = header + std::string(4, '\0');
  EXPECT_EQ(ErrorOf(body, header.size()),
            fmt::format("inputs[0].shape: 1099511627776 elements, more than a {}-byte body can hold", body.size()));
  const std::string bytes = R"({"inputs":[{"name":"x","datatype":"BYTES","shape":[1000000000],"data":["a"]}]})";
  EXPECT_NE(ErrorOf(bytes).find("more than a"), std::string::npos);
}

TEST(InferRequestTest, DeeplyNestedDataNeitherOverflowsTheStackNorIsRejected) {
  constexpr int kDepth = 200000;
  const std::string data = std::string(kDepth, '[') + "7" + std::string(kDepth, ']');
  auto request = ParseInferRequest(OneInput("INT8", "[1]", data), std::nullopt);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->inputs[0].data, "\7");
  const std::string deep_object = std::string(kDepth, '[') + std::string(kDepth, ']');
  EXPECT_EQ(ErrorOf(deep_object), "request body: must be a JSON object, not an array");
}

TEST(InferRequestTest, BinaryDataMustAddUpToTheBody) {
  const auto header_for = [](int size_a, int size_b) {
    return fmt::format(
        R"({{"inputs":[{{"name":"a","datatype":"FP32","shape":[2],"parameters":{{"binary_data_size":{}}}}},)"
        R"({{"name":"b","datatype":"UINT8","shape":[1],"parameters":{{"binary_data_size":{}}}}}]}})",
        size_a, size_b);
  };
  const std::string ok_header = header_for(8, 1);
  EXPECT_EQ(ErrorOf(ok_header + std::string(9, '\0'), ok_header.size()), "parsed");
  EXPECT_EQ(ErrorOf(ok_header + std::string(10, '\0'), ok_header.size()),
            "binary data: 1 bytes after the JSON header that no input's parameters.binary_data_size claims");
  EXPECT_EQ(ErrorOf(ok_header + std::string(8, '\0'), ok_header.size()),
            "inputs[1].parameters.binary_data_size: 1 bytes, but 0 are left after the JSON header");
  const std::string short_header = header_for(4, 5);
  EXPECT_EQ(ErrorOf(short_header + std::string(9, '\0'), short_header.size()),
            "inputs[0].parameters.binary_data_size: 4 bytes, 2 FP32 elements take 8");
  EXPECT_EQ(ErrorOf(ok_header, ok_header.size() + 1),
            fmt::format("Inference-Header-Content-Length: {} bytes, more than the body's {}", ok_header.size() + 1,
                        ok_header.size()));
  EXPECT_EQ(ErrorOf(ok_header + std::string(9, '\0')),
            fmt::format("request body: not valid JSON (a NUL byte at byte {}; binary data needs the "
                        "Inference-Header-Content-Length header)",
                        ok_header.size()));
  EXPECT_EQ(ErrorOf(ok_header),
            "inputs[0].parameters.binary_data_size: binary data needs the Inference-Header-Content-Length header");
}

TEST(InferRequestTest, BinaryTensorsAreCheckedLikeJsonOnes) {
  const auto body_of = [](std::string_view datatype, int elements, const std::string& raw) {
    const std::string header = fmt::format(
        R"({{"inputs":[{{"name":"x","datatype":"{}","shape":[{}],"parameters":{{"binary_data_size":{}}}}}]}})",
        datatype, elements, raw.size());
    return std::make_pair(header + raw, header.size());
  };
  auto [bools, bools_header] = body_of("BOOL", 3, std::string("\1\2\0", 3));
  EXPECT_EQ(ErrorOf(bools, bools_header), "inputs[0].data[1]: byte 2 is not a BOOL (0 or 1)");
  auto [bytes, bytes_header] = body_of("BYTES", 2, BytesData({"ab", "c"}));
  EXPECT_EQ(ErrorOf(bytes, bytes_header), "parsed");
  auto [few, few_header] = body_of("BYTES", 3, BytesData({"ab", "c"}));
  EXPECT_EQ(ErrorOf(few, few_header), "inputs[0].shape: 3 elements, binary data holds 2");
  auto [cut, cut_header] = body_of("BYTES", 1, BytesData({"abc"}).substr(0, 6));
  EXPECT_EQ(ErrorOf(cut, cut_header), "inputs[0]: BYTES element 0: length 3 runs past the data's end (2 left)");
}

TEST(InferRequestTest, MalformedRequestsNameTheirField) {
  EXPECT_EQ(ErrorOf("{\"inputs\": [}"), "request body: not valid JSON (it breaks at byte 13 of 13)");
  EXPECT_EQ(ErrorOf("{\"inputs\": ["), "request body: not valid JSON (it ends unfinished after 12 bytes)");
  EXPECT_EQ(ErrorOf("[]"), "request body: must be a JSON object, not an array");
  EXPECT_EQ(ErrorOf("{}"), "inputs: missing");
  EXPECT_EQ(ErrorOf(R"({"inputs":[]})"), "inputs: empty; a request needs at least one input");
  EXPECT_EQ(ErrorOf(R"({"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]})"), "inputs[0].name: missing");
  EXPECT_EQ(ErrorOf(R"({"inputs":[{"name":"x","shape":[1],"data":[1]}]})"), "inputs[0].datatype: missing");
  EXPECT_EQ(ErrorOf(R"({"inputs":[{"name":"x","datatype":"FP32","data":[1]}]})"), "inputs[0].shape: missing");
  EXPECT_EQ(ErrorOf(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1]}]})"),
            "inputs[0].data: missing (and no parameters.binary_data_size)");
  EXPECT_EQ(ErrorOf(OneInput("FP8", "[1]", "[1]")).substr(0, 48), "inputs[0].datatype: \"FP8\" is an unknown datatype");
  const std::string twice = R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]},)"
                            R"({"name":"x","datatype":"FP32","shape":[1],"data":[2]}]})";
  EXPECT_EQ(ErrorOf(twice), "inputs[1].name: \"x\" appears twice");
  EXPECT_EQ(
      ErrorOf(
          R"({"parameters":{"binary_data_output":1},"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]})"),
      "parameters.binary_data_output: must be true or false");
  EXPECT_EQ(ErrorOf(R"({"parameters":{"k\n":[1]},"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]})"),
            "parameters.k?: an array is not a string, number or boolean");
  EXPECT_EQ(ErrorOf(R"({"id":7,"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]})"),
            "id: 7 is not a string");
  EXPECT_EQ(ErrorOf(R"({"outputs":[{"name":"y","parameters":{"binary_data":"yes"}}],)"
                    R"("inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]})"),
            "outputs[0].parameters.binary_data: must be true or false");
}

TEST(InferResponseTest, OutputsGoBinaryWhenAskedOneByOneOrAll) {
  InferResponse response;
  response.model_name = "m";
  response.outputs = {MakeTensor("a", WireType::kFp32, {1}, Raw<float>({1})),
                      MakeTensor("b", WireType::kInt64, {1}, Raw<std::int64_t>({2}))};
  InferRequest plain;
  const HttpBody json_body = EncodeInferResponse(response, plain);
  EXPECT_EQ(json_body.content_type, "application/json");
  EXPECT_FALSE(json_body.json_header_bytes);
  EXPECT_EQ(json::parse(json_body.body)["outputs"][0]["data"], json::parse("[1.0]"));

  InferRequest one;
  one.outputs = {{"a", true, {}}};
  const HttpBody one_body = EncodeInferResponse(response, one);
  EXPECT_EQ(one_body.content_type, "application/octet-stream");
  ASSERT_TRUE(one_body.json_header_bytes);
  const json header = json::parse(one_body.body.substr(0, *one_body.json_header_bytes));
  EXPECT_EQ(header["outputs"][0]["parameters"]["binary_data_size"], 4);
  EXPECT_FALSE(header["outputs"][0].contains("data"));
  EXPECT_EQ(header["outputs"][1]["data"], json::parse("[2]"));
  EXPECT_EQ(one_body.body.substr(*one_body.json_header_bytes), Raw<float>({1}));

  InferRequest all;
  all.parameters["binary_data_output"] = true;
  const HttpBody all_body = EncodeInferResponse(response, all);
  EXPECT_EQ(all_body.body.substr(*all_body.json_header_bytes), Raw<float>({1}) + Raw<std::int64_t>({2}));
}

TEST(InferResponseTest, WhatJsonCannotCarryGoesBinary) {
  InferResponse response;
  response.outputs = {MakeTensor("nan", WireType::kFp32, {2}, Raw<float>({1, std::nanf("")})),
                      MakeTensor("inf", WireType::kFp16, {1}, Raw<std::uint16_t>({0x7C00})),
                      MakeTensor("image", WireType::kBytes, {1}, BytesData({"\xff\xd8\xff"})),
                      MakeTensor("text", WireType::kBytes, {1}, BytesData({"ok"}))};
  const HttpBody body = EncodeInferResponse(response, InferRequest{});
  ASSERT_TRUE(body.json_header_bytes);
  const json header = json::parse(body.body.substr(0, *body.json_header_bytes));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(header["outputs"][i]["parameters"].contains("binary_data_size")) << i;
  EXPECT_EQ(header["outputs"][3]["data"], json::parse(R"(["ok"])"));
  auto parsed = ParseInferResponse(body.body, body.json_header_bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->outputs, response.outputs);
}

TEST(InferRequestTest, EncodingAsksForBinaryOutputs) {
  InferRequest request = RequestOf({MakeTensor("x", WireType::kFp32, {1}, Raw<float>({1}))});
  request.outputs = {{"y", false, {}}};
  const HttpBody body = EncodeInferRequest(request, false, true);
  const json parsed = json::parse(body.body);
  EXPECT_EQ(parsed["parameters"]["binary_data_output"], true);
  EXPECT_EQ(parsed["outputs"][0]["parameters"]["binary_data"], true);
  auto back = ParseInferRequest(body.body, body.json_header_bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->outputs[0].binary_data);
}

TEST(InferRequestTest, EncodingNeverThrowsOnInvalidUtf8Names) {
  InferRequest request = RequestOf({MakeTensor("bad\xff", WireType::kFp32, {1}, Raw<float>({1}))});
  request.id = "\xc3";
  const HttpBody body = EncodeInferRequest(request, false, false);
  auto parsed = ParseInferRequest(body.body, body.json_header_bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->inputs[0].name, "bad\xef\xbf\xbd");  // U+FFFD replaces the stray byte
}

TEST(ErrorBodyTest, MessagesQuotingLongNamesStayValidUtf8) {
  // A 2-byte character straddles the 64-byte cut (fuzz_model_metadata found the message
  // losing it half-way).
  const std::string name = std::string(63, 'a') + "\xc3\xa9" + "tail";
  const std::string twice = fmt::format(R"({{"inputs":[{{"name":"{0}","datatype":"FP32","shape":[1],"data":[1]}},)"
                                        R"({{"name":"{0}","datatype":"FP32","shape":[1],"data":[1]}}]}})",
                                        name);
  const std::string message = ErrorOf(twice);
  EXPECT_EQ(message, "inputs[1].name: \"" + std::string(63, 'a') + "...\" appears twice");
  EXPECT_EQ(ParseErrorBody(ErrorBody(message)), message);
}

TEST(ErrorBodyTest, RoundTripsMessagesWithQuotes) {
  const std::string message = "inputs[0].name: \"x\" appears twice";
  EXPECT_EQ(json::parse(ErrorBody(message)), json({{"error", message}}));
  EXPECT_EQ(ParseErrorBody(ErrorBody(message)), message);
  EXPECT_EQ(ParseErrorBody(R"({"outputs":[]})"), std::nullopt);
  EXPECT_EQ(ParseErrorBody("not json"), std::nullopt);
}

TEST(TensorHelpersTest, BytesElementsAndNumericValues) {
  const std::string data = BytesData({"ab", "", "c"});
  auto elements = BytesElements(data);
  ASSERT_TRUE(elements.ok());
  EXPECT_EQ(*elements, (std::vector<std::string_view>{"ab", "", "c"}));
  EXPECT_FALSE(BytesElements(std::string("\5\0\0", 3)).ok());
  EXPECT_EQ(NumericValues(MakeTensor("h", WireType::kFp16, {2}, Raw<std::uint16_t>({0x3C00, 0xC000}))),
            (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(NumericValues(MakeTensor("b", WireType::kBool, {2}, std::string("\1\0", 2))),
            (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(MakeTensor("s", WireType::kFp32, {}, "").ElementCount(), 1);
  EXPECT_EQ(MakeTensor("n", WireType::kFp32, {2, -1}, "").ElementCount(), -1);
  EXPECT_EQ(MakeTensor("o", WireType::kFp32, {1LL << 62, 4}, "").ElementCount(), -1);
  EXPECT_EQ(MakeTensor("z", WireType::kFp32, {1LL << 62, 4, 0}, "").ElementCount(), 0);
}

TEST(ModelMetadataTest, RoundTripsAndParsesTheSpecExample) {
  ModelMetadata metadata{"resnet",
                         {"1", "2"},
                         "onnxruntime_onnx",
                         {{"input", WireType::kFp32, {-1, 3, 224, 224}}},
                         {{"logits", WireType::kFp32, {-1, 1000}}},
                         {}};
  auto back = ParseModelMetadata(EncodeModelMetadata(metadata));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, metadata);
  auto spec = ParseModelMetadata(R"({"name":"mymodel","platform":"onnxruntime_onnx",
      "inputs":[{"name":"input0","datatype":"UINT32","shape":[2,2]}],
      "outputs":[{"name":"output0","datatype":"FP32","shape":[3,2]}]})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_TRUE(spec->versions.empty());
  EXPECT_EQ(spec->outputs[0].shape, (std::vector<std::int64_t>{3, 2}));
}

TEST(ModelMetadataTest, ErrorsNameTheField) {
  const auto error = [](std::string_view text) { return ParseModelMetadata(text).status().message(); };
  EXPECT_EQ(error(R"({"name":"m","inputs":[{"name":"x","datatype":"FP32","shape":[1,-2]}],"outputs":[]})"),
            "inputs[0].shape[1]: -2 is not a dimension (an integer >= 0, or -1 for dynamic)");
  EXPECT_EQ(error(R"({"name":"m","inputs":[],"outputs":[{"name":"y","datatype":"F","shape":[]}]})").substr(0, 43),
            "outputs[0].datatype: \"F\" is an unknown data");
  EXPECT_EQ(error(R"({"inputs":[],"outputs":[]})"), "name: missing");
  EXPECT_EQ(error(R"({"name":"m","versions":[1],"inputs":[],"outputs":[]})"), "versions[0]: must be a string");
  EXPECT_EQ(error("{"), "model metadata: not valid JSON (it ends unfinished after 1 bytes)");
}

}  // namespace
}  // namespace sweetspot
