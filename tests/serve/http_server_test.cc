// HttpFrontEnd on a real loopback socket (port 0) over a real ModelServer
// running ONNX Runtime: every endpoint, both encodings, the errors, limits
// and overload, through cpp-httplib's client, raw sockets and curl.
#include "sweetspot/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/model_server.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

constexpr char kLinearJson[] = R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[1,1]}]})";

std::string FloatBytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

std::vector<float> Floats(const std::string& bytes) {
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

// x [rows, 2] all 0.25 (y = [10.75, 21.75, 32.75] each row), spelled with
// padded digits: 22 KB for 1000 rows, over httplib's 8 KiB form body limit.
std::string LargeLinearJson(int rows) {
  std::string data;
  for (int i = 0; i < 2 * rows; ++i) data += i == 0 ? "0.250000000" : ",0.250000000";
  return R"({"inputs":[{"name":"x","shape":[)" + std::to_string(rows) + R"(,2],"datatype":"FP32","data":[)" + data +
         "]}]}";
}

// Every row of a linear answer to LargeLinearJson.
void ExpectLargeLinearAnswer(const std::string& body, int rows) {
  const Result<InferResponse> response = ParseInferResponse(body, std::nullopt);
  ASSERT_TRUE(response.ok()) << body.substr(0, 300);
  const std::vector<float> y = Floats(response->outputs.at(0).data);
  ASSERT_EQ(y.size(), static_cast<std::size_t>(3 * rows));
  for (int r = 0; r < rows; ++r)
    EXPECT_THAT(std::vector<float>(y.begin() + 3 * r, y.begin() + 3 * r + 3), ElementsAre(10.75F, 21.75F, 32.75F));
}

// The error object's message; fails the test when `body` is not one.
std::string ErrorOf(const httplib::Result& res) {
  EXPECT_TRUE(res) << "no answer";
  if (!res) return "";
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const std::optional<std::string> message = ParseErrorBody(res->body);
  EXPECT_TRUE(message.has_value()) << res->body;
  return message.value_or("");
}

InferRequest LinearRequest(std::vector<float> x) {
  InferRequest request;
  request.model_name = "linear";
  const auto rows = static_cast<std::int64_t>(x.size() / 2);
  InferTensor input;
  input.name = "x";
  input.shape = {rows, 2};
  input.data = FloatBytes(x);
  request.inputs.push_back(std::move(input));
  return request;
}

// A raw TCP connection to the server.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  return fd;
}

// A served LinearModel (x [N,2] -> y [N,3]; x = [1,1] gives [13,27,41]) and
// optionally TinyCnn, behind an HttpFrontEnd on a free loopback port.
class HttpServerTest : public ::testing::Test {
 protected:
  // `tune` adjusts both models' options.
  void Serve(HttpServerOptions http = {}, const std::function<void(ServedModelOptions&)>& tune = nullptr,
             JobLookup jobs = nullptr) {
    ServedModelOptions linear;
    linear.name = "linear";
    linear.path = testing::WriteModel(testing::LinearModel(), dir_ / "linear.onnx");
    if (tune) tune(linear);
    ServedModelOptions cnn = linear;
    cnn.name = "cnn";
    cnn.path = testing::WriteModel(testing::TinyCnn(), dir_ / "cnn.onnx");
    auto server = ModelServer::Create({linear, cnn});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    http.port = 0;
    front_ = std::make_unique<HttpFrontEnd>(*server_, http);
    if (jobs) front_->SetJobLookup(std::move(jobs));
    for (const auto& [model, handler] : handlers_) front_->SetInferHandler(model, handler);
    const Result<int> port = front_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }
  void TearDown() override {
    if (front_) front_->Stop();
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(60));
    return client;
  }

  httplib::Result PostJson(const std::string& path, const std::string& body) {
    return Client().Post(path.c_str(), body, "application/json");
  }

  testing::TempDir dir_;
  std::map<std::string, InferHandler> handlers_;  // set before Serve
  std::unique_ptr<ModelServer> server_;
  std::unique_ptr<HttpFrontEnd> front_;
  int port_ = 0;
};

TEST_F(HttpServerTest, HealthEndpointsAnswer200WithJson) {
  Serve();
  for (const char* path :
       {"/v2/health/live", "/v2/health/ready", "/v2/models/linear/ready", "/v2/models/linear/versions/1/ready"}) {
    const auto res = Client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_TRUE(nlohmann::json::accept(res->body)) << path;
  }
}

