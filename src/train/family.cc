#include <algorithm>
#include <array>

#include <fmt/core.h>

#include "sweetspot/train_family.h"

namespace sweetspot {
namespace {

struct Preset {
  ModelFamily family;
  std::string_view name;
  int width;
  int depth;
};

// Fastest first within each family. The resnet widths and depths were chosen
// so that, on Fashion-MNIST, accuracy and latency both rise from preset to
// preset (examples/fashion-mnist/README.md has the figures).
constexpr std::array kPresets = {
    Preset{ModelFamily::kCnn, "nano", 16, 1},      Preset{ModelFamily::kCnn, "small", 32, 1},
    Preset{ModelFamily::kCnn, "medium", 64, 1},    Preset{ModelFamily::kCnn, "large", 128, 1},
    Preset{ModelFamily::kResnet, "nano", 8, 1},    Preset{ModelFamily::kResnet, "small", 16, 1},
    Preset{ModelFamily::kResnet, "medium", 24, 1}, Preset{ModelFamily::kResnet, "large", 24, 2},
};

// Both families halve the image twice (two max-pools, or two stride-2 stages).
constexpr int kDownsampling = 4;
constexpr int kMinImageSide = 8;
constexpr int kMaxImageSide = 1024;

}  // namespace

std::string_view ModelFamilyName(ModelFamily family) { return family == ModelFamily::kCnn ? "cnn" : "resnet"; }

Result<ModelFamily> ParseModelFamily(std::string_view name) {
  if (name == "cnn") return ModelFamily::kCnn;
  if (name == "resnet") return ModelFamily::kResnet;
  return Status::InvalidArgument(fmt::format("family: unknown family '{}' (use cnn or resnet)", name));
}

std::string ArchSpec::Name() const { return fmt::format("{}-{}", ModelFamilyName(family), preset); }

Status ArchSpec::Validate() const {
  if (width < 1 || width > 1024) return Status::InvalidArgument(fmt::format("width {} is out of range 1..1024", width));
  if (depth < 1 || depth > 64) return Status::InvalidArgument(fmt::format("depth {} is out of range 1..64", depth));
  if (family == ModelFamily::kCnn && depth != 1) {
    return Status::InvalidArgument("depth: the cnn family has exactly two convolutions; the resnet family varies depth")
        .WithFix({"family", "", {"resnet"}});
  }
  if (channels != 1 && channels != 3) {
    return Status::InvalidArgument(fmt::format("channels {}: use 1 (gray) or 3 (RGB)", channels));
  }
  if (classes < 2) {
    return Status::InvalidArgument(fmt::format("{} classes: a classifier needs at least 2", classes));
  }
  const auto side_ok = [](int side) {
    return side >= kMinImageSide && side <= kMaxImageSide && side % kDownsampling == 0;
  };
  if (!side_ok(image_width) || !side_ok(image_height)) {
    const auto fix = [](int side) {
      const int up = (std::max(side, kMinImageSide) + kDownsampling - 1) / kDownsampling * kDownsampling;
      return std::min(up, kMaxImageSide);
    };
    return Status::InvalidArgument(fmt::format("image size {}x{}: the {} family halves the image twice, so width and "
                                               "height must be multiples of {} "
                                               "from {} to {}",
                                               image_width, image_height, ModelFamilyName(family), kDownsampling,
                                               kMinImageSide, kMaxImageSide))
        .WithFix({"size", "", {std::to_string(fix(image_width)), std::to_string(fix(image_height))}});
  }
  return Status::Ok();
}

const std::vector<std::string>& PresetNames() {
  static const std::vector<std::string> names = {"nano", "small", "medium", "large"};
  return names;
}

Result<ArchSpec> PresetArch(ModelFamily family, std::string_view name) {
  for (const Preset& p : kPresets) {
    if (p.family == family && p.name == name) {
      ArchSpec arch;
      arch.family = family;
      arch.preset = std::string(name);
      arch.width = p.width;
      arch.depth = p.depth;
      return arch;
    }
  }
  return Status::InvalidArgument(fmt::format("preset: unknown preset '{}' (use nano, small, medium or large)", name));
}

}  // namespace sweetspot
