// DetectorSpec: layout names, the canonical TOML form, validation and the
// TOML parser (the same error forms as the preprocessing spec's).
#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "sweetspot/detection_decoder.h"
#include "sweetspot/preprocess_toml.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

constexpr std::pair<DetectionLayout, std::string_view> kLayouts[] = {
    {DetectionLayout::kBoxesObjectness, "yolo"},
    {DetectionLayout::kGridObjectness, "yolox"},
    {DetectionLayout::kBoxesScoresTransposed, "yolov8"},
    {DetectionLayout::kSeparateOutputs, "boxes-scores"},
    {DetectionLayout::kNmsInside, "nms"},
    {DetectionLayout::kPerStrideDistances, "nanodet"}};

constexpr std::string_view kBoxFormats[] = {"cxcywh", "xyxy", "yxyx"};

constexpr std::string_view kKnownKeys =
    "layout, strides, box_format, normalized_boxes, label_offset, class_names, classes, score_threshold, "
    "iou_threshold, max_detections, class_agnostic_nms, multi_label";

// A TOML string literal (quotes and escapes as toml++ writes them).
std::string Quoted(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

std::string LineOf(const PreprocessSource& source, const toml::node& node) {
  const auto line = node.source().begin.line;
  return line > 0 && source.has_lines ? fmt::format(" line {}", line) : std::string();
}

// One key's value into `spec`; InvalidData naming `where` and the key.
Status SetKey(DetectorSpec& spec, std::string_view key, const toml::node& node, const std::string& where) {
  const auto type_error = [&](std::string_view expected) {
    return Status::InvalidData(fmt::format("{}: '{}' must be {}", where, key, expected));
  };
  const auto str = node.value<std::string>();
  if (key == "layout") {
    if (!str) return type_error("a string: yolo, yolox, yolov8, boxes-scores, nms or nanodet");
    auto layout = ParseDetectionLayout(*str);
    if (!layout.ok()) return layout.status().WithContext(where);
    spec.layout = *layout;
  } else if (key == "box_format" || key == "classes") {
    if (!str) return type_error(key == "classes" ? "a string: coco80 or a class-list file" : "a string");
    (key == "classes" ? spec.classes : spec.box_format) = *str;
  } else if (key == "normalized_boxes" || key == "class_agnostic_nms" || key == "multi_label") {
    const auto flag = node.value<bool>();
    if (!flag) return type_error("true or false");
    (key == "normalized_boxes" ? spec.normalized_boxes
     : key == "multi_label"    ? spec.multi_label
                               : spec.class_agnostic_nms) = *flag;
  } else if (key == "label_offset" || key == "max_detections") {
    const auto integer = node.value<std::int64_t>();
    if (!integer || *integer < -1000000 || *integer > 1000000) return type_error("an integer");
    (key == "label_offset" ? spec.label_offset : spec.max_detections) = static_cast<int>(*integer);
  } else if (key == "score_threshold" || key == "iou_threshold") {
    const auto number = node.value<double>();
    if (!number) return type_error("a number");
    (key == "score_threshold" ? spec.score_threshold : spec.iou_threshold) = *number;
  } else if (key == "strides") {
    const auto* array = node.as_array();
    // toml++ calls no empty array homogeneous.
    if (array == nullptr || (!array->empty() && !array->is_homogeneous<std::int64_t>())) {
      return type_error("an array of integers");
    }
    spec.strides.clear();
    for (const auto& element : *array) spec.strides.push_back(static_cast<int>(*element.value<std::int64_t>()));
  } else if (key == "class_names") {
    const auto* array = node.as_array();
    if (array == nullptr || (!array->empty() && !array->is_homogeneous<std::string>())) {
      return type_error("an array of strings");
    }
    spec.class_names.clear();
    for (const auto& element : *array) spec.class_names.push_back(*element.value<std::string>());
  } else {
    return Status::InvalidData(fmt::format("{}: unknown key '{}' (known: {})", where, key, kKnownKeys));
  }
  return Status::Ok();
}

}  // namespace

