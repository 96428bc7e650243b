#include "sweetspot/keypoint_dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/support.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using nlohmann::json;
using testing::TempDir;
using testing::WriteFile;

// A 64x48 black JPEG named `name` in `dir`.
void WriteImage(const fs::path& dir, const std::string& name) {
  ASSERT_TRUE(cv::imwrite((dir / name).string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(0, 0, 0))));
}

// One 64x48 image, one person with its 17 joints at (10 + j, 20), all visible.
json TinyCoco() {
  json keypoints = json::array();
  for (int j = 0; j < 17; ++j) keypoints.insert(keypoints.end(), {10 + j, 20, 2});
  json unlabelled = json::array();
  for (int j = 0; j < 17; ++j) unlabelled.insert(unlabelled.end(), {0, 0, 0});
  return {{"categories", {{{"id", 1}, {"name", "person"}}}},
          {"images", {{{"id", 7}, {"file_name", "a.jpg"}, {"width", 64}, {"height", 48}}}},
          {"annotations",
           {{{"id", 1}, {"image_id", 7}, {"category_id", 1}, {"bbox", {8, 10, 30, 20}}, {"area", 450.0},
             {"keypoints", keypoints}},
            {{"id", 2}, {"image_id", 7}, {"category_id", 1}, {"bbox", {1, 1, 5, 5}}, {"keypoints", unlabelled}}}}};
}

json WithCategoryKeypoints(json doc) {
  doc["categories"][0]["keypoints"] = json::array();
  for (int j = 0; j < 17; ++j) doc["categories"][0]["keypoints"].push_back("k" + std::to_string(j));
  return doc;
}

// One MPII person in a 64x48 image: joints at (j, 2j), head_top (index 9) at
// (9, 18) and upper_neck (index 8) at (8, 16) -> head segment sqrt(1 + 4).
json TinyMpii() {
  json joints = json::array();
  for (int j = 0; j < 16; ++j) joints.push_back({j, 2 * j});
  return json::array({{{"image", "m.jpg"}, {"joints", joints}, {"joints_vis", std::vector<int>(16, 1)},
                       {"center", {32, 24}}, {"scale", 0.2}}});
}

Result<KeypointDataset> OpenDoc(const TempDir& dir, const json& doc, const KeypointDatasetOptions& options = {}) {
  WriteFile(dir / "labels.json", doc.dump());
  return OpenKeypointDataset(dir / "labels.json", options);
}

TEST(KeypointDataset, ReadsTinyCocoAndSkipsThePersonWithoutLabels) {
  TempDir dir;
  WriteImage(dir.path(), "a.jpg");
  const auto dataset = OpenDoc(dir, WithCategoryKeypoints(TinyCoco()));
  ASSERT_TRUE(dataset.ok()) << dataset.status().message();
  EXPECT_EQ(dataset->format, "coco");
  EXPECT_EQ(dataset->schema.name, "coco17");
  ASSERT_EQ(dataset->images.size(), 1U);
  ASSERT_EQ(dataset->persons.size(), 1U);
  const Person& person = dataset->persons[0].person;
  // bbox [8, 10, 30, 20] -> corners (8, 10)-(38, 30).
  EXPECT_DOUBLE_EQ(person.box.x2, 38.0);
  EXPECT_DOUBLE_EQ(person.box.y2, 30.0);
  EXPECT_DOUBLE_EQ(person.area, 450.0);
  ASSERT_EQ(person.keypoints.size(), 17U);
  EXPECT_DOUBLE_EQ(person.keypoints[16].x, 26.0);
  EXPECT_FLOAT_EQ(person.keypoints[16].score, 2.0F);
  ASSERT_EQ(dataset->notes.size(), 1U);
  EXPECT_THAT(dataset->notes[0], HasSubstr("1 person(s) skipped: no labelled joint (annotations[1] (id 2))"));
}

TEST(KeypointDataset, CategoryWithWrongJointCountIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "a.jpg");
  auto doc = TinyCoco();
  doc["categories"][0]["keypoints"] = {"nose"};
  const auto refused = OpenDoc(dir, doc);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("categories[0] lists 1 keypoints, but coco17 has 17"));
  EXPECT_TRUE(OpenDoc(dir, WithCategoryKeypoints(TinyCoco())).ok());
}

TEST(KeypointDataset, AnnotationWithWrongJointCountIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "a.jpg");
  auto doc = WithCategoryKeypoints(TinyCoco());
  const json good = doc["annotations"][0]["keypoints"];
  json& keypoints = doc["annotations"][0]["keypoints"];
  keypoints.erase(keypoints.end() - 3, keypoints.end());
  const auto refused = OpenDoc(dir, doc);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("labels.json: annotations[0] (id 1): \"keypoints\" holds 48 values, but coco17 needs 51"));
  doc["annotations"][0]["keypoints"] = good;
  EXPECT_TRUE(OpenDoc(dir, doc).ok());
}

TEST(KeypointDataset, CocoBoxOutsideTheImageIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "a.jpg");
  auto doc = WithCategoryKeypoints(TinyCoco());
  doc["annotations"][0]["bbox"] = {40, 10, 30, 20};  // x2 = 70 > 64 + 1
  const auto refused = OpenDoc(dir, doc);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("annotations[0] (id 1): box (40, 10)-(70, 30) lies outside"));
  doc["annotations"][0]["bbox"] = {30, 10, 30, 20};
  EXPECT_TRUE(OpenDoc(dir, doc).ok());
}

