#include "sweetspot/keypoint_eval.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/exif_jpeg.h"
#include "support/support.h"
#include "sweetspot/image_decode.h"

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
  m.engine = "opencv-dnn";
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
  EXPECT_EQ(back->model.engine, "opencv-dnn");
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
  r.tracker.memory_frames = 7;
  r.max_frames = 120;
  r.min_confidence = 0.4F;
  r.agreement_threshold = 0.1;
  r.bootstrap_replicates = 50;
  auto back = KeypointVideoRequestFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), ToJson(r));
  EXPECT_EQ(back->models.size(), 2U);
  EXPECT_EQ(back->models[1].engine, "opencv-dnn");
  EXPECT_DOUBLE_EQ(back->initial.side_px, 440.0);
  EXPECT_EQ(back->tracker.min_joints, 6);
  EXPECT_EQ(back->tracker.memory_frames, 7);
}

TEST(KeypointVideoRequest, AMissingKeyIsNamed) {
  nlohmann::json j = ToJson(KeypointVideoRequest{});
  j.erase("video_path");
  const Status status = KeypointVideoRequestFromJson(j).status();
  EXPECT_THAT(status.message(), HasSubstr("video_path"));
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// PCK@alpha normalised by the person box's longer side, over the joints both
// labelled (v > 0) and mapped from the model (schema joint the model has).
double BoxPck(const KeypointEvalResult& result, double alpha) {
  int correct = 0;
  int total = 0;
  for (std::size_t p = 0; p < result.truth.size(); ++p) {
    const Person& truth = result.truth[p];
    const double scale = std::max(truth.box.width(), truth.box.height());
    for (std::size_t j = 0; j < truth.keypoints.size(); ++j) {
      if (truth.keypoints[j].score <= 0.0F || result.joint_map[j] < 0) continue;
      const Keypoint& found = result.predicted[p][j];
      ++total;
      if (std::hypot(found.x - truth.keypoints[j].x, found.y - truth.keypoints[j].y) <= alpha * scale) ++correct;
    }
  }
  return total == 0 ? 0.0 : static_cast<double>(correct) / total;
}

// ONNX Runtime refuses EfficientPose I's AveragePool (its pads attribute has
// the size OpenCV reads but not the one ONNX's shape inference wants);
// OpenCV's DNN runs it as the kit's README says.
std::string Engine(const std::string& model) {
  return model.find("EfficientPoseI") != std::string::npos ? "opencv-dnn" : "onnxruntime";
}

KeypointEvalRequest RealRequest(const std::filesystem::path& model, const std::filesystem::path& dataset) {
  KeypointEvalRequest request;
  request.model.model_path = model.string();
  request.model.schema = "efficientpose16";
  request.dataset_path = dataset.string();
  request.threads = 1;
  return request;
}

TEST(EvaluateKeypoints, BothEfficientPoseModelsFindTheLabelledCocoAndMpiiPersons) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  for (const char* model : {"EfficientPoseRT_224.onnx", "EfficientPoseI_256.onnx"}) {
    for (const char* dataset : {"data/coco/test_coco.json", "data/mpii/test_mpii.json"}) {
      KeypointEvalRequest request = RealRequest(root / "models" / model, root / dataset);
      request.engine = Engine(model);
      auto result = EvaluateKeypoints(request);
      ASSERT_TRUE(result.ok()) << result.status().message();
      EXPECT_EQ(result->truth.size(), std::string(dataset).find("coco") != std::string::npos ? 12U : 5U);
      ASSERT_EQ(result->predicted.size(), result->truth.size());
      EXPECT_EQ(result->times.network_ms.size(), result->truth.size());
      const double pck = BoxPck(*result, 0.2);
      std::printf("%s on %s: %zu persons, PCK@0.2 (box) %.3f, PCK@0.1 %.3f\n", model, dataset, result->truth.size(),
                  pck, BoxPck(*result, 0.1));
      // An MPII-trained model on people it was made for: well above chance
      // (a random point in the crop is within 0.2 of the box side ~10 % of the time).
      EXPECT_GT(pck, 0.5);
    }
  }
}

