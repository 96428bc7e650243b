// Harness overhead: is the p50 that `sweetspot bench` reports the model's
// own? Compares, in one process and interleaved (to cancel drift on a noisy
// machine), a bare Ort::Session::Run loop with sweetspot's single-stream
// scenario on the same model (batch 1, 1 thread). Prints the ratio of p50s.
//
//   bench_harness_overhead [MODEL.onnx] [--rounds N]
//
// Default model: ../shared/data/cifar10-resnet/resnet20_cifar10.onnx.
// Exits 1 if the median ratio is outside 1 +/- 3 %.
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "sweetspot/measure.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// The loop a user would write by hand: one session, one input, time Run().
double BareP50Ms(Ort::Session& session, int runs) {
  Ort::AllocatorWithDefaultOptions allocator;
  const std::string in_name = session.GetInputNameAllocated(0, allocator).get();
  const std::string out_name = session.GetOutputNameAllocated(0, allocator).get();
  std::vector<int64_t> shape = session.GetInputTypeInfo(0).GetTensorTypeAndShapeInfo().GetShape();
  for (auto& d : shape) d = d < 0 ? 1 : d;
  std::size_t count = 1;
  for (auto d : shape) count *= static_cast<std::size_t>(d);
  std::vector<float> data(count);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(0, 1);
  for (auto& x : data) x = dist(rng);
  auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Value input = Ort::Value::CreateTensor<float>(memory, data.data(), data.size(), shape.data(), shape.size());
  const char* in_names[] = {in_name.c_str()};
  const char* out_names[] = {out_name.c_str()};
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs / 10; ++i) session.Run(Ort::RunOptions{nullptr}, in_names, &input, 1, out_names, 1);
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    auto out = session.Run(Ort::RunOptions{nullptr}, in_names, &input, 1, out_names, 1);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return sweetspot::stats::Percentile(ms, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path model =
      std::filesystem::path(SWEETSPOT_SHARED_DATA_DIR) / "cifar10-resnet/resnet20_cifar10.onnx";
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else {
      model = argv[i];
    }
  }
  if (!std::filesystem::exists(model)) {
    std::printf("SKIP: %s is missing (../shared/data not present); pass a model path\n", model.c_str());
    return 0;
  }

  // The build defines ORT_API_MANUAL_INIT: the bare loop runs the linked
  // library, the one CreateBackend("onnxruntime") runs.
  Ort::InitApi();
  Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "bare");
  Ort::SessionOptions so;
  so.SetIntraOpNumThreads(1);
  so.SetInterOpNumThreads(1);
  so.SetGraphOptimizationLevel(ORT_ENABLE_ALL);
  so.SetExecutionMode(ORT_SEQUENTIAL);
  Ort::Session bare(env, model.c_str(), so);

  auto backend = sweetspot::CreateBackend("onnxruntime");
  sweetspot::MeasureConfig config;
  config.stopping.min_duration = std::chrono::duration<double>(2.0);
  config.stopping.max_duration = std::chrono::duration<double>(10.0);
  sweetspot::BackendOptions options;  // 1 intra-op, 1 inter-op thread, all optimisations

  std::printf("model: %s\n%-6s %14s %14s %8s\n", model.c_str(), "round", "bare p50 ms", "sweetspot p50", "ratio");
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    auto ours = sweetspot::RunBench(**backend, model, options, config, {});
    if (!ours.ok()) {
      std::fprintf(stderr, "error: %s\n", ours.status().ToString().c_str());
      return 2;
    }
    const double ours_p50 = ours->single_stream->latency.summary_ms.p50;
    // As many bare runs as sweetspot made, so both see the same stretch of time.
    const double bare_p50 = BareP50Ms(bare, static_cast<int>(ours->single_stream->latency.summary_ms.count));
    ratios.push_back(ours_p50 / bare_p50);
    std::printf("%-6d %14.4f %14.4f %8.4f\n", r + 1, bare_p50, ours_p50, ratios.back());
  }
  const double median = Median(ratios);
  const bool pass = median > 0.97 && median < 1.03;
  std::printf("median ratio sweetspot/bare p50: %.4f (%s: target within 3 %%)\n", median, pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
