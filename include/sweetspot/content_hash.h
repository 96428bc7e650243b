// Content hashes: SHA-256 (FIPS 180-4, from OpenSSL's libcrypto), hex-encoded.
// How the results store recognises a model it has measured before, whatever
// its path or modification time (a model's hash is that of its file bytes),
// and the digest behind DatasetIdentity (dataset.h).
//
// Thread-safety: Sha256 is a plain value (one per thread); the functions are
// reentrant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sweetspot/status.h"

namespace sweetspot {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(std::span<const std::byte> bytes);
  void Update(std::string_view text);
  // Adds the bytes of a file. NotFound/IoError name the path; the hash then
  // holds the bytes read before the failure.
  Status UpdateWithFile(const std::filesystem::path& path);
  // Lowercase hex of the digest (64 characters); the object must not be
  // updated afterwards.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// SHA-256 of `bytes`, lowercase hex.
std::string Sha256Hex(std::string_view bytes);

// SHA-256 of a file's bytes. NotFound/IoError name the path.
Result<std::string> HashFile(const std::filesystem::path& path);

}  // namespace sweetspot
