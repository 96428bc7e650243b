// Detection test fixtures: small synthetic datasets of filled rectangles
// written as Pascal VOC, COCO or YOLO, so that readers, decoders, the
// evaluation pipeline, the study and the server are tested on the same images
// in every format.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sweetspot::testing {

struct ShapeObject {
  int class_id;        // index into the class_names passed to WriteShapesDataset
  int x1, y1, x2, y2;  // filled rectangle, pixels [x1, x2) x [y1, y2)
};

struct ShapeImage {
  std::string name;  // file stem: <name>.png (and <name>.xml / <name>.txt)
  int width, height;
  std::vector<ShapeObject> objects;  // empty: a negative image
  // The last object is marked hard: VOC <difficult>1</difficult>, COCO
  // iscrowd 1; YOLO has no such flag and writes it as a plain box.
  bool difficult_last = false;
};

enum class DetectionFormat { kVoc, kCoco, kYolo };

// Draws each image (grey background, each class its own colour; pixel (0,0)
// channel 0 (B) holds the image's index in `images`, so oracle models can look
// its boxes up; at most 256 images) as PNG and writes the labels in `format`;
// returns the path to pass to OpenDetectionDataset:
//   - kVoc: `dir` (dir/Annotations/<name>.xml with xmin = x1, xmax = x2 as
//     integers, dir/JPEGImages/<name>.png). VOC derives its class list from
//     the names used (sorted unless all are VOC names): pass class_names
//     sorted and all used, or pass a class-name file, to keep the ids;
//   - kCoco: dir/annotations/instances_shapes.json (category ids 1..C in
//     class_names order, images in dir/images/);
//   - kYolo: dir/data.yaml (names as a list, `val: images`), images in
//     dir/images/, labels in dir/labels/ (no .txt for a negative image).
// Also writes dir/classes.txt (class_names, one per line).
std::filesystem::path WriteShapesDataset(const std::filesystem::path& dir, DetectionFormat format,
                                         const std::vector<ShapeImage>& images,
                                         const std::vector<std::string>& class_names);

}  // namespace sweetspot::testing
