// Detection metrics against values computed by hand (each test's comment
// shows the computation). COCO precision is tp / (tp + fp + eps) as in
// pycocotools, so "1" is 1 - 2e-16: comparisons use kTolerance.
#include "sweetspot/detection_metrics.h"

#include <gtest/gtest.h>

#include "detection_ap.h"
#include "detection_matching.h"

#include <nlohmann/json.hpp>
#include <random>

namespace sweetspot {
namespace {

constexpr double kTolerance = 1e-12;

GroundTruthBox Truth(int class_id, double x1, double y1, double x2, double y2, bool crowd = false,
                     bool difficult = false) {
  GroundTruthBox truth{{x1, y1, x2, y2}, class_id, crowd, difficult, 0.0};
  truth.area = truth.box.area();
  return truth;
}

Detection Det(int class_id, double x1, double y1, double x2, double y2, float score) {
  return {{x1, y1, x2, y2}, class_id, score};
}

DetectionImage Image(std::vector<GroundTruthBox> objects) {
  DetectionImage image;
  image.width = 640;
  image.height = 480;
  image.objects = std::move(objects);
  return image;
}

const std::vector<std::string> kOneClass = {"cat"};
const std::vector<std::string> kThreeClasses = {"cat", "dog", "bird"};

DetectionMetricOptions Coco() {
  DetectionMetricOptions options = DetectionMetricOptions::Coco();
  options.bootstrap_replicates = 0;
  return options;
}

DetectionMetricOptions Voc() {
  DetectionMetricOptions options = DetectionMetricOptions::Voc();
  options.bootstrap_replicates = 0;
  return options;
}

DetectionMetrics Evaluate(const std::vector<DetectionImage>& truth, const std::vector<std::vector<Detection>>& dets,
                          const DetectionMetricOptions& options, const std::vector<std::string>& names = kOneClass) {
  return EvaluateDetections(truth, dets, names, options);
}

// Every box found exactly, nothing else: AP 1 at every threshold, recall 1.
TEST(DetectionMetricsTest, PerfectDetectorScoresOne) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 100, 100), Truth(1, 200, 200, 300, 300)}),
                                             Image({Truth(0, 10, 10, 120, 110)})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 0, 0, 100, 100, 0.9F), Det(1, 200, 200, 300, 300, 0.8F)},
                                                    {Det(0, 10, 10, 120, 110, 0.7F)}};
  const std::vector<std::string> names = {"cat", "dog"};
  for (const DetectionMetricOptions& options : {Coco(), Voc()}) {
    const DetectionMetrics m = Evaluate(truth, dets, options, names);
    EXPECT_NEAR(m.map50_95, 1.0, kTolerance) << m.protocol;
    EXPECT_NEAR(m.map50, 1.0, kTolerance);
    EXPECT_NEAR(m.map75, 1.0, kTolerance);
    EXPECT_NEAR(m.ar100, 1.0, kTolerance);
    EXPECT_EQ(m.ground_truth, 3);
    EXPECT_EQ(m.detections, 3);
    EXPECT_EQ(m.images, 2);
  }
  const DetectionMetrics coco = Evaluate(truth, dets, Coco(), names);
  EXPECT_EQ(coco.protocol, "coco");
  EXPECT_NEAR(coco.ap_large, 1.0, kTolerance);  // areas 10000, 10000, 11000 >= 96^2
  EXPECT_EQ(coco.ap_small, -1.0);               // no small or medium object
  EXPECT_EQ(coco.ap_medium, -1.0);
  EXPECT_EQ(Evaluate(truth, dets, Voc(), names).protocol, "voc");
}

// One GT; a false positive (0.9) ranked above the true positive (0.8):
// at the TP tp = 1, fp = 1, precision 1/2, recall 1. The envelope is 1/2 at
// all 101 recall points: AP = 1/2 (COCO) and 1 * 1/2 (VOC all-point). With the
// FP ranked below, the TP has precision 1 and the FP adds no recall: AP = 1.
TEST(DetectionMetricsTest, FalsePositiveAboveTruePositiveHalvesAp) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 100, 100)})};
  const std::vector<std::vector<Detection>> above = {{Det(0, 200, 200, 300, 300, 0.9F), Det(0, 0, 0, 100, 100, 0.8F)}};
  const std::vector<std::vector<Detection>> below = {{Det(0, 200, 200, 300, 300, 0.7F), Det(0, 0, 0, 100, 100, 0.8F)}};
  EXPECT_NEAR(Evaluate(truth, above, Coco()).map50_95, 0.5, kTolerance);
  EXPECT_NEAR(Evaluate(truth, above, Voc()).map50, 0.5, kTolerance);
  EXPECT_NEAR(Evaluate(truth, below, Coco()).map50_95, 1.0, kTolerance);
  EXPECT_NEAR(Evaluate(truth, below, Voc()).map50, 1.0, kTolerance);
}

