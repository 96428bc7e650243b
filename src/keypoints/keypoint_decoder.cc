// DecodeKeypoints: heatmap, SimCC and regression outputs -> keypoints in
// input pixels (the conventions are stated in keypoint_decoder.h).
#include <algorithm>
#include <cmath>
#include <cassert>
#include <cstdint>

#include <fmt/format.h>

#include "sweetspot/keypoint_decoder.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

struct Output {
  std::string name;
  Shape shape;
  std::span<const float> values;
};

// The tensor output `name` (by name when `infos` are given), else the one at
// `position`; float32 only.
Result<Output> Pick(std::span<const Tensor> outputs, std::span<const TensorInfo> infos, const std::string& name,
                    std::size_t position) {
  std::vector<const TensorInfo*> tensors;
  for (const auto& info : infos) {
    if (info.is_tensor()) tensors.push_back(&info);
  }
  std::size_t index = position;
  if (!name.empty() && !tensors.empty()) {
    const auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto* t) { return t->name == name; });
    if (it == tensors.end()) {
      return Status::InvalidArgument(fmt::format("keypoint decoder 'output' names '{}', which the model does not have",
                                                 SafeText(name)));
    }
    index = static_cast<std::size_t>(it - tensors.begin());
  }
  if (index >= outputs.size()) {
    return Status::InvalidArgument(fmt::format("the keypoint layout needs output #{}, the model has {} outputs",
                                               index + 1, outputs.size()));
  }
  const std::string label = index < tensors.size() ? tensors[index]->name
                            : name.empty()         ? fmt::format("#{}", index + 1)
                                                   : name;
  const Tensor& tensor = outputs[index];
  if (tensor.dtype() != DType::kFloat32) {
    return Status::Unsupported(fmt::format("output '{}' is {}; keypoint decoding reads float32 outputs", label,
                                           DTypeName(tensor.dtype())));
  }
  return Output{label, tensor.shape(), tensor.values<float>()};
}

// InvalidArgument naming the output unless it has `rank` dimensions and batch 1.
Status ExpectShape(const Output& out, std::size_t rank, std::string_view expected) {
  if (rank > 0 && out.shape.size() == rank && out.shape[0] == 1) return Status::Ok();
  return Status::InvalidArgument(fmt::format("output '{}' {}: expected {} (one sample)", out.name,
                                             ShapeToString(out.shape), expected));
}

// "joint 3 (r_elbow)" when spec.schema is a built-in schema, else "joint 3".
std::string JointLabel(const KeypointDecoderSpec& spec, std::size_t joint) {
  auto schema = BuiltinSchema(spec.schema);
  if (schema.ok() && joint < schema->size()) return fmt::format("joint {} ({})", joint, schema->joints[joint]);
  return fmt::format("joint {}", joint);
}

// InvalidData naming the output and joint when `values` hold NaN or Inf.
Status CheckFinite(std::span<const float> values, const Output& out, const KeypointDecoderSpec& spec,
                   std::size_t joint) {
  if (std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); })) return Status::Ok();
  return Status::InvalidData(fmt::format("output '{}' {} holds NaN or Inf; check the model's export and inputs",
                                         out.name, JointLabel(spec, joint)));
}

