// DecodeDetections (dispatch to the layout's decoder, then score filter and
// NMS per item), NonMaxSuppression and the helpers the decoders share.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>
#include <opencv2/core/cvdef.h>

#include "decoder_internal.h"
#include "sweetspot/detection_decoder.h"

namespace sweetspot {
namespace detect_internal {

Result<FloatValues> FloatValues::Of(const std::string& name, const Tensor& tensor) {
  FloatValues out;
  switch (tensor.dtype()) {
    case DType::kFloat32: out.view_ = tensor.values<float>(); return out;
    case DType::kFloat64:
      for (double v : tensor.values<double>()) out.owned_.push_back(static_cast<float>(v));
      break;
    case DType::kFloat16:  // a float16 variant without keep_io_float32
      for (std::uint16_t bits : tensor.values<std::uint16_t>()) {
        out.owned_.push_back(static_cast<float>(cv::float16_t::fromBits(bits)));
      }
      break;
    case DType::kInt64:
      for (std::int64_t v : tensor.values<std::int64_t>()) out.owned_.push_back(static_cast<float>(v));
      break;
    case DType::kInt32:
      for (std::int32_t v : tensor.values<std::int32_t>()) out.owned_.push_back(static_cast<float>(v));
      break;
    default:
      return Status::Unsupported(
          fmt::format("output '{}' is {}; detection decoders read float32, float16, float64, "
                      "int32 or int64 outputs",
                      name, DTypeName(tensor.dtype())));
  }
  out.converted_ = true;
  return out;
}

Status CheckFinite(const std::string& name, std::span<const float> values, std::int64_t items) {
  if (items <= 0) return Status::Ok();
  const std::size_t per_item = values.size() / static_cast<std::size_t>(items);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Status::InvalidData(
          fmt::format("output '{}' item {}: {} at element {} of the item; the model "
                      "produced non-finite values for this input",
                      name, per_item == 0 ? 0 : i / per_item, values[i], per_item == 0 ? i : i % per_item));
    }
  }
  return Status::Ok();
}

Box MakeBox(const DetectorSpec& spec, float a, float b, float c, float d, int width, int height) {
  Box box;
  if (spec.box_format == "xyxy") {
    box = {a, b, c, d};
  } else if (spec.box_format == "yxyx") {
    box = {b, a, d, c};
  } else {
    box = {a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0};
  }
  if (spec.normalized_boxes) {
    box.x1 *= width;
    box.x2 *= width;
    box.y1 *= height;
    box.y2 *= height;
  }
  return box;
}

void AddCandidates(const DetectorSpec& spec, const Box& box, std::span<const float> class_scores, float multiplier,
                   std::vector<Detection>& out) {
  if (class_scores.empty()) return;
  if (!spec.multi_label) {
    const auto best = std::max_element(class_scores.begin(), class_scores.end());
    const float score = multiplier * *best;
    if (score >= spec.score_threshold) {
      out.push_back({box, static_cast<int>(best - class_scores.begin()), score});
    }
    return;
  }
  for (std::size_t c = 0; c < class_scores.size(); ++c) {
    const float score = multiplier * class_scores[c];
    if (score >= spec.score_threshold) out.push_back({box, static_cast<int>(c), score});
  }
}

Status CheckClassCount(const DetectorSpec& spec, const std::string& output, std::int64_t classes) {
  if (spec.class_names.empty() || static_cast<std::int64_t>(spec.class_names.size()) == classes) {
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("output '{}' has {} classes but the decoder's class_names{} lists {}",
                                             output, classes, spec.Origin("class_names"), spec.class_names.size()));
}

}  // namespace detect_internal

std::vector<Detection> NonMaxSuppression(std::vector<Detection> detections, double iou_threshold, int max_detections,
                                         bool class_agnostic) {
  std::vector<std::size_t> order(detections.size());
  std::iota(order.begin(), order.end(), 0);
  // Descending score, ties by the lower index: a strict total order, so the
  // chunks below visit candidates exactly as one stable sort would.
  const auto before = [&](std::size_t a, std::size_t b) {
    return detections[a].score > detections[b].score || (detections[a].score == detections[b].score && a < b);
  };
  // Kept boxes per class (one list when agnostic): a candidate only meets its own.
  std::unordered_map<int, std::vector<Box>> kept_boxes;
  std::vector<Detection> kept;
  const auto full = [&] { return max_detections > 0 && static_cast<int>(kept.size()) >= max_detections; };
  // Sorting all candidates is most of the cost at mAP's low score threshold
  // (10^5 per image) while NMS stops after max_detections: sort the best
  // chunk of what is left, go on to the next only if still short.
  std::size_t chunk = std::max<std::size_t>(1024, 8 * static_cast<std::size_t>(std::max(max_detections, 0)));
  for (std::size_t begin = 0; begin < order.size() && !full(); begin += chunk, chunk *= 2) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), begin + chunk));
    std::nth_element(first, last - 1, order.end(), before);
    std::sort(first, last, before);
    for (auto it = first; it != last && !full(); ++it) {
      const Detection& candidate = detections[*it];
      auto& same = kept_boxes[class_agnostic ? 0 : candidate.class_id];
      const bool suppressed = std::any_of(same.begin(), same.end(), [&](const Box& box) {
        return IntersectionOverUnion(box, candidate.box) > iou_threshold;
      });
      if (suppressed) continue;
      same.push_back(candidate.box);
      kept.push_back(candidate);
    }
  }
  return kept;
}

Result<std::vector<std::vector<Detection>>> DecodeDetections(const DetectorSpec& spec,
                                                             std::span<const TensorInfo> output_infos,
                                                             std::span<const Tensor> outputs, int input_width,
                                                             int input_height) {
  using namespace detect_internal;
  std::vector<TensorInfo> actual;  // names from the session, shapes and dtypes from the tensors
  for (const auto& info : output_infos) {
    if (!info.is_tensor()) continue;
    if (actual.size() == outputs.size()) break;
    const Tensor& tensor = outputs[actual.size()];
    TensorInfo described;
    described.name = info.name;
    described.dtype = tensor.dtype();
    described.shape = tensor.shape();
    actual.push_back(std::move(described));
  }
  if (actual.size() != outputs.size()) {
    return Status::InvalidArgument(
        fmt::format("{} outputs given for {} tensor outputs described", outputs.size(), actual.size()));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const LayoutOutputs roles,
                             MatchLayout(spec.layout, actual, spec, input_width, input_height, /*strides_fixed=*/true));
  const DecodeInput in{spec, actual, outputs, roles, input_width, input_height};
  Result<Candidates> candidates = Status::Internal("no decoder");
  switch (spec.layout) {
    case DetectionLayout::kBoxesObjectness:
    case DetectionLayout::kGridObjectness:
    case DetectionLayout::kBoxesScoresTransposed: candidates = DecodeBoxRows(in); break;
    case DetectionLayout::kSeparateOutputs: candidates = DecodeSeparate(in); break;
    case DetectionLayout::kNmsInside: candidates = DecodeSelected(in); break;
    case DetectionLayout::kPerStrideDistances: candidates = DecodePerStride(in); break;
  }
  if (!candidates.ok()) return candidates.status();
  std::vector<std::vector<Detection>> result;
  for (auto& item : *candidates) {
    std::erase_if(item, [&](const Detection& d) { return !(d.score >= spec.score_threshold); });
    result.push_back(
        NonMaxSuppression(std::move(item), spec.iou_threshold, spec.max_detections, spec.class_agnostic_nms));
  }
  return result;
}

}  // namespace sweetspot
