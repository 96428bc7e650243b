// The shared decoder (image_decode.h) on a JPEG with EXIF Orientation 6 built
// here, and the classification dataset that reads through it.
#include "sweetspot/image_decode.h"

#include <span>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "data/data_fixtures.h"
#include "support/exif_jpeg.h"
#include "support/support.h"
#include "sweetspot/dataset.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::kOrientedMarker;
using testing::kOrientedSize;
using testing::kStoredMarker;
using testing::kStoredSize;
using testing::TempDir;

std::span<const std::byte> Bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

TEST(DecodeImage, AppliesTheExifOrientationByDefault) {
  const std::string jpeg = testing::RotatedMarkedJpeg();
  auto oriented = DecodeImage(Bytes(jpeg), "image r");
  ASSERT_TRUE(oriented.ok()) << oriented.status().ToString();
  EXPECT_EQ(oriented->type(), CV_8UC3);
  EXPECT_EQ(oriented->size(), kOrientedSize);
  EXPECT_TRUE(testing::IsRed(*oriented, kOrientedMarker));
  EXPECT_FALSE(testing::IsRed(*oriented, kStoredMarker));  // where the block was before turning

  auto stored = DecodeImage(Bytes(jpeg), "image r", ImageView::kStoredGrid);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->size(), kStoredSize);
  EXPECT_TRUE(testing::IsRed(*stored, kStoredMarker));
}

TEST(DecodeImage, GrayAndAlphaComeOutAsThreeChannelBgr) {
  for (const cv::Mat& image :
       {cv::Mat(3, 5, CV_8UC1, cv::Scalar(77)), cv::Mat(3, 5, CV_8UC4, cv::Scalar(1, 2, 3, 0))}) {
    std::vector<unsigned char> png;
    ASSERT_TRUE(cv::imencode(".png", image, png));
    auto decoded = DecodeImage(std::as_bytes(std::span(png)), "image");
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->type(), CV_8UC3);
    EXPECT_EQ(decoded->size(), cv::Size(5, 3));
  }
}

TEST(DecodeImage, EmptyAndCorruptBytesAreNamedErrors) {
  const Status empty = DecodeImage({}, "image 2").status();
  EXPECT_EQ(empty.code(), StatusCode::kInvalidData);
  EXPECT_EQ(empty.message(), "image 2 is empty");
  const Status corrupt = DecodeImage(Bytes("not an image"), "image 2").status();
  EXPECT_EQ(corrupt.code(), StatusCode::kInvalidData);
  EXPECT_EQ(corrupt.message(), "image 2 cannot be decoded (corrupt, or not JPEG/PNG/BMP/WebP/TIFF/PNM)");
}

TEST(ReadImage, NamesTheFileAndTheFix) {
  TempDir dir;
  const Status missing = ReadImage(dir / "gone.jpg").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "image " + (dir / "gone.jpg").string() + " does not exist");
  testing::WriteFile(dir / "bad.jpg", "garbage");
  const Status bad = ReadImage(dir / "bad.jpg").status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidData);
  EXPECT_THAT(bad.message(), HasSubstr("image " + (dir / "bad.jpg").string() + " cannot be decoded"));
  EXPECT_THAT(bad.message(), HasSubstr("; replace or remove it"));
  testing::WriteFile(dir / "bad.jpg", testing::RotatedMarkedJpeg());  // the fix: replace it
  auto fixed = ReadImage(dir / "bad.jpg");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->size(), kOrientedSize);
  EXPECT_TRUE(testing::IsRed(*fixed, kOrientedMarker));
}

TEST(ReadLabelledImage, TakesTheViewOfTheLabelledSize) {
  TempDir dir;
  testing::WriteFile(dir / "r.jpg", testing::RotatedMarkedJpeg());
  for (const cv::Size labelled : {kOrientedSize, cv::Size(0, 0)}) {
    auto image = ReadLabelledImage(dir / "r.jpg", labelled.width, labelled.height);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    EXPECT_EQ(image->view, ImageView::kOriented);
    EXPECT_EQ(image->pixels.size(), kOrientedSize);
    EXPECT_TRUE(testing::IsRed(image->pixels, kOrientedMarker));
  }
  // Labels drawn by a tool that ignores the tag give the stored size.
  auto stored = ReadLabelledImage(dir / "r.jpg", kStoredSize.width, kStoredSize.height);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->view, ImageView::kStoredGrid);
  EXPECT_EQ(stored->pixels.size(), kStoredSize);
  EXPECT_TRUE(testing::IsRed(stored->pixels, kStoredMarker));

  const Status other = ReadLabelledImage(dir / "r.jpg", 40, 50).status();
  EXPECT_EQ(other.code(), StatusCode::kInvalidData);
  EXPECT_EQ(other.message(),
            "image " + (dir / "r.jpg").string() + " is 32x64 pixels but its labels say 40x50; fix the labels' size");
}

TEST(ReadLabelledImage, AnUnrotatedImageOfTransposedSizeIsStillAMismatch) {
  TempDir dir;
  testing::WriteImage(dir / "plain.png", testing::MarkedBitmap());  // 64x32, no orientation
  const Status status = ReadLabelledImage(dir / "plain.png", 32, 64).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidData);
  EXPECT_THAT(status.message(), HasSubstr("is 64x32 pixels but its labels say 32x64"));
}

TEST(ImageFolderDataset, LoadsTheOrientedPixels) {
  TempDir dir;
  std::filesystem::create_directories(dir / "c");
  testing::WriteFile(dir / "c/r.jpg", testing::RotatedMarkedJpeg());
  auto dataset = OpenDataset(dir.path());
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto image = (*dataset)->Load(0);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->size(), kOrientedSize);
  EXPECT_TRUE(testing::IsRed(*image, kOrientedMarker));
  const auto direct = ReadImage(dir / "c/r.jpg");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(cv::norm(*image, *direct, cv::NORM_INF), 0.0);  // the same decode, pixel for pixel
}

}  // namespace
}  // namespace sweetspot