// The first maximum of `values` (finite).
Result<std::size_t> ArgMax(std::span<const float> values, const Output& out, const KeypointDecoderSpec& spec,
                           std::size_t joint) {
  SWEETSPOT_RETURN_IF_ERROR(CheckFinite(values, out, spec, joint));
  return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

// The sub-cell offset from the peak `c` and its neighbours `l`, `r`.
double Refine(const std::string& method, double l, double c, double r) {
  if (method == "quarter") return r > l ? 0.25 : r < l ? -0.25 : 0.0;
  if (method == "parabola") {
    const double curvature = l - 2.0 * c + r;
    return curvature < 0.0 ? std::clamp((l - r) / (2.0 * curvature), -0.5, 0.5) : 0.0;
  }
  return 0.0;
}

Result<std::vector<Keypoint>> DecodeHeatmaps(const Output& out, const KeypointDecoderSpec& spec, int width,
                                             int height) {
  SWEETSPOT_RETURN_IF_ERROR(ExpectShape(out, 4, "[1, K, H, W]"));
  const auto joints = static_cast<std::size_t>(out.shape[1]);
  const auto rows = static_cast<std::size_t>(out.shape[2]);
  const auto cols = static_cast<std::size_t>(out.shape[3]);
  std::vector<Keypoint> keypoints;
  for (std::size_t k = 0; k < joints; ++k) {
    const auto map = out.values.subspan(k * rows * cols, rows * cols);
    SWEETSPOT_ASSIGN_OR_RETURN(const std::size_t peak, ArgMax(map, out, spec, k));
    const std::size_t i = peak / cols;
    const std::size_t j = peak % cols;
    const auto at = [&](std::size_t r, std::size_t c) { return static_cast<double>(map[r * cols + c]); };
    const double dx = j > 0 && j + 1 < cols ? Refine(spec.refine, at(i, j - 1), at(i, j), at(i, j + 1)) : 0.0;
    const double dy = i > 0 && i + 1 < rows ? Refine(spec.refine, at(i - 1, j), at(i, j), at(i + 1, j)) : 0.0;
    keypoints.push_back({(static_cast<double>(j) + dx + 0.5) * width / static_cast<double>(cols),
                         (static_cast<double>(i) + dy + 0.5) * height / static_cast<double>(rows), map[peak]});
  }
  return keypoints;
}

Result<std::vector<Keypoint>> DecodeSimcc(const Output& x, const Output& y, const KeypointDecoderSpec& spec) {
  SWEETSPOT_RETURN_IF_ERROR(ExpectShape(x, 3, "[1, K, Wx]"));
  SWEETSPOT_RETURN_IF_ERROR(ExpectShape(y, 3, "[1, K, Hy]"));
  if (x.shape[1] != y.shape[1]) {
    return Status::InvalidArgument(fmt::format("outputs '{}' {} and '{}' {} have different joint counts", x.name,
                                               ShapeToString(x.shape), y.name, ShapeToString(y.shape)));
  }
  const auto bins_x = static_cast<std::size_t>(x.shape[2]);
  const auto bins_y = static_cast<std::size_t>(y.shape[2]);
  std::vector<Keypoint> keypoints;
  for (std::size_t k = 0; k < static_cast<std::size_t>(x.shape[1]); ++k) {
    const auto vx = x.values.subspan(k * bins_x, bins_x);
    const auto vy = y.values.subspan(k * bins_y, bins_y);
    SWEETSPOT_ASSIGN_OR_RETURN(const std::size_t bx, ArgMax(vx, x, spec, k));
    SWEETSPOT_ASSIGN_OR_RETURN(const std::size_t by, ArgMax(vy, y, spec, k));
    keypoints.push_back({(static_cast<double>(bx) + 0.5) / spec.simcc_split_ratio,
                         (static_cast<double>(by) + 0.5) / spec.simcc_split_ratio, std::min(vx[bx], vy[by])});
  }
  return keypoints;
}

Result<std::vector<Keypoint>> DecodeRegression(const Output& out, const KeypointDecoderSpec& spec, int width,
                                               int height) {
  const bool fits = out.shape.size() == 3 && (out.shape[2] == 2 || out.shape[2] == 3);
  SWEETSPOT_RETURN_IF_ERROR(ExpectShape(out, fits ? 3 : 0, "[1, K, 2] or [1, K, 3]"));
  const auto dims = static_cast<std::size_t>(out.shape[2]);
  const double sx = spec.regression_normalized ? width : 1.0;
  const double sy = spec.regression_normalized ? height : 1.0;
  std::vector<Keypoint> keypoints;
  for (std::size_t k = 0; k < static_cast<std::size_t>(out.shape[1]); ++k) {
    const auto v = out.values.subspan(k * dims, dims);
    SWEETSPOT_RETURN_IF_ERROR(CheckFinite(v, out, spec, k));
    keypoints.push_back({v[0] * sx, v[1] * sy, dims == 3 ? v[2] : 1.0F});
  }
  return keypoints;
}

}  // namespace

Result<std::vector<Keypoint>> DecodeKeypoints(std::span<const Tensor> outputs, const KeypointDecoderSpec& spec,
                                              int input_width_px, int input_height_px,
                                              std::span<const TensorInfo> output_infos) {
  assert(input_width_px > 0 && input_height_px > 0);
  SWEETSPOT_ASSIGN_OR_RETURN(const Output first, Pick(outputs, output_infos, spec.output, 0));
  switch (spec.layout) {
    case KeypointLayout::kHeatmap: return DecodeHeatmaps(first, spec, input_width_px, input_height_px);
    case KeypointLayout::kSimcc: {
      SWEETSPOT_ASSIGN_OR_RETURN(const Output y, Pick(outputs, output_infos, spec.output_y, 1));
      return DecodeSimcc(first, y, spec);
    }
    case KeypointLayout::kRegression: return DecodeRegression(first, spec, input_width_px, input_height_px);
  }
  return Status::Internal("unknown keypoint layout");
}

}  // namespace sweetspot
