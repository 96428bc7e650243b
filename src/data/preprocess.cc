#include "sweetspot/preprocess.h"
#include "sweetspot/preprocess_toml.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <opencv2/imgproc.hpp>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

template <typename E, std::size_t N>
Result<E> ParseEnum(std::string_view name, const std::pair<E, std::string_view> (&table)[N], std::string_view what) {
  std::string expected;
  for (const auto& [value, text] : table) {
    if (text == name) return value;
    if (!expected.empty()) expected += ", ";
    expected += text;
  }
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(name) + "' (expected " + expected +
                                 ")");
}

constexpr std::pair<ColorOrder, std::string_view> kColors[] = {
    {ColorOrder::kRgb, "rgb"}, {ColorOrder::kBgr, "bgr"}, {ColorOrder::kGray, "gray"}};
constexpr std::pair<ResizeMode, std::string_view> kResizes[] = {{ResizeMode::kExact, "exact"},
                                                                {ResizeMode::kShorterCrop, "shorter-crop"},
                                                                {ResizeMode::kCentralCrop, "central-crop"},
                                                                {ResizeMode::kLetterbox, "letterbox"}};
constexpr std::pair<LetterboxAlign, std::string_view> kAligns[] = {{LetterboxAlign::kCenter, "center"},
                                                                   {LetterboxAlign::kTopLeft, "top-left"}};
constexpr std::pair<Interpolation, std::string_view> kInterpolations[] = {{Interpolation::kNearest, "nearest"},
                                                                          {Interpolation::kLinear, "linear"},
                                                                          {Interpolation::kCubic, "cubic"},
                                                                          {Interpolation::kArea, "area"}};
constexpr std::pair<Layout, std::string_view> kLayouts[] = {{Layout::kNchw, "nchw"}, {Layout::kNhwc, "nhwc"}};

template <typename E, std::size_t N>
std::string_view EnumName(E value, const std::pair<E, std::string_view> (&table)[N]) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "?";
}

std::string FormatNumber(double v) { return fmt::format("{}", v); }

std::string FormatList(const std::vector<double>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + FormatNumber(values[i]);
  return out + "]";
}

int CvInterpolation(Interpolation i) {
  switch (i) {
    case Interpolation::kNearest: return cv::INTER_NEAREST;
    case Interpolation::kLinear: return cv::INTER_LINEAR;
    case Interpolation::kCubic: return cv::INTER_CUBIC;
    case Interpolation::kArea: return cv::INTER_AREA;
  }
  return cv::INTER_LINEAR;
}

double PerChannel(const std::vector<double>& values, int c) {
  return values.size() == 1 ? values[0] : values[static_cast<std::size_t>(c)];
}

template <typename T>
void WriteValues(const PreprocessSpec& spec, const cv::Mat& image, std::span<std::byte> out) {
  const int channels = spec.channels();
  const int h = image.rows;
  const int w = image.cols;
  T* dst = reinterpret_cast<T*>(out.data());
  double mul[3];
  double add[3];
  for (int c = 0; c < channels; ++c) {
    // (px * scale - mean) / std == px * (scale / std) - mean / std
    mul[c] = spec.scale / PerChannel(spec.std, c);
    add[c] = -PerChannel(spec.mean, c) / PerChannel(spec.std, c);
  }
  const std::size_t plane = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  for (int y = 0; y < h; ++y) {
    const unsigned char* row = image.ptr<unsigned char>(y);
    for (int x = 0; x < w; ++x) {
      const std::size_t pixel = static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x);
      for (int c = 0; c < channels; ++c) {
        const double v = row[x * channels + c] * mul[c] + add[c];
        const std::size_t at = spec.layout == Layout::kNchw
                                   ? static_cast<std::size_t>(c) * plane + pixel
                                   : pixel * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c);
        if constexpr (std::is_integral_v<T>) {
          // Validate keeps every value in range; the clamp only absorbs rounding.
          dst[at] = static_cast<T>(std::clamp(std::lround(v), static_cast<long>(std::numeric_limits<T>::min()),
                                              static_cast<long>(std::numeric_limits<T>::max())));
        } else if constexpr (std::is_same_v<T, cv::float16_t>) {
          dst[at] = cv::float16_t(static_cast<float>(v));
        } else {
          dst[at] = static_cast<T>(v);
        }
      }
    }
  }
}

