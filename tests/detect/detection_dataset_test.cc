#include "sweetspot/detection_dataset.h"

#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "data/data_fixtures.h"
#include "support/detection_fixtures.h"
#include "support/exif_jpeg.h"
#include "support/support.h"
#include "sweetspot/image_decode.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::DetectionFormat;
using ::testing::HasSubstr;
using testing::ShapeImage;
using testing::TempDir;

const std::vector<std::string> kClasses = {"circle", "square", "triangle"};

// Three images: two objects (the last hard), one object, and a negative.
std::vector<ShapeImage> Shapes() {
  return {{"a", 64, 48, {{0, 4, 6, 20, 30}, {2, 30, 10, 60, 40}}, true},
          {"b", 40, 50, {{1, 0, 0, 40, 50}}},
          {"c", 32, 32, {}}};
}

std::unique_ptr<DetectionDataset> OpenOrDie(const fs::path& path, const DetectionDatasetOptions& options = {}) {
  auto opened = OpenDetectionDataset(path, options);
  EXPECT_TRUE(opened.ok()) << opened.status().message();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the first `from` in the file with `to` (asserts it is there).
void Edit(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = Slurp(path);
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  text.replace(at, from.size(), to);
  testing::WriteFile(path, text);
}

// Every error is one line and names the file.
void ExpectOneLineNaming(const Status& status, const std::string& file) {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
  EXPECT_THAT(status.message(), HasSubstr(file));
}

TEST(DetectionDataset, ThreeFormatsGiveTheSameBoxes) {
  TempDir dir;
  std::vector<std::unique_ptr<DetectionDataset>> datasets;
  for (auto format : {DetectionFormat::kVoc, DetectionFormat::kCoco, DetectionFormat::kYolo}) {
    const fs::path root = dir / std::to_string(static_cast<int>(format));
    datasets.push_back(OpenOrDie(testing::WriteShapesDataset(root, format, Shapes(), kClasses)));
    ASSERT_NE(datasets.back(), nullptr);
  }
  EXPECT_EQ(datasets[0]->format(), "voc");
  EXPECT_EQ(datasets[1]->format(), "coco");
  EXPECT_EQ(datasets[2]->format(), "yolo");
  const std::vector<ShapeImage> shapes = Shapes();
  for (const auto& dataset : datasets) {
    SCOPED_TRACE(dataset->description());
    EXPECT_EQ(dataset->class_names(), kClasses);
    ASSERT_EQ(dataset->size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
      const DetectionImage& image = dataset->image(i);
      const ShapeImage& shape = shapes[i];
      EXPECT_EQ(image.path.filename(), shape.name + ".png");
      EXPECT_EQ(image.width, shape.width);
      EXPECT_EQ(image.height, shape.height);
      ASSERT_EQ(image.objects.size(), shape.objects.size());
      for (std::size_t k = 0; k < shape.objects.size(); ++k) {
        const auto& want = shape.objects[k];
        const auto& got = image.objects[k];
        EXPECT_EQ(got.class_id, want.class_id);
        EXPECT_NEAR(got.box.x1, want.x1, 1e-9);
        EXPECT_NEAR(got.box.y1, want.y1, 1e-9);
        EXPECT_NEAR(got.box.x2, want.x2, 1e-9);
        EXPECT_NEAR(got.box.y2, want.y2, 1e-9);
        EXPECT_NEAR(got.area, (want.x2 - want.x1) * (want.y2 - want.y1), 1e-6);
      }
      auto pixels = dataset->Load(i);
      ASSERT_TRUE(pixels.ok()) << pixels.status().message();
      EXPECT_EQ(pixels->type(), CV_8UC3);
      EXPECT_EQ(pixels->cols, shape.width);
      EXPECT_EQ(pixels->at<cv::Vec3b>(0, 0)[0], i);  // the fixture's image index
    }
  }
  // Hard objects: VOC difficult, COCO crowd, YOLO has no flag.
  EXPECT_TRUE(datasets[0]->image(0).objects[1].difficult);
  EXPECT_FALSE(datasets[0]->image(0).objects[0].difficult);
  EXPECT_TRUE(datasets[1]->image(0).objects[1].crowd);
  EXPECT_FALSE(datasets[1]->image(0).objects[1].difficult);
  EXPECT_FALSE(datasets[2]->image(0).objects[1].crowd || datasets[2]->image(0).objects[1].difficult);
  // The negative image is kept and said so.
  for (const auto& dataset : datasets) {
    EXPECT_TRUE(dataset->image(2).objects.empty());
    ASSERT_EQ(dataset->notes().size(), 1U);
    EXPECT_THAT(dataset->notes()[0], HasSubstr("1 of 3 images have no labelled object"));
  }
}

TEST(DetectionDataset, FolderFormsOpenLikeTheirFiles) {
  TempDir dir;
  const fs::path coco = testing::WriteShapesDataset(dir / "coco", DetectionFormat::kCoco, Shapes(), kClasses);
  const fs::path yolo = testing::WriteShapesDataset(dir / "yolo", DetectionFormat::kYolo, Shapes(), kClasses);
  for (const auto& [file, folder] : {std::pair{coco, dir / "coco"}, std::pair{yolo, dir / "yolo"}}) {
    EXPECT_TRUE(IsDetectionDataset(file));
    EXPECT_TRUE(IsDetectionDataset(folder));
    auto from_file = OpenOrDie(file);
    auto from_folder = OpenOrDie(folder);
    ASSERT_TRUE(from_file && from_folder);
    EXPECT_EQ(from_folder->description(), from_file->description());
    EXPECT_EQ(DetectionDatasetIdentity(*from_folder), DetectionDatasetIdentity(*from_file));
  }
  // A YOLO folder without data.yaml takes classes.txt.
  fs::remove(dir / "yolo" / "data.yaml");
  auto plain = OpenOrDie(dir / "yolo");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->class_names(), kClasses);
  EXPECT_EQ(plain->image(1).objects.size(), 1U);
}

