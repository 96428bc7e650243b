#include "sweetspot/image_decode.h"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;

Result<cv::Mat> DecodeImage(std::span<const std::byte> bytes, std::string_view name, ImageView view) {
  if (bytes.empty()) return Status::InvalidData(fmt::format("{} is empty", name));
  // IMREAD_COLOR: 8-bit BGR whatever the file holds; OpenCV applies the EXIF
  // Orientation unless told to ignore it.
  const int flags = view == ImageView::kOriented ? cv::IMREAD_COLOR : cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION;
  // imdecode only reads the buffer; cv::Mat has no const view of foreign memory.
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::byte*>(bytes.data()));
  cv::Mat image;
  try {
    image = cv::imdecode(encoded, flags);
  } catch (const cv::Exception&) {
    image.release();  // a codec that throws on a corrupt file: the same as OpenCV's empty result
  }
  if (image.empty()) {
    return Status::InvalidData(fmt::format("{} cannot be decoded (corrupt, or not JPEG/PNG/BMP/WebP/TIFF/PNM)", name));
  }
  return image;
}

Result<cv::Mat> ReadImage(const fs::path& path, ImageView view) {
  const std::string name = "image " + SafeText(path.string());
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::NotFound(name + " does not exist");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(name + " cannot be opened; check its permissions");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(name + " cannot be read");
  auto image = DecodeImage(std::as_bytes(std::span(bytes)), name, view);
  if (!image.ok()) return Status::InvalidData(image.status().message() + "; replace or remove it");
  return image;
}

Result<LabelledImage> ReadLabelledImage(const fs::path& path, int labelled_width, int labelled_height) {
  SWEETSPOT_ASSIGN_OR_RETURN(cv::Mat oriented, ReadImage(path, ImageView::kOriented));
  const cv::Size labelled(labelled_width, labelled_height);
  if (labelled_width <= 0 || labelled_height <= 0 || oriented.size() == labelled) {
    return LabelledImage{.pixels = std::move(oriented), .view = ImageView::kOriented};
  }
  // A transposed size may be a 90-degree EXIF orientation whose labels were
  // drawn on the stored bitmap (tools that ignore the tag): decode that view.
  if (oriented.size() == cv::Size(labelled_height, labelled_width)) {
    SWEETSPOT_ASSIGN_OR_RETURN(cv::Mat stored, ReadImage(path, ImageView::kStoredGrid));
    if (stored.size() == labelled) return LabelledImage{.pixels = std::move(stored), .view = ImageView::kStoredGrid};
  }
  return Status::InvalidData(fmt::format("image {} is {}x{} pixels but its labels say {}x{}; fix the labels' size",
                                         SafeText(path.string()), oriented.cols, oriented.rows, labelled_width,
                                         labelled_height));
}

}  // namespace sweetspot
