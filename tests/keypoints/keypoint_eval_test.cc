#include "sweetspot/keypoint_eval.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

using ::testing::HasSubstr;

KeypointModelRequest Model(const std::string& path) {
  KeypointModelRequest m;
  m.model_path = path;
  m.name = "fast";
  m.schema = "efficientpose16";
  m.layers.push_back({PreprocessSource("--mean", false), "mean = [0.5]", ""});
  m.decoder_layers.push_back({PreprocessSource("spec.toml [keypoints]"), "", "decoder.toml"});
  return m;
}

TEST(KeypointEvalRequest, JsonRoundTripKeepsEveryField) {
  KeypointEvalRequest r;
  r.model = Model("rt.onnx");
  r.dataset_path = "coco.json";
  r.image_dir = "images";
  r.padding = 1.5;
  r.limit = 7;
  r.pck_alphas = {0.5, 0.2};
  r.pck_normalization = "head";
  r.bootstrap_replicates = 12;
  r.seed = 3;
  r.threads = 2;
  r.engine = "opencv";
  auto back = KeypointEvalRequestFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), ToJson(r));
  EXPECT_EQ(back->model.layers[0].source.name, "--mean");
  EXPECT_FALSE(back->model.layers[0].source.has_lines);
  EXPECT_EQ(back->model.decoder_layers[0].file, "decoder.toml");
  EXPECT_EQ(back->pck_alphas, (std::vector<double>{0.5, 0.2}));
}

TEST(KeypointVideoRequest, JsonRoundTripKeepsEveryField) {
  KeypointVideoRequest r;
  r.models = {Model("rt.onnx"), Model("i.onnx")};
  r.reference = 0;
  r.video_path = "walk.avi";
  r.initial = {640.0, 210.0, 440.0};
  r.tracker.min_joints = 6;
  r.tracker.smoothing = 0.25;
  r.max_frames = 120;
  r.min_confidence = 0.4F;
  r.agreement_threshold = 0.1;
  r.bootstrap_replicates = 50;
  auto back = KeypointVideoRequestFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), ToJson(r));
  EXPECT_EQ(back->models.size(), 2U);
  EXPECT_DOUBLE_EQ(back->initial.side_px, 440.0);
  EXPECT_EQ(back->tracker.min_joints, 6);
}

TEST(KeypointVideoRequest, AMissingKeyIsNamed) {
  nlohmann::json j = ToJson(KeypointVideoRequest{});
  j.erase("video_path");
  const Status status = KeypointVideoRequestFromJson(j).status();
  EXPECT_THAT(status.message(), HasSubstr("video_path"));
}

}  // namespace
}  // namespace sweetspot
