// Small helpers shared by the data module's readers (private to src/data).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "sweetspot/status.h"

namespace sweetspot {

// Whole file as bytes; NotFound/IoError name the path.
Result<std::string> ReadWholeFile(const std::filesystem::path& path);

std::string_view Trim(std::string_view s);

// A tiny portable PRNG: the same seed gives the same stream everywhere
// (std:: distributions are implementation-defined, so subsets would differ).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace sweetspot
