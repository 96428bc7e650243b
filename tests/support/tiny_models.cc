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

void AddQdqLayer(GraphBuilder& b, const std::string& op, const std::string& in, const std::string& out,
                 const std::string& tag, int64_t channels_in, int64_t channels_out, bool quantize_output) {
  std::vector<int32_t> weights(static_cast<std::size_t>(channels_out * channels_in * 9));
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int32_t>(i % 17) - 8;
  // Conv weights are [out, in, kh, kw], ConvTranspose weights [in, out, kh, kw].
  const Shape weight_shape =
      op == "ConvTranspose" ? Shape{channels_in, channels_out, 3, 3} : Shape{channels_out, channels_in, 3, 3};
  b.Initializer(tag + "x_scale", {}, {0.02F})
      .Int8Initializer(tag + "x_zp", DType::kUInt8, {}, {128})
      .Int8Initializer(tag + "w_q", DType::kInt8, weight_shape, weights)
      .Initializer(tag + "w_scale", {}, {0.01F})
      .Int8Initializer(tag + "w_zp", DType::kInt8, {}, {0})
      .Node("QuantizeLinear", {in, tag + "x_scale", tag + "x_zp"}, {tag + "xq"})
      .Node("DequantizeLinear", {tag + "xq", tag + "x_scale", tag + "x_zp"}, {tag + "xdq"})
      .Node("DequantizeLinear", {tag + "w_q", tag + "w_scale", tag + "w_zp"}, {tag + "w"})
      .Node(op, {tag + "xdq", tag + "w"}, {quantize_output ? tag + "y" : out},
            {Attr("kernel_shape", std::vector<int64_t>{3, 3}), Attr("pads", std::vector<int64_t>{1, 1, 1, 1})});
  if (!quantize_output) return;
  b.Initializer(tag + "y_scale", {}, {0.05F})
      .Int8Initializer(tag + "y_zp", DType::kUInt8, {}, {128})
      .Node("QuantizeLinear", {tag + "y", tag + "y_scale", tag + "y_zp"}, {tag + "yq"})
      .Node("DequantizeLinear", {tag + "yq", tag + "y_scale", tag + "y_zp"}, {out});
}

onnx::ModelProto QdqLayerModel(const std::string& op, bool quantize_output) {
  GraphBuilder b("qdq_" + op);
  b.Input("x", DType::kFloat32, {1, 3, 8, 8});
  AddQdqLayer(b, op, "x", "y", "q.", 3, 4, quantize_output);
  b.Output("y", DType::kFloat32, {1, 4, 8, 8});
  return b.Build();
}

}  // namespace sweetspot::testing
