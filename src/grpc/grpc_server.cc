#include "sweetspot/grpc_server.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <map>
#include <utility>

#include "grpc/grpc_log.h"
#include "grpc/proto_conversion.h"
#include "kserve_v2.grpc.pb.h"

namespace sweetspot {
namespace {

using grpc_conversion::ToGrpcStatus;
using Clock = std::chrono::steady_clock;

class InferenceService final : public inference::GRPCInferenceService::Service {
 public:
  explicit InferenceService(ModelServer& server) : server_(server) {}

  void SetInferHandler(const std::string& model, InferHandler handler) { handlers_[model] = std::move(handler); }

  grpc::Status ServerLive(grpc::ServerContext*, const inference::ServerLiveRequest*,
                          inference::ServerLiveResponse* response) override {
    response->set_live(server_.Live());
    return grpc::Status::OK;
  }

  grpc::Status ServerReady(grpc::ServerContext*, const inference::ServerReadyRequest*,
                           inference::ServerReadyResponse* response) override {
    response->set_ready(server_.Ready());
    return grpc::Status::OK;
  }

  // An unknown model or version is NOT_FOUND (as ModelMetadata and HTTP's
  // 404 answer it), not "not ready": the client named something wrong.
  grpc::Status ModelReady(grpc::ServerContext*, const inference::ModelReadyRequest* request,
                          inference::ModelReadyResponse* response) override {
    const auto metadata = server_.Metadata(request->name(), request->version());
    if (!metadata.ok()) return ToGrpcStatus(metadata.status());
    response->set_ready(server_.ModelReady(request->name(), request->version()));
    return grpc::Status::OK;
  }

  grpc::Status ServerMetadata(grpc::ServerContext*, const inference::ServerMetadataRequest*,
                              inference::ServerMetadataResponse* response) override {
    response->set_name("sweetspot");
    response->set_version(SWEETSPOT_VERSION);
    // As GET /v2 names them (docs/serve.md); the binary data extension is
    // REST's: gRPC carries raw tensors natively.
    response->add_extensions("sweetspot_image_bytes");
    response->add_extensions("sweetspot_stage_times");
    response->add_extensions("sweetspot_detections");
    return grpc::Status::OK;
  }

  grpc::Status ModelMetadata(grpc::ServerContext*, const inference::ModelMetadataRequest* request,
                             inference::ModelMetadataResponse* response) override {
    const auto metadata = server_.Metadata(request->name(), request->version());
    if (!metadata.ok()) return ToGrpcStatus(metadata.status());
    grpc_conversion::MetadataToProto(*metadata, response);
    return grpc::Status::OK;
  }

  grpc::Status ModelInfer(grpc::ServerContext*, const inference::ModelInferRequest* request,
                          inference::ModelInferResponse* response) override {
    const auto converted = grpc_conversion::RequestFromProto(*request);
    if (!converted.ok()) {
      CountEarlyFailure(request->model_name(), converted.status());
      return ToGrpcStatus(converted.status());
    }
    const auto handler = handlers_.find(converted->model_name);
    const auto answer = handler != handlers_.end() ? handler->second(*converted) : server_.Infer(*converted);
    if (!answer.ok()) return ToGrpcStatus(answer.status());
    const Clock::time_point start = Clock::now();
    grpc_conversion::ResponseToProto(*answer, grpc_conversion::WantsRawOutputs(*request), response);
    server_.RecordSerializeTime(request->model_name(),
                                std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    return grpc::Status::OK;
  }

 private:
  // A request the engine never saw (not convertible), counted as the engine
  // counts its own answers (by the HTTP status it maps to), as HTTP does.
  void CountEarlyFailure(const std::string& model, const Status& status) {
    server_.metrics()
        .GetCounter("sweetspot_requests_total", "Inference requests answered, by model and HTTP status code",
                    {{"model", model}, {"code", std::to_string(HttpStatusFor(status))}})
        .Increment();
  }

  ModelServer& server_;
  std::map<std::string, InferHandler> handlers_;  // set before Start, read-only after
};

// gRPC's address syntax: an IPv6 literal goes in brackets.
std::string ListenAddress(const std::string& host, int port) {
  if (host.find(':') != std::string::npos && host.front() != '[') return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace

struct GrpcFrontEnd::Impl {
  Impl(ModelServer& engine, GrpcServerOptions server_options)
      : model_server(engine), options(std::move(server_options)), service(engine), quota("sweetspot_grpc") {}

  ModelServer& model_server;
  GrpcServerOptions options;
  InferenceService service;
  grpc::ResourceQuota quota;
  std::unique_ptr<grpc::Server> server;
};

GrpcFrontEnd::GrpcFrontEnd(ModelServer& server, GrpcServerOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

GrpcFrontEnd::~GrpcFrontEnd() { Stop(); }

void GrpcFrontEnd::SetInferHandler(const std::string& model, InferHandler handler) {
  assert(impl_->server == nullptr && "SetInferHandler is called before Start");
  impl_->service.SetInferHandler(model, std::move(handler));
}

Result<int> GrpcFrontEnd::Start() {
  assert(impl_->server == nullptr && "Start is called once");
  const GrpcServerOptions& options = impl_->options;
  const std::string address = ListenAddress(options.host, options.port);
  grpc_log::ForwardGrpcLog();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  // gRPC sets SO_REUSEPORT by default, so a second server on a used port
  // would bind without error and steal half the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<std::size_t>(options.max_message_bytes, INT_MAX)));
  impl_->quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(impl_->quota);
  builder.RegisterService(&impl_->service);
  impl_->server = builder.BuildAndStart();
  if (impl_->server == nullptr || bound_port == 0) {
    impl_->server.reset();
    return Status::FailedPrecondition(
        fmt::format("gRPC address {}: cannot listen there (the port is in use, or the host is not an address of this "
                    "machine)",
                    address));
  }
  return bound_port;
}

void GrpcFrontEnd::Stop() {
  if (impl_->server == nullptr) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + impl_->options.shutdown_timeout);
  impl_->server->Wait();
  impl_->server.reset();
  impl_->model_server.BeginShutdown();
  impl_->model_server.WaitIdle();
}

}  // namespace sweetspot