TEST(DetectionDataset, RecognisesEachFormatsShapeOnly) {
  TempDir dir;
  const fs::path voc = testing::WriteShapesDataset(dir / "voc", DetectionFormat::kVoc, Shapes(), kClasses);
  EXPECT_TRUE(IsDetectionDataset(voc));
  fs::create_directories(dir / "cls" / "cat");
  EXPECT_FALSE(IsDetectionDataset(dir / "cls"));
  EXPECT_FALSE(IsDetectionDataset(dir / "missing.json"));
  testing::WriteFile(dir / "m.csv", "path,label\n");
  EXPECT_FALSE(IsDetectionDataset(dir / "m.csv"));
}

TEST(DetectionDataset, VocClassListIsTheDevkitsWhenAllNamesAreVocs) {
  TempDir dir;
  const std::vector<std::string> voc_names = {"dog", "aeroplane"};
  auto dataset = OpenOrDie(testing::WriteShapesDataset(dir / "voc", DetectionFormat::kVoc,
                                                       {{"x", 20, 20, {{0, 1, 1, 5, 5}, {1, 6, 6, 9, 9}}}}, voc_names));
  ASSERT_NE(dataset, nullptr);
  ASSERT_EQ(dataset->class_names().size(), 20U);
  EXPECT_EQ(dataset->class_names()[0], "aeroplane");
  EXPECT_EQ(dataset->class_names()[11], "dog");
  EXPECT_EQ(dataset->image(0).objects[0].class_id, 11);
  EXPECT_EQ(dataset->image(0).objects[1].class_id, 0);
  // A class-name file overrides the list; ids follow it.
  auto listed = OpenOrDie(dir / "voc", {.class_names_file = dir / "voc" / "classes.txt", .images_dir = {}});
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->class_names(), voc_names);
  EXPECT_EQ(listed->image(0).objects[0].class_id, 0);
}

TEST(DetectionDataset, SubsetIsSeededSortedAndBounded) {
  TempDir dir;
  std::vector<ShapeImage> many;
  for (int i = 0; i < 30; ++i) many.push_back({"i" + std::to_string(i), 8, 8, {}});
  auto dataset = OpenOrDie(testing::WriteShapesDataset(dir / "coco", DetectionFormat::kCoco, many, kClasses));
  ASSERT_NE(dataset, nullptr);
  const auto subset = DetectionSubset(*dataset, 10, 7);
  ASSERT_EQ(subset.size(), 10U);
  EXPECT_TRUE(std::is_sorted(subset.begin(), subset.end()));
  EXPECT_EQ(std::set<std::size_t>(subset.begin(), subset.end()).size(), 10U);
  EXPECT_EQ(DetectionSubset(*dataset, 10, 7), subset);
  EXPECT_NE(DetectionSubset(*dataset, 10, 8), subset);
  EXPECT_EQ(DetectionSubset(*dataset, 0, 7).size(), 30U);
  EXPECT_EQ(DetectionSubset(*dataset, 100, 7).size(), 30U);
}

TEST(DetectionDataset, IdentityFollowsContentNotLocation) {
  TempDir dir;
  const fs::path first = testing::WriteShapesDataset(dir / "one", DetectionFormat::kVoc, Shapes(), kClasses);
  const fs::path second = testing::WriteShapesDataset(dir / "two", DetectionFormat::kVoc, Shapes(), kClasses);
  const std::string identity = DetectionDatasetIdentity(*OpenOrDie(first));
  EXPECT_EQ(identity.size(), 64U);
  EXPECT_EQ(DetectionDatasetIdentity(*OpenOrDie(second)), identity);
  Edit(second / "Annotations" / "b.xml", "<xmax>40</xmax>", "<xmax>39</xmax>");
  EXPECT_NE(DetectionDatasetIdentity(*OpenOrDie(second)), identity);
  const fs::path third = testing::WriteShapesDataset(dir / "three", DetectionFormat::kVoc, Shapes(), kClasses);
  testing::WriteBmp(third / "JPEGImages" / "c.png", 1, 2, 3);  // same labels, other pixels
  EXPECT_NE(DetectionDatasetIdentity(*OpenOrDie(third)), identity);
}