cv::Mat ResizeTo(const cv::Mat& image, int width, int height, int interpolation) {
  if (image.cols == width && image.rows == height) return image;
  cv::Mat out;
  cv::resize(image, out, cv::Size(width, height), 0, 0, interpolation);
  return out;
}

// The resize step of a spec for an image of w x h pixels: `source` (the
// whole image, or central-crop's square) is resized to `resized`, whose
// top-left pixel lands at `at` in the width x height input (negative: the
// input is a crop of it; positive: letterbox padding before it).
struct ResizePlan {
  cv::Rect source;
  cv::Size resized;
  cv::Point at;
};

ResizePlan PlanResize(const PreprocessSpec& spec, int w, int h) {
  const cv::Rect whole(0, 0, w, h);
  switch (spec.resize) {
    case ResizeMode::kExact: return {whole, {spec.width, spec.height}, {0, 0}};
    case ResizeMode::kShorterCrop: {
      // Scale so the image covers size / crop_fraction on both axes, then
      // take the centre (torchvision's Resize(size / crop) + CenterCrop(size)).
      const double f = std::max(spec.width / spec.crop_fraction / w, spec.height / spec.crop_fraction / h);
      const int rw = std::max(spec.width, static_cast<int>(std::lround(w * f)));
      const int rh = std::max(spec.height, static_cast<int>(std::lround(h * f)));
      return {whole, {rw, rh}, {-((rw - spec.width) / 2), -((rh - spec.height) / 2)}};
    }
    case ResizeMode::kCentralCrop: {
      // Crop first, then resize (TF-slim/Keras ImageNet evaluation): the
      // centred square of side int(crop_fraction * shorter side), offsets
      // (dim - side + 1) / 2 as TF's EfficientNet code; the epsilon keeps
      // 0.875 * 224 from truncating to 195 on a rounding error.
      const int side = std::max(1, static_cast<int>(std::min(w, h) * spec.crop_fraction + 1e-9));
      return {cv::Rect((w - side + 1) / 2, (h - side + 1) / 2, side, side), {spec.width, spec.height}, {0, 0}};
    }
    case ResizeMode::kLetterbox: {
      // YOLO/NanoDet: keep the aspect ratio, fit the longer side, pad the rest.
      const double r = std::min(static_cast<double>(spec.width) / w, static_cast<double>(spec.height) / h);
      const int nw = std::clamp(static_cast<int>(std::lround(w * r)), 1, spec.width);
      const int nh = std::clamp(static_cast<int>(std::lround(h * r)), 1, spec.height);
      const bool centred = spec.letterbox_align == LetterboxAlign::kCenter;
      return {whole, {nw, nh}, {centred ? (spec.width - nw) / 2 : 0, centred ? (spec.height - nh) / 2 : 0}};
    }
  }
  return {whole, {spec.width, spec.height}, {0, 0}};
}

// The resize step of a spec (see ResizeMode); returns a width x height image.
cv::Mat ResizeToSpec(const PreprocessSpec& spec, const cv::Mat& image) {
  const ResizePlan plan = PlanResize(spec, image.cols, image.rows);
  const cv::Mat resized =
      ResizeTo(image(plan.source), plan.resized.width, plan.resized.height, CvInterpolation(spec.interpolation));
  if (plan.at.x > 0 || plan.at.y > 0 || plan.resized.width < spec.width || plan.resized.height < spec.height) {
    cv::Mat padded(spec.height, spec.width, resized.type(), cv::Scalar::all(spec.pad));
    resized.copyTo(padded(cv::Rect(plan.at, plan.resized)));
    return padded;
  }
  return resized(cv::Rect(-plan.at.x, -plan.at.y, spec.width, spec.height));
}

bool IsIntegerDType(DType dtype) { return dtype == DType::kUInt8 || dtype == DType::kInt8; }

// An integer input takes raw pixels: scale 1, and int8 centred on 0 (mean
// 128), unless a layer set them.
PreprocessSpec WithDtypeDefaults(PreprocessSpec spec) {
  if (!IsIntegerDType(spec.dtype)) return spec;
  if (!spec.set_by.contains("scale")) spec.scale = 1.0;
  if (!spec.set_by.contains("mean")) spec.mean = {spec.dtype == DType::kInt8 ? 128.0 : 0.0};
  return spec;
}

