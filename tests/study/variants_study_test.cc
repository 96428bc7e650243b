// Variants in a whole study, on the built binary: derived candidates with
// their lineage in the report and the store, reasons that name the
// transformation, and a rerun that neither remakes nor remeasures them.
#include <sqlite3.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/eval_fixtures.h"
#include "support/support.h"
#include "support/tiny_models.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using ::testing::StartsWith;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

// "transform|parent is set" of every stored variant, in id order.
std::vector<std::string> StoredVariants(const fs::path& db) {
  std::vector<std::string> out;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw,
                           "SELECT transform, parent_variant_id IS NOT NULL, parameters_json FROM variants ORDER BY id",
                           -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        out.push_back(fmt::format("{}|{}|{}", reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                                  sqlite3_column_int(stmt, 1),
                                  reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2))));
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(raw);
  return out;
}

class VariantsStudyTest : public ::testing::Test {
 protected:
  VariantsStudyTest() {
    testing::WriteRgbFolder(dir_ / "images");
    testing::TinyCnnSpec cnn;
    cnn.image_size = 8;
    cnn.classes = 3;
    testing::WriteModel(testing::TinyCnn(cnn), dir_ / "cnn.onnx");
  }

  fs::path Spec(const std::string& variants) {
    const fs::path spec = dir_ / "study.toml";
    testing::WriteFile(spec, "name = \"v\"\nvariants = " + variants +
                                 "\n[dataset]\npath = \"images\"\n[[models]]\nname = \"cnn\"\npath = \"cnn.onnx\"\n"
                                 "[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n");
    return spec;
  }

  std::string Args(const fs::path& spec, const std::string& more = "") const {
    return "study '" + spec.string() + "' --cache-dir '" + (dir_ / "cache").string() + "' " + more;
  }

  TempDir dir_;
};

TEST_F(VariantsStudyTest, Int8IsCalibratedOnSamplesNoCandidateIsScoredOn) {
  const auto r = RunCli(Args(Spec("[\"int8-static:entropy\"]"), "--json -"));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.err;
  const json report = json::parse(r.out);
  ASSERT_EQ(report["candidates"].size(), 2u);
  for (const json& c : report["candidates"]) {
    ASSERT_TRUE(c["failure"].is_null()) << c["failure"];
    EXPECT_EQ(c["eval_count"], 8) << c["name"];  // 9 images, 1 held out for calibration
  }
  EXPECT_EQ(report["dataset"]["samples"], 8);
  EXPECT_THAT(report["calibration"].get<std::string>(), HasSubstr("1 samples held out of image folder"));
  EXPECT_THAT(report["variants"][0]["notes"][0].get<std::string>(), HasSubstr("calibration: entropy over 1 samples"));
  EXPECT_THAT(report["candidates"][1]["reasons"][0].get<std::string>(), StartsWith("int8-static:entropy of cnn: "));
  // What ONNX Runtime made of it: integer convolutions.
  EXPECT_THAT(report["variants"][0]["diagnosis"].get<std::string>(), StartsWith("optimised graph: "));
  EXPECT_THAT(report["variants"][0]["diagnosis"].get<std::string>(), HasSubstr("QLinearConv (uint8)"));
}

// The search keeps an int8 model only when it is within the budget and
// faster than float; on a tiny CNN either outcome is possible, and each is
// reported: the step table, or the search's reason as the failure.
TEST_F(VariantsStudyTest, AccuracyAwareInt8SearchesOnTheStudysEvaluationSamples) {
  const auto r = RunCli(Args(Spec("[\"int8-aware:50\"]"), "--json -"));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.err;
  const json report = json::parse(r.out);
  ASSERT_EQ(report["candidates"].size(), 2u);
  const json& aware = report["candidates"][1];
  EXPECT_EQ(aware["name"], "cnn/int8-aware:50");
  EXPECT_THAT(report["calibration"].get<std::string>(), HasSubstr("1 samples held out"));
  if (aware["failure"].is_null()) {
    EXPECT_EQ(aware["eval_count"], 8);
    const auto notes = report["variants"][0]["notes"].dump();
    EXPECT_THAT(notes, HasSubstr("fully int8"));
  } else {
    EXPECT_THAT(aware["failure"].get<std::string>(), HasSubstr("float"));
  }
}

