#include "sweetspot/preprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data_fixtures.h"
#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<float> ApplyFloat(const PreprocessSpec& spec, const cv::Mat& image) {
  std::vector<float> out(spec.SampleSizeBytes() / sizeof(float));
  const Status s = ApplyPreprocess(spec, image, std::as_writable_bytes(std::span(out)));
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(PreprocessSpec, TomlRoundTripsAndIsCanonical) {
  PreprocessSpec spec;
  spec.color = ColorOrder::kBgr;
  spec.resize = ResizeMode::kShorterCrop;
  spec.width = 224;
  spec.height = 200;
  spec.crop_fraction = 0.9;
  spec.interpolation = Interpolation::kCubic;
  spec.scale = 1.0 / 255.0;
  spec.mean = {0.485, 0.456, 0.406};
  spec.std = {0.229, 0.224, 0.225};
  spec.layout = Layout::kNhwc;
  spec.dtype = DType::kFloat64;
  const std::string text = spec.ToToml();
  auto parsed = ParsePreprocessToml(text, "test");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->ToToml(), text);
  EXPECT_EQ(parsed->mean, spec.mean);
  EXPECT_EQ(parsed->scale, spec.scale);
  EXPECT_EQ(parsed->width, 224);
  EXPECT_EQ(parsed->layout, Layout::kNhwc);
}

TEST(PreprocessSpec, PartialTomlOverlaysBase) {
  PreprocessSpec base;
  base.width = 10;
  auto spec = ParsePreprocessToml("size = 32\nmean = 0.5\nstd = [0.25]\ncolor = \"gray\"\n", "p.toml", base);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->width, 32);
  EXPECT_EQ(spec->height, 32);
  EXPECT_EQ(spec->color, ColorOrder::kGray);
  EXPECT_THAT(spec->mean, ElementsAre(0.5));
  EXPECT_EQ(spec->scale, base.scale);
}

