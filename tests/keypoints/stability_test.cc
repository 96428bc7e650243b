#include "sweetspot/stability.h"
#include "sweetspot/task_stability.h"

#include <cmath>
#include <numbers>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

StabilityOptions FewReplicates() {
  StabilityOptions options;
  options.bootstrap_replicates = 200;
  return options;
}

KeypointSchema TwoJoints() {
  KeypointSchema schema;
  schema.name = "two";
  schema.joints = {"wrist", "ankle"};
  return schema;
}

// Joint 0 walks along x at 2 px/frame with y = 5 + d (-1)^t; joint 1 moves at constant velocity (3, 1).
KeypointTrack AlternatingWalk(int frames, double d) {
  KeypointTrack track;
  for (int t = 0; t < frames; ++t) {
    const double sign = t % 2 == 0 ? 1.0 : -1.0;
    track.frames.push_back({{2.0 * t, 5.0 + d * sign, 0.9F}, {3.0 * t, 1.0 * t, 0.9F}});
  }
  return track;
}

TEST(KeypointStability, AlternatingNoiseHasJitterFourDAndConstantVelocityZero) {
  // Second difference of the line is 0; of d (-1)^t it is d (-1)^(t+1) (1 + 2 + 1), magnitude 4d = 2.
  const KeypointTrack noisy = AlternatingWalk(40, 0.5);
  const KeypointTrack smooth = AlternatingWalk(40, 0.0);
  const KeypointStabilityComparison result =
      CompareKeypointStability(noisy, smooth, TwoJoints(), "fast", "accurate", FewReplicates());
  ASSERT_EQ(result.jitter_px.size(), 2U);
  EXPECT_EQ(result.jitter_px[0].name, "wrist");
  EXPECT_EQ(result.jitter_px[0].count, 38);  // interior frames 1..38
  EXPECT_NEAR(result.jitter_px[0].a.value, 2.0, 1e-12);
  EXPECT_NEAR(result.jitter_px[0].b.value, 0.0, 1e-12);
  EXPECT_NEAR(result.jitter_px[1].a.value, 0.0, 1e-12);
  // Every triple has the same jitter, so every replicate does: the interval is the point.
  EXPECT_NEAR(result.jitter_px[0].a.ci.lower, 2.0, 1e-12);
  EXPECT_NEAR(result.jitter_px[0].a.ci.upper, 2.0, 1e-12);
  // Overall: mean over the two joints, (2 + 0) / 2.
  EXPECT_NEAR(result.overall_jitter_px.a.value, 1.0, 1e-12);
  EXPECT_EQ(result.overall_jitter_px.count, 2);
  // All 200 replicate differences are positive: p = 2 * (0 + 1) / 201.
  EXPECT_NEAR(result.overall_jitter_px.p_value, 2.0 / 201.0, 1e-12);
  EXPECT_EQ(result.overall_jitter_px.verdict, "fast is noisier than accurate (p = 0.010)");
  EXPECT_EQ(result.jitter_px[1].verdict, "no measurable difference (p = 1.000)");
  EXPECT_EQ(result.block_length, 4);  // ceil(38^(1/3)): 3^3 = 27 < 38 <= 64
}

TEST(KeypointStability, JointsNotConfidentInBothModelsAreLeftOut) {
  KeypointTrack a = AlternatingWalk(40, 0.5);
  KeypointTrack b = AlternatingWalk(40, 0.0);
  // An outlier in a at frame 10 that a itself is unsure of, and one at frame 20 that b is unsure of:
  // the triples centred on 9..11 and 19..21 are left out, the rest keep jitter 2.
  a.frames[10][0] = {500.0, 500.0, 0.1F};
  a.frames[20][0].x += 300.0;
  b.frames[20][0].score = 0.2F;
  const std::vector<std::vector<bool>> mask = JointlyConfident(a, b, 0.3F);
  EXPECT_FALSE(mask[10][0]);
  EXPECT_FALSE(mask[20][0]);
  EXPECT_TRUE(mask[20][1]);
  const KeypointStabilityComparison result = CompareKeypointStability(a, b, TwoJoints(), "a", "b", FewReplicates());
  EXPECT_EQ(result.jitter_px[0].count, 38 - 6);
  EXPECT_NEAR(result.jitter_px[0].a.value, 2.0, 1e-12);
  EXPECT_EQ(result.jitter_px[1].count, 38);
}

