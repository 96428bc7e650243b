#include "sweetspot/person_crop.h"

#include <algorithm>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

namespace sweetspot {

CropGeometry SquareCropAround(const Box& box, double padding, int input_px) {
  const double side = std::max(box.width(), box.height()) * padding;
  return CropFromCentreScale((box.x1 + box.x2) / 2.0, (box.y1 + box.y2) / 2.0, side, input_px);
}

CropGeometry CropFromCentreScale(double cx, double cy, double side_px, int input_px) {
  return {cx - side_px / 2.0, cy - side_px / 2.0, side_px, input_px};
}

Result<cv::Mat> CropPerson(const cv::Mat& bgr, const CropGeometry& crop) {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return Status::InvalidArgument("person crop: the image must be a non-empty 8-bit 3-channel (BGR) image");
  }
  if (!(crop.side_px > 0.0) || crop.input_px <= 0) {
    return Status::InvalidArgument(fmt::format("person crop: side {} px and input {} px must be positive",
                                               crop.side_px, crop.input_px));
  }
  // Destination pixel j has its centre at u = j + 0.5, the image point
  // x0 + u * s, i.e. OpenCV's pixel index (centre at integer) x0 + (j + 0.5) s
  // - 0.5: the inverse map handed to warpAffine.
  const double s = crop.side_px / crop.input_px;
  const cv::Matx23d inverse(s, 0.0, crop.x0_px + 0.5 * s - 0.5, 0.0, s, crop.y0_px + 0.5 * s - 0.5);
  cv::Mat out;
  cv::warpAffine(bgr, out, inverse, cv::Size(crop.input_px, crop.input_px), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  return out;
}

Keypoint MapToImage(const Keypoint& in_input_px, const CropGeometry& crop) {
  const double s = crop.side_px / crop.input_px;
  return {crop.x0_px + in_input_px.x * s, crop.y0_px + in_input_px.y * s, in_input_px.score};
}

Keypoint MapToInput(const Keypoint& in_image_px, const CropGeometry& crop) {
  const double s = crop.input_px / crop.side_px;
  return {(in_image_px.x - crop.x0_px) * s, (in_image_px.y - crop.y0_px) * s, in_image_px.score};
}

}  // namespace sweetspot
