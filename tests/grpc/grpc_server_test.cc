// The gRPC front end over real loopback sockets (port 0), driven through the
// stub generated from kserve_v2.proto, as Triton's and KServe's clients are
// built; and the gRPC InferenceClient against it.
#include "sweetspot/grpc_server.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kserve_v2.grpc.pb.h"
#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/grpc_client.h"
#include "sweetspot/http_server.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Stub = inference::GRPCInferenceService::Stub;

std::string RawFloats(const std::vector<float>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)};
}

std::vector<float> Floats(const std::string& raw) {
  std::vector<float> values(raw.size() / sizeof(float));
  std::memcpy(values.data(), raw.data(), values.size() * sizeof(float));
  return values;
}

// LinearModel: "x" FP32 [N,2] -> "y" FP32 [N,3]; x = [1,1] gives [13,27,41].
inference::ModelInferRequest LinearRequest(const std::string& model, bool raw, std::vector<float> x = {1, 1}) {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  request.set_id("r1");
  auto* input = request.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  input->add_shape(static_cast<std::int64_t>(x.size() / 2));
  input->add_shape(2);
  if (raw) {
    request.add_raw_input_contents(RawFloats(x));
  } else {
    for (float v : x) input->mutable_contents()->add_fp32_contents(v);
  }
  return request;
}

constexpr std::size_t kMaxMessageBytes = 1 << 20;

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override { linear_ = testing::WriteModel(testing::LinearModel(), dir_ / "linear.onnx"); }

  ServedModelOptions Linear() const {
    ServedModelOptions options;
    options.path = linear_;
    return options;
  }

  // Serves `models` (default: the linear model) on a free port.
  void Serve(std::vector<ServedModelOptions> models = {}) {
    if (models.empty()) models.push_back(Linear());
    auto server = ModelServer::Create(std::move(models));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    GrpcServerOptions options;
    options.port = 0;
    options.max_message_bytes = kMaxMessageBytes;
    front_end_ = std::make_unique<GrpcFrontEnd>(*server_, options);
    for (const auto& [model, handler] : handlers_) front_end_->SetInferHandler(model, handler);
    const Result<int> port = front_end_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    stub_ = inference::GRPCInferenceService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Infer(const inference::ModelInferRequest& request, inference::ModelInferResponse* response) {
    grpc::ClientContext context;
    return stub_->ModelInfer(&context, request, response);
  }

  testing::TempDir dir_;
  std::filesystem::path linear_;
  std::map<std::string, InferHandler> handlers_;  // set before Serve
  std::unique_ptr<ModelServer> server_;
  std::unique_ptr<GrpcFrontEnd> front_end_;
  int port_ = 0;
  std::unique_ptr<Stub> stub_;
};

TEST_F(GrpcServerTest, HealthAndMetadataRpcs) {
  Serve();
  grpc::ClientContext live_context;
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(&live_context, {}, &live).ok());
  EXPECT_TRUE(live.live());

  grpc::ClientContext ready_context;
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(&ready_context, {}, &ready).ok());
  EXPECT_TRUE(ready.ready());

  grpc::ClientContext server_context;
  inference::ServerMetadataResponse server_metadata;
  ASSERT_TRUE(stub_->ServerMetadata(&server_context, {}, &server_metadata).ok());
  EXPECT_EQ(server_metadata.name(), "sweetspot");
  EXPECT_EQ(server_metadata.version(), SWEETSPOT_VERSION);
  EXPECT_THAT(server_metadata.extensions(),
              ElementsAre("sweetspot_image_bytes", "sweetspot_stage_times", "sweetspot_detections"));

  grpc::ClientContext model_context;
  inference::ModelMetadataRequest model_request;
  model_request.set_name("linear");
  inference::ModelMetadataResponse model;
  ASSERT_TRUE(stub_->ModelMetadata(&model_context, model_request, &model).ok());
  EXPECT_EQ(model.name(), "linear");
  EXPECT_THAT(model.versions(), ElementsAre("1"));
  EXPECT_EQ(model.platform(), "onnxruntime_onnx");
  ASSERT_EQ(model.inputs_size(), 1);
  EXPECT_EQ(model.inputs(0).name(), "x");
  EXPECT_EQ(model.inputs(0).datatype(), "FP32");
  EXPECT_THAT(model.inputs(0).shape(), ElementsAre(-1, 2));
  ASSERT_EQ(model.outputs_size(), 1);
  EXPECT_THAT(model.outputs(0).shape(), ElementsAre(-1, 3));
}

