// Detection datasets: labelled images with boxes, in the three formats most
// detectors are evaluated on, read into DetectionImage values (detection.h).
//
// Every reader reads all labels when opened (so bad input fails at once, with
// the file and line or object named) and decodes an image only in Load().
//
// Formats, chosen by OpenDetectionDataset from the path:
//   - Pascal VOC: a folder with Annotations/*.xml and the images in
//     JPEGImages/ (the XML's <filename>, else the XML's stem + .jpg/.jpeg/.png).
//     ImageSets/ is not needed (every XML is one image). Corners are stored as
//     written (x1 = xmin, x2 = xmax); `difficult` is honoured, `truncated`
//     ignored. The image size comes from <size>, else from the image file.
//     Class list: the 20 VOC names in the devkit's order when every name used
//     is among them, the sorted distinct names when none is; a mix is
//     InvalidData naming the first other name (most often a typo).
//   - COCO: an instances_*.json file, or a folder holding exactly one
//     annotations/instances_*.json. Classes are the categories in id order
//     (class_id = position). `iscrowd` and `area` are honoured; image sizes
//     come from the JSON (no pixels are read at open). The image folder is
//     DetectionDatasetOptions::images_dir when given, else the first of: the
//     JSON's folder, <parent>/images, <parent>/<name> for instances_<name>.json,
//     <json folder>/images, <parent> (where <parent> is the folder above the
//     JSON's) that holds the first listed image.
//   - YOLO: a data.yaml/.yml (keys: `names` as a list or an {id: name} map;
//     `path`, the base folder, relative paths resolved against the YAML's
//     folder; `val`, an image folder relative to the base (default `images`), a
//     list of them, or a .txt list of image paths relative to its folder), or a folder with images/ and labels/ and a
//     class list beside them (data.yaml, else classes.txt or obj.names, one
//     name per line). Each image's labels are the .txt of the same stem under
//     the path's last `images` folder replaced by `labels` (no `images` folder:
//     beside the image); rows are `class cx cy w h`, normalised to [0, 1].
//     The image sizes needed to turn them into pixels are read by decoding
//     each image once at open, in parallel (OpenCV has no header-only read):
//     opening a YOLO dataset costs one decode per image.
//
// Orientation: images are decoded by image_decode.h's ReadLabelledImage, in
// their EXIF-oriented (displayed) view, and labels are read in that view's
// coordinates; a size read at open (YOLO, a VOC XML or COCO image without
// one) is the oriented size. A VOC <size> or COCO width/height that is only
// the stored bitmap's (a 90-degree orientation with width and height swapped:
// labels drawn by a tool that ignores the tag) loads the stored bitmap
// instead, so pixels always match the labels' coordinates.
//
// Images without labels are valid negatives (a YOLO image without a .txt, a
// VOC XML with no object, a COCO image with no annotation).
//
// Bad input is an InvalidData/NotFound Status of one line naming the file (and
// the line, or the object) and the fix: a label outside the class list, a box
// outside the image by more than 1 pixel (YOLO: outside [0, 1] by more than
// 1e-3), a box of zero or negative area, a COCO annotation whose image_id is
// not listed, a listed COCO image missing from the image folder (naming the
// folder; fix: `images_dir`), malformed XML/JSON/YAML/rows, no image at all.
//
// Thread-safety: a DetectionDataset is immutable after opening; Load() may be
// called concurrently from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/status.h"

namespace sweetspot {

class DetectionDataset {
 public:
  virtual ~DetectionDataset() = default;
  // "Pascal VOC /x/voc", "COCO /x/instances_val.json", "YOLO /x/data.yaml".
  virtual std::string description() const = 0;
  virtual std::string_view format() const = 0;  // "voc" | "coco" | "yolo"
  virtual std::size_t size() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  // Image `index` (< size()) and its labels, read at open.
  virtual const DetectionImage& image(std::size_t index) const = 0;
  // Decodes image `index` into 8-bit BGR (CV_8UC3; gray and 16-bit images are
  // converted) in the view its labels describe (see Orientation). NotFound when
  // the file is gone, InvalidData when it does not decode or neither view has
  // the labels' image size; both name the path.
  virtual Result<cv::Mat> Load(std::size_t index) const = 0;
  // What opening left out or found odd, one line each, for the user.
  virtual std::vector<std::string> notes() const { return {}; }
  // The label files read at open (one per format's unit: a VOC XML, the COCO
  // JSON, a YOLO .txt); DetectionDatasetIdentity hashes their bytes.
  virtual std::vector<std::filesystem::path> label_files() const { return {}; }
};

struct DetectionDatasetOptions {
  std::filesystem::path class_names_file;  // one name per line, overrides the format's list
  std::filesystem::path images_dir;        // COCO: image folder when not found beside the JSON
};

// Opens `path` as VOC, COCO or YOLO (see the top of this file). With
// `class_names_file`, ids index its names: VOC and COCO labels are looked up
// by name, YOLO indices must be below its count.
Result<std::unique_ptr<DetectionDataset>> OpenDetectionDataset(const std::filesystem::path& path,
                                                               const DetectionDatasetOptions& options = {});

// True when `path` has the shape of one of the three formats (cheap; no parsing
// beyond names): a folder with Annotations/, a folder with
// annotations/instances_*.json, a folder with images/ and labels/ or a
// data.yaml, a .json file, or a .yaml/.yml file.
bool IsDetectionDataset(const std::filesystem::path& path);

// Deterministic subset of at most `limit` images (portable seeded shuffle,
// SeededSample of dataset.h), ascending; 0: all.
std::vector<std::size_t> DetectionSubset(const DetectionDataset& dataset, std::size_t limit, std::uint64_t seed);

// SHA-256 hex of the format, class names, every image id, its labels and the
// bytes of every image and label file. Renaming or moving the dataset keeps
// it; changing any file's content changes it. A file that cannot be read
// enters by name, so this never fails.
std::string DetectionDatasetIdentity(const DetectionDataset& dataset);

}  // namespace sweetspot
