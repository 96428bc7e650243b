#include "sweetspot/metrics.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Prediction Pred(int label, int predicted, double confidence, int classes = 3) {
  Prediction p;
  p.label = label;
  p.k = std::min(classes, kTopK);
  p.top_class[0] = predicted;
  p.top_probability[0] = confidence;
  int next = 0;
  for (int j = 1; j < p.k; ++j) {
    if (next == predicted) ++next;
    p.top_class[static_cast<std::size_t>(j)] = next++;
    p.top_probability[static_cast<std::size_t>(j)] = (1.0 - confidence) / (p.k - 1);
  }
  return p;
}

TEST(SummarizeRow, TopKInOrderWithTiesToLowerIndex) {
  const std::vector<float> row = {0.5F, 3.0F, -1.0F, 3.0F, 2.0F, 0.0F, 7.0F};
  const RowSummary s = SummarizeRow(row);
  EXPECT_EQ(s.k, 5);
  EXPECT_THAT(s.top_class, ElementsAre(6, 1, 3, 4, 0));
  EXPECT_THAT(s.top_value, ElementsAre(7.0F, 3.0F, 3.0F, 2.0F, 0.5F));
  EXPECT_DOUBLE_EQ(s.sum, 14.5);
  EXPECT_DOUBLE_EQ(s.min, -1.0);
  double expected = 0.0;
  for (float v : row) expected += std::exp(static_cast<double>(v));
  EXPECT_NEAR(s.log_sum_exp, std::log(expected), 1e-12);

  const RowSummary narrow = SummarizeRow(std::vector<float>{0.2F, 0.8F});
  EXPECT_EQ(narrow.k, 2);
  EXPECT_EQ(narrow.top_class[0], 1);
}

TEST(OutputKind, DetectsLogitsAndProbabilitiesAndAppliesSoftmax) {
  const std::vector<RowSummary> probs = {SummarizeRow(std::vector<float>{0.25F, 0.75F}),
                                         SummarizeRow(std::vector<float>{1.0F, 0.0F})};
  EXPECT_EQ(DetectOutputKind(probs), OutputKind::kProbabilities);
  const std::vector<RowSummary> logits = {SummarizeRow(std::vector<float>{0.25F, 0.75F}),
                                          SummarizeRow(std::vector<float>{2.0F, -1.0F})};
  EXPECT_EQ(DetectOutputKind(logits), OutputKind::kLogits);
  // Non-negative but above 1: logits too.
  EXPECT_EQ(DetectOutputKind(std::vector<RowSummary>{SummarizeRow(std::vector<float>{2.0F, 3.0F})}),
            OutputKind::kLogits);

  const std::vector<int> labels = {1, 0};
  const auto as_probs = ToPredictions(probs, labels, OutputKind::kProbabilities);
  EXPECT_DOUBLE_EQ(as_probs[0].confidence(), 0.75);
  const auto as_logits = ToPredictions(logits, labels, OutputKind::kLogits);
  EXPECT_NEAR(as_logits[1].confidence(), std::exp(2.0) / (std::exp(2.0) + std::exp(-1.0)), 1e-9);
  EXPECT_NEAR(as_logits[1].top_probability[1], std::exp(-1.0) / (std::exp(2.0) + std::exp(-1.0)), 1e-9);

  EXPECT_EQ(*ParseOutputKind("logits"), OutputKind::kLogits);
  EXPECT_FALSE(ParseOutputKind("scores").ok());
}

// Independent sigmoids (every score in [0,1], rows not summing to 1) are
// neither logits nor a distribution: each class's confidence is its own score.
TEST(OutputKind, DetectsSigmoidScoresAndKeepsTheirValues) {
  const std::vector<RowSummary> rows = {SummarizeRow(std::vector<float>{0.9F, 0.8F, 0.1F}),
                                        SummarizeRow(std::vector<float>{0.2F, 0.3F, 0.6F})};
  EXPECT_EQ(DetectOutputKind(rows), OutputKind::kSigmoid);
  EXPECT_EQ(*ParseOutputKind("sigmoid"), OutputKind::kSigmoid);
  EXPECT_EQ(OutputKindName(OutputKind::kSigmoid), "sigmoid");
  const std::vector<int> labels = {0, 1};
  const auto p = ToPredictions(rows, labels, OutputKind::kSigmoid);
  EXPECT_NEAR(p[0].confidence(), 0.9, 1e-6);
  EXPECT_NEAR(p[0].top_probability[1], 0.8, 1e-6);
  EXPECT_NEAR(p[1].confidence(), 0.6, 1e-6);
  // ECE by hand: sample 0 (conf 0.9, right) in bin 14, sample 1 (conf 0.6,
  // wrong) in bin 9: (|1 - 0.9| + |0 - 0.6|) / 2 = 0.35.
  const auto m = ComputeMetrics(p, {"a", "b", "c"});
  EXPECT_NEAR(m.mean_confidence, 0.75, 1e-6);
  EXPECT_NEAR(m.ece, 0.35, 1e-6);
  // The same rows read as logits would report a softmax confidence instead.
  const auto as_logits = ToPredictions(rows, labels, OutputKind::kLogits);
  EXPECT_LT(as_logits[0].confidence(), 0.5);
}