TEST(DetectionDataset, CocoOpenReadsNoPixels) {
  TempDir dir;
  const fs::path json = testing::WriteShapesDataset(dir.path(), DetectionFormat::kCoco, Shapes(), kClasses);
  testing::WriteFile(dir / "images" / "b.png", "not an image");
  auto dataset = OpenOrDie(json);  // sizes come from the JSON
  ASSERT_NE(dataset, nullptr);
  EXPECT_EQ(dataset->image(1).width, 40);
  EXPECT_EQ(dataset->Load(1).status().code(), StatusCode::kInvalidData);
}

// A box around the marker of testing::RotatedMarkedJpeg() in the displayed
// (oriented) image: x 16..32, y 0..16, then one at the bottom (y 40..60) that
// only fits the 32x64 oriented image, not the 64x32 stored bitmap.
constexpr const char* kOrientedCocoJson =
    R"({"images": [{"id": 1, "file_name": "r.jpg", "width": 32, "height": 64}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [16, 0, 16, 16], "area": 256, "iscrowd": 0},
                        {"id": 2, "image_id": 1, "category_id": 1, "bbox": [4, 40, 20, 20], "area": 400, "iscrowd": 0}],
        "categories": [{"id": 1, "name": "thing"}]})";

// The marker's box mapped onto `image`: red at its centre.
void ExpectMarkerInBox(const cv::Mat& image, const Box& box) {
  const cv::Rect rect(static_cast<int>(box.x1), static_cast<int>(box.y1), static_cast<int>(box.x2 - box.x1),
                      static_cast<int>(box.y2 - box.y1));
  EXPECT_TRUE(testing::IsRed(image, rect)) << rect;
}

TEST(DetectionDataset, EveryFormatReadsLabelsInTheExifOrientedImage) {
  TempDir dir;
  for (const char* sub : {"images", "voc/Annotations", "voc/JPEGImages", "yolo/labels"})
    fs::create_directories(dir / sub);
  testing::WriteFile(dir / "images" / "r.jpg", testing::RotatedMarkedJpeg());
  testing::WriteFile(dir / "coco.json", kOrientedCocoJson);
  testing::WriteFile(dir / "voc" / "Annotations" / "r.xml",
                     "<annotation><filename>r.jpg</filename><size><width>32</width><height>64</height></size>"
                     "<object><name>thing</name><bndbox><xmin>16</xmin><ymin>0</ymin><xmax>32</xmax><ymax>16</ymax>"
                     "</bndbox></object><object><name>thing</name><bndbox><xmin>4</xmin><ymin>40</ymin>"
                     "<xmax>24</xmax><ymax>60</ymax></bndbox></object></annotation>");
  testing::WriteFile(dir / "voc" / "JPEGImages" / "r.jpg", testing::RotatedMarkedJpeg());
  testing::WriteFile(dir / "voc" / "classes.txt", "thing\n");
  fs::copy(dir / "images", dir / "yolo" / "images", fs::copy_options::recursive);
  testing::WriteFile(dir / "yolo" / "labels" / "r.txt", "0 0.75 0.125 0.5 0.25\n0 0.4375 0.78125 0.625 0.3125\n");
  testing::WriteFile(dir / "yolo" / "classes.txt", "thing\n");
  const DetectionDatasetOptions voc_options{.class_names_file = dir / "voc" / "classes.txt", .images_dir = {}};
  const DetectionDatasetOptions coco_options{.class_names_file = {}, .images_dir = dir / "images"};
  for (auto& [dataset, name] :
       {std::pair{OpenOrDie(dir / "coco.json", coco_options), "coco"},
        std::pair{OpenOrDie(dir / "voc", voc_options), "voc"}, std::pair{OpenOrDie(dir / "yolo"), "yolo"}}) {
    SCOPED_TRACE(name);
    ASSERT_NE(dataset, nullptr);  // the box at y 40..60 fits the oriented 32x64 image only
    EXPECT_EQ(cv::Size(dataset->image(0).width, dataset->image(0).height), testing::kOrientedSize);
    ASSERT_EQ(dataset->image(0).objects.size(), 2U);
    EXPECT_DOUBLE_EQ(dataset->image(0).objects[1].box.y2, 60);
    auto image = dataset->Load(0);
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->size(), testing::kOrientedSize);
    ExpectMarkerInBox(*image, dataset->image(0).objects[0].box);
    const auto direct = ReadImage(dir / "images" / "r.jpg");
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(cv::norm(*image, *direct, cv::NORM_INF), 0.0);  // the shared decode, pixel for pixel
  }
}

