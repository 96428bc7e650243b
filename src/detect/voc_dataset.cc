// Pascal VOC: Annotations/*.xml (one image each) + JPEGImages/, read with
// tinyxml2. Error positions are the XML's line numbers.
#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <tinyxml2.h>

#include "detect/detection_dataset_readers.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

// The VOC devkit's class order (VOCinit.m).
constexpr std::array<std::string_view, 20> kVocClasses = {
    "aeroplane",   "bicycle", "bird",  "boat",      "bottle", "bus",         "car",   "cat",  "chair", "cow",
    "diningtable", "dog",     "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"};

struct VocObject {
  std::string name;
  int line = 0;
  Box box;
  bool difficult = false;
};

struct VocFile {
  fs::path xml;
  DetectionImage image;
  std::vector<VocObject> objects;
};

std::string Where(const fs::path& xml, const tinyxml2::XMLElement* element) {
  return fmt::format("{}:{}", SafeText(xml.string()), element->GetLineNum());
}

std::string ChildText(const tinyxml2::XMLElement* parent, const char* name) {
  const tinyxml2::XMLElement* child = parent->FirstChildElement(name);
  const char* text = child != nullptr ? child->GetText() : nullptr;
  return text != nullptr ? std::string(text) : std::string();
}

// The number in <name> below `parent`; `what` names the object for errors.
Result<double> ChildNumber(const fs::path& xml, const tinyxml2::XMLElement* parent, const char* name,
                           const std::string& what) {
  const tinyxml2::XMLElement* child = parent->FirstChildElement(name);
  if (child == nullptr) {
    return Status::InvalidData(fmt::format("{}: {} has no <{}>; add it (VOC corners are xmin, ymin, xmax, ymax)",
                                           Where(xml, parent), what, name));
  }
  double value = 0.0;
  if (child->QueryDoubleText(&value) != tinyxml2::XML_SUCCESS) {
    const char* text = child->GetText();
    return Status::InvalidData(fmt::format("{}: <{}> of {} is '{}', not a number; fix it", Where(xml, child), name,
                                           what, SafeText(text != nullptr ? text : "")));
  }
  return value;
}

