#include "sweetspot/detection_dataset.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "detect/detection_dataset_readers.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/dataset.h"
#include "sweetspot/image_decode.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

class LabelledDetectionDataset final : public DetectionDataset {
 public:
  explicit LabelledDetectionDataset(DetectionDatasetParts parts) : parts_(std::move(parts)) {}

  std::string description() const override { return parts_.description; }
  std::string_view format() const override { return parts_.format; }
  std::size_t size() const override { return parts_.images.size(); }
  const std::vector<std::string>& class_names() const override { return parts_.class_names; }
  const DetectionImage& image(std::size_t index) const override { return parts_.images.at(index); }
  std::vector<std::string> notes() const override { return parts_.notes; }
  std::vector<fs::path> label_files() const override { return parts_.label_files; }

  Result<cv::Mat> Load(std::size_t index) const override {
    const DetectionImage& info = parts_.images.at(index);
    SWEETSPOT_ASSIGN_OR_RETURN(LabelledImage image, ReadLabelledImage(info.path, info.width, info.height));
    return std::move(image.pixels);
  }

 private:
  DetectionDatasetParts parts_;
};

bool HasExtension(const fs::path& path, std::initializer_list<std::string_view> extensions) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(extensions.begin(), extensions.end(), ext) != extensions.end();
}

bool HasCocoAnnotations(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir / "annotations", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with("instances_") && HasExtension(it->path(), {".json"})) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<std::string>> ReadClassNames(const fs::path& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  std::vector<std::string> names;
  std::vector<int> lines;
  std::istringstream in(text);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    const std::string name = SafeText(line.substr(first, line.find_last_not_of(" \t") - first + 1));
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) {
      return Status::InvalidData(fmt::format("class-name file {}:{}: '{}' is already listed on line {}; remove one",
                                             SafeText(path.string()), line_no, name, lines[it - names.begin()]));
    }
    names.push_back(name);
    lines.push_back(line_no);
  }
  if (names.empty()) {
    return Status::InvalidData("class-name file " + SafeText(path.string()) + " lists no class (one name per line)");
  }
  return names;
}

std::optional<int> FindClass(const std::vector<std::string>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<int>(it - names.begin());
}

std::string PixelBoxProblem(const Box& box, int width, int height) {
  if (!(box.x2 > box.x1) || !(box.y2 > box.y1)) {
    return fmt::format(
        "box ({}, {})-({}, {}) has zero or negative area; fix its corners (x1 < x2, y1 < y2) or "
        "remove it",
        box.x1, box.y1, box.x2, box.y2);
  }
  constexpr double kTolerancePixels = 1.0;
  if (width > 0 && height > 0 &&
      (box.x1 < -kTolerancePixels || box.y1 < -kTolerancePixels || box.x2 > width + kTolerancePixels ||
       box.y2 > height + kTolerancePixels)) {
    return fmt::format(
        "box ({}, {})-({}, {}) lies outside the {}x{} image by more than 1 pixel; fix the box (or "
        "the image size)",
        box.x1, box.y1, box.x2, box.y2, width, height);
  }
  return {};
}

Result<cv::Size> ReadImageSize(const fs::path& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(const cv::Mat image, ReadImage(path));
  return image.size();
}

