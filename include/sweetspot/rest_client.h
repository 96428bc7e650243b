// Clients of an Open Inference Protocol (KServe v2) server by URL: the REST
// one (cpp-httplib, keep-alive) and the dispatch on the URL's scheme.
//
// ConnectRestClient("http://HOST:PORT") speaks the REST API: GET
// /v2/health/live, GET /v2/models/{name}[/versions/{v}], POST
// .../infer with every input and output in the binary tensor data extension
// (inference_protocol.h). Its ClientTimes: serialize = building the body,
// wait = from sending the request to the last byte of the answer, parse =
// decoding the answer. Errors as inference_client.h says: a transport
// failure (refused, reset, timed out) is Unavailable naming the URL; an
// error answer maps 400/413 -> InvalidArgument, 404 -> NotFound, 429/503 ->
// ResourceExhausted, other statuses -> Internal, with the server's message.
//
// ConnectClient picks the client by scheme: http:// (REST) or grpc:// (the
// gRPC client, grpc_client.h). The REST client connects on its first call;
// the gRPC one connects now (Unavailable naming the address when nothing
// answers). Errors: a URL of another form (InvalidArgument naming the URL
// and the forms), https:// (Unsupported).
//
// Thread-safety: a client is used by one thread at a time; make one per thread.
#pragma once

#include <memory>
#include <string>

#include "sweetspot/inference_client.h"
#include "sweetspot/status.h"

namespace sweetspot {

Result<std::unique_ptr<InferenceClient>> ConnectRestClient(const std::string& url);
Result<std::unique_ptr<InferenceClient>> ConnectClient(const std::string& url);

}  // namespace sweetspot
