#include "sweetspot/grpc_client.h"

#include <fmt/format.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "grpc/grpc_log.h"
#include "grpc/proto_conversion.h"
#include "kserve_v2.grpc.pb.h"

namespace sweetspot {
namespace {

using grpc_conversion::FromGrpcStatus;
using Clock = std::chrono::steady_clock;

constexpr char kModelInferMethod[] = "/inference.GRPCInferenceService/ModelInfer";

double MicrosecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

int ClampToInt(std::size_t bytes) { return static_cast<int>(std::min<std::size_t>(bytes, INT_MAX)); }

// ModelInfer goes through the generic stub with messages this class
// serialises and parses itself, so that ClientTimes can tell serialising and
// parsing apart from waiting; the other calls use the generated stub.
class GrpcClient final : public InferenceClient {
 public:
  GrpcClient(const std::shared_ptr<grpc::Channel>& channel, const GrpcClientOptions& options)
      : stub_(inference::GRPCInferenceService::NewStub(channel)), generic_(channel), options_(options) {}
  ~GrpcClient() override {
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }
  GrpcClient(const GrpcClient&) = delete;
  GrpcClient& operator=(const GrpcClient&) = delete;

  Status Live() override {
    grpc::ClientContext context;
    SetDeadline(context);
    inference::ServerLiveResponse response;
    SWEETSPOT_RETURN_IF_ERROR(FromGrpcStatus(stub_->ServerLive(&context, {}, &response), "ServerLive"));
    if (!response.live()) return Status::Unavailable("ServerLive: the server answered that it is not live");
    return {};
  }

  Result<ModelMetadata> Metadata(const std::string& model, const std::string& version) override {
    grpc::ClientContext context;
    SetDeadline(context);
    inference::ModelMetadataRequest request;
    request.set_name(model);
    request.set_version(version);
    inference::ModelMetadataResponse response;
    SWEETSPOT_RETURN_IF_ERROR(FromGrpcStatus(stub_->ModelMetadata(&context, request, &response), "ModelMetadata"));
    auto metadata = grpc_conversion::MetadataFromProto(response);
    if (!metadata.ok()) return metadata.status().WithContext("ModelMetadata answer");
    return metadata;
  }

  Result<InferResponse> Infer(const InferRequest& request, ClientTimes* times) override {
    ClientTimes local;
    Clock::time_point start = Clock::now();
    inference::ModelInferRequest request_proto;
    grpc_conversion::RequestToProto(request, options_.raw_contents, &request_proto);
    grpc::ByteBuffer request_bytes;
    bool own_buffer = false;
    const grpc::Status serialized =
        grpc::SerializationTraits<inference::ModelInferRequest>::Serialize(request_proto, &request_bytes, &own_buffer);
    SWEETSPOT_RETURN_IF_ERROR(FromGrpcStatus(serialized, "ModelInfer request"));
    local.serialize_us = MicrosecondsSince(start);

    start = Clock::now();
    grpc::ByteBuffer response_bytes;
    SWEETSPOT_RETURN_IF_ERROR(Call(request_bytes, &response_bytes));
    local.wait_us = MicrosecondsSince(start);

    start = Clock::now();
    inference::ModelInferResponse response_proto;
    const grpc::Status parsed =
        grpc::SerializationTraits<inference::ModelInferResponse>::Deserialize(&response_bytes, &response_proto);
    SWEETSPOT_RETURN_IF_ERROR(FromGrpcStatus(parsed, "ModelInfer answer"));
    auto response = grpc_conversion::ResponseFromProto(response_proto);
    local.parse_us = MicrosecondsSince(start);
    if (times != nullptr) *times = local;
    if (!response.ok()) return response.status().WithContext("ModelInfer answer");
    return response;
  }

 private:
  void SetDeadline(grpc::ClientContext& context) const {
    context.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
  }

  // One unary ModelInfer call, waited for on this client's completion queue.
  Status Call(const grpc::ByteBuffer& request, grpc::ByteBuffer* response) {
    grpc::ClientContext context;
    SetDeadline(context);
    const auto call = generic_.PrepareUnaryCall(&context, kModelInferMethod, request, &queue_);
    call->StartCall();
    grpc::Status status;
    int done_tag = 0;
    call->Finish(response, &status, &done_tag);
    void* tag = nullptr;
    bool ok = false;
    if (!queue_.Next(&tag, &ok) || tag != &done_tag || !ok) {
      return Status::Internal("ModelInfer: the call ended without a status (gRPC completion queue)");
    }
    return FromGrpcStatus(status, "ModelInfer");
  }

  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
  grpc::GenericStub generic_;
  grpc::CompletionQueue queue_;
  GrpcClientOptions options_;
};

}  // namespace

Result<std::unique_ptr<InferenceClient>> ConnectGrpcClient(const std::string& host_port,
                                                           const GrpcClientOptions& options) {
  if (host_port.empty() || host_port.find("://") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("gRPC address '{}': give HOST:PORT, e.g. 127.0.0.1:8001", host_port));
  }
  grpc_log::ForwardGrpcLog();
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(ClampToInt(options.max_message_bytes));
  arguments.SetMaxSendMessageSize(-1);
  // Each client its own connection (gRPC shares one among channels to the
  // same address by default): concurrent clients then load the server the
  // way concurrent REST clients do, instead of queueing on one TCP stream.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(host_port, grpc::InsecureChannelCredentials(), arguments);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + options.connect_timeout)) {
    return Status::Unavailable(fmt::format("grpc://{}: no connection within {} ms; is a gRPC server listening there?",
                                           host_port, options.connect_timeout.count()));
  }
  return std::unique_ptr<InferenceClient>(std::make_unique<GrpcClient>(channel, options));
}

}  // namespace sweetspot
