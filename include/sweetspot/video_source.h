// Video frames for the keypoint task's tracking and the stability measures:
// a video file read through OpenCV's video I/O (cv::VideoCapture with its
// FFmpeg backend when this OpenCV build has one, as Debian's does, else any
// backend it has), or a folder of frames (image files, one per frame, read
// with image_decode.h's ReadImage: 8-bit BGR, EXIF orientation applied).
//
// A folder's frames are its files that OpenCV can decode (cv::haveImageReader
// on the file's signature, not its extension), hidden files left out, in
// natural order of their names: runs of digits compare by value, so
// "frame2.png" comes before "frame10.png" as well as "frame002.png" before
// "frame010.png". Subfolders are ignored.
//
// Errors, one line naming the path and the fix: a path that does not exist,
// a video OpenCV cannot open, a video or folder with no frame, a frame image
// that does not decode.
//
// Thread-safety: a VideoSource is used from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/status.h"

namespace sweetspot {

struct VideoFrame {
  cv::Mat bgr;            // 8-bit, 3 channels, BGR
  std::size_t index = 0;  // 0 for the first frame, consecutive
};

class VideoSource {
 public:
  // A video file or a frame folder (see the top of this file). The first
  // frame is read here, so a source that opens holds at least one frame.
  static Result<VideoSource> Open(const std::filesystem::path& path);

  VideoSource(VideoSource&&) noexcept;
  VideoSource& operator=(VideoSource&&) noexcept;
  ~VideoSource();

  // The next frame, or std::nullopt after the last one. A folder's frame that
  // does not decode is an InvalidData error naming it.
  Result<std::optional<VideoFrame>> Next();

  // Frames per second as the container states it; 0 when unknown (a frame
  // folder, a container without the rate).
  double fps() const { return fps_; }
  // The number of frames: exact for a folder; a video's container count
  // (CAP_PROP_FRAME_COUNT, an estimate for some formats) or 0 when unknown.
  std::size_t frame_count_hint() const { return frame_count_hint_; }
  bool is_folder() const { return !files_.empty(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Capture;  // the cv::VideoCapture, kept out of this header
  VideoSource() = default;
  Result<cv::Mat> ReadFrame();

  std::filesystem::path path_;
  std::vector<std::filesystem::path> files_;  // a folder's frames, in order
  std::unique_ptr<Capture> capture_;          // a video file
  std::optional<cv::Mat> pending_;            // the frame Open read, returned by the first Next
  std::size_t next_index_ = 0;
  double fps_ = 0.0;
  std::size_t frame_count_hint_ = 0;
};

// Reads `source` from its next frame on, at most `max_frames` (0: to the
// end), calling on_frame(frame) for each and then, when set, progress(frames
// read so far). Stops at the first error of Next or on_frame and returns it.
// The per-frame loop of the video stability runs (classification, detection).
Status ForEachFrame(VideoSource& source, std::uint64_t max_frames,
                    const std::function<Status(const VideoFrame&)>& on_frame,
                    const std::function<void(std::size_t)>& progress);

}  // namespace sweetspot
