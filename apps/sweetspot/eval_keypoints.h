// `sweetspot eval` on a keypoint dataset: the keypoint half of eval.cc (which
// chooses it: --task keypoints, or a COCO keypoint / MPII-style JSON), its
// text and JSON output, and the hidden `__keypoint-eval-child` subcommand of
// the study's isolated measurement (isolated_keypoint_eval.h).
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

struct KeypointEvalCommand {
  KeypointEvalRequest request;                    // built from eval's flags
  std::optional<KeypointModelRequest> reference;  // --reference: a second model on the same persons
  std::string json;                               // --json FILE, "-" for stdout only
};

Status RunKeypointEval(const KeypointEvalCommand& command);

// Internal: `__keypoint-eval-child REQUEST RESULT` (isolated_keypoint_eval.h).
void RegisterKeypointEvalChild(CLI::App& root, Action* selected);

}  // namespace sweetspot::cli