TEST_F(HttpServerTest, ServerMetadataNamesTheExtensions) {
  Serve();
  const auto res = Client().Get("/v2");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const auto json = nlohmann::json::parse(res->body);
  EXPECT_EQ(json["name"], "sweetspot");
  EXPECT_EQ(json["version"], SWEETSPOT_VERSION);
  const auto extensions = json["extensions"].get<std::vector<std::string>>();
  EXPECT_THAT(extensions,
              ::testing::IsSupersetOf({"binary_tensor_data", "sweetspot_image_bytes", "sweetspot_detections"}));
}

TEST_F(HttpServerTest, ModelMetadataWithAndWithoutVersion) {
  Serve();
  for (const char* path : {"/v2/models/linear", "/v2/models/linear/versions/1"}) {
    const auto res = Client().Get(path);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const Result<ModelMetadata> metadata = ParseModelMetadata(res->body);
    ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
    EXPECT_EQ(metadata->name, "linear");
    ASSERT_EQ(metadata->inputs.size(), 1U);
    EXPECT_EQ(metadata->inputs[0].name, "x");
    EXPECT_THAT(metadata->inputs[0].shape, ElementsAre(-1, 2));
    ASSERT_EQ(metadata->outputs.size(), 1U);
    EXPECT_EQ(metadata->outputs[0].name, "y");
  }
}

TEST_F(HttpServerTest, UnknownModelOrVersionIs404WithJson) {
  Serve();
  auto client = Client();
  for (const char* path : {"/v2/models/nope", "/v2/models/linear/versions/9", "/v2/models/nope/ready",
                           "/v2/models/linear/versions/9/ready"}) {
    const auto res = client.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_FALSE(ErrorOf(res).empty()) << path;
  }
  for (const char* path : {"/v2/models/nope/infer", "/v2/models/linear/versions/9/infer"}) {
    const auto res = PostJson(path, kLinearJson);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_FALSE(ErrorOf(res).empty()) << path;
  }
}

TEST_F(HttpServerTest, InferJsonRoundTrip) {
  Serve();
  for (const char* path : {"/v2/models/linear/infer", "/v2/models/linear/versions/1/infer"}) {
    const auto res = PostJson(path, kLinearJson);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_FALSE(res->has_header(std::string(kInferenceHeaderContentLength)));
    const Result<InferResponse> response = ParseInferResponse(res->body, std::nullopt);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->model_name, "linear");
    ASSERT_EQ(response->outputs.size(), 1U);
    EXPECT_EQ(response->outputs[0].name, "y");
    EXPECT_THAT(response->outputs[0].shape, ElementsAre(1, 3));
    EXPECT_THAT(Floats(response->outputs[0].data), ElementsAre(13.0F, 27.0F, 41.0F));
    EXPECT_TRUE(response->parameters.contains("sweetspot_batch_size"));
  }
}

TEST_F(HttpServerTest, InferBinaryExtensionRoundTrip) {
  Serve();
  const HttpBody body = EncodeInferRequest(LinearRequest({1, 1, 0, 0}), /*binary_inputs=*/true,
                                           /*binary_outputs=*/true);
  ASSERT_TRUE(body.json_header_bytes.has_value());
  const httplib::Headers headers = {
      {std::string(kInferenceHeaderContentLength), std::to_string(*body.json_header_bytes)}};
  const auto res = Client().Post("/v2/models/linear/infer", headers, body.body, body.content_type.c_str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  ASSERT_TRUE(res->has_header(std::string(kInferenceHeaderContentLength)));
  const std::size_t header_bytes = std::stoul(res->get_header_value(std::string(kInferenceHeaderContentLength)));
  EXPECT_LT(header_bytes, res->body.size());  // binary data follows the JSON
  const Result<InferResponse> response = ParseInferResponse(res->body, header_bytes);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->outputs.size(), 1U);
  EXPECT_THAT(Floats(response->outputs[0].data), ElementsAre(13.0F, 27.0F, 41.0F, 10.0F, 20.0F, 30.0F));
}