TEST(PreprocessSpec, BadTomlNamesFileAndField) {
  auto unknown = ParsePreprocessToml("colr = \"rgb\"\n", "p.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("p.toml"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("'colr'"));

  auto wrong_type = ParsePreprocessToml("width = \"big\"\n", "p.toml");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_THAT(wrong_type.status().message(), HasSubstr("'width'"));

  auto bad_value = ParsePreprocessToml("layout = \"chw\"\n", "p.toml");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_THAT(bad_value.status().message(), HasSubstr("nchw"));

  auto syntax = ParsePreprocessToml("mean = [1,\n", "p.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("p.toml line"));

  auto two_means = ParsePreprocessToml("mean = [0.1, 0.2]\n", "p.toml");
  ASSERT_FALSE(two_means.ok());
  EXPECT_THAT(two_means.status().message(), HasSubstr("'mean' [0.1, 0.2] (from p.toml line 1) has 2 values"));

  auto zero_std = ParsePreprocessToml("std = 0\n", "p.toml");
  EXPECT_FALSE(zero_std.ok());
}

TEST(Preprocess, RgbScaleMeanStdNchwAndNhwc) {
  PreprocessSpec spec;
  spec.width = 2;
  spec.height = 1;
  spec.mean = {0.5, 0.0, 0.25};
  spec.std = {0.5, 1.0, 0.25};
  cv::Mat image(1, 2, CV_8UC3);
  image.at<cv::Vec3b>(0, 0) = {0, 0, 255};   // B G R: pure red
  image.at<cv::Vec3b>(0, 1) = {255, 51, 0};  // blue + a bit of green
  // R: (1 - .5)/.5 = 1, (0 - .5)/.5 = -1; G: 0, 0.2; B: (0 - .25)/.25 = -1, (1 - .25)/.25 = 3
  using ::testing::FloatNear;
  using ::testing::Pointwise;
  EXPECT_THAT(ApplyFloat(spec, image), Pointwise(FloatNear(1e-6), {1.0F, -1.0F, 0.0F, 0.2F, -1.0F, 3.0F}));
  spec.layout = Layout::kNhwc;
  EXPECT_THAT(ApplyFloat(spec, image), Pointwise(FloatNear(1e-6), {1.0F, 0.0F, -1.0F, -1.0F, 0.2F, 3.0F}));
  spec.color = ColorOrder::kBgr;
  EXPECT_THAT(ApplyFloat(spec, image), Pointwise(FloatNear(1e-6), {-1.0F, 0.0F, 3.0F, 1.0F, 0.2F, -1.0F}));
}

TEST(Preprocess, GrayAndUint8) {
  PreprocessSpec spec;
  spec.color = ColorOrder::kGray;
  spec.width = 2;
  spec.height = 2;
  spec.scale = 1.0;
  spec.mean = {0.0};
  spec.std = {1.0};
  spec.dtype = DType::kUInt8;
  cv::Mat gray(2, 2, CV_8UC1);
  gray.at<unsigned char>(0, 0) = 0;
  gray.at<unsigned char>(0, 1) = 7;
  gray.at<unsigned char>(1, 0) = 200;
  gray.at<unsigned char>(1, 1) = 255;
  std::vector<std::uint8_t> out(4);
  ASSERT_TRUE(ApplyPreprocess(spec, gray, std::as_writable_bytes(std::span(out))).ok());
  EXPECT_THAT(out, ElementsAre(0, 7, 200, 255));

  // A colour image converted to gray: solid (b,g,r) = (100,100,100) stays 100.
  ASSERT_TRUE(
      ApplyPreprocess(spec, testing::SolidImage(2, 2, 100, 100, 100), std::as_writable_bytes(std::span(out))).ok());
  EXPECT_THAT(out, ElementsAre(100, 100, 100, 100));
}

TEST(Preprocess, ExactResizeAndShorterSideCentreCrop) {
  PreprocessSpec spec;
  spec.scale = 1.0;
  spec.color = ColorOrder::kGray;
  spec.mean = {0.0};
  spec.std = {1.0};
  spec.interpolation = Interpolation::kNearest;
  cv::Mat wide(2, 4, CV_8UC1);
  for (int x = 0; x < 4; ++x) {
    wide.at<unsigned char>(0, x) = static_cast<unsigned char>(10 * x);
    wide.at<unsigned char>(1, x) = static_cast<unsigned char>(10 * x + 1);
  }
  spec.width = 2;
  spec.height = 2;
  // Exact: 4x2 -> 2x2 takes columns 0 and 2.
  EXPECT_THAT(ApplyFloat(spec, wide), ElementsAre(0.0F, 20.0F, 1.0F, 21.0F));
  // Shorter side (2) already covers 2 / 1.0: no resize, crop the centre columns 1..2.
  spec.resize = ResizeMode::kShorterCrop;
  spec.crop_fraction = 1.0;
  EXPECT_THAT(ApplyFloat(spec, wide), ElementsAre(10.0F, 20.0F, 11.0F, 21.0F));
  // crop 0.5: shorter side to 4 (image 8x4), centre 2x2 crop.
  spec.crop_fraction = 0.5;
  const auto cropped = ApplyFloat(spec, wide);
  ASSERT_EQ(cropped.size(), 4u);
  EXPECT_EQ(cropped[0], 10.0F);
  EXPECT_EQ(cropped[1], 20.0F);
}

// Both crop orders on an 8x4 image whose pixel (x, y) is 10x + 2y, worked by
// hand with area interpolation into a 1x1 sample, crop_fraction 0.5:
//  - shorter-crop (resize, then crop): scale 0.5 -> 4x2, each pixel the mean
//    of a 2x2 block; centre 1x1 at (1, 0) = block x 2..3, y 0..1:
//    (20 + 30 + 22 + 32) / 4 = 26;
//  - central-crop (crop, then resize): the centred 2x2 square of the 4-pixel
//    shorter side, x 3..4 and y 1..2, then its mean: (32 + 42 + 34 + 44) / 4
//    = 38.
TEST(Preprocess, CentralCropCropsBeforeResizingShorterCropAfter) {
  PreprocessSpec spec;
  spec.scale = 1.0;
  spec.color = ColorOrder::kGray;
  spec.mean = {0.0};
  spec.std = {1.0};
  spec.interpolation = Interpolation::kArea;
  spec.width = 1;
  spec.height = 1;
  spec.crop_fraction = 0.5;
  cv::Mat wide(4, 8, CV_8UC1);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 8; ++x) wide.at<unsigned char>(y, x) = static_cast<unsigned char>(10 * x + 2 * y);
  }
  spec.resize = ResizeMode::kShorterCrop;
  EXPECT_THAT(ApplyFloat(spec, wide), ElementsAre(26.0F));
  spec.resize = ResizeMode::kCentralCrop;
  EXPECT_THAT(ApplyFloat(spec, wide), ElementsAre(38.0F));

  // No resize left when the square already has the model's size: the pixels
  // are the centred square itself, x 3..4, y 1..2.
  spec.width = 2;
  spec.height = 2;
  EXPECT_THAT(ApplyFloat(spec, wide), ElementsAre(32.0F, 42.0F, 34.0F, 44.0F));
  // Odd margins round the offset up, as TF's EfficientNet crop: a 7x4 image,
  // square 2: x offset (7 - 2 + 1) / 2 = 3.
  EXPECT_THAT(ApplyFloat(spec, wide(cv::Rect(0, 0, 7, 4))), ElementsAre(32.0F, 42.0F, 34.0F, 44.0F));

  auto parsed = ParsePreprocessToml("resize = \"central-crop\"\ncrop_fraction = 0.875\n", "p.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->resize, ResizeMode::kCentralCrop);
  EXPECT_THAT(parsed->ToToml(), HasSubstr("resize = \"central-crop\""));
}

TEST(PreprocessSpec, FileWithByteOrderMarkAndCrlf) {
  testing::TempDir dir;
  testing::WriteFile(dir / "prep.toml", "\xEF\xBB\xBFsize = 32\r\nmean = [0.5, 0.5, 0.5]\r\n");
  auto spec = LoadPreprocessFile(dir / "prep.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->width, 32);
  EXPECT_EQ(spec->mean, (std::vector<double>{0.5, 0.5, 0.5}));
}

TEST(Resolve, SizeFromModelAndMismatchesNameTheFix) {
  TensorInfo input{"input", DType::kFloat32, {-1, 3, 32, 32}, {"N", "", "", ""}, ""};
  auto spec = Resolve(PreprocessSpec{}, input);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->width, 32);
  EXPECT_EQ(spec->height, 32);
  EXPECT_THAT(spec->SampleShape(), ElementsAre(3, 32, 32));

  PreprocessSpec gray;
  gray.color = ColorOrder::kGray;
  gray.mean = {0};
  gray.std = {1};
  auto channels = Resolve(gray, input);
  ASSERT_FALSE(channels.ok());
  EXPECT_THAT(channels.status().fixes(), ElementsAre(FieldFix{"color", "", {"rgb"}}));

  PreprocessSpec sized;
  sized.width = sized.height = 64;
  auto fixed = Resolve(sized, input);
  ASSERT_FALSE(fixed.ok());
  EXPECT_THAT(fixed.status().fixes(), ElementsAre(FieldFix{"size", "", {"32", "32"}}));

  TensorInfo dynamic{"x", DType::kFloat32, {-1, 3, -1, -1}, {}, ""};
  auto no_size = Resolve(PreprocessSpec{}, dynamic);
  ASSERT_FALSE(no_size.ok());
  EXPECT_THAT(no_size.status().message(), HasSubstr("has a dynamic width"));
  EXPECT_THAT(no_size.status().fixes(), ElementsAre(FieldFix{"size", "", {"WIDTH", "HEIGHT"}}));
  EXPECT_TRUE(Resolve(sized, dynamic).ok());

  TensorInfo nhwc{"x", DType::kFloat32, {1, 32, 32, 3}, {}, ""};
  auto layout = Resolve(PreprocessSpec{}, nhwc);
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().fixes(), ElementsAre(FieldFix{"layout", "", {"nhwc"}}));

  TensorInfo u8{"x", DType::kUInt8, {1, 3, 32, 32}, {}, ""};
  auto dtype = Resolve(PreprocessSpec{}, u8);
  ASSERT_FALSE(dtype.ok());
  EXPECT_THAT(dtype.status().fixes(), ElementsAre(FieldFix{"dtype", "", {"uint8"}}));

  TensorInfo flat{"x", DType::kFloat32, {1, 784}, {}, ""};
  EXPECT_FALSE(Resolve(PreprocessSpec{}, flat).ok());
}