// Two GT, one found (precision 1, recall 1/2). COCO: recall points 0..0.50
// (51 of 101) get precision 1, the rest 0: AP = 51/101. VOC: 1/2 * 1 = 1/2.
// ar100 = 1/2.
TEST(DetectionMetricsTest, MissedGroundTruthCapsRecall) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 100, 100), Truth(0, 200, 0, 300, 100)})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 0, 0, 100, 100, 0.9F)}};
  const DetectionMetrics coco = Evaluate(truth, dets, Coco());
  EXPECT_NEAR(coco.map50_95, 51.0 / 101.0, kTolerance);
  EXPECT_NEAR(coco.ar100, 0.5, kTolerance);
  ASSERT_EQ(coco.per_class.size(), 1U);
  ASSERT_EQ(coco.per_class[0].pr50.size(), 101U);
  EXPECT_NEAR(coco.per_class[0].pr50[50].precision, 1.0, kTolerance);  // recall 0.50 reached
  EXPECT_EQ(coco.per_class[0].pr50[51].precision, 0.0);                // recall 0.51 never reached
  EXPECT_NEAR(Evaluate(truth, dets, Voc()).map50, 0.5, kTolerance);
}

// Two images, one GT [0,0,100,100] each. Image A's detection (0.9) is
// [0,0,100,62]: IoU 0.62, TP at t = .50 .55 .60; image B's (0.8) is
// [0,0,100,81]: IoU 0.81, TP at t = .50 ... .80.
//   t = .50-.60 (3): TP, TP -> AP 1.
//   t = .65-.80 (4): FP (A, 0.9) then TP (B): precision 1/2 at recall 1/2
//                    -> 51 points * 1/2 / 101 = 25.5/101.
//   t = .85-.95 (3): no TP -> 0.
// mAP@[.5:.95] = (3 + 4 * 25.5/101) / 10 = 405/1010; mAP@.5 = 1;
// mAP@.75 = 25.5/101; ar100 = (3 * 1 + 4 * 1/2 + 3 * 0) / 10 = 0.5.
TEST(DetectionMetricsTest, LooseBoxesPassHalfButFailThreeQuarters) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 100, 100)}), Image({Truth(0, 0, 0, 100, 100)})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 0, 0, 100, 62, 0.9F)}, {Det(0, 0, 0, 100, 81, 0.8F)}};
  const DetectionMetrics m = Evaluate(truth, dets, Coco());
  EXPECT_NEAR(m.map50_95, 405.0 / 1010.0, kTolerance);
  EXPECT_NEAR(m.map50, 1.0, kTolerance);
  EXPECT_NEAR(m.map75, 25.5 / 101.0, kTolerance);
  EXPECT_NEAR(m.ar100, 0.5, kTolerance);
}

// A crowd region [200,0,400,200] and a regular GT. Two detections inside the
// crowd (0.95 and 0.85; plain IoU with it 0.16, but pycocotools' crowd IoU =
// intersection / detection area = 1) are matched to it and ignored, both of
// them (a crowd box matches any number). Left: one TP, AP 1. Were they false
// positives, the 0.95 one would halve the AP. The crowd box is not counted.
TEST(DetectionMetricsTest, DetectionsOnCrowdAreIgnored) {
  const std::vector<DetectionImage> truth = {
      Image({Truth(0, 0, 0, 100, 100), Truth(0, 200, 0, 400, 200, /*crowd=*/true)})};
  const std::vector<std::vector<Detection>> dets = {
      {Det(0, 220, 20, 300, 100, 0.95F), Det(0, 0, 0, 100, 100, 0.9F), Det(0, 300, 100, 380, 180, 0.85F)}};
  const DetectionMetrics m = Evaluate(truth, dets, Coco());
  EXPECT_NEAR(m.map50_95, 1.0, kTolerance);
  EXPECT_EQ(m.ground_truth, 1);
  EXPECT_EQ(m.per_class[0].ground_truth, 1);
}