// An aware search whose step 0 is within the budget makes the int8-static
// model again: it is reported as that model, not as a failed candidate. The
// int8 variant's worst layers by SQNR are in the report.
TEST_F(VariantsStudyTest, AnAwareVariantEqualToItsStaticSiblingIsThatModelNotAFailure) {
  const fs::path spec = Spec("[\"int8-static\", \"int8-aware:50\"]");
  const auto r = RunCli(Args(spec, "--json -"));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.err;
  const json report = json::parse(r.out);
  ASSERT_GE(report["variants"].size(), 2u);
  const json& int8 = report["variants"][0];
  EXPECT_EQ(int8["model"], "cnn/int8-static:minmax");
  ASSERT_FALSE(int8["sqnr_worst"].empty());
  EXPECT_LE(int8["sqnr_worst"].size(), 5u);
  EXPECT_GE(int8["sqnr_layers"], int8["sqnr_worst"].size());
  const json& aware = report["variants"][1];
  EXPECT_EQ(aware["model"], "cnn/int8-aware:50");
  if (report["candidates"].size() == 2u) {  // the search kept the fully int8 model
    EXPECT_EQ(aware["same_as"], "cnn/int8-static:minmax");
    EXPECT_THAT(aware["notes"][0].get<std::string>(), HasSubstr("kept every layer quantized"));
    for (const json& c : report["candidates"]) EXPECT_TRUE(c["failure"].is_null()) << c["name"];
    const auto text = RunCli(Args(spec));
    EXPECT_THAT(text.out, HasSubstr("  cnn/int8-aware:50 (int8-aware:50 of cnn)\n    the accuracy-aware search kept "
                                    "every layer quantized (step 0 within the budget): the same model as "
                                    "cnn/int8-static:minmax"));
    EXPECT_THAT(text.out, HasSubstr("SQNR of the "));
    EXPECT_THAT(text.out, ::testing::Not(HasSubstr("int8-aware:50 is identical")));
  } else {  // float was faster: the search's one-line reason
    ASSERT_EQ(report["candidates"].size(), 3u);
    EXPECT_THAT(report["candidates"][2]["failure"].get<std::string>(), HasSubstr("float"));
    EXPECT_EQ(report["candidates"][2]["failure"].get<std::string>().find('\n'), std::string::npos);
  }
}

TEST_F(VariantsStudyTest, DerivedCandidatesCarryTheirLineageAndAreReusedOnRerun) {
  const fs::path spec = Spec("[\"prune:0.5:unstructured\"]");
  const auto first = RunCli(Args(spec, "--json -"));
  ASSERT_TRUE(first.exit_code == 0 || first.exit_code == 2) << first.err;  // untrained: any recommendation
  const json report = json::parse(first.out);
  ASSERT_EQ(report["candidates"].size(), 2u);
  const json& derived = report["candidates"][1];
  EXPECT_EQ(derived["name"], "cnn/prune:0.5:unstructured");
  EXPECT_EQ(derived["parent"], "cnn");
  EXPECT_EQ(derived["transform"], "prune:0.5:unstructured");
  ASSERT_TRUE(derived["failure"].is_null()) << derived["failure"];
  EXPECT_EQ(derived["eval_count"], 9);  // nothing calibrates: nothing held out
  EXPECT_THAT(derived["reasons"][0].get<std::string>(), StartsWith("prune:0.5:unstructured of cnn: "));
  EXPECT_THAT(derived["reasons"][0].get<std::string>(), HasSubstr(" points, "));
  EXPECT_EQ(report["variants"][0]["model"], "cnn/prune:0.5:unstructured");
  EXPECT_TRUE(report["calibration"].is_null());
  EXPECT_EQ(report["measurements"]["measured"], 4);
  EXPECT_THAT(StoredVariants(dir_ / "sweetspot.db"),
              ::testing::ElementsAre("identity|0|{}", "prune|1|{\"fraction\":0.5,\"structured\":false}"));

  EXPECT_THAT(first.err, HasSubstr("made cnn/prune:0.5:unstructured in "));

  const auto second = RunCli(Args(spec, "--json -"));
  EXPECT_THAT(second.err, HasSubstr("cnn/prune:0.5:unstructured: from the variant cache"));
  const json again = json::parse(second.out);
  EXPECT_EQ(again["measurements"]["measured"], 0);
  EXPECT_EQ(again["measurements"]["reused"], 4);
  EXPECT_EQ(StoredVariants(dir_ / "sweetspot.db").size(), 2u);

  const auto text = RunCli(Args(spec));
  EXPECT_THAT(text.out, HasSubstr("Variants:\n  cnn/prune:0.5:unstructured (prune:0.5:unstructured of cnn)\n    "
                                  "magnitude pruning: parameters "));
  EXPECT_THAT(text.out, HasSubstr("\n    optimised graph: "));
}

}  // namespace
}  // namespace sweetspot