// A file's keys are named with their line; an option the user typed has none.
TEST(ParsePreprocessToml, NamesLinesOnlyForSourcesThatHaveThem) {
  auto file = ParsePreprocessToml("\nmean = 0.5\n", "p.toml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->set_by.at("mean"), "p.toml line 2");
  auto typed = ParsePreprocessToml("mean = 0.5\n", PreprocessSource("--mean", /*has_lines=*/false));
  ASSERT_TRUE(typed.ok()) << typed.status().ToString();
  EXPECT_EQ(typed->set_by.at("mean"), "--mean");
  auto bad = ParsePreprocessToml("std = 0\n", PreprocessSource("--std", /*has_lines=*/false));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--std: preprocessing 'std' has a zero"));
}

// Defaults follow the channel count: a gray model needs no mean/std flags.
// Values a layer set may conflict, and the error names that layer and the fix.
TEST(Resolve, GrayUsesDefaultsAndNamesWhoSetConflictingValues) {
  TensorInfo gray_input{"x", DType::kFloat32, {-1, 1, 4, 4}, {"N", "", "", ""}, ""};
  PreprocessSpec gray;
  gray.color = ColorOrder::kGray;
  gray.set_by["color"] = "--color";
  auto resolved = Resolve(gray, gray_input);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_THAT(resolved->SampleShape(), ElementsAre(1, 4, 4));

  auto layered = ParsePreprocessToml("mean = [0.485, 0.456, 0.406]\nstd = [0.229, 0.224, 0.225]\n", "meta");
  ASSERT_TRUE(layered.ok());
  layered->color = ColorOrder::kGray;
  layered->set_by["color"] = "--color";
  const Status conflict = layered->Validate();
  ASSERT_FALSE(conflict.ok());
  EXPECT_THAT(conflict.message(), HasSubstr("'mean' [0.485, 0.456, 0.406] (from meta line 1)"));
  EXPECT_THAT(conflict.message(), HasSubstr("colour 'gray' (from --color) has 1 channel(s)"));
  EXPECT_THAT(conflict.fixes(), ElementsAre(FieldFix{"mean", "", {"0.449"}}, FieldFix{"std", "", {"0.226"}}));
  // Library messages name fields; only an app names its options.
  EXPECT_THAT(conflict.message(), Not(HasSubstr("pass")));
}

// An integer input takes raw pixels: scale 1 unless a layer set one, and a
// set value that maps pixels out of range, onto a few levels or onto
// non-integers is an error.
TEST(Resolve, IntegerDtypesTakeRawPixelsAndCheckTheRange) {
  TensorInfo u8{"x", DType::kUInt8, {1, 3, 1, 1}, {}, ""};
  PreprocessSpec spec;
  spec.dtype = DType::kUInt8;
  auto resolved = Resolve(spec, u8);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->scale, 1.0);
  const cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(10, 128, 200));  // BGR
  std::vector<std::uint8_t> out(3);
  ASSERT_TRUE(ApplyPreprocess(*resolved, pixel, std::as_writable_bytes(std::span(out))).ok());
  EXPECT_THAT(out, ElementsAre(200, 128, 10));  // RGB, unscaled

  spec.scale = 1.0 / 255.0;
  spec.set_by["scale"] = "--scale";
  auto collapsed = Resolve(spec, u8);
  ASSERT_FALSE(collapsed.ok());
  EXPECT_THAT(collapsed.status().message(), HasSubstr("onto 2 value(s)"));
  EXPECT_THAT(collapsed.status().message(), HasSubstr("(from --scale)"));
  EXPECT_THAT(collapsed.status().fixes(),
              ElementsAre(FieldFix{"scale", "", {"1"}}, FieldFix{"mean", "", {"0"}}, FieldFix{"std", "", {"1"}}));
  spec.scale = 2.0;
  auto outside = Resolve(spec, u8);
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(outside.status().message(), HasSubstr("to 0..510, outside uint8's 0..255"));

  // In range but not integers: rounding would shift pixels without a word.
  spec.scale = 1.0;
  spec.mean = {0.5};
  spec.set_by["mean"] = "--mean";
  auto half = Resolve(spec, u8);
  ASSERT_FALSE(half.ok());
  EXPECT_THAT(half.status().message(), HasSubstr("to non-integers (pixel 0 to -0.5)"));
  EXPECT_THAT(half.status().message(), HasSubstr("mean [0.5] (from --mean)"));
  EXPECT_THAT(half.status().fixes(),
              ElementsAre(FieldFix{"scale", "", {"1"}}, FieldFix{"mean", "", {"0"}}, FieldFix{"std", "", {"1"}}));
  spec.mean = {0.0};
  spec.std = {1.25};
  auto scaled = Resolve(spec, u8);
  ASSERT_FALSE(scaled.ok());
  EXPECT_THAT(scaled.status().message(), HasSubstr("to non-integers (pixel 1 to 0.8)"));
  // A float model's normalisation spelt for raw pixels is exact: accepted.
  spec.scale = 1.0 / 255.0;
  spec.std = {1.0 / 255.0};
  EXPECT_TRUE(Resolve(spec, u8).ok());

  TensorInfo i8{"x", DType::kInt8, {1, 3, 1, 1}, {}, ""};
  PreprocessSpec signed_spec;
  signed_spec.dtype = DType::kInt8;
  auto centred = Resolve(signed_spec, i8);
  ASSERT_TRUE(centred.ok()) << centred.status().ToString();
  std::vector<std::int8_t> signed_out(3);
  ASSERT_TRUE(ApplyPreprocess(*centred, pixel, std::as_writable_bytes(std::span(signed_out))).ok());
  EXPECT_THAT(signed_out, ElementsAre(72, 0, -118));
}

