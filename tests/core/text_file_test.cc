#include "sweetspot/text_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

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

TEST(ReadTextFile, SkipsAByteOrderMarkAndAcceptsCrlfAndCr) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a.csv", "\xEF\xBB\xBFpath,label\r\na.png,cat\rb.png,dog\r\n");
  const auto text = ReadTextFile(dir / "a.csv");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "path,label\na.png,cat\nb.png,dog\n");
  // A BOM-like sequence that is not at the start is content.
  EXPECT_EQ(NormalizeText("a\xEF\xBB\xBF"), "a\xEF\xBB\xBF");
}

TEST(ReadTextFile, MissingFileAndFolderNameThePath) {
  testing::TempDir dir;
  const auto missing = ReadTextFile(dir / "absent.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("absent.txt"), std::string::npos);
  EXPECT_EQ(ReadTextFile(dir.path()).status().code(), StatusCode::kInvalidArgument);
}

TEST(SafeText, KeepsUtf8AndEscapesEveryOtherByte) {
  EXPECT_EQ(SafeText("caf\xC3\xA9 \xF0\x9F\x90\x88 crane#134"), "caf\xC3\xA9 \xF0\x9F\x90\x88 crane#134");
  EXPECT_EQ(SafeText("caf\xE9"), "caf\\xe9");                       // Latin-1
  EXPECT_EQ(SafeText("\xC0\xAF"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(SafeText("\xED\xA0\x80"), "\\xed\\xa0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(SafeText("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(SafeText("ab\xE2\x82"), "ab\\xe2\\x82");                // truncated sequence
}

TEST(DumpJson, NamesThatAreNotUtf8StillSerialise) {
  nlohmann::json doc = {{"caf\xE9", {"img\xFF.png", 1}}};
  EXPECT_THROW((void)doc.dump(), nlohmann::json::type_error);  // what every raw dump() did
  const std::string text = DumpJson(doc, 2);
  const auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed.at("caf\\xe9").at(0), "img\\xff.png");
  EXPECT_EQ(parsed.at("caf\\xe9").at(1), 1);
}

TEST(CsvField, QuotesAndEscapesNames) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,\"b\""), "\"a,\"\"b\"\"\"");
  EXPECT_EQ(CsvField("caf\xE9"), "caf\\xe9");
}

}  // namespace
}  // namespace sweetspot
