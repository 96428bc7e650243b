// The report snapshot's detection entries (src/report/detection_section.*):
// which boxes are correct, the per-image F1, the example images chosen where
// the two detectors disagree most, the stored PR points and boxes, and a
// golden of the whole entry, from a hand-made section (detection_fixture.h).
#include "detection_section.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "detection_fixture.h"
#include "support/support.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using nlohmann::json;
using testing::TempDir;

std::vector<std::string> Names(const std::vector<BoxOutcome>& outcomes) {
  std::vector<std::string> out;
  for (const BoxOutcome o : outcomes) out.emplace_back(BoxOutcomeName(o));
  return out;
}

TEST(DetectionSectionTest, BoxesAreMatchedGreedilyByScoreWithinTheirClass) {
  const DetectionReportSection s = testing::HandMadeDetectionSection("/nowhere", false);
  const DisplayMatching coco = DisplayMatching::ForProtocol("coco");
  // Image a, fast: the cat; a dog where there is none; the dog (below 0.3); the cat again (already taken).
  EXPECT_EQ(Names(MatchForDisplay(s.images[0], s.candidates[0].detections[0], coco)),
            (std::vector<std::string>{"correct", "false-positive", "correct", "false-positive"}));
  // Image b, accurate: the cat; the dog is difficult: ignored, neither right nor wrong.
  EXPECT_EQ(Names(MatchForDisplay(s.images[1], s.candidates[2].detections[1], coco)),
            (std::vector<std::string>{"correct", "ignored"}));
  // A lower-scored duplicate listed first still loses the box to the better one.
  const std::vector<Detection> swapped = {s.candidates[0].detections[0][3], s.candidates[0].detections[0][0]};
  EXPECT_EQ(Names(MatchForDisplay(s.images[0], swapped, coco)),
            (std::vector<std::string>{"false-positive", "correct"}));
}

TEST(DetectionSectionTest, VocMatchingCountsInclusivePixels) {
  DetectionImage image{"x", "x.png", 20, 20, {}};
  GroundTruthBox truth;
  truth.box = {0, 0, 9, 9};
  image.objects = {truth};
  // IoU 81 / 166.5 = 0.486 with continuous pixels, 100 / 195 = 0.513 with the devkit's +1.
  const std::vector<Detection> found = {{{0, 0, 9, 18.5}, 0, 0.9F}};
  EXPECT_EQ(MatchForDisplay(image, found, DisplayMatching::ForProtocol("coco"))[0], BoxOutcome::kFalsePositive);
  EXPECT_EQ(MatchForDisplay(image, found, DisplayMatching::ForProtocol("voc"))[0], BoxOutcome::kCorrect);
}

TEST(DetectionSectionTest, ImageF1CountsBoxesAtTheScoreAndLeavesDifficultOut) {
  const DetectionReportSection s = testing::HandMadeDetectionSection("/nowhere", false);
  const auto f1 = [&](std::size_t candidate, std::size_t image, double score) {
    const auto& found = s.candidates[candidate].detections[image];
    return ImageF1(s.images[image], found, MatchForDisplay(s.images[image], found, DisplayMatching{}), score);
  };
  EXPECT_DOUBLE_EQ(f1(0, 0, 0.3), 0.5);        // 1 right, 1 wrong, 1 missed
  EXPECT_DOUBLE_EQ(f1(0, 0, 0.1), 0.8);        // the dog at 0.2 counts: 2 right, 1 wrong
  EXPECT_DOUBLE_EQ(f1(0, 1, 0.3), 0.0);        // the cat missed; the difficult dog is not to find
  EXPECT_DOUBLE_EQ(f1(2, 1, 0.3), 1.0);        // the box on the difficult dog is ignored
  EXPECT_DOUBLE_EQ(f1(2, 2, 0.3), 1.0);        // nothing to find, nothing found
  EXPECT_DOUBLE_EQ(f1(0, 2, 0.3), 0.0);        // a box on an empty image
  EXPECT_DOUBLE_EQ(f1(2, 3, 0.3), 2.0 / 3.0);  // the dog, and a cat that is not there
}

