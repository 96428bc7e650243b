// YOLO (Ultralytics/darknet): data.yaml (yaml-cpp) or a folder with images/
// + labels/; one `class cx cy w h` row per box, normalised to [0, 1].
#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <opencv2/core/utility.hpp>

#include "detect/detection_dataset_readers.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

struct YoloLayout {
  fs::path yaml;                   // empty: a folder without data.yaml
  fs::path base;                   // relative `val` entries resolve here
  std::vector<std::string> names;  // from the YAML's `names`
  std::vector<std::string> val = {"images"};
};

Result<std::vector<std::string>> YamlNames(const fs::path& yaml, const YAML::Node& names) {
  std::vector<std::string> out;
  if (names.IsSequence()) {
    for (const auto& name : names) out.push_back(SafeText(name.as<std::string>()));
    return out;
  }
  if (!names.IsMap()) {
    return Status::InvalidData(fmt::format("{}:{}: `names` must be a list or a map {{id: name}}; fix it",
                                           SafeText(yaml.string()), names.Mark().line + 1));
  }
  std::map<long, std::string> by_id;
  for (const auto& entry : names) by_id[entry.first.as<long>()] = SafeText(entry.second.as<std::string>());
  for (const auto& [id, name] : by_id) {
    if (id != static_cast<long>(out.size())) {
      return Status::InvalidData(
          fmt::format("{}:{}: `names` ids must be 0..{} without gaps, but {} is missing; "
                      "number the classes from 0",
                      SafeText(yaml.string()), names.Mark().line + 1, by_id.size() - 1, out.size()));
    }
    out.push_back(name);
  }
  return out;
}

Result<YoloLayout> ReadYaml(const fs::path& yaml) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string text, ReadTextFile(yaml));
  YoloLayout layout;
  layout.yaml = yaml;
  layout.base = yaml.parent_path();
  try {
    const YAML::Node doc = YAML::Load(text);
    if (!doc.IsMap()) {
      return Status::InvalidData(SafeText(yaml.string()) + ": not a YOLO data.yaml (expected keys names, val)");
    }
    if (doc["path"]) layout.base = layout.base / doc["path"].as<std::string>();
    if (doc["names"]) {
      SWEETSPOT_ASSIGN_OR_RETURN(layout.names, YamlNames(yaml, doc["names"]));
    }
    if (const YAML::Node val = doc["val"]; val && val.IsSequence()) {
      layout.val = val.as<std::vector<std::string>>();
    } else if (val) {
      layout.val = {val.as<std::string>()};
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidData(
        fmt::format("{}:{}: malformed YAML ({}); fix the file", SafeText(yaml.string()), e.mark.line + 1, e.msg));
  }
  return layout;
}

// Images of one `val` entry: a folder (recursively) or a .txt list.
Result<std::vector<fs::path>> ListImages(const YoloLayout& layout, const std::string& entry) {
  const fs::path where = layout.base / entry;
  std::vector<fs::path> images;
  std::error_code ec;
  if (fs::is_directory(where, ec)) {
    for (fs::recursive_directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file() && HasImageExtension(it->path()) && !it->path().filename().string().starts_with(".")) {
        images.push_back(it->path());
      }
    }
    std::sort(images.begin(), images.end());
    return images;
  }
  if (where.extension() == ".txt" && fs::is_regular_file(where, ec)) {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::string text, ReadTextFile(where));
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.find_first_not_of(" \t") != std::string::npos) images.push_back(where.parent_path() / line);
    }
    return images;
  }
  const std::string source = layout.yaml.empty() ? SafeText(layout.base.string()) : SafeText(layout.yaml.string());
  return Status::NotFound(
      fmt::format("{}: image folder {} (`val`) does not exist; point `val` (and `path`) at the "
                  "images",
                  source, SafeText(where.string())));
}

// The .txt holding an image's labels: the last `images` folder of its path
// replaced by `labels` (Ultralytics' rule), else beside the image.
fs::path LabelPath(const fs::path& image) {
  std::vector<fs::path> parts(image.begin(), image.end());
  for (auto it = parts.rbegin() + 1; it != parts.rend(); ++it) {
    if (*it == "images") {
      *it = "labels";
      fs::path label;
      for (const auto& part : parts) label /= part;
      return label.replace_extension(".txt");
    }
  }
  return fs::path(image).replace_extension(".txt");
}

