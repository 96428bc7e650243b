#include "sweetspot/video_source.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>

#include "sweetspot/image_decode.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;

struct VideoSource::Capture {
  cv::VideoCapture capture;
};

namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Natural order: digit runs compare by value (without leading zeros: first by
// length, then digit by digit), other characters as bytes; names equal in
// that order fall back to plain byte order so the order is total.
bool NaturalLess(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      const std::size_t a_end = std::find_if_not(a.begin() + i, a.end(), IsDigit) - a.begin();
      const std::size_t b_end = std::find_if_not(b.begin() + j, b.end(), IsDigit) - b.begin();
      std::string_view x = a.substr(i, a_end - i);
      std::string_view y = b.substr(j, b_end - j);
      x.remove_prefix(std::min(x.find_first_not_of('0'), x.size()));
      y.remove_prefix(std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = a_end;
      j = b_end;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  if ((i < a.size()) != (j < b.size())) return j < b.size();
  return a < b;
}

// FFmpeg when this OpenCV has it: with CAP_ANY a file that is no video also
// goes through GStreamer and the image-sequence reader, each logging its own
// error besides the one Status the caller gets.
int VideoApi() { return cv::videoio_registry::hasBackend(cv::CAP_FFMPEG) ? cv::CAP_FFMPEG : cv::CAP_ANY; }

Result<std::vector<fs::path>> FrameFiles(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') || !entry.is_regular_file(ec)) continue;
    if (cv::haveImageReader(entry.path().string())) files.push_back(entry.path());
  }
  if (ec) return Status::IoError(fmt::format("frame folder {}: {}", SafeText(folder.string()), ec.message()));
  if (files.empty()) {
    return Status::InvalidData(fmt::format(
        "frame folder {} holds no image file OpenCV can read; give a folder of frames (.jpg, .png) or a video file",
        SafeText(folder.string())));
  }
  std::sort(files.begin(), files.end(), [](const fs::path& x, const fs::path& y) {
    return NaturalLess(x.filename().string(), y.filename().string());
  });
  return files;
}

}  // namespace

VideoSource::VideoSource(VideoSource&&) noexcept = default;
VideoSource& VideoSource::operator=(VideoSource&&) noexcept = default;
VideoSource::~VideoSource() = default;

Result<VideoSource> VideoSource::Open(const fs::path& path) {
  VideoSource source;
  source.path_ = path;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::NotFound(
        fmt::format("video {} does not exist; give a video file or a folder of frames", SafeText(path.string())));
  }
  if (fs::is_directory(path, ec)) {
    SWEETSPOT_ASSIGN_OR_RETURN(source.files_, FrameFiles(path));
    source.frame_count_hint_ = source.files_.size();
  } else {
    source.capture_ = std::make_unique<Capture>();
    if (!source.capture_->capture.open(path.string(), VideoApi())) {
      return Status::InvalidData(fmt::format(
          "video {} cannot be opened by this OpenCV's video I/O (an unsupported container or codec, or not a "
          "video); convert it (e.g. ffmpeg -i IN -c:v mjpeg OUT.avi) or give a folder of its frames",
          SafeText(path.string())));
    }
    source.fps_ = std::max(0.0, source.capture_->capture.get(cv::CAP_PROP_FPS));
    source.frame_count_hint_ =
        static_cast<std::size_t>(std::max(0.0, source.capture_->capture.get(cv::CAP_PROP_FRAME_COUNT)));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(cv::Mat first, source.ReadFrame());
  if (first.empty()) {
    return Status::InvalidData(
        fmt::format("video {} has no frames (empty or truncated); give a video with frames or a folder of its frames",
                    SafeText(path.string())));
  }
  source.pending_ = std::move(first);
  return source;
}

// The frame at next_index_ (empty at the end); advances next_index_.
Result<cv::Mat> VideoSource::ReadFrame() {
  cv::Mat frame;
  if (capture_ != nullptr) {
    if (!capture_->capture.read(frame)) return cv::Mat();
  } else {
    if (next_index_ >= files_.size()) return cv::Mat();
    const fs::path& file = files_[next_index_];
    SWEETSPOT_ASSIGN_OR_RETURN(frame, ReadImage(file));  // its error names the file, in the folder
  }
  ++next_index_;
  return frame;
}

Result<std::optional<VideoFrame>> VideoSource::Next() {
  cv::Mat frame;
  if (pending_.has_value()) {
    frame = std::move(*pending_);
    pending_.reset();
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(frame, ReadFrame());
    if (frame.empty()) return std::optional<VideoFrame>();
  }
  return std::optional<VideoFrame>(VideoFrame{std::move(frame), next_index_ - 1});
}

Status ForEachFrame(VideoSource& source, std::uint64_t max_frames,
                    const std::function<Status(const VideoFrame&)>& on_frame,
                    const std::function<void(std::size_t)>& progress) {
  for (std::size_t done = 0; max_frames == 0 || done < max_frames; ++done) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::optional<VideoFrame> frame, source.Next());
    if (!frame.has_value()) break;
    SWEETSPOT_RETURN_IF_ERROR(on_frame(*frame));
    if (progress) progress(done + 1);
  }
  return Status::Ok();
}

}  // namespace sweetspot
