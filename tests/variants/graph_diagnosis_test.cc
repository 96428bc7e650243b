#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <fmt/core.h>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/float16.h"
#include "sweetspot/graph_diagnosis.h"
#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::TempDir;

std::unique_ptr<Backend> Ort() {
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok());
  return std::move(*backend);
}

// The count of (domain, op, precision) in the histogram, 0 when absent.
int64_t CountOf(const GraphDiagnosis& diagnosis, const std::string& domain, const std::string& op,
                const std::string& precision) {
  for (const auto& entry : diagnosis.ops) {
    if (entry.domain == domain && entry.op_type == op && entry.precision == precision) return entry.count;
  }
  return 0;
}

GraphDiagnosis Diagnose(const onnx::ModelProto& model) {
  TempDir dir;
  auto backend = Ort();
  auto diagnosis = DiagnoseOptimizedGraph(*backend, testing::WriteModel(model, dir / "model.onnx"), BackendOptions{},
                                          dir / "optimized.onnx");
  EXPECT_TRUE(diagnosis.ok()) << diagnosis.status().ToString();
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "optimized.onnx"));
  return diagnosis.ok() ? *diagnosis : GraphDiagnosis{};
}

// x [1,3,16,16] -> Conv 3->4 (int8 QDQ when `quantized`) -> Conv 4->32 in float.
onnx::ModelProto SmallQuantizedThenLargeFloat(bool quantized) {
  GraphBuilder b("mixed");
  b.Input("x", DType::kFloat32, {1, 3, 16, 16});
  if (quantized) {
    testing::AddQdqLayer(b, "Conv", "x", "first", "c1.", 3, 4);
  } else {
    b.RandomInitializer("c1.w", {4, 3, 3, 3}, 1)
        .Node("Conv", {"x", "c1.w"}, {"first"},
              {Attr("kernel_shape", std::vector<int64_t>{3, 3}), Attr("pads", std::vector<int64_t>{1, 1, 1, 1})});
  }
  b.RandomInitializer("c2.w", {32, 4, 3, 3}, 2)
      .Node("Conv", {"first", "c2.w"}, {"y"},
            {Attr("kernel_shape", std::vector<int64_t>{3, 3}), Attr("pads", std::vector<int64_t>{1, 1, 1, 1})})
      .Output("y", DType::kFloat32, {1, 32, 16, 16});
  return b.Build();
}

TEST(GraphDiagnosis, AFloatConvModelIsAllFloat) {
  const GraphDiagnosis diagnosis = Diagnose(testing::TinyCnn());
  ASSERT_FALSE(diagnosis.ops.empty());
  for (const auto& entry : diagnosis.ops) EXPECT_EQ(entry.precision, "float") << entry.op_type;
  // Conv + Relu fuse into com.microsoft FusedConv (level extended).
  EXPECT_EQ(CountOf(diagnosis, "com.microsoft", "FusedConv", "float"), 2);
  EXPECT_EQ(diagnosis.ops.front().op_type, "FusedConv");
  EXPECT_EQ(diagnosis.node_count, 6);
  EXPECT_EQ(diagnosis.cast_nodes + diagnosis.quantize_nodes + diagnosis.dequantize_nodes, 0);
  EXPECT_DOUBLE_EQ(diagnosis.float_mac_fraction, 1.0);
  EXPECT_EQ(diagnosis.float_mac_nodes, (std::vector<std::string>{"Conv_1", "Conv_4", "Gemm_8"}));
}

TEST(GraphDiagnosis, AQdqConvRunsAsQLinearConvOnUint8) {
  const GraphDiagnosis diagnosis = Diagnose(testing::QdqLayerModel("Conv"));
  EXPECT_EQ(CountOf(diagnosis, "", "QLinearConv", "uint8"), 1);
  EXPECT_EQ(CountOf(diagnosis, "", "Conv", "float"), 0);
  // What is left of the QDQ pairs: the input's quantization and the output's dequantization.
  EXPECT_EQ(diagnosis.quantize_nodes, 1);
  EXPECT_EQ(diagnosis.dequantize_nodes, 1);
  EXPECT_DOUBLE_EQ(diagnosis.float_mac_fraction, 0.0);
  EXPECT_TRUE(diagnosis.float_mac_nodes.empty());
  EXPECT_EQ(diagnosis.quantized_mac_nodes, 1);
  EXPECT_EQ(diagnosis.unfused_qdq_nodes, 0);
  EXPECT_EQ(UnfusedQdqNote(diagnosis, "onnxruntime@1.21.0"), "");
}

