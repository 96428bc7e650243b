// Tiny datasets written by the tests themselves, with known pixels and labels.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "support/support.h"

namespace sweetspot::testing {

// A solid BGR image of `w`x`h` whose pixels are (b, g, r).
inline cv::Mat SolidImage(int w, int h, unsigned char b, unsigned char g, unsigned char r) {
  return cv::Mat(h, w, CV_8UC3, cv::Scalar(b, g, r));
}

inline void WriteImage(const std::filesystem::path& path, const cv::Mat& image) {
  std::filesystem::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), image)) << path;
}

// A JPEG of `image` carrying an EXIF APP1 segment with Orientation = `orientation`.
inline std::string JpegWithOrientation(const cv::Mat& image, int orientation) {
  std::vector<unsigned char> jpeg;
  EXPECT_TRUE(cv::imencode(".jpg", image, jpeg));
  // Little-endian TIFF header, one IFD entry: tag 0x0112 (Orientation), SHORT, count 1.
  const std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                           std::string("\x12\x01\x03\0\x01\0\0\0", 8) + static_cast<char>(orientation) +
                           std::string(3, '\0') + std::string(4, '\0');
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const std::size_t length = payload.size() + 2;
  const std::string app1 =
      std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) + static_cast<char>(length & 0xFF) + payload;
  const std::string bytes(jpeg.begin(), jpeg.end());
  return bytes.substr(0, 2) + app1 + bytes.substr(2);
}

inline std::string BigEndian(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// IDX images: magic 0x803, count, rows, cols, then pixels; pixel value of
// image i at (y, x) is (i * 10 + y * cols + x) % 256.
inline std::string IdxImagesBytes(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  std::string out = BigEndian(0x803) + BigEndian(count) + BigEndian(rows) + BigEndian(cols);
  for (std::uint32_t i = 0; i < count; ++i) {
    for (std::uint32_t p = 0; p < rows * cols; ++p) out += static_cast<char>((i * 10 + p) % 256);
  }
  return out;
}

inline std::string IdxLabelsBytes(const std::vector<int>& labels) {
  std::string out = BigEndian(0x801) + BigEndian(static_cast<std::uint32_t>(labels.size()));
  for (int l : labels) out += static_cast<char>(l);
  return out;
}

inline void WriteGzip(const std::filesystem::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

}  // namespace sweetspot::testing
