// The conversion between kserve_v2.proto's messages and the codec's types,
// without a server: typed and raw contents, every datatype family, and the
// checks on what arrives from the wire.
#include "proto_conversion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sweetspot {
namespace {

using grpc_conversion::RequestFromProto;
using grpc_conversion::RequestToProto;
using grpc_conversion::ResponseFromProto;
using grpc_conversion::ResponseToProto;
using ::testing::HasSubstr;

template <typename T>
std::string Raw(const std::vector<T>& values) {
  std::string data(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(data.data(), values.data(), data.size());
  return data;
}

InferTensor Tensor(std::string name, WireType type, std::vector<std::int64_t> shape, std::string data = "") {
  InferTensor tensor;
  tensor.name = std::move(name);
  tensor.datatype = type;
  tensor.shape = std::move(shape);
  tensor.data = std::move(data);
  return tensor;
}

inference::ModelInferRequest OneInput(const std::string& datatype, std::vector<std::int64_t> shape) {
  inference::ModelInferRequest proto;
  proto.set_model_name("m");
  auto* input = proto.add_inputs();
  input->set_name("x");
  input->set_datatype(datatype);
  for (std::int64_t dim : shape) input->add_shape(dim);
  return proto;
}

TEST(GrpcConversionTest, TypedFp32InputBecomesRawData) {
  auto proto = OneInput("FP32", {1, 3});
  proto.set_model_version("2");
  proto.set_id("req-7");
  for (float v : {1.5F, -2.0F, 3.25F}) proto.mutable_inputs(0)->mutable_contents()->add_fp32_contents(v);
  (*proto.mutable_parameters())["binary_data_output"].set_bool_param(true);
  proto.add_outputs()->set_name("y");

  const auto request = RequestFromProto(proto);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->model_name, "m");
  EXPECT_EQ(request->model_version, "2");
  EXPECT_EQ(request->id, "req-7");
  ASSERT_EQ(request->inputs.size(), 1U);
  EXPECT_EQ(request->inputs[0].datatype, WireType::kFp32);
  EXPECT_EQ(request->inputs[0].shape, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(request->inputs[0].data, Raw<float>({1.5F, -2.0F, 3.25F}));
  EXPECT_EQ(std::get<bool>(request->parameters.at("binary_data_output")), true);
  ASSERT_EQ(request->outputs.size(), 1U);
  EXPECT_EQ(request->outputs[0].name, "y");
  EXPECT_TRUE(grpc_conversion::WantsRawOutputs(proto));
}

TEST(GrpcConversionTest, NarrowIntegerTypesAreCheckedAndPacked) {
  auto proto = OneInput("INT8", {3});
  for (int v : {-128, 0, 127}) proto.mutable_inputs(0)->mutable_contents()->add_int_contents(v);
  auto request = RequestFromProto(proto);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->inputs[0].data, Raw<std::int8_t>({-128, 0, 127}));

  proto.mutable_inputs(0)->mutable_contents()->set_int_contents(1, 300);
  request = RequestFromProto(proto);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(request.status().message(), "inputs[0].contents.int_contents[1]: 300 does not fit INT8");
}

TEST(GrpcConversionTest, EveryTypedFamilyPacksAsTheBinaryExtensionDoes) {
  auto uint16 = OneInput("UINT16", {2});
  uint16.mutable_inputs(0)->mutable_contents()->add_uint_contents(65535);
  uint16.mutable_inputs(0)->mutable_contents()->add_uint_contents(7);
  auto boolean = OneInput("BOOL", {2});
  boolean.mutable_inputs(0)->mutable_contents()->add_bool_contents(true);
  boolean.mutable_inputs(0)->mutable_contents()->add_bool_contents(false);
  auto int64 = OneInput("INT64", {1});
  int64.mutable_inputs(0)->mutable_contents()->add_int64_contents(-(std::int64_t{1} << 40));
  auto fp64 = OneInput("FP64", {1});
  fp64.mutable_inputs(0)->mutable_contents()->add_fp64_contents(0.125);
  auto bytes = OneInput("BYTES", {2});
  bytes.mutable_inputs(0)->mutable_contents()->add_bytes_contents("ab");
  bytes.mutable_inputs(0)->mutable_contents()->add_bytes_contents("");

  EXPECT_EQ(RequestFromProto(uint16)->inputs[0].data, Raw<std::uint16_t>({65535, 7}));
  EXPECT_EQ(RequestFromProto(boolean)->inputs[0].data, std::string("\x01\x00", 2));
  EXPECT_EQ(RequestFromProto(int64)->inputs[0].data, Raw<std::int64_t>({-(std::int64_t{1} << 40)}));
  EXPECT_EQ(RequestFromProto(fp64)->inputs[0].data, Raw<double>({0.125}));
  EXPECT_EQ(RequestFromProto(bytes)->inputs[0].data, std::string("\x02\0\0\0ab\0\0\0\0", 10));
}

TEST(GrpcConversionTest, TypedContentsMustMatchShapeAndDatatype) {
  auto short_data = OneInput("FP32", {1, 784});
  for (int i = 0; i < 783; ++i) short_data.mutable_inputs(0)->mutable_contents()->add_fp32_contents(0.0F);
  EXPECT_EQ(RequestFromProto(short_data).status().message(),
            "inputs[0].contents.fp32_contents: 783 elements, shape [1,784] holds 784");

  auto wrong_field = OneInput("INT64", {1});
  wrong_field.mutable_inputs(0)->mutable_contents()->add_fp32_contents(1.0F);
  EXPECT_EQ(RequestFromProto(wrong_field).status().message(),
            "inputs[0].contents: the elements of a INT64 tensor go in int64_contents");

  auto fp16 = OneInput("FP16", {1});
  EXPECT_THAT(RequestFromProto(fp16).status().message(), HasSubstr("raw_input_contents"));

  auto dynamic = OneInput("FP32", {-1, 2});
  EXPECT_THAT(RequestFromProto(dynamic).status().message(), HasSubstr("inputs[0].shape[0]: -1"));

  auto unknown_type = OneInput("FLOAT", {1});
  const auto status = RequestFromProto(unknown_type).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("inputs[0].datatype"));
}