TEST(DetectionDataset, CocoAndVocSizesOfTheStoredBitmapLoadTheStoredBitmap) {
  TempDir dir;
  for (const char* sub : {"images", "voc/Annotations", "voc/JPEGImages"}) fs::create_directories(dir / sub);
  testing::WriteFile(dir / "images" / "r.jpg", testing::RotatedMarkedJpeg());
  // Labels drawn by a tool that ignores the tag: the stored 64x32 size, the marker at x 0..16.
  testing::WriteFile(dir / "coco.json", R"({"images": [{"id": 1, "file_name": "r.jpg", "width": 64, "height": 32}],
      "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 16, 16], "area": 256, "iscrowd": 0}],
      "categories": [{"id": 1, "name": "thing"}]})");
  auto coco = OpenOrDie(dir / "coco.json", {.class_names_file = {}, .images_dir = dir / "images"});
  ASSERT_NE(coco, nullptr);
  auto stored = coco->Load(0);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_EQ(stored->size(), testing::kStoredSize);
  ExpectMarkerInBox(*stored, coco->image(0).objects[0].box);
  // Without a size in the labels, the size read at open is the oriented one.
  testing::WriteFile(dir / "voc" / "Annotations" / "r.xml",
                     "<annotation><filename>r.jpg</filename><object><name>thing</name><bndbox><xmin>16</xmin>"
                     "<ymin>0</ymin><xmax>32</xmax><ymax>16</ymax></bndbox></object></annotation>");
  testing::WriteFile(dir / "voc" / "JPEGImages" / "r.jpg", testing::RotatedMarkedJpeg());
  testing::WriteFile(dir / "voc" / "classes.txt", "thing\n");
  auto voc = OpenOrDie(dir / "voc", {.class_names_file = dir / "voc" / "classes.txt", .images_dir = {}});
  ASSERT_NE(voc, nullptr);
  EXPECT_EQ(cv::Size(voc->image(0).width, voc->image(0).height), testing::kOrientedSize);
  auto oriented = voc->Load(0);
  ASSERT_TRUE(oriented.ok()) << oriented.status().message();
  ExpectMarkerInBox(*oriented, voc->image(0).objects[0].box);
}

TEST(DetectionDataset, RealVoc100) {
  const fs::path root = testing::SharedData("voc100-nanodet/data");
  if (root.empty()) GTEST_SKIP() << "../shared/data/voc100-nanodet/data is missing (see ../shared/data/README.md)";
  auto dataset = OpenOrDie(root);
  ASSERT_NE(dataset, nullptr);
  EXPECT_EQ(dataset->format(), "voc");
  EXPECT_EQ(dataset->size(), 100U);
  EXPECT_EQ(dataset->class_names().size(), 20U);
  std::size_t boxes = 0, difficult = 0;
  std::set<int> classes;
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    for (const auto& object : dataset->image(i).objects) {
      ++boxes;
      difficult += object.difficult ? 1 : 0;
      classes.insert(object.class_id);
    }
  }
  EXPECT_EQ(boxes, 273U);
  EXPECT_EQ(difficult, 38U);
  EXPECT_EQ(classes.size(), 20U);
  EXPECT_EQ(dataset->image(0).id, "JPEGImages/2007_000027.jpg");
  EXPECT_EQ(dataset->image(0).width, 486);
  const auto& person = dataset->image(0).objects.at(0);
  EXPECT_EQ(dataset->class_names()[static_cast<std::size_t>(person.class_id)], "person");
  EXPECT_DOUBLE_EQ(person.box.x1, 174);
  EXPECT_DOUBLE_EQ(person.box.y2, 351);
  auto pixels = dataset->Load(0);
  ASSERT_TRUE(pixels.ok()) << pixels.status().message();
  EXPECT_EQ(pixels->cols, 486);
  EXPECT_EQ(pixels->rows, 500);
}

// ------------------------------------------------------------- bad input
// One test per bad input: the error is one line naming the file (and line or
// object), and applying the fix it proposes makes the dataset open.

class BadDetectionInput : public ::testing::Test {
 protected:
  fs::path Write(DetectionFormat format) {
    return testing::WriteShapesDataset(dir_.path(), format, Shapes(), kClasses);
  }
  Status OpenStatus(const fs::path& path, const DetectionDatasetOptions& options = {}) {
    return OpenDetectionDataset(path, options).status();
  }
  void ExpectOpens(const fs::path& path, const DetectionDatasetOptions& options = {}) {
    const Status status = OpenStatus(path, options);
    EXPECT_TRUE(status.ok()) << "after the fix: " << status.message();
  }
  TempDir dir_;
};

