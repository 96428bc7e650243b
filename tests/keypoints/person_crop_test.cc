#include "sweetspot/person_crop.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace sweetspot {
namespace {

TEST(PersonCrop, GeometryIsHandComputed) {
  // Box 40 x 80 at (10, 20): side = 80 * 1.25 = 100 around the centre
  // (30, 60): x0 = 30 - 50 = -20, y0 = 60 - 50 = 10.
  const CropGeometry around = SquareCropAround(Box{10, 20, 50, 100}, 1.25, 256);
  EXPECT_DOUBLE_EQ(around.x0_px, -20.0);
  EXPECT_DOUBLE_EQ(around.y0_px, 10.0);
  EXPECT_DOUBLE_EQ(around.side_px, 100.0);
  EXPECT_EQ(around.input_px, 256);
  // Centre (100, 50), side 80: x0 = 60, y0 = 10. Input point (112, 112) of
  // 224: 60 + 112 * 80 / 224 = 100, 10 + 40 = 50 (the centre), and back.
  const CropGeometry centred = CropFromCentreScale(100, 50, 80, 224);
  const Keypoint image = MapToImage({112, 112, 0.7F}, centred);
  EXPECT_DOUBLE_EQ(image.x, 100.0);
  EXPECT_DOUBLE_EQ(image.y, 50.0);
  EXPECT_FLOAT_EQ(image.score, 0.7F);
  const Keypoint input = MapToInput({60, 90, 1.0F}, centred);
  EXPECT_DOUBLE_EQ(input.x, 0.0);     // the left edge
  EXPECT_DOUBLE_EQ(input.y, 224.0);   // (90 - 10) * 224 / 80: the bottom edge
}

// The intensity-weighted centre of channel 0, continuous pixels (+0.5).
cv::Point2d Centroid(const cv::Mat& bgr) {
  cv::Mat channel;
  cv::extractChannel(bgr, channel, 0);
  const cv::Moments m = cv::moments(channel);
  return {m.m10 / m.m00 + 0.5, m.m01 / m.m00 + 0.5};
}

TEST(PersonCrop, ADotLandsWhereComputedAndMapsBack) {
  // A 3 x 3 dot on columns 119..121, rows 39..41: centre (120.5, 40.5).
  cv::Mat image(100, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(119, 39, 3, 3)).setTo(cv::Scalar(255, 255, 255));
  // Square [100, 150) x [20, 70) to 100 px (x2): (120.5 - 100) * 2 = 41,
  // (40.5 - 20) * 2 = 41.
  const CropGeometry crop{100, 20, 50, 100};
  auto out = CropPerson(image, crop);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), cv::Size(100, 100));
  const cv::Point2d centre = Centroid(*out);
  EXPECT_NEAR(centre.x, 41.0, 0.05);
  EXPECT_NEAR(centre.y, 41.0, 0.05);
  const Keypoint back = MapToImage({centre.x, centre.y, 1.0F}, crop);
  EXPECT_NEAR(back.x, 120.5, 0.5);
  EXPECT_NEAR(back.y, 40.5, 0.5);
  // Downscaled (x0.5): square [80, 180) x [0, 100) to 50 px: (120.5 - 80) / 2
  // = 20.25, 40.5 / 2 = 20.25.
  auto small = CropPerson(image, CropGeometry{80, 0, 100, 50});
  ASSERT_TRUE(small.ok());
  EXPECT_NEAR(Centroid(*small).x, 20.25, 0.3);
  EXPECT_NEAR(Centroid(*small).y, 20.25, 0.3);
}

TEST(PersonCrop, OutsideTheImageIsBlack) {
  // A white 60 x 40 image; square [-20, 20) x [-10, 30) at scale 1: input
  // column j samples image column j - 20, row i samples row i - 10.
  const cv::Mat white(40, 60, CV_8UC3, cv::Scalar(255, 255, 255));
  auto out = CropPerson(white, CropGeometry{-20, -10, 40, 40});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->at<cv::Vec3b>(5, 25), cv::Vec3b(0, 0, 0));     // row 5 -> image row -5
  EXPECT_EQ(out->at<cv::Vec3b>(15, 5), cv::Vec3b(0, 0, 0));     // column 5 -> image column -15
  EXPECT_EQ(out->at<cv::Vec3b>(15, 25), cv::Vec3b(255, 255, 255));  // image (5, 5)
  EXPECT_EQ(out->at<cv::Vec3b>(10, 20), cv::Vec3b(255, 255, 255));  // image (0, 0)
  EXPECT_EQ(out->at<cv::Vec3b>(9, 20), cv::Vec3b(0, 0, 0));         // image row -1
}

TEST(PersonCrop, BadImageOrSideIsRefusedAndAValidOneWorks) {
  const cv::Mat gray(10, 10, CV_8UC1, cv::Scalar(0));
  EXPECT_EQ(CropPerson(gray, {0, 0, 10, 10}).status().code(), StatusCode::kInvalidArgument);
  const cv::Mat bgr(10, 10, CV_8UC3, cv::Scalar(0, 0, 0));
  auto zero = CropPerson(bgr, {0, 0, 0, 10});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("side 0 px"), std::string::npos);
  EXPECT_TRUE(CropPerson(bgr, {0, 0, 10, 10}).ok());  // the fix: a positive side
}

}  // namespace
}  // namespace sweetspot
