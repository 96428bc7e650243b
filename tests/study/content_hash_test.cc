// SHA-256 against FIPS 180-4 test vectors, and the dataset hash's promise:
// content, not location.
#include "sweetspot/content_hash.h"

#include <gtest/gtest.h>

#include "data/data_fixtures.h"
#include "support/support.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;

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

TEST(HashFileTest, HashesBytesAndNamesMissingFiles) {
  testing::TempDir dir;
  testing::WriteFile(dir / "f", "abc");
  EXPECT_EQ(*HashFile(dir / "f"), Sha("abc"));
  auto missing = HashFile(dir / "none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(HashDatasetTest, FollowsContentNotLocation) {
  testing::TempDir dir;
  testing::WriteImage(dir / "a/red/0.png", testing::SolidImage(2, 2, 0, 0, 255));
  testing::WriteImage(dir / "a/blue/0.png", testing::SolidImage(2, 2, 255, 0, 0));
  auto first = OpenDataset(dir / "a");
  ASSERT_TRUE(first.ok());
  const std::string hash = *HashDataset(**first);

  fs::rename(dir / "a", dir / "b");  // moved: same content
  auto moved = OpenDataset(dir / "b");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*HashDataset(**moved), hash);

  testing::WriteImage(dir / "b/red/0.png", testing::SolidImage(2, 2, 0, 0, 254));  // one pixel value changed
  auto changed = OpenDataset(dir / "b");
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(*HashDataset(**changed), hash);
}

}  // namespace
}  // namespace sweetspot
