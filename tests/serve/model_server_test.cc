#include "sweetspot/model_server.h"

#include <cmath>
#include <future>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serve_test_util.h"
#include "support/support.h"
#include "support/tiny_models.h"

namespace sweetspot {
namespace {

using testing::BytesTensor;
using testing::Floats;
using testing::Fp32Tensor;
using ::testing::HasSubstr;
using testing::Request;

// A request that waits for a batch to fill never waits this long in a test.
constexpr auto kForever = std::chrono::hours(1);

class ModelServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    linear_ = testing::WriteModel(testing::LinearModel(), dir_ / "linear.onnx");
    testing::TinyCnnSpec spec;
    spec.channels = 1;
    spec.image_size = 8;
    cnn_ = testing::WriteModel(testing::TinyCnn(spec), dir_ / "cnn.onnx");
    spec.dynamic_batch = false;
    cnn_fixed_ = testing::WriteModel(testing::TinyCnn(spec), dir_ / "cnn_fixed.onnx");
  }

  static ServedModelOptions Options(const std::filesystem::path& path, int max_batch_size = 1,
                                    std::chrono::microseconds delay = kForever) {
    ServedModelOptions options;
    options.path = path;
    options.batching.max_batch_size = max_batch_size;
    options.batching.max_queue_delay = delay;
    return options;
  }

  static std::unique_ptr<ModelServer> Serve(std::vector<ServedModelOptions> models) {
    auto server = ModelServer::Create(std::move(models));
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(*server) : nullptr;
  }

  testing::TempDir dir_;
  std::filesystem::path linear_, cnn_, cnn_fixed_;
};

// Waits (polling the metrics, no deadline) until `model`'s queue holds `depth` requests.
void AwaitQueueDepth(ModelServer& server, const std::string& model, int depth) {
  const std::string line = "sweetspot_queue_depth{model=\"" + model + "\"} " + std::to_string(depth) + "\n";
  while (server.metrics().PrometheusText().find(line) == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::future<Result<InferResponse>> InferAsync(ModelServer& server, InferRequest request, StageTimes* times = nullptr) {
  return std::async(std::launch::async,
                    [&server, request = std::move(request), times] { return server.Infer(request, times); });
}

TEST_F(ModelServerTest, AnswersARequestAndDescribesTheModel) {
  auto server = Serve({Options(linear_)});
  ASSERT_NE(server, nullptr);
  auto meta = server->Metadata("linear", "");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->name, "linear");
  EXPECT_EQ(meta->versions, std::vector<std::string>{"1"});
  EXPECT_EQ(meta->platform, "onnxruntime_onnx");
  ASSERT_EQ(meta->inputs.size(), 1U);
  EXPECT_EQ(meta->inputs[0].name, "x");
  EXPECT_EQ(meta->inputs[0].datatype, WireType::kFp32);
  EXPECT_EQ(meta->inputs[0].shape, (std::vector<std::int64_t>{-1, 2}));
  EXPECT_EQ(meta->outputs[0].shape, (std::vector<std::int64_t>{-1, 3}));
  EXPECT_TRUE(server->Live());
  EXPECT_TRUE(server->Ready());
  EXPECT_TRUE(server->ModelReady("linear", "1"));
  EXPECT_FALSE(server->ModelReady("linear", "2"));

  InferRequest request = Request("linear", {Fp32Tensor("x", {2, 2}, {1, 1, 0, 0})});
  request.id = "r1";
  StageTimes times;
  auto response = server->Infer(request, &times);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->id, "r1");
  EXPECT_EQ(response->model_version, "1");
  ASSERT_EQ(response->outputs.size(), 1U);
  EXPECT_EQ(response->outputs[0].name, "y");
  EXPECT_EQ(response->outputs[0].shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(Floats(response->outputs[0]), (std::vector<float>{13, 27, 41, 10, 20, 30}));
  EXPECT_EQ(times.batch_size, 2);
  EXPECT_EQ(std::get<std::int64_t>(response->parameters.at("sweetspot_batch_size")), 2);
  EXPECT_TRUE(std::holds_alternative<double>(response->parameters.at("sweetspot_queue_us")));
  EXPECT_TRUE(std::holds_alternative<double>(response->parameters.at("sweetspot_preprocess_us")));
  EXPECT_TRUE(std::holds_alternative<double>(response->parameters.at("sweetspot_inference_us")));
}

TEST_F(ModelServerTest, VersionsAreServedApartAndEmptyMeansLatest) {
  ServedModelOptions v2 = Options(linear_);
  v2.version = "10";
  ServedModelOptions v1 = Options(linear_);
  v1.version = "9";
  auto server = Serve({v2, v1});
  ASSERT_NE(server, nullptr);
  auto response = server->Infer(Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})}));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->model_version, "10");
  EXPECT_EQ(server->Metadata("linear", "9")->versions, (std::vector<std::string>{"9", "10"}));
  EXPECT_EQ(server->Models().size(), 2U);
}