// max_detections cuts per image AND class (pycocotools evaluateImg). Class 0
// has FP 0.9, FP 0.8, TP 0.7. Cut 2: the TP is dropped, AP 0. Cut 3: TP at
// tp 1, fp 2, precision 1/3 at recall 1: AP 1/3. Three class-1 detections
// scored higher do not push class 0's TP out of the cut of 3.
TEST(DetectionMetricsTest, MaxDetectionsCutsPerImageAndClass) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 100, 100)})};
  const std::vector<std::vector<Detection>> dets = {
      {Det(0, 200, 0, 300, 100, 0.9F), Det(0, 300, 0, 400, 100, 0.8F), Det(0, 0, 0, 100, 100, 0.7F),
       Det(1, 0, 200, 50, 250, 0.99F), Det(1, 50, 200, 100, 250, 0.98F), Det(1, 100, 200, 150, 250, 0.97F)}};
  const std::vector<std::string> names = {"cat", "dog"};
  DetectionMetricOptions options = Coco();
  options.max_detections = 2;
  const DetectionMetrics cut = Evaluate(truth, dets, options, names);
  EXPECT_EQ(cut.map50_95, 0.0);
  EXPECT_EQ(cut.ar100, 0.0);
  EXPECT_EQ(cut.per_class[1].ap50_95, -1.0);  // dog: no ground truth, left out
  options.max_detections = 3;
  EXPECT_NEAR(Evaluate(truth, dets, options, names).map50_95, 1.0 / 3.0, kTolerance);
}

// Small GT [0,0,20,20] (area 400 <= 32^2) found exactly (0.9); large GT
// [100,100,300,300] (40000) missed; an FP [400,0,600,200] (area 40000, 0.8).
//   small: the large GT is out of range (ignored); the FP is unmatched and
//          out of range -> ignored. TP only: AP 1.
//   medium: no GT -> -1.
//   large: the small detection matches the (ignored) small GT -> ignored;
//          the FP counts; no TP: AP 0.
//   all: TP (0.9) then FP: recall 1/2 at precision 1 -> 51/101.
TEST(DetectionMetricsTest, AreaRangesSplitSmallAndLarge) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 20, 20), Truth(0, 100, 100, 300, 300)})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 0, 0, 20, 20, 0.9F), Det(0, 400, 0, 600, 200, 0.8F)}};
  const DetectionMetrics m = Evaluate(truth, dets, Coco());
  EXPECT_NEAR(m.ap_small, 1.0, kTolerance);
  EXPECT_EQ(m.ap_medium, -1.0);
  EXPECT_EQ(m.ap_large, 0.0);
  EXPECT_NEAR(m.map50_95, 51.0 / 101.0, kTolerance);
}

// VOC: GT A [0,0,100,100], B [200,0,300,100] difficult, C [400,0,500,100].
// Detections in score order: on B (0.9) -> ignored; on A (0.8) -> TP
// (tp 1, fp 0, recall 1/2, precision 1); on A again (0.75) -> the GT is
// matched already: FP; on C (0.7) -> TP (tp 2, fp 1, recall 1, precision 2/3).
// All-point AP = 1/2 * 1 + 1/2 * 2/3 = 5/6. Counting the detection on B as an
// FP would give 1/2 * 1/2 + 1/2 * 2/4 = 1/2. Two boxes to find.
TEST(DetectionMetricsTest, VocIgnoresDifficultAndCountsDuplicatesAsFalse) {
  const std::vector<DetectionImage> truth = {Image(
      {Truth(0, 0, 0, 100, 100), Truth(0, 200, 0, 300, 100, false, /*difficult=*/true), Truth(0, 400, 0, 500, 100)})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 200, 0, 300, 100, 0.9F), Det(0, 0, 0, 100, 100, 0.8F),
                                                     Det(0, 0, 0, 100, 100, 0.75F), Det(0, 400, 0, 500, 100, 0.7F)}};
  const DetectionMetrics m = Evaluate(truth, dets, Voc());
  EXPECT_NEAR(m.map50, 5.0 / 6.0, kTolerance);
  EXPECT_EQ(m.ground_truth, 2);
  EXPECT_EQ(m.per_class[0].ground_truth, 2);
}

