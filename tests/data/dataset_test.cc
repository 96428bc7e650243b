#include "sweetspot/dataset.h"

#include <algorithm>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data_fixtures.h"
#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;
using testing::WriteFile;
namespace fs = std::filesystem;

TEST(ImageFolder, ListsSortedClassesAndDecodesOnDemand) {
  TempDir dir;
  testing::WriteImage(dir / "dog/b.png", testing::SolidImage(4, 3, 1, 2, 3));
  testing::WriteImage(dir / "dog/a.png", testing::SolidImage(4, 3, 4, 5, 6));
  testing::WriteImage(dir / "cat/x.bmp", testing::SolidImage(2, 2, 7, 8, 9));
  WriteFile(dir / "cat/notes.txt", "not an image");

  auto ds = OpenDataset(dir.path());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  const Dataset& d = **ds;
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.sample(0).id, "cat/x.bmp");
  EXPECT_EQ(d.sample(0).label, 0);
  EXPECT_EQ(d.sample(1).id, "dog/a.png");
  EXPECT_EQ(d.sample(2).label, 1);
  auto image = d.Load(1);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->type(), CV_8UC3);
  EXPECT_EQ(image->cols, 4);
  EXPECT_EQ(image->at<cv::Vec3b>(0, 0), cv::Vec3b(4, 5, 6));
}

TEST(ImageFolder, CorruptImageIsReportedByPath) {
  TempDir dir;
  testing::WriteImage(dir / "a/good.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "a/bad.jpg", "this is not a jpeg");
  auto ds = OpenImageFolder(dir.path());
  ASSERT_TRUE(ds.ok());
  auto bad = (*ds)->Load(0);  // "a/bad.jpg" sorts first
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(bad.status().message(), HasSubstr("bad.jpg"));
}

TEST(ImageFolder, ZeroImagesIsAnError) {
  TempDir dir;
  fs::create_directories(dir / "empty_class");
  auto ds = OpenDataset(dir.path());
  ASSERT_FALSE(ds.ok());
  EXPECT_THAT(ds.status().message(), HasSubstr("zero images"));
  TempDir none;
  EXPECT_FALSE(OpenDataset(none.path()).ok());
}

TEST(DatasetIdentity, FollowsContentNotLocation) {
  TempDir dir;
  testing::WriteImage(dir / "a/red/0.png", testing::SolidImage(2, 2, 0, 0, 255));
  testing::WriteImage(dir / "a/blue/0.png", testing::SolidImage(2, 2, 255, 0, 0));
  auto first = OpenDataset(dir / "a");
  ASSERT_TRUE(first.ok());
  const std::string identity = DatasetIdentity(**first);
  EXPECT_EQ(identity.size(), 64u);  // SHA-256, hex

  std::filesystem::rename(dir / "a", dir / "b");  // moved: same content
  auto moved = OpenDataset(dir / "b");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(DatasetIdentity(**moved), identity);

  testing::WriteImage(dir / "b/red/0.png", testing::SolidImage(2, 2, 0, 0, 254));  // one pixel value changed
  auto changed = OpenDataset(dir / "b");
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(DatasetIdentity(**changed), identity);
}

TEST(DatasetIdentity, UnreadableFileEntersByName) {
  TempDir dir;
  testing::WriteImage(dir / "img/1.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "m.csv", "img/1.png,a\n");
  auto readable = OpenDataset(dir / "m.csv");
  ASSERT_TRUE(readable.ok());
  const std::string before = DatasetIdentity(**readable);
  std::filesystem::remove(dir / "img/1.png");  // gone after opening: reads fail
  EXPECT_NE(DatasetIdentity(**readable), before);
}

TEST(Manifest, CsvWithNamesHeaderAndRelativePaths) {
  TempDir dir;
  testing::WriteImage(dir / "img/1.png", testing::SolidImage(2, 2, 10, 20, 30));
  testing::WriteImage(dir / "img/2.png", testing::SolidImage(2, 2, 40, 50, 60));
  WriteFile(dir / "m.csv", "path,label\nimg/1.png,zebra\n\"img/2.png\",ant\n");
  auto ds = OpenDataset(dir / "m.csv");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"ant", "zebra"}));
  ASSERT_EQ((*ds)->size(), 2u);
  EXPECT_EQ((*ds)->sample(0).label, 1);
  EXPECT_EQ((*ds)->sample(1).label, 0);
  EXPECT_EQ((*ds)->sample(0).id, "img/1.png");
  auto image = (*ds)->Load(1);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->at<cv::Vec3b>(1, 1), cv::Vec3b(40, 50, 60));
}

