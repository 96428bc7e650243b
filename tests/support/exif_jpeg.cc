#include "support/exif_jpeg.h"

#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

namespace sweetspot::testing {

std::string JpegWithOrientation(const cv::Mat& image, int orientation) {
  std::vector<unsigned char> jpeg;
  EXPECT_TRUE(cv::imencode(".jpg", image, jpeg));
  // Little-endian TIFF header, one IFD entry: tag 0x0112 (Orientation), SHORT, count 1.
  const std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                           std::string("\x12\x01\x03\0\x01\0\0\0", 8) + static_cast<char>(orientation) +
                           std::string(3, '\0') + std::string(4, '\0');
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const std::size_t length = payload.size() + 2;
  const std::string app1 =
      std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) + static_cast<char>(length & 0xFF) + payload;
  const std::string bytes(jpeg.begin(), jpeg.end());
  return bytes.substr(0, 2) + app1 + bytes.substr(2);
}

cv::Mat MarkedBitmap() {
  cv::Mat image(kStoredSize, CV_8UC3, cv::Scalar(128, 128, 128));
  image(kStoredMarker).setTo(cv::Scalar(0, 0, 255));
  return image;
}

std::string RotatedMarkedJpeg() { return JpegWithOrientation(MarkedBitmap(), 6); }

bool IsRed(const cv::Mat& bgr, const cv::Rect& region) {
  const cv::Vec3b pixel = bgr.at<cv::Vec3b>(region.y + region.height / 2, region.x + region.width / 2);
  return pixel[2] > 200 && pixel[0] < 60 && pixel[1] < 60;
}

}  // namespace sweetspot::testing