TEST(GrpcConversionTest, RawInputsAreCheckedAgainstTheShape) {
  auto proto = OneInput("FP16", {2, 2});
  proto.add_raw_input_contents(std::string(8, '\x3c'));
  auto request = RequestFromProto(proto);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->inputs[0].data, std::string(8, '\x3c'));
  EXPECT_TRUE(grpc_conversion::WantsRawOutputs(proto));

  proto.set_raw_input_contents(0, std::string(7, '\0'));
  EXPECT_EQ(RequestFromProto(proto).status().message(),
            "raw_input_contents[0]: 7 bytes, a FP16 tensor of shape [2,2] is 8 bytes");

  auto bytes = OneInput("BYTES", {2});
  bytes.add_raw_input_contents(std::string("\x01\0\0\0a\x05\0\0\0b", 10));
  EXPECT_THAT(RequestFromProto(bytes).status().message(), HasSubstr("raw_input_contents[0]: BYTES element 1"));

  auto two_inputs = OneInput("FP32", {1});
  *two_inputs.add_inputs() = two_inputs.inputs(0);
  two_inputs.add_raw_input_contents(Raw<float>({1.0F}));
  EXPECT_EQ(RequestFromProto(two_inputs).status().message(),
            "raw_input_contents: 1 entries for 2 inputs; one per tensor, in the order of inputs");

  auto both = OneInput("FP32", {1});
  both.mutable_inputs(0)->mutable_contents()->add_fp32_contents(1.0F);
  both.add_raw_input_contents(Raw<float>({1.0F}));
  EXPECT_THAT(RequestFromProto(both).status().message(), HasSubstr("inputs[0].contents: set although"));
}

InferResponse SampleResponse() {
  InferResponse response;
  response.model_name = "m";
  response.model_version = "1";
  response.id = "abc";
  response.parameters = {{"sweetspot_queue_us", 12.5}, {"sweetspot_batch_size", std::int64_t{4}}};
  response.outputs.push_back(Tensor("probs", WireType::kFp32, {1, 2}, Raw<float>({0.25F, 0.75F})));
  response.outputs.push_back(Tensor("label", WireType::kInt64, {1}, Raw<std::int64_t>({1})));
  return response;
}

void ExpectSameResponse(const InferResponse& a, const InferResponse& b) {
  EXPECT_EQ(a.model_name, b.model_name);
  EXPECT_EQ(a.model_version, b.model_version);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.parameters, b.parameters);
  EXPECT_EQ(a.outputs, b.outputs);
}