// A knee whose interior angle is 90 + amplitude * sin(2 pi t / period): hip
// to the right of the knee, ankle at the interior angle from it.
KeypointTrack SwingingKnee(int frames, double amplitude_deg, double period) {
  KeypointTrack track;
  for (int t = 0; t < frames; ++t) {
    const double interior =
        (90.0 + amplitude_deg * std::sin(2.0 * std::numbers::pi * t / period)) * std::numbers::pi / 180.0;
    track.frames.push_back({{300.0, 200.0, 0.9F},
                            {200.0, 200.0, 0.9F},
                            {200.0 + 100.0 * std::cos(interior), 200.0 + 100.0 * std::sin(interior), 0.9F}});
  }
  return track;
}

KeypointSchema Leg() {
  KeypointSchema schema;
  schema.name = "leg";
  schema.joints = {"r_hip", "r_knee", "r_ankle"};
  schema.angles = {{"r_knee_flexion", "r_hip", "r_knee", "r_ankle", 180.0, -1.0}};
  return schema;
}

TEST(KeypointStability, JointAngleFollowsTheSchemaDefinition) {
  const KeypointSchema leg = Leg();
  // Straight leg: interior 180, flexion -(180 - 180) = 0.
  const std::vector<Keypoint> straight = {{0, 0, 1}, {0, 10, 1}, {0, 20, 1}};
  EXPECT_NEAR(*JointAngleDeg(straight, leg.angles[0], leg), 0.0, 1e-12);
  // Ankle at a right angle: flexion -(90 - 180) = 90.
  const std::vector<Keypoint> bent = {{0, 0, 1}, {0, 10, 1}, {10, 10, 1}};
  EXPECT_NEAR(*JointAngleDeg(bent, leg.angles[0], leg), 90.0, 1e-12);
  // The ankle on the knee: no direction, no angle.
  const std::vector<Keypoint> folded = {{0, 0, 1}, {0, 10, 1}, {0, 10, 1}};
  EXPECT_FALSE(JointAngleDeg(folded, leg.angles[0], leg).has_value());
}

TEST(KeypointStability, SinusoidalAngleHasTheKnownSecondDifferenceSpread) {
  // theta_t = 90 + A sin(w t), w = 2 pi / 8: the second difference is
  // A sin(w t) (2 cos w - 2) = -(2 - sqrt 2) A sin(w t) (4 sin^2(w/2) = 2 - 2 cos(pi/4)).
  // Flexion = 180 - theta has the same spread. 82 frames give the 80 triple
  // centres t = 1..80, ten whole periods: sum sin = 0, sum sin^2 = 40, so the
  // sample variance is ((2 - sqrt 2) A)^2 * 40 / 79; A = 10: sd = 5.858 * 0.7116 = 4.168.
  const double expected = (2.0 - std::numbers::sqrt2) * 10.0 * std::sqrt(40.0 / 79.0);
  const KeypointTrack swinging = SwingingKnee(82, 10.0, 8.0);
  const KeypointTrack still = SwingingKnee(82, 0.0, 8.0);
  const KeypointStabilityComparison result =
      CompareKeypointStability(swinging, still, Leg(), "swinging", "still", FewReplicates());
  ASSERT_EQ(result.angle_noise_deg.size(), 1U);
  EXPECT_EQ(result.angle_noise_deg[0].name, "r_knee_flexion");
  EXPECT_EQ(result.angle_noise_deg[0].count, 80);
  EXPECT_NEAR(result.angle_noise_deg[0].a.value, expected, 1e-9);
  EXPECT_NEAR(result.angle_noise_deg[0].b.value, 0.0, 1e-9);
  EXPECT_EQ(result.angle_noise_deg[0].verdict.rfind("swinging is noisier than still (p = ", 0), 0U)
      << result.angle_noise_deg[0].verdict;
  // The angle series itself: frame 2 is a quarter period, theta = 100, flexion 80.
  const auto series = AngleSeriesDeg(swinging, Leg().angles[0], Leg(), JointlyConfident(swinging, still, 0.3F));
  EXPECT_NEAR(*series[2], 80.0, 1e-9);
}

// Two joints on a straight walk with independent Gaussian noise of `sigma` px per coordinate.
KeypointTrack NoisyWalk(int frames, double sigma, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma);
  KeypointTrack track;
  for (int t = 0; t < frames; ++t) {
    track.frames.push_back(
        {{2.0 * t + noise(rng), 100.0 + noise(rng), 0.8F}, {2.0 * t + noise(rng), 300.0 + noise(rng), 0.8F}});
  }
  return track;
}

