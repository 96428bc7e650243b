// The HTTP/REST front end of a ModelServer: the Open Inference Protocol v2
// (KServe v2, https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol)
// with its binary tensor data extension, over cpp-httplib.
//
// Routes (anything else: 404; a known path with another method: 405 with an
// Allow header; every error body is the protocol's {"error": "..."}):
//   GET  /v2/health/live, /v2/health/ready          200, or 400 when not (the spec's 4xx)
//   GET  /v2                                        server metadata: name, version, extensions
//   GET  /v2/models/NAME[/versions/V]               model metadata (404: unknown model/version)
//   GET  /v2/models/NAME[/versions/V]/ready         200, 404 unknown, 400 not ready
//   POST /v2/models/NAME[/versions/V]/infer         JSON, or JSON + binary tensors when the
//        request carries Inference-Header-Content-Length; the answer is binary when the
//        request asks (binary_data / binary_data_output), with that header set
//   GET  /metrics                                   Prometheus text format 0.0.4
//   GET  /v2/jobs/ID                                the JobLookup's answer (404 without one)
// Status codes from the engine's Status: InvalidArgument/InvalidData/Unsupported -> 400,
// NotFound -> 404, ResourceExhausted/Unavailable -> 503, anything else -> 500; a body
// over max_body_bytes -> 413. One bad request never affects the others.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "sweetspot/model_server.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;                                  // 0: any free port (Start returns it)
  std::size_t max_body_bytes = 64 * 1024 * 1024;    // larger request bodies get 413
  std::chrono::milliseconds read_timeout{30'000};   // a client silent this long mid-request is dropped
  std::chrono::milliseconds write_timeout{30'000};  // a client not reading this long is dropped
  // Connections served at once (each holds a thread while its request runs);
  // more wait in the accept queue. Dynamic batching fills a batch of B only
  // with at least B of them.
  int threads = 16;
  // An engine error's fixes (status.h FieldFix, e.g. "max_queue") in the
  // app's words, as Status::RenderedFixes returns them; unset: the answer
  // carries the message alone. Called from the server's threads.
  std::function<Status(const Status&)> render_fixes;
};

// The body of GET /v2/jobs/ID: JSON text, or NotFound (404) for an unknown
// id; other errors map like the engine's. Called from the server's threads,
// several at once.
using JobLookup = std::function<Result<std::string>(const std::string& id)>;

// Answers the inference requests of one URL model name in place of the engine
// (a fast/accurate pair served as one, live_cascade.h). Called from the
// server's threads, several at once; its errors map like the engine's.
using InferHandler = std::function<Result<InferResponse>(const InferRequest& request)>;

// Serves one ModelServer over HTTP. Thread-safety: Start and Stop from one
// thread; the handlers run on the server's own pool.
class HttpFrontEnd {
 public:
  // `server` must outlive this object.
  HttpFrontEnd(ModelServer& server, HttpServerOptions options);
  ~HttpFrontEnd();  // Stop()
  HttpFrontEnd(const HttpFrontEnd&) = delete;
  HttpFrontEnd& operator=(const HttpFrontEnd&) = delete;

  // Routes GET /v2/jobs/ID to `lookup`; call before Start.
  void SetJobLookup(JobLookup lookup);
  // Routes POST .../models/MODEL/infer (any version) to `handler`; call before Start.
  void SetInferHandler(const std::string& model, InferHandler handler);
  // Binds host:port and serves on background threads; returns the bound port.
  // Sets SIGPIPE to be ignored, process-wide (a client hanging up must not
  // end the server).
  // Errors: FailedPrecondition when the address cannot be bound (in use, not
  // this host's); once only.
  Result<int> Start();
  // Graceful: stops accepting, answers every request already received, then
  // tells the engine to take no more work (BeginShutdown) and waits until it
  // is idle (other front ends' requests included). Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweetspot
