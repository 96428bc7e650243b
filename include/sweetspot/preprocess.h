// PreprocessSpec: how a decoded image becomes one model input sample.
//
// Order of operations (each step documented on its field):
//   colour conversion -> resize (exact, shorter side + centre crop, centre
//   square crop + resize, or letterbox) ->
//   value = (pixel * scale - mean[c]) / std[c] -> layout -> dtype.
//
// A spec comes from, in increasing priority: the defaults below, the model's
// ONNX metadata_props entry kMetadataKey (its value is the TOML text of a
// spec), a TOML file (--preprocess), and individual command-line flags. The
// TOML form is what ToToml() prints, so any printed spec can be saved and
// reused as is; docs/eval.md describes each key.
//
// Thread-safety: plain value type; Apply() is a pure function and may run
// concurrently.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

// The ONNX metadata_props key whose value is a preprocessing spec in TOML.
inline constexpr std::string_view kPreprocessMetadataKey = "sweetspot.preprocess";

enum class ColorOrder { kRgb, kBgr, kGray };
enum class ResizeMode {
  kExact,        // stretch to width x height (skipped when the image already has that size)
  kShorterCrop,  // shorter side to size / crop_fraction, then a centred width x height crop (torchvision order)
  kCentralCrop,  // the centred square of side int(crop_fraction * shorter side), offsets (dim - side + 1) / 2,
                 // then resized to width x height (TF-slim/Keras order: crop, then resize)
  kLetterbox     // aspect kept: r = min(width / w, height / h), resized to round(w r) x round(h r), placed
                 // by letterbox_align in a width x height image filled with `pad` (YOLO/NanoDet detectors)
};
// Where kLetterbox places the resized image: centred (left = (width - new_w) / 2,
// integer division; top likewise) or at the top-left corner.
enum class LetterboxAlign { kCenter, kTopLeft };
enum class Interpolation { kNearest, kLinear, kCubic, kArea };
enum class Layout { kNchw, kNhwc };

struct PreprocessSpec {
  ColorOrder color = ColorOrder::kRgb;
  ResizeMode resize = ResizeMode::kExact;
  int width = 0;                 // 0: taken from the model's input shape (see Resolve)
  int height = 0;                // 0: taken from the model's input shape
  double crop_fraction = 0.875;  // kShorterCrop and kCentralCrop only, in (0, 1]
  int pad = 0;                   // kLetterbox only: the border's pixel value 0..255, before scale/mean (YOLO: 114)
  LetterboxAlign letterbox_align = LetterboxAlign::kCenter;  // kLetterbox only
  // 0: off. When > 0, a width/height the spec gives for a model input whose
  // size is not fixed is rounded up to a multiple of it (Resolve): detectors
  // with strides 8..32 need input sides divisible by the largest.
  int stride = 0;
  Interpolation interpolation = Interpolation::kLinear;
  // Defaults follow the channel count and dtype: mean and std hold one value
  // for every channel, and Resolve sets an integer dtype's scale to 1 (raw
  // 0..255 pixels) and int8's mean to 128 unless a layer set them.
  double scale = 1.0 / 255.0;
  std::vector<double> mean = {0.0};  // one value per channel (or one for all)
  std::vector<double> std = {1.0};   // one value per channel (or one for all)
  Layout layout = Layout::kNchw;
  DType dtype =
      DType::kFloat32;  // float32, float16, float64, uint8 or int8 (integers rounded; out of range is an error)

  // Which layer set each key that is not a default ("mean" -> "prep.toml",
  // "--mean"), so a conflict names who caused it. Keys as in ToToml (a
  // "size" sets "width" and "height"). Not part of the spec's value: ToToml
  // leaves it out.
  std::map<std::string, std::string> set_by;

  int channels() const { return color == ColorOrder::kGray ? 1 : 3; }
  // One sample's shape: [C,H,W] or [H,W,C]. Requires width and height set.
  Shape SampleShape() const;
  std::size_t SampleSizeBytes() const;

  // Canonical TOML text (every key, fixed order and precision), so equal specs
  // print equal text; the tensor cache hashes it. `pad` and `letterbox_align`
  // are printed only for kLetterbox and `stride` only when > 0 (they change
  // nothing otherwise), so specs without them print as before.
  std::string ToToml() const;
  // Checks values are in range (positive size/std, crop fraction in (0,1],
  // pad in 0..255, stride >= 0, mean/std with 1 or channels() entries,
  // supported dtype, an integer dtype's range holding every pixel's value).
  // Names the field and who set it; the keys that fix it come as the
  // Status's fixes.
  Status Validate() const;
  // " (from prep.toml)" for a key a layer set, "" for a default.
  std::string Origin(std::string_view key) const;
};

