#include "sweetspot/rest_client.h"

#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <httplib.h>

#include "sweetspot/grpc_client.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using Clock = std::chrono::steady_clock;

double MicrosecondsSince(Clock::time_point from) {
  return std::chrono::duration<double, std::micro>(Clock::now() - from).count();
}

Status UrlError(const std::string& url) {
  return Status::InvalidArgument(fmt::format(
      "server URL '{}' is not of the form http://HOST:PORT or grpc://HOST:PORT (e.g. http://127.0.0.1:8000)",
      SafeText(url)));
}

// An error answer as the Status inference_client.h names.
Status FromHttp(int code, const std::string& body, const std::string& what) {
  const std::string message =
      fmt::format("{}: HTTP {}: {}", what, code, SafeText(ParseErrorBody(body).value_or(body.substr(0, 200))));
  switch (code) {
    case 400:
    case 413: return Status::InvalidArgument(message);
    case 404: return Status::NotFound(message);
    case 429:
    case 503: return Status::ResourceExhausted(message);
    default: return Status::Internal(message);
  }
}

class RestClient final : public InferenceClient {
 public:
  RestClient(std::string url, const std::string& host, int port) : url_(std::move(url)), client_(host, port) {
    client_.set_keep_alive(true);
    // httplib writes a request's headers and body apart: with Nagle's
    // algorithm the body waits for the server's delayed ACK (40 ms on Linux).
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(std::chrono::seconds(5));
    client_.set_read_timeout(std::chrono::seconds(60));
    client_.set_write_timeout(std::chrono::seconds(60));
  }

  Status Live() override {
    auto res = client_.Get("/v2/health/live");
    if (!res) return Transport(res.error());
    if (res->status != 200) return FromHttp(res->status, res->body, url_ + "/v2/health/live");
    return Status::Ok();
  }

  Result<ModelMetadata> Metadata(const std::string& model, const std::string& version) override {
    const std::string path = ModelPath(model, version);
    auto res = client_.Get(path);
    if (!res) return Transport(res.error());
    if (res->status != 200) return FromHttp(res->status, res->body, url_ + path);
    auto parsed = ParseModelMetadata(res->body);
    if (!parsed.ok()) return parsed.status().WithContext(url_ + path);
    return parsed;
  }

  Result<InferResponse> Infer(const InferRequest& request, ClientTimes* times) override {
    const Clock::time_point start = Clock::now();
    const HttpBody body = EncodeInferRequest(request, /*binary_inputs=*/true, /*binary_outputs=*/true);
    const double serialize_us = MicrosecondsSince(start);
    httplib::Headers headers;
    if (body.json_header_bytes) {
      headers.emplace(std::string(kInferenceHeaderContentLength), std::to_string(*body.json_header_bytes));
    }
    const std::string path = ModelPath(request.model_name, request.model_version) + "/infer";
    const Clock::time_point sent = Clock::now();
    auto res = client_.Post(path, headers, body.body, body.content_type);
    const double wait_us = MicrosecondsSince(sent);
    if (!res) return Transport(res.error());
    if (res->status != 200) return FromHttp(res->status, res->body, url_ + path);
    const Clock::time_point received = Clock::now();
    auto parsed = ParseInferResponse(res->body, HeaderBytes(*res));
    if (times != nullptr) *times = {serialize_us, wait_us, MicrosecondsSince(received)};
    if (!parsed.ok()) return parsed.status().WithContext(url_ + path);
    return parsed;
  }

 private:
  // httplib percent-encodes the path as it sends it (Client::set_url_encode).
  static std::string ModelPath(const std::string& model, const std::string& version) {
    const std::string base = "/v2/models/" + model;
    return version.empty() ? base : base + "/versions/" + version;
  }

  // Inference-Header-Content-Length; nullopt when absent or not a number (all JSON).
  static std::optional<std::size_t> HeaderBytes(const httplib::Response& res) {
    const std::string text = res.get_header_value(std::string(kInferenceHeaderContentLength));
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  }

  Status Transport(httplib::Error error) const {
    return Status::Unavailable(fmt::format("cannot reach the server at {} ({}); check that it runs and the URL", url_,
                                           httplib::to_string(error)));
  }

  std::string url_;
  httplib::Client client_;
};

struct HostPort {
  std::string host;
  int port = 0;
};

// "HOST:PORT" after the scheme; a trailing '/' is allowed.
Result<HostPort> ParseHostPort(const std::string& url, std::string_view rest) {
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return UrlError(url);
  HostPort out{std::string(rest.substr(0, colon)), 0};
  const std::string_view port = rest.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || out.port <= 0 || out.port > 65535) {
    return UrlError(url);
  }
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);  // an IPv6 literal
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<InferenceClient>> ConnectRestClient(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return UrlError(url);
  SWEETSPOT_ASSIGN_OR_RETURN(const HostPort at, ParseHostPort(url, std::string_view(url).substr(kScheme.size())));
  std::string base = url;
  if (base.ends_with('/')) base.pop_back();
  return std::unique_ptr<InferenceClient>(new RestClient(base, at.host, at.port));
}

Result<std::unique_ptr<InferenceClient>> ConnectClient(const std::string& url) {
  if (url.starts_with("http://")) return ConnectRestClient(url);
  if (url.starts_with("https://")) {
    return Status::Unsupported(
        fmt::format("server URL '{}': https is not supported; use http:// (or grpc://)", SafeText(url)));
  }
  constexpr std::string_view kGrpc = "grpc://";
  if (url.starts_with(kGrpc)) {
    SWEETSPOT_ASSIGN_OR_RETURN(const HostPort at, ParseHostPort(url, std::string_view(url).substr(kGrpc.size())));
    const bool ipv6 = at.host.find(':') != std::string::npos;  // an IPv6 literal goes back in brackets
    return ConnectGrpcClient(ipv6 ? fmt::format("[{}]:{}", at.host, at.port) : fmt::format("{}:{}", at.host, at.port));
  }
  return UrlError(url);
}

}  // namespace sweetspot