TEST(KeypointStability, ThreeTimesTheNoiseIsNoisierEitherWayRound) {
  // Gaussian noise sigma per coordinate: the second difference has sd sqrt(6) sigma
  // per coordinate, its magnitude (Rayleigh) mean sqrt(6) sigma sqrt(pi / 2) = 3.07 sigma.
  const KeypointTrack quiet = NoisyWalk(300, 1.0, 1);
  const KeypointTrack loud = NoisyWalk(300, 3.0, 2);
  const KeypointStabilityComparison ab =
      CompareKeypointStability(loud, quiet, TwoJoints(), "fast", "accurate", FewReplicates());
  EXPECT_NEAR(ab.overall_jitter_px.a.value, 3.0 * 3.07, 0.8);
  EXPECT_NEAR(ab.overall_jitter_px.b.value, 3.07, 0.3);
  EXPECT_LT(ab.overall_jitter_px.p_value, 0.05);
  EXPECT_GT(ab.overall_jitter_px.diff_ci.lower, 0.0);
  EXPECT_EQ(ab.overall_jitter_px.verdict.rfind("fast is noisier than accurate (p = ", 0), 0U);
  const KeypointStabilityComparison ba =
      CompareKeypointStability(quiet, loud, TwoJoints(), "accurate", "fast", FewReplicates());
  EXPECT_EQ(ba.overall_jitter_px.verdict.rfind("fast is noisier than accurate (p = ", 0), 0U);
}

TEST(KeypointStability, EqualNoiseGivesNoMeasurableDifference) {
  const KeypointStabilityComparison result = CompareKeypointStability(NoisyWalk(300, 2.0, 3), NoisyWalk(300, 2.0, 4),
                                                                      TwoJoints(), "fast", "accurate", FewReplicates());
  EXPECT_GE(result.overall_jitter_px.p_value, 0.05);
  EXPECT_EQ(result.overall_jitter_px.verdict.rfind("no measurable difference (p = ", 0), 0U)
      << result.overall_jitter_px.verdict;
  EXPECT_LT(result.overall_jitter_px.diff_ci.lower, 0.0);
  EXPECT_GT(result.overall_jitter_px.diff_ci.upper, 0.0);
}

TEST(KeypointStability, NoJointlyConfidentFramesIsSaidSo) {
  KeypointTrack a = AlternatingWalk(10, 0.5);
  for (auto& frame : a.frames) frame[0].score = 0.0F;
  const KeypointStabilityComparison result =
      CompareKeypointStability(a, AlternatingWalk(10, 0.0), TwoJoints(), "a", "b", FewReplicates());
  EXPECT_EQ(result.jitter_px[0].count, 0);
  EXPECT_EQ(result.jitter_px[0].verdict, "not measured (no jointly confident frames)");
  EXPECT_FALSE(result.jitter_px[0].a.ci.valid);
  // The overall figure is the other joint's.
  EXPECT_EQ(result.overall_jitter_px.count, 1);
}

TEST(StabilityVerdict, NamesTheNoisierModelAndFormatsSmallPValues) {
  EXPECT_EQ(StabilityVerdict("RT", "I", -0.5, 0.0004, 0.05, 10), "I is noisier than RT (p = 4.0e-04)");
  EXPECT_EQ(StabilityVerdict("RT", "I", 0.5, 0.04, 0.01, 10), "no measurable difference (p = 0.040)");
  // Two frame triples that agree in sign are no evidence (the trial's l_hip, "p = 0.003").
  EXPECT_EQ(StabilityVerdict("RT", "I", 0.5, 0.003, 0.05, 2), "too few to test (2 measurements; at least 10)");
  EXPECT_EQ(StabilityVerdict("RT", "I", 0.5, 0.003, 0.05, 1), "too few to test (1 measurement; at least 10)");
}

TEST(KeypointAgreement, DistancesAndSharesBeyondTheThreshold) {
  // b's wrist is (3, 4) px from a's, 5 px = 0.05 of the 100 px crop; the ankle agrees exactly.
  const KeypointTrack a = AlternatingWalk(20, 0.5);
  KeypointTrack b = a;
  for (auto& frame : b.frames) {
    frame[0].x += 3.0;
    frame[0].y += 4.0;
  }
  b.frames[7][0].score = 0.0F;  // not measured in frame 7
  const std::vector<double> scale(20, 100.0);
  const KeypointAgreement result =
      MeasureKeypointAgreement(a, b, scale, TwoJoints(), "accurate", "fast", {0.04}, FewReplicates());
  ASSERT_EQ(result.joints.size(), 2U);
  EXPECT_EQ(result.joints[0].frames, 19);
  EXPECT_NEAR(result.joints[0].distance_px.value, 5.0, 1e-12);
  EXPECT_NEAR(result.joints[0].distance.value, 0.05, 1e-12);
  EXPECT_NEAR(result.joints[0].beyond_share.value, 1.0, 1e-12);
  EXPECT_NEAR(result.joints[1].beyond_share.value, 0.0, 1e-12);
  EXPECT_NEAR(result.distance.value, 0.025, 1e-12);  // (0.05 + 0) / 2
  // Frame 7 still has the ankle measured (agreeing): 19 of 20 frames have the wrist beyond.
  EXPECT_EQ(result.frames_measured, 20);
  EXPECT_NEAR(result.any_beyond_share.value, 19.0 / 20.0, 1e-12);
  EXPECT_TRUE(result.any_beyond_share.ci.valid);
}