Result<VocObject> ParseObject(const fs::path& xml, const tinyxml2::XMLElement* element, int number) {
  VocObject object;
  object.line = element->GetLineNum();
  object.name = SafeText(ChildText(element, "name"));
  const std::string what = fmt::format("object {} ('{}')", number, object.name);
  if (object.name.empty()) {
    return Status::InvalidData(
        fmt::format("{}: object {} has no <name>; add its class name", Where(xml, element), number));
  }
  const tinyxml2::XMLElement* bndbox = element->FirstChildElement("bndbox");
  if (bndbox == nullptr) {
    return Status::InvalidData(
        fmt::format("{}: {} has no <bndbox>; add its box or remove the object", Where(xml, element), what));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(object.box.x1, ChildNumber(xml, bndbox, "xmin", what));
  SWEETSPOT_ASSIGN_OR_RETURN(object.box.y1, ChildNumber(xml, bndbox, "ymin", what));
  SWEETSPOT_ASSIGN_OR_RETURN(object.box.x2, ChildNumber(xml, bndbox, "xmax", what));
  SWEETSPOT_ASSIGN_OR_RETURN(object.box.y2, ChildNumber(xml, bndbox, "ymax", what));
  if (element->FirstChildElement("difficult") != nullptr) {
    SWEETSPOT_ASSIGN_OR_RETURN(const double difficult, ChildNumber(xml, element, "difficult", what));
    object.difficult = difficult != 0.0;
  }
  return object;
}

// The image an XML describes: JPEGImages/<filename>, else the XML's stem with
// a common extension (some exports leave <filename> stale).
Result<fs::path> FindVocImage(const fs::path& xml, const fs::path& images_dir, const std::string& filename) {
  std::error_code ec;
  std::vector<fs::path> candidates;
  if (!filename.empty()) candidates.push_back(images_dir / filename);
  for (const char* ext : {".jpg", ".jpeg", ".png"}) candidates.push_back(images_dir / (xml.stem().string() + ext));
  for (const auto& candidate : candidates) {
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return Status::NotFound(
      fmt::format("{}: its image '{}' is not in {}; put the image there (or fix <filename>)", SafeText(xml.string()),
                  SafeText(filename.empty() ? xml.stem().string() + ".jpg" : filename), SafeText(images_dir.string())));
}

Result<VocFile> ParseVocXml(const fs::path& root, const fs::path& xml) {
  tinyxml2::XMLDocument document;
  if (document.LoadFile(xml.string().c_str()) != tinyxml2::XML_SUCCESS) {
    const char* reason = document.ErrorStr();
    return Status::InvalidData(fmt::format("{}:{}: malformed XML ({}); fix or remove the file", SafeText(xml.string()),
                                           document.ErrorLineNum(), SafeText(reason != nullptr ? reason : "")));
  }
  const tinyxml2::XMLElement* annotation = document.FirstChildElement("annotation");
  if (annotation == nullptr) {
    return Status::InvalidData(
        fmt::format("{}: no <annotation> root element; is it a Pascal VOC annotation?", SafeText(xml.string())));
  }
  VocFile file;
  file.xml = xml;
  SWEETSPOT_ASSIGN_OR_RETURN(file.image.path,
                             FindVocImage(xml, root / "JPEGImages", ChildText(annotation, "filename")));
  file.image.id = RelativeId(file.image.path, root);
  if (const tinyxml2::XMLElement* size = annotation->FirstChildElement("size"); size != nullptr) {
    file.image.width = size->FirstChildElement("width") != nullptr ? size->FirstChildElement("width")->IntText(0) : 0;
    file.image.height =
        size->FirstChildElement("height") != nullptr ? size->FirstChildElement("height")->IntText(0) : 0;
  }
  if (file.image.width <= 0 || file.image.height <= 0) {
    SWEETSPOT_ASSIGN_OR_RETURN(const cv::Size size, ReadImageSize(file.image.path));
    file.image.width = size.width;
    file.image.height = size.height;
  }
  int number = 0;
  for (const tinyxml2::XMLElement* element = annotation->FirstChildElement("object"); element != nullptr;
       element = element->NextSiblingElement("object")) {
    SWEETSPOT_ASSIGN_OR_RETURN(VocObject object, ParseObject(xml, element, ++number));
    file.objects.push_back(std::move(object));
  }
  return file;
}

bool IsVocClass(std::string_view name) {
  return std::find(kVocClasses.begin(), kVocClasses.end(), name) != kVocClasses.end();
}

// The standard 20 names in devkit order when every name used is one of them;
// the sorted distinct names when none is (a dataset of its own classes in VOC
// form). A mix is refused: a name beside the standard ones is most often a
// typo ('persn'), and as a class of its own it would score AP 0 and pull the
// mean down without a word; a class-name file says which classes are meant.
Result<std::vector<std::string>> VocClassList(const std::vector<VocFile>& files) {
  std::set<std::string> used;
  const VocFile* odd_file = nullptr;
  const VocObject* odd = nullptr;
  for (const auto& file : files) {
    for (const auto& object : file.objects) {
      used.insert(object.name);
      if (odd == nullptr && !IsVocClass(object.name)) {
        odd_file = &file;
        odd = &object;
      }
    }
  }
  if (odd == nullptr) return std::vector<std::string>(kVocClasses.begin(), kVocClasses.end());
  if (std::none_of(used.begin(), used.end(), IsVocClass)) return std::vector<std::string>(used.begin(), used.end());
  return Status::InvalidData(
      fmt::format("{}:{}: class '{}' is not one of the 20 Pascal VOC classes the other labels use; fix the name, "
                  "or give a class-name file that lists every class",
                  SafeText(odd_file->xml.string()), odd->line, SafeText(odd->name)));
}

Status AddLabels(const DetectionDatasetOptions& options, VocFile& file, const std::vector<std::string>& classes) {
  int number = 0;
  for (const VocObject& object : file.objects) {
    const std::string where =
        fmt::format("{}:{}: object {} ('{}')", SafeText(file.xml.string()), object.line, ++number, object.name);
    const std::optional<int> class_id = FindClass(classes, object.name);
    if (!class_id) {
      return Status::InvalidData(
          fmt::format("{}: class '{}' is not in the class-name file {}; add it there (or fix "
                      "the name)",
                      where, object.name, SafeText(options.class_names_file.string())));
    }
    if (const std::string problem = PixelBoxProblem(object.box, file.image.width, file.image.height);
        !problem.empty()) {
      return Status::InvalidData(where + ": " + problem);
    }
    file.image.objects.push_back({.box = object.box,
                                  .class_id = *class_id,
                                  .crowd = false,
                                  .difficult = object.difficult,
                                  .area = object.box.area()});
  }
  return Status::Ok();
}

}  // namespace

Result<DetectionDatasetParts> ReadVocDataset(const fs::path& root, const DetectionDatasetOptions& options) {
  std::vector<fs::path> xmls;
  std::error_code ec;
  for (fs::directory_iterator it(root / "Annotations", ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& file = it->path();
    if (file.extension() == ".xml" && !file.filename().string().starts_with(".")) xmls.push_back(file);
  }
  if (ec) return Status::IoError("cannot list " + SafeText((root / "Annotations").string()) + ": " + ec.message());
  std::sort(xmls.begin(), xmls.end());
  std::vector<VocFile> files;
  for (const auto& xml : xmls) {
    SWEETSPOT_ASSIGN_OR_RETURN(VocFile file, ParseVocXml(root, xml));
    files.push_back(std::move(file));
  }
  DetectionDatasetParts parts;
  parts.description = "Pascal VOC " + root.string();
  parts.format = "voc";
  if (options.class_names_file.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(parts.class_names, VocClassList(files));
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(parts.class_names, ReadClassNames(options.class_names_file));
  }
  for (auto& file : files) {
    SWEETSPOT_RETURN_IF_ERROR(AddLabels(options, file, parts.class_names));
    parts.images.push_back(std::move(file.image));
    parts.label_files.push_back(file.xml);
  }
  return parts;
}

}  // namespace sweetspot