// Letterbox keeps the aspect ratio: a 4x2 gray image into 4x4, r = min(4/4,
// 4/2) = 1, no resize; centred: top = (4 - 2) / 2 = 1, rows 0 and 3 are the
// pad; top-left: rows 2 and 3 are.
TEST(Preprocess, LetterboxPadsAroundTheImageCentredOrTopLeft) {
  PreprocessSpec spec;
  spec.color = ColorOrder::kGray;
  spec.scale = 1.0;
  spec.resize = ResizeMode::kLetterbox;
  spec.pad = 114;
  spec.width = 4;
  spec.height = 4;
  cv::Mat wide(2, 4, CV_8UC1);
  for (int x = 0; x < 4; ++x) {
    wide.at<unsigned char>(0, x) = static_cast<unsigned char>(10 * x);
    wide.at<unsigned char>(1, x) = static_cast<unsigned char>(10 * x + 1);
  }
  const float p = 114.0F;
  EXPECT_THAT(ApplyFloat(spec, wide),
              ElementsAre(p, p, p, p, 0.0F, 10.0F, 20.0F, 30.0F, 1.0F, 11.0F, 21.0F, 31.0F, p, p, p, p));
  spec.letterbox_align = LetterboxAlign::kTopLeft;
  EXPECT_THAT(ApplyFloat(spec, wide),
              ElementsAre(0.0F, 10.0F, 20.0F, 30.0F, 1.0F, 11.0F, 21.0F, 31.0F, p, p, p, p, p, p, p, p));
  // A pad in a colour spec fills every channel before scale/mean/std:
  // (114 * 1 - 14) / 2 = 50.
  spec.color = ColorOrder::kBgr;
  spec.mean = {14.0};
  spec.std = {2.0};
  const auto colour = ApplyFloat(spec, testing::SolidImage(4, 2, 0, 0, 0));
  ASSERT_EQ(colour.size(), 48u);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(colour[static_cast<std::size_t>(c * 16 + 15)], 50.0F) << "channel " << c;
    EXPECT_EQ(colour[static_cast<std::size_t>(c * 16)], -7.0F) << "channel " << c;
  }
}

