// `sweetspot bench MODEL --data DIR` through the built binary: a detector's
// pipeline timed stage by stage (detection_bench.h), its table and its JSON
// (docs/bench-result.schema.json), in a child process and in this one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::RunCli;
using testing::TempDir;

constexpr const char* kFast = " --duration-s 0.1 --max-duration-s 0.5 --min-count 20";

class BenchDetectionCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<testing::ShapeImage> images;
    std::vector<std::vector<Detection>> boxes;
    for (int i = 0; i < 3; ++i) {
      images.push_back({"img" + std::to_string(i), 64, 64, {{i % 2, 8, 8, 40, 48}}});
      boxes.push_back({{{8, 8, 40, 48}, i % 2, 0.9F}, {{44, 4, 60, 20}, 1, 0.5F}});
    }
    data_ = testing::WriteShapesDataset(dir_ / "data", testing::DetectionFormat::kVoc, images, {"red", "blue"});
    model_ = testing::WriteModel(testing::OracleDetector(DetectionLayout::kBoxesObjectness, boxes, 2, 64),
                                 dir_ / "oracle.onnx");
  }

  std::string Args() const { return "bench " + model_.string() + " --data " + data_.string() + " --color bgr"; }

  TempDir dir_;
  fs::path data_;
  fs::path model_;
};

TEST_F(BenchDetectionCli, PrintsTheFourStagesAndWritesJsonThatFollowsTheSchema) {
  const fs::path json_path = dir_ / "out.json";
  const auto r = RunCli(Args() + kFast + " --json " + json_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* row : {"pre-processing", "network", "decoding + NMS", "end to end", "100.0 %",
                          "detection split, offline", "2.0 detections per image"}) {
    EXPECT_NE(r.out.find(row), std::string::npos) << row << " in\n" << r.out;
  }
  std::ifstream in(json_path);
  const auto doc = nlohmann::json::parse(in);
  const auto& result = doc["results"][0];
  EXPECT_TRUE(result["memory"]["isolated"].get<bool>());
  const auto& detection = result["detection"];
  EXPECT_EQ(detection["dataset_format"], "voc");
  EXPECT_EQ(detection["images"], 3);
  EXPECT_EQ(detection["single_stream"]["network"]["raw_ms"].size(),
            result["single_stream"]["latency"]["raw_ms"].size());
  ASSERT_EQ(detection["offline"].size(), 1U);
  EXPECT_EQ(result["concurrent"].size(), 0U);

  if (std::system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) {  // NOLINT
    GTEST_SKIP() << "python3-jsonschema is missing: run scripts/bootstrap";
  }
  const std::string schema = std::string(SWEETSPOT_TEST_DIR) + "/../docs/bench-result.schema.json";
  const std::string validate =
      "/usr/bin/python3 -c \"import json,sys,jsonschema; "
      "jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))\" '" +
      schema + "' ";
  EXPECT_EQ(std::system((validate + "'" + json_path.string() + "'").c_str()), 0);  // NOLINT
  // A detection block that breaks the schema must fail, or the check proves nothing.
  auto broken = doc;
  broken["results"][0]["detection"]["single_stream"]["network_items_per_s"] = "fast";
  std::ofstream(dir_ / "broken.json") << broken.dump();
  EXPECT_NE(std::system((validate + "'" + (dir_ / "broken.json").string() + "' 2>/dev/null").c_str()), 0);  // NOLINT
}

TEST_F(BenchDetectionCli, InThisProcessTheSplitIsTheSame) {
  const auto r = RunCli(Args() + kFast + " --no-isolate --scenario single-stream --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& result = doc["results"][0];
  EXPECT_FALSE(result["memory"]["isolated"].get<bool>());
  EXPECT_TRUE(result["detection"]["offline"].empty());
  const auto& stages = result["detection"]["single_stream"];
  const auto& total = result["single_stream"]["latency"]["raw_ms"];
  ASSERT_EQ(stages["preprocess"]["raw_ms"].size(), total.size());
  for (std::size_t i = 0; i < total.size(); ++i) {
    const double sum = stages["preprocess"]["raw_ms"][i].get<double>() + stages["network"]["raw_ms"][i].get<double>() +
                       stages["postprocess"]["raw_ms"][i].get<double>();
    EXPECT_NEAR(sum, total[i].get<double>(), 1e-9 * std::max(1.0, total[i].get<double>()));
  }
}

TEST_F(BenchDetectionCli, ADirectoryThatIsNoDetectionDatasetIsAUsageError) {
  fs::create_directories(dir_ / "empty");
  const auto r = RunCli("bench " + model_.string() + " --data " + (dir_ / "empty").string() + kFast);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is not a detection dataset"), std::string::npos) << r.err;
}

// The real NanoDet-m on 5 real VOC images (../shared/data/voc100-nanodet).
TEST(BenchDetectionCliNanoDet, TimesTheRealPipeline) {
  const fs::path root = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet";
  if (!fs::exists(root / "models/nanodet_m.onnx")) GTEST_SKIP() << "no " << root << " (../shared/data)";
  const auto r = RunCli("bench " + (root / "models/nanodet_m.onnx").string() + " --data " + (root / "data").string() +
                        " --limit 5 --preprocess " + SWEETSPOT_TEST_DIR + "/../examples/nanodet-preprocess.toml" +
                        kFast + " --scenario single-stream");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("decoder nanodet (detected)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decoding + NMS"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sweetspot
