// Variant texts (parsing, canonical form, lineage) and MakeVariant's cache,
// on a small CNN built in code and the real ONNX Runtime.
#include <algorithm>

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

// Conv -> Relu -> Conv -> Relu: ONNX Runtime's CPU provider has no float16
// kernel for either op.
onnx::ModelProto ConvReluModel() {
  const auto pads = Attr("pads", std::vector<int64_t>{1, 1, 1, 1});
  return GraphBuilder("conv_relu")
      .Input("x", DType::kFloat32, {1, 3, 8, 8})
      .RandomInitializer("a.w", {4, 3, 3, 3}, 1)
      .RandomInitializer("b.w", {4, 4, 3, 3}, 2)
      .Node("Conv", {"x", "a.w"}, {"a"}, {pads})
      .Node("Relu", {"a"}, {"a.r"})
      .Node("Conv", {"a.r", "b.w"}, {"b"}, {pads})
      .Node("Relu", {"b"}, {"y"})
      .Output("y", DType::kFloat32)
      .Build();
}

// The trial: fp16 on the CPU provider failed with "the transform changed
// nothing", which said neither why nor what to do.
TEST_F(MakeVariantTest, Fp16WithNoFloat16NodeSaysWhichOpsStayedFloat32AndWhy) {
  testing::WriteModel(ConvReluModel(), dir_ / "cnn.onnx");
  std::vector<std::string> notes;
  auto made = MakeVariant(*backend_, Request("fp16"), &notes);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(made.status().message(),
            "fp16 of 'cnn.onnx': no node would compute in float16 under execution provider cpu (2 Conv, 2 Relu kept "
            "float32: run in float32 by ONNX Runtime's cpu provider, between Casts it inserts); fp16 pays off with a "
            "provider that has float16 kernels (e.g. cuda)");
  EXPECT_THAT(notes, ::testing::Contains("kept float32: Conv_1 (run in float32 by ONNX Runtime's cpu provider, between "
                                         "Casts it inserts)"));
  EXPECT_TRUE(!fs::exists(dir_ / "variants") || fs::is_empty(dir_ / "variants")) << "a refused variant left files";
}

// The message's fix: a provider with float16 kernels computes the same model in float16.
TEST_F(MakeVariantTest, Fp16OnAProviderWithFloat16KernelsMakesTheVariant) {
  testing::WriteModel(ConvReluModel(), dir_ / "cnn.onnx");
  BackendOptions cuda;
  cuda.execution_provider = "cuda";
  if (auto session = backend_->Load(dir_ / "cnn.onnx", cuda); !session.ok()) {
    GTEST_SKIP() << "no usable cuda execution provider: " << session.status().ToString();
  }
  VariantRequest request = Request("fp16");
  request.backend = cuda;
  auto made = MakeVariant(*backend_, request);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_NE(HashFile(made->path).value(), HashFile(dir_ / "cnn.onnx").value());
}

// Calibration samples of the 16x16 CNN: values in [0, 1), not all zeros (an
// all-zero signal has no SQNR to speak of).
CalibrationData RampSamples() {
  CalibrationData data;
  Tensor batch = Tensor::Owned(DType::kFloat32, {2, 3, 16, 16});
  auto values = batch.values<float>();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 97) / 97.0F;
  data.batches.push_back(std::move(batch));
  data.samples = 2;
  data.sha256 = "ramp";
  return data;
}

TEST_F(MakeVariantTest, StaticInt8ComesWithItsSqnrAndTheCacheKeepsIt) {
  const CalibrationData data = RampSamples();
  VariantRequest request = Request("int8-static:minmax");
  request.calibration = &data;
  auto first = MakeVariant(*backend_, request);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_FALSE(first->sqnr.empty());
  for (std::size_t i = 1; i < first->sqnr.size(); ++i) {
    EXPECT_LE(first->sqnr[i - 1].cumulative_db, first->sqnr[i].cumulative_db);  // worst first
  }
  auto second = MakeVariant(*backend_, request);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->from_cache);
  ASSERT_EQ(second->sqnr.size(), first->sqnr.size());
  EXPECT_EQ(second->sqnr[0].node, first->sqnr[0].node);
  EXPECT_DOUBLE_EQ(second->sqnr[0].cumulative_db, first->sqnr[0].cumulative_db);
  EXPECT_TRUE(MakeVariant(*backend_, Request("prune:0.5")).value().sqnr.empty());
}

