// KeypointDecoderSpec: layout names, the canonical TOML form, validation, the
// TOML parser, layout detection and the layered resolution for a model.
#include <algorithm>
#include <iterator>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "sweetspot/keypoint_decoder.h"
#include "sweetspot/preprocess_toml.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

constexpr std::pair<KeypointLayout, std::string_view> kLayouts[] = {
    {KeypointLayout::kHeatmap, "heatmap"}, {KeypointLayout::kSimcc, "simcc"}, {KeypointLayout::kRegression, "regression"}};

constexpr std::string_view kRefines[] = {"quarter", "parabola", "none"};

constexpr std::string_view kKnownKeys =
    "layout, output, output_y, refine, simcc_split_ratio, regression_normalized, schema";

std::string Quoted(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

Status SetKey(KeypointDecoderSpec& spec, std::string_view key, const toml::node& node, const std::string& where) {
  const auto type_error = [&](std::string_view expected) {
    return Status::InvalidData(fmt::format("{}: '{}' must be {}", where, key, expected));
  };
  const auto str = node.value<std::string>();
  if (key == "layout") {
    if (!str) return type_error("a string: heatmap, simcc or regression");
    auto layout = ParseKeypointLayout(*str);
    if (!layout.ok()) return layout.status().WithContext(where);
    spec.layout = *layout;
  } else if (key == "output" || key == "output_y" || key == "refine" || key == "schema") {
    if (!str) return type_error("a string");
    (key == "output" ? spec.output : key == "output_y" ? spec.output_y : key == "refine" ? spec.refine : spec.schema) =
        *str;
  } else if (key == "simcc_split_ratio") {
    const auto number = node.value<double>();
    if (!number) return type_error("a number");
    spec.simcc_split_ratio = *number;
  } else if (key == "regression_normalized") {
    const auto flag = node.value<bool>();
    if (!flag) return type_error("true or false");
    spec.regression_normalized = *flag;
  } else {
    return Status::InvalidData(fmt::format("{}: unknown key '{}' (known: {})", where, key, kKnownKeys));
  }
  return Status::Ok();
}

std::string Dims(const TensorInfo& info) { return fmt::format("'{}' {}", info.name, ShapeToString(info.shape)); }

// The tensor output named `name`, else the one at `position` (as DecodeKeypoints picks); nullptr when absent.
const TensorInfo* Picked(std::span<const TensorInfo> tensors, const std::string& name, std::size_t position) {
  if (!name.empty()) {
    const auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.name == name; });
    return it == tensors.end() ? nullptr : &*it;
  }
  return position < tensors.size() ? &tensors[position] : nullptr;
}

// Why `layout` cannot read the tensor outputs `spec` picks (their declared
// ranks; an unknown dimension fits any size), or "" when it can. A named
// output the model lacks is left to DecodeKeypoints, which names it.
std::string LayoutMisfit(KeypointLayout layout, const KeypointDecoderSpec& spec, std::span<const TensorInfo> tensors) {
  const TensorInfo* first = Picked(tensors, spec.output, 0);
  if (first == nullptr) return spec.output.empty() ? "the model has no tensor output" : "";
  const Shape& shape = first->shape;
  switch (layout) {
    case KeypointLayout::kHeatmap:
      return shape.size() == 4 ? "" : fmt::format("heatmap needs {} to be [N, K, H, W]", Dims(*first));
    case KeypointLayout::kSimcc: {
      const TensorInfo* y = Picked(tensors, spec.output_y, 1);
      if (y == nullptr) return spec.output_y.empty() ? "simcc needs two outputs [N, K, Wx] and [N, K, Hy]" : "";
      if (shape.size() == 3 && y->shape.size() == 3) return "";
      return fmt::format("simcc needs {} and {} to be [N, K, Wx] and [N, K, Hy]", Dims(*first), Dims(*y));
    }
    case KeypointLayout::kRegression: {
      const bool fits = shape.size() == 3 && (shape[2] == 2 || shape[2] == 3 || shape[2] < 0);
      return fits ? "" : fmt::format("regression needs {} to be [N, K, 2] or [N, K, 3]", Dims(*first));
    }
  }
  return "unknown keypoint layout";
}