// ONNX Runtime has no integer ConvTranspose: its QDQ pattern stays, the
// ConvTranspose computing in float on dequantized values.
TEST(GraphDiagnosis, AQdqConvTransposeIsLeftUnfusedInFloat) {
  GraphBuilder b("mixed");
  b.Input("x", DType::kFloat32, {1, 3, 8, 8});
  testing::AddQdqLayer(b, "Conv", "x", "c", "c.", 3, 4);
  testing::AddQdqLayer(b, "ConvTranspose", "c", "y", "t.", 4, 8);
  b.Output("y", DType::kFloat32, {1, 8, 8, 8});
  const GraphDiagnosis diagnosis = Diagnose(b.Build());
  EXPECT_EQ(CountOf(diagnosis, "", "QLinearConv", "uint8"), 1);
  EXPECT_EQ(CountOf(diagnosis, "", "ConvTranspose", "float"), 1);
  EXPECT_EQ(diagnosis.quantized_mac_nodes, 2);
  EXPECT_EQ(diagnosis.unfused_qdq_nodes, 1);
  // MACs: the Conv 8*8*4 outputs * 27, the ConvTranspose 4*8*8 inputs * 8*9.
  const double unfused = 4.0 * 8 * 8 * 8 * 9;
  const double share = unfused / (unfused + 8.0 * 8 * 4 * 27);
  EXPECT_NEAR(diagnosis.unfused_qdq_mac_fraction, share, 1e-9);
  EXPECT_EQ(UnfusedQdqNote(diagnosis, "onnxruntime@1.21.0"),
            fmt::format("onnxruntime@1.21.0 runs 1 of 2 quantized Conv/Gemm/MatMul nodes in float (DequantizeLinear "
                        "-> ConvTranspose x1 not fused): {:.0f} % of MACs",
                        100 * share));
}

// The note's advice applied: quantizing the Conv's output lets ONNX Runtime fuse it.
TEST(GraphDiagnosis, AQdqConvWithItsOutputQuantizedIsFused) {
  const GraphDiagnosis unquantized_output = Diagnose(testing::QdqLayerModel("Conv", /*quantize_output=*/false));
  EXPECT_EQ(unquantized_output.unfused_qdq_nodes, 1);
  EXPECT_DOUBLE_EQ(unquantized_output.unfused_qdq_mac_fraction, 1.0);
  const GraphDiagnosis quantized_output = Diagnose(testing::QdqLayerModel("Conv"));
  EXPECT_EQ(quantized_output.unfused_qdq_nodes, 0);
  EXPECT_EQ(quantized_output.quantized_mac_nodes, 1);
}

// Weight-only quantization (int8 weights dequantized under a float input)
// asks for no integer compute: nothing is unfused.
TEST(GraphDiagnosis, DequantizedWeightsUnderAFloatInputAreNotUnfused) {
  GraphBuilder b("weights_only");
  std::vector<int32_t> weights(4 * 3 * 9);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int32_t>(i % 17) - 8;
  b.Input("x", DType::kFloat32, {1, 3, 8, 8})
      .Int8Initializer("w_q", DType::kInt8, {4, 3, 3, 3}, weights)
      .Initializer("w_scale", {}, {0.01F})
      .Int8Initializer("w_zp", DType::kInt8, {}, {0})
      .Node("DequantizeLinear", {"w_q", "w_scale", "w_zp"}, {"w"})
      .Node("Conv", {"x", "w"}, {"y"}, {Attr("kernel_shape", std::vector<int64_t>{3, 3})})
      .Output("y", DType::kFloat32, {1, 4, 6, 6});
  const GraphDiagnosis diagnosis = Diagnose(b.Build());
  EXPECT_EQ(diagnosis.float_mac_nodes.size(), 1U);
  EXPECT_EQ(diagnosis.unfused_qdq_nodes, 0);
  EXPECT_EQ(UnfusedQdqNote(diagnosis, "onnxruntime@1.21.0"), "");
}

// Only a QDQ model with an unfused pattern has a note; OpenCV DNN keeps no
// optimised graph to read.
TEST(GraphDiagnosis, UnfusedQdqNoteOfAModelFile) {
  TempDir dir;
  auto ort = Ort();
  const auto note_of = [&](Backend& backend, const onnx::ModelProto& model, const std::string& file) {
    auto note = UnfusedQdqNoteOf(backend, testing::WriteModel(model, dir / file), BackendOptions{});
    EXPECT_TRUE(note.ok()) << note.status().ToString();
    return note.ok() ? *note : std::string("(failed)");
  };
  EXPECT_EQ(note_of(*ort, testing::TinyCnn(), "float.onnx"), "");
  EXPECT_EQ(note_of(*ort, testing::QdqLayerModel("Conv"), "conv.onnx"), "");
  EXPECT_EQ(note_of(*ort, testing::QdqLayerModel("ConvTranspose"), "convtranspose.onnx"),
            ort->name() +
                " runs 1 of 1 quantized Conv/Gemm/MatMul nodes in float (DequantizeLinear -> ConvTranspose x1 not "
                "fused): 100 % of MACs");
  auto opencv = CreateBackend("opencv-dnn");
  ASSERT_TRUE(opencv.ok()) << opencv.status().ToString();
  EXPECT_EQ(note_of(**opencv, testing::QdqLayerModel("ConvTranspose"), "opencv.onnx"), "");
}

