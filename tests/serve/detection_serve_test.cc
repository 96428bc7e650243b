// A detector served: an oracle whose boxes are known answers images sent
// through the image extension with the boxes in the ORIGINAL image's pixels,
// tensors in the input's pixels; its metadata lists the added outputs first;
// its raw outputs stay requestable; and a fast/accurate pair of detectors
// journals both answers with their agreement. Real ONNX Runtime and OpenCV.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "detection_test_util.h"
#include "serve_test_util.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/job_journal.h"
#include "sweetspot/live_cascade.h"
#include "sweetspot/model_server.h"
#include "sweetspot/reanalysis_worker.h"
#include "sweetspot/served_detections.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class DetectionServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path data = testing::WriteShapesDataset(dir_ / "shapes", testing::DetectionFormat::kVoc,
                                                      testing::ShapeImages(), testing::ShapeClasses());
    auto dataset = OpenDetectionDataset(data);
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    dataset_ = std::move(*dataset);
  }

  // The dataset image named `id` (its file stem) and its encoded bytes.
  const DetectionImage& Image(const std::string& stem) const {
    for (std::size_t i = 0; i < dataset_->size(); ++i) {
      if (dataset_->image(i).path.stem() == stem) return dataset_->image(i);
    }
    ADD_FAILURE() << "no image " << stem;
    return dataset_->image(0);
  }

  InferRequest ImageRequest(const std::string& model, const std::string& stem) const {
    return testing::Request(model, {testing::BytesTensor("images", {testing::FileBytes(Image(stem).path)})});
  }

  TempDir dir_;
  std::unique_ptr<DetectionDataset> dataset_;
};

TEST_F(DetectionServeTest, ImagesAreAnsweredWithTheirBoxesInOriginalPixels) {
  auto server =
      ModelServer::Create({testing::OracleServed(dir_.path(), "oracle", testing::OracleBoxes(testing::ShapeImages()))});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  for (const testing::ShapeImage& shape : testing::ShapeImages()) {
    auto response = (*server)->Infer(ImageRequest("oracle", shape.name));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->outputs.size(), 2U) << "no output named: the two detection outputs only";
    EXPECT_TRUE(response->parameters.contains("sweetspot_postprocess_us"));
    auto images = ReadDetectionOutputs(*response);
    ASSERT_TRUE(images.ok()) << images.status().ToString();
    ASSERT_EQ(images->size(), 1U);
    const std::vector<Detection>& found = images->front();
    ASSERT_EQ(found.size(), shape.objects.size()) << shape.name;
    for (const testing::ShapeObject& o : shape.objects) {
      const Box expected{static_cast<double>(o.x1), static_cast<double>(o.y1), static_cast<double>(o.x2),
                         static_cast<double>(o.y2)};
      const bool present = std::any_of(found.begin(), found.end(), [&](const Detection& d) {
        return d.class_id == o.class_id && testing::NearBox(d.box, expected) && std::abs(d.score - 0.9F) < 1e-5F;
      });
      EXPECT_TRUE(present) << shape.name << ": no class " << o.class_id << " box at " << o.x1 << "," << o.y1;
    }
  }
}

TEST_F(DetectionServeTest, TensorsAreAnsweredInInputPixelsAndRawOutputsByName) {
  const std::vector<std::vector<Detection>> boxes = testing::OracleBoxes(testing::ShapeImages());
  auto server = ModelServer::Create({testing::OracleServed(dir_.path(), "oracle", boxes)});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  // Image 0 as a tensor: pixel (0,0) of channel 0 holds its index (0), the rest grey.
  const int s = testing::kOracleInputSize;
  std::vector<float> pixels(static_cast<std::size_t>(3 * s * s), 0.5F);
  pixels[0] = 0.0F;
  InferRequest request = testing::Request("oracle", {testing::Fp32Tensor("images", {1, 3, s, s}, pixels)});
  request.outputs = {RequestedOutput{.name = "detections", .binary_data = false, .parameters = {}},
                     RequestedOutput{.name = "cls_pred_stride_8", .binary_data = false, .parameters = {}},
                     RequestedOutput{.name = "detection_count", .binary_data = false, .parameters = {}}};
  auto response = (*server)->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->outputs.size(), 3U);
  EXPECT_EQ(response->outputs[1].name, "cls_pred_stride_8");
  EXPECT_EQ(response->outputs[1].shape, (std::vector<std::int64_t>{1, (s / 8) * (s / 8), 3}));
  auto images = ReadDetectionOutputs(*response);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  ASSERT_EQ(images->front().size(), boxes[0].size());
  for (const Detection& expected : boxes[0]) {
    const bool present = std::any_of(images->front().begin(), images->front().end(), [&](const Detection& d) {
      return d.class_id == expected.class_id && testing::NearBox(d.box, expected.box);
    });
    EXPECT_TRUE(present) << "input-pixel box of class " << expected.class_id;
  }
  request.outputs = {RequestedOutput{.name = "nope", .binary_data = false, .parameters = {}}};
  auto unknown = (*server)->Infer(request);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'detections', 'detection_count'"), std::string::npos)
      << unknown.status().message();
}

