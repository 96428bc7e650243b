// Person crops for top-down keypoint models: a square region of the original
// image, resized to the model's square input, and the mapping of keypoints
// between the crop's input pixels and the original image.
//
// Coordinates are continuous (keypoints.h): pixel column i covers [i, i + 1).
// A crop is the square [x0, x0 + side) x [y0, y0 + side) of the image scaled
// to input_px x input_px, so input point u maps to image point
// x = x0 + u * side / input_px (and back: u = (x - x0) * input_px / side).
// The square may reach outside the image; those input pixels are black.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <opencv2/core.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct CropGeometry {
  double x0_px = 0.0;    // the square's left edge, original-image pixels
  double y0_px = 0.0;    // its top edge
  double side_px = 0.0;  // its side in original-image pixels
  int input_px = 0;      // the model input's side it is resized to
};

// The square of side max(w, h) * padding centred on `box` (padding 1.25 is
// the usual top-down margin around a COCO person box).
CropGeometry SquareCropAround(const Box& box, double padding, int input_px);
// The square of side `side_px` centred on (cx, cy) (MPII: side = scale * 200
// * 1.25 around `center`).
CropGeometry CropFromCentreScale(double cx, double cy, double side_px, int input_px);

// The crop of `bgr` (8-bit, 3 channels): input_px x input_px BGR, bilinear
// (cv::warpAffine with the continuous mapping above, so a feature at image
// point x lands at input point u exactly), black outside the image.
// InvalidArgument for an empty or non-8UC3 image, side_px <= 0 or
// input_px <= 0, naming the value.
Result<cv::Mat> CropPerson(const cv::Mat& bgr, const CropGeometry& crop);

// A keypoint in the crop's input pixels -> original-image pixels (score
// kept), and the inverse.
Keypoint MapToImage(const Keypoint& in_input_px, const CropGeometry& crop);
Keypoint MapToInput(const Keypoint& in_image_px, const CropGeometry& crop);

}  // namespace sweetspot
