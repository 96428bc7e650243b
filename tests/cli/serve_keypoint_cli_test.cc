// Keypoint models through the built binaries (the shared kit's EfficientPose
// pair; skipped without it): `sweetspot serve --fast RT --accurate I
// --accurate-runtime opencv-dnn --schema efficientpose16 --journal F` answers
// an image and a person box with keypoints at once, GET /v2/jobs/ID gives
// both models' keypoints and their agreement, and `sweetspot load --data
// PERSONS.json --once` scores the served answers by PCK and OKS. The start-up
// errors' fixes are applied and seen to work.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "analysed_job.h"
#include "serve/detection_test_util.h"
#include "support/serve_process.h"
#include "support/support.h"
#include "sweetspot/inference_protocol.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// --check loads the models, binds and exits: each start-up error, then its fix.
TEST(ServeKeypointCli, StartUpErrorsProposeFixesThatWork) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  TempDir dir;
  const std::string rt = (root / "models" / "EfficientPoseRT_224.onnx").string();
  const std::string i = (root / "models" / "EfficientPoseI_256.onnx").string();
  const std::string pair = "serve --check --http-port 0 --fast " + rt + " --accurate " + i +
                           " --schema efficientpose16 --journal " + (dir / "jobs.db").string();
  const testing::CommandResult refused = testing::RunCli(pair);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("pass --accurate-runtime opencv-dnn"), std::string::npos) << refused.err;
  const testing::CommandResult fixed = testing::RunCli(pair + " --accurate-runtime opencv-dnn");
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;

  const std::string unnamed = "serve --check --http-port 0 " + rt + " --keypoint-decoder heatmap";
  const testing::CommandResult no_schema = testing::RunCli(unnamed);
  EXPECT_EQ(no_schema.exit_code, 2) << no_schema.err;
  EXPECT_NE(no_schema.err.find("names no keypoint schema"), std::string::npos) << no_schema.err;
  EXPECT_NE(no_schema.err.find("pass --schema"), std::string::npos) << no_schema.err;
  const testing::CommandResult with_schema = testing::RunCli(unnamed + " --schema efficientpose16");
  EXPECT_EQ(with_schema.exit_code, 0) << with_schema.err;
}

TEST(ServeKeypointCli, JournalPairAnswersKeypointsAndLoadOnceScoresThem) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  TempDir dir;
  testing::ServeProcess serve(
      {"--http-port", "0", "--fast", (root / "models" / "EfficientPoseRT_224.onnx").string(), "--accurate",
       (root / "models" / "EfficientPoseI_256.onnx").string(), "--accurate-runtime", "opencv-dnn", "--schema",
       "efficientpose16", "--journal", (dir / "jobs.db").string()},
      dir / "serve.log");
  ASSERT_GT(serve.port(), 0) << serve.Stderr();
  httplib::Client client("127.0.0.1", serve.port());

  const fs::path coco = root / "data" / "coco";
  const auto persons = nlohmann::json::parse(testing::FileBytes(coco / "test_coco.json"));
  const nlohmann::json& first = persons["annotations"][0];
  std::string image_file;
  for (const auto& image : persons["images"]) {
    if (image["id"] == first["image_id"]) image_file = image["file_name"];
  }
  const std::vector<double> bbox = first["bbox"];
  InferRequest request;
  InferTensor image;
  image.name = "input";
  image.datatype = WireType::kBytes;
  image.shape = {1};
  AppendBytesElement(image.data, testing::FileBytes(coco / image_file));
  request.inputs.push_back(image);
  const float box[4] = {float(bbox[0]), float(bbox[1]), float(bbox[0] + bbox[2]), float(bbox[1] + bbox[3])};
  InferTensor person_box;
  person_box.name = "person_box";
  person_box.datatype = WireType::kFp32;
  person_box.shape = {1, 4};
  person_box.data.assign(reinterpret_cast<const char*>(box), sizeof(box));
  request.inputs.push_back(person_box);
  const HttpBody body = EncodeInferRequest(request, /*binary_inputs=*/true, /*binary_outputs=*/false);
  const auto posted = client.Post("/v2/models/EfficientPoseRT_224/infer",
                                  {{"Inference-Header-Content-Length", std::to_string(body.json_header_bytes.value())}},
                                  body.body, body.content_type);
  ASSERT_TRUE(posted && posted->status == 200) << (posted ? posted->body : "no answer") << serve.Stderr();
  const auto answer = nlohmann::json::parse(posted->body);
  EXPECT_EQ(answer["outputs"][0]["name"], "keypoints");
  EXPECT_EQ(answer["outputs"][0]["shape"], nlohmann::json::array({1, 16, 3}));
  EXPECT_EQ(answer["parameters"]["sweetspot_keypoint_schema"], "efficientpose16");
  // The fast answer's confident joints lie in the padded box, in the image's pixels.
  const std::vector<double> values = answer["outputs"][0]["data"];
  for (std::size_t j = 0; j < 16; ++j) {
    if (values[3 * j + 2] < 0.3) continue;
    EXPECT_GT(values[3 * j], box[0] - 0.25 * bbox[3]) << j;
    EXPECT_LT(values[3 * j], box[2] + 0.25 * bbox[3]) << j;
  }
  const std::string id = answer["parameters"]["sweetspot_job_id"];
  const nlohmann::json job = testing::AnalysedJob(client, id);
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["fast"]["keypoints"][0].size(), 16U);
  EXPECT_EQ(job["accurate"]["keypoints"][0].size(), 16U);
  EXPECT_GT(job["agreement"]["compared"].get<int>(), 0) << job.dump();
  EXPECT_TRUE(job["agree"].is_boolean());

  const testing::CommandResult load =
      testing::RunCli("load " + serve.url() + " --model EfficientPoseRT_224 --data " +
                      (coco / "test_coco.json").string() + " --once --concurrency 1 --warmup-s 0 --json -");
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const auto doc = nlohmann::json::parse(load.out);
  const auto& metrics = doc["levels"][0]["keypoints"];
  EXPECT_EQ(metrics["persons"], 12);
  EXPECT_EQ(metrics["pck"].size(), 3U);
  EXPECT_EQ(metrics["pck"][0]["alpha"], 0.2) << "eval's alphas, 0.2 first";
  EXPECT_GT(metrics["pck"][0]["pck"]["value"].get<double>(), 0.5) << "PCK@0.2 of an MPII-trained model on people";
  EXPECT_NE(load.err.find("PCK@0.2"), std::string::npos) << load.err;
  const testing::CommandResult tensors = testing::RunCli(
      "load " + serve.url() + " --model EfficientPoseRT_224 --data " + (coco / "test_coco.json").string() +
      " --once --tensors --model-file " + (root / "models" / "EfficientPoseRT_224.onnx").string());
  EXPECT_EQ(tensors.exit_code, 2) << tensors.err;
  EXPECT_NE(tensors.err.find("drop --tensors"), std::string::npos) << tensors.err;
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0) << serve.Stderr();
}

}  // namespace
}  // namespace sweetspot
