// Letterbox preprocessing and MapBoxToImage together: a rectangle drawn in an
// image, found again in the preprocessed tensor and mapped back, lands where
// it was drawn.
#include <cstddef>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/preprocess.h"

namespace sweetspot {
namespace {

constexpr unsigned char kBackground = 40;
constexpr unsigned char kRectangle = 220;
constexpr float kThreshold = (kBackground + kRectangle) / 2.0F;

// The rising and falling crossings of kThreshold along a profile of pixel
// values, in continuous coordinates (pixel i's centre is i + 0.5), linearly
// interpolated between the two pixels around each crossing: a bilinear resize
// turns the rectangle's edge into a ramp whose midpoint is the edge.
std::pair<double, double> Edges(const std::vector<float>& profile) {
  double rise = -1.0;
  for (std::size_t i = 1; i < profile.size(); ++i) {
    const float a = profile[i - 1];
    const float b = profile[i];
    const double crossing = static_cast<double>(i) - 0.5 + (kThreshold - a) / (b - a);
    if (rise < 0.0 && a < kThreshold && b >= kThreshold) rise = crossing;
    if (rise >= 0.0 && a >= kThreshold && b < kThreshold) return {rise, crossing};
  }
  ADD_FAILURE() << "no rectangle in the profile";
  return {0.0, 0.0};
}

struct RoundTrip {
  int image_width, image_height, input_width, input_height;
  LetterboxAlign align;
  int pad;
  cv::Point pad_pixel;  // a pixel of the input that must be padding
};

void CheckRoundTrip(const RoundTrip& t) {
  SCOPED_TRACE(testing::Message() << t.image_width << "x" << t.image_height << " into " << t.input_width << "x"
                                  << t.input_height << " " << LetterboxAlignName(t.align) << " pad " << t.pad);
  cv::Mat image(t.image_height, t.image_width, CV_8UC3, cv::Scalar::all(kBackground));
  const cv::Rect drawn(t.image_width / 5, t.image_height * 3 / 10, t.image_width / 2, t.image_height / 2);
  cv::rectangle(image, drawn, cv::Scalar::all(kRectangle), cv::FILLED);

  PreprocessSpec spec;
  spec.color = ColorOrder::kBgr;
  spec.resize = ResizeMode::kLetterbox;
  spec.letterbox_align = t.align;
  spec.pad = t.pad;
  spec.scale = 1.0;
  spec.width = t.input_width;
  spec.height = t.input_height;
  std::vector<float> input(spec.SampleSizeBytes() / sizeof(float));
  ASSERT_TRUE(ApplyPreprocess(spec, image, std::as_writable_bytes(std::span(input))).ok());
  const auto at = [&](int x, int y) { return input[static_cast<std::size_t>(y * t.input_width + x)]; };
  EXPECT_EQ(at(t.pad_pixel.x, t.pad_pixel.y), static_cast<float>(t.pad));

  const ImageGeometry geometry = PreprocessGeometry(spec, t.image_width, t.image_height);
  // The drawn rectangle's centre row and column, in the input.
  const double centre_x = (drawn.x + drawn.width / 2.0) * geometry.scale_x + geometry.offset_x;
  const double centre_y = (drawn.y + drawn.height / 2.0) * geometry.scale_y + geometry.offset_y;
  std::vector<float> row(static_cast<std::size_t>(t.input_width));
  std::vector<float> column(static_cast<std::size_t>(t.input_height));
  for (int x = 0; x < t.input_width; ++x) row[static_cast<std::size_t>(x)] = at(x, static_cast<int>(centre_y));
  for (int y = 0; y < t.input_height; ++y) column[static_cast<std::size_t>(y)] = at(static_cast<int>(centre_x), y);
  const auto [x1, x2] = Edges(row);
  const auto [y1, y2] = Edges(column);

  const Box found = MapBoxToImage({x1, y1, x2, y2}, geometry, t.image_width, t.image_height);
  EXPECT_NEAR(found.x1, drawn.x, 0.5);
  EXPECT_NEAR(found.y1, drawn.y, 0.5);
  EXPECT_NEAR(found.x2, drawn.x + drawn.width, 0.5);
  EXPECT_NEAR(found.y2, drawn.y + drawn.height, 0.5);
}

// Portrait 333x500 into 320x320: 213x320 at left 53 (pixel (10, 10) is
// padding); landscape 500x333: 320x213 at top 53, or at 0 with top-left
// alignment (pixel (10, 300) is padding); into a non-square 416x320 input:
// 213x320 at left 101; a small 101x61 image enlarged 3.17 times.
TEST(LetterboxRoundTrip, DrawnRectangleMapsBackWithinHalfAPixel) {
  CheckRoundTrip({333, 500, 320, 320, LetterboxAlign::kCenter, 114, {10, 10}});
  CheckRoundTrip({333, 500, 320, 320, LetterboxAlign::kCenter, 0, {310, 10}});
  CheckRoundTrip({500, 333, 320, 320, LetterboxAlign::kCenter, 0, {10, 10}});
  CheckRoundTrip({500, 333, 320, 320, LetterboxAlign::kTopLeft, 114, {10, 300}});
  CheckRoundTrip({333, 500, 416, 320, LetterboxAlign::kCenter, 114, {410, 10}});
  CheckRoundTrip({333, 500, 416, 320, LetterboxAlign::kTopLeft, 114, {300, 10}});
  CheckRoundTrip({101, 61, 320, 320, LetterboxAlign::kCenter, 114, {10, 10}});
}

}  // namespace
}  // namespace sweetspot