TEST_F(GrpcServerTest, ModelReadyForKnownAndUnknownModels) {
  Serve();
  const auto model_ready = [&](const std::string& name, const std::string& version, bool* ready) {
    grpc::ClientContext context;
    inference::ModelReadyRequest request;
    request.set_name(name);
    request.set_version(version);
    inference::ModelReadyResponse response;
    const grpc::Status status = stub_->ModelReady(&context, request, &response);
    *ready = response.ready();
    return status;
  };
  bool ready = false;
  EXPECT_TRUE(model_ready("linear", "", &ready).ok());
  EXPECT_TRUE(ready);
  EXPECT_TRUE(model_ready("linear", "1", &ready).ok());
  EXPECT_TRUE(ready);
  EXPECT_EQ(model_ready("nope", "", &ready).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(model_ready("linear", "7", &ready).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, InferWithTypedContentsAnswersTyped) {
  Serve();
  inference::ModelInferResponse response;
  const grpc::Status status = Infer(LinearRequest("linear", /*raw=*/false, {1, 1, 0, 0}), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model_name(), "linear");
  EXPECT_EQ(response.model_version(), "1");
  EXPECT_EQ(response.id(), "r1");
  EXPECT_EQ(response.raw_output_contents_size(), 0);
  ASSERT_EQ(response.outputs_size(), 1);
  EXPECT_EQ(response.outputs(0).name(), "y");
  EXPECT_EQ(response.outputs(0).datatype(), "FP32");
  EXPECT_THAT(response.outputs(0).shape(), ElementsAre(2, 3));
  EXPECT_THAT(response.outputs(0).contents().fp32_contents(), ElementsAre(13, 27, 41, 10, 20, 30));
  // The server's stage times, as over HTTP.
  EXPECT_EQ(response.parameters().at("sweetspot_batch_size").int64_param(), 2);
  EXPECT_GE(response.parameters().at("sweetspot_inference_us").double_param(), 0.0);
  EXPECT_TRUE(response.parameters().contains("sweetspot_queue_us"));
  EXPECT_TRUE(response.parameters().contains("sweetspot_preprocess_us"));
}

TEST_F(GrpcServerTest, InferWithRawContentsAnswersRaw) {
  Serve();
  inference::ModelInferResponse response;
  const grpc::Status status = Infer(LinearRequest("linear", /*raw=*/true), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.raw_output_contents_size(), 1);
  EXPECT_EQ(response.outputs(0).contents().fp32_contents_size(), 0);
  EXPECT_EQ(Floats(response.raw_output_contents(0)), (std::vector<float>{13, 27, 41}));
}

TEST_F(GrpcServerTest, BadRequestsGetTheProtocolsCodesAndTheServerKeepsServing) {
  Serve();
  inference::ModelInferResponse response;
  grpc::Status status = Infer(LinearRequest("nope", true), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("nope"));

  auto unknown_version = LinearRequest("linear", true);
  unknown_version.set_model_version("7");
  EXPECT_EQ(Infer(unknown_version, &response).error_code(), grpc::StatusCode::NOT_FOUND);

  auto wrong_datatype = LinearRequest("linear", false);
  wrong_datatype.mutable_inputs(0)->set_datatype("INT64");
  wrong_datatype.mutable_inputs(0)->mutable_contents()->Clear();
  for (int i = 0; i < 2; ++i) wrong_datatype.mutable_inputs(0)->mutable_contents()->add_int64_contents(1);
  status = Infer(wrong_datatype, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("INT64"));

  auto wrong_shape = LinearRequest("linear", true, {1, 2, 3});
  wrong_shape.mutable_inputs(0)->set_shape(0, 1);
  wrong_shape.mutable_inputs(0)->set_shape(1, 3);
  EXPECT_EQ(Infer(wrong_shape, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  auto short_raw = LinearRequest("linear", true);
  short_raw.set_raw_input_contents(0, RawFloats({1}));
  status = Infer(short_raw, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "raw_input_contents[0]: 4 bytes, a FP32 tensor of shape [1,2] is 8 bytes");

  auto too_big = LinearRequest("linear", true, std::vector<float>(kMaxMessageBytes / sizeof(float), 1.0F));
  EXPECT_EQ(Infer(too_big, &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  response.Clear();
  status = Infer(LinearRequest("linear", true), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Floats(response.raw_output_contents(0)), (std::vector<float>{13, 27, 41}));
}

// Waits (polling the metrics, no deadline) until `model`'s queue holds `depth` requests.
void AwaitQueueDepth(ModelServer& server, const std::string& model, int depth) {
  const std::string line = "sweetspot_queue_depth{model=\"" + model + "\"} " + std::to_string(depth) + "\n";
  while (server.metrics().PrometheusText().find(line) == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST_F(GrpcServerTest, AFullQueueIsResourceExhaustedAndShutdownUnavailable) {
  // Batches of 4 rows that wait an hour to fill: two one-row requests stay
  // queued, and with room for two the third is refused.
  ServedModelOptions options = Linear();
  options.batching.max_batch_size = 4;
  options.batching.max_queue_delay = std::chrono::hours(1);
  options.max_queue_size = 2;
  Serve({options});
  std::vector<std::future<grpc::Status>> queued;
  std::vector<inference::ModelInferResponse> answers(2);
  for (auto& answer : answers) {
    queued.push_back(std::async(std::launch::async, [&] { return Infer(LinearRequest("linear", true), &answer); }));
  }
  AwaitQueueDepth(*server_, "linear", 2);
  inference::ModelInferResponse refused;
  const grpc::Status status = Infer(LinearRequest("linear", true), &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("queue full"));

  server_->BeginShutdown();  // the queued batch runs now; new requests are refused
  for (std::size_t i = 0; i < queued.size(); ++i) {
    const grpc::Status answered = queued[i].get();
    ASSERT_TRUE(answered.ok()) << answered.error_message();
    EXPECT_EQ(Floats(answers[i].raw_output_contents(0)), (std::vector<float>{13, 27, 41}));
  }
  EXPECT_EQ(Infer(LinearRequest("linear", true), &refused).error_code(), grpc::StatusCode::UNAVAILABLE);
  grpc::ClientContext context;
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(&context, {}, &ready).ok());
  EXPECT_FALSE(ready.ready());
}

TEST_F(GrpcServerTest, APortInUseIsRefusedAndStopIsIdempotent) {
  Serve();
  GrpcServerOptions options;
  options.port = port_;
  GrpcFrontEnd second(*server_, options);
  const Result<int> port = second.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(port.status().message(), HasSubstr("127.0.0.1:" + std::to_string(port_)));
  options.port = 0;  // the fix `serve` proposes for it
  GrpcFrontEnd third(*server_, options);
  EXPECT_TRUE(third.Start().ok());
  front_end_->Stop();
  front_end_->Stop();
  inference::ModelInferResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EXPECT_FALSE(stub_->ModelInfer(&context, LinearRequest("linear", true), &response).ok());
}

TEST_F(GrpcServerTest, AnInferHandlerAnswersItsModelInPlaceOfTheEngine) {
  ModelServer* engine = nullptr;
  handlers_["linear"] = [&engine](const InferRequest& request) -> Result<InferResponse> {
    Result<InferResponse> response = engine->Infer(request);
    if (response.ok()) response->parameters["sweetspot_job_id"] = std::string("job-1");
    return response;
  };
  handlers_["refuses"] = [](const InferRequest&) -> Result<InferResponse> {
    return Status::InvalidArgument("the handler refuses");
  };
  Serve();
  engine = server_.get();
  inference::ModelInferResponse response;
  grpc::Status status = Infer(LinearRequest("linear", true), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.parameters().at("sweetspot_job_id").string_param(), "job-1");
  EXPECT_EQ(Floats(response.raw_output_contents(0)), (std::vector<float>{13, 27, 41}));
  status = Infer(LinearRequest("refuses", true), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "the handler refuses");
}

InferRequest LinearInferRequest(const std::string& model) {
  InferRequest request;
  request.model_name = model;
  request.id = "c1";
  InferTensor x;
  x.name = "x";
  x.datatype = WireType::kFp32;
  x.shape = {1, 2};
  x.data = RawFloats({1, 1});
  request.inputs.push_back(x);
  return request;
}

TEST_F(GrpcServerTest, TheGrpcClientTalksToTheGrpcServer) {
  Serve();
  for (bool raw : {true, false}) {
    GrpcClientOptions options;
    options.raw_contents = raw;
    auto client = ConnectGrpcClient("127.0.0.1:" + std::to_string(port_), options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    EXPECT_TRUE((*client)->Live().ok());

    const auto metadata = (*client)->Metadata("linear", "");
    ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
    EXPECT_EQ(*metadata, *server_->Metadata("linear", ""));

    ClientTimes times;
    const auto response = (*client)->Infer(LinearInferRequest("linear"), &times);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->id, "c1");
    ASSERT_EQ(response->outputs.size(), 1U);
    EXPECT_EQ(response->outputs[0].shape, (std::vector<std::int64_t>{1, 3}));
    EXPECT_EQ(Floats(response->outputs[0].data), (std::vector<float>{13, 27, 41}));
    EXPECT_EQ(std::get<std::int64_t>(response->parameters.at("sweetspot_batch_size")), 1);
    EXPECT_GT(times.wait_us, 0.0);

    const auto missing = (*client)->Infer(LinearInferRequest("nope"), nullptr);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(missing.status().message(), HasSubstr("ModelInfer: "));
    EXPECT_EQ((*client)->Metadata("nope", "").status().code(), StatusCode::kNotFound);
  }
}

// The same input over gRPC (raw contents) and over HTTP with the binary
// extension, both front ends on one engine: the same outputs, byte for byte.
TEST_F(GrpcServerTest, RawRoundTripEqualsTheHttpAnswer) {
  Serve();
  InferRequest request = LinearInferRequest("linear");
  request.inputs[0].shape = {3, 2};
  request.inputs[0].data = RawFloats({0.5F, -1.25F, 3, 1e-3F, -7, 2});

  HttpServerOptions http_options;
  http_options.port = 0;
  HttpFrontEnd http(*server_, http_options);
  const Result<int> http_port = http.Start();
  ASSERT_TRUE(http_port.ok()) << http_port.status().ToString();
  const HttpBody body = EncodeInferRequest(request, /*binary_inputs=*/true, /*binary_outputs=*/true);
  httplib::Client http_client("127.0.0.1", *http_port);
  const httplib::Headers headers = {
      {std::string(kInferenceHeaderContentLength), std::to_string(body.json_header_bytes.value())}};
  const auto answer = http_client.Post("/v2/models/linear/infer", headers, body.body, body.content_type.c_str());
  ASSERT_TRUE(answer) << httplib::to_string(answer.error());
  ASSERT_EQ(answer->status, 200) << answer->body;
  ASSERT_TRUE(answer->has_header(std::string(kInferenceHeaderContentLength)));
  const auto over_http = ParseInferResponse(
      answer->body, std::stoul(answer->get_header_value(std::string(kInferenceHeaderContentLength))));
  ASSERT_TRUE(over_http.ok()) << over_http.status().ToString();

  auto client = ConnectGrpcClient("127.0.0.1:" + std::to_string(port_));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const auto over_grpc = (*client)->Infer(request, nullptr);
  ASSERT_TRUE(over_grpc.ok()) << over_grpc.status().ToString();
  ASSERT_EQ(over_grpc->outputs.size(), 1U);
  EXPECT_EQ(over_grpc->outputs[0].shape, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(over_grpc->outputs, over_http->outputs);
}

TEST_F(GrpcServerTest, TheGrpcClientSaysWhenNothingListens) {
  Serve();
  const std::string address = "127.0.0.1:" + std::to_string(port_);
  front_end_->Stop();
  GrpcClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(200);
  const auto client = ConnectGrpcClient(address, options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(client.status().message(), HasSubstr("grpc://" + address));
  EXPECT_EQ(ConnectGrpcClient("grpc://" + address).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sweetspot
