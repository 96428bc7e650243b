// Static int8 calibration time per method: ResNet-56 (CIFAR-10) over 512
// stratified CIFAR-10 test images, batches of 32, every input and output of
// its Conv and Gemm nodes calibrated (what QuantizeStatic quantizes). One
// iteration per method: the figure is a cost a user pays once per model.
//
//   bench_calibration [--benchmark_filter=REGEX] [other Google Benchmark flags]
//
// Data: ../shared/data/cifar10-resnet/resnet56_cifar10.onnx and
// ../shared/data/cifar10-test (preprocessing of ../shared/data/README.md:
// RGB, /255, ImageNet mean and std). Skips (exit 0, with a message) when
// either is missing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "sweetspot/calibration.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/onnx_model.h"

namespace {

namespace fs = std::filesystem;
using sweetspot::CalibrationMethod;

constexpr std::size_t kSamples = 512;
constexpr std::size_t kBatchSize = 32;

struct Setup {
  std::unique_ptr<sweetspot::Backend> backend;
  onnx::ModelProto model;
  std::vector<std::string> tensors;
  sweetspot::PreparedTensors samples;  // owns the memory the batches view
  std::vector<sweetspot::Tensor> batches;
};

// The activations around Conv and Gemm: their data input and their output.
std::vector<std::string> ConvGemmActivations(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> weights;
  for (const auto& init : graph.initializer()) weights.insert(init.name());
  std::unordered_set<std::string> seen;
  std::vector<std::string> tensors;
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Conv" && node.op_type() != "Gemm") continue;
    for (const auto& name : {node.input(0), node.output(0)}) {
      if (!weights.contains(name) && seen.insert(name).second) tensors.push_back(name);
    }
  }
  return tensors;
}

sweetspot::Status Prepare(const fs::path& model_path, const fs::path& data, Setup* setup) {
  SWEETSPOT_ASSIGN_OR_RETURN(setup->backend, sweetspot::CreateBackend("onnxruntime"));
  SWEETSPOT_ASSIGN_OR_RETURN(setup->model, sweetspot::LoadOnnxModel(model_path));
  setup->tensors = ConvGemmActivations(setup->model.graph());
  SWEETSPOT_ASSIGN_OR_RETURN(auto session, setup->backend->Load(model_path, {}));
  SWEETSPOT_ASSIGN_OR_RETURN(auto dataset, sweetspot::OpenDataset(data));
  sweetspot::PreprocessSpec spec;
  spec.mean = {0.485, 0.456, 0.406};
  spec.std = {0.229, 0.224, 0.225};
  SWEETSPOT_ASSIGN_OR_RETURN(spec, sweetspot::Resolve(spec, session->inputs()[0]));
  const auto indices = sweetspot::StratifiedSubset(*dataset, kSamples, 0);
  sweetspot::TensorCacheOptions cache;
  cache.enabled = false;
  SWEETSPOT_ASSIGN_OR_RETURN(setup->samples, sweetspot::PrepareTensors(*dataset, indices, spec, cache));
  for (std::size_t begin = 0; begin < setup->samples.size(); begin += kBatchSize) {
    setup->batches.push_back(setup->samples.Batch(begin, std::min(kBatchSize, setup->samples.size() - begin)));
  }
  return sweetspot::Status::Ok();
}

Setup* g_setup = nullptr;

void BM_Calibrate(benchmark::State& state, CalibrationMethod method) {
  sweetspot::CalibrationOptions options;
  options.method = method;
  for (auto _ : state) {
    auto ranges =
        sweetspot::CalibrateActivations(*g_setup->backend, g_setup->model, g_setup->tensors, g_setup->batches, options);
    if (!ranges.ok()) {
      state.SkipWithError(ranges.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(ranges->size());
  }
  state.counters["tensors"] = static_cast<double>(g_setup->tensors.size());
  state.counters["samples"] = static_cast<double>(g_setup->samples.size());
}

BENCHMARK_CAPTURE(BM_Calibrate, minmax, CalibrationMethod::kMinMax)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_Calibrate, percentile, CalibrationMethod::kPercentile)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Calibrate, entropy, CalibrationMethod::kEntropy)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = SWEETSPOT_SHARED_DATA_DIR;
  const fs::path model = shared / "cifar10-resnet/resnet56_cifar10.onnx";
  const fs::path data = shared / "cifar10-test";
  if (!fs::exists(model) || !fs::exists(data)) {
    std::printf("SKIP: %s or %s is missing (see ../shared/data/README.md)\n", model.c_str(), data.c_str());
    return 0;
  }
  Setup setup;
  if (auto status = Prepare(model, data, &setup); !status.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", status.ToString().c_str());
    return 1;
  }
  g_setup = &setup;
  std::printf("%zu samples in %zu batches, %zu tensors calibrated\n", setup.samples.size(), setup.batches.size(),
              setup.tensors.size());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
