// Decoders of the several-output layouts: boxes-scores (d), nms (e),
// nanodet (f).
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "decoder_internal.h"

namespace sweetspot::detect_internal {
namespace {

// An output read as floats and checked finite over `items` items.
struct Read {
  const TensorInfo& info;
  FloatValues values;
};
Result<Read> ReadOutput(const DecodeInput& in, int index, std::int64_t items) {
  const TensorInfo& info = in.infos[index];
  SWEETSPOT_ASSIGN_OR_RETURN(FloatValues values, FloatValues::Of(info.name, in.tensors[index]));
  SWEETSPOT_RETURN_IF_ERROR(CheckFinite(info.name, values.values(), items));
  return Read{info, std::move(values)};
}

// InvalidArgument unless `info`'s leading dimensions are `leading`.
Status ExpectLeading(const TensorInfo& info, const Shape& leading, std::string_view expected) {
  bool fits = info.shape.size() >= leading.size();
  for (std::size_t i = 0; fits && i < leading.size(); ++i) fits = info.shape[i] == leading[i];
  if (fits) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("output '{}' {}: expected {}", info.name, ShapeToString(info.shape), expected));
}

Box BoxAt(const DetectorSpec& spec, std::span<const float> boxes, std::int64_t index, int width, int height) {
  const auto b = boxes.subspan(static_cast<std::size_t>(index * 4), 4);
  return MakeBox(spec, b[0], b[1], b[2], b[3], width, height);
}

// A label after label_offset; nullopt for background; InvalidArgument past the class list.
Result<std::optional<int>> ModelClass(const DetectorSpec& spec, const std::string& output, float raw) {
  const int label = static_cast<int>(std::lround(raw)) - spec.label_offset;
  if (label < 0) return std::optional<int>();
  if (!spec.class_names.empty() && label >= static_cast<int>(spec.class_names.size())) {
    return Status::InvalidArgument(
        fmt::format("output '{}' has label {} (after label_offset {}) but the decoder's class_names{} lists {} classes",
                    output, label, spec.label_offset, spec.Origin("class_names"), spec.class_names.size()));
  }
  return std::optional<int>(label);
}

}  // namespace

Result<Candidates> DecodeSeparate(const DecodeInput& in) {
  const Shape& box_shape = in.infos[in.roles.boxes].shape;
  const std::int64_t items = box_shape[0];
  const std::int64_t k = box_shape[1];
  SWEETSPOT_ASSIGN_OR_RETURN(const Read boxes, ReadOutput(in, in.roles.boxes, items));
  SWEETSPOT_ASSIGN_OR_RETURN(const Read scores, ReadOutput(in, in.roles.scores, items));
  const bool per_class = scores.info.shape.size() == 3;
  SWEETSPOT_RETURN_IF_ERROR(
      ExpectLeading(scores.info, {items, k}, fmt::format("[{}, {}{}]", items, k, per_class ? ", C" : "")));
  Candidates out(static_cast<std::size_t>(items));
  if (per_class) {
    const std::int64_t classes = scores.info.shape[2];
    SWEETSPOT_RETURN_IF_ERROR(CheckClassCount(in.spec, scores.info.name, classes));
    for (std::int64_t i = 0; i < items * k; ++i) {
      const auto row =
          scores.values.values().subspan(static_cast<std::size_t>(i * classes), static_cast<std::size_t>(classes));
      AddCandidates(in.spec, BoxAt(in.spec, boxes.values.values(), i, in.width, in.height), row, 1.0F, out[i / k]);
    }
    return out;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const Read labels, ReadOutput(in, in.roles.labels, items));
  SWEETSPOT_RETURN_IF_ERROR(ExpectLeading(labels.info, {items, k}, fmt::format("[{}, {}]", items, k)));
  for (std::int64_t i = 0; i < items * k; ++i) {
    SWEETSPOT_ASSIGN_OR_RETURN(const auto label, ModelClass(in.spec, labels.info.name, labels.values.values()[i]));
    if (!label) continue;
    out[i / k].push_back(
        {BoxAt(in.spec, boxes.values.values(), i, in.width, in.height), *label, scores.values.values()[i]});
  }
  return out;
}

