// Synthetic data for the train tests: no dataset files, no decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "sweetspot/tensor_cache.h"

namespace sweetspot::testing {

// `count` float32 [channels, size, size] samples in [0,1] with labels
// 0..classes-1 in turn. Class k has bright vertical stripes every k+2
// columns, a local texture that survives global average pooling, so a network
// learns the task in a few steps; noise makes the batch statistics (and so
// BatchNorm's running statistics) non-trivial.
inline PreparedTensors SyntheticTensors(std::size_t count, int channels, int size, int classes, std::uint32_t seed) {
  const std::size_t plane = static_cast<std::size_t>(size) * static_cast<std::size_t>(size);
  const std::size_t per_sample = plane * static_cast<std::size_t>(channels);
  auto values = std::make_shared<std::vector<float>>(count * per_sample);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(0.0F, 0.5F);
  PreparedTensors t;
  for (std::size_t s = 0; s < count; ++s) {
    const int label = static_cast<int>(s % static_cast<std::size_t>(classes));
    for (std::size_t i = 0; i < per_sample; ++i) {
      const auto column = static_cast<int>((i % plane) % static_cast<std::size_t>(size));
      const bool stripe = column % (label + 2) == 0;
      (*values)[s * per_sample + i] = noise(rng) + (stripe ? 0.5F : 0.0F);
    }
    t.indices.push_back(s);
    t.labels.push_back(label);
  }
  t.dtype = DType::kFloat32;
  t.sample_shape = {channels, size, size};
  t.requested = count;
  t.data = reinterpret_cast<const std::byte*>(values->data());
  t.mapping = values;
  return t;
}

}  // namespace sweetspot::testing
