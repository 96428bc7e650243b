// Checks shared by the readers of labelled datasets (detection's VOC, COCO
// and YOLO readers, the keypoint datasets): a label JSON parsed with a
// one-line error, a pixel box checked against its image, an image's size.
// Callers prefix the file and the element (only on failure: opening a large
// dataset builds no message per box).
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/status.h"

namespace sweetspot {

// The JSON document of `path` (ReadTextFile's errors; malformed JSON:
// InvalidData naming the file and the parser's position, "fix the file").
Result<nlohmann::json> ParseJsonFile(const std::filesystem::path& path);

// What is wrong with a pixel box in a width x height image, with the fix
// ("" when nothing): zero or negative area, or outside the image by more than
// 1 pixel. Sizes <= 0 skip the outside check.
std::string PixelBoxProblem(const Box& box, int width, int height);

// Width and height of an image file as ReadImage decodes it (EXIF orientation
// applied: the displayed size), decoding it (OpenCV reads no header alone).
// NotFound/InvalidData name the path.
Result<cv::Size> ReadImageSize(const std::filesystem::path& path);

}  // namespace sweetspot
