#include "train/image_shapes.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <utility>

#include <fmt/core.h>

namespace sweetspot {
namespace {

constexpr std::size_t kExamples = 3;

// OpenCV decodes every file as colour, so a gray PNG arrives as three equal
// channels: gray is a property of the pixels, not of the Mat type.
bool IsGray(const cv::Mat& image) {
  if (image.channels() == 1) return true;
  for (int y = 0; y < image.rows; ++y) {
    const auto* p = image.ptr<unsigned char>(y);
    for (int x = 0; x < image.cols; ++x, p += image.channels()) {
      if (p[0] != p[1] || p[1] != p[2]) return false;
    }
  }
  return true;
}

// Per size: its count and the first few positions in `indices` (each thread
// takes positions in increasing order, so its first few are its smallest).
struct SizeTally {
  std::size_t count = 0;
  std::vector<std::size_t> first;
};

struct Tally {
  std::map<std::pair<int, int>, SizeTally> sizes;
  std::size_t gray = 0;
  std::size_t colour = 0;
  std::size_t unreadable = 0;
};

}  // namespace

ImageShapes ScanImages(const Dataset& data, const std::vector<std::size_t>& indices, int threads) {
  std::vector<Tally> tallies(static_cast<std::size_t>(std::max(1, threads)));
  std::atomic<std::size_t> next{0};
  const auto work = [&](Tally& tally) {
    for (std::size_t i = next++; i < indices.size(); i = next++) {
      const Result<cv::Mat> image = data.Load(indices[i]);
      if (!image.ok()) {
        ++tally.unreadable;
        continue;
      }
      ++(IsGray(*image) ? tally.gray : tally.colour);
      SizeTally& size = tally.sizes[{image->cols, image->rows}];
      ++size.count;
      if (size.first.size() < kExamples) size.first.push_back(i);
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < tallies.size(); ++t) pool.emplace_back(work, std::ref(tallies[t]));
  work(tallies[0]);
  for (auto& t : pool) t.join();

  ImageShapes shapes;
  std::map<std::pair<int, int>, SizeTally> sizes;
  for (const Tally& tally : tallies) {
    shapes.gray += tally.gray;
    shapes.colour += tally.colour;
    shapes.unreadable += tally.unreadable;
    for (const auto& [key, size] : tally.sizes) {
      SizeTally& merged = sizes[key];
      merged.count += size.count;
      merged.first.insert(merged.first.end(), size.first.begin(), size.first.end());
    }
  }
  for (auto& [key, size] : sizes) {
    // The union of every thread's first few holds the overall first few.
    std::sort(size.first.begin(), size.first.end());
    ImageShapes::Size out{key.first, key.second, size.count, {}};
    for (std::size_t k = 0; k < std::min(kExamples, size.first.size()); ++k) {
      out.examples.push_back(data.sample(indices[size.first[k]]).id);
    }
    shapes.sizes.push_back(std::move(out));
  }
  std::sort(shapes.sizes.begin(), shapes.sizes.end(), [](const auto& a, const auto& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.width * a.height > b.width * b.height;
  });
  return shapes;
}

std::string DescribeSizes(const ImageShapes& shapes) {
  std::string text = fmt::format("{} sizes among {} images:", shapes.sizes.size(), shapes.readable());
  for (std::size_t i = 0; i < shapes.sizes.size(); ++i) {
    const ImageShapes::Size& s = shapes.sizes[i];
    text += fmt::format("{} {}x{} ({}", i == 0 ? "" : ",", s.width, s.height, s.count);
    // The most common size needs no examples: the others are the odd ones out.
    if (i > 0) {
      text += ": ";
      for (std::size_t e = 0; e < s.examples.size(); ++e) text += (e == 0 ? "" : ", ") + s.examples[e];
      if (s.count > s.examples.size()) text += ", ...";
    }
    text += ")";
  }
  return text;
}

}  // namespace sweetspot
