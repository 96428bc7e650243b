// HttpFrontEnd over cpp-httplib: one catch-all handler per method feeds our
// own route table, so that a known path with the wrong method is told 405
// (httplib alone answers 404) and every error carries the protocol's JSON.
#include "sweetspot/http_server.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <charconv>
#include <chrono>
#include <csignal>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "sweetspot/inference_protocol.h"

namespace sweetspot {
namespace {

constexpr std::string_view kJson = "application/json";
// Requests one keep-alive connection may carry before the server closes it.
constexpr std::size_t kKeepAliveMaxRequests = 100000;

void SendError(httplib::Response& res, int http_status, std::string_view message) {
  res.status = http_status;
  res.set_content(ErrorBody(message), std::string(kJson));
}

void SendStatus(httplib::Response& res, const Status& status) {
  SendError(res, HttpStatusFor(status), status.message());
}

// The answer to a request that failed before any handler ran (httplib's own
// 400 and 413) or that no route took, as JSON.
std::string DefaultErrorMessage(const httplib::Request& req, int http_status, std::size_t max_body_bytes) {
  switch (http_status) {
    case 404: return fmt::format("no route for {} {}", req.method, req.path);
    case 413:
      return fmt::format("the request body ({} bytes) exceeds the server's limit of {} bytes",
                         req.get_header_value("Content-Length"), max_body_bytes);
    case 400: return "malformed or incomplete HTTP request (the body must arrive within the server's read timeout)";
    default: return fmt::format("HTTP {}", http_status);
  }
}

// The Inference-Header-Content-Length header: nullopt when absent.
Result<std::optional<std::size_t>> JsonHeaderBytes(const httplib::Request& req) {
  const std::string key(kInferenceHeaderContentLength);
  if (!req.has_header(key)) return std::optional<std::size_t>();
  const std::string text = req.get_header_value(key);
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not a byte count", key, text));
  }
  return std::optional<std::size_t>(value);
}

std::string ServerMetadataJson(bool jobs) {
  nlohmann::json extensions = {"binary_tensor_data", "sweetspot_image_bytes", "sweetspot_stage_times",
                               "sweetspot_detections"};
  if (jobs) extensions.push_back("sweetspot_jobs");
  return nlohmann::json{{"name", "sweetspot"}, {"version", SWEETSPOT_VERSION}, {"extensions", extensions}}.dump();
}

// httplib's server with the listen backlog raised: Debian's build has 5
// (CPPHTTPLIB_LISTEN_BACKLOG, compiled into the library). Under a burst of
// connections a full backlog drops handshakes, and some clients then lose
// their request without an answer.
class Listener : public httplib::Server {
 public:
  void RaiseBacklog() { ::listen(svr_sock_, SOMAXCONN); }
};

double MicrosecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

class HttpFrontEnd::Impl {
 public:
  Impl(ModelServer& server, HttpServerOptions options) : server_(server), options_(std::move(options)) {}

  void SetJobLookup(JobLookup lookup) { job_lookup_ = std::move(lookup); }
  void SetInferHandler(const std::string& model, InferHandler handler) { infer_handlers_[model] = std::move(handler); }
  Result<int> Start();
  void Stop();

 private:
  using Match = std::smatch;
  using Handler = void (Impl::*)(const httplib::Request&, httplib::Response&, const Match&);
  struct Route {
    std::string method;
    std::regex path;
    std::string label;  // the route as the metrics name it
    Handler handler;
  };

  void Configure();     // the routes, hooks and limits
  void InstallHooks();  // what runs around the routes: bodiless requests, error bodies, exceptions
  void ApplyLimits();
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  void ReadBodyAndDispatch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void CountRequest(std::string_view route, int http_status);

  void Live(const httplib::Request&, httplib::Response& res, const Match&);
  void Ready(const httplib::Request&, httplib::Response& res, const Match&);
  void ServerMetadata(const httplib::Request&, httplib::Response& res, const Match&);
  void ModelMetadataRoute(const httplib::Request&, httplib::Response& res, const Match& m);
  void ModelReadyRoute(const httplib::Request&, httplib::Response& res, const Match& m);
  void InferRoute(const httplib::Request& req, httplib::Response& res, const Match& m);
  void Metrics(const httplib::Request&, httplib::Response& res, const Match&);
  void Job(const httplib::Request&, httplib::Response& res, const Match& m);

