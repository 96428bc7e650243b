// Cost of detection metrics at COCO val2017's scale: 5,000 images, 80
// classes, ~7 boxes per image and 100 detections per image (a decoder's
// max_detections at score_threshold 0.001). Matching runs once; each of the
// bootstrap replicates only re-weights the precomputed matches (target: the
// 1,000 replicates of `sweetspot eval` in seconds, not minutes).
//
//   bench_detection_metrics [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "sweetspot/detection_metrics.h"

namespace {

using sweetspot::Detection;
using sweetspot::DetectionImage;

constexpr int kClasses = 80;

struct CocoScale {
  std::vector<DetectionImage> truth;
  std::vector<std::vector<Detection>> detections;
  std::vector<std::string> names;
};

// Boxes on a 640 x 480 image; each object found (jittered) with probability
// 0.7; the rest of the 100 detections are low-scored boxes anywhere.
const CocoScale& Data() {
  static const CocoScale data = [] {
    CocoScale out;
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<int> cls(0, kClasses - 1);
    const auto box = [&] {
      const double x = 600.0 * unit(rng), y = 440.0 * unit(rng);
      return sweetspot::Box{x, y, x + 8.0 + 200.0 * unit(rng), y + 8.0 + 200.0 * unit(rng)};
    };
    for (int i = 0; i < kClasses; ++i) out.names.push_back("class" + std::to_string(i));
    for (int i = 0; i < 5000; ++i) {
      DetectionImage image;
      std::vector<Detection> dets;
      for (int k = 0; k < 7; ++k) {
        sweetspot::GroundTruthBox truth{box(), cls(rng), unit(rng) < 0.01, false, 0.0};
        truth.area = truth.box.area();
        if (unit(rng) < 0.7) {
          const double jitter = 6.0 * unit(rng);
          const sweetspot::Box& b = truth.box;
          dets.push_back({{b.x1 + jitter, b.y1, b.x2, b.y2 + jitter}, truth.class_id, static_cast<float>(unit(rng))});
        }
        image.objects.push_back(truth);
      }
      while (dets.size() < 100) dets.push_back({box(), cls(rng), static_cast<float>(0.3 * unit(rng))});
      out.truth.push_back(std::move(image));
      out.detections.push_back(std::move(dets));
    }
    return out;
  }();
  return data;
}

// range(0): bootstrap replicates (0: the point estimates alone).
void BM_EvaluateDetectionsCoco(benchmark::State& state) {
  const CocoScale& data = Data();
  sweetspot::DetectionMetricOptions options = sweetspot::DetectionMetricOptions::Coco();
  options.bootstrap_replicates = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sweetspot::EvaluateDetections(data.truth, data.detections, data.names, options));
  }
  state.SetLabel("5000 images, 500000 detections");
}
BENCHMARK(BM_EvaluateDetectionsCoco)->Arg(0)->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_CompareDetectionsCoco(benchmark::State& state) {
  const CocoScale& data = Data();
  sweetspot::DetectionMetricOptions options = sweetspot::DetectionMetricOptions::Coco();
  options.bootstrap_replicates = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        sweetspot::CompareDetections(data.truth, data.detections, data.detections, data.names, options));
  }
}
BENCHMARK(BM_CompareDetectionsCoco)->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
