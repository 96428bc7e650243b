#include "sweetspot/video_source.h"

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "support/exif_jpeg.h"
#include "support/support.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

// Solid grey frames 64x48, grey level 40 * (i + 1): distinct after MJPG's loss.
cv::Mat Grey(int i) { return cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(40.0 * (i + 1))); }

double MeanGrey(const cv::Mat& bgr) { return cv::mean(bgr)[0]; }

std::vector<VideoFrame> ReadAll(VideoSource& source) {
  std::vector<VideoFrame> frames;
  while (true) {
    auto next = source.Next();
    EXPECT_TRUE(next.ok()) << next.status().message();
    if (!next.ok() || !next->has_value()) break;
    frames.push_back(std::move(**next));
  }
  return frames;
}

void ExpectOneLineNaming(const Status& status, const std::string& path, const std::string& fix) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr(fix));
}

TEST(VideoSource, ReadsAnMjpgAviBackFrameByFrameWithItsRate) {
  TempDir dir;
  const fs::path video = dir / "tiny.avi";
  cv::VideoWriter writer(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25.0, cv::Size(64, 48));
  ASSERT_TRUE(writer.isOpened());
  for (int i = 0; i < 5; ++i) writer.write(Grey(i));
  writer.release();

  auto source = VideoSource::Open(video);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_FALSE(source->is_folder());
  EXPECT_DOUBLE_EQ(source->fps(), 25.0);
  EXPECT_EQ(source->frame_count_hint(), 5U);
  const std::vector<VideoFrame> frames = ReadAll(*source);
  ASSERT_EQ(frames.size(), 5U);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].index, i);
    EXPECT_EQ(frames[i].bgr.size(), cv::Size(64, 48));
    EXPECT_EQ(frames[i].bgr.type(), CV_8UC3);
    // 40 * (i + 1) written; MJPG's loss on a flat frame is a level or two.
    EXPECT_NEAR(MeanGrey(frames[i].bgr), 40.0 * static_cast<double>(i + 1), 3.0) << "frame " << i;
  }
  // After the end it stays at the end.
  auto after = source->Next();
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST(VideoSource, AFrameFolderIsReadInNaturalOrderOfItsImageFilesOnly) {
  TempDir dir;
  const fs::path folder = dir / "frames";
  fs::create_directories(folder / "sub");
  // Written out of order; natural order is frame1, frame2, frame10 (byte order would put frame10 second).
  ASSERT_TRUE(cv::imwrite((folder / "frame10.png").string(), Grey(2)));
  ASSERT_TRUE(cv::imwrite((folder / "frame2.png").string(), Grey(1)));
  ASSERT_TRUE(cv::imwrite((folder / "frame1.png").string(), Grey(0)));
  ASSERT_TRUE(cv::imwrite((folder / ".hidden.png").string(), Grey(4)));
  ASSERT_TRUE(cv::imwrite((folder / "sub" / "frame3.png").string(), Grey(4)));
  testing::WriteFile(folder / "notes.txt", "not a frame");

  auto source = VideoSource::Open(folder);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_TRUE(source->is_folder());
  EXPECT_EQ(source->fps(), 0.0);
  EXPECT_EQ(source->frame_count_hint(), 3U);
  const std::vector<VideoFrame> frames = ReadAll(*source);
  ASSERT_EQ(frames.size(), 3U);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].index, i);
    EXPECT_DOUBLE_EQ(MeanGrey(frames[i].bgr), 40.0 * static_cast<double>(i + 1)) << "frame " << i;  // PNG: lossless
  }
}

TEST(VideoSource, AFolderWithoutImagesNamesItAndTakesFrames) {
  TempDir dir;
  const fs::path folder = dir / "empty";
  fs::create_directories(folder);
  testing::WriteFile(folder / "readme.txt", "no frames here");
  auto opened = VideoSource::Open(folder);
  ExpectOneLineNaming(opened.status(), folder.string(), "give a folder of frames");
  // The fix: put a frame in it.
  ASSERT_TRUE(cv::imwrite((folder / "0001.jpg").string(), Grey(0)));
  auto fixed = VideoSource::Open(folder);
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(ReadAll(*fixed).size(), 1U);
}