  Result<InferRequest> ParseRequest(const httplib::Request& req, const Match& m);
  void CountEarlyFailure(const std::string& model, int http_status);

  ModelServer& server_;
  HttpServerOptions options_;
  JobLookup job_lookup_;
  std::map<std::string, InferHandler> infer_handlers_;
  std::vector<Route> routes_;
  Listener http_;
  std::thread listener_;
  std::atomic<bool> listening_done_{false};
  bool started_ = false;
  bool stopped_ = false;
};

void HttpFrontEnd::Impl::Configure() {
  // NAME and V: one path segment each; the version part is optional.
  const std::string model = "/v2/models/([^/]+)(?:/versions/([^/]+))?";
  routes_ = {
      {"GET", std::regex("/v2/health/live"), "live", &Impl::Live},
      {"GET", std::regex("/v2/health/ready"), "ready", &Impl::Ready},
      {"GET", std::regex("/v2/?"), "server_metadata", &Impl::ServerMetadata},
      {"GET", std::regex(model), "model_metadata", &Impl::ModelMetadataRoute},
      {"GET", std::regex(model + "/ready"), "model_ready", &Impl::ModelReadyRoute},
      {"POST", std::regex(model + "/infer"), "infer", &Impl::InferRoute},
      {"GET", std::regex("/metrics"), "metrics", &Impl::Metrics},
      {"GET", std::regex("/v2/jobs/([^/]+)"), "job", &Impl::Job},
  };
  const auto dispatch = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, res); };
  // Bodies are read by ReadBodyAndDispatch, never by httplib's own reading:
  // that refuses an application/x-www-form-urlencoded body over 8 KiB with 413
  // (CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, compiled into Debian's
  // library) and parses it as form fields, and curl -d sends that content type
  // when none is given, as the protocol's published examples do.
  const auto read_body = [this](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader) { ReadBodyAndDispatch(req, res, reader); };
  http_.Get(".*", dispatch).Post(".*", read_body).Put(".*", read_body).Delete(".*", read_body);
  http_.Patch(".*", read_body).Options(".*", dispatch);
  InstallHooks();
  ApplyLimits();
}

void HttpFrontEnd::Impl::InstallHooks() {
  // RFC 9112: a request with neither Content-Length nor Transfer-Encoding
  // has no body, but httplib would read a POST's body until the client
  // closes (or the read timeout). Such requests are dispatched at once.
  http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    Dispatch(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Called for every answer >= 400: fills in the bodies httplib writes itself
  // (its 400, 413) and those of routes that set none.
  http_.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 413) CountRequest("body_too_large", 413);
        // A request httplib could not read (malformed, or its body stalled past
        // the read timeout): nothing more on this connection can be trusted.
        if (res.status == 400) res.set_header("Connection", "close");
        SendError(res, res.status, DefaultErrorMessage(req, res.status, options_.max_body_bytes));
        return httplib::Server::HandlerResponse::Handled;
      }));
  http_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SendError(res, 500, fmt::format("internal error: {}", what));
  });
}

void HttpFrontEnd::Impl::ApplyLimits() {
  // httplib's default adds SO_REUSEPORT: a second server on the same port
  // would then bind too and take half the connections instead of failing.
  http_.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // httplib writes an answer's headers and body apart: with Nagle's algorithm
  // the body waits for the client's delayed ACK (40 ms per request on Linux).
  // Accepted sockets inherit the listening socket's TCP_NODELAY.
  http_.set_tcp_nodelay(true);
  http_.set_payload_max_length(options_.max_body_bytes);
  http_.set_read_timeout(options_.read_timeout);
  http_.set_write_timeout(options_.write_timeout);
  // httplib closes a keep-alive connection after 5 requests by default: a
  // load generator's clients would reconnect every 5th request.
  http_.set_keep_alive_max_count(kKeepAliveMaxRequests);
  const int threads = std::max(1, options_.threads);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
}

