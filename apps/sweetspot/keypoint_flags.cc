#include "keypoint_flags.h"

#include <filesystem>

#include <fmt/format.h>

#include "sweetspot/keypoint_decoder.h"

namespace sweetspot::cli {

void AddKeypointFlags(CLI::App* cmd, KeypointFlags* f) {
  cmd->add_option("--schema", f->schema,
                  "keypoint models: the model's joints, a built-in schema (coco17, mpii16, efficientpose16) or a "
                  "schema TOML file (its keys and an example: docs/keypoints.md, \"Schemas and mapping\"); makes the model a "
                  "keypoint model");
  cmd->add_option("--keypoint-decoder", f->decoder,
                  "keypoint models: the output layout (heatmap, simcc, regression) or a decoder TOML file "
                  "(default: the model's metadata, else detected from its outputs)");
  cmd->add_option("--person-padding", f->padding,
                  "keypoint models: crop side / the person box's longer side (default 1.25, as eval)")
      ->check(CLI::Range(1.0, 100.0));
}

Result<std::vector<DecoderLayer>> KeypointDecoderFlagLayers(const KeypointFlags& f) {
  if (f.decoder.empty()) return std::vector<DecoderLayer>();
  if (ParseKeypointLayout(f.decoder).ok()) {
    return std::vector<DecoderLayer>{DecoderLayer{PreprocessSource("--keypoint-decoder", /*has_lines=*/false),
                                                  fmt::format("layout = \"{}\"\n", f.decoder), ""}};
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(f.decoder, ec)) {
    return std::vector<DecoderLayer>{DecoderLayer{PreprocessSource(f.decoder), "", f.decoder}};
  }
  return Status::InvalidArgument(fmt::format(
      "--keypoint-decoder: '{}' is neither a layout (heatmap, simcc, regression) nor a TOML file", f.decoder));
}

}  // namespace sweetspot::cli
