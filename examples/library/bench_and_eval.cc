// Benchmarks a classification model and evaluates it on a dataset, using the
// installed sweetspot library (see CMakeLists.txt for the build).
//
//   bench_and_eval MODEL DATASET [LIMIT]
//
// Prints the single-stream p50 latency and throughput, then top-1 accuracy on
// a stratified subset of at most LIMIT (default 300) samples. Exit 0 on
// success, 2 on a usage error, 1 when sweetspot reports an error (printed).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/dataset.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/measure.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"

namespace {

using namespace sweetspot;  // NOLINT: a short example
namespace fs = std::filesystem;

Status Bench(Backend& backend, const fs::path& model) {
  MeasureConfig config;  // single-stream, batch 1
  config.stopping.min_duration = std::chrono::duration<double>(0.2);
  config.stopping.max_duration = std::chrono::duration<double>(2.0);
  config.warmup_max_duration = std::chrono::duration<double>(1.0);
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult bench, RunBench(backend, model, BackendOptions{}, config, InputSpec{}));
  std::printf("bench: p50 %.3f ms, %.0f items/s (%zu runs)\n", bench.single_stream->latency.summary_ms.p50,
              bench.single_stream->items_per_s, bench.single_stream->latency.raw_ms.size());
  return Status::Ok();
}

// The model's own preprocessing (its metadata_props), as `sweetspot eval` layers it.
Result<PreprocessSpec> ModelSpec(const fs::path& model) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::optional<std::string> metadata, ReadModelMetadata(model, kPreprocessMetadataKey));
  if (!metadata) return PreprocessSpec{};
  return ParsePreprocessToml(*metadata, model.string() + " metadata_props");
}

Status Evaluate(Backend& backend, const fs::path& model, const fs::path& data, std::size_t limit) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> dataset, OpenDataset(data));
  const std::vector<std::size_t> indices = StratifiedSubset(*dataset, limit, /*seed=*/1);
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, ModelSpec(model));
  EvalOptions options;
  options.cache.enabled = false;  // the example leaves no files behind
  SWEETSPOT_ASSIGN_OR_RETURN(EvalResult result,
                             EvaluateModel(backend, BackendOptions{}, model, *dataset, indices, spec, options));
  std::printf("eval: top-1 %.4f on %zu samples of %s\n", result.metrics.top1, result.predictions.size(),
              result.dataset.c_str());
  return Status::Ok();
}

Status Run(const fs::path& model, const fs::path& data, std::size_t limit) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));
  SWEETSPOT_RETURN_IF_ERROR(Bench(*backend, model));
  return Evaluate(*backend, model, data, limit);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s MODEL DATASET [LIMIT]\n", argv[0]);
    return 2;
  }
  const std::size_t limit = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 300;
  const Status status = Run(argv[1], argv[2], limit);
  if (!status.ok()) {
    std::fprintf(stderr, "bench_and_eval: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