std::vector<float> RandomImage(std::int64_t rows, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  std::vector<float> values(static_cast<std::size_t>(rows * 64));
  for (float& v : values) v = uniform(rng);
  return values;
}

TEST_F(ModelServerTest, BatchedAnswersEqualUnbatchedOnes) {
  auto unbatched = Serve({Options(cnn_)});
  auto batched = Serve({Options(cnn_, /*max_batch_size=*/8)});
  ASSERT_NE(batched, nullptr);
  // 1 + 2 + 2 + 3 rows fill the batch exactly: it runs once, with all four requests.
  const std::vector<std::int64_t> rows = {1, 2, 2, 3};
  std::vector<StageTimes> times(rows.size());
  std::vector<std::future<Result<InferResponse>>> answers;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto image = RandomImage(rows[i], static_cast<std::uint32_t>(i));
    answers.push_back(
        InferAsync(*batched, Request("cnn", {Fp32Tensor("input", {rows[i], 1, 8, 8}, image)}), &times[i]));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto response = answers[i].get();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(times[i].batch_size, 8);
    const auto image = RandomImage(rows[i], static_cast<std::uint32_t>(i));
    auto alone = unbatched->Infer(Request("cnn", {Fp32Tensor("input", {rows[i], 1, 8, 8}, image)}));
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    EXPECT_EQ(response->outputs[0].shape, (std::vector<std::int64_t>{rows[i], 10}));
    const auto got = Floats(response->outputs[0]);
    const auto expected = Floats(alone->outputs[0]);
    ASSERT_EQ(got.size(), expected.size());
    // The runtime may pick other kernels for 8 rows than for 1: equal up to float rounding.
    for (std::size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], expected[k], 1e-5) << "request " << i;
  }
}

TEST_F(ModelServerTest, APreferredBatchSizeRunsWithoutWaitingForTheDelay) {
  ServedModelOptions options = Options(linear_, /*max_batch_size=*/8);
  options.batching.preferred_batch_sizes = {3};
  auto server = Serve({options});
  ASSERT_NE(server, nullptr);
  std::vector<StageTimes> times(3);
  std::vector<std::future<Result<InferResponse>>> answers;
  for (int i = 0; i < 3; ++i)
    answers.push_back(InferAsync(*server, Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})}), &times[i]));
  for (int i = 0; i < 3; ++i) {
    // Without the preferred size these would wait the whole hour.
    ASSERT_EQ(answers[i].wait_for(std::chrono::minutes(5)), std::future_status::ready) << "request " << i;
    auto response = answers[i].get();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(times[i].batch_size, 3);
  }
}

TEST_F(ModelServerTest, ARequestBiggerThanTheMaximumBatchRunsAlone) {
  auto server = Serve({Options(linear_, /*max_batch_size=*/4)});
  ASSERT_NE(server, nullptr);
  StageTimes times;
  auto response = server->Infer(Request("linear", {Fp32Tensor("x", {6, 2}, std::vector<float>(12, 1.0F))}), &times);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(times.batch_size, 6);
  EXPECT_EQ(response->outputs[0].shape, (std::vector<std::int64_t>{6, 3}));
}

TEST_F(ModelServerTest, AFullQueueRefusesWhileTheQueuedRequestsAreAnswered) {
  ServedModelOptions options = Options(linear_, /*max_batch_size=*/4);
  options.max_queue_size = 2;
  auto server = Serve({options});
  ASSERT_NE(server, nullptr);
  auto a = InferAsync(*server, Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})}));
  auto b = InferAsync(*server, Request("linear", {Fp32Tensor("x", {1, 2}, {0, 0})}));
  AwaitQueueDepth(*server, "linear", 2);  // 2 rows of 4: the batch waits for more
  auto refused = server->Infer(Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(), "model 'linear': queue full (2 requests waiting); retry later, or queue more");
  EXPECT_EQ(refused.status().fixes(), (std::vector<FieldFix>{{.field = "max_queue", .key = "", .values = {"4"}}}));
  server->BeginShutdown();  // the queued batch runs now
  auto answer_a = a.get();
  auto answer_b = b.get();
  ASSERT_TRUE(answer_a.ok()) << answer_a.status().ToString();
  ASSERT_TRUE(answer_b.ok()) << answer_b.status().ToString();
  EXPECT_EQ(Floats(answer_a->outputs[0]), (std::vector<float>{13, 27, 41}));
  EXPECT_EQ(Floats(answer_b->outputs[0]), (std::vector<float>{10, 20, 30}));
}

