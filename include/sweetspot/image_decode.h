// The one image decoder: every place sweetspot turns an encoded image into
// pixels (classification and detection datasets, keypoint images, frame
// folders, served requests, report thumbnails, load requests) goes through
// these functions, so the same file gives the same pixels everywhere.
//
// Output: a cv::Mat of 8-bit BGR, 3 channels (CV_8UC3), whatever the file
// holds: gray is replicated into three channels, alpha is dropped (not
// blended), 16-bit keeps its high byte. OpenCV's codecs (cv::imdecode with
// IMREAD_COLOR) do the work: JPEG, PNG, BMP, and WebP/TIFF/PNM where the
// OpenCV build reads them.
//
// Orientation: by default the JPEG's EXIF Orientation tag is applied, so the
// pixels are the image as viewers display it (a portrait photo stored as a
// landscape bitmap plus "rotate 90 degrees" comes out portrait), and its
// width/height are the displayed ones. Labels (boxes, keypoints) are read in
// that view. ImageView::kStoredGrid keeps the bitmap as stored, for labels
// drawn by tools that ignore the tag; ReadLabelledImage picks between the two
// by the size the labels declare.
//
// Errors: NotFound for a missing or unreadable file, InvalidData for an empty
// or undecodable one; the message names the file (or the caller's name for a
// buffer) and, for files, the fix.
//
// Thread-safety: all functions are reentrant (cv::imdecode is).
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

#include <opencv2/core.hpp>

#include "sweetspot/status.h"

namespace sweetspot {

enum class ImageView {
  kOriented,    // EXIF Orientation applied: the displayed image
  kStoredGrid,  // the bitmap as stored, EXIF Orientation ignored
};

// Decodes the encoded image in `bytes`. `name` says what it is in errors
// ("image 3", a path): InvalidData "<name> is empty" or "<name> cannot be
// decoded (corrupt, or not JPEG/PNG/BMP/WebP/TIFF/PNM)".
Result<cv::Mat> DecodeImage(std::span<const std::byte> bytes, std::string_view name,
                            ImageView view = ImageView::kOriented);

// Reads and decodes the image file `path`; errors name the path and say
// "replace or remove it" when it cannot be decoded.
Result<cv::Mat> ReadImage(const std::filesystem::path& path, ImageView view = ImageView::kOriented);

// The image a label file describes as `labelled_width` x `labelled_height`
// pixels: the oriented view, unless only the stored grid has that size (a
// 90-degree EXIF orientation whose labels were drawn by a tool that ignores
// the tag); a size <= 0 takes the oriented view. Neither view of that size:
// InvalidData naming the path, both sizes and the fix. Flips and 180-degree
// orientations keep the size, so they cannot be told apart and are oriented.
struct LabelledImage {
  cv::Mat pixels;
  ImageView view = ImageView::kOriented;
};
Result<LabelledImage> ReadLabelledImage(const std::filesystem::path& path, int labelled_width, int labelled_height);

}  // namespace sweetspot