TEST(KeypointDataset, MissingImageIsRefusedThenFoundThroughImageDir) {
  TempDir dir;
  fs::create_directories(dir / "pictures");
  WriteImage(dir / "pictures", "a.jpg");
  const auto refused = OpenDoc(dir, WithCategoryKeypoints(TinyCoco()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(refused.status().message(), HasSubstr("image 'a.jpg' (images[0]) is not in"));
  EXPECT_THAT(refused.status().message(), HasSubstr("set image_dir"));
  EXPECT_TRUE(OpenDoc(dir, WithCategoryKeypoints(TinyCoco()), {.image_dir = dir / "pictures"}).ok());
}

TEST(KeypointDataset, MalformedJsonIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "m.jpg");
  WriteFile(dir / "labels.json", TinyMpii().dump().substr(0, 40));
  const auto refused = OpenKeypointDataset(dir / "labels.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("labels.json: malformed JSON"));
  EXPECT_TRUE(OpenDoc(dir, TinyMpii()).ok());
}

TEST(KeypointDataset, FileInNeitherFormatIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "a.jpg");
  const auto refused = OpenDoc(dir, TinyCoco());  // a detection file: no category lists "keypoints"
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("labels.json: neither COCO keypoints"));
  EXPECT_TRUE(OpenDoc(dir, WithCategoryKeypoints(TinyCoco())).ok());
}

TEST(KeypointDataset, ReadsTinyMpiiWithSquareBoxAndHeadSegment) {
  TempDir dir;
  WriteImage(dir.path(), "m.jpg");
  const auto dataset = OpenDoc(dir, TinyMpii());
  ASSERT_TRUE(dataset.ok()) << dataset.status().message();
  EXPECT_EQ(dataset->format, "mpii");
  EXPECT_EQ(dataset->schema.name, "mpii16");
  ASSERT_EQ(dataset->persons.size(), 1U);
  const Person& person = dataset->persons[0].person;
  // scale 0.2 -> side 0.2 * 200 = 40 px around (32, 24): (12, 4)-(52, 44).
  EXPECT_DOUBLE_EQ(person.box.x1, 12.0);
  EXPECT_DOUBLE_EQ(person.box.y2, 44.0);
  EXPECT_DOUBLE_EQ(person.head_size, std::sqrt(5.0));
  EXPECT_EQ(dataset->images[0].width, 64);
}

TEST(KeypointDataset, MpiiWrongJointCountIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "m.jpg");
  auto doc = TinyMpii();
  doc[0]["joints"].erase(15);
  const auto refused = OpenDoc(dir, doc);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("labels.json: [0] (image 'm.jpg'): \"joints\" holds 15 and \"joints_vis\" 16 entries, but "
                        "mpii16 needs 16"));
  EXPECT_TRUE(OpenDoc(dir, TinyMpii()).ok());
}

TEST(KeypointDataset, MpiiCentreOutsideTheImageIsRefusedThenAccepted) {
  TempDir dir;
  WriteImage(dir.path(), "m.jpg");
  auto doc = TinyMpii();
  doc[0]["center"] = {70, 24};
  const auto refused = OpenDoc(dir, doc);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("[0] (image 'm.jpg'): the person box centred on (70, 24) lies outside the 64x48 image; fix "
                        "\"center\""));
  doc[0]["center"] = {60, 24};
  EXPECT_TRUE(OpenDoc(dir, doc).ok());
}

TEST(KeypointDataset, SharedCocoFileHasTwelveLabelledPersons) {
  SWEETSPOT_REQUIRE_SHARED_DATA(file, "pose-efficientpose/data/coco/test_coco.json");
  const auto dataset = OpenKeypointDataset(file);
  ASSERT_TRUE(dataset.ok()) << dataset.status().message();
  EXPECT_EQ(dataset->images.size(), 4U);
  EXPECT_EQ(dataset->persons.size(), 12U);
  ASSERT_EQ(dataset->notes.size(), 1U);
  EXPECT_THAT(dataset->notes[0], HasSubstr("2 person(s) skipped: no labelled joint"));
  // annotations[0] (id 442619): bbox [280.79, 44.73, 218.7, 346.68], nose (367, 81, v 2).
  const Person& first = dataset->persons[0].person;
  EXPECT_NEAR(first.box.x2, 280.79 + 218.7, 1e-9);
  EXPECT_DOUBLE_EQ(first.keypoints[0].x, 367.0);
  EXPECT_EQ(dataset->images[dataset->persons[0].image].width, 640);
}

TEST(KeypointDataset, SharedMpiiFileHasFivePersons) {
  SWEETSPOT_REQUIRE_SHARED_DATA(file, "pose-efficientpose/data/mpii/test_mpii.json");
  const auto dataset = OpenKeypointDataset(file);
  ASSERT_TRUE(dataset.ok()) << dataset.status().message();
  EXPECT_EQ(dataset->persons.size(), 5U);
  EXPECT_TRUE(dataset->notes.empty());
  // [0]: center (966, 340), scale 4.718488 -> half side 471.8488; head_top
  // (962.2409, 80.0306), upper_neck (982.7591, 235.9694).
  const Person& first = dataset->persons[0].person;
  EXPECT_NEAR(first.box.x1, 966.0 - 471.8488, 1e-9);
  EXPECT_NEAR(first.head_size, std::hypot(962.2409 - 982.7591, 80.0306 - 235.9694), 1e-9);
  EXPECT_EQ(dataset->images[dataset->persons[0].image].width, 1280);
}

}  // namespace
}  // namespace sweetspot