TEST_F(ModelServerTest, RaisingMaxQueueSizeQueuesTheRequestThatWasRefused) {
  ServedModelOptions options = Options(linear_, /*max_batch_size=*/4);
  options.max_queue_size = 3;
  auto server = Serve({options});
  ASSERT_NE(server, nullptr);
  std::vector<std::future<Result<InferResponse>>> answers;
  for (int i = 0; i < 3; ++i)
    answers.push_back(InferAsync(*server, Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})})));
  AwaitQueueDepth(*server, "linear", 3);
  server->BeginShutdown();
  for (auto& answer : answers) EXPECT_TRUE(answer.get().ok());
}

TEST_F(ModelServerTest, ShutdownFinishesQueuedWorkAndRefusesNewRequests) {
  auto server = Serve({Options(linear_, /*max_batch_size=*/4)});
  ASSERT_NE(server, nullptr);
  StageTimes times;
  auto queued = InferAsync(*server, Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})}), &times);
  AwaitQueueDepth(*server, "linear", 1);
  server->BeginShutdown();
  EXPECT_FALSE(server->Ready());
  EXPECT_FALSE(server->ModelReady("linear", ""));
  auto refused = server->Infer(Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused.status().message(), "the server is shutting down; model 'linear' takes no new requests");
  auto answer = queued.get();
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(Floats(answer->outputs[0]), (std::vector<float>{13, 27, 41}));
  EXPECT_EQ(times.batch_size, 1);
  server->WaitIdle();
  EXPECT_TRUE(server->Live());
}

TEST_F(ModelServerTest, RequestedOutputsAreTheOnlyOnesReturned) {
  auto server = Serve({Options(linear_)});
  ASSERT_NE(server, nullptr);
  InferRequest request = Request("linear", {Fp32Tensor("x", {1, 2}, {1, 1})});
  request.outputs.push_back(RequestedOutput{"y", false, {}});
  auto response = server->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->outputs.size(), 1U);
  EXPECT_EQ(response->outputs[0].name, "y");
}

Status InferError(ModelServer& server, InferRequest request) {
  auto response = server.Infer(request);
  return response.ok() ? Status::Ok() : response.status();
}

TEST_F(ModelServerTest, EachBadRequestGetsItsOwnOneLineError) {
  auto server = Serve({Options(linear_), Options(cnn_)});
  ASSERT_NE(server, nullptr);
  const InferTensor x = Fp32Tensor("x", {1, 2}, {1, 1});
  struct Case {
    InferRequest request;
    StatusCode code;
    std::string message;
  };
  InferRequest fp64 = Request("linear", {x});
  fp64.inputs[0].datatype = WireType::kFp64;
  fp64.inputs[0].data += fp64.inputs[0].data;
  InferRequest short_data = Request("linear", {x});
  short_data.inputs[0].data.pop_back();
  InferRequest unknown_output = Request("linear", {x});
  unknown_output.outputs.push_back(RequestedOutput{"z", false, {}});
  InferRequest bad_version = Request("linear", {x});
  bad_version.model_version = "7";
  const std::vector<Case> cases = {
      {Request("nope", {x}), StatusCode::kNotFound, "no model 'nope' is served (models: cnn, linear)"},
      {bad_version, StatusCode::kNotFound, "model 'linear' has no version '7' (served: 1)"},
      {Request("linear", {}), StatusCode::kInvalidArgument,
       "model 'linear': input 'x' is missing from the request (its inputs: 'x')"},
      {Request("linear", {x, Fp32Tensor("z", {1}, {1})}), StatusCode::kInvalidArgument,
       "model 'linear' has no input 'z' (its inputs: 'x')"},
      {Request("linear", {x, x}), StatusCode::kInvalidArgument, "model 'linear': input 'x' is given twice"},
      {fp64, StatusCode::kInvalidArgument, "model 'linear' input 'x' takes datatype FP32, got FP64"},
      {Request("linear", {Fp32Tensor("x", {1, 3}, {1, 1, 1})}), StatusCode::kInvalidArgument,
       "model 'linear': input 'x': expected shape [N,2], got [1,3]"},
      {short_data, StatusCode::kInvalidArgument, "model 'linear' input 'x': shape [1,2] needs 8 bytes of data, got 7"},
      {unknown_output, StatusCode::kInvalidArgument, "model 'linear' has no output 'z' (its outputs: 'y')"},
      {Request("linear", {BytesTensor("x", {"png"})}), StatusCode::kInvalidArgument,
       "model 'linear' input 'x' takes FP32, got BYTES, and images cannot be sent to it: it is not an image tensor "
       "(rank 4)"},
      {Request("cnn", {BytesTensor("input", {"png"})}), StatusCode::kInvalidArgument,
       "model 'cnn' input 'input' takes FP32, got BYTES, and images cannot be sent to it: the model has no "
       "'sweetspot.preprocess' metadata and its preprocess option is not set"},
  };
  for (const Case& c : cases) {
    const Status status = InferError(*server, c.request);
    EXPECT_EQ(status.code(), c.code) << status.ToString();
    EXPECT_EQ(status.message(), c.message);
  }
  // The server keeps answering after every one of them.
  EXPECT_TRUE(server->Infer(Request("linear", {x})).ok());
}

