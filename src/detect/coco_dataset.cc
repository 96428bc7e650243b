// COCO: one instances_*.json (nlohmann-json); image sizes come from the JSON,
// so opening reads no pixels. Errors name the JSON and the array element
// (`annotations[12] (id 345)`), since JSON values carry no line numbers.
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detect/detection_dataset_readers.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct CocoImage {
  std::int64_t id = 0;
  std::string file_name;
  int width = 0;
  int height = 0;
};

// The one annotations/instances_*.json of a COCO folder.
Result<fs::path> FindCocoJson(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir / "annotations", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with("instances_") && it->path().extension() == ".json") found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  if (found.size() == 1) return found.front();
  std::string names;
  for (const auto& file : found) names += (names.empty() ? "" : ", ") + file.filename().string();
  return Status::InvalidArgument(
      fmt::format("{} holds {} annotations/instances_*.json files ({}); pass the JSON "
                  "file to use",
                  SafeText(dir.string()), found.size(), SafeText(names)));
}

// The array `key` of the document (absent and not required: empty).
Result<const json*> ArrayField(const fs::path& file, const json& doc, const char* key, bool required) {
  static const json kEmpty = json::array();
  if (!doc.is_object()) return Status::InvalidData(SafeText(file.string()) + ": not a COCO file (no JSON object)");
  const auto it = doc.find(key);
  if (it == doc.end() && !required) return &kEmpty;
  if (it == doc.end() || !it->is_array()) {
    return Status::InvalidData(
        fmt::format("{}: no \"{}\" array; is it a COCO instances file?", SafeText(file.string()), key));
  }
  return &*it;
}

// Reads the categories in id order: names and a map id -> position.
Status ReadCategories(const fs::path& file, const json& categories, std::vector<std::string>& names,
                      std::map<std::int64_t, std::string>& by_id) {
  for (std::size_t i = 0; i < categories.size(); ++i) {
    const json& category = categories[i];
    if (!category.is_object() || !category.contains("id") || !category["id"].is_number_integer() ||
        !category.contains("name") || !category["name"].is_string()) {
      return Status::InvalidData(fmt::format("{}: categories[{}] needs an integer \"id\" and a string \"name\"; fix it",
                                             SafeText(file.string()), i));
    }
    by_id[category["id"].get<std::int64_t>()] = SafeText(category["name"].get<std::string>());
  }
  for (const auto& [id, name] : by_id) names.push_back(name);
  return Status::Ok();
}

Result<std::vector<CocoImage>> ReadImages(const fs::path& file, const json& images) {
  std::vector<CocoImage> out;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const json& image = images[i];
    if (!image.is_object() || !image.contains("id") || !image["id"].is_number_integer() ||
        !image.contains("file_name") || !image["file_name"].is_string()) {
      return Status::InvalidData(fmt::format(
          "{}: images[{}] needs an integer \"id\" and a string \"file_name\"; fix it", SafeText(file.string()), i));
    }
    CocoImage entry{.id = image["id"].get<std::int64_t>(), .file_name = image["file_name"].get<std::string>()};
    if (image.contains("width") && image["width"].is_number_integer()) entry.width = image["width"].get<int>();
    if (image.contains("height") && image["height"].is_number_integer()) entry.height = image["height"].get<int>();
    out.push_back(std::move(entry));
  }
  return out;
}

// The folder holding the images (see detection_dataset.h for the order).
Result<fs::path> FindImageFolder(const fs::path& json_file, const std::vector<CocoImage>& images,
                                 const DetectionDatasetOptions& options) {
  const fs::path folder = json_file.parent_path();
  std::vector<fs::path> candidates;
  if (!options.images_dir.empty()) {
    candidates = {options.images_dir};
  } else {
    std::string split = json_file.stem().string();
    if (split.starts_with("instances_")) split = split.substr(std::string("instances_").size());
    const fs::path parent = folder.parent_path();
    candidates = {folder, parent / "images", parent / split, folder / "images", parent};
  }
  if (images.empty()) return candidates.front();
  std::error_code ec;
  for (const auto& candidate : candidates) {
    if (fs::is_regular_file(candidate / images.front().file_name, ec)) return candidate;
  }
  return Status::NotFound(fmt::format(
      "{}: image '{}' (images[0]) is not in {}{}; set images_dir to the folder "
      "holding the images",
      SafeText(json_file.string()), SafeText(images.front().file_name), SafeText(candidates.front().string()),
      options.images_dir.empty() ? " nor in images/ or the split's folder beside it" : ""));
}