TEST_F(HttpServerTest, MalformedRequestsAre400WithJsonAndTheServerGoesOn) {
  Serve();
  const std::map<std::string, std::string> bodies = {
      {"malformed JSON", R"({"inputs":[{"name":"x",)"},
      {"no inputs", R"({"outputs":[]})"},
      {"wrong datatype", R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"INT64","data":[1,1]}]})"},
      {"wrong shape", R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,1,1]}]})"},
      {"data count", R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[1]}]})"},
      {"unknown input", R"({"inputs":[{"name":"z","shape":[1,2],"datatype":"FP32","data":[1,1]}]})"},
  };
  for (const auto& [what, body] : bodies) {
    const auto res = PostJson("/v2/models/linear/infer", body);
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, 400) << what;
    EXPECT_FALSE(ErrorOf(res).empty()) << what;
  }
  const httplib::Headers bad_header = {{std::string(kInferenceHeaderContentLength), "abc"}};
  const auto res = Client().Post("/v2/models/linear/infer", bad_header, kLinearJson, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(ErrorOf(res), HasSubstr(kInferenceHeaderContentLength));
  const httplib::Headers too_long = {{std::string(kInferenceHeaderContentLength), "100000"}};
  const auto past_end = Client().Post("/v2/models/linear/infer", too_long, kLinearJson, "application/json");
  ASSERT_TRUE(past_end);
  EXPECT_EQ(past_end->status, 400);
  EXPECT_EQ(PostJson("/v2/models/linear/infer", kLinearJson)->status, 200);
}

// Without Content-Length a request has no body (RFC 9112): answered at once,
// not after the read timeout.
TEST_F(HttpServerTest, ARequestWithoutContentLengthHasNoBody) {
  HttpServerOptions http;
  http.read_timeout = std::chrono::minutes(10);
  Serve(http);
  const int fd = Connect(port_);
  const std::string request = "POST /v2/models/linear/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  timeval limit{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  char buffer[4096];
  const ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
  close(fd);
  ASSERT_GT(got, 0) << "no answer";
  EXPECT_THAT(std::string(buffer, static_cast<std::size_t>(got)), ::testing::StartsWith("HTTP/1.1 400"));
}

TEST_F(HttpServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  Serve();
  auto client = Client();
  const auto unknown = client.Get("/v3/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_THAT(ErrorOf(unknown), HasSubstr("/v3/nothing"));
  const auto get_infer = client.Get("/v2/models/linear/infer");
  ASSERT_TRUE(get_infer);
  EXPECT_EQ(get_infer->status, 405);
  EXPECT_EQ(get_infer->get_header_value("Allow"), "POST");
  EXPECT_FALSE(ErrorOf(get_infer).empty());
  const auto post_live = client.Post("/v2/health/live", "{}", "application/json");
  ASSERT_TRUE(post_live);
  EXPECT_EQ(post_live->status, 405);
  EXPECT_EQ(post_live->get_header_value("Allow"), "GET");
  const auto delete_model = client.Delete("/v2/models/linear");
  ASSERT_TRUE(delete_model);
  EXPECT_EQ(delete_model->status, 405);
  const auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr(R"(sweetspot_http_requests_total{code="405",route="infer"} 1)"))
      << "a wrong method is counted under the route its path names";
  EXPECT_THAT(metrics->body, HasSubstr(R"(sweetspot_http_requests_total{code="404",route="unknown"} 1)"));
}

TEST_F(HttpServerTest, AKeepAliveConnectionCarriesManyRequests) {
  Serve();
  auto client = Client();
  client.set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    const auto res = client.Get("/v2/health/live");
    ASSERT_TRUE(res) << i;
    ASSERT_EQ(res->status, 200) << i;
    // httplib answers "Connection: close" on the connection's last request.
    EXPECT_NE(res->get_header_value("Connection"), "close") << "request " << i + 1;
  }
}

TEST_F(HttpServerTest, MetricsCountRequestsAndTheSerializeStage) {
  Serve();
  ASSERT_EQ(PostJson("/v2/models/linear/infer", kLinearJson)->status, 200);
  ASSERT_EQ(PostJson("/v2/models/linear/infer", "{")->status, 400);
  const auto res = Client().Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(res->body, HasSubstr(R"(sweetspot_requests_total{code="200",model="linear"} 1)"));
  EXPECT_THAT(res->body, HasSubstr(R"(sweetspot_requests_total{code="400",model="linear"} 1)"));
  EXPECT_THAT(res->body, HasSubstr(R"(sweetspot_stage_seconds_count{model="linear",stage="serialize"} 1)"));
  EXPECT_THAT(res->body, HasSubstr(R"(sweetspot_http_requests_total{code="200",route="infer"} 1)"));
}