Result<Candidates> DecodeSelected(const DecodeInput& in) {
  const Shape& box_shape = in.infos[in.roles.boxes].shape;
  const std::int64_t items = box_shape[0];
  const std::int64_t count = box_shape[1];
  SWEETSPOT_ASSIGN_OR_RETURN(const Read boxes, ReadOutput(in, in.roles.boxes, items));
  SWEETSPOT_ASSIGN_OR_RETURN(const Read scores, ReadOutput(in, in.roles.scores, items));
  SWEETSPOT_ASSIGN_OR_RETURN(const Read selected, ReadOutput(in, in.roles.selected, 1));
  const std::int64_t classes = scores.info.shape[1];
  SWEETSPOT_RETURN_IF_ERROR(ExpectLeading(scores.info, {items, classes, count},
                                          fmt::format("[{}, C, {}] (NonMaxSuppression's scores)", items, count)));
  SWEETSPOT_RETURN_IF_ERROR(CheckClassCount(in.spec, scores.info.name, classes - in.spec.label_offset));
  Candidates out(static_cast<std::size_t>(items));
  const auto triples = selected.values.values();
  for (std::size_t row = 0; row + 2 < triples.size(); row += 3) {
    const auto b = static_cast<std::int64_t>(triples[row]);
    const auto c = static_cast<std::int64_t>(triples[row + 1]);
    const auto i = static_cast<std::int64_t>(triples[row + 2]);
    if (b < 0 || b >= items || c < 0 || c >= classes || i < 0 || i >= count) {
      return Status::InvalidData(
          fmt::format("output '{}' row {}: ({}, {}, {}) is outside batch {}, classes {}, "
                      "boxes {}",
                      selected.info.name, row / 3, b, c, i, items, classes, count));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(const auto label, ModelClass(in.spec, selected.info.name, static_cast<float>(c)));
    if (!label) continue;
    const float score = scores.values.values()[static_cast<std::size_t>((b * classes + c) * count + i)];
    out[b].push_back({BoxAt(in.spec, boxes.values.values(), b * count + i, in.width, in.height), *label, score});
  }
  return out;
}

Result<Candidates> DecodePerStride(const DecodeInput& in) {
  const std::int64_t items = in.infos[in.roles.per_stride.front().first].shape[0];
  Candidates out(static_cast<std::size_t>(items));
  for (std::size_t level = 0; level < in.roles.per_stride.size(); ++level) {
    const auto [cls_index, dis_index] = in.roles.per_stride[level];
    SWEETSPOT_ASSIGN_OR_RETURN(const Read cls, ReadOutput(in, cls_index, items));
    SWEETSPOT_ASSIGN_OR_RETURN(const Read dis, ReadOutput(in, dis_index, items));
    const std::int64_t cells = cls.info.shape[1];
    const std::int64_t classes = cls.info.shape[2];
    SWEETSPOT_RETURN_IF_ERROR(CheckClassCount(in.spec, cls.info.name, classes));
    SWEETSPOT_RETURN_IF_ERROR(ExpectLeading(cls.info, {items, cells}, fmt::format("[{}, {}, C]", items, cells)));
    SWEETSPOT_RETURN_IF_ERROR(ExpectLeading(dis.info, {items, cells}, fmt::format("[{}, {}, 4]", items, cells)));
    const double s = in.roles.strides[level];
    const std::int64_t columns = (in.width + in.roles.strides[level] - 1) / in.roles.strides[level];
    for (std::int64_t n = 0; n < items; ++n) {
      for (std::int64_t cell = 0; cell < cells; ++cell) {
        const std::int64_t i = n * cells + cell;
        const double cx = (static_cast<double>(cell % columns) + 0.5) * s;
        const double cy = (static_cast<double>(cell / columns) + 0.5) * s;
        const auto d = dis.values.values().subspan(static_cast<std::size_t>(i * 4), 4);
        const Box box{cx - d[0] * s, cy - d[1] * s, cx + d[2] * s, cy + d[3] * s};
        AddCandidates(
            in.spec, box,
            cls.values.values().subspan(static_cast<std::size_t>(i * classes), static_cast<std::size_t>(classes)), 1.0F,
            out[n]);
      }
    }
  }
  return out;
}

}  // namespace sweetspot::detect_internal
