// The keypoint flags of the commands that run top-down keypoint models
// (--schema, --keypoint-decoder, --person-padding): their declaration and
// the decoder layers they make (keypoint_decoder.h, over the model's
// 'sweetspot.keypoints' metadata), so errors name the flag that set a value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sweetspot/detection_eval.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

// Empty/unset: not given.
struct KeypointFlags {
  std::string schema;   // a built-in schema name or a schema TOML file
  std::string decoder;  // a keypoint layout name or a decoder TOML file
  std::optional<double> padding;
};

void AddKeypointFlags(CLI::App* cmd, KeypointFlags* flags);

// --keypoint-decoder as a layer (a layout name sets `layout`, a file is read
// as a whole layer); none when not given. Errors: neither a layout nor a
// file, naming the layouts.
Result<std::vector<DecoderLayer>> KeypointDecoderFlagLayers(const KeypointFlags& flags);

}  // namespace sweetspot::cli