void HttpFrontEnd::Impl::Dispatch(const httplib::Request& req, httplib::Response& res) {
  // HEAD is GET without the body (httplib drops it).
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::vector<std::string> allowed;
  std::string_view path_label;  // the route the path names, for a 405's count
  for (const Route& route : routes_) {
    Match match;
    if (!std::regex_match(req.path, match, route.path)) continue;
    if (route.method != method) {
      allowed.push_back(route.method);
      if (path_label.empty()) path_label = route.label;
      continue;
    }
    (this->*route.handler)(req, res, match);
    if (res.status == -1) res.status = 200;  // what httplib sends for "not set"
    CountRequest(route.label, res.status);
    return;
  }
  if (allowed.empty()) {
    SendError(res, 404, fmt::format("no route for {} {}", req.method, req.path));
    CountRequest("unknown", 404);
    return;
  }
  res.set_header("Allow", fmt::format("{}", fmt::join(allowed, ", ")));
  SendError(res, 405, fmt::format("{} takes {}, not {}", req.path, fmt::join(allowed, " or "), req.method));
  CountRequest(path_label, 405);
}

void HttpFrontEnd::Impl::ReadBodyAndDispatch(const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& reader) {
  if (req.is_multipart_form_data()) {
    // Read (and dropped) so that the connection stays in step for the next request.
    reader([](const httplib::MultipartFormData&) { return true; }, [](const char*, std::size_t) { return true; });
    if (res.status != -1) return;  // httplib's 400 or 413: the error handler writes it
    SendError(res, 400, "a multipart/form-data body is not taken: send the JSON (or JSON + binary) body as it is");
    CountRequest("unknown", 400);
    return;
  }
  httplib::Request with_body = req;
  const bool read = reader([&with_body](const char* data, std::size_t size) {
    with_body.body.append(data, size);
    return true;
  });
  // Not read: httplib set 400 (malformed, stalled) or 413 (over the payload
  // limit), and the error handler writes its JSON.
  if (!read) {
    if (res.status == -1) res.status = 400;
    return;
  }
  Dispatch(with_body, res);
}

void HttpFrontEnd::Impl::CountRequest(std::string_view route, int http_status) {
  server_.metrics()
      .GetCounter("sweetspot_http_requests_total", "HTTP requests answered, by route and status code",
                  {{"route", std::string(route)}, {"code", std::to_string(http_status)}})
      .Increment();
}

// An infer request the engine never saw (unparsable): counted like the
// engine counts its own answers, a model name that is not served under ""
// as the engine does, so clients cannot add series to /metrics at will.
void HttpFrontEnd::Impl::CountEarlyFailure(const std::string& model, int http_status) {
  const bool served = server_.Metadata(model, "").ok();
  server_.metrics()
      .GetCounter("sweetspot_requests_total", "Inference requests answered, by model and HTTP status code",
                  {{"model", served ? model : ""}, {"code", std::to_string(http_status)}})
      .Increment();
}

void HttpFrontEnd::Impl::Live(const httplib::Request&, httplib::Response& res, const Match&) {
  if (server_.Live()) {
    res.set_content("{}", std::string(kJson));
  } else {
    SendError(res, 400, "the server is not live");
  }
}

void HttpFrontEnd::Impl::Ready(const httplib::Request&, httplib::Response& res, const Match&) {
  if (server_.Ready()) {
    res.set_content("{}", std::string(kJson));
  } else {
    SendError(res, 400, "the server is not ready (shutting down)");
  }
}

void HttpFrontEnd::Impl::ServerMetadata(const httplib::Request&, httplib::Response& res, const Match&) {
  res.set_content(ServerMetadataJson(static_cast<bool>(job_lookup_)), std::string(kJson));
}

void HttpFrontEnd::Impl::ModelMetadataRoute(const httplib::Request&, httplib::Response& res, const Match& m) {
  const Result<ModelMetadata> metadata = server_.Metadata(m.str(1), m.str(2));
  if (!metadata.ok()) return SendStatus(res, metadata.status());
  res.set_content(EncodeModelMetadata(*metadata), std::string(kJson));
}

void HttpFrontEnd::Impl::ModelReadyRoute(const httplib::Request&, httplib::Response& res, const Match& m) {
  const Result<ModelMetadata> metadata = server_.Metadata(m.str(1), m.str(2));
  if (!metadata.ok()) return SendStatus(res, metadata.status());
  if (server_.ModelReady(m.str(1), m.str(2))) {
    res.set_content("{}", std::string(kJson));
  } else {
    SendError(res, 400, fmt::format("model {} is not ready", m.str(1)));
  }
}

