// Tiny datasets written by the tests themselves, with known pixels and labels.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "support/exif_jpeg.h"
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
