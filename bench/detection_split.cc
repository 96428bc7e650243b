// Where a detector's time goes: pre-processing (letterbox + normalise),
// the network (Session::Run) and decoding + NMS, on NanoDet-m and a real
// VOC image (../shared/data/voc100-nanodet), in one run. The
// BM_DecodeNmsVersusNetwork benchmark times both in every iteration and
// reports their ratio (counter decode_nms_per_network); BM_NonMaxSuppression
// shows NMS's cost growing with the candidate boxes.
//
//   bench_detection_split [--benchmark_filter=...] [MODEL.onnx]
//
// Default model: ../shared/data/voc100-nanodet/models/nanodet_m.onnx.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/detection_decoder.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/image_decode.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using sweetspot::Tensor;

// The model, its resolved preprocessing and decoder, one decoded image and its input tensor.
struct Setup {
  std::unique_ptr<sweetspot::Backend> backend;
  std::unique_ptr<sweetspot::Session> session;
  sweetspot::PreprocessSpec spec;
  sweetspot::DetectorSpec detector;
  std::vector<sweetspot::TensorInfo> outputs;
  cv::Mat image;
  Tensor input;
};

fs::path g_model = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet/models/nanodet_m.onnx";

Setup& Shared() {
  static Setup* setup = [] {
    auto* s = new Setup;
    s->backend = sweetspot::CreateBackend("onnxruntime").value();
    sweetspot::BackendOptions options;
    options.intra_op_threads = 1;
    s->session = s->backend->Load(g_model, options).value();
    const fs::path preprocess = fs::path(SWEETSPOT_SOURCE_DIR) / "examples/nanodet-preprocess.toml";
    const std::vector<sweetspot::PreprocessLayer> layers = {{preprocess.string(), "", preprocess.string()}};
    s->spec =
        sweetspot::Resolve(sweetspot::LayerPreprocessing(g_model, layers).value(), s->session->inputs()[0]).value();
    s->detector = sweetspot::ResolveDetector(g_model, {}, *s->session).value();
    s->outputs = s->session->outputs();
    const fs::path images = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet/data/JPEGImages";
    s->image = sweetspot::ReadImage(fs::directory_iterator(images)->path()).value();
    sweetspot::Shape shape = s->spec.SampleShape();
    shape.insert(shape.begin(), 1);
    s->input = Tensor::Owned(s->spec.dtype, shape);
    return s;
  }();
  return *setup;
}

std::span<std::byte> InputBytes(Setup& s) { return {static_cast<std::byte*>(s.input.data()), s.input.size_bytes()}; }

void DecodeAndMap(Setup& s, std::span<const Tensor> outputs) {
  auto decoded = sweetspot::DecodeDetections(s.detector, s.outputs, outputs, s.spec.width, s.spec.height).value();
  const auto geometry = sweetspot::PreprocessGeometry(s.spec, s.image.cols, s.image.rows);
  for (auto& d : decoded[0]) d.box = sweetspot::MapBoxToImage(d.box, geometry, s.image.cols, s.image.rows);
  benchmark::DoNotOptimize(decoded);
}

void BM_Preprocess(benchmark::State& state) {
  Setup& s = Shared();
  for (auto _ : state) {
    if (!sweetspot::ApplyPreprocess(s.spec, s.image, InputBytes(s)).ok()) state.SkipWithError("preprocess failed");
  }
}
BENCHMARK(BM_Preprocess)->Unit(benchmark::kMillisecond);

void BM_Network(benchmark::State& state) {
  Setup& s = Shared();
  (void)sweetspot::ApplyPreprocess(s.spec, s.image, InputBytes(s));
  for (auto _ : state) benchmark::DoNotOptimize(s.session->Run(std::span<const Tensor>(&s.input, 1)));
}
BENCHMARK(BM_Network)->Unit(benchmark::kMillisecond);

void BM_DecodeNms(benchmark::State& state) {
  Setup& s = Shared();
  (void)sweetspot::ApplyPreprocess(s.spec, s.image, InputBytes(s));
  const std::vector<Tensor> outputs = s.session->Run(std::span<const Tensor>(&s.input, 1)).value();
  for (auto _ : state) DecodeAndMap(s, outputs);
}
BENCHMARK(BM_DecodeNms)->Unit(benchmark::kMillisecond);

// Both in each iteration, so the ratio comes from the same moments of the machine.
void BM_DecodeNmsVersusNetwork(benchmark::State& state) {
  Setup& s = Shared();
  (void)sweetspot::ApplyPreprocess(s.spec, s.image, InputBytes(s));
  double network_ms = 0;
  double decode_ms = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const std::vector<Tensor> outputs = s.session->Run(std::span<const Tensor>(&s.input, 1)).value();
    const auto t1 = Clock::now();
    DecodeAndMap(s, outputs);
    const auto t2 = Clock::now();
    network_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
    decode_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["network_ms"] = network_ms / n;
  state.counters["decode_nms_ms"] = decode_ms / n;
  state.counters["decode_nms_per_network"] = decode_ms / network_ms;
}
BENCHMARK(BM_DecodeNmsVersusNetwork)->Unit(benchmark::kMillisecond);

// Greedy NMS over N random boxes of 20 classes: the cost grows with N.
void BM_NonMaxSuppression(benchmark::State& state) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> xy(0, 300);
  std::uniform_real_distribution<double> side(10, 80);
  std::uniform_real_distribution<float> score(0, 1);
  std::vector<sweetspot::Detection> candidates;
  for (int64_t i = 0; i < state.range(0); ++i) {
    const double x = xy(rng);
    const double y = xy(rng);
    candidates.push_back({{x, y, x + side(rng), y + side(rng)}, static_cast<int>(i % 20), score(rng)});
  }
  for (auto _ : state) benchmark::DoNotOptimize(sweetspot::NonMaxSuppression(candidates, 0.6, 100));
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_NonMaxSuppression)->RangeMultiplier(4)->Range(64, 4096)->Complexity();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc > 1) g_model = argv[1];
  if (!fs::exists(g_model)) {
    std::fprintf(stderr, "no model %s (../shared/data is missing?)\n", g_model.string().c_str());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
