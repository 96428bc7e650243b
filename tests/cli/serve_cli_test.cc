// `sweetspot serve` as a user runs it: the built binary on a free port, its
// one "serving" line, requests over HTTP, and SIGTERM with requests in flight.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "support/serve_process.h"
#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/grpc_client.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::ServeProcess;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr char kLinearJson[] = R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[1,1]}]})";

class ServeCliTest : public ::testing::Test {
 protected:
  void SetUp() override { model_ = testing::WriteModel(testing::LinearModel(), dir_ / "linear.onnx"); }
  TempDir dir_;
  fs::path model_;
};

TEST_F(ServeCliTest, PrintsOneServingLineAndAnswers) {
  ServeProcess serve({model_.string(), "--name", "lin", "--http-port", "0"}, dir_ / "err.txt");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  EXPECT_THAT(serve.line(), HasSubstr("(models: lin)"));
  httplib::Client client("127.0.0.1", serve.port());
  const auto res = client.Post("/v2/models/lin/infer", kLinearJson, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_THAT(res->body, HasSubstr("13"));
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0) << serve.Stderr();
}

TEST_F(ServeCliTest, SigintStopsItAlsoWhenStartedAsAShellsBackgroundJob) {
  ServeProcess serve({model_.string(), "--http-port", "0"}, dir_ / "err.txt", /*sigint_ignored=*/true);
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0) << serve.Stderr();
  EXPECT_THAT(serve.Stderr(), HasSubstr("stopped"));
}

// Requests wait in the batcher (batches of 8, a 3 s window) when SIGTERM
// comes: every one is answered 200, then the process exits 0.
TEST_F(ServeCliTest, SigtermAnswersTheRequestsInFlight) {
  constexpr int kInFlight = 4;
  ServeProcess serve({model_.string(), "--http-port", "0", "--max-batch", "8", "--max-queue-delay-us", "3000000"},
                     dir_ / "err.txt");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kInFlight; ++i) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", serve.port());
      client.set_read_timeout(std::chrono::seconds(60));
      const auto res = client.Post("/v2/models/linear/infer", kLinearJson, "application/json");
      if (res && res->status == 200) ++ok;
    });
  }
  httplib::Client probe("127.0.0.1", serve.port());
  const std::string queued = R"(sweetspot_queue_depth{model="linear"} )" + std::to_string(kInFlight);
  for (auto metrics = probe.Get("/metrics"); metrics && metrics->body.find(queued) == std::string::npos;
       metrics = probe.Get("/metrics")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  serve.Signal(SIGTERM);
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok, kInFlight);
  EXPECT_EQ(serve.Wait(), 0) << serve.Stderr();
  EXPECT_THAT(serve.Stderr(), HasSubstr("finishing the requests in flight"));
}

// The port-in-use error proposes --http-port 0 (or another port); applied, it works.
TEST_F(ServeCliTest, APortInUseIsNamedWithItsFix) {
  ServeProcess first({model_.string(), "--http-port", "0"}, dir_ / "first.txt");
  ASSERT_GT(first.port(), 0) << first.line() << first.Stderr();
  const auto taken = RunCli("serve " + model_.string() + " --check --http-port " + std::to_string(first.port()));
  EXPECT_EQ(taken.exit_code, 2) << taken.err;
  EXPECT_THAT(taken.err, HasSubstr("pass another --http-port, or 0 for any free one"));
  EXPECT_EQ(std::count(taken.err.begin(), taken.err.end(), '\n'), 1) << taken.err;
  const auto fixed = RunCli("serve " + model_.string() + " --check --http-port 0");
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("serving http://127.0.0.1:"));
}

// --grpc-port: the same models over gRPC too, announced on a second line;
// SIGINT stops both front ends.
TEST_F(ServeCliTest, GrpcPortServesTheModelsOverGrpcToo) {
  ServeProcess serve({model_.string(), "--http-port", "0", "--grpc-port", "0"}, dir_ / "err.txt");
  ASSERT_GT(serve.port(), 0) << serve.line() << serve.Stderr();
  const std::string line = serve.NextLine();
  std::smatch match;
  ASSERT_TRUE(std::regex_match(line, match, std::regex(R"(serving grpc://127\.0\.0\.1:(\d+)\n)"))) << line;
  auto client = ConnectGrpcClient("127.0.0.1:" + match.str(1));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  InferRequest request;
  request.model_name = "linear";
  InferTensor x;
  x.name = "x";
  x.shape = {1, 2};
  const float ones[] = {1, 1};
  x.data.assign(reinterpret_cast<const char*>(ones), sizeof(ones));
  request.inputs.push_back(x);
  const auto response = (*client)->Infer(request, nullptr);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  const std::vector<double> expected = {13, 27, 41};
  EXPECT_EQ(NumericValues(response->outputs.at(0)), expected);
  serve.Signal(SIGINT);
  EXPECT_EQ(serve.Wait(), 0) << serve.Stderr();
}

// The gRPC port-in-use error proposes --grpc-port 0 (or another port); applied, it works.
TEST_F(ServeCliTest, AGrpcPortInUseIsNamedWithItsFix) {
  ServeProcess first({model_.string(), "--http-port", "0", "--grpc-port", "0"}, dir_ / "first.txt");
  ASSERT_GT(first.port(), 0) << first.line() << first.Stderr();
  std::smatch match;
  const std::string line = first.NextLine();
  ASSERT_TRUE(std::regex_match(line, match, std::regex(R"(serving grpc://127\.0\.0\.1:(\d+)\n)"))) << line;
  const std::string grpc_port = match.str(1);
  const std::string serve_check = "serve " + model_.string() + " --check --http-port 0 --grpc-port ";
  const auto taken = RunCli(serve_check + grpc_port);
  EXPECT_EQ(taken.exit_code, 2) << taken.err;
  EXPECT_THAT(taken.err, HasSubstr("pass another --grpc-port, or 0 for any free one"));
  EXPECT_EQ(std::count(taken.err.begin(), taken.err.end(), '\n'), 1) << taken.err;
  const auto fixed = RunCli(serve_check + "0");
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("serving grpc://127.0.0.1:"));
}

TEST_F(ServeCliTest, HelpDescribesTheFlags) {
  const auto help = RunCli("serve --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag :
       {"--http-port", "--grpc-port", "--max-batch", "--max-queue", "--max-body-mb", "--read-timeout-s", "--name"}) {
    EXPECT_THAT(help.out, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace sweetspot