// A layout a layer set must read the outputs; when it cannot, the error says
// why and names the layout that can (as the fix), or why none can.
Status CheckSetLayout(const KeypointDecoderSpec& spec, std::span<const TensorInfo> outputs) {
  std::vector<TensorInfo> tensors;
  std::copy_if(outputs.begin(), outputs.end(), std::back_inserter(tensors),
               [](const auto& o) { return o.is_tensor(); });
  const std::string why = LayoutMisfit(spec.layout, spec, tensors);
  if (why.empty()) return Status::Ok();
  std::vector<std::string> have;
  for (const auto& info : tensors) have.push_back(Dims(info));
  const std::string head =
      fmt::format("keypoint decoder layout '{}'{} does not fit the outputs ({}): {}", KeypointLayoutName(spec.layout),
                  spec.Origin("layout"), fmt::join(have, ", "), why);
  std::vector<std::string> others;
  for (const auto& [layout, name] : kLayouts) {
    if (layout == spec.layout) continue;
    const std::string other = LayoutMisfit(layout, spec, tensors);
    if (other.empty()) {
      return Status::InvalidArgument(fmt::format("{}; the outputs fit '{}'", head, name))
          .WithFix(FieldFix{"keypoint_decoder", "", {std::string(name)}});
    }
    others.push_back(other);
  }
  return Status::InvalidArgument(fmt::format("{}; nor does any other layout ({})", head, fmt::join(others, "; ")))
      .WithFix(FieldFix{"keypoint_decoder", "", {"LAYOUT"}});
}

}  // namespace

std::string_view KeypointLayoutName(KeypointLayout layout) {
  for (const auto& [value, name] : kLayouts) {
    if (value == layout) return name;
  }
  return "?";
}

Result<KeypointLayout> ParseKeypointLayout(std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& [value, text] : kLayouts) {
    if (text == name) return value;
    names.push_back(text);
  }
  return Status::InvalidArgument(
      fmt::format("unknown keypoint layout '{}' (expected {})", SafeText(name), fmt::join(names, ", ")));
}

std::string KeypointDecoderSpec::ToToml() const {
  std::string out;
  out += fmt::format("layout = \"{}\"\n", KeypointLayoutName(layout));
  out += fmt::format("output = {}\n", Quoted(output));
  out += fmt::format("output_y = {}\n", Quoted(output_y));
  out += fmt::format("refine = {}\n", Quoted(refine));
  out += fmt::format("simcc_split_ratio = {}\n", simcc_split_ratio);
  out += fmt::format("regression_normalized = {}\n", regression_normalized);
  out += fmt::format("schema = {}\n", Quoted(schema));
  return out;
}

std::string KeypointDecoderSpec::Origin(std::string_view key) const {
  const auto it = set_by.find(std::string(key));
  return it == set_by.end() ? std::string() : " (from " + it->second + ")";
}

Status KeypointDecoderSpec::Validate() const {
  if (std::find(std::begin(kRefines), std::end(kRefines), refine) == std::end(kRefines)) {
    return Status::InvalidArgument(fmt::format("keypoint decoder 'refine'{} is '{}' (expected quarter, parabola or none)",
                                               Origin("refine"), SafeText(refine)));
  }
  if (!(simcc_split_ratio > 0.0)) {
    return Status::InvalidArgument(fmt::format("keypoint decoder 'simcc_split_ratio'{} is {}; it must be positive",
                                               Origin("simcc_split_ratio"), simcc_split_ratio));
  }
  return Status::Ok();
}