std::string_view ColorOrderName(ColorOrder value);          // rgb|bgr|gray
std::string_view ResizeModeName(ResizeMode value);          // exact|shorter-crop|central-crop|letterbox
std::string_view LetterboxAlignName(LetterboxAlign value);  // center|top-left
std::string_view InterpolationName(Interpolation value);    // nearest|linear|cubic|area
std::string_view LayoutName(Layout value);                  // nchw|nhwc
Result<ColorOrder> ParseColorOrder(std::string_view name);
Result<ResizeMode> ParseResizeMode(std::string_view name);
Result<LetterboxAlign> ParseLetterboxAlign(std::string_view name);
Result<Interpolation> ParseInterpolation(std::string_view name);
Result<Layout> ParseLayout(std::string_view name);

// Where a layer of preprocessing keys comes from, as errors and set_by name
// it: a file or a table of one ("prep.toml", "model metadata
// 'sweetspot.preprocess'"), whose keys are named with their line ("prep.toml
// line 3"), or an option the user typed ("--mean"), which has no lines.
struct PreprocessSource {
  PreprocessSource(const char* name_in) : name(name_in) {}             // NOLINT(google-explicit-constructor)
  PreprocessSource(std::string name_in) : name(std::move(name_in)) {}  // NOLINT(google-explicit-constructor)
  PreprocessSource(std::string_view name_in) : name(name_in) {}        // NOLINT(google-explicit-constructor)
  PreprocessSource(std::string name_in, bool has_lines_in) : name(std::move(name_in)), has_lines(has_lines_in) {}
  std::string name;
  bool has_lines = true;
};

// Overlays the keys present in TOML `text` onto `base`, recording `source`
// in set_by for each. Unknown keys are errors (a typo must not silently fall
// back to a default).
// ParsePreprocessTable (preprocess_toml.h) does the same for a parsed table.
// `validate` checks the combined spec (PreprocessSpec::Validate) after the
// overlay; a caller stacking several layers passes false and validates once
// after the last, so a later layer may settle what an earlier one left
// inconsistent (`--color gray` before `--mean 0.449`).
Result<PreprocessSpec> ParsePreprocessToml(std::string_view text, const PreprocessSource& source,
                                           const PreprocessSpec& base = {}, bool validate = true);
Result<PreprocessSpec> LoadPreprocessFile(const std::filesystem::path& path, const PreprocessSpec& base = {},
                                          bool validate = true);

// Fills width/height from the model input when the spec leaves them 0 (a
// size the spec gives for a dynamic input is rounded up to a multiple of
// `stride` when that is > 0), fills the dtype defaults (scale, int8 mean)
// no layer set, and checks the spec
// fits the input: rank 4, channel count in the layout's channel position,
// dtype, fixed spatial dimensions, and (Validate) the value range. Names the
// mismatch and who set the conflicting value; the keys that fix it come as
// the Status's fixes (status.h), for the caller to name as its options.
Result<PreprocessSpec> Resolve(const PreprocessSpec& spec, const TensorInfo& input);

// Where ApplyPreprocess puts an image of image_width x image_height pixels in
// the model input, per axis: input = original * scale + offset (pixels,
// continuous coordinates). Exact resize: scale = input / original, offset 0;
// letterbox: the resize factor and the padding before the image; a crop: the
// resize factor and minus the crop's start. Used to map boxes found in the
// input back to the original image (MapBoxToImage, detection.h).
// The scales are the ones the resize applies per axis (new size / original
// size, after rounding the new size to whole pixels), so they may differ
// between the axes by up to a pixel's worth for the aspect-keeping modes.
struct ImageGeometry {
  double scale_x = 1.0;
  double scale_y = 1.0;
  double offset_x = 0.0;
  double offset_y = 0.0;
};
// For a resolved spec (width and height set) and an image of that size.
ImageGeometry PreprocessGeometry(const PreprocessSpec& spec, int image_width, int image_height);

// Applies a resolved spec to an 8-bit gray or BGR image, writing exactly
// SampleSizeBytes() bytes to `out`. OpenCV errors come back as Status.
Status ApplyPreprocess(const PreprocessSpec& spec, const cv::Mat& image, std::span<std::byte> out);

}  // namespace sweetspot
