// `sweetspot eval` on a detection dataset: the detection half of eval.cc
// (which chooses it: --task detection, or a dataset IsDetectionDataset
// recognises), its text and JSON output, and the hidden
// `__detection-eval-child` subcommand of the study's isolated measurement.
#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

struct DetectionEvalCommand {
  DetectionEvalRequest request;  // built from eval's flags
  std::string reference;         // --reference: a second detector, compared image by image
  std::string json;              // --json FILE, "-" for stdout only
  std::size_t per_class_rows = 10;
  bool print_preprocess = false;
  bool print_decoder = false;
};

Status RunDetectionEval(const DetectionEvalCommand& command);

// Internal: `__detection-eval-child REQUEST RESULT` (isolated_detection_eval.h).
void RegisterDetectionEvalChild(CLI::App& root, Action* selected);

}  // namespace sweetspot::cli
