// The load generator against the real server on loopback: an in-process
// ModelServer behind its HTTP front end on a free port, the real Fashion-MNIST
// demo model and test images. The answers it scores must be eval's answers;
// failed requests are counted apart, never as latencies. No timing assertions.
#include "sweetspot/load_generator.h"
#include "support/support.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweetspot/evaluate.h"
#include "sweetspot/grpc_server.h"
#include "sweetspot/http_server.h"
#include "sweetspot/model_server.h"
#include "sweetspot/rest_client.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;
using testing::DemoModel;
using testing::HaveFashionMnistTest;
using testing::kFashionMnistTest;

constexpr std::size_t kSamples = 200;

// A server of `model` on 127.0.0.1, any free port, for one test.
class LoopbackServer {
 public:
  explicit LoopbackServer(ServedModelOptions model, int http_threads = 16) {
    auto created = ModelServer::Create({std::move(model)});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return;
    server_ = std::move(*created);
    HttpServerOptions options;
    options.port = 0;
    options.threads = http_threads;
    front_ = std::make_unique<HttpFrontEnd>(*server_, options);
    auto port = front_->Start();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    if (port.ok()) url_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  ~LoopbackServer() {
    if (front_) front_->Stop();
  }
  const std::string& url() const { return url_; }
  ClientFactory connect() const {
    return [url = url_] { return ConnectClient(url); };
  }

 private:
  std::unique_ptr<ModelServer> server_;
  std::unique_ptr<HttpFrontEnd> front_;
  std::string url_;
};

ServedModelOptions Served(const std::string& name) {
  ServedModelOptions m;
  m.name = name;
  m.path = DemoModel(name);
  return m;
}

// eval's answers on the subset the load generator sends (same StratifiedSubset).
EvalResult Eval(const std::string& model, std::size_t limit = kSamples) {
  EvalRequest request;
  request.model_path = DemoModel(model).string();
  request.dataset_path = kFashionMnistTest;
  request.limit = limit;
  request.threads = 1;
  request.cache_enabled = false;
  auto result = Evaluate(request);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? std::move(*result) : EvalResult{};
}

Result<LoadRequests> Requests(const std::string& url, const std::string& model, RequestForm form,
                              std::size_t limit = kSamples) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto client, ConnectClient(url));
  SWEETSPOT_ASSIGN_OR_RETURN(const ModelMetadata metadata, client->Metadata(model, ""));
  SWEETSPOT_ASSIGN_OR_RETURN(auto dataset, OpenDataset(kFashionMnistTest));
  RequestOptions options;
  options.form = form;
  options.limit = limit;
  options.model_file = DemoModel(model).string();
  options.cache.enabled = false;
  return BuildLoadRequests(metadata, "", *dataset, options);
}

LevelTiming Short() { return {.warmup_s = 0.2, .duration_s = 1.0, .window_s = 0.5, .tolerance = 0.5}; }

// Every answer the server gives, images or tensors, is eval's answer for that image.
TEST(LoadGeneratorTest, ServedAnswersAreEvalsAnswers) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  const EvalResult eval = Eval("cnn-nano");
  LoopbackServer server(Served("cnn-nano"));
  for (const RequestForm form : {RequestForm::kImages, RequestForm::kTensors}) {
    SCOPED_TRACE(std::string(RequestFormName(form)));
    auto requests = Requests(server.url(), "cnn-nano", form);
    ASSERT_TRUE(requests.ok()) << requests.status().ToString();
    ASSERT_EQ(requests->indices, eval.indices) << "the same subset as eval's";
    auto client = ConnectClient(server.url());
    ASSERT_TRUE(client.ok());
    std::int64_t correct = 0;
    for (std::size_t i = 0; i < requests->requests.size(); ++i) {
      ClientTimes times;
      auto answer = (*client)->Infer(requests->requests[i], &times);
      ASSERT_TRUE(answer.ok()) << answer.status().ToString();
      auto top = TopClass(*answer, requests->output_name);
      ASSERT_TRUE(top.ok()) << top.status().ToString();
      EXPECT_EQ(*top, eval.predictions[i].predicted()) << "sample " << eval.indices[i];
      EXPECT_EQ(requests->labels[i], eval.predictions[i].label);
      correct += *top == requests->labels[i] ? 1 : 0;
      EXPECT_GT(times.wait_us, 0.0);
    }
    EXPECT_EQ(correct, eval.metrics.top1_correct) << "served top-1 equals eval's";
  }
}