bool IsWhole(double v) { return std::abs(v - std::round(v)) < 1e-6; }

// What an integer dtype's preprocessing does wrong with pixels 0..255, or ""
// when every pixel lands on a distinct integer inside the dtype's range (a
// float model's 1/255 scale turns every pixel into 0 or 1; a mean of 0.5
// rounds half of them one way and half the other).
std::string IntegerRangeProblem(const PreprocessSpec& spec, double mul, double add) {
  const double lo_limit = spec.dtype == DType::kInt8 ? -128.0 : 0.0;
  const double hi_limit = lo_limit + 255.0;
  // "+ 0.0" turns -0 into 0 for the message.
  const double lo = std::min(add, 255.0 * mul + add) + 0.0;
  const double hi = std::max(add, 255.0 * mul + add) + 0.0;
  const double levels = std::abs(255.0 * mul) + 1.0;
  if (levels < 16.0) return fmt::format("onto {:.0f} value(s)", std::floor(levels));
  if (lo < lo_limit - 0.5 || hi > hi_limit + 0.5) {
    return fmt::format("to {}..{}, outside {}'s {}..{}", FormatNumber(lo), FormatNumber(hi), DTypeName(spec.dtype),
                       lo_limit, hi_limit);
  }
  if (!IsWhole(add)) return fmt::format("to non-integers (pixel 0 to {})", FormatNumber(add + 0.0));
  if (!IsWhole(mul)) return fmt::format("to non-integers (pixel 1 to {})", FormatNumber(mul + add));
  return "";
}

// The pixel values 0..255 must land inside an integer dtype's range, stay
// apart, and be integers: the rounding would otherwise change the values
// the model sees without a word.
Status CheckIntegerRange(const PreprocessSpec& spec) {
  if (!IsIntegerDType(spec.dtype)) return Status::Ok();
  for (int c = 0; c < spec.channels(); ++c) {
    const double mul = spec.scale / PerChannel(spec.std, c);
    const double add = -PerChannel(spec.mean, c) / PerChannel(spec.std, c);
    const std::string what = IntegerRangeProblem(spec, mul, add);
    if (what.empty()) continue;
    return Status::InvalidArgument(fmt::format("preprocessing maps pixels 0..255 {} (scale {}{}, mean {}{}, std {}{}): "
                                               "a {} input takes raw pixels",
                                               what, FormatNumber(spec.scale), spec.Origin("scale"),
                                               FormatList(spec.mean), spec.Origin("mean"), FormatList(spec.std),
                                               spec.Origin("std"), DTypeName(spec.dtype)))
        .WithFix({"scale", "", {"1"}})
        .WithFix({"mean", "", {spec.dtype == DType::kInt8 ? "128" : "0"}})
        .WithFix({"std", "", {"1"}});
  }
  return Status::Ok();
}

// One message for both lists, so the fix it proposes is complete: a
// three-value mean and std from an RGB model's metadata both need one value
// for gray (their average).
Status CheckListSizes(const PreprocessSpec& spec) {
  const auto fits = [&](const std::vector<double>& v) {
    return v.size() == 1 || v.size() == static_cast<std::size_t>(spec.channels());
  };
  if (fits(spec.mean) && fits(spec.std)) return Status::Ok();
  std::vector<std::string> problems;
  std::vector<FieldFix> fixes;
  for (const auto& [name, values] : {std::pair<std::string_view, const std::vector<double>*>{"mean", &spec.mean},
                                     std::pair<std::string_view, const std::vector<double>*>{"std", &spec.std}}) {
    if (fits(*values)) continue;
    problems.push_back(
        fmt::format("'{}' {}{} has {} values", name, FormatList(*values), spec.Origin(name), values->size()));
    double sum = 0.0;
    for (double v : *values) sum += v;
    // Gray takes the average; colour needs a value per channel, which only the user knows.
    fixes.push_back({std::string(name), "",
                     spec.channels() == 1
                         ? std::vector<std::string>{fmt::format("{:.4g}", sum / static_cast<double>(values->size()))}
                         : std::vector<std::string>{"C1", "C2", "C3"}});
  }
  Status status = Status::InvalidArgument(fmt::format("preprocessing {} but colour '{}'{} has {} channel(s)",
                                                      fmt::join(problems, " and "), ColorOrderName(spec.color),
                                                      spec.Origin("color"), spec.channels()));
  return status.WithFixes(fixes);
}

