#include "support/detection_fixtures.h"

#include <array>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <gtest/gtest.h>
#include <tinyxml2.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace sweetspot::testing {
namespace fs = std::filesystem;

namespace {

void WriteText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Class c's colour (BGR); distinct from the grey background for 8 classes,
// then repeating.
cv::Scalar ClassColour(int class_id) {
  static const std::array<cv::Scalar, 8> kColours = {
      cv::Scalar(0, 0, 255),   cv::Scalar(0, 255, 0),   cv::Scalar(255, 0, 0),  cv::Scalar(0, 255, 255),
      cv::Scalar(255, 0, 255), cv::Scalar(255, 255, 0), cv::Scalar(0, 64, 192), cv::Scalar(192, 64, 0)};
  return kColours[static_cast<std::size_t>(class_id) % kColours.size()];
}

void DrawImage(const fs::path& path, const ShapeImage& image, std::size_t index) {
  ASSERT_LT(index, 256U) << "pixel (0,0) holds the image index in one byte";
  cv::Mat pixels(image.height, image.width, CV_8UC3, cv::Scalar(128, 128, 128));
  for (const ShapeObject& object : image.objects) {
    cv::rectangle(pixels, cv::Rect(object.x1, object.y1, object.x2 - object.x1, object.y2 - object.y1),
                  ClassColour(object.class_id), cv::FILLED);
  }
  pixels.at<cv::Vec3b>(0, 0)[0] = static_cast<std::uint8_t>(index);
  fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), pixels)) << "cannot write " << path;
}

bool IsHard(const ShapeImage& image, std::size_t object) {
  return image.difficult_last && object + 1 == image.objects.size();
}

void WriteVocXml(const fs::path& path, const ShapeImage& image, const std::vector<std::string>& class_names) {
  tinyxml2::XMLDocument doc;
  tinyxml2::XMLElement* annotation = doc.NewElement("annotation");
  doc.InsertFirstChild(annotation);
  annotation->InsertNewChildElement("folder")->SetText("JPEGImages");
  annotation->InsertNewChildElement("filename")->SetText((image.name + ".png").c_str());
  tinyxml2::XMLElement* size = annotation->InsertNewChildElement("size");
  size->InsertNewChildElement("width")->SetText(image.width);
  size->InsertNewChildElement("height")->SetText(image.height);
  size->InsertNewChildElement("depth")->SetText(3);
  for (std::size_t i = 0; i < image.objects.size(); ++i) {
    const ShapeObject& object = image.objects[i];
    tinyxml2::XMLElement* element = annotation->InsertNewChildElement("object");
    element->InsertNewChildElement("name")->SetText(class_names.at(static_cast<std::size_t>(object.class_id)).c_str());
    element->InsertNewChildElement("truncated")->SetText(0);
    element->InsertNewChildElement("difficult")->SetText(IsHard(image, i) ? 1 : 0);
    tinyxml2::XMLElement* box = element->InsertNewChildElement("bndbox");
    box->InsertNewChildElement("xmin")->SetText(object.x1);
    box->InsertNewChildElement("ymin")->SetText(object.y1);
    box->InsertNewChildElement("xmax")->SetText(object.x2);
    box->InsertNewChildElement("ymax")->SetText(object.y2);
  }
  fs::create_directories(path.parent_path());
  ASSERT_EQ(doc.SaveFile(path.string().c_str()), tinyxml2::XML_SUCCESS) << "cannot write " << path;
}

std::string CocoJson(const std::vector<ShapeImage>& images, const std::vector<std::string>& class_names) {
  nlohmann::json categories = nlohmann::json::array();
  for (std::size_t c = 0; c < class_names.size(); ++c) {
    categories.push_back({{"id", c + 1}, {"name", class_names[c]}, {"supercategory", "shape"}});
  }
  nlohmann::json image_list = nlohmann::json::array();
  nlohmann::json annotations = nlohmann::json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const ShapeImage& image = images[i];
    image_list.push_back(
        {{"id", i + 1}, {"file_name", image.name + ".png"}, {"width", image.width}, {"height", image.height}});
    for (std::size_t k = 0; k < image.objects.size(); ++k) {
      const ShapeObject& o = image.objects[k];
      const int w = o.x2 - o.x1;
      const int h = o.y2 - o.y1;
      annotations.push_back({{"id", annotations.size() + 1},
                             {"image_id", i + 1},
                             {"category_id", o.class_id + 1},
                             {"bbox", {o.x1, o.y1, w, h}},
                             {"area", w * h},
                             {"iscrowd", IsHard(image, k) ? 1 : 0}});
    }
  }
  return nlohmann::json{{"images", image_list}, {"annotations", annotations}, {"categories", categories}}.dump(1);
}

std::string YoloLabels(const ShapeImage& image) {
  std::ostringstream out;
  out << std::setprecision(17);
  for (const ShapeObject& o : image.objects) {
    out << o.class_id << ' ' << (o.x1 + o.x2) / 2.0 / image.width << ' ' << (o.y1 + o.y2) / 2.0 / image.height << ' '
        << static_cast<double>(o.x2 - o.x1) / image.width << ' ' << static_cast<double>(o.y2 - o.y1) / image.height
        << '\n';
  }
  return out.str();
}

std::string YoloYaml(const std::vector<std::string>& class_names) {
  std::string yaml = "val: images\nnames:\n";
  for (const auto& name : class_names) yaml += "  - " + nlohmann::json(name).dump() + "\n";
  return yaml;
}

}  // namespace

fs::path WriteShapesDataset(const fs::path& dir, DetectionFormat format, const std::vector<ShapeImage>& images,
                            const std::vector<std::string>& class_names) {
  std::string names;
  for (const auto& name : class_names) names += name + "\n";
  WriteText(dir / "classes.txt", names);
  const fs::path image_dir = dir / (format == DetectionFormat::kVoc ? "JPEGImages" : "images");
  for (std::size_t i = 0; i < images.size(); ++i) {
    DrawImage(image_dir / (images[i].name + ".png"), images[i], i);
    if (format == DetectionFormat::kVoc) {
      WriteVocXml(dir / "Annotations" / (images[i].name + ".xml"), images[i], class_names);
    } else if (format == DetectionFormat::kYolo && !images[i].objects.empty()) {
      WriteText(dir / "labels" / (images[i].name + ".txt"), YoloLabels(images[i]));
    }
  }
  switch (format) {
    case DetectionFormat::kVoc: return dir;
    case DetectionFormat::kCoco:
      WriteText(dir / "annotations" / "instances_shapes.json", CocoJson(images, class_names));
      return dir / "annotations" / "instances_shapes.json";
    case DetectionFormat::kYolo: WriteText(dir / "data.yaml", YoloYaml(class_names)); return dir / "data.yaml";
  }
  return dir;
}

}  // namespace sweetspot::testing