// A closed-loop level scores every answer; with eval's predictions as the
// labels every scored answer is correct. The server reports its stage times.
TEST(LoadGeneratorTest, ClosedLevelScoresEveryAnswerAndReadsServerTimes) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  const EvalResult eval = Eval("cnn-nano");
  LoopbackServer server(Served("cnn-nano"));
  auto requests = Requests(server.url(), "cnn-nano", RequestForm::kImages);
  ASSERT_TRUE(requests.ok()) << requests.status().ToString();
  for (std::size_t i = 0; i < eval.predictions.size(); ++i) requests->labels[i] = eval.predictions[i].predicted();
  auto level = RunClosedLevel(server.connect(), *requests, 2, Short());
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_EQ(level->mode, LoadMode::kClosed);
  EXPECT_EQ(level->concurrency, 2);
  EXPECT_GT(level->completed, 0);
  EXPECT_TRUE(level->errors.empty()) << level->first_error;
  EXPECT_EQ(level->latency.count, static_cast<std::size_t>(level->completed));
  EXPECT_EQ(level->scored, level->completed);
  EXPECT_EQ(level->top1_correct, level->scored) << "an answer differed from eval's";
  EXPECT_DOUBLE_EQ(level->throughput_per_s, static_cast<double>(level->completed) / 1.0);
  EXPECT_EQ(level->server.answers, level->completed) << "sweetspot serve reports its stage times";
  EXPECT_GE(level->server.batch_size, 1.0);
  EXPECT_GT(level->client.wait_us, 0.0);
  EXPECT_LE(level->latency.p50_ms, level->latency.p99_ms);
  EXPECT_EQ(level->window_throughputs.size(), 2U);
}

// Open loop: Poisson arrivals; every issued request is answered or counted
// as dropped, never both.
TEST(LoadGeneratorTest, OpenLevelAnswersOrDropsEachArrival) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  LoopbackServer server(Served("cnn-nano"));
  auto requests = Requests(server.url(), "cnn-nano", RequestForm::kTensors);
  ASSERT_TRUE(requests.ok()) << requests.status().ToString();
  auto level = RunOpenLevel(server.connect(), *requests, 100.0, 4, 1, Short());
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_EQ(level->mode, LoadMode::kOpen);
  EXPECT_DOUBLE_EQ(level->rate_per_s, 100.0);
  EXPECT_GT(level->completed, 0);
  EXPECT_TRUE(level->errors.empty()) << level->first_error;
  EXPECT_EQ(level->latency.count, static_cast<std::size_t>(level->completed));
  EXPECT_GE(level->dropped, 0);
}

