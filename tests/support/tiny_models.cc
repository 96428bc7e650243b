#include "support/tiny_models.h"

#include "sweetspot/onnx_model.h"

namespace sweetspot::testing {

onnx::ModelProto TinyCnn(const TinyCnnSpec& spec) {
  const int64_t c = spec.channels;
  const int64_t w1 = spec.width;
  const int64_t w2 = 2 * spec.width;
  const int64_t n = spec.dynamic_batch ? -1 : 1;
  const std::vector<int64_t> k3{3, 3};
  const std::vector<int64_t> pad1{1, 1, 1, 1};
  GraphBuilder b("tiny_cnn");
  b.Input("input", DType::kFloat32, {n, c, spec.image_size, spec.image_size}, {"N"})
      .RandomInitializer("conv1.w", {w1, c, 3, 3}, spec.seed, 0.3F)
      .RandomInitializer("conv1.b", {w1}, spec.seed + 1, 0.1F)
      .RandomInitializer("conv2.w", {w2, w1, 3, 3}, spec.seed + 2, 0.2F)
      .RandomInitializer("conv2.b", {w2}, spec.seed + 3, 0.1F)
      .RandomInitializer("fc.w", {spec.classes, w2}, spec.seed + 4, 0.3F)
      .RandomInitializer("fc.b", {spec.classes}, spec.seed + 5, 0.1F)
      .Node("Conv", {"input", "conv1.w", "conv1.b"}, {"c1"}, {Attr("kernel_shape", k3), Attr("pads", pad1)})
      .Node("Relu", {"c1"}, {"r1"})
      .Node("MaxPool", {"r1"}, {"p1"},
            {Attr("kernel_shape", std::vector<int64_t>{2, 2}), Attr("strides", std::vector<int64_t>{2, 2})})
      .Node("Conv", {"p1", "conv2.w", "conv2.b"}, {"c2"}, {Attr("kernel_shape", k3), Attr("pads", pad1)})
      .Node("Relu", {"c2"}, {"r2"})
      .Node("GlobalAveragePool", {"r2"}, {"g"})
      .Node("Flatten", {"g"}, {"f"}, {Attr("axis", int64_t{1})})
      .Node("Gemm", {"f", "fc.w", "fc.b"}, {"logits"}, {Attr("transB", int64_t{1})})
      .Output("logits", DType::kFloat32, {n, spec.classes}, {"N"});
  return b.Build();
}

onnx::ModelProto LinearModel() {
  GraphBuilder b("linear");
  b.Input("x", DType::kFloat32, {-1, 2}, {"N"})
      .Initializer("W", {3, 2}, {1, 2, 3, 4, 5, 6})
      .Initializer("b", {3}, {10, 20, 30})
      .Node("Gemm", {"x", "W", "b"}, {"y"}, {Attr("transB", int64_t{1})})
      .Output("y", DType::kFloat32, {-1, 3}, {"N"});
  return b.Build();
}

}  // namespace sweetspot::testing
