#include "preprocess_flags.h"

#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "output.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/tensor.h"

namespace sweetspot::cli {
namespace {

Result<std::string> SizeToml(const std::string& text) {
  int width = 0;
  int height = 0;
  SWEETSPOT_RETURN_IF_ERROR(ParseSizeFlag(text, &width, &height));
  return fmt::format("width = {}\nheight = {}\n", width, height);
}

std::string TomlList(const std::vector<double>& values) { return fmt::format("[{}]", fmt::join(values, ", ")); }

}  // namespace

void AddPreprocessFlags(CLI::App* cmd, PreprocessFlags* flags, bool resize_mode) {
  cmd->add_option("--color", flags->color, "rgb|bgr|gray");
  if (resize_mode) cmd->add_option("--resize", flags->resize, "exact|shorter-crop|central-crop|letterbox");
  cmd->add_option("--size", flags->size, "input size, 224 or WIDTHxHEIGHT (default: the model's)");
  cmd->add_option("--stride", flags->stride,
                  "round a --size given for a model without a fixed size up to a multiple of this (default 0: off)");
  cmd->add_option("--crop-fraction", flags->crop_fraction,
                  "for shorter-crop and central-crop: crop side / shorter side (default 0.875)");
  cmd->add_option("--pad", flags->pad, "for letterbox: the border's pixel value 0..255 (default 0; YOLO: 114)");
  cmd->add_option("--letterbox-align", flags->letterbox_align, "for letterbox: center|top-left (default center)");
  cmd->add_option("--interpolation", flags->interpolation, "nearest|linear|cubic|area");
  cmd->add_option("--scale", flags->scale, "pixel multiplier before mean/std (default 1/255; 1 for uint8/int8)");
  cmd->add_option("--mean", flags->mean, "per-channel mean, e.g. 0.485,0.456,0.406 (default 0)")->delimiter(',');
  cmd->add_option("--std", flags->std_dev, "per-channel std, e.g. 0.229,0.224,0.225 (default 1)")->delimiter(',');
  cmd->add_option("--layout", flags->layout, "nchw|nhwc");
  cmd->add_option("--dtype", flags->dtype, "float32|float16|float64|uint8|int8");
}

Result<std::vector<PreprocessLayer>> FlagLayers(const PreprocessFlags& a) {
  std::vector<PreprocessLayer> layers;
  const auto add = [&](std::string_view flag, std::string toml) {
    layers.push_back(PreprocessLayer{PreprocessSource(std::string(flag), /*has_lines=*/false), std::move(toml), ""});
  };
  const auto enum_flag = [&](const std::string& value, std::string_view key, std::string_view flag,
                             auto parse) -> Status {
    if (value.empty()) return Status::Ok();
    auto parsed = parse(value);
    if (!parsed.ok()) return parsed.status().WithContext(flag);
    add(flag, fmt::format("{} = \"{}\"\n", key, value));
    return Status::Ok();
  };
  SWEETSPOT_RETURN_IF_ERROR(enum_flag(a.color, "color", "--color", ParseColorOrder));
  SWEETSPOT_RETURN_IF_ERROR(enum_flag(a.resize, "resize", "--resize", ParseResizeMode));
  SWEETSPOT_RETURN_IF_ERROR(enum_flag(a.letterbox_align, "letterbox_align", "--letterbox-align", ParseLetterboxAlign));
  SWEETSPOT_RETURN_IF_ERROR(enum_flag(a.interpolation, "interpolation", "--interpolation", ParseInterpolation));
  SWEETSPOT_RETURN_IF_ERROR(enum_flag(a.layout, "layout", "--layout", ParseLayout));
  SWEETSPOT_RETURN_IF_ERROR(enum_flag(a.dtype, "dtype", "--dtype", ParseDType));
  if (!a.size.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::string size, SizeToml(a.size));
    add("--size", size);
  }
  if (!a.mean.empty()) add("--mean", "mean = " + TomlList(a.mean) + "\n");
  if (!a.std_dev.empty()) add("--std", "std = " + TomlList(a.std_dev) + "\n");
  if (a.crop_fraction) add("--crop-fraction", fmt::format("crop_fraction = {}\n", *a.crop_fraction));
  if (a.scale) add("--scale", fmt::format("scale = {}\n", *a.scale));
  if (a.pad) add("--pad", fmt::format("pad = {}\n", *a.pad));
  if (a.stride) add("--stride", fmt::format("stride = {}\n", *a.stride));
  return layers;
}

Result<std::vector<PreprocessLayer>> PreprocessLayers(const std::string& preprocess_file,
                                                      const PreprocessFlags& flags) {
  std::vector<PreprocessLayer> layers;
  if (!preprocess_file.empty()) layers.push_back({preprocess_file, "", preprocess_file});
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<PreprocessLayer> flag_layers, FlagLayers(flags));
  layers.insert(layers.end(), flag_layers.begin(), flag_layers.end());
  return layers;
}

}  // namespace sweetspot::cli
