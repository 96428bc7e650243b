// Dynamic batching's worth: throughput of ModelServer::Infer with 16 client
// threads each sending one Fashion-MNIST-sized image tensor at a time
// (closed loop), with batching off (max_batch_size 1) and on (16 rows, 500 us
// queue delay), side by side. One session of one thread, as on a small
// machine; the clients call the engine in process, so this measures the
// engine, not HTTP. items_per_second is requests answered per second.
// BM_SessionOffline is the reference: one thread calling Session::Run on
// batches of `batch` rows back to back (what the model alone can do);
// items_per_second there is rows per second.
//
//   bench_serve_batching_bench [MODEL.onnx] [--benchmark_filter=...]
//
// Default model: examples/fashion-mnist/resnet-small.onnx (a dynamic batch
// dimension, input [N,1,28,28]).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/model_server.h"

namespace {

std::filesystem::path g_model =
    std::filesystem::path(SWEETSPOT_SOURCE_DIR) / "examples/fashion-mnist/resnet-small.onnx";
std::unique_ptr<sweetspot::ModelServer> g_server;
sweetspot::InferRequest g_request;

// Thread 0 starts a server with max_batch_size `state.range(0)` before the
// threads start their loops together.
void StartServer(benchmark::State& state) {
  sweetspot::ServedModelOptions options;
  options.name = "m";
  options.path = g_model;
  options.batching.max_batch_size = static_cast<int>(state.range(0));
  options.batching.max_queue_delay = std::chrono::microseconds(state.range(1));
  auto server = sweetspot::ModelServer::Create({options});
  if (!server.ok()) {
    state.SkipWithError(server.status().ToString().c_str());
    return;
  }
  g_server = std::move(*server);
  const sweetspot::TensorMetadata input = g_server->Models().front().inputs.front();
  sweetspot::InferTensor tensor;
  tensor.name = input.name;
  tensor.shape = input.shape;
  tensor.shape[0] = 1;
  tensor.data.assign(static_cast<std::size_t>(tensor.ElementCount()) * sizeof(float), '\0');
  g_request = {};
  g_request.model_name = "m";
  g_request.inputs = {tensor};
}

void BM_ServeClosedLoop(benchmark::State& state) {
  if (state.thread_index() == 0) StartServer(state);
  double batch_rows = 0;
  for (auto _ : state) {
    sweetspot::StageTimes times;
    auto response = g_server->Infer(g_request, &times);
    if (!response.ok()) {
      state.SkipWithError(response.status().ToString().c_str());
      break;
    }
    batch_rows += times.batch_size;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["mean_batch"] =
      benchmark::Counter(batch_rows / static_cast<double>(state.iterations()), benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) g_server.reset();
}
BENCHMARK(BM_ServeClosedLoop)
    ->ArgNames({"max_batch", "delay_us"})
    ->Args({1, 0})
    ->Args({8, 500})
    ->Args({16, 500})
    ->Args({8, 0})
    ->Args({16, 0})
    ->Threads(16)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMicrosecond);

void BM_SessionOffline(benchmark::State& state) {
  auto backend = sweetspot::CreateBackend("onnxruntime");
  auto session = backend.ok() ? (*backend)->Load(g_model, {}) : backend.status();
  if (!session.ok()) {
    state.SkipWithError(session.status().ToString().c_str());
    return;
  }
  sweetspot::Shape shape = (*session)->inputs().front().shape;
  shape[0] = state.range(0);
  const std::vector<sweetspot::Tensor> inputs = {sweetspot::Tensor::Owned(sweetspot::DType::kFloat32, shape)};
  for (auto _ : state) {
    auto outputs = (*session)->Run(inputs);
    if (!outputs.ok()) {
      state.SkipWithError(outputs.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(outputs->front().data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SessionOffline)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc > 1) g_model = argv[1];
  if (!std::filesystem::exists(g_model)) {
    std::printf("%s is missing; skipping\n", g_model.c_str());
    return 0;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
