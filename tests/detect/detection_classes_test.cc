#include "sweetspot/detection_classes.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kVoc20 = {
    "aeroplane",   "bicycle", "bird",  "boat",      "bottle", "bus",         "car",   "cat",  "chair", "cow",
    "diningtable", "dog",     "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"};

TEST(Coco80ClassNames, EightyInTheModelsOutputOrder) {
  const auto& names = Coco80ClassNames();
  ASSERT_EQ(names.size(), 80u);
  EXPECT_EQ(names[0], "person");
  EXPECT_EQ(names[4], "airplane");
  EXPECT_EQ(names[62], "tv");
  EXPECT_EQ(names[79], "toothbrush");
}

TEST(LoadClassList, Coco80OrAFileOfNames) {
  auto coco = LoadClassList("coco80");
  ASSERT_TRUE(coco.ok()) << coco.status().ToString();
  EXPECT_EQ(*coco, Coco80ClassNames());

  testing::TempDir dir;
  // A byte-order mark, CRLF line ends, padding and a trailing blank line.
  testing::WriteFile(dir / "names.txt", "\xEF\xBB\xBF cat \r\ndog\r\n\r\nhot dog\r\n\r\n");
  auto file = LoadClassList((dir / "names.txt").string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_THAT(*file, ElementsAre("cat", "dog", "hot dog"));
}

// Each error names what is wrong; the fix it proposes (coco80 or a file of
// names) works.
TEST(LoadClassList, BadValuesNameTheFileAndTheFixWorks) {
  testing::TempDir dir;
  auto missing = LoadClassList((dir / "absent.txt").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().ToString(), HasSubstr("absent.txt"));
  EXPECT_THAT(missing.status().ToString(), HasSubstr("coco80 or a file with one name per line"));

  testing::WriteFile(dir / "blank.txt", "\n  \n");
  auto blank = LoadClassList((dir / "blank.txt").string());
  ASSERT_FALSE(blank.ok());
  EXPECT_THAT(blank.status().message(), HasSubstr("blank.txt lists no class (one name per line)"));

  auto empty = LoadClassList("");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("give coco80 or a file with one name per line"));

  testing::WriteFile(dir / "blank.txt", "person\n");
  EXPECT_TRUE(LoadClassList((dir / "blank.txt").string()).ok());
  EXPECT_TRUE(LoadClassList("coco80").ok());
}

// COCO-80 model on the 20 VOC classes: every VOC class is found, six of them
// through the aliases; the other 60 COCO classes are not scored.
TEST(MapDetectionClasses, CocoModelOnVocDatasetUsesTheAliases) {
  auto mapping = MapDetectionClasses(Coco80ClassNames(), kVoc20);
  ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
  ASSERT_EQ(mapping->size(), 80u);
  const auto& coco = Coco80ClassNames();
  const auto at = [&](const std::string& name) {
    return (*mapping)[static_cast<std::size_t>(std::find(coco.begin(), coco.end(), name) - coco.begin())];
  };
  EXPECT_EQ(at("person"), 14);
  EXPECT_EQ(at("airplane"), 0);
  EXPECT_EQ(at("motorcycle"), 13);
  EXPECT_EQ(at("couch"), 17);
  EXPECT_EQ(at("tv"), 19);
  EXPECT_EQ(at("dining table"), 10);
  EXPECT_EQ(at("potted plant"), 15);
  EXPECT_EQ(at("toothbrush"), -1);
  int scored = 0;
  std::vector<bool> found(kVoc20.size(), false);
  for (int m : *mapping) {
    if (m < 0) continue;
    ++scored;
    found[static_cast<std::size_t>(m)] = true;
  }
  EXPECT_EQ(scored, 20);
  EXPECT_EQ(std::count(found.begin(), found.end(), true), 20);
}

// Case does not matter, and aliases work from either side (a VOC-named model
// on a COCO-named dataset).
TEST(MapDetectionClasses, IgnoresCaseAndAliasesEitherWay) {
  const std::vector<std::string> model = {"Aeroplane", "TVMonitor", "unicorn"};
  const std::vector<std::string> dataset = {"tv", "airplane"};
  auto mapping = MapDetectionClasses(model, dataset);
  ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
  EXPECT_THAT(*mapping, ElementsAre(1, 0, -1));
}

// No shared name: the model's list is not the one its outputs follow. The
// error names both lists' first names; giving the model's real list (the
// fix) maps.
TEST(MapDetectionClasses, NoSharedClassNamesBothListsAndTheFixWorks) {
  const std::vector<std::string> indices = {"0", "1", "2", "3"};
  const std::vector<std::string> dataset = {"cat", "dog"};
  auto none = MapDetectionClasses(indices, dataset);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(none.status().message(),
              HasSubstr("the model's classes '0', '1', '2', ... (4 in all) share no name with the dataset's classes "
                        "'cat', 'dog' (2 in all)"));
  EXPECT_THAT(none.status().fixes(), ElementsAre(FieldFix{"model_classes", "", {"FILE"}}));
  const std::vector<std::string> real = {"dog", "bird", "cat"};
  auto fixed = MapDetectionClasses(real, dataset);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_THAT(*fixed, ElementsAre(1, -1, 0));
}

}  // namespace
}  // namespace sweetspot
