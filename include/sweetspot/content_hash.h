// Content hashes: how the results store recognises a model or a dataset it
// has measured before, whatever its path or modification time.
//
// SHA-256 (FIPS 180-4), hex-encoded. A model's hash is that of its file bytes;
// a dataset's covers its class names, every sample's id and label, and the
// bytes of every file its samples live in, so renaming or moving the folder
// keeps the hash and touching any image's content changes it.
//
// Thread-safety: Sha256 is a plain value (one per thread); the functions are
// reentrant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "sweetspot/dataset.h"
#include "sweetspot/status.h"

namespace sweetspot {

class Sha256 {
 public:
  Sha256();
  void Update(std::span<const std::byte> bytes);
  void Update(std::string_view text);
  // Lowercase hex of the digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  void Block(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_bytes_ = 0;
};

// SHA-256 of a file's bytes. NotFound/IoError name the path.
Result<std::string> HashFile(const std::filesystem::path& path);

// SHA-256 of a dataset's content (see the top of this file). Reads every file
// once; an unreadable file is an error naming it.
Result<std::string> HashDataset(const Dataset& dataset);

}  // namespace sweetspot