TEST(Manifest, TsvWithIndicesAndClassNameFile) {
  TempDir dir;
  testing::WriteImage(dir / "1.png", testing::SolidImage(2, 2, 1, 1, 1));
  testing::WriteImage(dir / "2.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "m.tsv", (dir / "1.png").string() + "\t2\n2.png\tbird\n");
  WriteFile(dir / "classes.txt", "cat\ndog\nbird\n");
  DatasetOptions options;
  options.class_names_file = dir / "classes.txt";
  auto ds = OpenDataset(dir / "m.tsv", options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->class_names().size(), 3u);
  EXPECT_EQ((*ds)->sample(0).label, 2);
  EXPECT_EQ((*ds)->sample(1).label, 2);

  // Without the class file, indices make classes 0..max.
  WriteFile(dir / "n.csv", "1.png,0\n2.png,3\n");
  auto by_index = OpenDataset(dir / "n.csv");
  ASSERT_TRUE(by_index.ok());
  EXPECT_EQ((*by_index)->class_names(), (std::vector<std::string>{"0", "1", "2", "3"}));
}

// The fix is the class-name file as a request field: eval names it --classes,
// a study [dataset] classes.
TEST(Manifest, MixedNamesAndIndicesProposeTheClassesFieldNotAFlag) {
  TempDir dir;
  testing::WriteImage(dir / "1.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "m.csv", "1.png,cat\n1.png,1\n");
  auto ds = OpenDataset(dir / "m.csv");
  ASSERT_FALSE(ds.ok());
  EXPECT_THAT(ds.status().message(), HasSubstr("labels mix class names and indices"));
  EXPECT_THAT(ds.status().message(), Not(HasSubstr("--")));
  EXPECT_THAT(ds.status().fixes(), ElementsAre(FieldFix{"classes", "", {"FILE"}}));
}

TEST(Manifest, LabelOutsideClassListNamesLineAndLabel) {
  TempDir dir;
  testing::WriteImage(dir / "1.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "classes.txt", "cat\ndog\n");
  WriteFile(dir / "m.csv", "1.png,cat\n1.png,zebra\n");
  auto ds = OpenManifest(dir / "m.csv", dir / "classes.txt");
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), StatusCode::kInvalidData);
  EXPECT_THAT(ds.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(ds.status().message(), HasSubstr("'zebra'"));

  WriteFile(dir / "i.csv", "1.png,5\n");
  auto by_index = OpenManifest(dir / "i.csv", dir / "classes.txt");
  ASSERT_FALSE(by_index.ok());
  EXPECT_THAT(by_index.status().message(), HasSubstr("label 5 is outside the class list"));
}

TEST(Manifest, MissingFileNamesRowAndPath) {
  TempDir dir;
  testing::WriteImage(dir / "1.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "m.csv", "1.png,a\nmissing.png,b\n");
  auto ds = OpenDataset(dir / "m.csv");
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(ds.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(ds.status().message(), HasSubstr("missing.png"));
}

TEST(Manifest, EmptyOrMalformed) {
  TempDir dir;
  WriteFile(dir / "empty.csv", "path,label\n");
  auto empty = OpenDataset(dir / "empty.csv");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("zero samples"));

  WriteFile(dir / "bad.csv", "only-one-field\n");
  auto bad = OpenDataset(dir / "bad.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("line 1"));

  testing::WriteImage(dir / "1.png", testing::SolidImage(2, 2, 1, 1, 1));
  WriteFile(dir / "mixed.csv", "1.png,cat\n1.png,3\n");
  auto mixed = OpenDataset(dir / "mixed.csv");
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(mixed.status().message(), HasSubstr("mix"));
}

class IdxTest : public ::testing::TestWithParam<bool> {};

TEST_P(IdxTest, ReadsImagesAndLabels) {
  const bool gz = GetParam();
  TempDir dir;
  const std::string images = testing::IdxImagesBytes(6, 2, 3);
  const std::string labels = testing::IdxLabelsBytes({0, 1, 2, 0, 1, 2});
  if (gz) {
    testing::WriteGzip(dir / "t10k-images-idx3-ubyte.gz", images);
    testing::WriteGzip(dir / "t10k-labels-idx1-ubyte.gz", labels);
  } else {
    WriteFile(dir / "t10k-images-idx3-ubyte", images);
    WriteFile(dir / "t10k-labels-idx1-ubyte", labels);
  }
  auto ds = OpenDataset(dir / "t10k");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ((*ds)->size(), 6u);
  EXPECT_EQ((*ds)->class_names().size(), 10u);  // digits by default
  EXPECT_EQ((*ds)->sample(4).label, 1);
  auto image = (*ds)->Load(4);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->type(), CV_8UC1);
  EXPECT_EQ(image->rows, 2);
  EXPECT_EQ(image->cols, 3);
  EXPECT_EQ(image->at<unsigned char>(1, 2), 40 + 5);

  // The images file itself works as the path too.
  auto by_file = OpenDataset(dir / (gz ? "t10k-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte"));
  ASSERT_TRUE(by_file.ok()) << by_file.status().ToString();
  EXPECT_EQ((*by_file)->size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(PlainAndGzip, IdxTest, ::testing::Bool());

TEST(Idx, BadInputsNameTheFile) {
  TempDir dir;
  WriteFile(dir / "a-images-idx3-ubyte", testing::IdxImagesBytes(3, 2, 2).substr(0, 20));  // truncated
  WriteFile(dir / "a-labels-idx1-ubyte", testing::IdxLabelsBytes({0, 1, 2}));
  auto truncated = OpenDataset(dir / "a");
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.status().message(), HasSubstr("truncated"));

  WriteFile(dir / "b-images-idx3-ubyte", testing::IdxImagesBytes(3, 2, 2));
  WriteFile(dir / "b-labels-idx1-ubyte", testing::IdxLabelsBytes({0, 1}));
  auto mismatch = OpenDataset(dir / "b");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("disagree"));

  WriteFile(dir / "c-images-idx3-ubyte", testing::IdxImagesBytes(2, 2, 2));
  WriteFile(dir / "c-labels-idx1-ubyte", testing::IdxLabelsBytes({0, 3}));
  WriteFile(dir / "names.txt", "x\ny\n");
  auto outside = OpenIdxDataset(dir / "c", dir / "names.txt");
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(outside.status().message(), HasSubstr("sample 1 has label 3"));

  auto missing = OpenDataset(dir / "nothing-here");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  WriteFile(dir / "d-images-idx3-ubyte", testing::IdxImagesBytes(0, 2, 2));
  WriteFile(dir / "d-labels-idx1-ubyte", testing::IdxLabelsBytes({}));
  auto zero = OpenDataset(dir / "d");
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), HasSubstr("zero samples"));
}

TEST(Idx, FashionPathsGetFashionNames) {
  TempDir dir;
  fs::create_directories(dir / "fashion-mnist");
  WriteFile(dir / "fashion-mnist/t10k-images-idx3-ubyte", testing::IdxImagesBytes(2, 2, 2));
  WriteFile(dir / "fashion-mnist/t10k-labels-idx1-ubyte", testing::IdxLabelsBytes({9, 0}));
  auto ds = OpenDataset(dir / "fashion-mnist/t10k");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->class_names()[(*ds)->sample(0).label], "Ankle boot");
}