TEST_F(DetectionServeTest, MetadataListsTheDetectionOutputsFirst) {
  ServedModelOptions options =
      testing::OracleServed(dir_.path(), "oracle", testing::OracleBoxes(testing::ShapeImages()));
  options.decoder_layers.push_back({"max", "max_detections = 7\n", ""});
  auto server = ModelServer::Create({options});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto metadata = (*server)->Metadata("oracle", "");
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  ASSERT_GE(metadata->outputs.size(), 8U);  // 2 added + 6 raw
  EXPECT_EQ(metadata->outputs[0], (TensorMetadata{"detections", WireType::kFp32, {-1, 7, 6}}));
  EXPECT_EQ(metadata->outputs[1], (TensorMetadata{"detection_count", WireType::kInt32, {-1}}));
  EXPECT_EQ(metadata->detection_classes, testing::ShapeClasses());
  auto parsed = ParseModelMetadata(EncodeModelMetadata(*metadata));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, *metadata) << "the class names travel in the JSON metadata";
}

TEST_F(DetectionServeTest, ADecoderThatDoesNotFitIsRefusedAtStart) {
  ServedModelOptions options =
      testing::OracleServed(dir_.path(), "oracle", testing::OracleBoxes(testing::ShapeImages()));
  options.decoder_layers = {{"--decoder", "layout = \"yolov8\"\n", ""}};
  auto server = ModelServer::Create({options});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("oracle"), std::string::npos) << server.status().message();
  options.decoder_layers = {{"--decoder", "layout = \"nanodet\"\n", ""}};  // the fix: the layout that fits
  EXPECT_TRUE(ModelServer::Create({options}).ok());
}

TEST_F(DetectionServeTest, JournalPairOfDetectorsKeepsBothAnswersAndTheirAgreement) {
  const std::vector<testing::ShapeImage> shapes = testing::ShapeImages();
  // The fast detector's boxes are 8 px right of the accurate one's: on
  // "square" the 70-px box keeps IoU 62/78 >= 0.5, the 16-px dot (8/24) and
  // the 20-px bar (12/28) do not.
  auto server = ModelServer::Create({testing::OracleServed(dir_.path(), "fast", testing::OracleBoxes(shapes, 8.0)),
                                     testing::OracleServed(dir_.path(), "accurate", testing::OracleBoxes(shapes))});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto journal = JobJournal::Open(dir_ / "jobs.db");
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  const InferFunction infer = [&](const InferRequest& r) { return (*server)->Infer(r); };
  ReanalysisWorker worker(**journal, infer, {.idle_poll = std::chrono::milliseconds(5)});
  LiveCascadeOptions pair;
  pair.fast_model = "fast";
  pair.accurate_model = "accurate";
  LiveCascade cascade(pair, infer, journal->get(), &worker);
  worker.Start();
  auto answered = cascade.Infer(ImageRequest("fast", "square"));
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  ASSERT_TRUE(HasDetectionOutputs(*answered));
  const std::string id = std::get<std::string>(answered->parameters.at("sweetspot_job_id"));
  while ((*journal)->Stats()->pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.Stop();
  auto record = (*journal)->Lookup(std::stoll(id));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  ASSERT_EQ(record->state, JobState::kDone);
  const nlohmann::json j = nlohmann::json::parse(JobRecordJson(*record));
  ASSERT_EQ(j["fast"]["detections"].size(), 1U);
  EXPECT_EQ(j["fast"]["detections"][0].size(), 3U);
  EXPECT_EQ(j["accurate"]["detections"][0].size(), 3U);
  EXPECT_FALSE(j["fast"].contains("top1"));
  EXPECT_EQ(j["agreement"]["reference"], 3);
  EXPECT_EQ(j["agreement"]["candidates"], 3);
  EXPECT_EQ(j["agreement"]["matched"], 1);
  EXPECT_DOUBLE_EQ(j["agreement"]["recall"].get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(j["agreement"]["f1"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(j["agree"], false);
  EXPECT_EQ(j["agreement"]["min_iou"], 0.5);
  const JournalStats stats = *(*journal)->Stats();
  EXPECT_EQ(stats.done, 1);
  EXPECT_EQ(stats.AgreementRatio(), 0.0) << "the agreement gauge's figure";
}

}  // namespace
}  // namespace sweetspot