Result<KeypointDecoderSpec> ParseKeypointDecoderToml(std::string_view text, const PreprocessSource& source,
                                                     const KeypointDecoderSpec& base, bool validate) {
  SWEETSPOT_ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, source));
  KeypointDecoderSpec spec = base;
  for (auto&& [key_node, node] : table) {
    const auto line = node.source().begin.line;
    const std::string where = source.name + (line > 0 && source.has_lines ? fmt::format(" line {}", line) : "");
    SWEETSPOT_RETURN_IF_ERROR(SetKey(spec, key_node.str(), node, where));
    spec.set_by[std::string(key_node.str())] = where;
  }
  if (validate) SWEETSPOT_RETURN_IF_ERROR(spec.Validate());
  return spec;
}

Result<KeypointDecoderSpec> LoadKeypointDecoderFile(const std::filesystem::path& path, const KeypointDecoderSpec& base,
                                                    bool validate) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status().WithContext("keypoint decoder file");
  return ParseKeypointDecoderToml(*text, SafeText(path.string()), base, validate);
}

Result<KeypointLayout> DetectKeypointLayout(std::span<const TensorInfo> outputs) {
  std::vector<TensorInfo> tensors;
  std::copy_if(outputs.begin(), outputs.end(), std::back_inserter(tensors), [](const auto& o) { return o.is_tensor(); });
  std::vector<std::string> have;
  for (const auto& info : tensors) have.push_back(Dims(info));
  const auto rank = [&](std::size_t i) { return tensors[i].shape.size(); };
  if (tensors.size() == 1 && rank(0) == 4) return KeypointLayout::kHeatmap;
  if (tensors.size() == 2 && rank(0) == 3 && rank(1) == 3 && tensors[0].shape[1] == tensors[1].shape[1]) {
    return KeypointLayout::kSimcc;
  }
  if (tensors.size() == 1 && rank(0) == 3 && (tensors[0].shape[2] == 2 || tensors[0].shape[2] == 3)) {
    return KeypointLayout::kRegression;
  }
  return Status::FromCode(
      StatusCode::kInvalidArgument,
      fmt::format("the outputs ({}) fit no keypoint layout: heatmap needs one output [N, K, H, W], simcc two "
                  "outputs [N, K, Wx] and [N, K, Hy], regression one output [N, K, 2|3]; set the decoder's layout",
                  have.empty() ? std::string("none") : fmt::format("{}", fmt::join(have, ", "))),
      {FieldFix{"keypoint_decoder", "", {"LAYOUT"}}});
}

Result<KeypointDecoderSpec> ResolveKeypointDecoder(const std::filesystem::path& model,
                                                   std::span<const DecoderLayer> layers, const Session& session,
                                                   bool* layout_detected) {
  SWEETSPOT_ASSIGN_OR_RETURN(
      KeypointDecoderSpec spec,
      OverlayDecoderLayers(
          model, kKeypointMetadataKey, layers, KeypointDecoderSpec{},
          [](std::string_view text, const PreprocessSource& source, const KeypointDecoderSpec& base) {
            return ParseKeypointDecoderToml(text, source, base, /*validate=*/false);
          },
          [](const std::filesystem::path& file, const KeypointDecoderSpec& base) {
            return LoadKeypointDecoderFile(file, base, /*validate=*/false);
          }));
  const bool detect = !spec.set_by.contains("layout");
  if (layout_detected != nullptr) *layout_detected = detect;
  if (detect) {
    auto layout = DetectKeypointLayout(session.outputs());
    if (!layout.ok()) return layout.status().WithContext("model '" + model.string() + "'");
    spec.layout = *layout;
  } else if (Status fits = CheckSetLayout(spec, session.outputs()); !fits.ok()) {
    return fits.WithContext("model '" + model.string() + "'");
  }
  SWEETSPOT_RETURN_IF_ERROR(spec.Validate());
  return spec;
}

}  // namespace sweetspot
