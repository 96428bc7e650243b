#include "sweetspot/tensor_cache.h"

#include <cstring>
#include <numeric>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data_fixtures.h"
#include "support/support.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

PreprocessSpec SmallSpec() {
  PreprocessSpec spec;
  spec.width = 2;
  spec.height = 2;
  return spec;
}

std::vector<std::size_t> All(const Dataset& d) {
  std::vector<std::size_t> v(d.size());
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

std::size_t CountFiles(const fs::path& dir) {
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

class TensorCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 5; ++i) {
      const auto v = static_cast<unsigned char>(i * 50);
      testing::WriteImage(data_ / ("a/" + std::to_string(i) + ".png"), testing::SolidImage(2, 2, v, v, v));
    }
    testing::WriteImage(data_ / "b/0.png", testing::SolidImage(4, 4, 0, 0, 255));
    testing::WriteFile(data_ / "b/broken.jpg", "not an image");
    auto ds = OpenDataset(data_.path());
    ASSERT_TRUE(ds.ok());
    dataset_ = std::move(*ds);
    options_.dir = cache_.path() / "tensors";
    options_.threads = 2;
  }

  TempDir data_;
  TempDir cache_;
  std::unique_ptr<Dataset> dataset_;
  TensorCacheOptions options_;
};

TEST_F(TensorCacheTest, SecondPreparationMapsTheCacheWithoutDecoding) {
  const auto indices = All(*dataset_);
  std::size_t last_done = 0;
  auto first = PrepareTensors(*dataset_, indices, SmallSpec(), options_, [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, 7u);
    last_done = done;
  });
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(last_done, 7u);
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(first->requested, 7u);
  ASSERT_EQ(first->size(), 6u);
  ASSERT_EQ(first->excluded.size(), 1u);
  EXPECT_THAT(first->excluded[0].path, HasSubstr("broken.jpg"));
  EXPECT_EQ(first->labels, (std::vector<int>{0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(CountFiles(options_.dir), 1u);

  const Tensor batch = first->Batch(1, 2);
  EXPECT_EQ(batch.shape(), (Shape{2, 3, 2, 2}));
  EXPECT_FLOAT_EQ(batch.values<float>()[0], 50.0F / 255.0F);
  EXPECT_FLOAT_EQ(batch.values<float>()[12], 100.0F / 255.0F);

  auto second = PrepareTensors(*dataset_, indices, SmallSpec(), options_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->cache_file, first->cache_file);
  EXPECT_EQ(second->indices, first->indices);
  EXPECT_EQ(second->labels, first->labels);
  ASSERT_EQ(second->excluded.size(), 1u);
  EXPECT_EQ(second->excluded[0].reason, first->excluded[0].reason);
  ASSERT_EQ(second->sample_size_bytes(), first->sample_size_bytes());
  EXPECT_EQ(std::memcmp(second->data, first->data, 6 * first->sample_size_bytes()), 0);
  // The last image (4x4 red) was resized to 2x2: R plane 1, G/B 0.
  const Tensor red = second->Batch(5, 1);
  EXPECT_FLOAT_EQ(red.values<float>()[0], 1.0F);
  EXPECT_FLOAT_EQ(red.values<float>()[4], 0.0F);
}

TEST_F(TensorCacheTest, KeyCoversSpecSubsetAndFiles) {
  const auto indices = All(*dataset_);
  ASSERT_TRUE(PrepareTensors(*dataset_, indices, SmallSpec(), options_).ok());

  PreprocessSpec other = SmallSpec();
  other.mean = {0.5, 0.5, 0.5};
  auto by_spec = PrepareTensors(*dataset_, indices, other, options_);
  ASSERT_TRUE(by_spec.ok());
  EXPECT_FALSE(by_spec->from_cache);

  const std::vector<std::size_t> subset = {0, 2};
  auto by_subset = PrepareTensors(*dataset_, subset, SmallSpec(), options_);
  ASSERT_TRUE(by_subset.ok());
  EXPECT_FALSE(by_subset->from_cache);
  EXPECT_EQ(by_subset->size(), 2u);

  const std::string before = TensorCacheKey(*dataset_, indices, SmallSpec());
  testing::WriteImage(data_ / "a/3.png", testing::SolidImage(3, 3, 1, 2, 3));
  auto changed = OpenDataset(data_.path());
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(TensorCacheKey(**changed, indices, SmallSpec()), before);
  auto rebuilt = PrepareTensors(**changed, indices, SmallSpec(), options_);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_FALSE(rebuilt->from_cache);
}

// The cache key uses DatasetIdentity, as the results store does: the same
// images in another folder are the same data.
TEST_F(TensorCacheTest, CopiedDatasetHitsTheCache) {
  const auto indices = All(*dataset_);
  ASSERT_TRUE(PrepareTensors(*dataset_, indices, SmallSpec(), options_).ok());
  TempDir elsewhere;
  fs::copy(data_.path(), elsewhere.path(), fs::copy_options::recursive);
  auto copy = OpenDataset(elsewhere.path());
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(TensorCacheKey(**copy, indices, SmallSpec()), TensorCacheKey(*dataset_, indices, SmallSpec()));
  auto again = PrepareTensors(**copy, indices, SmallSpec(), options_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->from_cache);
}

TEST_F(TensorCacheTest, CorruptCacheFileIsAMissNotWrongData) {
  const auto indices = All(*dataset_);
  auto first = PrepareTensors(*dataset_, indices, SmallSpec(), options_);
  ASSERT_TRUE(first.ok());
  const fs::path file = first->cache_file;
  first = Status::Internal("drop the mapping");
  fs::resize_file(file, fs::file_size(file) - 3);
  auto second = PrepareTensors(*dataset_, indices, SmallSpec(), options_);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->from_cache);
  auto third = PrepareTensors(*dataset_, indices, SmallSpec(), options_);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->from_cache);
}

