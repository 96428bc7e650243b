// A model server behind HTTP and gRPC on loopback, for the load tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sweetspot/grpc_server.h"
#include "sweetspot/http_server.h"
#include "sweetspot/load_generator.h"
#include "sweetspot/model_server.h"

namespace sweetspot::testing {

// `models` behind HTTP and gRPC on 127.0.0.1, free ports.
class LoopbackServers {
 public:
  explicit LoopbackServers(std::vector<ServedModelOptions> models) {
    auto created = ModelServer::Create(std::move(models));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return;
    server_ = std::move(*created);
    HttpServerOptions http;
    http.port = 0;
    http_ = std::make_unique<HttpFrontEnd>(*server_, http);
    auto http_port = http_->Start();
    EXPECT_TRUE(http_port.ok()) << http_port.status().ToString();
    GrpcServerOptions grpc;
    grpc.port = 0;
    grpc_ = std::make_unique<GrpcFrontEnd>(*server_, grpc);
    auto grpc_port = grpc_->Start();
    EXPECT_TRUE(grpc_port.ok()) << grpc_port.status().ToString();
    if (http_port.ok() && grpc_port.ok()) {
      urls_ = {"http://127.0.0.1:" + std::to_string(*http_port), "grpc://127.0.0.1:" + std::to_string(*grpc_port)};
    }
  }
  ~LoopbackServers() {
    if (http_) http_->Stop();
    if (grpc_) grpc_->Stop();
  }
  const std::vector<std::string>& urls() const { return urls_; }

 private:
  std::unique_ptr<ModelServer> server_;
  std::unique_ptr<HttpFrontEnd> http_;
  std::unique_ptr<GrpcFrontEnd> grpc_;
  std::vector<std::string> urls_;
};

// The options of one pass of `load` (one_pass, no warm-up) at `concurrency`.
inline LoadOptions OnePassOptions(const std::string& url, const std::string& model, int concurrency) {
  LoadOptions load;
  load.url = url;
  load.model = model;
  load.concurrency = {concurrency};
  load.one_pass = true;
  load.timing.warmup_s = 0.0;
  return load;
}

}  // namespace sweetspot::testing
