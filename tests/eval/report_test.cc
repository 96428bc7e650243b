// What `sweetspot eval` prints and writes with --json, against golden files:
// a hand-made result (fixed timings, no model run) scored by the library's
// metrics, with coarse classes, a reference and their comparison.
// Regenerate the golden files with SWEETSPOT_UPDATE_GOLDEN=1 after an
// intended change, and review the diff.
#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/support.h"
#include "sweetspot/eval_report.h"
#include "sweetspot/evaluate.h"

namespace sweetspot {
namespace {

void ExpectGolden(const std::string& text, const std::string& name) {
  testing::ExpectMatchesGolden(text, "eval/golden/" + name);
}

// Classes cat (0), dog (1), bird (2); `top` lists the three classes best first.
Prediction Predict(int label, std::array<int, 3> top, std::array<double, 3> probability) {
  Prediction p;
  p.label = label;
  p.k = 3;
  for (std::size_t i = 0; i < 3; ++i) {
    p.top_class[i] = top[i];
    p.top_probability[i] = probability[i];
  }
  return p;
}

// Six of seven images evaluated (one unreadable), two cats, two dogs, two
// birds; the model gets 4 right, among them the dog the reference misses.
EvalResult HandMadeModel() {
  EvalResult r;
  r.model = "models/small.onnx";
  r.dataset = "image folder images";
  r.dataset_notes = {"skipped 1 file that is not an image (1 .txt; e.g. 'readme.txt')"};
  r.class_names = {"cat", "dog", "bird"};
  r.spec.resize = ResizeMode::kShorterCrop;
  r.spec.width = 32;
  r.spec.height = 32;
  r.spec.mean = {0.485, 0.456, 0.406};
  r.spec.std = {0.229, 0.224, 0.225};
  r.input_name = "input";
  r.output_name = "logits";
  r.batch_size = 4;
  r.output_kind = OutputKind::kLogits;
  r.output_kind_detected = true;
  r.requested = 7;
  r.excluded = {{3, "images/cat/3.png", "images/cat/3.png: not a readable image"}};
  r.indices = {0, 1, 2, 4, 5, 6};
  const std::vector<std::pair<std::string, int>> files = {{"cat/0.png", 0}, {"cat/1.png", 0},  {"dog/0.png", 1},
                                                          {"dog/1.png", 1}, {"bird/0.png", 2}, {"bird/1.png", 2}};
  for (const auto& [id, label] : files) r.samples.push_back({id, "images/" + id, label});
  r.predictions = {Predict(0, {0, 1, 2}, {0.7, 0.2, 0.1}),   Predict(0, {1, 0, 2}, {0.6, 0.3, 0.1}),
                   Predict(1, {1, 0, 2}, {0.8, 0.15, 0.05}), Predict(1, {1, 2, 0}, {0.55, 0.3, 0.15}),
                   Predict(2, {2, 1, 0}, {0.9, 0.06, 0.04}), Predict(2, {0, 2, 1}, {0.5, 0.4, 0.1})};
  r.metrics = ComputeMetrics(r.predictions, r.class_names);
  r.label_map = LabelMap{{"pet", "wild"}, {0, 0, 1}};
  const std::vector<Prediction> coarse = MapToCoarse(r.predictions, *r.label_map);
  r.coarse_metrics = ComputeMetrics(coarse, r.label_map->coarse_names);
  r.cache_hit = false;
  r.cache_file = "cache/0123456789abcdef.tensors";
  r.prepare_ms = 12.5;
  r.inference_ms = 3.25;
  r.threads = 4;
  r.engine = "onnxruntime@1.21.0";
  return r;
}

// Its own preprocessing (from its metadata): the report shows both.
EvalResult HandMadeReference() {
  EvalResult r = HandMadeModel();
  r.model = "models/reference.onnx";
  r.spec.color = ColorOrder::kBgr;
  r.spec.width = 40;
  r.spec.height = 40;
  r.predictions = {Predict(0, {0, 1, 2}, {0.9, 0.05, 0.05}),  Predict(0, {0, 1, 2}, {0.5, 0.4, 0.1}),
                   Predict(1, {1, 0, 2}, {0.7, 0.2, 0.1}),    Predict(1, {0, 1, 2}, {0.6, 0.3, 0.1}),
                   Predict(2, {2, 0, 1}, {0.95, 0.03, 0.02}), Predict(2, {0, 2, 1}, {0.45, 0.35, 0.2})};
  r.metrics = ComputeMetrics(r.predictions, r.class_names);
  r.label_map.reset();
  r.coarse_metrics.reset();
  r.cache_hit = true;
  r.prepare_ms = 0.5;
  r.inference_ms = 4.75;
  return r;
}

TEST(EvalReportTest, TextWithReferenceMatchesGoldenFile) {
  const EvalResult model = HandMadeModel();
  const EvalResult reference = HandMadeReference();
  const Result<Comparison> comparison = CompareResults(model, reference);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  EXPECT_EQ(comparison->flips.size(), 2U);
  ExpectGolden(RenderEvalText(model, &reference, &*comparison), "eval.txt");
}

TEST(EvalReportTest, HintsAreInTheCallersWords) {
  EvalResult model = HandMadeModel();
  model.output_kind = OutputKind::kSigmoid;
  const EvalTextHints hints = {
      .every_class = "ALL-ROWS", .full_result = "FULL", .logits = "SAY-LOGITS", .label_map = "MAP"};
  const std::string text = RenderEvalText(model, nullptr, nullptr, 1, hints);
  EXPECT_NE(text.find("(ALL-ROWS shows every class; FULL has all)"), std::string::npos) << text;
  EXPECT_NE(text.find("SAY-LOGITS if they are logits"), std::string::npos) << text;
  EXPECT_NE(text.find("coarse classes (MAP)"), std::string::npos) << text;
  // The defaults name the arguments and request fields, never a command's flag.
  const std::string plain = RenderEvalText(model, nullptr, nullptr, 1);
  EXPECT_EQ(plain.find("--"), std::string::npos) << plain;
  EXPECT_NE(plain.find("set output_kind to logits"), std::string::npos) << plain;
}

TEST(EvalReportTest, JsonWithReferenceMatchesGoldenFile) {
  const EvalResult model = HandMadeModel();
  const EvalResult reference = HandMadeReference();
  const Result<Comparison> comparison = CompareResults(model, reference);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  const std::string text = RenderEvalJson(model, &reference, &*comparison);
  ExpectGolden(text, "eval.json");
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["metrics"]["top1_correct"], 4);
  EXPECT_EQ(doc["reference"]["metrics"]["top1_correct"], 4);
  EXPECT_EQ(doc["comparison"]["flip_count"], 2);
}

// The JSON's preprocess carries the letterbox keys where they apply, as
// the spec's TOML does, and the golden specs above carry none.
TEST(EvalReportTest, JsonPreprocessHasTheLetterboxKeysOnlyForLetterbox) {
  EvalResult model = HandMadeModel();
  const nlohmann::json plain = nlohmann::json::parse(RenderEvalJson(model, nullptr, nullptr))["preprocess"];
  EXPECT_FALSE(plain.contains("pad"));
  EXPECT_FALSE(plain.contains("stride"));
  model.spec.resize = ResizeMode::kLetterbox;
  model.spec.pad = 114;
  model.spec.letterbox_align = LetterboxAlign::kTopLeft;
  model.spec.stride = 32;
  const nlohmann::json letterbox = nlohmann::json::parse(RenderEvalJson(model, nullptr, nullptr))["preprocess"];
  EXPECT_EQ(letterbox["resize"], "letterbox");
  EXPECT_EQ(letterbox["pad"], 114);
  EXPECT_EQ(letterbox["letterbox_align"], "top-left");
  EXPECT_EQ(letterbox["stride"], 32);
}

}  // namespace
}  // namespace sweetspot
