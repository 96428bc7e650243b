// What the variants tests that run models share: the real ONNX Runtime
// backend and float tensors written out by hand.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/tensor.h"

namespace sweetspot::testing {

// A test that owns an ONNX Runtime backend (fails the test without one).
class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = CreateBackend("onnxruntime");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    backend_ = std::move(*created);
  }

  std::unique_ptr<Backend> backend_;
};

// An owned float32 tensor of `shape` holding `values` (as many as the shape has).
inline Tensor FloatTensor(const Shape& shape, const std::vector<float>& values) {
  Tensor t = Tensor::Owned(DType::kFloat32, shape);
  EXPECT_EQ(values.size(), static_cast<std::size_t>(t.element_count()));
  std::copy_n(values.begin(), std::min<std::size_t>(values.size(), t.values<float>().size()),
              t.values<float>().begin());
  return t;
}

}  // namespace sweetspot::testing
