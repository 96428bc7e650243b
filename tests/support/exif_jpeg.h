// JPEGs carrying an EXIF Orientation tag, built in the test (no binary data
// committed): the bitmap is encoded by OpenCV, then an APP1 Exif segment with
// a one-entry TIFF IFD (tag 0x0112) is spliced in right after SOI.
#pragma once

#include <string>

#include <opencv2/core.hpp>

namespace sweetspot::testing {

// A JPEG of `image` (BGR) whose EXIF Orientation is `orientation` (1..8;
// 6: view it rotated 90 degrees clockwise).
std::string JpegWithOrientation(const cv::Mat& image, int orientation);

// A non-square bitmap with a marker to find after rotation: 64 wide, 32 high,
// grey (128), with a red 16x16 block in its top-left corner (x, y < 16).
cv::Mat MarkedBitmap();

// MarkedBitmap() stored with EXIF Orientation 6: displayed 32 wide, 64 high,
// the red block in the top-right corner (x >= 16, y < 16).
std::string RotatedMarkedJpeg();
inline const cv::Size kStoredSize(64, 32);
inline const cv::Size kOrientedSize(32, 64);
inline const cv::Rect kStoredMarker(0, 0, 16, 16);
inline const cv::Rect kOrientedMarker(16, 0, 16, 16);

// Whether the centre of `region` in `bgr` (CV_8UC3) is the marker's red
// rather than the grey around it (a JPEG-tolerant check).
bool IsRed(const cv::Mat& bgr, const cv::Rect& region);

}  // namespace sweetspot::testing