TEST_F(BadDetectionInput, VocMalformedXml) {
  const fs::path root = Write(DetectionFormat::kVoc);
  Edit(root / "Annotations" / "b.xml", "</object>", "</objekt>");
  const Status status = OpenStatus(root);
  ExpectOneLineNaming(status, "b.xml:");
  EXPECT_THAT(status.message(), HasSubstr("malformed XML"));
  EXPECT_THAT(status.message(), HasSubstr("fix or remove the file"));
  fs::remove(root / "Annotations" / "b.xml");
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, VocNotAnAnnotation) {
  const fs::path root = Write(DetectionFormat::kVoc);
  const std::string good = Slurp(root / "Annotations" / "b.xml");
  testing::WriteFile(root / "Annotations" / "b.xml", "<svg/>");
  ExpectOneLineNaming(OpenStatus(root), "b.xml: no <annotation> root element");
  testing::WriteFile(root / "Annotations" / "b.xml", good);
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, VocNonNumericCorner) {
  const fs::path root = Write(DetectionFormat::kVoc);
  Edit(root / "Annotations" / "a.xml", "<ymax>40</ymax>", "<ymax>forty</ymax>");
  const Status status = OpenStatus(root);
  ExpectOneLineNaming(status, "a.xml:");
  EXPECT_THAT(status.message(), HasSubstr("<ymax> of object 2 ('triangle') is 'forty', not a number; fix it"));
  Edit(root / "Annotations" / "a.xml", "<ymax>forty</ymax>", "<ymax>40</ymax>");
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, VocObjectWithoutNameOrBox) {
  const fs::path root = Write(DetectionFormat::kVoc);
  Edit(root / "Annotations" / "b.xml", "<xmax>40</xmax>", "");
  ExpectOneLineNaming(OpenStatus(root), "b.xml:");
  EXPECT_THAT(OpenStatus(root).message(), HasSubstr("object 1 ('square') has no <xmax>; add it"));
  Edit(root / "Annotations" / "b.xml", "<ymax>", "<xmax>40</xmax><ymax>");
  ExpectOpens(root);
  Edit(root / "Annotations" / "b.xml", "<name>square</name>", "<name></name>");
  EXPECT_THAT(OpenStatus(root).message(), HasSubstr("object 1 has no <name>; add its class name"));
  Edit(root / "Annotations" / "b.xml", "<name></name>", "<name>square</name>");
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, VocZeroAreaBox) {
  const fs::path root = Write(DetectionFormat::kVoc);
  Edit(root / "Annotations" / "a.xml", "<xmax>20</xmax>", "<xmax>4</xmax>");
  const Status status = OpenStatus(root);
  ExpectOneLineNaming(status, "a.xml:");
  EXPECT_THAT(status.message(), HasSubstr("object 1 ('circle')"));
  EXPECT_THAT(status.message(), HasSubstr("zero or negative area; fix its corners"));
  Edit(root / "Annotations" / "a.xml", "<xmax>4</xmax>", "<xmax>20</xmax>");
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, VocBoxOutsideTheImageBeyondOnePixel) {
  const fs::path root = Write(DetectionFormat::kVoc);
  Edit(root / "Annotations" / "b.xml", "<xmax>40</xmax>", "<xmax>41</xmax>");  // within 1 pixel: accepted
  ExpectOpens(root);
  Edit(root / "Annotations" / "b.xml", "<xmax>41</xmax>", "<xmax>42</xmax>");
  const Status status = OpenStatus(root);
  ExpectOneLineNaming(status, "b.xml:");
  EXPECT_THAT(status.message(), HasSubstr("outside the 40x50 image by more than 1 pixel; fix the box"));
  Edit(root / "Annotations" / "b.xml", "<xmax>42</xmax>", "<xmax>40</xmax>");
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, VocLabelOutsideTheClassFile) {
  const fs::path root = Write(DetectionFormat::kVoc);
  testing::WriteFile(dir_ / "two.txt", "circle\nsquare\n");
  const Status status = OpenStatus(root, {.class_names_file = dir_ / "two.txt", .images_dir = {}});
  ExpectOneLineNaming(status, "a.xml:");
  EXPECT_THAT(status.message(), HasSubstr("class 'triangle' is not in the class-name file"));
  EXPECT_THAT(status.message(), HasSubstr("add it there"));
  testing::WriteFile(dir_ / "two.txt", "circle\nsquare\ntriangle\n");
  ExpectOpens(root, {.class_names_file = dir_ / "two.txt", .images_dir = {}});
}

// A misspelt name among the standard VOC classes would become a class of
// its own with AP 0; both fixes the message proposes make the dataset open.
TEST_F(BadDetectionInput, VocNameBesideTheStandardClasses) {
  const fs::path root = dir_ / "voc";
  fs::create_directories(root / "Annotations");
  fs::create_directories(root / "JPEGImages");
  cv::imwrite((root / "JPEGImages" / "a.png").string(), cv::Mat(50, 40, CV_8UC3, cv::Scalar::all(90)));
  const auto xml = [](const std::string& second) {
    return "<annotation><filename>a.png</filename><size><width>40</width><height>50</height></size>"
           "<object><name>person</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>20</xmax><ymax>20</ymax>"
           "</bndbox></object>\n<object><name>" +
           second +
           "</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>"
           "</annotation>";
  };
  testing::WriteFile(root / "Annotations" / "a.xml", xml("persn"));
  const Status status = OpenStatus(root);
  ExpectOneLineNaming(status, "a.xml:2:");
  EXPECT_THAT(status.message(), HasSubstr("class 'persn' is not one of the 20 Pascal VOC classes"));
  EXPECT_THAT(status.message(), HasSubstr("fix the name, or give a class-name file that lists every class"));
  testing::WriteFile(dir_ / "mine.txt", "person\npersn\n");
  ExpectOpens(root, {.class_names_file = dir_ / "mine.txt", .images_dir = {}});
  testing::WriteFile(root / "Annotations" / "a.xml", xml("person"));
  ExpectOpens(root);
  EXPECT_EQ(OpenDetectionDataset(root).value()->class_names().size(), 20U);
}