// A photo stored as its bitmap turned 90 degrees counter-clockwise plus EXIF
// Orientation 6 displays as the original, so the kit's labels still fit it:
// eval reads it in that view and finds exactly the keypoints it finds on the
// same displayed pixels given as a PNG.
TEST(EvaluateKeypoints, AnExifRotatedPhotoIsEvaluatedInItsDisplayedView) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const std::filesystem::path coco = root / "data" / "coco";
  const std::string name = "000000000785.jpg";  // the first labelled person's image
  testing::TempDir dir;
  for (const char* copy : {"exif", "png"}) std::filesystem::copy(coco, dir / copy);
  auto photo = ReadImage(coco / name);
  ASSERT_TRUE(photo.ok()) << photo.status().ToString();
  cv::Mat turned;
  cv::rotate(*photo, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  testing::WriteFile(dir / "exif" / name, testing::JpegWithOrientation(turned, 6));
  auto shown = ReadImage(dir / "exif" / name);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  ASSERT_EQ(shown->size(), photo->size());
  std::vector<unsigned char> png;
  ASSERT_TRUE(cv::imencode(".png", *shown, png));
  testing::WriteFile(dir / "png" / name, std::string(png.begin(), png.end()));  // OpenCV reads the signature

  std::vector<KeypointEvalResult> results;
  for (const char* copy : {"exif", "png"}) {
    KeypointEvalRequest request =
        RealRequest(root / "models" / "EfficientPoseRT_224.onnx", dir / copy / "test_coco.json");
    request.limit = 1;
    auto result = EvaluateKeypoints(request);
    ASSERT_TRUE(result.ok()) << result.status().message();
    ASSERT_EQ(result->predicted.size(), 1U);
    results.push_back(*std::move(result));
  }
  ASSERT_EQ(results[0].image_ids, (std::vector<std::string>{name}));
  for (std::size_t j = 0; j < results[0].predicted[0].size(); ++j) {
    EXPECT_EQ(results[0].predicted[0][j].x, results[1].predicted[0][j].x) << "joint " << j;
    EXPECT_EQ(results[0].predicted[0][j].y, results[1].predicted[0][j].y) << "joint " << j;
  }
  EXPECT_GT(BoxPck(results[0], 0.2), 0.5);  // the labels fit the displayed view
}

TEST(EvaluateKeypoints, AModelWithoutASchemaIsNamedAndTheSchemaFixesIt) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointEvalRequest request =
      RealRequest(root / "models" / "EfficientPoseRT_224.onnx", root / "data" / "mpii" / "test_mpii.json");
  request.model.schema = "";
  request.limit = 1;
  const Status status = EvaluateKeypoints(request).status();
  EXPECT_THAT(status.message(), HasSubstr("names no keypoint schema"));
  request.model.schema = "efficientpose16";
  EXPECT_TRUE(EvaluateKeypoints(request).ok());
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

KeypointVideoRequest WalkingVideo(const std::filesystem::path& root) {
  KeypointVideoRequest request;
  for (const char* model : {"EfficientPoseRT_224.onnx", "EfficientPoseI_256.onnx"}) {
    KeypointModelRequest m;
    m.model_path = (root / "models" / model).string();
    m.schema = "efficientpose16";
    request.models.push_back(m);
  }
  request.video_path = (root / "data" / "openpose_video.avi").string();
  request.initial = {640.0, 210.0, 440.0};  // the woman in the middle, frame 0 (the kit's README)
  request.engine = "opencv-dnn";            // runs both models (EfficientPose I: see Engine above)
  request.threads = 1;
  return request;
}