// VOC's +1 and strict >: GT [0,0,9,9] (10 x 10 pixels inclusive) and the
// detection [0,0,9,4] (10 x 5): IoU 50/100 = 0.5 exactly, not > 0.5: FP, AP 0.
// Without +1 the IoU is 36/81 = 0.44; with IoU >= t and +1 it passes: AP 1.
TEST(DetectionMetricsTest, VocInclusivePixelsAndStrictThreshold) {
  const std::vector<DetectionImage> truth = {Image({Truth(0, 0, 0, 9, 9)})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 0, 0, 9, 4, 0.9F)}};
  EXPECT_EQ(Evaluate(truth, dets, Voc()).map50, 0.0);
  DetectionMetricOptions not_strict = Voc();
  not_strict.iou_strictly_greater = false;
  EXPECT_NEAR(Evaluate(truth, dets, not_strict).map50, 1.0, kTolerance);
}

// Three GT, detections TP (0.9), FP (0.8), TP (0.7): TP steps at recall 1/3
// (precision 1) and 2/3 (precision 2/3); the envelope is 1 then 2/3.
//   all-point: 1/3 * 1 + 1/3 * 2/3 = 5/9 = 0.5556.
//   101-point: recall points 0..0.33 (34) at 1, 0.34..0.66 (33) at 2/3,
//              0.67..1 at 0: (34 + 22) / 101 = 56/101 = 0.5545.
TEST(DetectionMetricsTest, HundredOnePointAndAllPointDiffer) {
  const std::vector<DetectionImage> truth = {
      Image({Truth(0, 0, 0, 100, 100), Truth(0, 200, 0, 300, 100), Truth(0, 400, 0, 500, 100)})};
  const std::vector<std::vector<Detection>> dets = {
      {Det(0, 0, 0, 100, 100, 0.9F), Det(0, 0, 200, 100, 300, 0.8F), Det(0, 200, 0, 300, 100, 0.7F)}};
  DetectionMetricOptions coco = Coco(), all_point = Coco();
  all_point.interpolation = ApInterpolation::kVocAllPoint;
  EXPECT_NEAR(Evaluate(truth, dets, coco).map50, 56.0 / 101.0, kTolerance);
  EXPECT_NEAR(Evaluate(truth, dets, all_point).map50, 5.0 / 9.0, kTolerance);
}

