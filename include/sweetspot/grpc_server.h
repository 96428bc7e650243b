// The Open Inference Protocol over gRPC (inference.GRPCInferenceService,
// src/grpc/kserve_v2.proto) in front of a ModelServer: ServerLive,
// ServerReady, ModelReady, ServerMetadata, ModelMetadata and ModelInfer.
//
// ModelInfer accepts typed contents and raw_input_contents; the answer is raw
// (raw_output_contents) when the request was raw or asked for binary data
// (binary_data_output / an output's binary_data parameter), else typed
// (FP16 outputs are always raw: the protocol has no typed field for them).
// Its parameters carry the server's times: sweetspot_queue_us,
// sweetspot_preprocess_us, sweetspot_inference_us (double, microseconds) and
// sweetspot_batch_size (int64), as over HTTP (docs/serve.md).
//
// Errors (one-line messages naming the field): ModelServer's InvalidArgument
// -> INVALID_ARGUMENT, NotFound -> NOT_FOUND (also ModelReady and
// ModelMetadata for an unknown model or version), ResourceExhausted (queue
// full) -> RESOURCE_EXHAUSTED, Unavailable (shutting down) -> UNAVAILABLE,
// any other -> INTERNAL. gRPC itself answers RESOURCE_EXHAUSTED to a request
// over max_message_bytes and when max_threads RPCs are already running.
//
// Thread-safety: Start and Stop from one thread; the RPCs run on gRPC's
// threads, calling ModelServer (thread-safe) concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sweetspot/http_server.h"
#include "sweetspot/model_server.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct GrpcServerOptions {
  std::string host = "127.0.0.1";                         // an address of this machine; "0.0.0.0": all
  int port = 8001;                                        // 0: any free port (Start returns it)
  std::size_t max_message_bytes = std::size_t{64} << 20;  // largest request accepted
  int max_threads = 256;                                  // RPCs served at once
  std::chrono::milliseconds shutdown_timeout{10000};      // Stop: then running RPCs are cancelled
};

class GrpcFrontEnd {
 public:
  // `server` must outlive this object.
  GrpcFrontEnd(ModelServer& server, GrpcServerOptions options);
  ~GrpcFrontEnd();  // Stop()
  GrpcFrontEnd(const GrpcFrontEnd&) = delete;
  GrpcFrontEnd& operator=(const GrpcFrontEnd&) = delete;

  // Answers ModelInfer for `model` (any version) with `handler` in place of
  // the engine, as HttpFrontEnd::SetInferHandler does (InferHandler:
  // http_server.h); call before Start.
  void SetInferHandler(const std::string& model, InferHandler handler);
  // Listens on options.host:options.port and serves until Stop. Returns the
  // bound port. FailedPrecondition naming the address when it cannot be
  // bound (in use by any process, or not this machine's). Call once. From
  // then on gRPC's own log goes through sweetspot's (log.h), process-wide.
  Result<int> Start();
  // Graceful, as HttpFrontEnd::Stop: stops accepting RPCs, lets the running
  // ones finish (cancelling any still running after
  // options.shutdown_timeout), then tells the engine to take no more work
  // (ModelServer::BeginShutdown: RPCs of other front ends get UNAVAILABLE)
  // and waits until it is idle. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweetspot
