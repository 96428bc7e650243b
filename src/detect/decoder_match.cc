// Which output plays which role in each detection layout (MatchLayout), and
// the automatic choice of a layout from a model's outputs.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "decoder_internal.h"
#include "sweetspot/detection_decoder.h"

namespace sweetspot {
namespace detect_internal {
namespace {

bool IsFloat(DType dtype) { return dtype == DType::kFloat32 || dtype == DType::kFloat64 || dtype == DType::kFloat16; }
bool IsInteger(DType dtype) { return dtype == DType::kInt32 || dtype == DType::kInt64; }
bool Known(std::int64_t dim) { return dim >= 0; }

std::string Describe(const TensorInfo& info) {
  return fmt::format("'{}' {} {}", info.name, ShapeToString(info.shape, info.dim_names), DTypeName(info.dtype));
}

bool NameHas(const TensorInfo& info, std::initializer_list<std::string_view> words) {
  std::string lower = info.name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

Status Misfit(std::string message) { return Status::InvalidArgument(std::move(message)); }

// Cells of the grids of `strides` over width x height (ceil: a conv of stride s covers a partial cell).
std::int64_t GridCells(std::span<const int> strides, int width, int height) {
  std::int64_t cells = 0;
  for (int s : strides) cells += static_cast<std::int64_t>((width + s - 1) / s) * ((height + s - 1) / s);
  return cells;
}

Result<LayoutOutputs> MatchRows(DetectionLayout layout, std::span<const TensorInfo> outputs, const DetectorSpec& spec,
                                int width, int height) {
  std::vector<int> rank3;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].shape.size() == 3 && IsFloat(outputs[i].dtype)) rank3.push_back(static_cast<int>(i));
  }
  const bool transposed = layout == DetectionLayout::kBoxesScoresTransposed;
  const std::string expected = transposed ? "[N, 4+C, boxes]" : "[N, boxes, 5+C]";
  if (rank3.size() != 1) {
    return Misfit(fmt::format("needs one float output of rank 3, {} (the model has {})", expected, rank3.size()));
  }
  const TensorInfo& out = outputs[rank3[0]];
  const std::int64_t channels = transposed ? out.shape[1] : out.shape[2];
  if (Known(channels) && channels < (transposed ? 5 : 6)) {
    return Misfit(fmt::format("output {} is not {} (C >= 1)", Describe(out), expected));
  }
  if (layout == DetectionLayout::kGridObjectness) {
    if (width <= 0 || height <= 0) return Misfit("needs the input's height and width to size the grids");
    const std::int64_t cells = GridCells(spec.strides, width, height);
    if (out.shape[1] != cells) {
      return Misfit(fmt::format("output {} is not [N, {}, 5+C]: {} cells of strides {} on a {}x{} input", Describe(out),
                                cells, cells, fmt::join(spec.strides, ","), width, height));
    }
  }
  LayoutOutputs roles;
  roles.rows = rank3[0];
  return roles;
}

// The one output of `candidates` (positions) or, among several, the one whose name has one of `words`.
std::optional<int> PickOne(std::span<const TensorInfo> outputs, const std::vector<int>& candidates,
                           std::initializer_list<std::string_view> words) {
  if (candidates.size() == 1) return candidates[0];
  std::vector<int> named;
  for (int i : candidates) {
    if (NameHas(outputs[i], words)) named.push_back(i);
  }
  if (named.size() == 1) return named[0];
  return std::nullopt;
}

std::vector<int> Where(std::span<const TensorInfo> outputs, const std::function<bool(const TensorInfo&)>& pred) {
  std::vector<int> found;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (pred(outputs[i])) found.push_back(static_cast<int>(i));
  }
  return found;
}

std::optional<int> FindBoxes(std::span<const TensorInfo> outputs) {
  return PickOne(
      outputs,
      Where(outputs, [](const TensorInfo& t) { return t.shape.size() == 3 && t.shape[2] == 4 && IsFloat(t.dtype); }),
      {"box"});
}

Result<LayoutOutputs> MatchSeparate(std::span<const TensorInfo> outputs) {
  const auto boxes = FindBoxes(outputs);
  if (!boxes) return Misfit("needs one float boxes output [N, K, 4] (named *box* when several)");
  const auto is_label = [&](const TensorInfo& t) {
    return t.shape.size() == 2 && (IsInteger(t.dtype) || NameHas(t, {"label", "class"}));
  };
  const auto labels = PickOne(outputs, Where(outputs, is_label), {"label", "class"});
  const auto scores = PickOne(outputs,
                              Where(outputs,
                                    [&](const TensorInfo& t) {
                                      return &t != &outputs[*boxes] && IsFloat(t.dtype) && !is_label(t) &&
                                             (t.shape.size() == 2 || t.shape.size() == 3);
                                    }),
                              {"score", "conf"});
  if (!scores) return Misfit("needs one float scores output [N, K] or [N, K, C] (named *score* when several)");
  const TensorInfo& s = outputs[*scores];
  const std::int64_t k = outputs[*boxes].shape[1];
  if (Known(k) && Known(s.shape[1]) && k != s.shape[1]) {
    return Misfit(fmt::format("boxes {} and scores {} disagree on K", Describe(outputs[*boxes]), Describe(s)));
  }
  LayoutOutputs roles;
  roles.boxes = *boxes;
  roles.scores = *scores;
  if (s.shape.size() == 2) {
    if (!labels) return Misfit(fmt::format("scores {} of rank 2 need a labels output [N, K]", Describe(s)));
    roles.labels = *labels;
  }
  return roles;
}

Result<LayoutOutputs> MatchSelected(std::span<const TensorInfo> outputs) {
  const auto selected = PickOne(
      outputs,
      Where(outputs, [](const TensorInfo& t) { return t.shape.size() == 2 && t.shape[1] == 3 && IsInteger(t.dtype); }),
      {"select", "indices"});
  if (!selected) return Misfit("needs a NonMaxSuppression selected_indices output, integer [M, 3]");
  const auto boxes = FindBoxes(outputs);
  if (!boxes) return Misfit("needs NonMaxSuppression's boxes [N, B, 4] among the outputs");
  const auto scores = PickOne(
      outputs,
      Where(outputs,
            [&](const TensorInfo& t) { return &t != &outputs[*boxes] && t.shape.size() == 3 && IsFloat(t.dtype); }),
      {"score"});
  if (!scores) return Misfit("needs NonMaxSuppression's scores [N, C, B] among the outputs");
  LayoutOutputs roles;
  roles.selected = *selected;
  roles.boxes = *boxes;
  roles.scores = *scores;
  return roles;
}

// The stride in a name "<prefix><digits>", or nullopt.
std::optional<int> StrideIn(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  int stride = 0;
  const auto digits = name.substr(prefix.size());
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), stride);
  if (error != std::errc() || end != digits.data() + digits.size() || stride <= 0) return std::nullopt;
  return stride;
}

Status CheckStridePair(const TensorInfo& cls, const TensorInfo& dis, int stride, int width, int height) {
  if (cls.shape.size() != 3 || dis.shape.size() != 3 || dis.shape[2] != 4) {
    return Misfit(
        fmt::format("outputs {} and {} are not [N, cells, C] and [N, cells, 4]", Describe(cls), Describe(dis)));
  }
  const std::int64_t cells = width > 0 && height > 0 ? GridCells(std::span<const int>(&stride, 1), width, height) : -1;
  for (const TensorInfo* t : {&cls, &dis}) {
    if (Known(cells) && Known(t->shape[1]) && t->shape[1] != cells) {
      return Misfit(fmt::format("output {} should have {} cells (stride {} on a {}x{} input)", Describe(*t), cells,
                                stride, width, height));
    }
  }
  return Status::Ok();
}

Result<LayoutOutputs> MatchPerStride(std::span<const TensorInfo> outputs, const DetectorSpec& spec, int width,
                                     int height, bool strides_fixed) {
  std::map<int, std::pair<int, int>> found;  // stride -> (cls, dis); -1 absent
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (const auto s = StrideIn(outputs[i].name, "cls_pred_stride_")) {
      found.try_emplace(*s, -1, -1).first->second.first = static_cast<int>(i);
    } else if (const auto d = StrideIn(outputs[i].name, "dis_pred_stride_")) {
      found.try_emplace(*d, -1, -1).first->second.second = static_cast<int>(i);
    }
  }
  std::vector<int> strides = spec.strides;
  if (!strides_fixed) {
    strides.clear();
    for (const auto& [stride, pair] : found) strides.push_back(stride);
    if (strides.empty()) return Misfit("needs outputs named cls_pred_stride_<s> and dis_pred_stride_<s>");
  }
  LayoutOutputs roles;
  roles.strides = strides;
  for (int stride : strides) {
    const auto it = found.find(stride);
    if (it == found.end() || it->second.first < 0 || it->second.second < 0) {
      return Misfit(fmt::format("needs outputs cls_pred_stride_{0} and dis_pred_stride_{0} (strides {1})", stride,
                                fmt::join(strides, ",")));
    }
    const auto [cls, dis] = it->second;
    SWEETSPOT_RETURN_IF_ERROR(CheckStridePair(outputs[cls], outputs[dis], stride, width, height));
    roles.per_stride.emplace_back(cls, dis);
  }
  return roles;
}

}  // namespace

Result<LayoutOutputs> MatchLayout(DetectionLayout layout, std::span<const TensorInfo> outputs, const DetectorSpec& spec,
                                  int width, int height, bool strides_fixed) {
  switch (layout) {
    case DetectionLayout::kBoxesObjectness:
    case DetectionLayout::kGridObjectness:
    case DetectionLayout::kBoxesScoresTransposed: return MatchRows(layout, outputs, spec, width, height);
    case DetectionLayout::kSeparateOutputs: return MatchSeparate(outputs);
    case DetectionLayout::kNmsInside: return MatchSelected(outputs);
    case DetectionLayout::kPerStrideDistances: return MatchPerStride(outputs, spec, width, height, strides_fixed);
  }
  return Status::Internal("unknown detection layout");
}

}  // namespace detect_internal

namespace {

using detect_internal::LayoutOutputs;

// Height and width of an image input [N,C,H,W] or [N,H,W,C] (C of 1 or 3); 0 when unknown.
std::pair<int, int> InputSize(const TensorInfo& input) {
  if (input.shape.size() != 4) return {0, 0};
  const bool nhwc = input.shape[3] == 1 || input.shape[3] == 3;
  const std::int64_t h = nhwc ? input.shape[1] : input.shape[2];
  const std::int64_t w = nhwc ? input.shape[2] : input.shape[3];
  return {h > 0 ? static_cast<int>(h) : 0, w > 0 ? static_cast<int>(w) : 0};
}

// Telling yolo's [N, boxes, 5+C] from yolov8's [N, 4+C, boxes]: detectors have more boxes than channels.
Status CheckOrientation(DetectionLayout layout, const TensorInfo& rows) {
  const std::int64_t d1 = rows.shape[1];
  const std::int64_t d2 = rows.shape[2];
  const bool yolo = layout == DetectionLayout::kBoxesObjectness;
  if ((yolo && d2 < 0) || (!yolo && d1 < 0)) {
    return Status::InvalidArgument(fmt::format("output '{}' {} has a dynamic {} dimension", rows.name,
                                               ShapeToString(rows.shape), yolo ? "last" : "second"));
  }
  if (d1 < 0 || d2 < 0) return Status::Ok();
  if (yolo && d1 <= d2) {
    return Status::InvalidArgument(
        fmt::format("output '{}' {} has fewer boxes than channels (reads as yolov8's [N, 4+C, boxes])", rows.name,
                    ShapeToString(rows.shape)));
  }
  if (layout == DetectionLayout::kBoxesScoresTransposed && d1 >= d2) {
    return Status::InvalidArgument(
        fmt::format("output '{}' {} has more channels than boxes (reads as yolo's [N, boxes, 5+C])", rows.name,
                    ShapeToString(rows.shape)));
  }
  return Status::Ok();
}

constexpr DetectionLayout kDetectionOrder[] = {
    DetectionLayout::kNmsInside,      DetectionLayout::kPerStrideDistances, DetectionLayout::kSeparateOutputs,
    DetectionLayout::kGridObjectness, DetectionLayout::kBoxesObjectness,    DetectionLayout::kBoxesScoresTransposed};

// The first layout of `order` the outputs fit, or each one's reason.
struct LayoutSearch {
  std::optional<DetectionLayout> found;
  LayoutOutputs roles;
  std::vector<std::string> reasons;  // "<layout>: <why not>", in `order`
};

// A layout the user set is taken as they read the model: its orientation is
// not checked (a dynamic [N, -1, -1] is yolo when they say so); one chosen
// for them is.
LayoutSearch FindLayout(std::span<const TensorInfo> outputs, const DetectorSpec& base, std::pair<int, int> size,
                        std::span<const DetectionLayout> order, bool check_orientation) {
  const auto [height, width] = size;
  LayoutSearch search;
  for (DetectionLayout layout : order) {
    auto roles = detect_internal::MatchLayout(layout, outputs, base, width, height, base.set_by.contains("strides"));
    Status fits = roles.status();
    if (fits.ok() && check_orientation && roles->rows >= 0) fits = CheckOrientation(layout, outputs[roles->rows]);
    if (!fits.ok()) {
      search.reasons.push_back(fmt::format("{}: {}", DetectionLayoutName(layout), fits.message()));
      continue;
    }
    search.found = layout;
    search.roles = *roles;
    return search;
  }
  return search;
}

// The set layout does not fit: say why, and name the layout the outputs do
// fit (the one detection would pick), or that none does.
Status SetLayoutMisfit(std::span<const TensorInfo> outputs, const DetectorSpec& base, std::pair<int, int> size,
                       const std::string& described, const std::string& why) {
  std::vector<DetectionLayout> others;
  for (DetectionLayout layout : kDetectionOrder) {
    if (layout != base.layout) others.push_back(layout);
  }
  const LayoutSearch other = FindLayout(outputs, base, size, others, /*check_orientation=*/true);
  const std::string head = fmt::format("decoder layout '{}'{} does not fit the model's outputs {}: {}",
                                       DetectionLayoutName(base.layout), base.Origin("layout"), described, why);
  if (other.found) {
    const std::string name(DetectionLayoutName(*other.found));
    return Status::InvalidArgument(fmt::format("{}; the outputs fit '{}'", head, name))
        .WithFix(FieldFix{"decoder", "", {name}});
  }
  return Status::InvalidArgument(
             fmt::format("{}; nor does any other layout ({})", head, fmt::join(other.reasons, "; ")))
      .WithFix(FieldFix{"decoder", "", {"LAYOUT"}});
}

}  // namespace

Result<DetectorSpec> DetectDetectorLayout(std::span<const TensorInfo> outputs_in, const TensorInfo& input,
                                          DetectorSpec base) {
  std::vector<TensorInfo> outputs;
  for (const auto& info : outputs_in) {
    if (info.is_tensor()) outputs.push_back(info);
  }
  const auto size = InputSize(input);
  const bool layout_set = base.set_by.contains("layout");
  const auto order = layout_set ? std::span<const DetectionLayout>(&base.layout, 1)
                                : std::span<const DetectionLayout>(kDetectionOrder);
  const LayoutSearch search = FindLayout(outputs, base, size, order, /*check_orientation=*/!layout_set);
  if (search.found) {
    if (*search.found == DetectionLayout::kPerStrideDistances && !base.set_by.contains("strides")) {
      base.strides = search.roles.strides;
    }
    if (!layout_set) base.set_by["layout"] = "the model's outputs";
    base.layout = *search.found;
    return base;
  }
  std::vector<std::string> described;
  for (const auto& info : outputs) described.push_back(detect_internal::Describe(info));
  const std::string outputs_text = fmt::format("{}", fmt::join(described, ", "));
  if (layout_set) return SetLayoutMisfit(outputs, base, size, outputs_text, search.reasons.front());
  return Status::InvalidArgument(
             fmt::format("cannot tell the detection layout of the outputs {} (tried {}); set the decoder's layout "
                         "(yolo, yolox, yolov8, boxes-scores, nms or nanodet)",
                         outputs_text, fmt::join(search.reasons, "; ")))
      .WithFix(FieldFix{"decoder", "", {"LAYOUT"}});
}

}  // namespace sweetspot