// The geometry of each resize mode for a 500x333 image, worked by hand.
TEST(PreprocessGeometry, EveryResizeModeMatchesAHandComputation) {
  PreprocessSpec spec;
  spec.width = 320;
  spec.height = 320;
  // exact: 320 / 500 = 0.64, 320 / 333 = 0.960961; no offset.
  ImageGeometry g = PreprocessGeometry(spec, 500, 333);
  EXPECT_DOUBLE_EQ(g.scale_x, 0.64);
  EXPECT_DOUBLE_EQ(g.scale_y, 320.0 / 333.0);
  EXPECT_EQ(g.offset_x, 0.0);
  EXPECT_EQ(g.offset_y, 0.0);

  // letterbox, centred: r = min(0.64, 0.961) = 0.64, new size 320 x
  // round(333 * 0.64 = 213.12) = 213, so scale_y = 213 / 333; left = 0,
  // top = (320 - 213) / 2 = 53.
  spec.resize = ResizeMode::kLetterbox;
  g = PreprocessGeometry(spec, 500, 333);
  EXPECT_DOUBLE_EQ(g.scale_x, 0.64);
  EXPECT_DOUBLE_EQ(g.scale_y, 213.0 / 333.0);
  EXPECT_EQ(g.offset_x, 0.0);
  EXPECT_EQ(g.offset_y, 53.0);
  // Portrait 333x500: 213 x 320 at left = 53, top = 0; top-left: no offset.
  g = PreprocessGeometry(spec, 333, 500);
  EXPECT_DOUBLE_EQ(g.scale_x, 213.0 / 333.0);
  EXPECT_EQ(g.offset_x, 53.0);
  EXPECT_EQ(g.offset_y, 0.0);
  spec.letterbox_align = LetterboxAlign::kTopLeft;
  g = PreprocessGeometry(spec, 333, 500);
  EXPECT_EQ(g.offset_x, 0.0);
  EXPECT_EQ(g.offset_y, 0.0);

  // shorter-crop 224, crop 0.875 on 500x375: f = max(256 / 500, 256 / 375)
  // = 0.68267; resized to round(341.33) = 341 x 256; crop offsets
  // (341 - 224) / 2 = 58 and (256 - 224) / 2 = 16.
  spec.resize = ResizeMode::kShorterCrop;
  spec.width = 224;
  spec.height = 224;
  g = PreprocessGeometry(spec, 500, 375);
  EXPECT_DOUBLE_EQ(g.scale_x, 341.0 / 500.0);
  EXPECT_DOUBLE_EQ(g.scale_y, 256.0 / 375.0);
  EXPECT_EQ(g.offset_x, -58.0);
  EXPECT_EQ(g.offset_y, -16.0);

  // central-crop 224, crop 0.875 on 500x375: square int(375 * 0.875 =
  // 328.125) = 328 at x (500 - 328 + 1) / 2 = 86, y (375 - 328 + 1) / 2 =
  // 24, resized by 224 / 328: offsets -86 * 224 / 328 = -58.732 and
  // -24 * 224 / 328 = -16.390.
  spec.resize = ResizeMode::kCentralCrop;
  g = PreprocessGeometry(spec, 500, 375);
  EXPECT_DOUBLE_EQ(g.scale_x, 224.0 / 328.0);
  EXPECT_DOUBLE_EQ(g.scale_y, 224.0 / 328.0);
  EXPECT_NEAR(g.offset_x, -58.7317, 1e-4);
  EXPECT_NEAR(g.offset_y, -16.3902, 1e-4);
}