TEST(GrpcConversionTest, ResponsesRoundTripTypedAndRaw) {
  for (bool raw : {false, true}) {
    inference::ModelInferResponse proto;
    ResponseToProto(SampleResponse(), raw, &proto);
    EXPECT_EQ(proto.raw_output_contents_size(), raw ? 2 : 0);
    EXPECT_EQ(proto.outputs(0).contents().fp32_contents_size(), raw ? 0 : 2);
    EXPECT_EQ(proto.parameters().at("sweetspot_queue_us").double_param(), 12.5);
    const auto back = ResponseFromProto(proto);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSameResponse(*back, SampleResponse());
  }
}

TEST(GrpcConversionTest, Fp16OutputsForceRawForAll) {
  InferResponse response = SampleResponse();
  response.outputs[0] = Tensor("half", WireType::kFp16, {2}, std::string(4, '\0'));
  inference::ModelInferResponse proto;
  ResponseToProto(response, /*raw=*/false, &proto);
  EXPECT_EQ(proto.raw_output_contents_size(), 2);
}

TEST(GrpcConversionTest, RequestsRoundTripFromTheClientSide) {
  InferRequest request;
  request.model_name = "m";
  request.id = "1";
  request.inputs.push_back(Tensor("img", WireType::kBytes, {1}));
  AppendBytesElement(request.inputs[0].data, "\x89PNG");
  request.inputs.push_back(Tensor("x", WireType::kUint8, {3}, "\x01\x02\xff"));
  request.outputs.push_back({.name = "y", .binary_data = true, .parameters = {}});
  for (bool raw : {false, true}) {
    inference::ModelInferRequest proto;
    RequestToProto(request, raw, &proto);
    EXPECT_EQ(proto.raw_input_contents_size(), raw ? 2 : 0);
    const auto back = RequestFromProto(proto);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->inputs, request.inputs);
    ASSERT_EQ(back->outputs.size(), 1U);
    EXPECT_TRUE(back->outputs[0].binary_data);
  }
}

TEST(GrpcConversionTest, MetadataRoundTripsAndIsChecked) {
  const ModelMetadata metadata{.name = "mnist",
                               .versions = {"1"},
                               .platform = "onnxruntime_onnx",
                               .inputs = {{.name = "x", .datatype = WireType::kFp32, .shape = {-1, 1, 28, 28}}},
                               .outputs = {{.name = "y", .datatype = WireType::kFp32, .shape = {-1, 10}}},
                               .detection_classes = {}};
  inference::ModelMetadataResponse proto;
  grpc_conversion::MetadataToProto(metadata, &proto);
  EXPECT_EQ(proto.inputs(0).datatype(), "FP32");
  const auto back = grpc_conversion::MetadataFromProto(proto);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, metadata);

  proto.mutable_outputs(0)->set_shape(0, -2);
  EXPECT_EQ(grpc_conversion::MetadataFromProto(proto).status().message(),
            "outputs[0].shape[0]: -2 is not a dimension (>= 0, or -1 for dynamic)");
}

TEST(GrpcConversionTest, StatusCodesMapBothWays) {
  const std::vector<std::pair<Status, grpc::StatusCode>> cases = {
      {Status::InvalidArgument("a\nb"), grpc::StatusCode::INVALID_ARGUMENT},
      {Status::NotFound("n"), grpc::StatusCode::NOT_FOUND},
      {Status::ResourceExhausted("q"), grpc::StatusCode::RESOURCE_EXHAUSTED},
      {Status::Unavailable("u"), grpc::StatusCode::UNAVAILABLE},
      {Status::RuntimeError("r"), grpc::StatusCode::INTERNAL},
  };
  for (const auto& [status, code] : cases) {
    const grpc::Status wire = grpc_conversion::ToGrpcStatus(status);
    EXPECT_EQ(wire.error_code(), code);
    EXPECT_EQ(wire.error_message().find('\n'), std::string::npos);
    const Status back = grpc_conversion::FromGrpcStatus(wire, "ModelInfer");
    EXPECT_EQ(back.code(), status.code() == StatusCode::kRuntimeError ? StatusCode::kInternal : status.code());
    EXPECT_THAT(back.message(), HasSubstr("ModelInfer: "));
  }
  EXPECT_EQ(grpc_conversion::ToGrpcStatus(Status::InvalidArgument("a\nb")).error_message(), "a b");
  EXPECT_EQ(grpc_conversion::FromGrpcStatus({grpc::StatusCode::DEADLINE_EXCEEDED, "late"}, "x").code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sweetspot