TEST(GraphDiagnosis, TheVerdictNamesTheShareOfMacsStillFloat) {
  const GraphDiagnosis parent = Diagnose(SmallQuantizedThenLargeFloat(false));
  const GraphDiagnosis variant = Diagnose(SmallQuantizedThenLargeFloat(true));
  // MACs: 16*16*4 outputs * 27 quantized, 16*16*32 outputs * 36 float.
  const double float_macs = 16.0 * 16 * 32 * 36;
  const double expected = float_macs / (float_macs + 16.0 * 16 * 4 * 27);
  EXPECT_NEAR(variant.float_mac_fraction, expected, 1e-9);
  EXPECT_EQ(variant.float_mac_nodes.size(), 1U);

  const std::string verdict = SlowerVariantVerdict(variant, parent);
  EXPECT_NE(verdict.find(fmt::format("{:.0f} % of MACs still float (Conv x1)", 100 * expected)), std::string::npos)
      << verdict;
  EXPECT_NE(verdict.find("extra QuantizeLinear/DequantizeLinear"), std::string::npos) << verdict;
  EXPECT_EQ(SlowerVariantVerdict(parent, parent), "");
}

TEST(GraphDiagnosis, AFullyQuantizedVariantIsNotBlamedOnFloat) {
  GraphDiagnosis parent;
  parent.float_mac_fraction = 1.0;
  const std::string verdict = SlowerVariantVerdict(Diagnose(testing::QdqLayerModel("Conv")), parent);
  EXPECT_EQ(verdict.find("still float"), std::string::npos) << verdict;
  EXPECT_EQ(verdict, "2 extra QuantizeLinear/DequantizeLinear");
}

TEST(GraphDiagnosis, AFloat16VariantOnTheCpuProviderStillComputesInFloat) {
  auto half = ConvertToFloat16(testing::TinyCnn(), Float16Options{});
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  const GraphDiagnosis variant = Diagnose(*half);
  const GraphDiagnosis parent = Diagnose(testing::TinyCnn());
  // ONNX Runtime casts the float16 weights back to float32 and runs every conv in float32.
  EXPECT_GT(CountOf(variant, "", "Cast", "float16"), 0);
  EXPECT_DOUBLE_EQ(variant.float_mac_fraction, 1.0);
  const std::string verdict = SlowerVariantVerdict(variant, parent);
  EXPECT_TRUE(verdict.starts_with("100 % of MACs still float (")) << verdict;
  EXPECT_NE(verdict.find(fmt::format("; {} extra Cast", variant.cast_nodes)), std::string::npos) << verdict;
}

TEST(GraphDiagnosis, AnEmptyOptimizedPathIsRefused) {
  TempDir dir;
  auto backend = Ort();
  auto diagnosis =
      DiagnoseOptimizedGraph(*backend, testing::WriteModel(testing::TinyCnn(), dir / "m.onnx"), BackendOptions{}, "");
  ASSERT_FALSE(diagnosis.ok());
  EXPECT_EQ(diagnosis.status().code(), StatusCode::kInvalidArgument);
}

TEST(GraphDiagnosis, Resnet56RunsAllItsMacsInFloat) {
  SWEETSPOT_REQUIRE_SHARED_DATA(path, "cifar10-resnet/resnet56_cifar10.onnx");
  TempDir dir;
  auto backend = Ort();
  auto diagnosis = DiagnoseOptimizedGraph(*backend, path, BackendOptions{}, dir / "optimized.onnx");
  ASSERT_TRUE(diagnosis.ok()) << diagnosis.status().ToString();
  EXPECT_DOUBLE_EQ(diagnosis->float_mac_fraction, 1.0);
  EXPECT_EQ(diagnosis->float_mac_nodes.size(), 58U);  // 57 Conv + the Gemm
  for (const auto& entry : diagnosis->ops) EXPECT_NE(entry.precision, "unknown") << entry.op_type;
}

}  // namespace
}  // namespace sweetspot
