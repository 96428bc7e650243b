// Datasets as real tools leave them: spreadsheet CSVs with a byte-order mark
// and CRLF, folders copied from a Mac, empty class folders, ImageNet's
// repeated class names, files OpenCV cannot read, and names that are not
// UTF-8 (issue 8, kind 3).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data_fixtures.h"
#include "support/support.h"
#include "sweetspot/dataset.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

constexpr char kBom[] = "\xEF\xBB\xBF";

std::string AllNotes(const Dataset& d) {
  std::string out;
  for (const auto& n : d.notes()) out += n + "\n";
  return out;
}

TEST(RealFiles, SpreadsheetCsvWithByteOrderMarkAndCrlf) {
  TempDir dir;
  testing::WriteImage(dir / "a.png", testing::SolidImage(2, 2, 1, 1, 1));
  testing::WriteImage(dir / "b.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "m.csv", std::string(kBom) + "path,label\r\na.png,cat\r\nb.png,dog\r\n");
  auto ds = OpenDataset(dir / "m.csv");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();  // the header was a sample "\xEF\xBB\xBFpath" before
  ASSERT_EQ((*ds)->size(), 2u);
  EXPECT_EQ((*ds)->sample(0).id, "a.png");
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"cat", "dog"}));
}

TEST(RealFiles, ClassNameFileWithByteOrderMarkAndCrlf) {
  TempDir dir;
  testing::WriteImage(dir / "a.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "m.tsv", "a.png\tdog\r\n");
  WriteFile(dir / "classes.txt", std::string(kBom) + "cat\r\ndog\r\n");
  auto ds = OpenManifest(dir / "m.tsv", dir / "classes.txt");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ((*ds)->sample(0).label, 1);
}

TEST(RealFiles, MacDotFilesAreSkippedAndCounted) {
  TempDir dir;
  testing::WriteImage(dir / "cat/a.png", testing::SolidImage(2, 2, 1, 1, 1));
  testing::WriteImage(dir / "dog/b.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "cat/._a.png", "AppleDouble resource fork, not a PNG");
  WriteFile(dir / "dog/._b.png", "AppleDouble resource fork, not a PNG");
  WriteFile(dir / "cat/.DS_Store", "Bud1");
  WriteFile(dir / ".DS_Store", "Bud1");
  auto ds = OpenDataset(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->size(), 2u);  // the twins were samples (and unreadable) before
  EXPECT_THAT(AllNotes(**ds), HasSubstr("skipped 4 hidden files"));
}

TEST(RealFiles, EmptyClassFolderIsReportedAndDoesNotShiftLabels) {
  TempDir dir;
  testing::WriteImage(dir / "a_cat/x.png", testing::SolidImage(2, 2, 1, 1, 1));
  fs::create_directories(dir / "b_empty");
  testing::WriteImage(dir / "c_dog/y.png", testing::SolidImage(2, 2, 1, 1, 1));
  auto ds = OpenDataset(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"a_cat", "c_dog"}));
  EXPECT_EQ((*ds)->sample(1).label, 1);  // was 2
  EXPECT_THAT(AllNotes(**ds), HasSubstr("class folder 'b_empty' has no images"));

  // The note's fix: list it in a class-name file to keep it as a class.
  WriteFile(dir / "classes.txt", "a_cat\nb_empty\nc_dog\n");
  DatasetOptions options;
  options.class_names_file = dir / "classes.txt";
  auto kept = OpenDataset(dir.path(), options);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ((*kept)->class_names(), (std::vector<std::string>{"a_cat", "b_empty", "c_dog"}));
  EXPECT_EQ((*kept)->sample(1).label, 2);
  EXPECT_THAT(AllNotes(**kept), HasSubstr("class 'b_empty' has no images"));
}

TEST(RealFiles, ImageFolderClassFileOrderAndUnlistedFolder) {
  TempDir dir;
  testing::WriteImage(dir / "cat/x.png", testing::SolidImage(2, 2, 1, 1, 1));
  testing::WriteImage(dir / "dog/y.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "classes.txt", "dog\n");
  DatasetOptions options;
  options.class_names_file = dir / "classes.txt";
  auto unlisted = OpenDataset(dir.path(), options);
  ASSERT_FALSE(unlisted.ok());
  EXPECT_EQ(unlisted.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(unlisted.status().message(), HasSubstr("class folder 'cat' is not in the class-name file"));

  // The error's fix: add it there. The file's order gives the labels.
  WriteFile(dir / "classes.txt", "dog\ncat\n");
  auto fixed = OpenDataset(dir.path(), options);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ((*fixed)->class_names(), (std::vector<std::string>{"dog", "cat"}));
  EXPECT_EQ((*fixed)->sample(0).id, "dog/y.png");
  EXPECT_EQ((*fixed)->sample(0).label, 0);
  EXPECT_EQ((*fixed)->sample(1).label, 1);
}

TEST(RealFiles, RepeatedClassNamesLoadAndAreDisambiguated) {
  TempDir dir;
  testing::WriteImage(dir / "a.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "classes.txt", "kite\ncrane\nheron\ncrane\n");
  WriteFile(dir / "ok.csv", "a.png,3\na.png,crane#1\na.png,heron\n");
  auto ds = OpenManifest(dir / "ok.csv", dir / "classes.txt");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();  // "listed twice" was an error
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"kite", "crane#1", "heron", "crane#3"}));
  EXPECT_EQ((*ds)->sample(0).label, 3);
  EXPECT_EQ((*ds)->sample(1).label, 1);
  EXPECT_EQ((*ds)->sample(2).label, 2);

  // Only a label that names the repeated class by name is ambiguous.
  WriteFile(dir / "bad.csv", "a.png,heron\na.png,crane\n");
  auto bad = OpenManifest(dir / "bad.csv", dir / "classes.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(bad.status().message(), HasSubstr("bad.csv line 2"));
  EXPECT_THAT(bad.status().message(), HasSubstr("lists it on lines 2 and 4"));
  // Its fix: use the disambiguated name.
  WriteFile(dir / "bad.csv", "a.png,heron\na.png,crane#3\n");
  auto fixed = OpenManifest(dir / "bad.csv", dir / "classes.txt");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ((*fixed)->sample(1).label, 3);
}

TEST(RealFiles, IdxWithRepeatedClassNames) {
  TempDir dir;
  WriteFile(dir / "t-images-idx3-ubyte", testing::IdxImagesBytes(2, 2, 2));
  WriteFile(dir / "t-labels-idx1-ubyte", testing::IdxLabelsBytes({0, 1}));
  WriteFile(dir / "classes.txt", "crane\ncrane\n");
  auto ds = OpenIdxDataset(dir / "t", dir / "classes.txt");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"crane#0", "crane#1"}));
}

