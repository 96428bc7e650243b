#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/support.h"
#include "sweetspot/detection_bench.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int kInput = 128;

MeasureConfig FastConfig() {
  MeasureConfig c;
  c.scenarios = {Scenario::kSingleStream, Scenario::kOffline};
  c.stopping.min_duration = std::chrono::duration<double>(0.1);
  c.stopping.max_duration = std::chrono::duration<double>(0.5);
  c.stopping.min_count = 30;
  c.run_duration = std::chrono::duration<double>(0.1);
  c.warmup_max_duration = std::chrono::duration<double>(0.3);
  return c;
}

// `per_image` boxes of 8x8 pixels on a 12-pixel grid (none overlaps another).
std::vector<Detection> GridBoxes(int per_image) {
  std::vector<Detection> boxes;
  for (int i = 0; i < per_image; ++i) {
    const double x = 2 + 12 * (i % 10);
    const double y = 2 + 12 * (i / 10);
    boxes.push_back({{x, y, x + 8, y + 8}, i % 2, 0.9F});
  }
  return boxes;
}

class DetectionBenchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = CreateBackend("onnxruntime");
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(backend).value();
    std::vector<testing::ShapeImage> images;
    for (int i = 0; i < 3; ++i)
      images.push_back({"img" + std::to_string(i), kInput, kInput, {{i % 2, 10, 10, 40, 50}}});
    data_ = testing::WriteShapesDataset(dir_ / "data", testing::DetectionFormat::kVoc, images, {"red", "blue"});
  }

  // An oracle (nanodet layout) finding `per_image` boxes in each of the 3 images.
  DetectionBenchRequest Request(int per_image) {
    const std::vector<std::vector<Detection>> boxes(3, GridBoxes(per_image));
    const fs::path model = dir_ / ("oracle" + std::to_string(per_image) + ".onnx");
    testing::WriteModel(testing::OracleDetector(DetectionLayout::kPerStrideDistances, boxes, 2, kInput), model);
    DetectionBenchRequest request;
    request.pipeline.model_path = model.string();
    request.pipeline.dataset_path = data_.string();
    request.pipeline.layers.push_back({PreprocessSource("test", false), "color = \"bgr\"\n", ""});
    request.pipeline.decoder_layers.push_back({PreprocessSource("test", false), "max_detections = 300\n", ""});
    request.config = FastConfig();
    return request;
  }

  TempDir dir_;
  fs::path data_;
  std::unique_ptr<Backend> backend_;
};

void ExpectStagesSumToTotal(const DetectionStageRecords& stages, const LatencyRecord& total) {
  ASSERT_EQ(stages.preprocess.raw_ms.size(), total.raw_ms.size());
  ASSERT_EQ(stages.network.raw_ms.size(), total.raw_ms.size());
  ASSERT_EQ(stages.postprocess.raw_ms.size(), total.raw_ms.size());
  for (std::size_t i = 0; i < total.raw_ms.size(); ++i) {
    const double sum = stages.preprocess.raw_ms[i] + stages.network.raw_ms[i] + stages.postprocess.raw_ms[i];
    EXPECT_NEAR(sum, total.raw_ms[i], 1e-9 * std::max(1.0, total.raw_ms[i])) << "query " << i;
    EXPECT_GT(stages.network.raw_ms[i], 0) << "query " << i;
  }
  EXPECT_EQ(stages.network.summary_ms.count, total.raw_ms.size());
}

TEST_F(DetectionBenchTest, TheSplitSumsToTheEndToEndTimeOfEachImage) {
  auto result = MeasureDetectionPipeline(*backend_, Request(4));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->single_stream && result->bench.single_stream);
  ExpectStagesSumToTotal(*result->single_stream, result->bench.single_stream->latency);
  EXPECT_GE(result->bench.single_stream->latency.raw_ms.size(), 30U);
  ASSERT_EQ(result->offline.size(), 1U);
  ASSERT_EQ(result->bench.offline.size(), 1U);
  ExpectStagesSumToTotal(result->offline[0], result->bench.offline[0].batch_latency);
  // Stage throughputs are each at least the pipeline's: a stage alone is faster.
  for (double stage : {result->offline[0].preprocess_items_per_s, result->offline[0].network_items_per_s,
                       result->offline[0].postprocess_items_per_s}) {
    EXPECT_GE(stage, result->bench.offline[0].items_per_s);
  }
  EXPECT_EQ(result->images, 3U);
  EXPECT_EQ(result->dataset_format, "voc");
  EXPECT_EQ(result->detector.layout, DetectionLayout::kPerStrideDistances);
  EXPECT_TRUE(result->layout_detected);
  EXPECT_DOUBLE_EQ(result->detections_per_image, 4.0);  // every image's oracle boxes, none suppressed
  EXPECT_GT(result->bench.first_inference_ms, 0);
  EXPECT_GT(result->bench.load_ms, 0);
}

// NMS and decoding work on the candidates: the case with many boxes hands
// them many more. Counts only; bench/detection_split.cc times them.
TEST_F(DetectionBenchTest, ManyCandidateBoxesReachDecodingAndNmsAsManyDetections) {
  auto few = MeasureDetectionPipeline(*backend_, Request(2));
  auto many = MeasureDetectionPipeline(*backend_, Request(100));
  ASSERT_TRUE(few.ok()) << few.status().ToString();
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_DOUBLE_EQ(few->detections_per_image, 2.0);
  EXPECT_DOUBLE_EQ(many->detections_per_image, 100.0);
}

