#include "sweetspot/detection.h"

#include <algorithm>

namespace sweetspot {

double IntersectionOverUnion(const Box& a, const Box& b, bool inclusive_pixels) {
  const double extra = inclusive_pixels ? 1.0 : 0.0;
  const double a_w = a.width() + extra;
  const double a_h = a.height() + extra;
  const double b_w = b.width() + extra;
  const double b_h = b.height() + extra;
  if (a_w <= 0.0 || a_h <= 0.0 || b_w <= 0.0 || b_h <= 0.0) return 0.0;
  const double inter_w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1) + extra;
  const double inter_h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1) + extra;
  if (inter_w <= 0.0 || inter_h <= 0.0) return 0.0;
  const double inter = inter_w * inter_h;
  return inter / (a_w * a_h + b_w * b_h - inter);
}

Box MapBoxToImage(const Box& input_box, const ImageGeometry& geometry, int image_width, int image_height) {
  const auto map = [](double value, double scale, double offset, int limit) {
    return std::clamp((value - offset) / scale, 0.0, static_cast<double>(limit));
  };
  return {map(input_box.x1, geometry.scale_x, geometry.offset_x, image_width),
          map(input_box.y1, geometry.scale_y, geometry.offset_y, image_height),
          map(input_box.x2, geometry.scale_x, geometry.offset_x, image_width),
          map(input_box.y2, geometry.scale_y, geometry.offset_y, image_height)};
}

}  // namespace sweetspot