TEST(StabilityJson, RoundTripsAndNamesAMissingKey) {
  const KeypointStabilityComparison result = CompareKeypointStability(
      AlternatingWalk(12, 0.5), AlternatingWalk(12, 0.0), TwoJoints(), "a", "b", FewReplicates());
  const nlohmann::json json = ToJson(result);
  const Result<KeypointStabilityComparison> back = KeypointStabilityComparisonFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), json);
  nlohmann::json broken = json;
  broken.erase("overall_jitter_px");
  const Result<KeypointStabilityComparison> missing = KeypointStabilityComparisonFromJson(broken);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("overall_jitter_px"), std::string::npos) << missing.status().message();

  const KeypointAgreement agreement = MeasureKeypointAgreement(AlternatingWalk(12, 0.5), AlternatingWalk(12, 0.0),
                                                               std::vector<double>(12, 50.0), TwoJoints(), "a", "b");
  const Result<KeypointAgreement> agreement_back = KeypointAgreementFromJson(ToJson(agreement));
  ASSERT_TRUE(agreement_back.ok());
  EXPECT_EQ(ToJson(*agreement_back), ToJson(agreement));
}

TEST(ClassificationFlicker, ShareOfConsecutivePairsWhoseTopOneChanges) {
  // 8 frames, 7 pairs; changes at 0->1 (frames 1-2), 1->2 (4-5), 2->0 (6-7): 3 / 7.
  const std::vector<int> top1 = {0, 0, 1, 1, 1, 2, 2, 0};
  const ClassificationFlicker flicker = MeasureClassificationFlicker(top1, FewReplicates());
  EXPECT_EQ(flicker.frames, 8);
  EXPECT_EQ(flicker.changes, 3);
  EXPECT_NEAR(flicker.share.value, 3.0 / 7.0, 1e-12);
  EXPECT_TRUE(flicker.share.ci.valid);
  EXPECT_LE(flicker.share.ci.lower, 3.0 / 7.0);
  EXPECT_GE(flicker.share.ci.upper, 3.0 / 7.0);
}

TEST(ClassificationFlicker, PairedComparisonNamesTheFlickeringClassifier) {
  std::vector<int> flickering, steady(40, 3);
  for (int t = 0; t < 40; ++t) flickering.push_back(t % 2);
  // Every pair changes for one, none for the other: every replicate difference is 1, p = 2 / 201.
  const PairedStability result = CompareClassificationFlicker(steady, flickering, "large", "small", FewReplicates());
  EXPECT_NEAR(result.diff, -1.0, 1e-12);
  EXPECT_EQ(result.count, 39);
  EXPECT_EQ(result.verdict, "small is noisier than large (p = 0.010)");
  const PairedStability same = CompareClassificationFlicker(steady, steady, "large", "small", FewReplicates());
  EXPECT_EQ(same.verdict, "no measurable difference (p = 1.000)");
}

TEST(DetectionStability, JitterIdentityFlickerAndAppearances) {
  // A 20 x 20 box walking 2 px/frame with its centre off by +/-0.5 px alternately:
  // centre second difference 4 * 0.5 = 2 px, 2 / 20 = 0.1 of its size; the size is constant (0).
  // Consecutive boxes overlap by 17 or 19 px of 20: IoU >= 340 / 460 = 0.74, always matched.
  // Its class turns from 0 to 1 at frame 5: 1 of 9 matched pairs. A second box shows in frame 3
  // only: it appears in pair (2, 3) and disappears in pair (3, 4): 1 of the 10 boxes of the
  // later frames, 1 of the 10 boxes of the earlier frames. A box of score 0.1 is never seen.
  std::vector<std::vector<Detection>> frames;
  for (int t = 0; t < 10; ++t) {
    const double x = 100.0 + 2.0 * t + (t % 2 == 0 ? 0.5 : -0.5);
    std::vector<Detection> frame = {{{x, 50.0, x + 20.0, 70.0}, t < 5 ? 0 : 1, 0.9F},
                                    {{400.0 + 7.0 * t, 300.0, 430.0, 330.0}, 2, 0.1F}};
    if (t == 3) frame.push_back({{600.0, 600.0, 640.0, 640.0}, 0, 0.8F});
    frames.push_back(frame);
  }
  const DetectionStability result = MeasureDetectionStability(frames, {}, FewReplicates());
  EXPECT_EQ(result.frames, 10);
  EXPECT_EQ(result.matched_pairs, 9);
  EXPECT_EQ(result.chains, 8);
  EXPECT_NEAR(result.centre_jitter.value, 0.1, 1e-12);
  EXPECT_NEAR(result.size_jitter.value, 0.0, 1e-12);
  EXPECT_NEAR(result.identity_flicker.value, 1.0 / 9.0, 1e-12);
  EXPECT_NEAR(result.appear_rate.value, 0.1, 1e-12);
  EXPECT_NEAR(result.disappear_rate.value, 0.1, 1e-12);
  const nlohmann::json json = ToJson(result);
  EXPECT_NEAR(json.at("centre_jitter").at("value").get<double>(), 0.1, 1e-12);
}