TEST_F(DetectionBenchTest, WithoutADatasetSyntheticImagesOfTheInputSizeAreUsed) {
  DetectionBenchRequest request = Request(3);
  request.pipeline.dataset_path.clear();
  // The oracle reads the image's index from pixel (0,0): a huge std makes every random image index 0.
  request.pipeline.layers.push_back({PreprocessSource("test", false), "std = [1000000.0]\n", ""});
  request.synthetic_images = 5;
  request.config.scenarios = {Scenario::kSingleStream};
  auto result = MeasureDetectionPipeline(*backend_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->images, 5U);
  EXPECT_EQ(result->dataset, "synthetic 128x128 images");
  EXPECT_TRUE(result->offline.empty());
  ExpectStagesSumToTotal(*result->single_stream, result->bench.single_stream->latency);
}

TEST_F(DetectionBenchTest, ABatchTheModelRefusesNamesTheBatchThatFitsAndThatBatchRuns) {
  DetectionBenchRequest request = Request(2);
  request.config.batch_sizes = {2};
  auto refused = MeasureDetectionPipeline(*backend_, request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("fixed batch of 1, not 2"), std::string::npos)
      << refused.status().message();
  ASSERT_EQ(refused.status().fixes().size(), 1U);
  const FieldFix& fix = refused.status().fixes().front();
  EXPECT_EQ(fix.field, "batch");
  request.config.batch_sizes = {std::stoll(fix.values.front())};
  auto fixed = MeasureDetectionPipeline(*backend_, request);
  EXPECT_TRUE(fixed.ok()) << fixed.status().ToString();
}

TEST_F(DetectionBenchTest, TheConcurrentScenarioIsRefusedNamingTheField) {
  DetectionBenchRequest request = Request(2);
  request.config.scenarios = {Scenario::kConcurrent};
  auto result = MeasureDetectionPipeline(*backend_, request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().message().starts_with("scenarios:")) << result.status().message();
}

TEST_F(DetectionBenchTest, RequestAndResultSurviveJson) {
  const DetectionBenchRequest request = Request(2);
  const nlohmann::json request_json = ToJson(request);
  EXPECT_TRUE(IsDetectionBenchRequest(request_json));
  EXPECT_FALSE(IsDetectionBenchRequest(ToJson(BenchRequest{})));
  auto read = DetectionBenchRequestFromJson(nlohmann::json::parse(request_json.dump()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(ToJson(*read), request_json);

  auto result = MeasureDetectionPipeline(*backend_, request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const nlohmann::json result_json = ToJson(*result);
  auto back = DetectionBenchResultFromJson(nlohmann::json::parse(result_json.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), result_json);
  EXPECT_EQ(back->spec.ToToml(), result->spec.ToToml());
  EXPECT_EQ(back->detector.ToToml(), result->detector.ToToml());
  EXPECT_FALSE(ToJson(*result, false)["detection"]["single_stream"]["network"].contains("raw_ms"));
}

TEST_F(DetectionBenchTest, TheSplitTableHasTheFourRowsAndTheOfflineThroughputs) {
  auto result = MeasureDetectionPipeline(*backend_, Request(2));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const std::string text = RenderDetectionSplit(*result);
  for (const char* row : {"pre-processing", "network", "decoding + NMS", "end to end", "100.0 %", "items/s"}) {
    EXPECT_NE(text.find(row), std::string::npos) << row << " in\n" << text;
  }
}

// The real NanoDet models on the real VOC images (../shared/data/voc100-nanodet).
TEST(DetectionBenchNanoDet, EveryStageOfTheRealModelsIsTimedAndFindsObjects) {
  const fs::path root = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet";
  if (!fs::exists(root / "models" / "nanodet_m.onnx")) GTEST_SKIP() << "no " << root << " (../shared/data)";
  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok());
  const fs::path preprocess = fs::path(SWEETSPOT_TEST_DIR) / "../examples/nanodet-preprocess.toml";
  for (const char* name : {"nanodet_m_0.5x.onnx", "nanodet_m.onnx", "nanodet_m_416.onnx"}) {
    DetectionBenchRequest request;
    request.pipeline.model_path = (root / "models" / name).string();
    request.pipeline.dataset_path = (root / "data").string();
    request.pipeline.layers.push_back({preprocess.string(), "", preprocess.string()});
    request.pipeline.limit = 5;
    request.config = FastConfig();
    request.config.scenarios = {Scenario::kSingleStream};
    auto result = MeasureDetectionPipeline(**backend, request);
    ASSERT_TRUE(result.ok()) << name << ": " << result.status().ToString();
    EXPECT_EQ(result->detector.layout, DetectionLayout::kPerStrideDistances) << name;
    EXPECT_EQ(result->images, 5U);
    EXPECT_GT(result->detections_per_image, 0) << name;
    ExpectStagesSumToTotal(*result->single_stream, result->bench.single_stream->latency);
  }
}

}  // namespace
}  // namespace sweetspot