// toml++ reports integers and floats apart; both are numbers here.
std::optional<double> AsNumber(const toml::node& node) {
  if (auto f = node.value<double>()) return *f;
  return std::nullopt;
}

}  // namespace

std::string_view ColorOrderName(ColorOrder value) { return EnumName(value, kColors); }
std::string_view ResizeModeName(ResizeMode value) { return EnumName(value, kResizes); }
std::string_view LetterboxAlignName(LetterboxAlign value) { return EnumName(value, kAligns); }
std::string_view InterpolationName(Interpolation value) { return EnumName(value, kInterpolations); }
std::string_view LayoutName(Layout value) { return EnumName(value, kLayouts); }
Result<ColorOrder> ParseColorOrder(std::string_view name) { return ParseEnum(name, kColors, "colour order"); }
Result<ResizeMode> ParseResizeMode(std::string_view name) { return ParseEnum(name, kResizes, "resize mode"); }
Result<LetterboxAlign> ParseLetterboxAlign(std::string_view name) {
  return ParseEnum(name, kAligns, "letterbox alignment");
}
Result<Interpolation> ParseInterpolation(std::string_view name) {
  return ParseEnum(name, kInterpolations, "interpolation");
}
Result<Layout> ParseLayout(std::string_view name) { return ParseEnum(name, kLayouts, "layout"); }

Shape PreprocessSpec::SampleShape() const {
  if (layout == Layout::kNchw) return {channels(), height, width};
  return {height, width, channels()};
}

std::size_t PreprocessSpec::SampleSizeBytes() const {
  return static_cast<std::size_t>(channels()) * static_cast<std::size_t>(std::max(width, 0)) *
         static_cast<std::size_t>(std::max(height, 0)) * DTypeSizeBytes(dtype);
}

std::string PreprocessSpec::ToToml() const {
  std::string out;
  out += fmt::format("color = \"{}\"\n", ColorOrderName(color));
  out += fmt::format("resize = \"{}\"\n", ResizeModeName(resize));
  out += fmt::format("width = {}\n", width);
  out += fmt::format("height = {}\n", height);
  if (stride > 0) out += fmt::format("stride = {}\n", stride);
  out += fmt::format("crop_fraction = {}\n", FormatNumber(crop_fraction));
  if (resize == ResizeMode::kLetterbox) {
    out += fmt::format("pad = {}\n", pad);
    out += fmt::format("letterbox_align = \"{}\"\n", LetterboxAlignName(letterbox_align));
  }
  out += fmt::format("interpolation = \"{}\"\n", InterpolationName(interpolation));
  out += fmt::format("scale = {}\n", FormatNumber(scale));
  out += fmt::format("mean = {}\n", FormatList(mean));
  out += fmt::format("std = {}\n", FormatList(std));
  out += fmt::format("layout = \"{}\"\n", LayoutName(layout));
  out += fmt::format("dtype = \"{}\"\n", DTypeName(dtype));
  return out;
}

