// Presets and the image sizes each family accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweetspot/train_family.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TrainFamily, PresetsGrowFromNanoToLarge) {
  for (const ModelFamily family : {ModelFamily::kCnn, ModelFamily::kResnet}) {
    int previous_cost = 0;
    for (const std::string& name : PresetNames()) {
      auto arch = PresetArch(family, name);
      ASSERT_TRUE(arch.ok()) << arch.status().ToString();
      EXPECT_EQ(arch->preset, name);
      // Width times depth orders the presets by cost within a family.
      const int cost = arch->width * arch->width * arch->depth;
      EXPECT_GT(cost, previous_cost) << ModelFamilyName(family) << " " << name;
      previous_cost = cost;
    }
  }
}

TEST(TrainFamily, UnknownPresetListsTheKnownOnes) {
  auto arch = PresetArch(ModelFamily::kResnet, "huge");
  ASSERT_FALSE(arch.ok());
  EXPECT_EQ(arch.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(arch.status().message(), HasSubstr("nano, small, medium or large"));
}

TEST(TrainFamily, ParsesFamilyNames) {
  EXPECT_EQ(*ParseModelFamily("cnn"), ModelFamily::kCnn);
  EXPECT_EQ(*ParseModelFamily("resnet"), ModelFamily::kResnet);
  EXPECT_THAT(ParseModelFamily("vit").status().message(), HasSubstr("use cnn or resnet"));
}

TEST(TrainFamily, AcceptsSizesThatHalveTwice) {
  ArchSpec arch;
  for (const int side : {8, 28, 32, 224}) {
    arch.image_width = arch.image_height = side;
    EXPECT_TRUE(arch.Validate().ok()) << side;
  }
  arch.image_width = 32;
  arch.image_height = 24;
  EXPECT_TRUE(arch.Validate().ok());
}

TEST(TrainFamily, RejectsSizesTheArchitectureCannotTake) {
  ArchSpec arch;
  arch.image_width = arch.image_height = 30;
  Status status = arch.Validate();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("multiples of 4"));
  // The fix is the size field; train names it --size.
  EXPECT_THAT(status.fixes(), ElementsAre(FieldFix{"size", "", {"32", "32"}}));
  EXPECT_THAT(status.message(), Not(HasSubstr("--")));
  arch.image_width = arch.image_height = 4;
  EXPECT_THAT(arch.Validate().fixes(), ElementsAre(FieldFix{"size", "", {"8", "8"}}));
}

TEST(TrainFamily, RejectsOneClassAndOddChannels) {
  ArchSpec arch;
  arch.classes = 1;
  EXPECT_THAT(arch.Validate().message(), HasSubstr("at least 2"));
  arch.classes = 10;
  arch.channels = 2;
  EXPECT_THAT(arch.Validate().message(), HasSubstr("1 (gray) or 3 (RGB)"));
}

TEST(TrainFamily, CnnHasNoDepthKnob) {
  ArchSpec arch;
  arch.family = ModelFamily::kCnn;
  arch.depth = 2;
  const Status status = arch.Validate();
  EXPECT_THAT(status.message(), HasSubstr("depth: the cnn family"));
  EXPECT_THAT(status.fixes(), ElementsAre(FieldFix{"family", "", {"resnet"}}));
}

}  // namespace
}  // namespace sweetspot