// One pass: after an unscored warm-up, each of the 300 samples is answered
// exactly once across four clients, so the level's top-1 count is eval's on
// the same subset. duration_s is ignored (far too short to send 300 here).
TEST(LoadGeneratorTest, OnePassScoresEverySampleOnceAsEval) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  constexpr std::size_t kPass = 300;
  const EvalResult eval = Eval("cnn-nano", kPass);
  LoopbackServer server(Served("cnn-nano"));
  auto requests = Requests(server.url(), "cnn-nano", RequestForm::kImages, kPass);
  ASSERT_TRUE(requests.ok()) << requests.status().ToString();
  ASSERT_EQ(requests->indices, eval.indices) << "the same subset as eval's";
  LoadOptions options;
  options.concurrency = {4};
  options.timing = {.warmup_s = 0.2, .duration_s = 0.001, .window_s = 0.5, .tolerance = 0.5};
  options.one_pass = true;
  auto run = RunLoad(server.connect(), *requests, options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->levels.size(), 1U);
  const LevelResult& level = run->levels[0];
  EXPECT_EQ(level.mode, LoadMode::kClosed);
  EXPECT_EQ(level.concurrency, 4);
  EXPECT_TRUE(level.errors.empty()) << level.first_error;
  EXPECT_EQ(level.completed, static_cast<std::int64_t>(kPass)) << "warm-up answers are not counted";
  EXPECT_EQ(level.scored, static_cast<std::int64_t>(kPass));
  EXPECT_EQ(level.latency.count, kPass);
  EXPECT_EQ(level.top1_correct, eval.metrics.top1_correct) << "the pass's top-1 is eval's";
  EXPECT_GT(level.duration_s, 0.0);
  EXPECT_DOUBLE_EQ(level.throughput_per_s, static_cast<double>(kPass) / level.duration_s);

  options.rates_per_s = {50.0};
  auto open = RunLoad(server.connect(), *requests, options);
  ASSERT_FALSE(open.ok()) << "one pass is a closed-loop notion";
  EXPECT_EQ(open.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(open.status().message(), HasSubstr("one_pass"));
  EXPECT_THAT(open.status().message(), HasSubstr("rates_per_s"));
}

// Every request to a model the server lacks fails: all errors, no latencies.
TEST(LoadGeneratorTest, UnknownModelGivesOnlyErrors) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  LoopbackServer server(Served("cnn-nano"));
  auto requests = Requests(server.url(), "cnn-nano", RequestForm::kTensors);
  ASSERT_TRUE(requests.ok()) << requests.status().ToString();
  for (InferRequest& r : requests->requests) r.model_name = "no-such-model";
  auto level = RunClosedLevel(server.connect(), *requests, 2, Short());
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_EQ(level->completed, 0);
  EXPECT_EQ(level->latency.count, 0U);
  EXPECT_EQ(level->throughput_per_s, 0.0);
  ASSERT_EQ(level->errors.size(), 1U);
  EXPECT_GT(level->errors.at("not found"), 0);
  EXPECT_THAT(level->first_error, HasSubstr("no-such-model"));
  EXPECT_EQ(level->scored, 0);
}

// A queue of one request and eight clients: some requests are refused (503,
// resource exhausted) and counted apart; the answered ones keep their latencies.
TEST(LoadGeneratorTest, FullQueueRefusalsAreCountedApart) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  ServedModelOptions model = Served("resnet-large");
  model.max_queue_size = 1;
  LoopbackServer server(model);
  auto requests = Requests(server.url(), "resnet-large", RequestForm::kTensors);
  ASSERT_TRUE(requests.ok()) << requests.status().ToString();
  auto level = RunClosedLevel(server.connect(), *requests, 8, Short());
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_GT(level->completed, 0);
  ASSERT_TRUE(level->errors.contains("resource exhausted")) << "no request was refused";
  EXPECT_GT(level->errors.at("resource exhausted"), 0);
  EXPECT_EQ(level->latency.count, static_cast<std::size_t>(level->completed)) << "refusals are not latencies";
  EXPECT_THAT(level->first_error, HasSubstr("503"));
}