Status PreprocessSpec::Validate() const {
  if (width < 0 || height < 0) return Status::InvalidArgument("preprocessing 'width'/'height' must be positive");
  if (!(crop_fraction > 0.0 && crop_fraction <= 1.0)) {
    return Status::InvalidArgument("preprocessing 'crop_fraction' must be in (0, 1], got " +
                                   FormatNumber(crop_fraction));
  }
  if (pad < 0 || pad > 255) {
    return Status::InvalidArgument(
        fmt::format("preprocessing 'pad' {}{} must be a pixel value in 0..255", pad, Origin("pad")));
  }
  if (stride < 0) {
    return Status::InvalidArgument(
        fmt::format("preprocessing 'stride' {}{} must be 0 (off) or positive", stride, Origin("stride")));
  }
  if (!std::isfinite(scale) || scale == 0.0) {
    return Status::InvalidArgument("preprocessing 'scale' must be a non-zero number");
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckListSizes(*this));
  for (const auto* values : {&mean, &std}) {
    for (double v : *values) {
      if (!std::isfinite(v)) {
        return Status::InvalidArgument(
            fmt::format("preprocessing '{}' has a non-finite value", values == &mean ? "mean" : "std"));
      }
    }
  }
  for (double v : std) {
    if (v == 0.0) return Status::InvalidArgument("preprocessing 'std' has a zero (division by zero)");
  }
  if (dtype != DType::kFloat32 && dtype != DType::kFloat16 && dtype != DType::kFloat64 && !IsIntegerDType(dtype)) {
    return Status::Unsupported("preprocessing 'dtype' " + std::string(DTypeName(dtype)) + Origin("dtype") +
                               " is not supported (float32, float16, float64, uint8 or int8)");
  }
  return CheckIntegerRange(WithDtypeDefaults(*this));
}

std::string PreprocessSpec::Origin(std::string_view key) const {
  const auto it = set_by.find(std::string(key));
  return it == set_by.end() ? std::string() : " (from " + it->second + ")";
}

namespace {

// " line N" of a parsed node, "" when it has no position or its source no lines.
std::string LineOf(const PreprocessSource& source, const toml::node& node) {
  const auto line = node.source().begin.line;
  return line > 0 && source.has_lines ? fmt::format(" line {}", line) : std::string();
}

}  // namespace

Result<PreprocessSpec> ParsePreprocessTable(const toml::table& table, const PreprocessSource& from,
                                            const PreprocessSpec& base, bool validate) {
  PreprocessSpec spec = base;
  const std::string& source_name = from.name;
  std::string source = source_name;
  const auto field_error = [&](std::string_view key, std::string_view expected) {
    return Status::InvalidData(fmt::format("{}: '{}' must be {}", source, key, expected));
  };
  for (auto&& [key_node, node] : table) {
    const std::string_view key = key_node.str();
    source = source_name + LineOf(from, node);
    const auto str = node.value<std::string>();
    if (key == "size") {
      spec.set_by["width"] = spec.set_by["height"] = std::string(source);
    } else {
      spec.set_by[key == "colour" ? "color" : std::string(key)] = std::string(source);
    }
    if (key == "color" || key == "colour") {
      if (!str) return field_error(key, "a string: rgb, bgr or gray");
      auto v = ParseColorOrder(*str);
      if (!v.ok()) return v.status().WithContext(source);
      spec.color = *v;
    } else if (key == "resize") {
      if (!str) return field_error(key, "a string: exact, shorter-crop, central-crop or letterbox");
      auto v = ParseResizeMode(*str);
      if (!v.ok()) return v.status().WithContext(source);
      spec.resize = *v;
    } else if (key == "letterbox_align") {
      if (!str) return field_error(key, "a string: center or top-left");
      auto v = ParseLetterboxAlign(*str);
      if (!v.ok()) return v.status().WithContext(source);
      spec.letterbox_align = *v;
    } else if (key == "pad" || key == "stride") {
      const auto v = node.value<std::int64_t>();
      if (key == "pad" && (!v || *v < 0 || *v > 255)) return field_error(key, "an integer pixel value in 0..255");
      if (key == "stride" && (!v || *v < 0 || *v > 65535)) return field_error(key, "a non-negative integer (0: off)");
      (key == "pad" ? spec.pad : spec.stride) = static_cast<int>(*v);
    } else if (key == "interpolation") {
      if (!str) return field_error(key, "a string: nearest, linear, cubic or area");
      auto v = ParseInterpolation(*str);
      if (!v.ok()) return v.status().WithContext(source);
      spec.interpolation = *v;
    } else if (key == "layout") {
      if (!str) return field_error(key, "a string: nchw or nhwc");
      auto v = ParseLayout(*str);
      if (!v.ok()) return v.status().WithContext(source);
      spec.layout = *v;
    } else if (key == "dtype") {
      if (!str) return field_error(key, "a string: float32, float64, uint8 or int8");
      auto v = ParseDType(*str);
      if (!v.ok()) return v.status().WithContext(source);
      spec.dtype = *v;
    } else if (key == "width" || key == "height") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 65535) return field_error(key, "a non-negative integer (0: from the model)");
      (key == "width" ? spec.width : spec.height) = static_cast<int>(*v);
    } else if (key == "size") {
      if (const auto v = node.value<std::int64_t>(); v && *v >= 0 && *v <= 65535) {
        spec.width = spec.height = static_cast<int>(*v);
      } else if (const auto* arr = node.as_array(); arr && arr->size() == 2 && arr->is_homogeneous<std::int64_t>()) {
        spec.width = static_cast<int>(*arr->get(0)->value<std::int64_t>());
        spec.height = static_cast<int>(*arr->get(1)->value<std::int64_t>());
      } else {
        return field_error(key, "an integer or [width, height]");
      }
    } else if (key == "crop_fraction" || key == "scale") {
      const auto v = AsNumber(node);
      if (!v) return field_error(key, "a number");
      (key == "scale" ? spec.scale : spec.crop_fraction) = *v;
    } else if (key == "mean" || key == "std") {
      std::vector<double> values;
      if (const auto v = AsNumber(node)) {
        values.push_back(*v);
      } else if (const auto* arr = node.as_array()) {
        for (const auto& element : *arr) {
          const auto e = AsNumber(element);
          if (!e) return field_error(key, "a number or an array of numbers");
          values.push_back(*e);
        }
      } else {
        return field_error(key, "a number or an array of numbers");
      }
      (key == "mean" ? spec.mean : spec.std) = std::move(values);
    } else {
      return Status::InvalidData(
          fmt::format("{}: unknown key '{}' (known: color, resize, width, height, size, stride, crop_fraction, pad, "
                      "letterbox_align, interpolation, scale, mean, std, layout, dtype)",
                      source, key));
    }
  }
  if (validate) {
    SWEETSPOT_RETURN_IF_ERROR(spec.Validate().WithContext(source_name + LineOf(from, table)));
  }
  return spec;
}

