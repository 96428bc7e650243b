// Detectors under load, over real sockets on loopback (REST and gRPC): the
// answers carry the oracle's known boxes in the images' own pixels, and one
// pass of `load` scores them to the mAP `sweetspot eval` gives on the same
// images (EvaluateDetector), 1.0 for exact boxes. A real NanoDet on the
// shared VOC images (skipped without them) gives eval's mAP through the
// server as well. No timing assertions.
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "load/loopback_servers.h"
#include "serve/detection_test_util.h"
#include "support/exif_jpeg.h"
#include "support/support.h"
#include "sweetspot/detection_classes.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/image_decode.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/load_generator.h"
#include "sweetspot/model_server.h"
#include "sweetspot/rest_client.h"
#include "sweetspot/served_detections.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// One pass of `load` (concurrency 2) over `dataset`: the level's metrics.
// The gRPC metadata carries no class names: they are given, as
// --model-classes gives them.
Result<DetectionMetrics> LoadOnce(const std::string& url, const std::string& model, const fs::path& dataset_path,
                                  const DetectionMetricOptions& metric_options,
                                  const std::vector<std::string>& grpc_classes = testing::ShapeClasses()) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto client, ConnectClient(url));
  SWEETSPOT_ASSIGN_OR_RETURN(const ModelMetadata metadata, client->Metadata(model, ""));
  SWEETSPOT_ASSIGN_OR_RETURN(auto dataset, OpenDetectionDataset(dataset_path));
  DetectionRequestOptions options;
  options.metric_options = metric_options;
  if (url.starts_with("grpc://")) options.model_classes = grpc_classes;
  SWEETSPOT_ASSIGN_OR_RETURN(const LoadRequests requests, BuildDetectionLoadRequests(metadata, "", *dataset, options));
  SWEETSPOT_ASSIGN_OR_RETURN(const LoadRun run, RunLoad([url] { return ConnectClient(url); }, requests,
                                                        testing::OnePassOptions(url, model, 2)));
  if (run.levels.front().error_count() > 0) return Status::Internal(run.levels.front().first_error);
  if (!run.levels.front().detection) return Status::Internal("the one-pass level has no detection metrics");
  return *run.levels.front().detection;
}

class DetectionLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::WriteShapesDataset(dir_ / "shapes", testing::DetectionFormat::kVoc, testing::ShapeImages(),
                                        testing::ShapeClasses());
  }

  // sweetspot eval's figures for the served oracle `model` on the dataset.
  DetectionMetrics Eval(const ServedModelOptions& model, const std::string& protocol) const {
    DetectionEvalRequest request;
    request.model_path = model.path.string();
    request.dataset_path = data_.string();
    request.layers = {{"oracle preprocessing", testing::kOraclePreprocessToml, ""}};
    request.decoder_layers = model.decoder_layers;
    request.threads = 1;
    request.protocol = protocol;
    auto result = EvaluateDetector(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->metrics : DetectionMetrics{};
  }

  TempDir dir_;
  fs::path data_;
};

TEST_F(DetectionLoadTest, RestAndGrpcAnswerTheOraclesBoxesInImagePixels) {
  testing::LoopbackServers servers(
      {testing::OracleServed(dir_.path(), "oracle", testing::OracleBoxes(testing::ShapeImages()))});
  ASSERT_EQ(servers.urls().size(), 2U);
  auto dataset = OpenDetectionDataset(data_);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  for (const std::string& url : servers.urls()) {
    SCOPED_TRACE(url);
    auto client = ConnectClient(url);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto metadata = (*client)->Metadata("oracle", "");
    ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
    EXPECT_EQ(metadata->outputs.front().name, "detections");
    EXPECT_EQ(metadata->outputs[1].name, "detection_count");
    auto requests = BuildDetectionLoadRequests(*metadata, "", **dataset, {});
    ASSERT_TRUE(requests.ok()) << requests.status().ToString();
    const std::vector<std::string>& dataset_classes = (*dataset)->class_names();
    ASSERT_NE(dataset_classes, testing::ShapeClasses()) << "the test needs the two orders to differ";
    for (std::size_t i = 0; i < requests->requests.size(); ++i) {
      ClientTimes times;
      auto answer = (*client)->Infer(requests->requests[i], &times);
      ASSERT_TRUE(answer.ok()) << answer.status().ToString();
      auto images = ReadDetectionOutputs(*answer);
      ASSERT_TRUE(images.ok()) << images.status().ToString();
      const DetectionImage& truth = requests->truth[i];
      ASSERT_EQ(images->front().size(), truth.objects.size()) << truth.id;
      for (const GroundTruthBox& object : truth.objects) {
        const bool found = std::any_of(images->front().begin(), images->front().end(), [&](const Detection& d) {
          return testing::ShapeClasses()[static_cast<std::size_t>(d.class_id)] ==
                     dataset_classes[static_cast<std::size_t>(object.class_id)] &&
                 testing::NearBox(d.box, object.box);
        });
        EXPECT_TRUE(found) << truth.id << ": class " << object.class_id << " at " << object.box.x1 << ","
                           << object.box.y1;
      }
    }
  }
}

