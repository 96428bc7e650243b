// Cost of decoding + NMS per image (the "decoding+NMS" stage of a detection
// evaluation) on real outputs: NanoDet-m (320 x 320, 2,100 cells x 80
// classes) on a VOC image, at mAP's score threshold 0.001, each box's best
// class or every class (multi_label). Target: well under the network's time
// (a few ms on one core), so the stage does not distort the speed split.
// Needs ../shared/data/voc100-nanodet; skips without it.
//
//   bench_detection_decode [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/detection_decoder.h"
#include "sweetspot/image_decode.h"

namespace {

namespace fs = std::filesystem;
using sweetspot::Tensor;
using sweetspot::TensorInfo;

struct NanoDetOutputs {
  std::vector<TensorInfo> infos;
  std::vector<Tensor> outputs;
  sweetspot::DetectorSpec spec;
  int size = 0;
  std::string error;  // why there are none
};

NanoDetOutputs Failed(std::string why) {
  NanoDetOutputs out;
  out.error = std::move(why);
  return out;
}

// NanoDet's preprocessing (../shared/data/README.md): letterbox, BGR, mean/std on 0..255.
NanoDetOutputs RunNanoDet() {
  const fs::path data = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet";
  NanoDetOutputs out;
  const auto read = sweetspot::ReadImage(data / "data/JPEGImages/2007_000027.jpg");
  auto backend = sweetspot::CreateBackend("onnxruntime");
  if (!read.ok() || !backend.ok()) return Failed("no ../shared/data/voc100-nanodet or ONNX Runtime");
  const cv::Mat& image = *read;
  auto session = (*backend)->Load(data / "models/nanodet_m.onnx", {});
  if (!session.ok()) return Failed(session.status().ToString());
  const TensorInfo& input = (*session)->inputs().at(0);
  auto spec = sweetspot::DetectDetectorLayout((*session)->outputs(), input);
  if (!spec.ok()) return Failed(spec.status().ToString());
  out.spec = *spec;
  out.size = static_cast<int>(input.shape[3]);
  sweetspot::PreprocessSpec prep;
  prep.color = sweetspot::ColorOrder::kBgr;
  prep.resize = sweetspot::ResizeMode::kLetterbox;
  prep.width = prep.height = out.size;
  prep.scale = 1.0;
  prep.mean = {103.53, 116.28, 123.675};
  prep.std = {57.375, 57.12, 58.395};
  Tensor tensor = Tensor::Owned(sweetspot::DType::kFloat32, {1, 3, out.size, out.size});
  const auto status =
      sweetspot::ApplyPreprocess(prep, image, {static_cast<std::byte*>(tensor.data()), tensor.size_bytes()});
  auto outputs = (*session)->Run(std::span<const Tensor>(&tensor, 1));
  if (!status.ok() || !outputs.ok()) return Failed("NanoDet did not run");
  out.infos = (*session)->outputs();
  out.outputs = std::move(*outputs);
  return out;
}

const NanoDetOutputs& Outputs() {
  static const NanoDetOutputs outputs = RunNanoDet();
  return outputs;
}

void BM_DecodeNanoDet(benchmark::State& state) {
  const NanoDetOutputs& run = Outputs();
  if (!run.error.empty()) {
    state.SkipWithError(run.error.c_str());
    return;
  }
  sweetspot::DetectorSpec spec = run.spec;
  spec.multi_label = state.range(0) != 0;
  std::size_t kept = 0;
  for (auto _ : state) {
    auto decoded = sweetspot::DecodeDetections(spec, run.infos, run.outputs, run.size, run.size);
    kept = decoded.ok() ? decoded->at(0).size() : 0;
    benchmark::DoNotOptimize(decoded);
  }
  state.counters["detections"] = static_cast<double>(kept);
}
BENCHMARK(BM_DecodeNanoDet)->ArgName("multi_label")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