Result<toml::table> ParseTomlText(std::string_view text, const PreprocessSource& source) {
  try {
    return toml::parse(NormalizeText(text), source.name);
  } catch (const toml::parse_error& e) {
    const std::string line = source.has_lines ? fmt::format(" line {}", e.source().begin.line) : "";
    return Status::InvalidData(fmt::format("{}{}: {}", source.name, line, e.description()));
  }
}

Result<PreprocessSpec> ParsePreprocessToml(std::string_view text, const PreprocessSource& source,
                                           const PreprocessSpec& base, bool validate) {
  SWEETSPOT_ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, source));
  return ParsePreprocessTable(table, source, base, validate);
}

Result<PreprocessSpec> LoadPreprocessFile(const std::filesystem::path& path, const PreprocessSpec& base,
                                          bool validate) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status().WithContext("preprocessing file");
  return ParsePreprocessToml(*text, SafeText(path.string()), base, validate);
}

Result<PreprocessSpec> Resolve(const PreprocessSpec& spec_in, const TensorInfo& input) {
  PreprocessSpec spec = WithDtypeDefaults(spec_in);
  SWEETSPOT_RETURN_IF_ERROR(spec.Validate());
  const std::string name = "model input '" + input.name + "' " + ShapeToString(input.shape, input.dim_names);
  if (input.shape.size() != 4) {
    return Status::Unsupported(name + " is not an image batch; evaluation needs [N,C,H,W] or [N,H,W,C]");
  }
  const bool nchw = spec.layout == Layout::kNchw;
  const std::int64_t c = nchw ? input.shape[1] : input.shape[3];
  const std::int64_t h = nchw ? input.shape[2] : input.shape[1];
  const std::int64_t w = nchw ? input.shape[3] : input.shape[2];
  if (c >= 0 && c != spec.channels()) {
    const std::int64_t other_c = nchw ? input.shape[3] : input.shape[1];
    if (other_c == spec.channels()) {
      return Status::InvalidArgument(fmt::format("{} has its channels last/first, not as layout '{}'{} says", name,
                                                 LayoutName(spec.layout), spec.Origin("layout")))
          .WithFix({"layout", "", {nchw ? "nhwc" : "nchw"}});
    }
    return Status::InvalidArgument(fmt::format("{} takes {} channel(s) but colour '{}'{} gives {}", name, c,
                                               ColorOrderName(spec.color), spec.Origin("color"), spec.channels()))
        .WithFix({"color", "", {c == 1 ? "gray" : "rgb"}});
  }
  // A size fix names both sides: the model's where it is fixed, else a placeholder.
  const FieldFix size_fix{"size", "", {w >= 0 ? std::to_string(w) : "WIDTH", h >= 0 ? std::to_string(h) : "HEIGHT"}};
  for (const auto& [what, model_value, value] :
       {std::tuple<std::string_view, std::int64_t, int*>{"width", w, &spec.width},
        std::tuple<std::string_view, std::int64_t, int*>{"height", h, &spec.height}}) {
    if (*value == 0) {
      if (model_value < 0)
        return Status::InvalidArgument(fmt::format("{} has a dynamic {}", name, what)).WithFix(size_fix);
      *value = static_cast<int>(model_value);
    } else if (model_value >= 0 && model_value != *value) {
      return Status::InvalidArgument(fmt::format("{} is fixed to {} {} but the preprocessing{} says {}", name, what,
                                                 model_value, spec.Origin(what), *value))
          .WithFix(size_fix);
    } else if (model_value < 0 && spec.stride > 0) {
      *value = (*value + spec.stride - 1) / spec.stride * spec.stride;
    }
  }
  if (spec.width <= 0 || spec.height <= 0) {
    return Status::InvalidArgument(name + ": image size must be positive").WithFix(size_fix);
  }
  if (input.dtype != spec.dtype) {
    return Status::InvalidArgument(fmt::format("{} takes {} but the preprocessing produces {}{}", name,
                                               DTypeName(input.dtype), DTypeName(spec.dtype), spec.Origin("dtype")))
        .WithFix({"dtype", "", {std::string(DTypeName(input.dtype))}});
  }
  return spec;
}

