#include "quantize_params.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sweetspot::variants {

namespace {

// numpy.finfo(float32).tiny: below it ONNX Runtime's tool uses scale 1.
constexpr double kTinyScale = std::numeric_limits<float>::min();

int64_t RoundClamp(double value, int64_t low, int64_t high) {
  return std::clamp(static_cast<int64_t>(std::nearbyint(value)), low, high);
}

float SymmetricScale(double abs_max) {
  const double scale = abs_max / 127.0;
  return scale < kTinyScale ? 1.0F : static_cast<float>(scale);
}

}  // namespace

QuantParams ActivationParams(TensorRange range, ActivationType type) {
  const double low = std::min<double>(range.min, 0.0);
  const double high = std::max<double>(range.max, 0.0);
  if (type == ActivationType::kInt8Symmetric) return {SymmetricScale(std::max(-low, high)), 0};
  const double scale = (high - low) / 255.0;
  if (scale < kTinyScale) return {1.0F, 0};
  const auto stored = static_cast<float>(scale);
  return {stored, static_cast<int32_t>(RoundClamp(-low / stored, 0, 255))};
}

QuantizedWeight QuantizeWeight(std::span<const float> values, const Shape& dims, int64_t axis, bool per_channel) {
  const int64_t channels = per_channel ? dims[static_cast<std::size_t>(axis)] : 1;
  int64_t inner = 1;
  for (auto d = static_cast<std::size_t>(axis) + 1; per_channel && d < dims.size(); ++d) inner *= dims[d];
  auto channel_of = [&](std::size_t i) { return per_channel ? (static_cast<int64_t>(i) / inner) % channels : 0; };

  std::vector<double> abs_max(static_cast<std::size_t>(channels), 0.0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto& m = abs_max[static_cast<std::size_t>(channel_of(i))];
    m = std::max(m, static_cast<double>(std::fabs(values[i])));
  }
  QuantizedWeight out;
  for (double m : abs_max) out.scales.push_back(SymmetricScale(m));
  out.values.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float scale = out.scales[static_cast<std::size_t>(channel_of(i))];
    out.values[i] = static_cast<int32_t>(RoundClamp(values[i] / static_cast<double>(scale), -127, 127));
  }
  return out;
}

std::vector<int32_t> QuantizeBias(std::span<const float> bias, float input_scale, std::span<const float> weight_scales,
                                  std::vector<float>* scales) {
  scales->clear();
  std::vector<int32_t> out;
  for (std::size_t c = 0; c < bias.size(); ++c) {
    const float scale = input_scale * weight_scales[weight_scales.size() == 1 ? 0 : c];
    if (weight_scales.size() != 1 || c == 0) scales->push_back(scale);
    out.push_back(
        static_cast<int32_t>(RoundClamp(bias[c] / static_cast<double>(scale), std::numeric_limits<int32_t>::min(),
                                        std::numeric_limits<int32_t>::max())));
  }
  return out;
}

}  // namespace sweetspot::variants
