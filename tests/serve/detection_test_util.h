// Oracle detectors served over a shapes dataset, for the serve, load and
// journal tests: the images (of other sizes than the model input, so boxes
// must be mapped back), their boxes in the model input's pixels, and the
// ServedModelOptions that answer them.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/detection.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/model_server.h"

namespace sweetspot::testing {

inline constexpr int kOracleInputSize = 64;

inline const std::vector<std::string>& ShapeClasses() {
  static const std::vector<std::string> names = {"square", "bar", "dot"};
  return names;
}

// Four images of four sizes, none the input's, one of them a negative.
inline std::vector<ShapeImage> ShapeImages() {
  return {{"wide", 128, 96, {{0, 10, 12, 50, 60}, {1, 70, 20, 120, 40}}},
          {"tall", 80, 120, {{2, 5, 5, 30, 40}}},
          {"empty", 64, 64, {}},
          {"square", 100, 100, {{0, 20, 30, 90, 95}, {2, 2, 2, 18, 18}, {1, 40, 5, 60, 25}}}};
}

// Each image's objects as detections in the input's pixels (exact resize),
// score 0.9; `shift_px` moves every box right by that many ORIGINAL pixels.
inline std::vector<std::vector<Detection>> OracleBoxes(const std::vector<ShapeImage>& images, double shift_px = 0) {
  std::vector<std::vector<Detection>> out;
  for (const ShapeImage& image : images) {
    const double sx = static_cast<double>(kOracleInputSize) / image.width;
    const double sy = static_cast<double>(kOracleInputSize) / image.height;
    std::vector<Detection>& boxes = out.emplace_back();
    for (const ShapeObject& o : image.objects) {
      boxes.push_back({{(o.x1 + shift_px) * sx, o.y1 * sy, (o.x2 + shift_px) * sx, o.y2 * sy}, o.class_id, 0.9F});
    }
  }
  return out;
}

// The oracle's preprocessing: BGR, 1/255, exact resize with nearest
// neighbour, so pixel (0,0), the image's index, reaches the model intact.
inline constexpr const char* kOraclePreprocessToml = "color = \"bgr\"\ninterpolation = \"nearest\"\n";
// The class names make the dataset's own order (sorted: bar, dot, square)
// differ from the model's, so every consumer must map them by name.
inline constexpr const char* kOracleDecoderToml =
    "layout = \"nanodet\"\nclass_names = [\"square\", \"bar\", \"dot\"]\n";

inline PreprocessSpec OraclePreprocessing() {
  PreprocessSpec spec;
  spec.color = ColorOrder::kBgr;
  spec.interpolation = Interpolation::kNearest;
  return spec;
}

// A nanodet-layout oracle of `boxes` written to dir/<name>.onnx, served as a
// detector with the oracle's preprocessing.
inline ServedModelOptions OracleServed(const std::filesystem::path& dir, const std::string& name,
                                       const std::vector<std::vector<Detection>>& boxes) {
  ServedModelOptions m;
  m.name = name;
  m.path = WriteModel(OracleDetector(DetectionLayout::kPerStrideDistances, boxes,
                                     static_cast<int>(ShapeClasses().size()), kOracleInputSize),
                      dir / (name + ".onnx"));
  m.preprocess = OraclePreprocessing();
  m.decoder_layers = {{"oracle decoder", kOracleDecoderToml, ""}};
  return m;
}

// A file's bytes (an encoded image to send), "" when it cannot be read.
inline std::string FileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline bool NearBox(const Box& a, const Box& b, double tolerance_px = 1e-3) {
  return std::abs(a.x1 - b.x1) < tolerance_px && std::abs(a.y1 - b.y1) < tolerance_px &&
         std::abs(a.x2 - b.x2) < tolerance_px && std::abs(a.y2 - b.y2) < tolerance_px;
}

}  // namespace sweetspot::testing