TEST(RunKeypointVideo, TracksTheWalkingWomanWithTheAccurateModelFeedingBothTheSameCrops) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  // The kit's README: she can be followed ~130 frames before someone crosses her
  // (at frame ~131 the woman in teal steps in front of her and the square follows
  // that one); the first 105 are a real test of the tracker and short enough to run.
  request.max_frames = 105;
  auto result = RunKeypointVideo(request);
  ASSERT_TRUE(result.ok()) << result.status().message();
  std::printf("tracked %zu frames (%s), fps %.1f\n", result->crops.size(),
              result->note.empty() ? "not lost" : result->note.c_str(), result->fps);
  EXPECT_EQ(result->reference, 1U);  // -1: the last
  EXPECT_EQ(result->schema.name, "efficientpose16");
  // Before the tracker remembered fading joints (person_tracker.h) she was lost at frame 67.
  EXPECT_FALSE(result->lost_at_frame.has_value()) << result->note;
  EXPECT_EQ(result->crops.size(), 105U);
  EXPECT_DOUBLE_EQ(result->crops[0].cx_px, 640.0);
  EXPECT_DOUBLE_EQ(result->crops[0].side_px, 440.0);
  ASSERT_EQ(result->models.size(), 2U);
  for (const KeypointVideoModel& model : result->models) {
    EXPECT_EQ(model.frames.size(), result->crops.size()) << model.name;
    EXPECT_EQ(model.times.network_ms.size(), result->crops.size()) << model.name;
  }
  EXPECT_EQ(result->models[0].input_px, 224);
  EXPECT_EQ(result->models[1].input_px, 256);
  // The square stays on her: its centre moves by less than half a side over the run.
  const TrackSquare& last = result->crops.back();
  EXPECT_LT(std::hypot(last.cx_px - 640.0, last.cy_px - 210.0), 220.0);
  std::printf("last square: centre (%.0f, %.0f), side %.0f\n", last.cx_px, last.cy_px, last.side_px);
}

TEST(RunKeypointVideo, EachModelRunsOnItsOwnEngine) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  request.engine = "onnxruntime";
  request.models[1].engine = "opencv-dnn";  // EfficientPose I: ONNX Runtime refuses it
  request.max_frames = 3;
  auto result = RunKeypointVideo(request);
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->crops.size(), 3U);
  EXPECT_EQ(result->models[0].engine, "onnxruntime");
  EXPECT_EQ(result->models[1].engine, "opencv-dnn");
  // The two models agree on her torso: same crops, same person.
  const Keypoint& rt = result->models[0].frames[0][5];  // thorax
  const Keypoint& i = result->models[1].frames[0][5];
  EXPECT_LT(std::hypot(rt.x - i.x, rt.y - i.y), 0.1 * result->crops[0].side_px);
}

// The progress callback counts tracked frames against max_frames (the video
// has 205), once per frame, in order.
TEST(RunKeypointVideo, ProgressCountsEachTrackedFrameAgainstTheExpectedFrames) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  request.max_frames = 3;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  auto result =
      RunKeypointVideo(request, [&](std::size_t done, std::size_t expected) { calls.emplace_back(done, expected); });
  ASSERT_TRUE(result.ok()) << result.status().message();
  using Call = std::pair<std::size_t, std::size_t>;
  EXPECT_EQ(calls, (std::vector<Call>{{1, 3}, {2, 3}, {3, 3}}));
}

TEST(RunKeypointVideo, AModelOnnxRuntimeRefusesGetsTheEngineThatLoadsItAsTheFix) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  request.engine = "onnxruntime";
  request.max_frames = 1;
  const Status status = RunKeypointVideo(request).status();
  EXPECT_THAT(status.message(), HasSubstr("EfficientPoseI_256.onnx"));
  EXPECT_THAT(status.message(), HasSubstr("engine opencv-dnn loads it"));
  ASSERT_EQ(status.fixes().size(), 1U);
  EXPECT_EQ(status.fixes()[0], (FieldFix{.field = "engine", .key = "", .values = {"opencv-dnn"}}));
  request.models[1].engine = status.fixes()[0].values[0];
  EXPECT_TRUE(RunKeypointVideo(request).ok());
}

TEST(RunKeypointVideo, RequestErrorsNameTheFieldAndTheFixWorks) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  request.max_frames = 2;
  request.reference = 2;
  EXPECT_THAT(RunKeypointVideo(request).status().message(), HasSubstr("reference is 2; give a model index 0..1"));
  request.reference = 0;
  request.initial.side_px = 0.0;
  EXPECT_THAT(RunKeypointVideo(request).status().message(), HasSubstr("initial side"));
  request.initial.side_px = 440.0;
  request.tracker.min_joints = 1;
  EXPECT_THAT(RunKeypointVideo(request).status().message(), HasSubstr("tracker.min_joints"));
  request.tracker.min_joints = 4;
  auto fixed = RunKeypointVideo(request);
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(fixed->crops.size(), 2U);
}

