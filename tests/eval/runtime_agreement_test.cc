#include "sweetspot/runtime_agreement.h"

#include <vector>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

struct Outputs {
  std::vector<std::int64_t> indices;
  std::vector<std::int32_t> labels;
  std::vector<std::int32_t> predicted;
  std::vector<float> scores;
  SampleOutputs View() const { return {indices, labels, predicted, scores}; }
};

// Hand computation. Reference (samples 10, 11, 12, 13; 2 classes):
//   10: label 0, predicts 0 (right)   11: label 1, predicts 1 (right)
//   12: label 0, predicts 1 (wrong)   13: label 1, predicts 1 (right)
// Outputs evaluate 13, 12, 11 and 99 (not in the reference), in that order:
//   13 predicts 1 (same), 12 predicts 0 (differs, wrong -> right),
//   11 predicts 0 (differs, right -> wrong); 99 is left out.
// Agreement 1/3; one flip each way. Score differences over the 3 x 2 matched
// values: 13: |0.1-0.1|, |0.9-0.7| = 0, 0.2; 12: |0.6-0.4|, |0.4-0.6| = 0.2, 0.2;
// 11: |0.5-0.2|, |0.5-0.8| = 0.3, 0.3. Max 0.3, mean 1.2 / 6 = 0.2.
TEST(RuntimeAgreementTest, MatchesAHandComputation) {
  const Outputs reference{
      {10, 11, 12, 13}, {0, 1, 0, 1}, {0, 1, 1, 1}, {0.9F, 0.1F, 0.2F, 0.8F, 0.4F, 0.6F, 0.1F, 0.7F}};
  const Outputs outputs{{13, 12, 11, 99}, {1, 0, 1, 0}, {1, 0, 0, 0}, {0.1F, 0.9F, 0.6F, 0.4F, 0.5F, 0.5F, 1.0F, 0.0F}};
  auto a = CompareRuntimeOutputs(outputs.View(), reference.View());
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->compared, 3);
  EXPECT_EQ(a->same_top1, 1);
  EXPECT_DOUBLE_EQ(a->top1_agreement, 1.0 / 3.0);
  EXPECT_EQ(a->right_to_wrong, 1);
  EXPECT_EQ(a->wrong_to_right, 1);
  ASSERT_TRUE(a->scores_compared);
  EXPECT_NEAR(a->max_abs_score_diff, 0.3, 1e-6);
  EXPECT_NEAR(a->mean_abs_score_diff, 0.2, 1e-6);
}

TEST(RuntimeAgreementTest, IdenticalOutputsAgreeFully) {
  const Outputs r{{0, 1, 2}, {0, 1, 2}, {0, 2, 2}, {}};
  auto a = CompareRuntimeOutputs(r.View(), r.View());
  ASSERT_TRUE(a.ok());
  EXPECT_DOUBLE_EQ(a->top1_agreement, 1.0);
  EXPECT_EQ(a->right_to_wrong + a->wrong_to_right, 0);
  EXPECT_FALSE(a->scores_compared);  // neither kept its scores
  EXPECT_EQ(a->max_abs_score_diff, 0.0);
}

TEST(RuntimeAgreementTest, ScoresComparedOnlyWhenBothKeptThem) {
  const Outputs with{{0, 1}, {0, 1}, {0, 1}, {1, 0, 0, 1}};
  const Outputs without{{0, 1}, {0, 1}, {0, 0}, {}};
  auto a = CompareRuntimeOutputs(without.View(), with.View());
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->scores_compared);
  EXPECT_DOUBLE_EQ(a->top1_agreement, 0.5);
  EXPECT_EQ(a->right_to_wrong, 1);
}

TEST(RuntimeAgreementTest, RefusesDisjointSamplesDifferentLabelsAndWidths) {
  const Outputs a{{0, 1}, {0, 1}, {0, 1}, {1, 0, 0, 1}};
  const Outputs disjoint{{5, 6}, {0, 1}, {0, 1}, {}};
  EXPECT_EQ(CompareRuntimeOutputs(a.View(), disjoint.View()).status().code(), StatusCode::kInvalidArgument);
  const Outputs relabelled{{0, 1}, {1, 1}, {0, 1}, {}};
  EXPECT_EQ(CompareRuntimeOutputs(a.View(), relabelled.View()).status().code(), StatusCode::kInvalidData);
  const Outputs wider{{0, 1}, {0, 1}, {0, 1}, {1, 0, 0, 0, 1, 0}};
  EXPECT_EQ(CompareRuntimeOutputs(a.View(), wider.View()).status().code(), StatusCode::kInvalidData);
}

}  // namespace
}  // namespace sweetspot