// The same generator over gRPC (grpc://): ConnectClient picks the gRPC
// client; every answer scored equals eval's, and errors stay apart.
TEST(LoadGeneratorTest, GrpcUrlLoadsTheGrpcFrontEnd) {
  if (!HaveFashionMnistTest()) GTEST_SKIP() << kFashionMnistTest << " is missing (apt install dataset-fashion-mnist)";
  const EvalResult eval = Eval("cnn-nano");
  auto server = ModelServer::Create({Served("cnn-nano")});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  GrpcServerOptions options;
  options.port = 0;
  GrpcFrontEnd front(**server, options);
  auto port = front.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  const std::string url = "grpc://127.0.0.1:" + std::to_string(*port);
  auto requests = Requests(url, "cnn-nano", RequestForm::kTensors);
  ASSERT_TRUE(requests.ok()) << requests.status().ToString();
  for (std::size_t i = 0; i < eval.predictions.size(); ++i) requests->labels[i] = eval.predictions[i].predicted();
  auto level = RunClosedLevel([&] { return ConnectClient(url); }, *requests, 2, Short());
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_GT(level->completed, 0);
  EXPECT_TRUE(level->errors.empty()) << level->first_error;
  EXPECT_EQ(level->top1_correct, level->scored);
  EXPECT_EQ(level->scored, level->completed);
  front.Stop();
}

TEST(RestClientTest, ErrorsNameTheUrlAndTheModel) {
  auto bad = ConnectClient("ftp://127.0.0.1:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("http://HOST:PORT"));
  EXPECT_FALSE(ConnectClient("http://127.0.0.1").ok()) << "no port";
  EXPECT_FALSE(ConnectClient("http://127.0.0.1:99999").ok());

  auto nobody = ConnectClient("http://127.0.0.1:1");
  ASSERT_TRUE(nobody.ok()) << "connecting is deferred to the first call";
  const Status live = (*nobody)->Live();
  EXPECT_EQ(live.code(), StatusCode::kUnavailable);
  EXPECT_THAT(live.message(), HasSubstr("http://127.0.0.1:1"));

  LoopbackServer server(Served("cnn-nano"));
  auto client = ConnectClient(server.url());
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Live().ok());
  auto metadata = (*client)->Metadata("cnn-nano", "");
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  EXPECT_EQ(metadata->name, "cnn-nano");
  ASSERT_EQ(metadata->inputs.size(), 1U);
  auto unknown = (*client)->Metadata("nope", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("cnn-nano")) << "the server names the models it serves";
}

InferResponse Scores(WireType type, std::vector<std::int64_t> shape, const std::vector<float>& values) {
  InferTensor t;
  t.name = "scores";
  t.datatype = type;
  t.shape = std::move(shape);
  for (const float v : values) {
    if (type == WireType::kFp16) {
      const std::uint16_t h = FloatToHalf(v);
      t.data.append(reinterpret_cast<const char*>(&h), sizeof h);
    } else {
      t.data.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
  }
  InferResponse r;
  r.outputs.push_back(t);
  return r;
}

TEST(TopClassTest, ArgmaxOfTheFirstRowTiesToTheLowerClass) {
  EXPECT_EQ(*TopClass(Scores(WireType::kFp32, {1, 4}, {0.1F, 3.0F, -1.0F, 2.0F}), "scores"), 1);
  EXPECT_EQ(*TopClass(Scores(WireType::kFp32, {1, 3}, {5.0F, 1.0F, 5.0F}), "scores"), 0);
  EXPECT_EQ(*TopClass(Scores(WireType::kFp16, {1, 3}, {0.5F, 1.5F, 1.0F}), "scores"), 1);
  EXPECT_EQ(*TopClass(Scores(WireType::kFp32, {2, 2}, {1.0F, 0.0F, 0.0F, 9.0F}), "scores"), 0) << "row 0 only";
  EXPECT_EQ(*TopClass(Scores(WireType::kFp32, {3}, {0.0F, 0.0F, 2.0F}), "scores"), 2) << "a rank-1 output is one row";
  EXPECT_FALSE(TopClass(Scores(WireType::kFp32, {1, 3}, {1, 2, 3}), "other").ok());
  EXPECT_FALSE(TopClass(Scores(WireType::kFp32, {1, 0}, {}), "scores").ok());
}

}  // namespace
}  // namespace sweetspot