TEST_F(BadDetectionInput, ClassFileListingANameTwice) {
  const fs::path root = Write(DetectionFormat::kVoc);
  testing::WriteFile(dir_ / "names.txt", "circle\nsquare\n\ncircle\ntriangle\n");
  const Status status = OpenStatus(root, {.class_names_file = dir_ / "names.txt", .images_dir = {}});
  ExpectOneLineNaming(status, "names.txt:4: 'circle' is already listed on line 1; remove one");
  testing::WriteFile(dir_ / "names.txt", "circle\nsquare\n\ntriangle\n");
  ExpectOpens(root, {.class_names_file = dir_ / "names.txt", .images_dir = {}});
}

TEST_F(BadDetectionInput, VocMissingImage) {
  const fs::path root = Write(DetectionFormat::kVoc);
  fs::rename(root / "JPEGImages" / "b.png", dir_ / "b.png");
  const Status status = OpenStatus(root);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  ExpectOneLineNaming(status, "b.xml");
  EXPECT_THAT(status.message(), HasSubstr("put the image there"));
  fs::rename(dir_ / "b.png", root / "JPEGImages" / "b.png");
  ExpectOpens(root);
}

TEST_F(BadDetectionInput, CocoMalformedJson) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"categories\"", "\"categories\" ,");
  const Status status = OpenStatus(json);
  ExpectOneLineNaming(status, "instances_shapes.json");
  EXPECT_THAT(status.message(), HasSubstr("malformed JSON"));
  EXPECT_THAT(status.message(), HasSubstr("line "));
  Edit(json, "\"categories\" ,", "\"categories\"");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoWithoutImagesArray) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"images\"", "\"pictures\"");
  ExpectOneLineNaming(OpenStatus(json), "instances_shapes.json: no \"images\" array");
  Edit(json, "\"pictures\"", "\"images\"");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoImageWithoutFileName) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"file_name\": \"b.png\"", "\"file\": \"b.png\"");
  ExpectOneLineNaming(OpenStatus(json), "instances_shapes.json: images[1] needs an integer \"id\" and a string");
  Edit(json, "\"file\": \"b.png\"", "\"file_name\": \"b.png\"");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoRepeatedImageId) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"file_name\": \"c.png\",\n   \"height\": 32,\n   \"id\": 3",
       "\"file_name\": \"c.png\",\n   \"height\": 32,\n   \"id\": 2");
  ExpectOneLineNaming(OpenStatus(json), "instances_shapes.json: images[2] repeats image id 2");
  EXPECT_THAT(OpenStatus(json).message(), HasSubstr("give each image its own id"));
  Edit(json, "\"file_name\": \"c.png\",\n   \"height\": 32,\n   \"id\": 2",
       "\"file_name\": \"c.png\",\n   \"height\": 32,\n   \"id\": 3");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoAnnotationOfAnUnlistedImage) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"image_id\": 2", "\"image_id\": 9");
  const Status status = OpenStatus(json);
  ExpectOneLineNaming(status, "instances_shapes.json: annotations[2] (id 3)");
  EXPECT_THAT(status.message(), HasSubstr("image_id 9 is not among the file's images; fix the id"));
  Edit(json, "\"image_id\": 9", "\"image_id\": 2");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoMalformedAnnotation) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"bbox\"", "\"box\"");
  ExpectOneLineNaming(OpenStatus(json), "annotations[0] (id 1): needs integer \"image_id\"");
  Edit(json, "\"box\"", "\"bbox\"");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoUnknownCategory) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "\"category_id\": 2", "\"category_id\": 7");
  const Status status = OpenStatus(json);
  ExpectOneLineNaming(status, "annotations[2] (id 3)");
  EXPECT_THAT(status.message(), HasSubstr("category_id 7 is not in the class list; fix the id"));
  Edit(json, "\"category_id\": 7", "\"category_id\": 2");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoCategoryOutsideTheClassFile) {
  const fs::path json = Write(DetectionFormat::kCoco);
  testing::WriteFile(dir_ / "two.txt", "triangle\ncircle\n");
  const Status status = OpenStatus(json, {.class_names_file = dir_ / "two.txt", .images_dir = {}});
  ExpectOneLineNaming(status, "annotations[2] (id 3): category_id 2 is not in the class list");
  EXPECT_THAT(status.message(), HasSubstr("in the class-name file"));
  testing::WriteFile(dir_ / "two.txt", "triangle\ncircle\nsquare\n");
  auto dataset = OpenOrDie(json, {.class_names_file = dir_ / "two.txt", .images_dir = {}});
  ASSERT_NE(dataset, nullptr);
  EXPECT_EQ(dataset->image(0).objects[0].class_id, 1);  // circle, by name
}

