// What the training images are, taken over all of them (private to
// src/train): the sizes present and how many are gray. "The first image's"
// would let one odd image, or a colour decoder, decide the model.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sweetspot/dataset.h"

namespace sweetspot {

struct ImageShapes {
  struct Size {
    int width = 0;
    int height = 0;
    std::size_t count = 0;
    std::vector<std::string> examples;  // the first few samples' ids
  };
  std::vector<Size> sizes;  // most common first; ties: larger area first
  std::size_t gray = 0;     // images whose channels are all equal (gray files, or colour files holding gray)
  std::size_t colour = 0;
  std::size_t unreadable = 0;  // skipped here; training excludes them and says so

  std::size_t readable() const { return gray + colour; }
};

// Decodes the samples `indices` of `data` on `threads` threads (> 0).
ImageShapes ScanImages(const Dataset& data, const std::vector<std::size_t>& indices, int threads);

// "3 sizes among 1200 images: 28x28 (1198), 8x8 (2: a.png, b.png), ...".
std::string DescribeSizes(const ImageShapes& shapes);

}  // namespace sweetspot