bool HasImageExtension(const fs::path& path) {
  return HasExtension(path, {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pnm", ".ppm", ".pgm"});
}

std::string RelativeId(const fs::path& path, const fs::path& base) {
  const fs::path relative = path.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return path.generic_string();
  return relative.generic_string();
}

Result<std::unique_ptr<DetectionDataset>> OpenDetectionDataset(const fs::path& path,
                                                               const DetectionDatasetOptions& options) {
  std::error_code ec;
  Result<DetectionDatasetParts> parts = Status::Internal("no reader ran");
  if (fs::is_directory(path, ec)) {
    if (fs::is_directory(path / "Annotations", ec)) {
      parts = ReadVocDataset(path, options);
    } else if (HasCocoAnnotations(path)) {
      parts = ReadCocoDataset(path, options);
    } else if (fs::is_directory(path / "images", ec) || fs::exists(path / "data.yaml", ec)) {
      parts = ReadYoloDataset(path, options);
    } else {
      return Status::InvalidArgument(
          "detection dataset " + SafeText(path.string()) +
          " has none of Annotations/ (Pascal VOC), annotations/instances_*.json (COCO), images/ + labels/ or "
          "data.yaml (YOLO); pass the dataset's root folder, its COCO JSON or its data.yaml");
    }
  } else if (!fs::exists(path, ec)) {
    return Status::NotFound("detection dataset " + SafeText(path.string()) + " does not exist");
  } else if (HasExtension(path, {".json"})) {
    parts = ReadCocoDataset(path, options);
  } else if (HasExtension(path, {".yaml", ".yml"})) {
    parts = ReadYoloDataset(path, options);
  } else {
    return Status::InvalidArgument("detection dataset " + SafeText(path.string()) +
                                   " is a file that is neither a COCO .json nor a YOLO .yaml; pass one of those "
                                   "or a Pascal VOC folder");
  }
  if (!parts.ok()) return parts.status();
  if (parts->images.empty()) {
    return Status::InvalidData(parts->description + " holds no image; point it at a dataset with images");
  }
  const auto negatives = std::count_if(parts->images.begin(), parts->images.end(),
                                       [](const DetectionImage& image) { return image.objects.empty(); });
  if (negatives > 0) {
    parts->notes.push_back(
        fmt::format("{} of {} images have no labelled object: scored as negatives", negatives, parts->images.size()));
  }
  return std::unique_ptr<DetectionDataset>(new LabelledDetectionDataset(std::move(parts).value()));
}

bool IsDetectionDataset(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return fs::is_directory(path / "Annotations", ec) || HasCocoAnnotations(path) ||
           (fs::is_directory(path / "images", ec) && fs::is_directory(path / "labels", ec)) ||
           fs::is_regular_file(path / "data.yaml", ec);
  }
  return fs::is_regular_file(path, ec) && HasExtension(path, {".json", ".yaml", ".yml"});
}

std::vector<std::size_t> DetectionSubset(const DetectionDataset& dataset, std::size_t limit, std::uint64_t seed) {
  std::vector<std::size_t> all(dataset.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  if (limit == 0 || limit >= all.size()) return all;
  std::vector<std::size_t> subset = SeededSample(std::move(all), limit, seed);
  std::sort(subset.begin(), subset.end());
  return subset;
}

std::string DetectionDatasetIdentity(const DetectionDataset& dataset) {
  Sha256 hash;
  // Length-prefixed fields, so no two different datasets serialise alike.
  const auto field = [&hash](std::string_view text) {
    hash.Update(std::to_string(text.size()) + ":");
    hash.Update(text);
  };
  field(dataset.format());
  field("classes");
  for (const auto& name : dataset.class_names()) field(name);
  field("images");
  std::vector<fs::path> files = dataset.label_files();
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const DetectionImage& image = dataset.image(i);
    field(image.id);
    field(fmt::format("{}x{} {} objects", image.width, image.height, image.objects.size()));
    for (const GroundTruthBox& object : image.objects) {
      field(fmt::format("{} {} {} {} {} {} {} {}", object.class_id, object.box.x1, object.box.y1, object.box.x2,
                        object.box.y2, object.crowd, object.difficult, object.area));
    }
    files.push_back(image.path);
  }
  field("files");
  std::unordered_set<std::string> seen;
  for (const auto& file : files) {
    if (!seen.insert(file.string()).second) continue;
    // An unreadable file is Load()'s to report; here it only has to make the
    // identity differ from the readable file's.
    if (!hash.UpdateWithFile(file).ok()) field("unreadable " + file.filename().string());
  }
  return hash.HexDigest();
}

}  // namespace sweetspot
