// Detection: the plain value types every part of object detection shares
// (datasets, decoders, non-maximum suppression, metrics, the evaluation
// pipeline, the study, the report and the server).
//
// Coordinates are pixels of the ORIGINAL image (before any resize or
// letterbox), x to the right, y down, as doubles. A Box is [x1, x2) x [y1, y2)
// in continuous coordinates (COCO's convention: a box from pixel column 0 to
// 9 inclusive is x1 = 0, x2 = 10, width 10). Pascal VOC's 1-based inclusive
// corners are stored as written (x1 = xmin, x2 = xmax); its scoring's "+1"
// widths are DetectionMetricOptions::inclusive_pixels (detection_metrics.h).
//
// Class ids index the class list of whoever produced the value: a dataset's
// DetectionDataset::class_names() for ground truth, the model's class list
// (DetectorSpec::class_names) for raw detections; the evaluation maps model
// classes to dataset classes by name before scoring (MapDetectionClasses).
//
// Thread-safety: plain value types.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sweetspot/preprocess.h"

namespace sweetspot {

struct Box {
  double x1 = 0.0;
  double y1 = 0.0;
  double x2 = 0.0;
  double y2 = 0.0;

  double width() const { return x2 - x1; }
  double height() const { return y2 - y1; }
  // 0 for an empty or inverted box.
  double area() const { return width() > 0.0 && height() > 0.0 ? width() * height() : 0.0; }
};

// Intersection over union of two boxes, in [0, 1]; 0 when either is empty.
// `inclusive_pixels` adds 1 to every width and height (the Pascal VOC devkit's
// convention for 1-based inclusive pixel corners).
double IntersectionOverUnion(const Box& a, const Box& b, bool inclusive_pixels = false);

// A box found in the model input mapped back to the original image of
// image_width x image_height pixels: (input - offset) / scale per axis, then
// clipped to [0, width] x [0, height].
Box MapBoxToImage(const Box& input_box, const ImageGeometry& geometry, int image_width, int image_height);

// One labelled object.
struct GroundTruthBox {
  Box box;
  int class_id = 0;  // index into the dataset's class_names()
  // COCO iscrowd: matches any number of detections, none of them counts as
  // a false positive, and it is not a box to find (COCO evaluation semantics).
  bool crowd = false;
  // Pascal VOC difficult: detections matched to it are ignored (neither true
  // nor false positives), and it is not a box to find.
  bool difficult = false;
  // COCO's annotation "area" (of the segmentation) when the file gives it,
  // else the box's area; decides small/medium/large (< 32^2, < 96^2, else).
  double area = 0.0;
};

// One detection after decoding.
struct Detection {
  Box box;
  int class_id = 0;
  float score = 0.0F;  // confidence in [0, 1] as the model gives it
};

// One image of a detection dataset and its labels.
struct DetectionImage {
  std::string id;              // stable within the dataset: relative path of the image
  std::filesystem::path path;  // the image file
  int width = 0;               // pixels, from the label file when it gives them, else the image header
  int height = 0;
  std::vector<GroundTruthBox> objects;  // empty: a valid negative image
};

}  // namespace sweetspot