TEST_F(DetectionLoadTest, OnePassOfExactBoxesScoresOneAsEvalDoes) {
  const ServedModelOptions oracle =
      testing::OracleServed(dir_.path(), "oracle", testing::OracleBoxes(testing::ShapeImages()));
  const DetectionMetrics eval = Eval(oracle, "coco");
  testing::LoopbackServers servers({oracle});
  ASSERT_EQ(servers.urls().size(), 2U);
  for (const std::string& url : servers.urls()) {
    SCOPED_TRACE(url);
    auto loaded = LoadOnce(url, "oracle", data_, DetectionMetricOptions::Coco());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_DOUBLE_EQ(loaded->map50_95, 1.0);
    EXPECT_DOUBLE_EQ(loaded->map50_95, eval.map50_95);
    EXPECT_EQ(loaded->images, 4);
    EXPECT_EQ(loaded->ground_truth, 6);
  }
}

TEST_F(DetectionLoadTest, OnePassOfShiftedBoxesGivesEvalsMapUnderBothProtocols) {
  // Boxes 6 px right of the truth: some IoUs fall below the higher thresholds.
  const ServedModelOptions oracle =
      testing::OracleServed(dir_.path(), "shifted", testing::OracleBoxes(testing::ShapeImages(), 6.0));
  testing::LoopbackServers servers({oracle});
  ASSERT_EQ(servers.urls().size(), 2U);
  for (const std::string protocol : {"coco", "voc"}) {
    SCOPED_TRACE(protocol);
    const DetectionMetrics eval = Eval(oracle, protocol);
    EXPECT_LT(eval.map50_95, 1.0);
    auto loaded =
        LoadOnce(servers.urls().front(), "shifted", data_,
                 protocol == std::string("voc") ? DetectionMetricOptions::Voc() : DetectionMetricOptions::Coco());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_NEAR(loaded->map50_95, eval.map50_95, 1e-9);
    EXPECT_NEAR(loaded->map50, eval.map50, 1e-9);
    EXPECT_EQ(loaded->detections, eval.detections);
  }
}

TEST_F(DetectionLoadTest, AModelNotServedAsADetectorIsRefusedNamingTheFix) {
  ServedModelOptions plain = testing::OracleServed(dir_.path(), "plain", testing::OracleBoxes(testing::ShapeImages()));
  plain.decoder_layers.clear();  // no decoder and no metadata: served as it is
  testing::LoopbackServers servers({plain});
  ASSERT_FALSE(servers.urls().empty());
  auto refused = LoadOnce(servers.urls().front(), "plain", data_, DetectionMetricOptions::Coco());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--decoder"), std::string::npos) << refused.status().message();
  plain.decoder_layers = {{"--decoder", testing::kOracleDecoderToml, ""}};  // the fix
  testing::LoopbackServers fixed({plain});
  ASSERT_FALSE(fixed.urls().empty());
  EXPECT_TRUE(LoadOnce(fixed.urls().front(), "plain", data_, DetectionMetricOptions::Coco()).ok());
}