Status AddAnnotation(const fs::path& file, const json& annotations, std::size_t i,
                     const std::map<std::int64_t, int>& class_of_category,
                     const std::unordered_map<std::int64_t, std::size_t>& image_of_id,
                     std::vector<DetectionImage>& out) {
  const json& a = annotations[i];
  // Built only on failure: a large file has hundreds of thousands of annotations.
  const auto where = [&] {
    return fmt::format("{}: annotations[{}]{}", SafeText(file.string()), i,
                       a.is_object() && a.contains("id") ? " (id " + a["id"].dump() + ")" : "");
  };
  if (!a.is_object() || !a.contains("image_id") || !a["image_id"].is_number_integer() || !a.contains("category_id") ||
      !a["category_id"].is_number_integer() || !a.contains("bbox") || !a["bbox"].is_array() || a["bbox"].size() != 4 ||
      !std::all_of(a["bbox"].begin(), a["bbox"].end(), [](const json& v) { return v.is_number(); })) {
    return Status::InvalidData(where() +
                               ": needs integer \"image_id\" and \"category_id\" and \"bbox\": [x, y, width, "
                               "height]; fix it");
  }
  const auto image = image_of_id.find(a["image_id"].get<std::int64_t>());
  if (image == image_of_id.end()) {
    return Status::InvalidData(
        fmt::format("{}: image_id {} is not among the file's images; fix the id or remove "
                    "the annotation",
                    where(), a["image_id"].get<std::int64_t>()));
  }
  const auto category = class_of_category.find(a["category_id"].get<std::int64_t>());
  if (category == class_of_category.end() || category->second < 0) {
    return Status::InvalidData(
        fmt::format("{}: category_id {} is not in the class list; fix the id, or list the "
                    "category (in the class-name file when one is given)",
                    where(), a["category_id"].get<std::int64_t>()));
  }
  DetectionImage& target = out[image->second];
  const json& bbox = a["bbox"];
  GroundTruthBox object;
  object.box = {bbox[0].get<double>(), bbox[1].get<double>(), bbox[0].get<double>() + bbox[2].get<double>(),
                bbox[1].get<double>() + bbox[3].get<double>()};
  object.class_id = category->second;
  object.crowd = a.contains("iscrowd") && a["iscrowd"].is_number() && a["iscrowd"].get<double>() != 0.0;
  object.area = a.contains("area") && a["area"].is_number() ? a["area"].get<double>() : object.box.area();
  if (const std::string problem = PixelBoxProblem(object.box, target.width, target.height); !problem.empty()) {
    return Status::InvalidData(where() + ": " + problem);
  }
  target.objects.push_back(object);
  return Status::Ok();
}

// Category id -> class id: the position in id order, or in the class-name
// file by name (-1: not listed there).
std::map<std::int64_t, int> ClassOfCategory(const std::map<std::int64_t, std::string>& by_id,
                                            const std::vector<std::string>& class_names) {
  std::map<std::int64_t, int> out;
  for (const auto& [id, name] : by_id) out[id] = FindClass(class_names, name).value_or(-1);
  return out;
}

}  // namespace

Result<json> ParseJsonFile(const fs::path& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    return Status::InvalidData(fmt::format("{}: malformed JSON ({}); fix the file", SafeText(path.string()), e.what()));
  }
}

Result<DetectionDatasetParts> ReadCocoDataset(const fs::path& path, const DetectionDatasetOptions& options) {
  fs::path file = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    SWEETSPOT_ASSIGN_OR_RETURN(file, FindCocoJson(path));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const json doc, ParseJsonFile(file));
  SWEETSPOT_ASSIGN_OR_RETURN(const json* categories, ArrayField(file, doc, "categories", true));
  SWEETSPOT_ASSIGN_OR_RETURN(const json* image_list, ArrayField(file, doc, "images", true));
  SWEETSPOT_ASSIGN_OR_RETURN(const json* annotations, ArrayField(file, doc, "annotations", false));

  DetectionDatasetParts parts;
  parts.description = "COCO " + file.string();
  parts.format = "coco";
  parts.label_files = {file};
  std::map<std::int64_t, std::string> category_names;
  SWEETSPOT_RETURN_IF_ERROR(ReadCategories(file, *categories, parts.class_names, category_names));
  if (!options.class_names_file.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(parts.class_names, ReadClassNames(options.class_names_file));
  }
  const auto class_of_category = ClassOfCategory(category_names, parts.class_names);
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<CocoImage> images, ReadImages(file, *image_list));
  SWEETSPOT_ASSIGN_OR_RETURN(const fs::path folder, FindImageFolder(file, images, options));

  std::unordered_map<std::int64_t, std::size_t> image_of_id;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const CocoImage& image = images[i];
    if (!image_of_id.emplace(image.id, i).second) {
      return Status::InvalidData(fmt::format("{}: images[{}] repeats image id {}; give each image its own id",
                                             SafeText(file.string()), i, image.id));
    }
    DetectionImage entry{.id = image.file_name,
                         .path = folder / image.file_name,
                         .width = image.width,
                         .height = image.height,
                         .objects = {}};
    if (!fs::is_regular_file(entry.path, ec)) {
      return Status::NotFound(
          fmt::format("{}: image '{}' (images[{}]) is not in {}; add it, or set images_dir to "
                      "the folder holding the images",
                      SafeText(file.string()), SafeText(image.file_name), i, SafeText(folder.string())));
    }
    if (entry.width <= 0 || entry.height <= 0) {
      SWEETSPOT_ASSIGN_OR_RETURN(const cv::Size size, ReadImageSize(entry.path));
      entry.width = size.width;
      entry.height = size.height;
    }
    parts.images.push_back(std::move(entry));
  }
  for (std::size_t i = 0; i < annotations->size(); ++i) {
    SWEETSPOT_RETURN_IF_ERROR(AddAnnotation(file, *annotations, i, class_of_category, image_of_id, parts.images));
  }
  return parts;
}

}  // namespace sweetspot