TEST_F(BadDetectionInput, CocoZeroAreaAndOutsideBoxes) {
  const fs::path json = Write(DetectionFormat::kCoco);
  Edit(json, "40,\n    50\n   ]", "0,\n    50\n   ]");
  ExpectOneLineNaming(OpenStatus(json), "annotations[2]");
  EXPECT_THAT(OpenStatus(json).message(), HasSubstr("zero or negative area"));
  Edit(json, "0,\n    50\n   ]", "45,\n    50\n   ]");
  ExpectOneLineNaming(OpenStatus(json), "annotations[2]");
  EXPECT_THAT(OpenStatus(json).message(), HasSubstr("outside the 40x50 image"));
  Edit(json, "45,\n    50\n   ]", "40,\n    50\n   ]");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoImagesElsewhere) {
  const fs::path json = Write(DetectionFormat::kCoco);
  fs::rename(dir_ / "images", dir_ / "pictures");
  const Status status = OpenStatus(json);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  ExpectOneLineNaming(status, (dir_ / "annotations").string());
  EXPECT_THAT(status.message(), HasSubstr("set images_dir"));
  ExpectOpens(json, {.class_names_file = {}, .images_dir = dir_ / "pictures"});
}

TEST_F(BadDetectionInput, CocoOneListedImageMissing) {
  const fs::path json = Write(DetectionFormat::kCoco);
  fs::rename(dir_ / "images" / "c.png", dir_ / "c.png");
  const Status status = OpenStatus(json);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  ExpectOneLineNaming(status, "image 'c.png' (images[2]) is not in " + (dir_ / "images").string() + "; add it");
  fs::rename(dir_ / "c.png", dir_ / "images" / "c.png");
  ExpectOpens(json);
}

TEST_F(BadDetectionInput, CocoFolderWithTwoInstanceFiles) {
  const fs::path json = Write(DetectionFormat::kCoco);
  fs::copy_file(json, dir_ / "annotations" / "instances_other.json");
  const Status status = OpenStatus(dir_.path());
  ExpectOneLineNaming(status, "holds 2 annotations/instances_*.json files");
  EXPECT_THAT(status.message(), HasSubstr("pass the JSON file to use"));
  ExpectOpens(dir_ / "annotations" / "instances_other.json");
}

TEST_F(BadDetectionInput, YoloMalformedRow) {
  const fs::path yaml = Write(DetectionFormat::kYolo);
  testing::WriteFile(dir_ / "labels" / "b.txt", "1 0.5 0.5 1 1\n\n1 0.5 0.5 x\n");
  const Status status = OpenStatus(yaml);
  ExpectOneLineNaming(status, "b.txt:3");
  EXPECT_THAT(status.message(), HasSubstr("is not `class cx cy w h`"));
  testing::WriteFile(dir_ / "labels" / "b.txt", "1 0.5 0.5 1 1\n\n1 0.5 0.5 0.2 0.2\n");
  ExpectOpens(yaml);
}

TEST_F(BadDetectionInput, YoloClassOutsideTheList) {
  const fs::path yaml = Write(DetectionFormat::kYolo);
  testing::WriteFile(dir_ / "labels" / "b.txt", "3 0.5 0.5 1 1\n");
  const Status status = OpenStatus(yaml);
  ExpectOneLineNaming(status, "b.txt:1");
  EXPECT_THAT(status.message(), HasSubstr("class 3 is outside the class list (0..2); fix the row or the class names"));
  testing::WriteFile(yaml, "val: images\nnames: [circle, square, triangle, hexagon]\n");
  ExpectOpens(yaml);
}

TEST_F(BadDetectionInput, YoloBoxOutsideUnitSquareAndZeroArea) {
  const fs::path yaml = Write(DetectionFormat::kYolo);
  testing::WriteFile(dir_ / "labels" / "b.txt", "1 0.5 0.5 1.0005 1\n");  // within 1e-3: accepted
  ExpectOpens(yaml);
  testing::WriteFile(dir_ / "labels" / "b.txt", "1 0.5 0.5 1.01 1\n");
  ExpectOneLineNaming(OpenStatus(yaml), "b.txt:1");
  EXPECT_THAT(OpenStatus(yaml).message(), HasSubstr("outside [0, 1]"));
  testing::WriteFile(dir_ / "labels" / "b.txt", "1 0.5 0.5 0 1\n");
  ExpectOneLineNaming(OpenStatus(yaml), "b.txt:1");
  EXPECT_THAT(OpenStatus(yaml).message(), HasSubstr("zero or negative area"));
  testing::WriteFile(dir_ / "labels" / "b.txt", "1 0.5 0.5 1 1\n");
  ExpectOpens(yaml);
}

TEST_F(BadDetectionInput, YoloMalformedYaml) {
  const fs::path yaml = Write(DetectionFormat::kYolo);
  testing::WriteFile(yaml, "val: images\nnames: [a, b\n");
  const Status status = OpenStatus(yaml);
  ExpectOneLineNaming(status, "data.yaml:");
  EXPECT_THAT(status.message(), HasSubstr("malformed YAML"));
  testing::WriteFile(yaml, "val: images\nnames: [a, b, c]\n");
  ExpectOpens(yaml);
}

