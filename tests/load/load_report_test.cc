// The renderings of a load run: JSON keys and values, one CSV row per level,
// the table's columns and its mark on an unstable level.
#include "sweetspot/load_report.h"

#include <algorithm>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

LoadRun TwoLevels() {
  LoadRun run;
  run.options.url = "http://127.0.0.1:8000";
  run.options.model = "m";
  run.options.concurrency = {4};
  run.options.rates_per_s = {50};
  run.dataset = "IDX /x/t10k";
  run.samples = 200;
  LevelResult closed;
  closed.concurrency = 4;
  closed.duration_s = 2;
  closed.completed = 300;
  closed.throughput_per_s = 150;
  closed.latency = SummarizeLatencies({1.0, 2.0, 3.0});
  closed.scored = 300;
  closed.top1_correct = 270;
  closed.top1 = 0.9;
  closed.window_throughputs = {150, 150};
  closed.stable = true;
  closed.server = {300, 10.0, 20.0, 30.0, 2.5};
  LevelResult open = closed;
  open.mode = LoadMode::kOpen;
  open.rate_per_s = 50;
  open.dropped = 3;
  open.errors = {{"resource exhausted", 7}};
  open.stable = false;
  open.server = {};
  run.levels = {closed, open};
  return run;
}

TEST(LoadReportTest, JsonHoldsEveryLevelWithItsFigures) {
  const nlohmann::json doc = LoadRunJson(TwoLevels(), Environment{});
  EXPECT_EQ(doc["schema"], "sweetspot.load/1");
  EXPECT_EQ(doc["options"]["model"], "m");
  EXPECT_EQ(doc["options"]["form"], "images");
  ASSERT_EQ(doc["levels"].size(), 2U);
  const auto& closed = doc["levels"][0];
  EXPECT_EQ(closed["mode"], "closed");
  EXPECT_EQ(closed["concurrency"], 4);
  EXPECT_EQ(closed["latency_ms"]["p50"], 2.0);
  EXPECT_EQ(closed["top1"]["correct"], 270);
  EXPECT_EQ(closed["server_us"]["batch_size"], 2.5);
  const auto& open = doc["levels"][1];
  EXPECT_EQ(open["mode"], "open");
  EXPECT_EQ(open["errors"]["resource exhausted"], 7);
  EXPECT_EQ(open["error_count"], 7);
  EXPECT_EQ(open["dropped"], 3);
  EXPECT_TRUE(open["server_us"].is_null()) << "no server times reported";
  EXPECT_FALSE(open["stable"]);
}

TEST(LoadReportTest, CsvHasOneRowPerLevelAndTheTableMarksUnstableLevels) {
  const std::string csv = RenderLoadCsv(TwoLevels());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_THAT(csv, HasSubstr("\nclosed,4,0,2,300,0,0,150.000,"));
  EXPECT_THAT(csv, HasSubstr("\nopen,4,50,2,300,7,3,150.000,"));
  const std::string table = RenderLoadTable(TwoLevels());
  EXPECT_THAT(table, HasSubstr("closed 4"));
  EXPECT_THAT(table, HasSubstr("open 50/s"));
  EXPECT_THAT(table, HasSubstr("90.00 %"));
  EXPECT_EQ(table.find("unstable"), table.rfind("unstable")) << "only the open level is unstable";
  EXPECT_NE(table.find("unstable"), std::string::npos);
}

}  // namespace
}  // namespace sweetspot
