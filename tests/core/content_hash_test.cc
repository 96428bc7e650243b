// SHA-256 (libcrypto behind our interface) against FIPS 180-4 test vectors.
#include "sweetspot/content_hash.h"

#include <gtest/gtest.h>

#include "support/support.h"

namespace sweetspot {
namespace {

std::string Sha(std::string_view text) {
  Sha256 h;
  h.Update(text);
  return h.HexDigest();
}

TEST(Sha256Test, StandardVectors) {
  EXPECT_EQ(Sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 million;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.Update(chunk);
  EXPECT_EQ(million.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, SplitUpdatesEqualOneUpdate) {
  const std::string text(200, 'x');
  Sha256 split;
  split.Update(std::string_view(text).substr(0, 63));
  split.Update(std::string_view(text).substr(63));
  EXPECT_EQ(split.HexDigest(), Sha(text));
}

TEST(Sha256Test, HexOfBytesAndMovedHashers) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 first;
  first.Update(std::string_view("ab"));
  Sha256 moved = std::move(first);
  moved.Update(std::string_view("c"));
  EXPECT_EQ(moved.HexDigest(), Sha256Hex("abc"));
}

TEST(HashFileTest, HashesBytesAndNamesMissingFiles) {
  testing::TempDir dir;
  testing::WriteFile(dir / "f", "abc");
  EXPECT_EQ(*HashFile(dir / "f"), Sha("abc"));
  auto missing = HashFile(dir / "none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sweetspot
