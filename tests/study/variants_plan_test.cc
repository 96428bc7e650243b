// Variants in the study spec and plan: parsing, derived models with their
// lineage, the calibration split held out of every accuracy run, and the
// calibration errors. No child process runs; variants are made for real.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "eval/eval_fixtures.h"
#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

class VariantsPlanTest : public ::testing::Test {
 protected:
  VariantsPlanTest() {
    testing::WriteRgbFolder(dir_ / "images");
    testing::TinyCnnSpec cnn;  // convolutions with weights to prune and quantize
    cnn.image_size = 8;
    cnn.classes = 3;
    testing::WriteModel(testing::TinyCnn(cnn), dir_ / "good.onnx");
  }

  Result<StudySpec> Spec(const std::string& top, const std::string& dataset = "", const std::string& model = "") {
    return ParseStudySpec(
        top + "[dataset]\npath = \"images\"\n" + dataset + "[[models]]\npath = \"good.onnx\"\n" + model,
        dir_ / "study.toml");
  }

  TempDir dir_;
};

TEST_F(VariantsPlanTest, VariantListsAreCanonicalPerStudyAndPerModel) {
  auto spec = Spec("variants = [\"identity\", \"int8-static\", \"prune:0.50\"]\n", "", "variants = \"fp16\"\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_THAT(spec->variants, ElementsAre("identity", "int8-static:minmax", "prune:0.5:unstructured"));
  EXPECT_THAT(spec->models[0].variants, ElementsAre("fp16"));
}

TEST_F(VariantsPlanTest, BadVariantsNameTheLineTheKeyAndTheValidForms) {
  auto bad = Spec("variants = [\"int8-static:kl\"]\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("study.toml line 1 (top level) variants: variant 'int8-static:kl'"));
  EXPECT_THAT(bad.status().message(), HasSubstr("int8-dynamic"));
  auto twice = Spec("variants = [\"prune:0.5:structured\", \"prune:0.50:structured\"]\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("lists prune:0.5:structured twice"));
  auto model = Spec("", "", "variants = [\"resize:0\"]\n");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("[[models]] #1 variants: variant 'resize:0'"));
}

TEST_F(VariantsPlanTest, CalibrationSetIsCheckedWhereTheSpecNamesIt) {
  auto missing = Spec("", "calibration = \"train\"\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("[dataset] calibration: '"));
  auto same = Spec("", "calibration = \"images\"\n");
  ASSERT_FALSE(same.ok());
  EXPECT_THAT(same.status().message(), HasSubstr("is the evaluation dataset"));
  fs::create_directory_symlink(dir_ / "images", dir_ / "link");
  auto linked = Spec("", "calibration = \"link\"\n");
  ASSERT_FALSE(linked.ok());
  EXPECT_THAT(linked.status().message(), HasSubstr("is the evaluation dataset"));
  // The fix the message proposes: another set.
  fs::copy(dir_ / "images", dir_ / "train", fs::copy_options::recursive);
  EXPECT_TRUE(Spec("", "calibration = \"train\"\n").ok());
}

TEST_F(VariantsPlanTest, ADerivedModelFollowsItsParentWithItsLineage) {
  auto spec = Spec("variants = [\"prune:0.5:unstructured\"]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto plan = PlanStudy(*spec, dir_ / "cache");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->models.size(), 2u);
  const PlannedModel& derived = plan->models[1];
  ASSERT_TRUE(derived.variant_failure.ok()) << derived.variant_failure.ToString();
  EXPECT_EQ(derived.name, "good/prune:0.5:unstructured");
  EXPECT_EQ(derived.parent, std::optional<std::size_t>(0));
  EXPECT_EQ(derived.variant, "prune:0.5:unstructured");
  EXPECT_EQ(derived.lineage.transform, "prune");
  EXPECT_EQ(derived.lineage.parent_sha256, plan->models[0].info.sha256);
  EXPECT_NE(derived.info.sha256, plan->models[0].info.sha256);
  EXPECT_EQ(derived.path.parent_path().parent_path(), dir_ / "cache" / "variants");
  EXPECT_TRUE(plan->holdout.empty());  // nothing calibrates
  EXPECT_TRUE(plan->calibration.empty());
  ASSERT_EQ(plan->measurements.size(), 4u);
  EXPECT_EQ(plan->measurements[2].Label(*plan), "accuracy of good/prune:0.5:unstructured");
  EXPECT_EQ(plan->measurements[2].eval.model_path, derived.path.string());
  EXPECT_THAT(plan->measurements[2].settings_key, HasSubstr("\"variant\":\"prune:0.5:unstructured\""));
  EXPECT_THAT(plan->measurements[0].settings_key, HasSubstr("\"variant\":\"identity\""));
  // Planned again, the variant comes from the cache: the same file.
  auto again = PlanStudy(*spec, dir_ / "cache");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->models[1].path, derived.path);
  EXPECT_EQ(again->models[1].info.sha256, derived.info.sha256);
}

TEST_F(VariantsPlanTest, EveryUncalibratedTransformMakesALoadableVariant) {
  auto spec = Spec("variants = [\"int8-dynamic\", \"resize:4\", \"prune:0.5:structured\", \"fp16\"]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto plan = PlanStudy(*spec, dir_ / "cache");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->models.size(), 5u);
  for (std::size_t i = 1; i < 4; ++i) {
    const PlannedModel& m = plan->models[i];
    EXPECT_TRUE(m.variant_failure.ok()) << m.name << ": " << m.variant_failure.ToString();
    EXPECT_TRUE(m.inspect_failure.ok()) << m.name << ": " << m.inspect_failure.ToString();
    EXPECT_FALSE(m.notes.empty()) << m.name;
    EXPECT_TRUE(m.diagnosis.has_value()) << m.name;
  }
  EXPECT_TRUE(plan->models[0].diagnosis.has_value());  // the parent's, to explain a slower variant
  // ONNX Runtime's CPU provider may have no float16 kernel for any node: then
  // every node stays float32 and the failure says why in one short line; the
  // notes (the report's variant block) say what was kept.
  const PlannedModel& fp16 = plan->models[4];
  if (!fp16.variant_failure.ok()) {
    EXPECT_THAT(fp16.variant_failure.message(), ::testing::StartsWith("fp16 of '"));
    EXPECT_THAT(fp16.variant_failure.message(),
                HasSubstr("': no node would compute in float16 under execution provider cpu ("));
    EXPECT_THAT(fp16.variant_failure.message(), HasSubstr(" Conv"));
    EXPECT_THAT(fp16.variant_failure.message(),
                ::testing::EndsWith("); fp16 pays off with a provider that has float16 kernels (e.g. cuda)"));
    EXPECT_EQ(fp16.variant_failure.message().find('\n'), std::string::npos);
    EXPECT_THAT(::testing::PrintToString(fp16.notes), HasSubstr("kept float32: "));
  }
  // The resized model's accuracy run feeds it 4x4 images, after the model's own preprocessing.
  const PlannedModel& resized = plan->models[2];
  EXPECT_EQ(resized.name, "good/resize:4");
  const PlannedMeasurement& accuracy = plan->measurements[2 * 2];
  ASSERT_EQ(accuracy.model, 2u);
  ASSERT_FALSE(accuracy.eval.layers.empty());
  EXPECT_EQ(accuracy.eval.layers.back().toml, "width = 4\nheight = 4\n");
  EXPECT_THAT(accuracy.settings_key, HasSubstr("\"variant_preprocess\""));
  EXPECT_LT(resized.info.macs, plan->models[0].info.macs);
  // Each file carries the preprocessing it is measured with, resolved (the
  // resized one's with its own size), so it evaluates alone.
  const auto metadata = [](const PlannedModel& m) {
    auto model = LoadOnnxModel(m.path);
    std::string value;
    if (!model.ok()) return value;
    for (const auto& prop : model->metadata_props()) {
      if (prop.key() == "sweetspot.preprocess") value = prop.value();
    }
    return value;
  };
  EXPECT_THAT(metadata(resized), HasSubstr("width = 4\nheight = 4\n"));
  EXPECT_THAT(metadata(plan->models[1]), HasSubstr("width = 8\nheight = 8\n"));
  EXPECT_THAT(metadata(plan->models[1]), HasSubstr("dtype = \"float32\""));
}

TEST_F(VariantsPlanTest, TheCalibrationSplitIsHeldOutOfEveryAccuracyRun) {
  auto spec = Spec("variants = [\"int8-static\"]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto plan = PlanStudy(*spec, dir_ / "cache");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->models.size(), 2u);
  EXPECT_TRUE(plan->models[1].variant_failure.ok()) << plan->models[1].variant_failure.ToString();
  EXPECT_EQ(plan->models[1].lineage.calibration_sha256.size(), 64u);
  EXPECT_THAT(plan->models[1].lineage.parameters_json, HasSubstr("\"calibration\":\""));
  ASSERT_EQ(plan->holdout.size(), 1u);  // 10 % of 9 images, at least one
  EXPECT_EQ(plan->calibration_samples, 1u);
  EXPECT_THAT(plan->calibration, HasSubstr("1 samples held out of image folder"));
  for (const PlannedMeasurement& m : plan->measurements) {
    if (m.kind != MeasurementKind::kAccuracy) continue;
    EXPECT_EQ(m.eval.exclude_indices, plan->holdout) << m.Label(*plan);
    EXPECT_THAT(m.settings_key, HasSubstr("\"calibration_holdout\":{\"samples\":1,\"seed\":0}"));
  }
}

TEST_F(VariantsPlanTest, ACalibrationSetTooSmallIsAnErrorNamingTheKey) {
  auto all = Spec("variants = [\"int8-static\"]\n", "calibration_samples = 9\n");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  auto plan = PlanStudy(*all, dir_ / "cache");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("[dataset] calibration_samples: holding 9 samples out of the 9"));
  fs::copy(dir_ / "images", dir_ / "train", fs::copy_options::recursive);
  auto other = Spec("variants = [\"int8-static\"]\n", "calibration = \"train\"\ncalibration_samples = 20\n");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  plan = PlanStudy(*other, dir_ / "cache");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("asks for 20 samples but"));
  EXPECT_THAT(plan.status().message(), HasSubstr("has 9; ask for at most 9"));
  // The fix: at most 9 from another set, none held out.
  auto fixed = Spec("variants = [\"int8-static\"]\n", "calibration = \"train\"\ncalibration_samples = 9\n");
  ASSERT_TRUE(fixed.ok());
  plan = PlanStudy(*fixed, dir_ / "cache");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->holdout.empty());
  EXPECT_EQ(plan->calibration_samples, 9u);
}

}  // namespace
}  // namespace sweetspot