TEST(PreprocessSpec, LetterboxKeysRoundTripAndStayOutOfOtherSpecs) {
  auto spec = ParsePreprocessToml(
      "resize = \"letterbox\"\npad = 114\nletterbox_align = \"top-left\"\nstride = 32\nsize = 640\n", "p.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->resize, ResizeMode::kLetterbox);
  EXPECT_EQ(spec->pad, 114);
  EXPECT_EQ(spec->letterbox_align, LetterboxAlign::kTopLeft);
  EXPECT_EQ(spec->stride, 32);
  EXPECT_EQ(spec->set_by.at("pad"), "p.toml line 2");
  const std::string text = spec->ToToml();
  EXPECT_THAT(text, HasSubstr("pad = 114\nletterbox_align = \"top-left\"\n"));
  EXPECT_THAT(text, HasSubstr("stride = 32\n"));
  auto again = ParsePreprocessToml(text, "printed");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToToml(), text);

  // Specs that do not use them print as before (the tensor cache hashes the text).
  const std::string plain = PreprocessSpec{}.ToToml();
  EXPECT_THAT(plain, Not(HasSubstr("pad")));
  EXPECT_THAT(plain, Not(HasSubstr("letterbox_align")));
  EXPECT_THAT(plain, Not(HasSubstr("stride")));
}