// Acceptance: NanoDet-m 0.5x served with the README's protocol
// (examples/nanodet-*.toml) gives, through one pass of load, the VOC mAP@0.5
// that eval gives on the same 100 images.
TEST(DetectionLoadAcceptanceTest, ServedNanoDetGivesEvalsMap) {
  const fs::path root = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "voc100-nanodet";
  const fs::path model = root / "models" / "nanodet_m_0.5x.onnx";
  if (!fs::exists(model) || !fs::exists(root / "data")) {
    GTEST_SKIP() << root << " is missing (../shared/data/README.md, voc100-nanodet); skipping";
  }
  const fs::path examples = fs::path(SWEETSPOT_TEST_DIR) / ".." / "examples";
  const std::string preprocess = (examples / "nanodet-preprocess.toml").string();
  const std::string decoder = (examples / "nanodet-detector.toml").string();
  DetectionEvalRequest request;
  request.model_path = model.string();
  request.dataset_path = (root / "data").string();
  request.layers = {{preprocess, "", preprocess}};
  request.decoder_layers = {{decoder, "", decoder}};
  request.protocol = "voc";
  request.bootstrap_replicates = 0;
  auto eval = EvaluateDetector(request);
  ASSERT_TRUE(eval.ok()) << eval.status().ToString();

  ServedModelOptions served;
  served.path = model;
  served.threads_per_session = 2;
  auto spec = LayerPreprocessing(model, request.layers);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  served.preprocess = *spec;
  served.decoder_layers = request.decoder_layers;
  testing::LoopbackServers servers({served});
  ASSERT_FALSE(servers.urls().empty());
  DetectionMetricOptions voc = DetectionMetricOptions::Voc();
  voc.bootstrap_replicates = 0;
  auto loaded = LoadOnce(servers.urls().front(), "nanodet_m_0.5x", root / "data", voc, Coco80ClassNames());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::printf("NanoDet-m 0.5x, VOC mAP@0.5: eval %.4f %%, served + load --once %.4f %%\n", 100.0 * eval->metrics.map50,
              100.0 * loaded->map50);
  EXPECT_NEAR(loaded->map50, eval->metrics.map50, 1e-4);
  EXPECT_EQ(loaded->detections, eval->metrics.detections);
}

// The server decodes a request's JPEG in its EXIF-oriented view: the file is
// sent as it is when the labels are in that view, and the stored bitmap the
// labels were drawn on (COCO width/height of the stored grid) as PNG otherwise.
TEST(DetectionLoadRequests, SendThePixelsTheLabelsDescribe) {
  TempDir dir;
  const std::string jpeg = testing::RotatedMarkedJpeg();
  fs::create_directories(dir / "images");
  testing::WriteFile(dir / "images" / "r.jpg", jpeg);
  ModelMetadata metadata;
  metadata.name = "det";
  metadata.inputs = {{"input", WireType::kFp32, {1, 3, 32, 32}}};
  metadata.outputs = {{std::string(kDetectionsOutput), WireType::kFp32, {1, -1, 6}}};
  metadata.detection_classes = {"thing"};
  std::vector<std::string> sent;
  for (const cv::Size size : {testing::kOrientedSize, testing::kStoredSize}) {
    testing::WriteFile(dir / "coco.json", fmt::format(R"({{"images": [{{"id": 1, "file_name": "r.jpg", "width": {},
        "height": {}}}], "annotations": [], "categories": [{{"id": 1, "name": "thing"}}]}})",
                                                      size.width, size.height));
    auto dataset = OpenDetectionDataset(dir / "coco.json", {.class_names_file = {}, .images_dir = dir / "images"});
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    auto requests = BuildDetectionLoadRequests(metadata, "", **dataset, {});
    ASSERT_TRUE(requests.ok()) << requests.status().ToString();
    ASSERT_EQ(requests->requests.size(), 1U);
    auto elements = BytesElements(requests->requests[0].inputs.at(0).data);
    ASSERT_TRUE(elements.ok()) << elements.status().ToString();
    sent.emplace_back(elements->at(0));
  }
  EXPECT_EQ(sent[0], jpeg);  // oriented labels: the file itself
  auto stored = DecodeImage(std::as_bytes(std::span(sent[1])), "the stored view");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->size(), testing::kStoredSize);  // a PNG: no orientation left to apply
  EXPECT_TRUE(testing::IsRed(*stored, testing::kStoredMarker));
}

}  // namespace
}  // namespace sweetspot