TEST_F(TensorCacheTest, DisabledCacheWritesNothing) {
  options_.enabled = false;
  auto prepared = PrepareTensors(*dataset_, All(*dataset_), SmallSpec(), options_);
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  EXPECT_FALSE(prepared->from_cache);
  EXPECT_TRUE(prepared->cache_file.empty());
  EXPECT_EQ(prepared->size(), 6u);
  EXPECT_EQ(CountFiles(options_.dir), 0u);
}

// The cache only saves time: a folder that cannot be made (here a path under a
// regular file, which stops root too) falls back to an uncached run that says why.
TEST_F(TensorCacheTest, UnwritableCacheFallsBackToNoCacheWithAWarning) {
  testing::WriteFile(cache_.path() / "file", "x");
  options_.dir = cache_.path() / "file" / "sub";
  auto prepared = PrepareTensors(*dataset_, All(*dataset_), SmallSpec(), options_);
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  EXPECT_EQ(prepared->size(), 6u);
  EXPECT_FALSE(prepared->from_cache);
  EXPECT_TRUE(prepared->cache_file.empty());
  EXPECT_THAT(prepared->cache_warning, HasSubstr((cache_.path() / "file" / "sub").string()));
  EXPECT_THAT(prepared->cache_warning, HasSubstr("did without it"));
  EXPECT_EQ(prepared->cache_warning.find("--"), std::string::npos);  // the library names no flag

  options_.dir = cache_.path() / "tensors";  // a writable folder caches again, without a warning
  auto cached = PrepareTensors(*dataset_, All(*dataset_), SmallSpec(), options_);
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_TRUE(cached->cache_warning.empty());
  EXPECT_FALSE(cached->cache_file.empty());
}

TEST(TensorCacheDir, FollowsXdgCacheHome) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(DefaultTensorCacheDir(), fs::path("/tmp/xdg-test/sweetspot/tensors"));
  if (old != nullptr) {
    ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_CACHE_HOME");
  }
}

}  // namespace
}  // namespace sweetspot
