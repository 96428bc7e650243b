#include "sweetspot/text_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/support.h"

namespace sweetspot {
namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WriteTextFile, WritesAndReplacesLeavingNoTemporaryFile) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteTextFile(dir / "a.json", "first").ok());
  ASSERT_TRUE(WriteTextFile(dir / "a.json", "second").ok());
  EXPECT_EQ(Slurp(dir / "a.json"), "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(WriteTextFile, MissingFolderIsAnIoErrorNamingThePath) {
  testing::TempDir dir;
  const Status s = WriteTextFile(dir / "absent" / "a.json", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("absent/a.json"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "absent"));
}

}  // namespace
}  // namespace sweetspot