// A model name is a metric label only when it is served: requests naming
// made-up models (here with bodies that do not parse, counted before the
// engine sees them) all land in model="" instead of one series each.
TEST_F(HttpServerTest, MadeUpModelNamesAddNoMetricSeries) {
  Serve();
  for (const char* name : {"zza", "zzb", "zzc"}) {
    ASSERT_EQ(PostJson(std::string("/v2/models/") + name + "/infer", R"({"inputs": []})")->status, 400);
  }
  const auto res = Client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, Not(HasSubstr("zza")));
  EXPECT_THAT(res->body, HasSubstr(R"(sweetspot_requests_total{code="400",model=""} 3)"));
}

TEST_F(HttpServerTest, JobsAre404WithoutAJournal) {
  Serve();
  const auto res = Client().Get("/v2/jobs/1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_THAT(ErrorOf(res), HasSubstr("journal"));
}

TEST_F(HttpServerTest, JobsGoToTheJobLookup) {
  Serve({}, nullptr, [](const std::string& id) -> Result<std::string> {
    if (id == "7") return std::string(R"({"id":7,"state":"pending"})");
    return Status::NotFound("no job " + id);
  });
  const auto found = Client().Get("/v2/jobs/7");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 200);
  EXPECT_EQ(nlohmann::json::parse(found->body)["state"], "pending");
  const auto missing = Client().Get("/v2/jobs/8");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ErrorOf(missing), "no job 8");
  const auto metadata = nlohmann::json::parse(Client().Get("/v2")->body);
  EXPECT_THAT(metadata["extensions"].get<std::vector<std::string>>(), ::testing::Contains("sweetspot_jobs"));
}

TEST_F(HttpServerTest, AnInferHandlerAnswersItsModelInPlaceOfTheEngine) {
  handlers_["linear"] = [this](const InferRequest& request) -> Result<InferResponse> {
    Result<InferResponse> response = server_->Infer(request);
    if (response.ok()) response->parameters["handled"] = true;
    return response;
  };
  handlers_["refuses"] = [](const InferRequest&) -> Result<InferResponse> {
    return Status::InvalidArgument("the handler refuses");
  };
  Serve();
  const Result<InferResponse> handled =
      ParseInferResponse(PostJson("/v2/models/linear/infer", kLinearJson)->body, std::nullopt);
  ASSERT_TRUE(handled.ok()) << handled.status().ToString();
  EXPECT_TRUE(handled->parameters.contains("handled"));
  EXPECT_THAT(Floats(handled->outputs.at(0).data), ElementsAre(13.0F, 27.0F, 41.0F));
  const auto refused = PostJson("/v2/models/refuses/infer", kLinearJson);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(ErrorOf(refused), "the handler refuses");
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413WithJson) {
  HttpServerOptions http;
  http.max_body_bytes = 1024;
  Serve(http);
  std::string big = R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[1,1]}],"pad":")";
  big += std::string(4096, 'a') + "\"}";
  for (const char* type : {"application/json", "application/x-www-form-urlencoded", "application/octet-stream"}) {
    const auto res = Client().Post("/v2/models/linear/infer", big, type);
    ASSERT_TRUE(res) << type;
    EXPECT_EQ(res->status, 413) << type;
    EXPECT_THAT(ErrorOf(res), HasSubstr("1024")) << type;
  }
  EXPECT_EQ(PostJson("/v2/models/linear/infer", kLinearJson)->status, 200);
}

