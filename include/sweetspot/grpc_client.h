// The gRPC InferenceClient: the Open Inference Protocol's
// inference.GRPCInferenceService (src/grpc/kserve_v2.proto), as served by
// `sweetspot serve --grpc-port`, Triton (port 8001) or KServe.
//
// Infer sends the inputs as raw_input_contents (the layout of
// InferTensor::data, as Triton's clients do; the server answers raw) unless
// GrpcClientOptions::raw_contents is false (typed contents; FP16 inputs still
// go raw, the protocol has no typed field for them). ClientTimes: serialize_us
// is the request message built and serialised, wait_us from the call's start
// to the serialised answer received, parse_us its parsing and conversion.
//
// Errors keep the server's meaning: INVALID_ARGUMENT -> InvalidArgument,
// NOT_FOUND -> NotFound, RESOURCE_EXHAUSTED -> ResourceExhausted, UNAVAILABLE
// (also a refused or broken connection) and DEADLINE_EXCEEDED -> Unavailable,
// others -> Internal; messages are "ModelInfer: <server's message>" and the like.
//
// Thread-safety: one client per thread (InferenceClient's rule).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sweetspot/inference_client.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct GrpcClientOptions {
  std::chrono::milliseconds connect_timeout{5000};        // Connect fails Unavailable beyond it
  std::chrono::milliseconds request_timeout{60000};       // each call's deadline
  std::size_t max_message_bytes = std::size_t{64} << 20;  // largest answer accepted
  bool raw_contents = true;                               // see above
};

// `host_port`: "HOST:PORT" (no scheme). Connects and waits until the channel
// is ready: Unavailable naming the address when nothing answers within
// options.connect_timeout. From then on gRPC's own log goes through
// sweetspot's (log.h), process-wide.
Result<std::unique_ptr<InferenceClient>> ConnectGrpcClient(const std::string& host_port,
                                                           const GrpcClientOptions& options = {});

}  // namespace sweetspot
