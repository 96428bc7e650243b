// The three detection-dataset readers and what they share (private to
// src/detect): each reader fills a DetectionDatasetParts, which
// OpenDetectionDataset wraps into the one DetectionDataset implementation.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/detection.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/label_files.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct DetectionDatasetParts {
  std::string description;
  std::string format;  // "voc" | "coco" | "yolo"
  std::vector<std::string> class_names;
  std::vector<DetectionImage> images;
  std::vector<std::string> notes;
  std::vector<std::filesystem::path> label_files;
};

Result<DetectionDatasetParts> ReadVocDataset(const std::filesystem::path& root, const DetectionDatasetOptions& options);
Result<DetectionDatasetParts> ReadCocoDataset(const std::filesystem::path& path,
                                              const DetectionDatasetOptions& options);
Result<DetectionDatasetParts> ReadYoloDataset(const std::filesystem::path& path,
                                              const DetectionDatasetOptions& options);

// A class-name file: one name per line (blank lines skipped), at least one.
// InvalidData names the file and the line of a repeated name.
Result<std::vector<std::string>> ReadClassNames(const std::filesystem::path& path);

// The position of `name` in `names`, or nullopt.
std::optional<int> FindClass(const std::vector<std::string>& names, std::string_view name);

// True for the file extensions OpenCV reads as images (lower-case compare).
bool HasImageExtension(const std::filesystem::path& path);

// `path` relative to `base` when it lies below it, else `path` itself, as a
// generic string (an image's stable id).
std::string RelativeId(const std::filesystem::path& path, const std::filesystem::path& base);

}  // namespace sweetspot
