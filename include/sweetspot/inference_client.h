// InferenceClient: one connection to an Open Inference Protocol (KServe v2)
// server, over REST or gRPC, as the load generator uses it.
//
// Implementations: the REST client (src/load, ConnectRestClient) and the gRPC
// client (src/grpc, ConnectGrpcClient); ConnectClient (src/load) picks one by
// the URL's scheme, "http://host:port" or "grpc://host:port".
//
// Errors: a transport failure (refused, reset, timed out) is Unavailable; a
// server's error answer keeps its meaning: 400 -> InvalidArgument, 404 ->
// NotFound, 503 -> ResourceExhausted or Unavailable, 500 -> Internal, with the
// server's message (the error object's "error").
//
// Thread-safety: none; use one client per thread.
#pragma once

#include <string>

#include "sweetspot/inference_protocol.h"
#include "sweetspot/status.h"

namespace sweetspot {

// Where one Infer call's time went, in microseconds of the client's steady clock.
struct ClientTimes {
  double serialize_us = 0;  // building the request body/message
  double wait_us = 0;       // from sending the request to having the whole answer
  double parse_us = 0;      // decoding the answer
};

class InferenceClient {  // one per thread (not thread-safe)
 public:
  virtual ~InferenceClient() = default;
  // OK when the server answers its liveness check (GET /v2/health/live, ServerLive).
  virtual Status Live() = 0;
  // The model's metadata; `version` "" is the server's latest.
  virtual Result<ModelMetadata> Metadata(const std::string& model, const std::string& version) = 0;
  // Runs request on request.model_name / request.model_version; `times` may be null.
  virtual Result<InferResponse> Infer(const InferRequest& request, ClientTimes* times) = 0;
};

}  // namespace sweetspot