TEST(ComputeMetrics, ConfusionPerClassAndMacroF1) {
  const std::vector<Prediction> p = {Pred(0, 0, 0.9), Pred(0, 0, 0.8), Pred(0, 1, 0.7),
                                     Pred(1, 1, 0.6), Pred(1, 2, 0.5), Pred(2, 2, 0.4)};
  const auto m = ComputeMetrics(p, {"a", "b", "c"});
  EXPECT_EQ(m.count, 6);
  EXPECT_EQ(m.top1_correct, 4);
  EXPECT_DOUBLE_EQ(m.top1, 4.0 / 6.0);
  EXPECT_EQ(m.top5_correct, 6);  // three classes: everything is in the top 3
  EXPECT_THAT(m.confusion, ElementsAre(ElementsAre(2, 1, 0), ElementsAre(0, 1, 1), ElementsAre(0, 0, 1)));
  ASSERT_EQ(m.per_class.size(), 3u);
  EXPECT_EQ(m.per_class[0].support, 3);
  EXPECT_EQ(m.per_class[0].predicted, 2);
  EXPECT_DOUBLE_EQ(m.per_class[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(m.per_class[0].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.per_class[0].f1, 0.8);
  EXPECT_DOUBLE_EQ(m.per_class[1].f1, 0.5);
  EXPECT_DOUBLE_EQ(m.per_class[2].precision, 0.5);
  EXPECT_DOUBLE_EQ(m.per_class[2].recall, 1.0);
  EXPECT_NEAR(m.per_class[2].f1, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.macro_f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-12);
  EXPECT_NEAR(m.mean_confidence, 3.9 / 6.0, 1e-12);
  EXPECT_NEAR(m.median_confidence, 0.65, 1e-12);
  const auto wilson = stats::WilsonInterval(4, 6);
  EXPECT_DOUBLE_EQ(m.top1_ci.lower, wilson.lower);
  EXPECT_DOUBLE_EQ(m.top1_ci.upper, wilson.upper);
  EXPECT_LT(m.top1_ci.lower, m.top1);
  EXPECT_GT(m.top1_ci.upper, m.top1);
}

TEST(ComputeMetrics, ClassWithoutSamplesOrPredictionsIsLeftOutOfMacroF1) {
  const std::vector<Prediction> p = {Pred(0, 0, 0.9), Pred(1, 1, 0.9)};
  const auto m = ComputeMetrics(p, {"a", "b", "never"});
  EXPECT_DOUBLE_EQ(m.macro_f1, 1.0);
  EXPECT_EQ(m.per_class[2].support, 0);
  EXPECT_DOUBLE_EQ(m.per_class[2].precision, 0.0);
}

TEST(ComputeMetrics, ExpectedCalibrationErrorOnAHandExample) {
  // Bins of width 1/15: {0.9 right, 0.9 wrong} -> |0.5 - 0.9| * 2/4 = 0.2;
  // {0.6 right} -> 0.4 * 1/4 = 0.1; {0.3 wrong} -> 0.3 * 1/4 = 0.075.
  const std::vector<Prediction> p = {Pred(0, 0, 0.9), Pred(0, 1, 0.9), Pred(1, 1, 0.6), Pred(2, 0, 0.3)};
  EXPECT_NEAR(ComputeMetrics(p, {"a", "b", "c"}).ece, 0.375, 1e-12);
  // Perfectly calibrated: confidence 1, always right.
  const std::vector<Prediction> perfect = {Pred(0, 0, 1.0), Pred(1, 1, 1.0)};
  EXPECT_NEAR(ComputeMetrics(perfect, {"a", "b", "c"}).ece, 0.0, 1e-12);
}

TEST(ComputeMetrics, TopFiveCountsLabelsInTheTopFive) {
  Prediction p = Pred(6, 0, 0.5, 10);  // top classes 0,1,2,3,4: label 6 not in top 5
  Prediction q = Pred(3, 0, 0.5, 10);  // label 3 in top 5
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back(std::to_string(i));
  const auto m = ComputeMetrics(std::vector<Prediction>{p, q}, names);
  EXPECT_EQ(m.top1_correct, 0);
  EXPECT_EQ(m.top5_correct, 1);
}

TEST(LabelMap, ParsesAndMapsPredictionsToCoarseClasses) {
  const std::vector<std::string> fine = {"cat", "dog", "car", "truck"};
  auto map = ParseLabelMap("# animals and vehicles\ncat,animal\ndog, animal\ncar\tvehicle\n\ntruck,vehicle\n",
                           "map.csv", fine);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->coarse_names, (std::vector<std::string>{"animal", "vehicle"}));
  EXPECT_THAT(map->fine_to_coarse, ElementsAre(0, 0, 1, 1));

  Prediction p;  // a dog predicted as cat (0.6), then dog (0.3), then car (0.1)
  p.label = 1;
  p.k = 3;
  p.top_class = {0, 1, 2, 0, 0};
  p.top_probability = {0.6, 0.3, 0.1, 0, 0};
  const auto coarse = MapToCoarse(std::vector<Prediction>{p}, *map);
  ASSERT_EQ(coarse.size(), 1u);
  EXPECT_EQ(coarse[0].label, 0);
  EXPECT_EQ(coarse[0].k, 2);
  EXPECT_EQ(coarse[0].predicted(), 0);
  EXPECT_NEAR(coarse[0].confidence(), 0.9, 1e-12);
  EXPECT_TRUE(coarse[0].correct());
  const auto m = ComputeMetrics(coarse, map->coarse_names);
  EXPECT_DOUBLE_EQ(m.top1, 1.0);

  auto missing = ParseLabelMap("cat,animal\ndog,animal\ncar,vehicle\n", "map.csv", fine);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("'truck' is not mapped"));
  auto unknown = ParseLabelMap("cow,animal\n", "map.csv", fine);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("map.csv line 1: 'cow'"));
  auto twice = ParseLabelMap("cat,animal\ncat,vehicle\n", "map.csv", fine);
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("mapped twice"));
}