std::string_view DetectionLayoutName(DetectionLayout layout) {
  for (const auto& [value, name] : kLayouts) {
    if (value == layout) return name;
  }
  return "?";
}

Result<DetectionLayout> ParseDetectionLayout(std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& [value, text] : kLayouts) {
    if (text == name) return value;
    names.push_back(text);
  }
  return Status::InvalidArgument(
      fmt::format("unknown detection layout '{}' (expected {})", SafeText(name), fmt::join(names, ", ")));
}

std::string DetectorSpec::ToToml() const {
  std::vector<std::string> names;
  for (const auto& name : class_names) names.push_back(Quoted(name));
  std::string out;
  out += fmt::format("layout = \"{}\"\n", DetectionLayoutName(layout));
  out += fmt::format("strides = [{}]\n", fmt::join(strides, ", "));
  out += fmt::format("box_format = {}\n", Quoted(box_format));
  out += fmt::format("normalized_boxes = {}\n", normalized_boxes);
  out += fmt::format("label_offset = {}\n", label_offset);
  out += fmt::format("class_names = [{}]\n", fmt::join(names, ", "));
  out += fmt::format("classes = {}\n", Quoted(classes));
  out += fmt::format("score_threshold = {}\n", score_threshold);
  out += fmt::format("iou_threshold = {}\n", iou_threshold);
  out += fmt::format("max_detections = {}\n", max_detections);
  out += fmt::format("class_agnostic_nms = {}\n", class_agnostic_nms);
  out += fmt::format("multi_label = {}\n", multi_label);
  return out;
}

std::string DetectorSpec::Origin(std::string_view key) const {
  const auto it = set_by.find(std::string(key));
  return it == set_by.end() ? std::string() : " (from " + it->second + ")";
}

Status DetectorSpec::Validate() const {
  const auto bad = [&](std::string_view key, const std::string& what) {
    return Status::InvalidArgument(fmt::format("decoder '{}'{} {}", key, Origin(key), what));
  };
  if (strides.empty()) return bad("strides", "is empty; give the model's strides, e.g. [8, 16, 32]");
  for (int stride : strides) {
    if (stride <= 0) return bad("strides", fmt::format("has {}; strides must be positive", stride));
  }
  if (std::find(std::begin(kBoxFormats), std::end(kBoxFormats), box_format) == std::end(kBoxFormats)) {
    return bad("box_format", fmt::format("is '{}' (expected cxcywh, xyxy or yxyx)", SafeText(box_format)));
  }
  if (label_offset < 0) return bad("label_offset", "must be >= 0");
  for (const auto& [key, value] : {std::pair<std::string_view, double>{"score_threshold", score_threshold},
                                   std::pair<std::string_view, double>{"iou_threshold", iou_threshold}}) {
    if (!(value >= 0.0 && value <= 1.0)) return bad(key, fmt::format("is {}; it must be in [0, 1]", value));
  }
  if (max_detections <= 0) return bad("max_detections", fmt::format("is {}; it must be positive", max_detections));
  return Status::Ok();
}

Result<DetectorSpec> ParseDetectorToml(std::string_view text, const PreprocessSource& source, const DetectorSpec& base,
                                       bool validate) {
  SWEETSPOT_ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, source));
  DetectorSpec spec = base;
  for (auto&& [key_node, node] : table) {
    const std::string where = source.name + LineOf(source, node);
    SWEETSPOT_RETURN_IF_ERROR(SetKey(spec, key_node.str(), node, where));
    spec.set_by[std::string(key_node.str())] = where;
  }
  if (validate) SWEETSPOT_RETURN_IF_ERROR(spec.Validate());
  return spec;
}

Result<DetectorSpec> LoadDetectorFile(const std::filesystem::path& path, const DetectorSpec& base, bool validate) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status().WithContext("decoder file");
  return ParseDetectorToml(*text, SafeText(path.string()), base, validate);
}

}  // namespace sweetspot
