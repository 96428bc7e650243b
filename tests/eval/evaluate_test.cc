#include "sweetspot/evaluate.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval_fixtures.h"
#include "support/support.h"
#include "sweetspot/eval_report.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteRgbFolder(data_.path());
    auto backend = CreateBackend("onnxruntime");
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
    options_.cache.dir = cache_.path();
    options_.cache.threads = 2;
    options_.batch_size = 4;
  }

  Result<EvalResult> Run(const onnx::ModelProto& model, const std::string& name = "model.onnx") {
    const fs::path path = testing::WriteModel(model, models_ / name);
    auto ds = OpenDataset(data_.path());
    if (!ds.ok()) return ds.status();
    dataset_ = std::move(*ds);
    return EvaluateModel(*backend_, BackendOptions{}, path, *dataset_, StratifiedSubset(*dataset_, 0, 0),
                         PreprocessSpec{}, options_);
  }

  TempDir data_;
  TempDir cache_;
  TempDir models_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Dataset> dataset_;
  EvalOptions options_;
};

TEST_F(EvaluateTest, KnownAnswersFromALinearModel) {
  // Its logits all lie in [0, 1] without summing to 1, which auto-detection
  // reads as sigmoid scores (DetectsSigmoidScores...); say they are logits.
  options_.output_kind = OutputKind::kLogits;
  auto r = Run(testing::ChannelModel());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->class_names, (std::vector<std::string>{"a_red", "b_green", "c_blue"}));
  EXPECT_EQ(r->indices.size(), 9u);
  EXPECT_EQ(r->metrics.top1_correct, 8);  // the green image filed under a_red is the miss
  EXPECT_THAT(r->metrics.confusion, ElementsAre(ElementsAre(3, 1, 0), ElementsAre(0, 2, 0), ElementsAre(0, 0, 3)));
  EXPECT_EQ(r->output_kind, OutputKind::kLogits);
  EXPECT_FALSE(r->output_kind_detected);
  EXPECT_EQ(r->batch_size, 4);
  EXPECT_EQ(r->spec.width, 2);  // from the model's input
  // A pure red image gives logits (1, 0, 0): softmax confidence e / (e + 2).
  EXPECT_NEAR(r->predictions[0].confidence(), std::exp(1.0) / (std::exp(1.0) + 2.0), 1e-5);
  EXPECT_FALSE(r->cache_hit);

  auto again = Run(testing::ChannelModel());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->cache_hit);
  EXPECT_EQ(again->metrics.confusion, r->metrics.confusion);
  EXPECT_EQ(again->metrics.mean_confidence, r->metrics.mean_confidence);
}

TEST_F(EvaluateTest, ProbabilityOutputsAreDetectedAndNotSoftmaxedTwice) {
  auto r = Run(testing::ChannelModel({-1, 3, 2, 2}, 3, /*softmax=*/true));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->output_kind, OutputKind::kProbabilities);
  EXPECT_NEAR(r->predictions[0].confidence(), std::exp(1.0) / (std::exp(1.0) + 2.0), 1e-5);

  options_.output_kind = OutputKind::kLogits;  // forced: softmax of probabilities, lower confidence
  auto forced = Run(testing::ChannelModel({-1, 3, 2, 2}, 3, true), "forced.onnx");
  ASSERT_TRUE(forced.ok());
  EXPECT_FALSE(forced->output_kind_detected);
  EXPECT_LT(forced->predictions[0].confidence(), r->predictions[0].confidence());
}

TEST_F(EvaluateTest, FixedBatchModelsRunTheirBatchAndPadTheLast) {
  auto one = Run(testing::ChannelModel({1, 3, 2, 2}));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->batch_size, 1);
  EXPECT_EQ(one->metrics.top1_correct, 8);

  auto four = Run(testing::ChannelModel({4, 3, 2, 2}), "four.onnx");
  ASSERT_TRUE(four.ok()) << four.status().ToString();
  EXPECT_EQ(four->batch_size, 4);
  EXPECT_EQ(four->predictions.size(), 9u);
  EXPECT_EQ(four->metrics.confusion, one->metrics.confusion);
}

TEST_F(EvaluateTest, OutputWidthDifferentFromClassCountIsAnError) {
  auto r = Run(testing::ChannelModel({-1, 3, 2, 2}, 4));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(r.status().message(), HasSubstr("4 scores per sample"));
  EXPECT_THAT(r.status().message(), HasSubstr("3 classes"));
}

