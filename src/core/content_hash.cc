#include "sweetspot/content_hash.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace sweetspot {
namespace {

// libcrypto's digest calls fail only when the library itself is broken (no
// SHA-256 provider, no memory): a bug of the installation, not an input error.
void CheckCrypto(int result, const char* call) {
  if (result == 1) return;
  std::fprintf(stderr, "sweetspot: OpenSSL %s failed for SHA-256\n", call);
  std::abort();
}

}  // namespace

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Context() {
    if (md == nullptr) CheckCrypto(0, "EVP_MD_CTX_new");
    CheckCrypto(EVP_DigestInit_ex(md, EVP_sha256(), nullptr), "EVP_DigestInit_ex");
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::span<const std::byte> bytes) {
  CheckCrypto(EVP_DigestUpdate(context_->md, bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

void Sha256::Update(std::string_view text) { Update(std::as_bytes(std::span(text.data(), text.size()))); }

Status Sha256::UpdateWithFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::NotFound("'" + path.string() + "' does not exist");
    return Status::IoError("cannot read '" + path.string() + "': " + std::strerror(errno));
  }
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    Update(std::as_bytes(std::span(chunk.data(), static_cast<std::size_t>(in.gcount()))));
  }
  if (in.bad()) return Status::IoError("cannot read '" + path.string() + "'");
  return Status::Ok();
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CheckCrypto(EVP_DigestFinal_ex(context_->md, digest, &length), "EVP_DigestFinal_ex");
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 hash;
  hash.Update(bytes);
  return hash.HexDigest();
}

Result<std::string> HashFile(const std::filesystem::path& path) {
  Sha256 hash;
  SWEETSPOT_RETURN_IF_ERROR(hash.UpdateWithFile(path));
  return hash.HexDigest();
}

}  // namespace sweetspot