// THE REFERENCE CASE (pycocotools semantics, COCOeval bbox defaults).
// pycocotools is not installable here (no Debian package; PyPI unreachable),
// so the values were computed by hand below and cross-checked with a plain
// Python transcription of cocoeval.py's evaluateImg + accumulate (same numbers).
// Classes cat (0), dog (1), bird (2, no ground truth: -1, left out).
// Image 0: g0 cat [10,10,110,110] (area 10000, large); g1 cat CROWD
//   [300,300,500,460]; g2 dog [200,20,240,60] (1600, medium).
//   d0 cat [10,10,110,102] .95  IoU(g0) .92   d1 cat [320,320,400,400] .9 in crowd
//   d2 cat [12,12,110,110] .6   IoU(g0) .9604  d3 dog [200,20,238,56] .8 IoU(g2) .855
// Image 1: g3 cat [0,0,20,20] (400, small); g4 dog [100,100,300,300] (40000,
//   large); g5 dog [400,100,460,160] (3600, medium).
//   d4 cat [0,0,19,18] .85 IoU(g3) .855   d5 dog [100,100,300,262] .7 IoU(g4) .81
//   d6 dog [410,110,470,170] .9 IoU(g5) 2500/4700 = .532   d7 bird [50,50,90,90] .5
// Image 2 (no GT): d8 dog [10,10,50,50] .75; d9 cat [100,100,400,400] .3.
// Thresholds t0..t9 = .50 .. .95. "n pts" = recall points reached.
// CAT, all areas (2 to find; d1 ignored on the crowd at every t):
//   d0 TP t0-t8, FP t9; d4 TP t0-t7, FP t8-9; d2 FP t0-t8 (g0 taken), TP t9
//   (g0 free: .9604 >= .95); d9 FP.
//   t0-t7: TP TP -> 1.  t8: TP(d0) then FPs -> recall 1/2: 51/101.
//   t9: FP FP TP(d2): precision 1/3 at recall 1/2: 51/3/101 = 17/101.
//   AP = (8 + 68/101) / 10 = 876/1010.  recall: (8 * 1 + 2 * 1/2) / 10 = 0.9.
// DOG, all areas (3 to find), order d6 .9, d3 .8, d8 .75, d5 .7:
//   t0: TP TP FP TP: envelope 1 to recall 2/3 (67 pts), .75 to 1 (34 pts):
//       (67 + 25.5)/101 = 92.5/101.
//   t1-t6: FP TP FP TP: precision 1/2 at 1/3 and 2/3: 67 pts * 1/2 = 33.5/101.
//   t7: FP TP FP FP: 1/2 at 1/3: 34 pts * 1/2 = 17/101.   t8-t9: 0.
//   AP = (92.5 + 6 * 33.5 + 17) / 1010 = 310.5/1010.
//   recall: (1 + 6 * 2/3 + 1/3) / 10 = 16/30.
// mAP@[.5:.95] = (876 + 310.5) / 2020 = 0.587376...; mAP@.5 = (1 + 92.5/101)/2
// = 193.5/202; mAP@.75 = (1 + 33.5/101)/2 = 134.5/202; ar100 = (0.9 + 16/30)/2.
// SMALL (<= 1024): cat: g3 only (g0 out of range, g1 crowd); d0, d2 match the
//   ignored g0 or are unmatched with area > 1024 -> ignored, d9 too; d4 TP
//   t0-t7, FP t8-9 (area 342 in range): AP 0.8. Dog: nothing small -> -1.
// MEDIUM: cat -1; dog: g2, g5 (g4 ignored). d6 TP at t0 (g5), unmatched FP
//   after (area 3600); d5 matches the ignored g4 t0-t6, then unmatched with
//   area 32400 -> ignored; d3 TP t0-t7; d8 FP. t0: TP TP FP -> 1; t1-t7: FP TP FP
//   -> 25.5/101; t8-9: 0. AP = (101 + 7 * 25.5)/1010 = 279.5/1010.
// LARGE: cat: g0. d0 (area 9200 < 9216!) TP t0-t8, unmatched at t9 and out of
//   range -> ignored; d2 (9604) FP t0-t8, TP t9 (no FP above it): AP 1.
//   Dog: g4. d6 matches the ignored g5 at t0, else unmatched out of range;
//   d3 matches the ignored g2 or is out of range; d8 out of range; d5 TP
//   t0-t6, FP t7-9: AP 0.7. ap_large = (1 + 0.7)/2 = 0.85.
TEST(DetectionMetricsTest, ReferenceCaseMatchesPycocotoolsSemantics) {
  const std::vector<DetectionImage> truth = {
      Image({Truth(0, 10, 10, 110, 110), Truth(0, 300, 300, 500, 460, /*crowd=*/true), Truth(1, 200, 20, 240, 60)}),
      Image({Truth(0, 0, 0, 20, 20), Truth(1, 100, 100, 300, 300), Truth(1, 400, 100, 460, 160)}), Image({})};
  const std::vector<std::vector<Detection>> dets = {{Det(0, 10, 10, 110, 102, 0.95F), Det(0, 320, 320, 400, 400, 0.9F),
                                                     Det(0, 12, 12, 110, 110, 0.6F), Det(1, 200, 20, 238, 56, 0.8F)},
                                                    {Det(0, 0, 0, 19, 18, 0.85F), Det(1, 100, 100, 300, 262, 0.7F),
                                                     Det(1, 410, 110, 470, 170, 0.9F), Det(2, 50, 50, 90, 90, 0.5F)},
                                                    {Det(1, 10, 10, 50, 50, 0.75F), Det(0, 100, 100, 400, 400, 0.3F)}};
  const DetectionMetrics m = Evaluate(truth, dets, Coco(), kThreeClasses);
  EXPECT_NEAR(m.map50_95, 1186.5 / 2020.0, kTolerance);  // 0.5873762376
  EXPECT_NEAR(m.map50, 193.5 / 202.0, kTolerance);
  EXPECT_NEAR(m.map75, 134.5 / 202.0, kTolerance);
  EXPECT_NEAR(m.ar100, (0.9 + 16.0 / 30.0) / 2.0, kTolerance);
  EXPECT_NEAR(m.ap_small, 0.8, kTolerance);
  EXPECT_NEAR(m.ap_medium, 279.5 / 1010.0, kTolerance);
  EXPECT_NEAR(m.ap_large, 0.85, kTolerance);
  ASSERT_EQ(m.per_class.size(), 3U);
  EXPECT_NEAR(m.per_class[0].ap50_95, 876.0 / 1010.0, kTolerance);
  EXPECT_NEAR(m.per_class[1].ap50_95, 310.5 / 1010.0, kTolerance);
  EXPECT_EQ(m.per_class[2].ap50_95, -1.0);
  EXPECT_TRUE(m.per_class[2].pr50.empty());
  EXPECT_EQ(m.ground_truth, 5);  // the crowd box is not one to find
  EXPECT_EQ(m.detections, 10);
}