TEST(VideoSource, AMissingPathAndAFileThatIsNoVideoAreNamed) {
  TempDir dir;
  ExpectOneLineNaming(VideoSource::Open(dir / "missing.avi").status(), (dir / "missing.avi").string(),
                      "give a video file");
  const fs::path bogus = dir / "bogus.avi";
  testing::WriteFile(bogus, "this is not a video");
  const Status status = VideoSource::Open(bogus).status();
  ExpectOneLineNaming(status, bogus.string(), "folder of its frames");
  // The fix the message proposes: a folder of its frames.
  const fs::path folder = dir / "bogus_frames";
  fs::create_directories(folder);
  ASSERT_TRUE(cv::imwrite((folder / "f0.png").string(), Grey(0)));
  EXPECT_TRUE(VideoSource::Open(folder).ok());
}

TEST(VideoSource, AVideoWithoutFramesIsNamed) {
  TempDir dir;
  const fs::path video = dir / "empty.avi";
  {
    cv::VideoWriter writer(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25.0, cv::Size(64, 48));
    ASSERT_TRUE(writer.isOpened());
  }
  const Status status = VideoSource::Open(video).status();
  ExpectOneLineNaming(status, video.string(), "frames");
}

TEST(VideoSource, AFrameThatDoesNotDecodeIsNamedWithItsFolder) {
  TempDir dir;
  const fs::path folder = dir / "frames";
  fs::create_directories(folder);
  ASSERT_TRUE(cv::imwrite((folder / "a1.png").string(), Grey(0)));
  // A PNG signature (OpenCV's reader accepts the file) and nothing after it.
  testing::WriteFile(folder / "a2.png", std::string("\x89PNG\r\n\x1a\n", 8));
  auto source = VideoSource::Open(folder);
  ASSERT_TRUE(source.ok()) << source.status().message();
  ASSERT_TRUE(source->Next().ok());
  const Status status = source->Next().status();
  ExpectOneLineNaming(status, "a2.png", "replace or remove it");
  EXPECT_THAT(status.message(), HasSubstr(folder.string()));
}

TEST(VideoSource, FolderFramesAreShownInTheirExifOrientation) {
  TempDir dir;
  fs::create_directories(dir / "frames");
  testing::WriteFile(dir / "frames" / "f1.jpg", testing::RotatedMarkedJpeg());
  auto source = VideoSource::Open(dir / "frames");
  ASSERT_TRUE(source.ok()) << source.status().message();
  const std::vector<VideoFrame> frames = ReadAll(*source);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].bgr.size(), testing::kOrientedSize);
  EXPECT_TRUE(testing::IsRed(frames[0].bgr, testing::kOrientedMarker));
}

TEST(VideoSource, ReadsTheSharedWalkingVideo) {
  SWEETSPOT_REQUIRE_SHARED_DATA(video, "pose-efficientpose/data/openpose_video.avi");
  auto source = VideoSource::Open(video);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_DOUBLE_EQ(source->fps(), 50.0);
  // Counted, not kept: 205 frames of 1280x720 BGR are 0.5 GiB.
  std::size_t count = 0;
  while (true) {
    auto next = source->Next();
    ASSERT_TRUE(next.ok()) << next.status().message();
    if (!next->has_value()) break;
    EXPECT_EQ((*next)->index, count);
    EXPECT_EQ((*next)->bgr.size(), cv::Size(1280, 720));
    ++count;
  }
  EXPECT_EQ(count, 205U);
}

// ForEachFrame stops after max_frames, reports progress after each frame and
// returns the first error on_frame gives without reading further.
TEST(ForEachFrame, StopsAtTheLimitCountsProgressAndReturnsTheFirstError) {
  TempDir dir;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cv::imwrite((dir / ("f" + std::to_string(i) + ".png")).string(), Grey(i)));
  auto source = VideoSource::Open(dir.path());
  ASSERT_TRUE(source.ok()) << source.status().message();
  std::vector<std::size_t> seen, progress;
  const Status limited = ForEachFrame(
      *source, 3,
      [&](const VideoFrame& frame) {
        seen.push_back(frame.index);
        return Status::Ok();
      },
      [&](std::size_t done) { progress.push_back(done); });
  ASSERT_TRUE(limited.ok()) << limited.message();
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(progress, (std::vector<std::size_t>{1, 2, 3}));
  // From the 4th frame on; the first fails and the 5th is never read.
  seen.clear();
  const Status failed = ForEachFrame(
      *source, 0,
      [&](const VideoFrame& frame) {
        seen.push_back(frame.index);
        return Status::InvalidData("frame " + std::to_string(frame.index));
      },
      nullptr);
  EXPECT_EQ(failed.message(), "frame 3");
  EXPECT_EQ(seen, (std::vector<std::size_t>{3}));
}

}  // namespace
}  // namespace sweetspot
