// Model families for `sweetspot train`: what a named preset builds.
//
// Two families:
//   - cnn: the plain baseline, conv3x3(C->w) BN ReLU MaxPool2, conv3x3(w->2w)
//     BN ReLU MaxPool2, Flatten, Linear(2w*H/4*W/4 -> classes) (the linear
//     layer sees where features are; global pooling would leave two 3x3
//     layers too little context to tell, e.g., a shirt from a coat);
//   - resnet: a CIFAR-style residual CNN, conv3x3(C->w) BN ReLU, then three
//     stages of `depth` basic blocks (two conv3x3+BN, identity shortcut or
//     1x1 conv+BN when the shape changes) at widths w, 2w, 4w, the first
//     block of stages 2 and 3 with stride 2; GAP, Linear(4w->classes).
// Both halve the image twice, so width and height must be multiples of 4 and
// at least 8: then every layer sees whole pixels and libtorch and ONNX agree
// on every shape. Width, depth and input resolution are the scaling knobs;
// the presets fix width and depth (docs/train.md lists them), resolution
// comes from the data or --size.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/status.h"

namespace sweetspot {

enum class ModelFamily { kCnn, kResnet };

std::string_view ModelFamilyName(ModelFamily family);  // "cnn" | "resnet"
Result<ModelFamily> ParseModelFamily(std::string_view name);

struct ArchSpec {
  ModelFamily family = ModelFamily::kResnet;
  std::string preset;  // "small"; "custom" when width/depth were overridden
  int width = 16;      // channels of the first stage
  int depth = 1;       // resnet: basic blocks per stage (cnn: always 1)
  int channels = 1;    // input channels: 1 (gray) or 3 (RGB)
  int classes = 10;
  int image_width = 28;
  int image_height = 28;

  // "resnet-small"; the base of the model's file names.
  std::string Name() const;
  // Checks every field is in range; a bad image size names the rule and a
  // size that works ("--size: 30x30 ... use a multiple of 4, e.g. 28").
  Status Validate() const;
};

// The presets of `family`, fastest first: nano, small, medium, large.
const std::vector<std::string>& PresetNames();

// The architecture of preset `name` of `family` (width and depth; the other
// fields keep their defaults for the caller to fill). Unknown names are an
// InvalidArgument listing the known ones.
Result<ArchSpec> PresetArch(ModelFamily family, std::string_view name);

}  // namespace sweetspot