// A noisy detector on `images` synthetic images (1-3 boxes each; each box
// found with a jittered box or missed, plus a false positive per image).
struct Synthetic {
  std::vector<DetectionImage> truth;
  std::vector<std::vector<Detection>> noisy, perfect;
};

Synthetic MakeSynthetic(int images, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Synthetic out;
  for (int i = 0; i < images; ++i) {
    std::vector<GroundTruthBox> objects;
    std::vector<Detection> noisy, perfect;
    const int count = 1 + static_cast<int>(unit(rng) * 3.0);
    for (int k = 0; k < count; ++k) {
      const double x = 120.0 * k, size = 40.0 + 60.0 * unit(rng);
      objects.push_back(Truth(k % 2, x, 0, x + size, size));
      perfect.push_back(Det(k % 2, x, 0, x + size, size, 0.9F));
      if (unit(rng) < 0.8) {
        const double jitter = size * 0.3 * unit(rng);
        noisy.push_back(Det(k % 2, x + jitter, 0, x + size, size, static_cast<float>(unit(rng))));
      }
    }
    noisy.push_back(Det(static_cast<int>(unit(rng) * 2.0), 0, 300, 50, 350, static_cast<float>(unit(rng))));
    out.truth.push_back(Image(std::move(objects)));
    out.noisy.push_back(std::move(noisy));
    out.perfect.push_back(std::move(perfect));
  }
  return out;
}

double Width(const stats::Interval& interval) { return interval.upper - interval.lower; }

// The interval holds the point estimate and narrows with 10 times the images.
TEST(DetectionMetricsTest, BootstrapIntervalContainsEstimateAndNarrows) {
  DetectionMetricOptions options = DetectionMetricOptions::Coco();
  options.bootstrap_replicates = 300;
  const std::vector<std::string> names = {"cat", "dog"};
  const Synthetic few = MakeSynthetic(20, 7), many = MakeSynthetic(400, 7);
  const DetectionMetrics small = EvaluateDetections(few.truth, few.noisy, names, options);
  const DetectionMetrics large = EvaluateDetections(many.truth, many.noisy, names, options);
  for (const DetectionMetrics* m : {&small, &large}) {
    ASSERT_TRUE(m->map50_95_ci.valid);
    EXPECT_LE(m->map50_95_ci.lower, m->map50_95);
    EXPECT_GE(m->map50_95_ci.upper, m->map50_95);
    EXPECT_LE(m->map50_ci.lower, m->map50);
    EXPECT_GE(m->map50_ci.upper, m->map50);
  }
  EXPECT_LT(Width(large.map50_95_ci), Width(small.map50_95_ci) / 2.0);
  EXPECT_FALSE(EvaluateDetections(few.truth, few.noisy, names, Coco()).map50_95_ci.valid);  // 0 replicates
}