TEST(RealFiles, UnreadableTypesAndOtherFilesAreCountedNotDropped) {
  TempDir dir;
  testing::WriteImage(dir / "cat/a.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "cat/b.gif", "GIF89a");
  WriteFile(dir / "cat/c.heic", "....ftypheic");
  WriteFile(dir / "cat/d.gif", "GIF89a");
  WriteFile(dir / "cat/notes.txt", "hello");
  testing::WriteImage(dir / "loose.png", testing::SolidImage(2, 2, 1, 1, 1));
  fs::create_directories(dir / "cat/more");
  auto ds = OpenDataset(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->size(), 1u);
  const std::string notes = AllNotes(**ds);
  EXPECT_THAT(notes, HasSubstr("skipped 3 files of an image type OpenCV cannot read in this build (2 .gif, 1 .heic"));
  EXPECT_THAT(notes, HasSubstr("skipped 1 file that is not an image (1 .txt"));
  EXPECT_THAT(notes, HasSubstr("skipped 1 image outside class folders (e.g. 'loose.png')"));
  EXPECT_THAT(notes, HasSubstr("skipped 1 folder inside a class folder (e.g. 'cat/more')"));
}

TEST(RealFiles, NamesThatAreNotUtf8AreShownEscapedAndStillLoad) {
  TempDir dir;
  testing::WriteImage(dir / "caf\xE9/na\xEFve.png", testing::SolidImage(2, 2, 1, 2, 3));
  testing::WriteImage(dir / "tea/t.png", testing::SolidImage(2, 2, 1, 1, 1));
  auto ds = OpenDataset(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_THAT((*ds)->class_names(), ElementsAre("caf\\xe9", "tea"));
  EXPECT_EQ((*ds)->sample(0).id, "caf\\xe9/na\\xefve.png");
  auto image = (*ds)->Load(0);  // the path keeps the real bytes
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
}

// What docs/eval.md says about decoding: EXIF orientation is applied, 16-bit
// images keep their high byte, alpha is dropped (not blended), gray is
// replicated to three channels.
TEST(Decoding, ExifOrientationSixteenBitAlphaAndGrayAsDocumented) {
  TempDir dir;
  cv::Mat wide(2, 6, CV_8UC3, cv::Scalar(200, 200, 200));
  testing::WriteImage(dir / "c/deep.png", cv::Mat(2, 2, CV_16UC3, cv::Scalar(0x1234, 0x5678, 0xFFFF)));
  testing::WriteImage(dir / "c/rgba.png", cv::Mat(2, 2, CV_8UC4, cv::Scalar(10, 20, 30, 0)));
  testing::WriteImage(dir / "c/gray.png", cv::Mat(2, 2, CV_8UC1, cv::Scalar(77)));
  WriteFile(dir / "c/rotated.jpg", testing::JpegWithOrientation(wide, 6));  // 6: rotate 90 degrees clockwise to view
  auto ds = OpenDataset(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ((*ds)->size(), 4u);  // deep, gray, rgba, rotated
  auto deep = (*ds)->Load(0);
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->type(), CV_8UC3);
  EXPECT_EQ(deep->at<cv::Vec3b>(0, 0), cv::Vec3b(0x12, 0x56, 0xFF));
  auto gray = (*ds)->Load(1);
  ASSERT_TRUE(gray.ok());
  EXPECT_EQ(gray->at<cv::Vec3b>(0, 0), cv::Vec3b(77, 77, 77));
  auto rgba = (*ds)->Load(2);
  ASSERT_TRUE(rgba.ok());
  EXPECT_EQ(rgba->at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));
  auto rotated = (*ds)->Load(3);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->cols, 2);
  EXPECT_EQ(rotated->rows, 6);
}

}  // namespace
}  // namespace sweetspot