TEST(DetectionSectionTest, ExamplesAreWhereTheTwoDisagreeMost) {
  DetectionReportSection s = testing::HandMadeDetectionSection("/nowhere", false);
  // F1 gaps: a 0.5, b 1, c 1, d 1/3; b before c (more ground truth).
  EXPECT_EQ(DisagreementExamples(s, 6), (std::vector<std::size_t>{1, 2, 0, 3}));
  EXPECT_EQ(DisagreementExamples(s, 2), (std::vector<std::size_t>{1, 2}));
  // The middle candidate kept no boxes: it cannot be shown.
  s.accurate = 1;
  EXPECT_TRUE(DisagreementExamples(s, 6).empty());
}

TEST(DetectionSectionTest, JsonHoldsTheCurvesAndTheShownBoxesWithThumbnails) {
  TempDir dir;
  const DetectionReportSection s = testing::HandMadeDetectionSection(dir.path(), true);
  const json doc = DetectionSectionJson(s);
  ASSERT_EQ(doc["candidates"].size(), 3U);
  // nano's cat: precision 1 - 0.9 r^2 up to recall 0.7, then 0 (left out).
  const json& pr = doc["candidates"][0]["per_class"][0]["pr50"];
  ASSERT_EQ(pr.size(), 71U);
  EXPECT_EQ(pr[0], 1.0);
  EXPECT_DOUBLE_EQ(pr[50].get<double>(), 0.775);  // 1 - 0.9 * 0.25
  EXPECT_DOUBLE_EQ(pr[70].get<double>(), 0.559);  // 1 - 0.9 * 0.49
  EXPECT_FALSE(doc["candidates"][1]["boxes_kept"].get<bool>());
  EXPECT_TRUE(doc["candidates"][0]["ap_small"].is_null());  // -1: no such area
  EXPECT_EQ(doc["candidates"][2]["map50_ci95"].size(), 2U);

  ASSERT_EQ(doc["examples"].size(), 4U);
  EXPECT_EQ(doc["examples"][0]["id"], "b.png");
  const json& a = doc["examples"][2];
  EXPECT_EQ(a["id"], "a.png");
  EXPECT_EQ(a["f1"], json({0.5, 1.0}));
  EXPECT_EQ(a["truth"].size(), 2U);
  // fast's boxes on a from 0.05 up, best first: the cat at 0.01 is not stored.
  ASSERT_EQ(a["boxes"][0].size(), 3U);
  EXPECT_EQ(a["boxes"][0][0], json::parse(R"({"box": [22.0, 32.0, 120.0, 150.0], "class": 0, "score": 0.9,
                                              "outcome": "correct"})"));
  EXPECT_EQ(a["boxes"][0][1]["outcome"], "false-positive");
  EXPECT_EQ(a["boxes"][0][2]["score"], 0.2);
  EXPECT_EQ(doc["examples"][0]["boxes"][1][1]["outcome"], "ignored");
  EXPECT_TRUE(a["thumbnail"].get<std::string>().starts_with("data:image/jpeg;base64,"));
  EXPECT_TRUE(doc["notes"].empty());
}

TEST(DetectionSectionTest, AnUnreadableImageHasNoThumbnailAndANote) {
  const DetectionReportSection s = testing::HandMadeDetectionSection("/nowhere", false);
  DetectionSectionOptions options;
  options.examples = 1;
  const json doc = DetectionSectionJson(s, options);
  ASSERT_EQ(doc["examples"].size(), 1U);
  EXPECT_TRUE(doc["examples"][0]["thumbnail"].is_null());
  EXPECT_EQ(doc["examples"][0]["boxes"][1].size(), 2U);  // still drawn, on grey
  ASSERT_EQ(doc["notes"].size(), 1U);
  EXPECT_EQ(doc["notes"][0], "no picture of example b.png: image /nowhere/b.png does not exist");
  // A file that is no image.
  TempDir dir;
  DetectionReportSection broken = testing::HandMadeDetectionSection(dir.path(), false);
  testing::WriteFile(dir / "b.png", "not a PNG");
  EXPECT_EQ(DetectionSectionJson(broken, options)["notes"][0],
            "no picture of example b.png: image " + (dir / "b.png").string() +
                " cannot be decoded (corrupt, or not JPEG/PNG/BMP/WebP/TIFF/PNM); replace or remove it");
}

TEST(DetectionSectionTest, Golden) {
  const json doc = DetectionSectionJson(testing::HandMadeDetectionSection("/nowhere", false));
  testing::ExpectMatchesGolden(DumpJson(doc, 1) + "\n", "report/golden/detection-section.json");
}

}  // namespace
}  // namespace sweetspot
