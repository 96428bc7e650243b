// EvalSummary, what the study's evaluation child sends back: its JSON against
// a golden file (regenerate with SWEETSPOT_UPDATE_GOLDEN=1 after an intended
// change, and review the diff), the way back, and Summarize on a real run.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval_fixtures.h"
#include "support/support.h"
#include "sweetspot/evaluate.h"

namespace sweetspot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

std::string Golden(const std::string& text, const std::string& name) {
  const std::string path = std::string(SWEETSPOT_TEST_DIR) + "/eval/golden/" + name;
  if (std::getenv("SWEETSPOT_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << text;
  std::ifstream in(path);
  std::stringstream golden;
  golden << in.rdbuf();
  return golden.str();
}

EvalSummary HandMade() {
  EvalSummary s;
  s.model = "models/small.onnx";
  s.dataset = "image folder 'images' (3 classes, 4 images)";
  s.preprocess_toml = "color = \"rgb\"\nwidth = 2\n";
  s.output_kind = "logits";
  s.output_kind_detected = true;
  s.requested = 4;
  s.excluded_count = 1;
  s.metrics.count = 3;
  s.metrics.top1_correct = 2;
  s.metrics.top5_correct = 3;
  s.metrics.top1 = 2.0 / 3.0;
  s.metrics.top5 = 1.0;
  s.metrics.top1_ci = {0.2, 0.9, true};
  s.metrics.top5_ci = {0.4375, 1.0, true};
  s.metrics.macro_f1 = 0.5;
  s.metrics.ece = 0.125;
  s.cache_hit = false;
  s.cache_warning = "the tensor cache could not be written";
  s.prepare_ms = 12.5;
  s.inference_ms = 3.25;
  s.sample_indices = {0, 2, 3};
  s.labels = {0, 1, 2};
  s.predicted = {0, 1, 1};
  return s;
}

TEST(EvalSummaryTest, JsonMatchesTheGoldenFileAndReadsBack) {
  const EvalSummary s = HandMade();
  const std::string text = ToJson(s).dump(2) + "\n";
  EXPECT_EQ(text, Golden(text, "eval_summary.json"));

  auto back = EvalSummaryFromJson(nlohmann::json::parse(Golden(text, "eval_summary.json")));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back).dump(), ToJson(s).dump());
  EXPECT_EQ(back->metrics.top1_correct, 2);
  EXPECT_THAT(back->predicted, ElementsAre(0, 1, 1));

  // Without samples (what the store keeps beside its own per-sample column).
  EXPECT_FALSE(ToJson(s, /*include_samples=*/false).contains("samples"));
}

TEST(EvalSummaryTest, MalformedJsonIsAnErrorNotACrash) {
  nlohmann::json j = ToJson(HandMade());
  j["samples"]["labels"] = {0};
  EXPECT_THAT(EvalSummaryFromJson(j).status().message(), HasSubstr("differ in length"));
  j.erase("top1");
  EXPECT_EQ(EvalSummaryFromJson(j).status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(EvalSummaryFromJson(nlohmann::json{{"schema", "other/1"}}).status().code(), StatusCode::kInvalidData);
}

TEST(EvalRequestTest, JsonRoundTrip) {
  EvalRequest r;
  r.model_path = "m.onnx";
  r.dataset_path = "images";
  r.layers = {{"spec.toml [dataset.preprocess]", "mean = 0.5\n", ""}, {"prep.toml", "", "prep.toml"}};
  r.limit = 10;
  r.output_kind = OutputKind::kProbabilities;
  r.label_map_file = "map.csv";
  auto back = EvalRequestFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(r));
  EXPECT_EQ(back->layers[1].file, "prep.toml");
}

// Evaluate, the one pipeline, from a plain request: layers apply in order,
// and Summarize keeps per sample what the study pairs on.
TEST(EvaluateRequestTest, LayersApplyInOrderAndSummaryMatches) {
  TempDir dir;
  testing::WriteRgbFolder(dir / "images");
  testing::WriteModel(testing::ChannelModel(), dir / "m.onnx");
  EvalRequest request;
  request.model_path = (dir / "m.onnx").string();
  request.dataset_path = (dir / "images").string();
  request.cache_dir = (dir / "cache").string();
  request.batch_size = 4;
  // The second layer undoes the first's swap, so the model sees RGB.
  request.layers = {{"first", "color = \"bgr\"\n", ""}, {"second", "color = \"rgb\"\n", ""}};
  auto result = Evaluate(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const EvalSummary s = Summarize(*result);
  EXPECT_EQ(s.metrics.count, 9);
  EXPECT_EQ(s.metrics.top1_correct, 8);
  EXPECT_EQ(s.sample_indices.size(), 9u);
  EXPECT_THAT(s.preprocess_toml, HasSubstr("color = \"rgb\""));
  EXPECT_TRUE(s.cache_warning.empty());

  request.layers.pop_back();  // BGR: red and blue swap places
  auto swapped = Evaluate(request);
  ASSERT_TRUE(swapped.ok()) << swapped.status().ToString();
  EXPECT_LT(swapped->metrics.top1_correct, 8);

  request.dataset_path = (dir / "nowhere").string();
  auto missing = Evaluate(request);
  EXPECT_THAT(missing.status().message(), HasSubstr("dataset '" + request.dataset_path + "'"));
}

// An unwritable cache folder costs the cache, not the evaluation.
TEST(EvaluateRequestTest, UnwritableCacheStillEvaluatesAndSaysWhy) {
  TempDir dir;
  testing::WriteRgbFolder(dir / "images");
  testing::WriteModel(testing::ChannelModel(), dir / "m.onnx");
  testing::WriteFile(dir / "file", "x");
  EvalRequest request;
  request.model_path = (dir / "m.onnx").string();
  request.dataset_path = (dir / "images").string();
  request.cache_dir = (dir / "file" / "sub").string();
  auto result = Evaluate(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->metrics.top1_correct, 8);
  EXPECT_THAT(Summarize(*result).cache_warning, HasSubstr("tensor cache"));
}

}  // namespace
}  // namespace sweetspot