TEST_F(EvaluateTest, NanInOutputsNamesTheSample) {
  testing::WriteImage(data_ / "b_green/zz_black.png", testing::SolidImage(2, 2, 0, 0, 0));
  auto r = Run(testing::ChannelModel({-1, 3, 2, 2}, 3, false, /*nan_on_black=*/true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(r.status().message(), HasSubstr("NaN"));
  EXPECT_THAT(r.status().message(), HasSubstr("b_green/zz_black.png"));
}

TEST_F(EvaluateTest, CorruptImagesAreExcludedOnlyWithinTheLimit) {
  testing::WriteFile(data_ / "c_blue/broken.jpg", "garbage");
  auto strict = Run(testing::ChannelModel());
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(strict.status().message(), HasSubstr("1 of 10 images"));
  EXPECT_THAT(strict.status().message(), HasSubstr("broken.jpg"));
  EXPECT_EQ(strict.status().fixes(), (std::vector<FieldFix>{{"allow_corrupt", "", {}}}));

  options_.allow_corrupt = true;
  auto lenient = Run(testing::ChannelModel());
  ASSERT_TRUE(lenient.ok()) << lenient.status().ToString();
  EXPECT_EQ(lenient->requested, 10u);
  ASSERT_EQ(lenient->excluded.size(), 1u);
  EXPECT_THAT(lenient->excluded[0].path, HasSubstr("broken.jpg"));
  EXPECT_EQ(lenient->metrics.count, 9);

  options_.allow_corrupt = false;
  options_.max_excluded_fraction = 0.2;
  EXPECT_TRUE(Run(testing::ChannelModel()).ok());
}

TEST_F(EvaluateTest, PreprocessSpecFromModelMetadata) {
  onnx::ModelProto model = testing::ChannelModel();
  auto* prop = model.add_metadata_props();
  prop->set_key(std::string(kPreprocessMetadataKey));
  prop->set_value("color = \"bgr\"\n");
  const fs::path path = testing::WriteModel(model, models_ / "meta.onnx");
  auto text = ReadModelMetadata(path, kPreprocessMetadataKey);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  ASSERT_TRUE(text->has_value());
  auto spec = ParsePreprocessToml(**text, "metadata");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->color, ColorOrder::kBgr);
  auto none = ReadModelMetadata(path, "other.key");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(EvaluateTest, ReferenceComparisonAndRenderings) {
  auto model = Run(testing::ChannelModel());
  ASSERT_TRUE(model.ok());
  // The reference swaps green and blue: the two green-labelled images and the
  // green image under a_red flip; the blue ones flip too.
  auto reference = Run(testing::ChannelModel({-1, 3, 2, 2}, 3, false, false, /*swap_green_blue=*/true), "ref.onnx");
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  EXPECT_EQ(reference->metrics.top1_correct, 3);
  auto c = CompareResults(*model, *reference);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->count, 9);
  EXPECT_EQ(c->flips.size(), 6u);
  EXPECT_EQ(c->agreements, 3);
  EXPECT_EQ(c->only_model_correct, 5);
  EXPECT_EQ(c->only_reference_correct, 0);
  EXPECT_DOUBLE_EQ(c->mcnemar_p, stats::McNemarExactPValue(5, 0));

  const auto doc = nlohmann::json::parse(RenderEvalJson(*model, &*reference, &*c));
  EXPECT_EQ(doc["schema"], "sweetspot.eval/1");
  EXPECT_NEAR(doc["metrics"]["top1"].get<double>(), 8.0 / 9.0, 1e-12);
  EXPECT_EQ(doc["dataset"]["classes"].size(), 3u);
  EXPECT_EQ(doc["comparison"]["flips"].size(), 6u);
  EXPECT_EQ(doc["reference"]["metrics"]["top1_correct"], 3);
  EXPECT_EQ(doc["preprocess"]["color"], "rgb");

  const std::string csv = RenderPredictionsCsv(*model);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10);
  EXPECT_THAT(csv, HasSubstr("sample,id,path,label,prediction,confidence,top5\n"));
  EXPECT_THAT(csv, HasSubstr("a_red/3_green.png"));
  EXPECT_THAT(csv, HasSubstr(",a_red,b_green,"));

  const std::string text = RenderEvalText(*model, &*reference, &*c);
  EXPECT_THAT(text, HasSubstr("top-1"));
  EXPECT_THAT(text, HasSubstr("88.89 %"));
  EXPECT_THAT(text, HasSubstr("McNemar"));
}

TEST_F(EvaluateTest, CoarseClassesFromALabelMap) {
  auto ds = OpenDataset(data_.path());
  ASSERT_TRUE(ds.ok());
  auto map = ParseLabelMap("a_red,warm\nb_green,cool\nc_blue,cool\n", "map", (*ds)->class_names());
  ASSERT_TRUE(map.ok());
  options_.label_map = *map;
  auto r = Run(testing::ChannelModel());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->coarse_metrics.has_value());
  EXPECT_EQ(r->coarse_metrics->top1_correct, 8);
  EXPECT_THAT(r->coarse_metrics->confusion, ElementsAre(ElementsAre(3, 1), ElementsAre(0, 5)));
}

// The acceptance figure: ResNet-20 on the JPEG CIFAR-10 test set, with the
// preprocessing of ../shared/data/README.md, gives what a plain ONNX Runtime
// loop gives.
TEST(EvaluateRealData, Resnet20Cifar10Top1Is8103) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "cifar10-resnet/resnet20_cifar10.onnx");
  SWEETSPOT_REQUIRE_SHARED_DATA(data, "cifar10-test");
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok());
  auto ds = OpenDataset(data);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  PreprocessSpec spec;
  spec.mean = {0.485, 0.456, 0.406};
  spec.std = {0.229, 0.224, 0.225};
  EvalOptions options;
  options.cache.enabled = false;
  options.cache.threads = 2;
  auto r = EvaluateModel(**backend, BackendOptions{}, model, **ds, StratifiedSubset(**ds, 0, 0), spec, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metrics.count, 10000);
  EXPECT_EQ(r->metrics.top1_correct, 8103);
  EXPECT_TRUE(r->excluded.empty());
}

}  // namespace
}  // namespace sweetspot