ImageGeometry PreprocessGeometry(const PreprocessSpec& spec, int image_width, int image_height) {
  assert(spec.width > 0 && spec.height > 0 && image_width > 0 && image_height > 0);
  const ResizePlan plan = PlanResize(spec, image_width, image_height);
  ImageGeometry g;
  g.scale_x = static_cast<double>(plan.resized.width) / plan.source.width;
  g.scale_y = static_cast<double>(plan.resized.height) / plan.source.height;
  g.offset_x = plan.at.x - plan.source.x * g.scale_x;
  g.offset_y = plan.at.y - plan.source.y * g.scale_y;
  return g;
}

Status ApplyPreprocess(const PreprocessSpec& spec, const cv::Mat& image, std::span<std::byte> out) {
  if (out.size() != spec.SampleSizeBytes()) {
    return Status::Internal("preprocess output buffer has the wrong size");
  }
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3)) {
    return Status::InvalidData("image is not 8-bit gray or BGR");
  }
  try {
    cv::Mat converted;
    const bool gray_in = image.channels() == 1;
    if (spec.color == ColorOrder::kRgb) {
      cv::cvtColor(image, converted, gray_in ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
    } else if (spec.color == ColorOrder::kBgr && gray_in) {
      cv::cvtColor(image, converted, cv::COLOR_GRAY2BGR);
    } else if (spec.color == ColorOrder::kGray && !gray_in) {
      cv::cvtColor(image, converted, cv::COLOR_BGR2GRAY);
    } else {
      converted = image;
    }
    const cv::Mat sized = ResizeToSpec(spec, converted);
    switch (spec.dtype) {
      case DType::kFloat32: WriteValues<float>(spec, sized, out); break;
      // OpenCV's half type rounds to nearest even, as IEEE 754 and the runtimes do.
      case DType::kFloat16: WriteValues<cv::float16_t>(spec, sized, out); break;
      case DType::kFloat64: WriteValues<double>(spec, sized, out); break;
      case DType::kUInt8: WriteValues<std::uint8_t>(spec, sized, out); break;
      case DType::kInt8: WriteValues<std::int8_t>(spec, sized, out); break;
      default: return Status::Unsupported("preprocessing dtype " + std::string(DTypeName(spec.dtype)));
    }
  } catch (const cv::Exception& e) {
    return Status::InvalidData(std::string("OpenCV failed to preprocess the image: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace sweetspot