TEST_F(MakeVariantTest, MetadataIsWrittenIntoTheVariantAndKeysTheCache) {
  VariantRequest request = Request("prune:0.5");
  request.metadata = {{"sweetspot.preprocess", "mean = [0.5]\n"}};
  auto made = MakeVariant(*backend_, request);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const onnx::ModelProto model = LoadOnnxModel(made->path).value();
  std::string written;
  for (const auto& prop : model.metadata_props()) {
    if (prop.key() == "sweetspot.preprocess") written = prop.value();
  }
  EXPECT_EQ(written, "mean = [0.5]\n");
  auto plain = MakeVariant(*backend_, Request("prune:0.5"));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->from_cache);
  EXPECT_NE(plain->path, made->path);
}

TEST_F(MakeVariantTest, AnExcludedNameThatIsNoNodeIsRefusedListingTheQuantizableOnes) {
  VariantRequest request = Request("int8-dynamic");
  request.exclude_nodes = {"Gemm_99"};
  auto made = MakeVariant(*backend_, request);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(made.status().message(), HasSubstr("the node to keep in float 'Gemm_99' is not in '"));
  EXPECT_THAT(made.status().message(), HasSubstr("name one of its quantizable nodes: Conv_1, Conv_4, Gemm_8"));
}

// A transform whose model loads but cannot run (here a search that hands
// back a Gemm whose input width is symbolic, run at width 1 against a weight
// of 4 rows) is refused by the run on zeros, and leaves nothing in the cache.
TEST(MakeVariantCheck, AModelTheRuntimeCannotRunIsRefusedAndNotCached) {
  TempDir dir;
  GraphBuilder parent("gemm");
  parent.Input("x", DType::kFloat32, {-1, 4}, {"N"});
  parent.RandomInitializer("W", {4, 2}, 1);
  parent.Node("Gemm", {"x", "W"}, {"y"});
  parent.Output("y", DType::kFloat32, {-1, 2}, {"N", ""});
  testing::WriteModel(parent.Build(), dir / "gemm.onnx");
  GraphBuilder broken("gemm");
  broken.Input("x", DType::kFloat32, {-1, -1}, {"N", "D"});
  broken.RandomInitializer("W", {4, 2}, 1);
  broken.Node("Gemm", {"x", "W"}, {"y"});
  broken.Output("y", DType::kFloat32, {-1, 2}, {"N", ""});
  const onnx::ModelProto broken_model = broken.Build();

  CalibrationData data;
  data.batches.push_back(Tensor::Owned(DType::kFloat32, {2, 4}));
  data.samples = 2;
  data.sha256 = "zeros";
  VariantRequest request;
  request.parent = dir / "gemm.onnx";
  request.spec = ParseVariantSpec("int8-aware:1").value();
  request.calibration = &data;
  request.cache_dir = dir / "variants";
  request.accuracy_aware = [&](const onnx::ModelProto&, const ActivationRanges&, const QuantizeOptions&,
                               std::vector<std::string>*) -> Result<onnx::ModelProto> { return broken_model; };
  auto backend = CreateBackend("onnxruntime").value();
  auto made = MakeVariant(*backend, request);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInternal);
  EXPECT_THAT(made.status().message(), HasSubstr("the int8-aware:1 variant of '" + (dir / "gemm.onnx").string() +
                                                 "' does not run in the runtime ("));
  EXPECT_THAT(made.status().message(), HasSubstr("this is a bug of the transform: report it with the model"));
  EXPECT_EQ(std::count(made.status().message().begin(), made.status().message().end(), '\n'), 0);
  EXPECT_TRUE(fs::is_empty(dir / "variants")) << "a refused variant left files behind";
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
