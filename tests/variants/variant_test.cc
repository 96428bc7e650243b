// Variant texts (parsing, canonical form, lineage) and MakeVariant's cache,
// on a small CNN built in code and the real ONNX Runtime.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/variant.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

std::string Canonical(std::string_view text) {
  auto spec = ParseVariantSpec(text);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? spec->Canonical() : "";
}

TEST(VariantSpecTest, EveryFormHasOneCanonicalText) {
  EXPECT_EQ(Canonical("identity"), "identity");
  EXPECT_EQ(Canonical("int8-static"), "int8-static:minmax");
  EXPECT_EQ(Canonical("int8-static:entropy"), "int8-static:entropy");
  EXPECT_EQ(Canonical("int8-static:percentile"), "int8-static:percentile");
  EXPECT_EQ(Canonical("int8-static:percentile:99.999"), "int8-static:percentile");
  EXPECT_EQ(Canonical("int8-static:percentile:99.9"), "int8-static:percentile:99.9");
  EXPECT_EQ(Canonical("int8-dynamic"), "int8-dynamic");
  EXPECT_EQ(Canonical("int8-aware:0.30"), "int8-aware:0.3");
  EXPECT_EQ(Canonical("int8-aware:0.5%"), "int8-aware:0.5%");
  EXPECT_EQ(Canonical("fp16"), "fp16");
  EXPECT_EQ(Canonical("prune:0.50"), "prune:0.5:unstructured");
  EXPECT_EQ(Canonical("prune:0.5:structured"), "prune:0.5:structured");
  EXPECT_EQ(Canonical("resize:24x24"), "resize:24");
  EXPECT_EQ(Canonical("resize:24x20"), "resize:24x20");
}

TEST(VariantSpecTest, ParsedValues) {
  auto aware = ParseVariantSpec("int8-aware:0.5%");
  ASSERT_TRUE(aware.ok());
  EXPECT_EQ(aware->transform, Transform::kInt8Aware);
  EXPECT_DOUBLE_EQ(aware->budget, 0.5);
  EXPECT_TRUE(aware->budget_relative);
  EXPECT_TRUE(aware->NeedsCalibration());
  auto resize = ParseVariantSpec("resize:24x20");
  ASSERT_TRUE(resize.ok());
  EXPECT_EQ(resize->height, 24);
  EXPECT_EQ(resize->width, 20);
  EXPECT_FALSE(resize->NeedsCalibration());
  auto prune = ParseVariantSpec("prune:0.25:unstructured");
  ASSERT_TRUE(prune.ok());
  EXPECT_DOUBLE_EQ(prune->fraction, 0.25);
  EXPECT_FALSE(prune->structured);
}