TEST(Idx, DebianFashionMnistTestSetLoads) {
  const fs::path prefix = "/usr/share/datasets/fashion-mnist/t10k";
  if (!fs::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "/usr/share/datasets/fashion-mnist is missing (apt-get install dataset-fashion-mnist); skipping";
  }
  auto ds = OpenDataset(prefix);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ((*ds)->size(), 10000u);
  EXPECT_EQ((*ds)->class_names(), (std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}));
  std::map<int, int> per_class;
  for (std::size_t i = 0; i < (*ds)->size(); ++i) ++per_class[(*ds)->sample(i).label];
  for (const auto& [label, count] : per_class) EXPECT_EQ(count, 1000) << label;
  auto image = (*ds)->Load(9999);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->rows, 28);
  EXPECT_EQ(image->cols, 28);
}

// A dataset of labels only, for subset tests.
class LabelsOnly final : public Dataset {
 public:
  explicit LabelsOnly(const std::vector<int>& labels, int classes) {
    for (int c = 0; c < classes; ++c) names_.push_back(std::to_string(c));
    for (std::size_t i = 0; i < labels.size(); ++i) samples_.push_back({std::to_string(i), {}, labels[i]});
  }
  std::string description() const override { return "labels"; }
  std::size_t size() const override { return samples_.size(); }
  const std::vector<std::string>& class_names() const override { return names_; }
  const SampleInfo& sample(std::size_t i) const override { return samples_[i]; }
  Result<cv::Mat> Load(std::size_t) const override { return Status::Unsupported("no pixels"); }

 private:
  std::vector<std::string> names_;
  std::vector<SampleInfo> samples_;
};

TEST(StratifiedSubset, ProportionalSeededAndSorted) {
  std::vector<int> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i < 50 ? 0 : (i < 80 ? 1 : 2));
  std::rotate(labels.begin(), labels.begin() + 37, labels.end());
  LabelsOnly ds(labels, 3);

  const auto subset = StratifiedSubset(ds, 10, 7);
  ASSERT_EQ(subset.size(), 10u);
  EXPECT_TRUE(std::is_sorted(subset.begin(), subset.end()));
  std::map<int, int> per_class;
  for (auto i : subset) ++per_class[labels[i]];
  EXPECT_EQ(per_class[0], 5);
  EXPECT_EQ(per_class[1], 3);
  EXPECT_EQ(per_class[2], 2);

  EXPECT_EQ(StratifiedSubset(ds, 10, 7), subset);
  EXPECT_NE(StratifiedSubset(ds, 10, 8), subset);
  EXPECT_EQ(StratifiedSubset(ds, 0, 7).size(), 100u);
  EXPECT_EQ(StratifiedSubset(ds, 1000, 7).size(), 100u);

  // Largest remainder: 7 of (50, 30, 20) -> 3.5, 2.1, 1.4 -> 4, 2, 1.
  per_class.clear();
  for (auto i : StratifiedSubset(ds, 7, 1)) ++per_class[labels[i]];
  EXPECT_EQ(per_class[0], 4);
  EXPECT_EQ(per_class[1], 2);
  EXPECT_EQ(per_class[2], 1);
}

}  // namespace
}  // namespace sweetspot
