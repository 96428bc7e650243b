// Tensor cache: does a second `sweetspot eval` cost no more than the model's
// own inference? Builds the tensor cache with one evaluation of ResNet-20 over
// the CIFAR-10 test set, then times, interleaved (to cancel drift on a noisy
// machine): (a) a bare ONNX Runtime loop over the same cached tensors in
// batches of 32, and (b) a whole second evaluation (cache lookup and map,
// model load, batched inference, metrics). Prints both medians and the ratio.
//
//   bench_eval_cache [MODEL.onnx] [--rounds N] [--threads N]
//
// Default model: ../shared/data/cifar10-resnet/resnet20_cifar10.onnx, data
// ../shared/data/cifar10-test. Exits 1 if the ratio exceeds 1.2; skips (exit
// 0, with a message) when the data is missing.
#include <onnxruntime_cxx_api.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sweetspot/evaluate.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

double Ms(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

// The loop a user would write by hand over tensors already in memory.
double BareInferenceMs(Ort::Session& session, const sweetspot::PreparedTensors& tensors, std::size_t batch) {
  Ort::AllocatorWithDefaultOptions allocator;
  const std::string in_name = session.GetInputNameAllocated(0, allocator).get();
  const std::string out_name = session.GetOutputNameAllocated(0, allocator).get();
  const char* in_names[] = {in_name.c_str()};
  const char* out_names[] = {out_name.c_str()};
  auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  const std::size_t per_sample = static_cast<std::size_t>(sweetspot::ElementCount(tensors.sample_shape));
  float checksum = 0.0F;
  const auto start = Clock::now();
  for (std::size_t begin = 0; begin < tensors.size(); begin += batch) {
    const std::size_t n = std::min(batch, tensors.size() - begin);
    std::vector<int64_t> shape = {static_cast<int64_t>(n)};
    shape.insert(shape.end(), tensors.sample_shape.begin(), tensors.sample_shape.end());
    auto* data = reinterpret_cast<float*>(const_cast<std::byte*>(tensors.data)) + begin * per_sample;  // NOLINT
    Ort::Value input = Ort::Value::CreateTensor<float>(memory, data, n * per_sample, shape.data(), shape.size());
    auto out = session.Run(Ort::RunOptions{nullptr}, in_names, &input, 1, out_names, 1);
    checksum += out[0].GetTensorData<float>()[0];
  }
  const double ms = Ms(start);
  if (checksum == 12345.678F) std::puts("");  // keep the outputs observable
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = SWEETSPOT_SHARED_DATA_DIR;
  fs::path model = shared / "cifar10-resnet/resnet20_cifar10.onnx";
  const fs::path data = shared / "cifar10-test";
  int rounds = 3;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else {
      model = argv[i];
    }
  }
  if (!fs::exists(model) || !fs::exists(data)) {
    std::printf("SKIP: %s or %s is missing (see ../shared/data/README.md)\n", model.c_str(), data.c_str());
    return 0;
  }

  auto dataset = sweetspot::OpenDataset(data);
  auto backend = sweetspot::CreateBackend("onnxruntime");
  if (!dataset.ok() || !backend.ok()) {
    std::fprintf(stderr, "setup failed: %s %s\n", dataset.status().ToString().c_str(),
                 backend.status().ToString().c_str());
    return 1;
  }
  const auto indices = sweetspot::StratifiedSubset(**dataset, 0, 0);
  sweetspot::PreprocessSpec spec;
  spec.mean = {0.485, 0.456, 0.406};
  spec.std = {0.229, 0.224, 0.225};
  const fs::path cache_dir = fs::temp_directory_path() / ("sweetspot-bench-cache-" + std::to_string(::getpid()));
  sweetspot::EvalOptions options;
  options.batch_size = 32;
  options.cache.dir = cache_dir;
  options.cache.threads = 2;
  sweetspot::BackendOptions backend_options;
  backend_options.intra_op_threads = threads;

  // First evaluation: decodes and fills the cache.
  auto start = Clock::now();
  auto first = sweetspot::EvaluateModel(**backend, backend_options, model, **dataset, indices, spec, options);
  const double first_ms = Ms(start);
  if (!first.ok()) {
    std::fprintf(stderr, "first evaluation failed: %s\n", first.status().ToString().c_str());
    return 1;
  }
  std::printf("first evaluation: %.0f ms (decode+preprocess %.0f ms, inference %.0f ms), top-1 %.2f %%\n", first_ms,
              first->prepare_ms, first->inference_ms, 100.0 * first->metrics.top1);

  auto tensors = sweetspot::PrepareTensors(**dataset, indices, first->spec, options.cache);
  if (!tensors.ok() || !tensors->from_cache) {
    std::fprintf(stderr, "the tensor cache did not answer\n");
    return 1;
  }
  // The build defines ORT_API_MANUAL_INIT: the bare loop runs the linked
  // library, the one CreateBackend("onnxruntime") runs.
  Ort::InitApi();
  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "bench_eval_cache");
  Ort::SessionOptions session_options;
  session_options.SetIntraOpNumThreads(threads);
  session_options.SetInterOpNumThreads(1);
  session_options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  session_options.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  Ort::Session session(env, model.c_str(), session_options);

  std::vector<double> bare_ms;
  std::vector<double> cached_ms;
  BareInferenceMs(session, *tensors, 32);  // warm-up
  for (int r = 0; r < rounds; ++r) {
    bare_ms.push_back(BareInferenceMs(session, *tensors, 32));
    start = Clock::now();
    auto again = sweetspot::EvaluateModel(**backend, backend_options, model, **dataset, indices, spec, options);
    cached_ms.push_back(Ms(start));
    if (!again.ok() || !again->cache_hit) {
      std::fprintf(stderr, "second evaluation failed or missed the cache: %s\n", again.status().ToString().c_str());
      return 1;
    }
    std::printf("round %d: bare inference %.0f ms, cached evaluation %.0f ms (map %.1f ms)\n", r + 1, bare_ms.back(),
                cached_ms.back(), again->prepare_ms);
  }
  std::error_code ec;
  fs::remove_all(cache_dir, ec);

  const double bare = Median(bare_ms);
  const double cached = Median(cached_ms);
  const double ratio = cached / bare;
  std::printf("bare batched inference (median of %d): %.0f ms\n", rounds, bare);
  std::printf("second (cached) evaluation (median of %d): %.0f ms\n", rounds, cached);
  std::printf("ratio: %.3f (target <= 1.2) %s\n", ratio, ratio <= 1.2 ? "OK" : "FAIL");
  return ratio <= 1.2 ? 0 : 1;
}