TEST_F(BadDetectionInput, YoloNamesMapWithAGap) {
  const fs::path yaml = Write(DetectionFormat::kYolo);
  testing::WriteFile(yaml, "val: images\nnames:\n  0: circle\n  2: square\n");
  const Status status = OpenStatus(yaml);
  ExpectOneLineNaming(status, "data.yaml:3");
  EXPECT_THAT(status.message(), HasSubstr("but 1 is missing; number the classes from 0"));
  testing::WriteFile(yaml, "val: images\nnames:\n  0: circle\n  1: square\n  2: triangle\n");
  ExpectOpens(yaml);
}

TEST_F(BadDetectionInput, YoloMissingValFolder) {
  const fs::path yaml = Write(DetectionFormat::kYolo);
  testing::WriteFile(yaml, "val: images/val\nnames: [circle, square, triangle]\n");
  const Status status = OpenStatus(yaml);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  ExpectOneLineNaming(status, "data.yaml");
  EXPECT_THAT(status.message(), HasSubstr("point `val`"));
  testing::WriteFile(yaml, "path: .\nval: images\nnames: [circle, square, triangle]\n");
  ExpectOpens(yaml);
}

TEST_F(BadDetectionInput, YoloFolderWithoutClassList) {
  Write(DetectionFormat::kYolo);
  fs::remove(dir_ / "data.yaml");
  fs::rename(dir_ / "classes.txt", dir_ / "list.txt");
  const Status status = OpenStatus(dir_.path());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  ExpectOneLineNaming(status, "has no class list");
  EXPECT_THAT(status.message(), HasSubstr("pass a class-name file"));
  ExpectOpens(dir_.path(), {.class_names_file = dir_ / "list.txt", .images_dir = {}});
  fs::rename(dir_ / "list.txt", dir_ / "obj.names");
  ExpectOpens(dir_.path());
}

TEST_F(BadDetectionInput, NotADatasetAndNoImages) {
  fs::create_directories(dir_ / "empty" / "Annotations");
  const Status status = OpenStatus(dir_ / "empty");
  ExpectOneLineNaming(status, "empty");
  EXPECT_THAT(status.message(), HasSubstr("holds no image"));
  fs::create_directories(dir_ / "plain");
  ExpectOneLineNaming(OpenStatus(dir_ / "plain"), "plain");
  EXPECT_THAT(OpenStatus(dir_ / "plain").message(), HasSubstr("pass the dataset's root folder"));
  EXPECT_EQ(OpenStatus(dir_ / "nothing.json").code(), StatusCode::kNotFound);
  testing::WriteFile(dir_ / "notes.txt", "x");
  EXPECT_EQ(OpenStatus(dir_ / "notes.txt").code(), StatusCode::kInvalidArgument);
  // The fix: point at a folder with images.
  ExpectOpens(Write(DetectionFormat::kVoc));
}

TEST_F(BadDetectionInput, LoadOfACorruptImage) {
  const fs::path root = Write(DetectionFormat::kVoc);
  auto dataset = OpenOrDie(root);
  ASSERT_NE(dataset, nullptr);
  const std::string good = Slurp(root / "JPEGImages" / "b.png");
  testing::WriteFile(root / "JPEGImages" / "b.png", "not a png");
  const auto loaded = dataset->Load(1);
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidData);
  ExpectOneLineNaming(loaded.status(), "b.png");
  EXPECT_THAT(loaded.status().message(), HasSubstr("replace or remove it"));
  testing::WriteFile(root / "JPEGImages" / "b.png", good);
  EXPECT_TRUE(dataset->Load(1).ok());
}

TEST_F(BadDetectionInput, LoadOfAnImageOfAnotherSize) {
  const fs::path root = Write(DetectionFormat::kVoc);
  auto dataset = OpenOrDie(root);
  ASSERT_NE(dataset, nullptr);
  testing::WriteFile(root / "JPEGImages" / "b.png", Slurp(root / "JPEGImages" / "c.png"));
  const auto loaded = dataset->Load(1);
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidData);
  ExpectOneLineNaming(loaded.status(), "b.png is 32x32 pixels but its labels say 40x50; fix the labels' size");
  Edit(root / "Annotations" / "b.xml", "<width>40</width>", "<width>32</width>");
  Edit(root / "Annotations" / "b.xml", "<height>50</height>", "<height>32</height>");
  Edit(root / "Annotations" / "b.xml", "<xmax>40</xmax>", "<xmax>32</xmax>");
  Edit(root / "Annotations" / "b.xml", "<ymax>50</ymax>", "<ymax>32</ymax>");
  auto fixed = OpenOrDie(root);
  ASSERT_NE(fixed, nullptr);
  EXPECT_TRUE(fixed->Load(1).ok());
}

}  // namespace
}  // namespace sweetspot