// A detector against itself: every replicate's difference is 0, so the
// interval is [0, 0] and p = min(1, 2 * min(B, B) / B) = 1. A perfect
// detector against the noisy one on 400 images: difference > 0, its interval
// excludes 0 and p < 0.05.
TEST(DetectionMetricsTest, PairedComparison) {
  DetectionMetricOptions options = DetectionMetricOptions::Coco();
  options.bootstrap_replicates = 300;
  const std::vector<std::string> names = {"cat", "dog"};
  const Synthetic data = MakeSynthetic(400, 11);
  const DetectionComparison same = CompareDetections(data.truth, data.noisy, data.noisy, names, options);
  EXPECT_EQ(same.map50_95_diff, 0.0);
  EXPECT_EQ(same.map50_95_diff_ci.lower, 0.0);
  EXPECT_EQ(same.map50_95_diff_ci.upper, 0.0);
  EXPECT_EQ(same.p_value, 1.0);
  EXPECT_EQ(same.metric, "map50_95");
  EXPECT_EQ(same.images, 400);
  const DetectionComparison better = CompareDetections(data.truth, data.perfect, data.noisy, names, options);
  const DetectionMetrics noisy = EvaluateDetections(data.truth, data.noisy, names, Coco());
  EXPECT_NEAR(better.map50_95_diff, 1.0 - noisy.map50_95, kTolerance);
  EXPECT_GT(better.map50_95_diff_ci.lower, 0.0);
  EXPECT_LT(better.p_value, 0.05);
  // Every replicate favours the perfect detector, yet 300 replicates cannot
  // show p below 2 / 301: the smallest p they can support, never 0.
  EXPECT_DOUBLE_EQ(better.p_value, 2.0 / 301.0);
  EXPECT_EQ(CompareDetections(data.truth, data.noisy, data.noisy, names, DetectionMetricOptions::Voc()).metric,
            "map50");
}

// A bootstrap replicate re-weights the matches computed once; that must equal
// evaluating the resampled images themselves (each image repeated as often as
// drawn, copies next to each other), at every threshold, in both protocols.
TEST(DetectionMetricsTest, ReweightedMatchesEqualTheResampledImages) {
  const Synthetic data = MakeSynthetic(60, 5);
  std::mt19937 rng(9);
  std::uniform_int_distribution<std::uint32_t> draw(0, 59);
  std::vector<std::uint32_t> weights(60, 0);
  for (int i = 0; i < 60; ++i) ++weights[draw(rng)];
  Synthetic resampled;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    for (std::uint32_t copy = 0; copy < weights[i]; ++copy) {
      resampled.truth.push_back(data.truth[i]);
      resampled.noisy.push_back(data.noisy[i]);
    }
  }
  for (const bool voc : {false, true}) {
    const detection_internal::MatchOptions match{voc, voc, voc, voc ? 0 : 100};
    const auto interpolation = voc ? ApInterpolation::kVocAllPoint : ApInterpolation::kCoco101;
    const auto once = detection_internal::MatchDetections(data.truth, data.noisy, 2, match);
    const auto again = detection_internal::MatchDetections(resampled.truth, resampled.noisy, 2, match);
    for (int c = 0; c < 2; ++c) {
      const auto weighted = detection_internal::AccumulateClass(once[c], 0, weights, interpolation);
      const auto direct = detection_internal::AccumulateClass(again[c], 0, {}, interpolation);
      ASSERT_TRUE(weighted.defined && direct.defined);
      for (int t = 0; t < detection_internal::kIouThresholdCount; ++t) {
        EXPECT_NEAR(weighted.ap[t], direct.ap[t], kTolerance) << "class " << c << " threshold " << t << " voc " << voc;
        EXPECT_NEAR(weighted.recall[t], direct.recall[t], kTolerance);
      }
    }
  }
}

TEST(DetectionMetricsTest, JsonRoundTrip) {
  DetectionMetricOptions options = DetectionMetricOptions::Coco();
  options.bootstrap_replicates = 50;
  const Synthetic data = MakeSynthetic(30, 3);
  const DetectionMetrics m =
      EvaluateDetections(data.truth, data.noisy, std::vector<std::string>{"cat", "dog"}, options);
  const nlohmann::json json = ToJson(m);
  const Result<DetectionMetrics> back = DetectionMetricsFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), json);
  EXPECT_EQ(back->per_class.at(1).name, "dog");
  EXPECT_EQ(back->map50_95_ci.upper, m.map50_95_ci.upper);
  nlohmann::json broken = json;
  broken.erase("map50");
  const Result<DetectionMetrics> failed = DetectionMetricsFromJson(broken);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("map50"), std::string::npos) << failed.status().message();
}

}  // namespace
}  // namespace sweetspot