Result<InferRequest> HttpFrontEnd::Impl::ParseRequest(const httplib::Request& req, const Match& m) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::optional<std::size_t> header_bytes, JsonHeaderBytes(req));
  SWEETSPOT_ASSIGN_OR_RETURN(InferRequest request, ParseInferRequest(req.body, header_bytes));
  request.model_name = m.str(1);
  request.model_version = m.str(2);
  return request;
}

void HttpFrontEnd::Impl::InferRoute(const httplib::Request& req, httplib::Response& res, const Match& m) {
  const Result<InferRequest> request = ParseRequest(req, m);
  if (!request.ok()) {
    CountEarlyFailure(m.str(1), HttpStatusFor(request.status()));
    return SendStatus(res, request.status());
  }
  const auto handler = infer_handlers_.find(request->model_name);
  const Result<InferResponse> response =
      handler != infer_handlers_.end() ? handler->second(*request) : server_.Infer(*request);
  if (!response.ok()) {
    return SendStatus(res, options_.render_fixes ? options_.render_fixes(response.status()) : response.status());
  }
  const auto start = std::chrono::steady_clock::now();
  HttpBody body = EncodeInferResponse(*response, *request);
  if (body.json_header_bytes.has_value()) {
    res.set_header(std::string(kInferenceHeaderContentLength), std::to_string(*body.json_header_bytes));
  }
  res.set_content(std::move(body.body), body.content_type);
  server_.RecordSerializeTime(request->model_name, MicrosecondsSince(start));
}

void HttpFrontEnd::Impl::Metrics(const httplib::Request&, httplib::Response& res, const Match&) {
  res.set_content(server_.metrics().PrometheusText(), "text/plain; version=0.0.4; charset=utf-8");
}

void HttpFrontEnd::Impl::Job(const httplib::Request&, httplib::Response& res, const Match& m) {
  if (!job_lookup_) return SendError(res, 404, "this server keeps no job journal (start it with --journal FILE)");
  const Result<std::string> job = job_lookup_(m.str(1));
  if (!job.ok()) return SendStatus(res, job.status());
  res.set_content(*job, std::string(kJson));
}

Result<int> HttpFrontEnd::Impl::Start() {
  assert(!started_ && "HttpFrontEnd::Start is called once");
  started_ = true;
  // httplib writes with plain send(): a client that hangs up before its
  // answer is written would raise SIGPIPE and end the whole process.
  std::signal(SIGPIPE, SIG_IGN);
  Configure();
  int port = options_.port;
  if (port == 0) {
    port = http_.bind_to_any_port(options_.host);
  } else if (!http_.bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return Status::FailedPrecondition(fmt::format(
        "cannot listen on {}:{} (the port is taken, or the address is not this host's)", options_.host, options_.port));
  }
  http_.RaiseBacklog();
  listener_ = std::thread([this] {
    http_.listen_after_bind();
    listening_done_ = true;
  });
  // stop() is a no-op until the listener runs: wait for it, so that a Stop
  // right after Start cannot leave the listener running.
  while (!http_.is_running() && !listening_done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port;
}

void HttpFrontEnd::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Closes the listening socket; the listener then lets its pool finish every
  // connection it accepted (each ends after its current request) and returns.
  http_.stop();
  if (listener_.joinable()) listener_.join();
  server_.BeginShutdown();
  server_.WaitIdle();
}

HttpFrontEnd::HttpFrontEnd(ModelServer& server, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpFrontEnd::~HttpFrontEnd() { Stop(); }

void HttpFrontEnd::SetJobLookup(JobLookup lookup) { impl_->SetJobLookup(std::move(lookup)); }

void HttpFrontEnd::SetInferHandler(const std::string& model, InferHandler handler) {
  impl_->SetInferHandler(model, std::move(handler));
}

Result<int> HttpFrontEnd::Start() { return impl_->Start(); }

void HttpFrontEnd::Stop() { impl_->Stop(); }

}  // namespace sweetspot
