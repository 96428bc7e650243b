// The detection half of `sweetspot bench`: with --data DIR (a VOC, COCO or
// YOLO dataset) or --task detection, bench times a detector's whole pipeline
// stage by stage (detection_bench.h) instead of the network on random
// tensors. Its flags (the dataset, the preprocessing and the decoder, as
// eval's) and the request they make; bench.cc runs it per model and runtime.
#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include "detection_flags.h"
#include "preprocess_flags.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

// Empty/unset: not given.
struct DetectionBenchFlags {
  std::string data;
  std::string task = "auto";
  std::string classes_file;
  std::string preprocess_file;
  std::size_t limit = 0;
  PreprocessFlags preprocess;
  DetectionFlags detection;
};

void AddDetectionBenchFlags(CLI::App* cmd, DetectionBenchFlags* flags);

// Whether the run times a detection pipeline: --task detection, or --task
// auto with --data. Errors: an unknown --task; --data that is not a
// detection dataset; pipeline flags (--preprocess, --mean, --decoder, ...)
// on a run that times the network alone.
Result<bool> IsDetectionBench(const DetectionBenchFlags& flags);

// The pipeline the flags describe, as eval builds it (defaults < the model's
// metadata < --preprocess / --decoder FILE < the flags); the caller sets the
// model and the engine per run.
Result<DetectionEvalRequest> DetectionBenchPipeline(const DetectionBenchFlags& flags);

}  // namespace sweetspot::cli