TEST(VariantSpecTest, BadTextsNameTheTextAndListTheValidForms) {
  for (const char* text : {"int9", "int8-static:kl", "int8-static:minmax:3", "int8-static:percentile:101", "int8-aware",
                           "int8-aware:-1", "fp16:1", "prune:1.5", "prune:0.5:channels", "prune", "resize:0",
                           "resize:24x", "resize:big", "identity:1", ""}) {
    auto spec = ParseVariantSpec(text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(spec.status().message(), HasSubstr("variant '" + std::string(text) + "'"));
    EXPECT_THAT(spec.status().message(), HasSubstr("int8-static[:minmax|percentile|entropy]"));
  }
}

TEST(VariantSpecTest, ParametersAreCanonicalJson) {
  EXPECT_EQ(ParseVariantSpec("identity")->ParametersJson(), "{}");
  EXPECT_EQ(ParseVariantSpec("int8-static:entropy")->ParametersJson(), R"({"method":"entropy"})");
  EXPECT_EQ(ParseVariantSpec("prune:0.5:structured")->ParametersJson(), R"({"fraction":0.5,"structured":true})");
  EXPECT_EQ(ParseVariantSpec("resize:24x20")->ParametersJson(), R"({"height":24,"width":20})");
}

class MakeVariantTest : public ::testing::Test {
 protected:
  MakeVariantTest() {
    testing::TinyCnnSpec cnn;
    cnn.image_size = 16;
    testing::WriteModel(testing::TinyCnn(cnn), dir_ / "cnn.onnx");
    backend_ = CreateBackend("onnxruntime").value();
  }

  VariantRequest Request(std::string_view text) {
    VariantRequest request;
    request.parent = dir_ / "cnn.onnx";
    request.spec = ParseVariantSpec(text).value();
    request.cache_dir = dir_ / "variants";
    return request;
  }

  TempDir dir_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(MakeVariantTest, IdentityIsTheParentItself) {
  auto made = MakeVariant(*backend_, Request("identity"));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->path, dir_ / "cnn.onnx");
  EXPECT_EQ(made->lineage.transform, "identity");
  EXPECT_EQ(made->lineage.parameters_json, "{}");
  EXPECT_EQ(made->lineage.parent_sha256, HashFile(dir_ / "cnn.onnx").value());
  EXPECT_FALSE(fs::exists(dir_ / "variants"));
}

TEST_F(MakeVariantTest, ACalibratedVariantWithoutSamplesIsRefused) {
  auto made = MakeVariant(*backend_, Request("int8-static:entropy"));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(made.status().message(), HasSubstr("'int8-static:entropy' needs calibration samples"));
}

TEST_F(MakeVariantTest, AccuracyAwareInt8NeedsASearchOverAnEvaluationSet) {
  CalibrationData data;
  data.batches.push_back(Tensor::Owned(DType::kFloat32, {1, 3, 16, 16}));
  data.samples = 1;
  data.sha256 = "c";
  VariantRequest request = Request("int8-aware:0.3");
  request.calibration = &data;
  auto made = MakeVariant(*backend_, request);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(made.status().message(), HasSubstr("make it in a study (variants = [\"int8-aware:0.3\"])"));
}

TEST_F(MakeVariantTest, TheSecondRequestTakesTheCachedFile) {
  auto first = MakeVariant(*backend_, Request("prune:0.5:unstructured"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(first->path.parent_path().parent_path(), dir_ / "variants");
  EXPECT_NE(HashFile(first->path).value(), HashFile(dir_ / "cnn.onnx").value());
  EXPECT_EQ(first->lineage.transform, "prune");
  EXPECT_EQ(first->lineage.parameters_json, R"({"fraction":0.5,"structured":false})");
  EXPECT_FALSE(first->notes.empty());
  auto second = MakeVariant(*backend_, Request("prune:0.50:unstructured"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->path, first->path);
  EXPECT_EQ(second->notes, first->notes);
  // Another parent content is another cache entry.
  testing::TinyCnnSpec other;
  other.image_size = 16;
  other.seed = 7;
  testing::WriteModel(testing::TinyCnn(other), dir_ / "cnn.onnx");
  auto third = MakeVariant(*backend_, Request("prune:0.5:unstructured"));
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_FALSE(third->from_cache);
  EXPECT_NE(third->path, first->path);
}

TEST_F(MakeVariantTest, StructuredPruningKeepsAResidualStreamAndSaysSoOnce) {
  // stem -> relu -> a -> relu -> b, + the stem's relu, GlobalAveragePool, Flatten, Gemm.
  const auto pads = Attr("pads", std::vector<int64_t>{1, 1, 1, 1});
  const auto model = GraphBuilder("residual")
                         .Input("x", DType::kFloat32, {1, 3, 16, 16})
                         .RandomInitializer("stem.w", {4, 3, 3, 3}, 1)
                         .RandomInitializer("a.w", {4, 4, 3, 3}, 2)
                         .RandomInitializer("b.w", {4, 4, 3, 3}, 3)
                         .RandomInitializer("fc.w", {10, 4}, 4)
                         .Node("Conv", {"x", "stem.w"}, {"s"}, {pads})
                         .Node("Relu", {"s"}, {"s.r"})
                         .Node("Conv", {"s.r", "a.w"}, {"a"}, {pads})
                         .Node("Relu", {"a"}, {"a.r"})
                         .Node("Conv", {"a.r", "b.w"}, {"b"}, {pads})
                         .Node("Add", {"b", "s.r"}, {"sum"})
                         .Node("GlobalAveragePool", {"sum"}, {"p"})
                         .Node("Flatten", {"p"}, {"f"})
                         .Node("Gemm", {"f", "fc.w"}, {"y"}, {Attr("transB", int64_t{1})})
                         .Output("y", DType::kFloat32)
                         .Build();
  testing::WriteModel(model, dir_ / "cnn.onnx");
  auto made = MakeVariant(*backend_, Request("prune:0.5:structured"));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_THAT(made->notes, ::testing::Contains(HasSubstr("kept: Conv_1 and 1 more Convs (its channels join the "
                                                         "residual Add 'Add_6'; residual streams are kept whole)")));
}

TEST(VariantCacheTest, TheFolderFollowsParentSpecAndCalibration) {
  const VariantSpec minmax = ParseVariantSpec("int8-static").value();
  const VariantSpec entropy = ParseVariantSpec("int8-static:entropy").value();
  const fs::path a = VariantCacheFolder("/c", "p1", minmax, "s1");
  EXPECT_EQ(a.parent_path(), fs::path("/c"));
  EXPECT_EQ(a, VariantCacheFolder("/c", "p1", ParseVariantSpec("int8-static:minmax").value(), "s1"));
  EXPECT_NE(a, VariantCacheFolder("/c", "p2", minmax, "s1"));
  EXPECT_NE(a, VariantCacheFolder("/c", "p1", entropy, "s1"));
  EXPECT_NE(a, VariantCacheFolder("/c", "p1", minmax, "s2"));
}

}  // namespace
}  // namespace sweetspot
