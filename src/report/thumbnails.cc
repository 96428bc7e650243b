#include "report/thumbnails.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace sweetspot {

namespace {

// RFC 4648 base64 with padding.
std::string Base64(const std::vector<unsigned char>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t word = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (left > 1) word |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (left > 2) word |= bytes[i + 2];
    for (std::size_t k = 0; k < 4; ++k) out += k <= left ? kAlphabet[(word >> (18 - 6 * k)) & 0x3F] : '=';
  }
  return out;
}

// A three-channel image whose channels are equal, as one channel: a third
// of the PNG for the gray datasets (Fashion-MNIST) that load as BGR.
cv::Mat GrayIfEqualChannels(const cv::Mat& image) {
  if (image.channels() != 3) return image;
  cv::Mat channels[3];
  cv::split(image, channels);
  if (cv::norm(channels[0], channels[1], cv::NORM_INF) > 0 || cv::norm(channels[0], channels[2], cv::NORM_INF) > 0) {
    return image;
  }
  return channels[0];
}

// `image` shrunk so its longer side is at most `max_side_px` (INTER_AREA; never enlarged).
cv::Mat ShrinkTo(const cv::Mat& image, int max_side_px) {
  const int longer = std::max(image.cols, image.rows);
  if (longer <= max_side_px) return image;
  const double scale = static_cast<double>(max_side_px) / longer;
  const cv::Size size(std::max(1, static_cast<int>(std::lround(image.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(image.rows * scale))));
  cv::Mat small;
  cv::resize(image, small, size, 0, 0, cv::INTER_AREA);
  return small;
}

// "data:image/<subtype>;base64,..." of `image` encoded as `format` ("PNG", "JPEG").
Result<std::string> EncodedDataUri(const cv::Mat& image, const std::string& format, const std::vector<int>& params) {
  const bool png = format == "PNG";
  const std::string extension = png ? ".png" : ".jpg";
  const std::string media_type = png ? "image/png" : "image/jpeg";
  std::vector<unsigned char> bytes;
  try {
    if (!cv::imencode(extension, image, bytes, params)) {
      return Status::InvalidData(fmt::format("OpenCV could not encode a thumbnail as {}", format));
    }
  } catch (const cv::Exception& e) {
    return Status::InvalidData(fmt::format("OpenCV could not encode a thumbnail as {} ({})", format, e.what()));
  }
  return "data:" + media_type + ";base64," + Base64(bytes);
}

}  // namespace

Result<std::string> PngDataUri(const cv::Mat& image, int max_side_px) {
  if (image.empty()) return Status::InvalidData("an empty image has no thumbnail");
  return EncodedDataUri(ShrinkTo(GrayIfEqualChannels(image), max_side_px), "PNG", {});
}

Result<std::string> JpegDataUri(const cv::Mat& image, int max_side_px, int quality) {
  if (image.empty()) return Status::InvalidData("an empty image has no thumbnail");
  return EncodedDataUri(ShrinkTo(image, max_side_px), "JPEG", {cv::IMWRITE_JPEG_QUALITY, quality});
}

Thumbnails MakeThumbnails(const Dataset& dataset, const std::vector<ThumbnailRequest>& requests, int max_side_px) {
  Thumbnails out;
  for (const ThumbnailRequest& r : requests) {
    if (r.index < 0 || static_cast<std::size_t>(r.index) >= dataset.size() ||
        dataset.sample(static_cast<std::size_t>(r.index)).label != r.label) {
      out.notes.push_back(fmt::format(
          "no thumbnails: the dataset {} has changed since the study (sample {} is not the one it evaluated)",
          dataset.description(), r.index));
      return out;
    }
  }
  std::size_t failed = 0;
  std::string first_failure;
  for (const ThumbnailRequest& r : requests) {
    auto uri = [&]() -> Result<std::string> {
      SWEETSPOT_ASSIGN_OR_RETURN(const cv::Mat image, dataset.Load(static_cast<std::size_t>(r.index)));
      return PngDataUri(image, max_side_px);
    }();
    if (uri.ok()) {
      out.uris.emplace(r.index, std::move(*uri));
    } else if (failed++ == 0) {
      first_failure = uri.status().message();
    }
  }
  if (failed > 0) {
    out.notes.push_back(
        fmt::format("{} of {} thumbnails could not be made (first: {})", failed, requests.size(), first_failure));
  }
  return out;
}

}  // namespace sweetspot