// A centre off frame 0 is refused before any model runs, with frame 0's size
// as the fix; a centre inside it (the woman's) tracks.
TEST(RunKeypointVideo, AnInitialCentreOffFrameZeroIsRefusedWithTheFrameSizeAndTheFixWorks) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  request.max_frames = 2;
  for (const TrackSquare off : {TrackSquare{1500.0, 210.0, 440.0}, TrackSquare{640.0, -5.0, 440.0}}) {
    request.initial = off;
    const Status status = RunKeypointVideo(request).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(),
                HasSubstr(fmt::format("the initial square's centre ({:g}, {:g}) lies outside frame 0 (1280 x 720 px)",
                                      off.cx_px, off.cy_px)));
    ASSERT_EQ(status.fixes().size(), 1U);
    EXPECT_EQ(status.fixes()[0], (FieldFix{.field = "initial", .key = "", .values = {"1280", "720"}}));
  }
  request.initial = {640.0, 210.0, 440.0};  // inside 0..1280 x 0..720
  auto fixed = RunKeypointVideo(request);
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(fixed->crops.size(), 2U);
}

TEST(RunKeypointVideo, ASquareOnNobodyLosesTheTrackAtOnce) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  KeypointVideoRequest request = WalkingVideo(root);
  request.max_frames = 3;
  request.initial = {40.0, 40.0, 60.0};  // a corner of the sky
  request.tracker.score_threshold = 0.9F;
  const Status status = RunKeypointVideo(request).status();
  EXPECT_THAT(status.message(), HasSubstr("track lost at frame 0"));
  EXPECT_THAT(status.message(), HasSubstr("give the initial square"));
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

TEST(KeypointVideoResult, JsonRoundTripKeepsTracksCropsAndTheLoss) {
  KeypointVideoResult r;
  r.video = "walk.avi";
  r.fps = 50.0;
  r.reference = 1;
  r.schema = BuiltinSchema("efficientpose16").value();
  r.crops = {{640.0, 210.0, 440.0}, {641.5, 209.0, 438.0}};
  for (const char* name : {"rt", "i"}) {
    KeypointVideoModel& m = r.models.emplace_back();
    m.model = std::string(name) + ".onnx";
    m.name = name;
    m.model_schema = "efficientpose16";
    m.engine = "opencv-dnn";
    m.input_px = 224;
    m.frames = {std::vector<Keypoint>(16, {1.5, 2.5, 0.25F}), std::vector<Keypoint>(16, {3.0, 4.0, 0.5F})};
    m.times = {{1.0, 2.0}, {3.0, 4.0}, {0.5, 0.25}};
  }
  r.lost_at_frame = 2;
  r.note = "track lost at frame 2";
  const nlohmann::json j = ToJson(r);
  EXPECT_EQ(j.at("schema"), "sweetspot.keypoint-video/1");
  auto back = KeypointVideoResultFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->schema.angles.size(), r.schema.angles.size());  // a built-in schema comes back whole
  EXPECT_EQ(back->lost_at_frame, std::optional<std::size_t>(2));
  r.lost_at_frame.reset();
  auto kept = KeypointVideoResultFromJson(ToJson(r));
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(kept->lost_at_frame.has_value());
}

TEST(KeypointEvalResult, JsonRoundTripKeepsPersonsAndPredictions) {
  KeypointEvalResult r;
  r.model = "rt.onnx";
  r.model_name = "rt";
  r.dataset = "test_mpii.json";
  r.dataset_format = "mpii";
  r.model_schema = "efficientpose16";
  r.schema = BuiltinSchema("mpii16").value();
  r.joint_map = std::vector<int>(16, 0);
  Person p;
  p.box = {1.0, 2.0, 30.0, 40.0};
  p.keypoints = std::vector<Keypoint>(16, {5.0, 6.0, 2.0F});
  p.head_size = 7.5;
  p.area = 100.0;
  r.truth = {p};
  r.image_ids = {"a.jpg#0"};
  r.predicted = {std::vector<Keypoint>(16, {5.5, 6.5, 0.75F})};
  r.times = {{1.0}, {2.0}, {3.0}};
  const nlohmann::json j = ToJson(r);
  auto back = KeypointEvalResultFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), j);
  nlohmann::json wrong = j;
  wrong["schema"] = "sweetspot.keypoint-video/1";
  EXPECT_THAT(KeypointEvalResultFromJson(wrong).status().message(), HasSubstr("keypoint-eval-result/1"));
}

}  // namespace
}  // namespace sweetspot