TEST_F(ModelServerTest, AnImageThatDoesNotDecodeIsABadRequest) {
  ServedModelOptions options = Options(cnn_);
  PreprocessSpec gray;
  gray.color = ColorOrder::kGray;
  options.preprocess = gray;
  auto server = Serve({options});
  ASSERT_NE(server, nullptr);
  const Status status = InferError(*server, Request("cnn", {BytesTensor("input", {"not an image"})}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "model 'cnn' input 'input': image 0 cannot be decoded (corrupt, or not JPEG/PNG/BMP/WebP/TIFF/PNM)");
  InferRequest no_elements = Request("cnn", {BytesTensor("input", {})});
  no_elements.inputs[0].shape = {2};
  EXPECT_EQ(InferError(*server, no_elements).message(),
            "model 'cnn' input 'input': shape [2] holds 2 images, the data 0");
  InferRequest cut_short = Request("cnn", {BytesTensor("input", {"abc"})});
  cut_short.inputs[0].data.pop_back();
  EXPECT_EQ(InferError(*server, cut_short).message(),
            "model 'cnn' input 'input': BYTES element 0: length 3 runs past the data's end (2 left)");
  InferRequest matrix = Request("cnn", {BytesTensor("input", {"a", "b"})});
  matrix.inputs[0].shape = {1, 2};
  EXPECT_EQ(InferError(*server, matrix).message(),
            "model 'cnn' input 'input': BYTES images need shape [N] or [N,1], got [1,2]");
}

TEST_F(ModelServerTest, CreateRefusesBadOptionsNamingTheField) {
  auto fixed = ModelServer::Create({Options(cnn_fixed_, /*max_batch_size=*/4)});
  ASSERT_FALSE(fixed.ok());
  EXPECT_EQ(fixed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fixed.status().message(),
            "model 'cnn_fixed' cannot batch (up to 4 rows): 'input' has shape [1,1,8,8], with no dynamic batch "
            "dimension");
  EXPECT_THAT(fixed.status().fixes(),
              ::testing::ElementsAre(FieldFix{.field = "max_batch", .key = "", .values = {"1"}}));
  // The fix the message proposes works.
  auto unbatched = ModelServer::Create({Options(cnn_fixed_, /*max_batch_size=*/1)});
  ASSERT_TRUE(unbatched.ok()) << unbatched.status().ToString();
  EXPECT_TRUE((*unbatched)->Infer(Request("cnn_fixed", {Fp32Tensor("input", {1, 1, 8, 8}, RandomImage(1, 0))})).ok());

  ServedModelOptions preferred = Options(linear_, 4);
  preferred.batching.preferred_batch_sizes = {5};
  EXPECT_EQ(ModelServer::Create({preferred}).status().message(),
            "model 'linear': preferred batch size 5 is outside [1, max_batch_size 4]");
  ServedModelOptions day = Options(linear_, 4, std::chrono::hours(24));
  EXPECT_EQ(ModelServer::Create({day}).status().message(),
            "model 'linear': max_queue_delay must be between 0 and 3600 s, got 86400000000 us");
  ServedModelOptions no_sessions = Options(linear_);
  no_sessions.sessions = 0;
  EXPECT_EQ(ModelServer::Create({no_sessions}).status().message(),
            "model 'linear': sessions must be at least 1, got 0");
  EXPECT_EQ(ModelServer::Create({Options(linear_), Options(linear_)}).status().message(),
            "model 'linear' version '1' is given twice");
  EXPECT_EQ(ModelServer::Create({Options(dir_ / "missing.onnx")}).status().code(), StatusCode::kNotFound);
}

// The exposition, parsed: every line a HELP, a TYPE or `name{labels} value`;
// returns the value of each series line by its text before the value.
std::map<std::string, double> ParseExposition(const std::string& text) {
  static const std::regex kComment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  static const std::regex kSample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_]+="[^"]*"(,[a-zA-Z_]+="[^"]*")*\})?) (\S+))");
  std::map<std::string, double> values;
  std::istringstream lines(text);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, kComment)) continue;
    EXPECT_TRUE(std::regex_match(line, match, kSample)) << "malformed line: " << line;
    if (!match.empty()) values[match[1]] = match[4] == "+Inf" ? INFINITY : std::stod(match[4]);
  }
  return values;
}

