// The decoder flags of the commands that run detectors (--decoder,
// --score-threshold, --nms-iou, --max-detections, --model-classes): their
// declaration and the decoder layers they make (detection_eval.h
// DecoderLayer), one per flag given, so errors name the flag that set a
// value (DetectorSpec::set_by).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "preprocess_flags.h"

#include "sweetspot/detection_eval.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

// Empty/unset: not given.
struct DetectionFlags {
  std::string decoder;  // a layout name or a decoder TOML file
  std::optional<double> score_threshold, nms_iou;
  std::optional<int> max_detections;
  std::string model_classes;  // coco80 | FILE (DetectionEvalRequest::model_classes)
};

// --decoder, --score-threshold, --nms-iou, --max-detections and --model-classes.
void AddDetectionFlags(CLI::App* cmd, DetectionFlags* flags);
// The decoder's alone (no --model-classes): for commands that map no classes.
void AddDecoderFlags(CLI::App* cmd, DetectionFlags* flags);

// One layer per flag given: --decoder first (a layout name sets `layout`, a
// file is read as a whole layer), then the thresholds. Errors: a --decoder
// that is neither a layout nor a file, naming the layouts.
Result<std::vector<DecoderLayer>> DecoderFlagLayers(const DetectionFlags& flags);

// The request fields every command that runs a detector over a dataset sets
// the same way: the dataset and its class-name file, the model's classes,
// the preprocessing layers (--preprocess FILE, then the flags), the decoder
// layers and the subset size. The caller sets the rest (model, runtime, ...).
struct DetectionPipelineFlags {
  const std::string& data;
  const std::string& classes_file;
  const std::string& preprocess_file;
  const PreprocessFlags& preprocess;
  const DetectionFlags& detection;
  std::uint64_t limit = 0;
};
Result<DetectionEvalRequest> DetectionPipelineRequest(const DetectionPipelineFlags& flags);

}  // namespace sweetspot::cli
