// The detection outputs a served detector answers with, read back, and the
// agreement of two detectors' answers, on hand-computed cases.
#include "sweetspot/served_detections.h"

#include <gtest/gtest.h>

#include "serve_test_util.h"

namespace sweetspot {
namespace {

Detection Det(double x1, double y1, double x2, double y2, int class_id, float score) {
  return {{x1, y1, x2, y2}, class_id, score};
}

TEST(ServedDetectionsTest, OutputsArePaddedAndReadBack) {
  const std::vector<std::vector<Detection>> images = {{Det(1, 2, 30, 40, 3, 0.9F), Det(5, 6, 7, 8, 0, 0.25F)}, {}};
  const std::vector<InferTensor> outputs = DetectionOutputs(images, 3);
  ASSERT_EQ(outputs.size(), 2U);
  EXPECT_EQ(outputs[0].name, "detections");
  EXPECT_EQ(outputs[0].shape, (std::vector<std::int64_t>{2, 3, 6}));
  EXPECT_EQ(outputs[1].name, "detection_count");
  EXPECT_EQ(outputs[1].datatype, WireType::kInt32);
  const std::vector<float> values = testing::Floats(outputs[0]);
  EXPECT_EQ(std::vector<float>(values.begin(), values.begin() + 6), (std::vector<float>{1, 2, 30, 40, 0.9F, 3}));
  // Padding: zeros with class -1, in the first image's third row and all of the second's.
  EXPECT_EQ(std::vector<float>(values.begin() + 12, values.begin() + 18), (std::vector<float>{0, 0, 0, 0, 0, -1}));
  EXPECT_EQ(values[35], -1.0F);

  InferResponse response;
  response.outputs = outputs;
  ASSERT_TRUE(HasDetectionOutputs(response));
  auto read = ReadDetectionOutputs(response);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2U);
  ASSERT_EQ((*read)[0].size(), 2U);
  EXPECT_TRUE((*read)[1].empty());
  EXPECT_EQ((*read)[0][1].class_id, 0);
  EXPECT_FLOAT_EQ((*read)[0][1].score, 0.25F);
  EXPECT_DOUBLE_EQ((*read)[0][0].box.y2, 40.0);

  const std::vector<TensorMetadata> metadata = DetectionOutputMetadata(3);
  EXPECT_EQ(metadata[0].shape, (std::vector<std::int64_t>{-1, 3, 6}));
  EXPECT_EQ(metadata[1].shape, (std::vector<std::int64_t>{-1}));
}

TEST(ServedDetectionsTest, MalformedOutputsAreRefusedNamingTheOutput) {
  InferResponse response;
  const std::vector<std::vector<Detection>> one = {{Det(0, 0, 1, 1, 0, 1)}};
  response.outputs = DetectionOutputs(one, 2);
  response.outputs[1].data.assign("\x05\x00\x00\x00", 4);  // a count above K = 2
  auto read = ReadDetectionOutputs(response);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("detection_count"), std::string::npos) << read.status().message();
  response.outputs.pop_back();
  EXPECT_FALSE(HasDetectionOutputs(response));
  EXPECT_NE(ReadDetectionOutputs(response).status().message().find("detection_count"), std::string::npos);
}

TEST(ServedDetectionsTest, AgreementCountsMatchedBoxesAboveTheScoreFloor) {
  // Accurate: three boxes above 0.3 (one of class 1), one below (ignored).
  const std::vector<std::vector<Detection>> accurate = {{Det(0, 0, 10, 10, 0, 0.9F), Det(20, 20, 30, 30, 0, 0.8F),
                                                         Det(40, 40, 50, 50, 1, 0.7F), Det(60, 60, 70, 70, 0, 0.1F)}};
  // Fast: the first box shifted by 1 px (IoU 81/119 = 0.68), the third with the
  // wrong class, a box nowhere, and one below the floor.
  const std::vector<std::vector<Detection>> fast = {{Det(1, 0, 11, 10, 0, 0.6F), Det(40, 40, 50, 50, 0, 0.5F),
                                                     Det(80, 80, 90, 90, 0, 0.4F), Det(20, 20, 30, 30, 0, 0.2F)}};
  const DetectionAgreement a = CompareDetectionAnswers(fast, accurate);
  EXPECT_EQ(a.reference, 3);
  EXPECT_EQ(a.candidates, 3);
  EXPECT_EQ(a.matched, 1);
  EXPECT_DOUBLE_EQ(a.recall, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(a.precision, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(a.f1, 1.0 / 3.0);
  EXPECT_FALSE(a.agree());
  const DetectionAgreement same = CompareDetectionAnswers(accurate, accurate);
  EXPECT_EQ(same.matched, 3);
  EXPECT_DOUBLE_EQ(same.f1, 1.0);
  EXPECT_TRUE(same.agree());
  const std::vector<std::vector<Detection>> empty_image = {{}};
  const DetectionAgreement nothing = CompareDetectionAnswers({}, empty_image);
  EXPECT_DOUBLE_EQ(nothing.f1, 1.0);  // nothing to find and nothing claimed
}

}  // namespace
}  // namespace sweetspot