// The body is JSON (or JSON + binary) whatever the Content-Type says: curl -d
// without -H sends application/x-www-form-urlencoded, which httplib would
// refuse over 8 KiB (413) and parse as form fields.
TEST_F(HttpServerTest, AFormUrlEncodedContentTypeIsReadAsJson) {
  Serve();
  constexpr int kRows = 1000;
  const std::string large = LargeLinearJson(kRows);
  ASSERT_GT(large.size(), 8192U);
  httplib::Client client = Client();
  for (const std::string& body : {std::string(kLinearJson), large}) {
    const auto res = client.Post("/v2/models/linear/infer", body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  const auto res = client.Post("/v2/models/linear/infer", large, "application/x-www-form-urlencoded");
  ExpectLargeLinearAnswer(res->body, kRows);
  const auto malformed = client.Post("/v2/models/linear/infer", "x=1&y=2", "application/x-www-form-urlencoded");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_FALSE(ErrorOf(malformed).empty());
  const httplib::MultipartFormDataItems form = {{"request", kLinearJson, "", "application/json"}};
  const auto multipart = client.Post("/v2/models/linear/infer", form);
  ASSERT_TRUE(multipart);
  EXPECT_EQ(multipart->status, 400);
  EXPECT_THAT(ErrorOf(multipart), HasSubstr("multipart/form-data"));
  EXPECT_EQ(client.Post("/v2/models/linear/infer", kLinearJson, "application/json")->status, 200);
}

TEST_F(HttpServerTest, AStalledClientIsDroppedWhileOthersAreServed) {
  HttpServerOptions http;
  http.read_timeout = std::chrono::milliseconds(500);
  http.threads = 4;
  Serve(http);
  const int fd = Connect(port_);
  const std::string half =
      "POST /v2/models/linear/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 200\r\n\r\n{\"inputs\":";
  ASSERT_EQ(send(fd, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
  // Meanwhile the server answers others.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(PostJson("/v2/models/linear/infer", kLinearJson)->status, 200);
  // The stalled connection ends (the server closes it); a safety limit keeps
  // a broken server from hanging the test.
  timeval limit{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  char buffer[4096];
  ssize_t got = 0;
  std::string answer;
  while ((got = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, static_cast<std::size_t>(got));
  EXPECT_EQ(got, 0) << "the stalled connection was not closed";
  EXPECT_THAT(answer, ::testing::Not(HasSubstr("200 OK")));
  close(fd);
  EXPECT_EQ(PostJson("/v2/models/linear/infer", kLinearJson)->status, 200);
}

TEST_F(HttpServerTest, TenThousandRequestsBeyondTheQueueAllGet200Or503) {
  HttpServerOptions http;
  http.threads = 32;
  http.render_fixes = [](const Status& status) {
    return status.RenderedFixes(status.fixes().empty() ? "" : "raise " + status.fixes().front().field);
  };
  Serve(http, [](ServedModelOptions& m) { m.max_queue_size = 2; });
  const HttpBody body = EncodeInferRequest(
      [] {
        InferRequest request;
        InferTensor input;
        input.name = "input";
        input.shape = {1, 3, 32, 32};
        input.data = FloatBytes(std::vector<float>(3 * 32 * 32, 0.5F));
        request.inputs.push_back(std::move(input));
        return request;
      }(),
      true, false);
  const httplib::Headers headers = {
      {std::string(kInferenceHeaderContentLength), std::to_string(*body.json_header_bytes)}};
  constexpr int kClients = 32;
  constexpr int kRequests = 10'000;
  std::atomic<int> next{0};
  std::mutex mutex;
  std::map<int, int> codes;  // status -> count; -1: no answer
  std::vector<std::string> bad_bodies;
  std::string full_answer;            // the first 503's error
  std::vector<std::string> failures;  // requests without an answer: why
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", port_);
      client.set_keep_alive(true);
      client.set_read_timeout(std::chrono::seconds(60));
      while (next.fetch_add(1) < kRequests) {
        const auto res = client.Post("/v2/models/cnn/infer", headers, body.body, body.content_type.c_str());
        const std::lock_guard lock(mutex);
        ++codes[res ? res->status : -1];
        if (!res) failures.push_back(httplib::to_string(res.error()));
        if (res && res->status != 200 && !ParseErrorBody(res->body).has_value()) bad_bodies.push_back(res->body);
        if (res && res->status == 503 && full_answer.empty())
          full_answer = ParseErrorBody(res->body).value_or(res->body);
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(codes[200] + codes[503], kRequests)
      << "answers: " << ::testing::PrintToString(codes) << ", failures: " << ::testing::PrintToString(failures);
  EXPECT_GT(codes[503], 0) << "the queue of 2 never filled";
  EXPECT_THAT(full_answer, HasSubstr("queue full (2 requests waiting); retry later, or queue more: raise max_queue"))
      << "the fix rendered by render_fixes";
  EXPECT_TRUE(bad_bodies.empty()) << bad_bodies.front();
  EXPECT_EQ(Client().Get("/v2/health/ready")->status, 200);
  EXPECT_EQ(PostJson("/v2/models/linear/infer", kLinearJson)->status, 200);
}

// The requests wait in the batcher (a batch of 16 with a long window) when
// Stop comes: each still gets its answer.
TEST_F(HttpServerTest, StopAnswersTheRequestsInFlightAndThenRefuses) {
  constexpr int kInFlight = 4;
  Serve({}, [](ServedModelOptions& m) {
    m.batching.max_batch_size = 16;
    m.batching.max_queue_delay = std::chrono::seconds(2);
  });
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int c = 0; c < kInFlight; ++c) {
    clients.emplace_back([&] {
      const auto res = PostJson("/v2/models/linear/infer", kLinearJson);
      if (res && res->status == 200) ++ok;
    });
  }
  const std::string queued = R"(sweetspot_queue_depth{model="linear"} )" + std::to_string(kInFlight);
  while (Client().Get("/metrics")->body.find(queued) == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  front_->Stop();
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok, kInFlight);
  EXPECT_FALSE(server_->Ready());
  EXPECT_FALSE(Client().Get("/v2/health/live")) << "still accepting after Stop";
}

// Runs `command` in a shell; its stdout.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, got);
  pclose(pipe);
  return out;
}

// The published examples of the protocol, as curl sends them (KServe's
// "curl -H 'Content-Type: application/json' .../infer -d @input.json" and
// Triton's binary extension request with Inference-Header-Content-Length).
TEST_F(HttpServerTest, CurlAsInThePublishedExamples) {
  if (std::system("curl --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is missing: run scripts/bootstrap";
  Serve();
  const std::string url = "localhost:" + std::to_string(port_);
  EXPECT_THAT(Shell("curl -s -i " + url + "/v2/health/ready"), HasSubstr("HTTP/1.1 200"));
  const std::string json =
      Shell("curl -s -X POST " + url + "/v2/models/linear/infer -H 'Content-Type: application/json' -d '" +
            kLinearJson + "'");
  const Result<InferResponse> response = ParseInferResponse(json, std::nullopt);
  ASSERT_TRUE(response.ok()) << json;
  EXPECT_THAT(Floats(response->outputs.at(0).data), ElementsAre(13.0F, 27.0F, 41.0F));

  // KServe's "curl -v http://${INGRESS}/v2/models/${MODEL}/infer -d @./iris-input.json":
  // no Content-Type given, so curl sends application/x-www-form-urlencoded.
  constexpr int kRows = 392;  // a 28x28 image's worth of floats
  testing::WriteFile(dir_ / "large.json", LargeLinearJson(kRows));
  ExpectLargeLinearAnswer(
      Shell("curl -s -X POST " + url + "/v2/models/linear/infer -d @" + (dir_ / "large.json").string()), kRows);

  const std::string header = R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32",)"
                             R"("parameters":{"binary_data_size":8}}],)"
                             R"("outputs":[{"name":"y","parameters":{"binary_data":true}}]})";
  testing::WriteFile(dir_ / "request.bin", header + FloatBytes({1, 1}));
  const std::string command = "curl -s -X POST " + url +
                              "/v2/models/linear/infer -H 'Content-Type: application/octet-stream' "
                              "-H 'Inference-Header-Content-Length: " +
                              std::to_string(header.size()) + "' --data-binary @" + (dir_ / "request.bin").string() +
                              " -D " + (dir_ / "headers.txt").string() + " -o " + (dir_ / "answer.bin").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream headers_file(dir_ / "headers.txt");
  std::string line;
  std::optional<std::size_t> header_bytes;
  while (std::getline(headers_file, line)) {
    const std::string key = "inference-header-content-length: ";
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.starts_with(key)) header_bytes = std::stoul(line.substr(key.size()));
  }
  ASSERT_TRUE(header_bytes.has_value()) << "no Inference-Header-Content-Length in the answer";
  std::ifstream answer_file(dir_ / "answer.bin", std::ios::binary);
  const std::string answer((std::istreambuf_iterator<char>(answer_file)), std::istreambuf_iterator<char>());
  const Result<InferResponse> binary = ParseInferResponse(answer, header_bytes);
  ASSERT_TRUE(binary.ok()) << binary.status().ToString();
  EXPECT_THAT(Floats(binary->outputs.at(0).data), ElementsAre(13.0F, 27.0F, 41.0F));
}

}  // namespace
}  // namespace sweetspot