TEST_F(ModelServerTest, MetricsCountRequestsBatchesAndStages) {
  auto server = Serve({Options(linear_)});
  ASSERT_NE(server, nullptr);
  const InferTensor x = Fp32Tensor("x", {1, 2}, {1, 1});
  ASSERT_TRUE(server->Infer(Request("linear", {x})).ok());
  ASSERT_TRUE(server->Infer(Request("linear", {x})).ok());
  EXPECT_FALSE(server->Infer(Request("linear", {})).ok());
  EXPECT_FALSE(server->Infer(Request("nope", {x})).ok());
  server->RecordSerializeTime("linear", 250.0);
  const auto values = ParseExposition(server->metrics().PrometheusText());
  EXPECT_EQ(values.at(R"(sweetspot_requests_total{code="200",model="linear"})"), 2);
  EXPECT_EQ(values.at(R"(sweetspot_requests_total{code="400",model="linear"})"), 1);
  EXPECT_EQ(values.at(R"(sweetspot_requests_total{code="404",model=""})"), 1);
  EXPECT_EQ(values.at(R"(sweetspot_queue_depth{model="linear"})"), 0);
  EXPECT_EQ(values.at(R"(sweetspot_batch_size_count{model="linear"})"), 2);
  EXPECT_EQ(values.at(R"(sweetspot_batch_size_bucket{model="linear",le="1"})"), 2);
  EXPECT_EQ(values.at(R"(sweetspot_batch_size_sum{model="linear"})"), 2);
  for (const char* stage : {"queue", "preprocess", "inference"}) {
    const std::string labels = std::string(R"(model="linear",stage=")") + stage + "\"";
    EXPECT_EQ(values.at("sweetspot_stage_seconds_count{" + labels + "}"), 2) << stage;
    EXPECT_EQ(values.at("sweetspot_stage_seconds_bucket{" + labels + R"(,le="+Inf"})"), 2) << stage;
    double previous = 0;  // cumulative buckets never decrease
    for (const double le : StageSecondsBuckets()) {
      const double count = values.at(
          "sweetspot_stage_seconds_bucket{" + labels + ",le=\"" +
          (le == static_cast<int>(le) ? std::to_string(static_cast<int>(le)) : fmt::format("{}", le)) + "\"}");
      EXPECT_GE(count, previous) << stage << " le=" << le;
      previous = count;
    }
  }
  EXPECT_EQ(values.at(R"(sweetspot_stage_seconds_bucket{model="linear",stage="serialize",le="0.00025"})"), 1);
  EXPECT_EQ(values.at(R"(sweetspot_stage_seconds_bucket{model="linear",stage="serialize",le="0.0001"})"), 0);
}

TEST_F(ModelServerTest, SeveralSessionsAnswerConcurrentRequests) {
  ServedModelOptions options = Options(cnn_, /*max_batch_size=*/4, std::chrono::microseconds(100));
  options.sessions = 2;
  auto server = Serve({options});
  ASSERT_NE(server, nullptr);
  std::vector<std::future<Result<InferResponse>>> answers;
  for (int i = 0; i < 16; ++i) {
    answers.push_back(InferAsync(
        *server, Request("cnn", {Fp32Tensor("input", {1, 1, 8, 8}, RandomImage(1, static_cast<std::uint32_t>(i)))})));
  }
  for (auto& answer : answers) {
    auto response = answer.get();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->outputs[0].shape, (std::vector<std::int64_t>{1, 10}));
  }
}

}  // namespace
}  // namespace sweetspot
