// What `sweetspot inspect` prints and writes with --json, against golden
// files, for a small model built here and inspected from memory (the path and
// file size are then set to fixed values). Regenerate the golden files with
// SWEETSPOT_UPDATE_GOLDEN=1 after an intended change, and review the diff.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/inspect_report.h"
#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

void ExpectGolden(const std::string& text, const std::string& name) {
  testing::ExpectMatchesGolden(text, "inspect/golden/" + name);
}

// input [N,3,8,8] -> Conv3x3 (pad 1, 4 channels; an exporter-style name
// longer than the table shows) -> Relu -> GlobalAveragePool -> Flatten ->
// Gemm -> logits [N,5], plus an initializer no node reads (a warning).
// Per image: conv 4*8*8 * 3*3*3 = 6912 MACs, pool 4*8*8 = 256, gemm 5*4 = 20.
onnx::ModelProto SmallModel() {
  GraphBuilder b("small_cnn");
  b.Input("input", DType::kFloat32, {-1, 3, 8, 8}, {"N"})
      .RandomInitializer("conv.w", {4, 3, 3, 3}, 1, 0.3F)
      .RandomInitializer("conv.b", {4}, 2)
      .RandomInitializer("fc.w", {5, 4}, 3)
      .RandomInitializer("fc.b", {5}, 4)
      .RandomInitializer("unused", {2, 2}, 5)
      .Node("Conv", {"input", "conv.w", "conv.b"}, {"c"},
            {Attr("kernel_shape", std::vector<int64_t>{3, 3}), Attr("pads", std::vector<int64_t>{1, 1, 1, 1})})
      .Node("Relu", {"c"}, {"r"})
      .Node("GlobalAveragePool", {"r"}, {"g"})
      .Node("Flatten", {"g"}, {"f"}, {Attr("axis", int64_t{1})})
      .Node("Gemm", {"f", "fc.w", "fc.b"}, {"logits"}, {Attr("transB", int64_t{1})})
      .Output("logits", DType::kFloat32, {-1, 5}, {"N"});
  onnx::ModelProto model = b.Build();
  model.mutable_graph()->mutable_node(0)->set_name("/features/features.0/block.0/expand_conv/Conv");
  return model;
}

// Batch 4, so the MAC line also gives the per-sample figure.
ModelInfo Inspected() {
  InspectOptions options;
  options.batch_size = 4;
  Result<ModelInfo> info = InspectModel(SmallModel(), options);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok()) return {};
  info->path = "models/small_cnn.onnx";
  info->file_bytes = 2345;
  return *info;
}

TEST(InspectReportTest, TopNodesTextMatchesGoldenFile) {
  const ModelInfo info = Inspected();
  EXPECT_EQ(info.total_macs, 4 * (6912 + 256 + 20));
  EXPECT_EQ(info.warnings.size(), 1U);
  ExpectGolden(RenderInspectText(info, /*all_nodes=*/false), "inspect.txt");
}

TEST(InspectReportTest, AllNodesTextMatchesGoldenFile) {
  ExpectGolden(RenderInspectText(Inspected(), /*all_nodes=*/true), "inspect_nodes.txt");
}

TEST(InspectReportTest, JsonMatchesGoldenFile) {
  ExpectGolden(DumpJson(ToJson(Inspected()), 2) + "\n", "inspect.json");
}

}  // namespace
}  // namespace sweetspot