Result<GroundTruthBox> ParseRow(const std::string& row, const std::string& where, std::size_t classes, int width,
                                int height) {
  std::istringstream fields(row);
  std::vector<std::string> tokens;
  for (std::string token; fields >> token;) tokens.push_back(token);
  double v[5] = {};
  bool numbers = tokens.size() == 5;
  for (std::size_t i = 0; numbers && i < 5; ++i) {
    const auto [end, error] = std::from_chars(tokens[i].data(), tokens[i].data() + tokens[i].size(), v[i]);
    numbers = error == std::errc() && end == tokens[i].data() + tokens[i].size() && std::isfinite(v[i]);
  }
  if (!numbers || v[0] != std::floor(v[0]) || v[0] < 0) {
    return Status::InvalidData(
        fmt::format("{}: '{}' is not `class cx cy w h` (an integer class and 4 numbers); fix "
                    "the row",
                    where, SafeText(row)));
  }
  if (v[0] >= static_cast<double>(classes)) {
    return Status::InvalidData(
        fmt::format("{}: class {} is outside the class list (0..{}); fix the row or the "
                    "class names",
                    where, v[0], classes - 1));
  }
  const double cx = v[1], cy = v[2], w = v[3], h = v[4];
  GroundTruthBox object;
  object.class_id = static_cast<int>(v[0]);
  object.box = {(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height};
  if (const std::string problem = PixelBoxProblem(object.box, 0, 0); !problem.empty()) {
    return Status::InvalidData(where + ": " + problem);
  }
  constexpr double kTolerance = 1e-3;
  if (cx - w / 2 < -kTolerance || cy - h / 2 < -kTolerance || cx + w / 2 > 1 + kTolerance ||
      cy + h / 2 > 1 + kTolerance) {
    return Status::InvalidData(
        fmt::format("{}: box cx {} cy {} w {} h {} reaches outside [0, 1] by more than 1e-3; "
                    "fix the row (coordinates are fractions of the image size)",
                    where, cx, cy, w, h));
  }
  object.area = object.box.area();
  return object;
}

Status ReadLabels(const fs::path& file, std::size_t classes, DetectionImage& image) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string text, ReadTextFile(file));
  std::istringstream lines(text);
  int line_no = 0;
  for (std::string line; std::getline(lines, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", SafeText(file.string()), line_no);
    SWEETSPOT_ASSIGN_OR_RETURN(GroundTruthBox object, ParseRow(line, where, classes, image.width, image.height));
    image.objects.push_back(object);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> YoloClassNames(const YoloLayout& layout, const fs::path& root,
                                                const DetectionDatasetOptions& options) {
  if (!options.class_names_file.empty()) return ReadClassNames(options.class_names_file);
  if (!layout.names.empty()) return layout.names;
  std::error_code ec;
  for (const char* name : {"classes.txt", "obj.names"}) {
    if (fs::is_regular_file(root / name, ec)) return ReadClassNames(root / name);
  }
  return Status::NotFound(
      fmt::format("{} has no class list (`names` in data.yaml, classes.txt or obj.names); add "
                  "one, or pass a class-name file",
                  SafeText((layout.yaml.empty() ? root : layout.yaml).string())));
}

// The EXIF-oriented size of every image, decoded in parallel (the cost of
// opening a YOLO dataset: its labels are fractions of these sizes).
std::vector<Result<cv::Size>> ReadImageSizes(const std::vector<fs::path>& images) {
  std::vector<Result<cv::Size>> sizes(images.size(), Status::Internal("not read"));
  cv::parallel_for_(cv::Range(0, static_cast<int>(images.size())), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end; ++i) {
      sizes[static_cast<std::size_t>(i)] = ReadImageSize(images[static_cast<std::size_t>(i)]);
    }
  });
  return sizes;
}

}  // namespace

Result<DetectionDatasetParts> ReadYoloDataset(const fs::path& path, const DetectionDatasetOptions& options) {
  std::error_code ec;
  const bool folder = fs::is_directory(path, ec);
  const fs::path root = folder ? path : path.parent_path();
  YoloLayout layout;
  layout.base = root;
  if (!folder || fs::is_regular_file(root / "data.yaml", ec)) {
    SWEETSPOT_ASSIGN_OR_RETURN(layout, ReadYaml(folder ? root / "data.yaml" : path));
  }
  DetectionDatasetParts parts;
  parts.description = "YOLO " + (layout.yaml.empty() ? root : layout.yaml).string();
  parts.format = "yolo";
  if (!layout.yaml.empty()) parts.label_files.push_back(layout.yaml);
  SWEETSPOT_ASSIGN_OR_RETURN(parts.class_names, YoloClassNames(layout, root, options));
  std::vector<fs::path> images;
  for (const std::string& entry : layout.val) {
    SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<fs::path> listed, ListImages(layout, entry));
    images.insert(images.end(), listed.begin(), listed.end());
  }
  const std::vector<Result<cv::Size>> sizes = ReadImageSizes(images);
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!sizes[i].ok()) return sizes[i].status();
    DetectionImage image{.id = RelativeId(images[i], layout.base),
                         .path = images[i],
                         .width = sizes[i]->width,
                         .height = sizes[i]->height,
                         .objects = {}};
    const fs::path labels = LabelPath(images[i]);
    if (fs::is_regular_file(labels, ec)) {
      SWEETSPOT_RETURN_IF_ERROR(ReadLabels(labels, parts.class_names.size(), image));
      parts.label_files.push_back(labels);
    }
    parts.images.push_back(std::move(image));
  }
  return parts;
}

}  // namespace sweetspot