// Bad values name the key; the message's range is the fix, applied here.
TEST(PreprocessSpec, BadLetterboxValuesNameTheKeyAndTheFixWorks) {
  auto pad = ParsePreprocessToml("pad = 300\n", "p.toml");
  ASSERT_FALSE(pad.ok());
  EXPECT_THAT(pad.status().message(), HasSubstr("p.toml line 1: 'pad' must be an integer pixel value in 0..255"));
  EXPECT_TRUE(ParsePreprocessToml("pad = 255\n", "p.toml").ok());

  auto align = ParsePreprocessToml("letterbox_align = \"centre\"\n", "p.toml");
  ASSERT_FALSE(align.ok());
  EXPECT_THAT(align.status().message(), HasSubstr("unknown letterbox alignment 'centre' (expected center, top-left)"));
  EXPECT_TRUE(ParsePreprocessToml("letterbox_align = \"center\"\n", "p.toml").ok());

  auto stride = ParsePreprocessToml("stride = -32\n", "p.toml");
  ASSERT_FALSE(stride.ok());
  EXPECT_THAT(stride.status().message(), HasSubstr("'stride' must be a non-negative integer (0: off)"));
  EXPECT_TRUE(ParsePreprocessToml("stride = 0\n", "p.toml").ok());

  PreprocessSpec built;
  built.pad = -1;
  built.set_by["pad"] = "--pad";
  EXPECT_THAT(built.Validate().message(), HasSubstr("'pad' -1 (from --pad) must be a pixel value in 0..255"));
  built.pad = 0;
  EXPECT_TRUE(built.Validate().ok());
}

// stride rounds a size the spec gives for a dynamic input up to a multiple
// (333 -> 352, 500 -> 512 for 32); a size the model fixes is left alone.
TEST(Resolve, StrideRoundsAGivenSizeUpForDynamicInputsOnly) {
  PreprocessSpec spec;
  spec.resize = ResizeMode::kLetterbox;
  spec.width = 333;
  spec.height = 500;
  spec.stride = 32;
  TensorInfo dynamic{"x", DType::kFloat32, {1, 3, -1, -1}, {}, ""};
  auto rounded = Resolve(spec, dynamic);
  ASSERT_TRUE(rounded.ok()) << rounded.status().ToString();
  EXPECT_EQ(rounded->width, 352);
  EXPECT_EQ(rounded->height, 512);

  TensorInfo fixed{"x", DType::kFloat32, {1, 3, 330, 330}, {}, ""};
  spec.width = spec.height = 0;
  auto from_model = Resolve(spec, fixed);
  ASSERT_TRUE(from_model.ok()) << from_model.status().ToString();
  EXPECT_EQ(from_model->width, 330);
  EXPECT_EQ(from_model->height, 330);
}

// examples/nanodet-preprocess.toml states the NanoDet protocol of
// ../shared/data/README.md (voc100-nanodet) exactly.
TEST(PreprocessSpec, NanoDetExampleIsTheDocumentedProtocol) {
  auto spec = LoadPreprocessFile(std::filesystem::path(SWEETSPOT_TEST_DIR) / "../examples/nanodet-preprocess.toml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->color, ColorOrder::kBgr);
  EXPECT_EQ(spec->resize, ResizeMode::kLetterbox);
  EXPECT_EQ(spec->letterbox_align, LetterboxAlign::kCenter);
  EXPECT_EQ(spec->pad, 0);
  EXPECT_EQ(spec->interpolation, Interpolation::kLinear);
  EXPECT_EQ(spec->scale, 1.0);
  EXPECT_THAT(spec->mean, ElementsAre(103.53, 116.28, 123.675));
  EXPECT_THAT(spec->std, ElementsAre(57.375, 57.12, 58.395));
  EXPECT_EQ(spec->layout, Layout::kNchw);
  EXPECT_EQ(spec->width, 0);  // from the model: 320 or 416
}

}  // namespace
}  // namespace sweetspot