// Classes a class-name file lists twice are "name#index"; a label map line
// naming the bare name is ambiguous and says which names to use.
TEST(LabelMap, RepeatedClassNameIsAmbiguousAndTheNamedFixWorks) {
  const std::vector<std::string> fine = {"crane#0", "heron", "crane#2"};
  auto bare = ParseLabelMap("crane,bird\nheron,bird\n", "map.csv", fine);
  ASSERT_FALSE(bare.ok());
  EXPECT_THAT(bare.status().message(),
              HasSubstr("map.csv line 1: 'crane' is ambiguous: the dataset has 'crane#0' and 'crane#2'"));
  auto fixed = ParseLabelMap("crane#0,bird\nheron,bird\ncrane#2,machine\n", "map.csv", fine);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_THAT(fixed->fine_to_coarse, ElementsAre(0, 0, 1));
}

TEST(LabelMap, FileWithByteOrderMarkAndCrlf) {
  testing::TempDir dir;
  testing::WriteFile(dir / "map.csv",
                     "\xEF\xBB\xBF"
                     "cat,animal\r\ncar,vehicle\r\n");
  auto map = LoadLabelMap(dir / "map.csv", {"cat", "car"});
  ASSERT_TRUE(map.ok()) << map.status().ToString();  // "\xEF\xBB\xBFcat" was not a class before
  EXPECT_THAT(map->coarse_names, ElementsAre("animal", "vehicle"));
}

TEST(LabelMap, MissingFileNamesTheMapAndItsPathNotAFlag) {
  testing::TempDir dir;
  const auto map = LoadLabelMap(dir / "no_such_map.csv", {"cat"});
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(map.status().message(), HasSubstr("label map: "));
  EXPECT_THAT(map.status().message(), HasSubstr("no_such_map.csv"));
  EXPECT_THAT(map.status().message(), Not(HasSubstr("--")));
}

TEST(Compare, AgreementFlipsConfidenceAndMcNemar) {
  // model:     right right wrong wrong right right right wrong
  // reference: right wrong right wrong right right right right
  const std::vector<Prediction> model = {Pred(0, 0, 0.5), Pred(1, 1, 0.5), Pred(2, 0, 0.5), Pred(0, 1, 0.5),
                                         Pred(1, 1, 0.5), Pred(2, 2, 0.5), Pred(0, 0, 0.5), Pred(1, 2, 0.5)};
  const std::vector<Prediction> reference = {Pred(0, 0, 0.9), Pred(1, 0, 0.9), Pred(2, 2, 0.9), Pred(0, 1, 0.9),
                                             Pred(1, 1, 0.9), Pred(2, 2, 0.9), Pred(0, 0, 0.9), Pred(1, 1, 0.9)};
  auto c = Compare(model, reference);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->count, 8);
  EXPECT_EQ(c->both_correct, 4);
  EXPECT_EQ(c->only_model_correct, 1);
  EXPECT_EQ(c->only_reference_correct, 2);
  EXPECT_EQ(c->both_wrong, 1);
  EXPECT_EQ(c->agreements, 5);  // sample 3: both predict 1
  EXPECT_DOUBLE_EQ(c->agreement, 5.0 / 8.0);
  ASSERT_EQ(c->flips.size(), 3u);
  EXPECT_EQ(c->flips[0].position, 1u);
  EXPECT_EQ(c->flips[0].model_prediction, 1);
  EXPECT_EQ(c->flips[0].reference_prediction, 0);
  EXPECT_EQ(c->flips[2].position, 7u);
  EXPECT_DOUBLE_EQ(c->top1_delta, -1.0 / 8.0);
  EXPECT_NEAR(c->mean_confidence_delta, -0.4, 1e-12);
  EXPECT_NEAR(c->relative_confidence_change, 0.5 / 0.9 - 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(c->mcnemar_p, stats::McNemarExactPValue(1, 2));
  EXPECT_DOUBLE_EQ(c->mcnemar_p, 1.0);  // 1 vs 2 discordant: no evidence

  EXPECT_FALSE(Compare(model, std::vector<Prediction>(reference.begin(), reference.end() - 1)).ok());
}

}  // namespace
}  // namespace sweetspot