// A 20 x 20 box walking 2 px/frame, its centre off by +/-d px alternately (centre jitter 4d / 20).
std::vector<std::vector<Detection>> WalkingBox(int frames, double d) {
  std::vector<std::vector<Detection>> out;
  for (int t = 0; t < frames; ++t) {
    const double x = 100.0 + 2.0 * t + (t % 2 == 0 ? d : -d);
    out.push_back({{{x, 50.0, x + 20.0, 70.0}, 0, 0.9F}});
  }
  return out;
}

TEST(DetectionStability, PairedComparisonNamesTheJitteringDetectorEitherWayRound) {
  const auto noisy = WalkingBox(40, 0.5);
  const auto smooth = WalkingBox(40, 0.0);
  const std::vector<PairedStability> result =
      CompareDetectionStability(smooth, noisy, "large", "small", {}, FewReplicates());
  ASSERT_EQ(result.size(), 5U);
  EXPECT_EQ(result[0].name, "centre_jitter");
  EXPECT_EQ(result[0].count, 38);  // chains over 40 frames
  EXPECT_NEAR(result[0].a.value, 0.0, 1e-12);
  EXPECT_NEAR(result[0].b.value, 0.1, 1e-12);
  EXPECT_NEAR(result[0].diff, -0.1, 1e-12);
  // Every triple differs by the same 0.1: every replicate difference is negative, p = 2 / 201.
  EXPECT_EQ(result[0].verdict, "small is noisier than large (p = 0.010)");
  const auto swapped = CompareDetectionStability(noisy, smooth, "small", "large", {}, FewReplicates());
  EXPECT_EQ(swapped[0].verdict, "small is noisier than large (p = 0.010)");
  // Neither changes size, class or count: no difference.
  for (std::size_t k = 1; k < result.size(); ++k) {
    EXPECT_EQ(result[k].verdict, "no measurable difference (p = 1.000)") << result[k].name;
  }
  EXPECT_EQ(result[2].name, "identity_flicker");
  EXPECT_EQ(result[2].count, 39);  // matched pairs
  EXPECT_EQ(result[4].name, "disappear_rate");
}

// 12 boxes jittering in 4 frames are 24 chained triples but only 2 frame
// triples, and the bootstrap resamples frame triples: every replicate has the
// same sign, so "p = 0.010" would be a verdict from 2 draws (a trial's
// --max-frames 4 was "noisier" on every figure).
TEST(DetectionStability, ManyBoxesInFewFramesAreTooFewToTest) {
  const auto crowd = [](int frames, double d) {
    std::vector<std::vector<Detection>> out(frames);
    for (int t = 0; t < frames; ++t) {
      for (int i = 0; i < 12; ++i) {
        const double x = 100.0 + 2.0 * t + (t % 2 == 0 ? d : -d), y = 50.0 + 40.0 * i;
        out[t].push_back({{x, y, x + 20.0, y + 20.0}, 0, 0.9F});
      }
    }
    return out;
  };
  const auto few = CompareDetectionStability(crowd(4, 0.0), crowd(4, 0.5), "large", "small", {}, FewReplicates());
  EXPECT_EQ(few[0].count, 24);
  EXPECT_EQ(few[0].verdict, "too few to test (2 measurements; at least 10)");
  const auto enough = CompareDetectionStability(crowd(12, 0.0), crowd(12, 0.5), "large", "small", {}, FewReplicates());
  EXPECT_EQ(enough[0].verdict, "small is noisier than large (p = 0.010)");
}

}  // namespace
}  // namespace sweetspot
