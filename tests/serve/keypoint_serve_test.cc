// A keypoint model served: EfficientPose RT (the shared kit, skipped without
// it) answers an image and a person box with the keypoints `sweetspot eval`
// finds for that person, in the original image's pixels, with its schema's
// joint names; without a box the whole image is the crop; bad requests and
// bad options are refused naming the field, and each fix works; a
// fast/accurate pair journals both answers with their agreement.
#include <chrono>
#include <cmath>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "detection_test_util.h"
#include "serve_test_util.h"
#include "support/support.h"
#include "sweetspot/job_journal.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/keypoint_model.h"
#include "sweetspot/live_cascade.h"
#include "sweetspot/model_server.h"
#include "sweetspot/reanalysis_worker.h"
#include "sweetspot/served_keypoints.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kRt = "EfficientPoseRT_224";

class KeypointServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(SWEETSPOT_SHARED_DATA_DIR) / "pose-efficientpose";
    if (!fs::exists(root_ / "models")) GTEST_SKIP() << root_ << " is missing (../shared/data/README.md); skipping";
    auto dataset = OpenKeypointDataset(root_ / "data" / "mpii" / "test_mpii.json");
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    dataset_ = *std::move(dataset);
  }

  ServedModelOptions Served(const std::string& model, const std::string& engine = "onnxruntime") const {
    ServedModelOptions m;
    m.path = root_ / "models" / (model + ".onnx");
    m.engine = engine;
    m.keypoint_schema = "efficientpose16";
    return m;
  }

  // The image of the dataset's first person, and a request for it with `box` (none: no person_box).
  std::string Image() const { return testing::FileBytes(dataset_.images[dataset_.persons[0].image].path); }
  InferRequest Request(const std::string& model, const std::optional<Box>& box) const {
    std::vector<InferTensor> inputs = {testing::BytesTensor("input", {Image()})};
    if (box) {
      inputs.push_back(testing::Fp32Tensor(std::string(kPersonBoxInput), {1, 4},
                                           {static_cast<float>(box->x1), static_cast<float>(box->y1),
                                            static_cast<float>(box->x2), static_cast<float>(box->y2)}));
    }
    return testing::Request(model, std::move(inputs));
  }

  fs::path root_;
  KeypointDataset dataset_;
};

TEST_F(KeypointServeTest, AnImageAndABoxAreAnsweredWithEvalsKeypointsInOriginalPixels) {
  auto server = ModelServer::Create({Served(kRt)});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto meta = (*server)->Metadata(kRt, "");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->outputs.front().name, "keypoints");
  EXPECT_EQ(meta->outputs.front().shape, (std::vector<std::int64_t>{-1, 16, 3}));

  auto response = (*server)->Infer(Request(kRt, dataset_.persons[0].person.box));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(response->outputs.size(), 1U) << "a request naming no output gets the keypoints only";
  EXPECT_EQ(response->outputs[0].shape, (std::vector<std::int64_t>{1, 16, 3}));
  EXPECT_EQ(std::get<std::string>(response->parameters.at(std::string(kKeypointSchemaParameter))), "efficientpose16");
  auto rows = ReadKeypointOutput(*response);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  auto joints = ReadKeypointJoints(*response, 16);
  ASSERT_TRUE(joints.ok()) << joints.status().ToString();
  EXPECT_EQ(joints->front(), "head_top");

  KeypointEvalRequest eval;
  eval.model.model_path = Served(kRt).path.string();
  eval.model.schema = "efficientpose16";
  eval.dataset_path = (root_ / "data" / "mpii" / "test_mpii.json").string();
  eval.limit = 1;
  eval.threads = 1;
  auto expected = EvaluateKeypoints(eval);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  KeypointSchema served_schema;
  served_schema.joints = *joints;
  auto map = MapSchemas(served_schema, expected->schema);
  ASSERT_TRUE(map.ok());
  const std::vector<Keypoint> served = MapKeypoints(rows->front(), *map);
  ASSERT_EQ(served.size(), expected->predicted[0].size());
  for (std::size_t j = 0; j < served.size(); ++j) {
    EXPECT_NEAR(served[j].x, expected->predicted[0][j].x, 1e-3) << j;
    EXPECT_NEAR(served[j].y, expected->predicted[0][j].y, 1e-3) << j;
    EXPECT_NEAR(served[j].score, expected->predicted[0][j].score, 1e-6) << j;
  }
}

TEST_F(KeypointServeTest, WithoutABoxTheWholeImageIsTheCrop) {
  ServedModelOptions unpadded = Served(kRt);
  unpadded.person_padding = 1.0;
  auto server = ModelServer::Create({unpadded});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const KeypointImage& image = dataset_.images[dataset_.persons[0].image];
  auto whole = (*server)->Infer(Request(kRt, Box{0.0, 0.0, double(image.width), double(image.height)}));
  auto none = (*server)->Infer(Request(kRt, std::nullopt));
  ASSERT_TRUE(whole.ok() && none.ok());
  EXPECT_EQ(testing::Floats(none->outputs[0]), testing::Floats(whole->outputs[0]));
}

TEST_F(KeypointServeTest, BadRequestsNameTheFieldAndTheFixWorks) {
  auto server = ModelServer::Create({Served(kRt)});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const KeypointImage& image = dataset_.images[dataset_.persons[0].image];
  const Box outside{double(image.width) + 10, 0.0, double(image.width) + 100, 50.0};
  Status status = (*server)->Infer(Request(kRt, outside)).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("'person_box' ("));
  EXPECT_THAT(status.message(), HasSubstr("lies outside the 1280x720 image"));
  EXPECT_TRUE((*server)->Infer(Request(kRt, Box{0.0, 0.0, 100.0, 100.0})).ok()) << "the fix: a box in the image";

  InferRequest no_image = Request(kRt, Box{0.0, 0.0, 100.0, 100.0});
  no_image.inputs.erase(no_image.inputs.begin());
  status = (*server)->Infer(no_image).status();
  EXPECT_THAT(status.message(), HasSubstr("input 'input' is missing from the request: send the person's image"));
  no_image.inputs.push_back(testing::BytesTensor("input", {Image()}));
  EXPECT_TRUE((*server)->Infer(no_image).ok()) << "the fix: the image in input 'input'";

  InferRequest wrong_shape = Request(kRt, std::nullopt);
  wrong_shape.inputs.push_back(testing::Fp32Tensor(std::string(kPersonBoxInput), {4}, {0, 0, 100, 100}));
  status = (*server)->Infer(wrong_shape).status();
  EXPECT_THAT(status.message(), HasSubstr("send FP32 [1, 4]"));
  wrong_shape.inputs.back().shape = {1, 4};
  EXPECT_TRUE((*server)->Infer(wrong_shape).ok()) << "the fix: shape [1, 4]";
}

TEST_F(KeypointServeTest, BadOptionsAreRefusedAtStartAndTheFixWorks) {
  ServedModelOptions no_schema = Served(kRt);
  no_schema.keypoint_schema.clear();
  no_schema.keypoint_decoder_layers = {{PreprocessSource("--keypoint-decoder", false), "layout = \"heatmap\"\n", ""}};
  Status status = ModelServer::Create({no_schema}).status();
  EXPECT_THAT(status.message(), HasSubstr("names no keypoint schema"));
  ASSERT_FALSE(status.fixes().empty());
  EXPECT_EQ(status.fixes().front().field, "schema");
  no_schema.keypoint_schema = "efficientpose16";
  EXPECT_TRUE(ModelServer::Create({no_schema}).ok()) << "the fix: the schema";

  // ONNX Runtime refuses EfficientPose I (the kit's README); opencv-dnn runs it.
  ServedModelOptions accurate = Served("EfficientPoseI_256");
  status = ModelServer::Create({accurate}).status();
  ASSERT_FALSE(status.ok());
  ASSERT_FALSE(status.fixes().empty()) << status.ToString();
  EXPECT_EQ(status.fixes().front().field, "runtime");
  EXPECT_EQ(status.fixes().front().values.front(), "opencv-dnn");
  accurate.engine = "opencv-dnn";
  EXPECT_TRUE(ModelServer::Create({accurate}).ok()) << "the fix: runtime opencv-dnn";
}

TEST_F(KeypointServeTest, JournalPairKeepsBothModelsKeypointsAndTheirAgreement) {
  auto server = ModelServer::Create({Served(kRt), Served("EfficientPoseI_256", "opencv-dnn")});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  testing::TempDir dir;
  auto journal = JobJournal::Open(dir / "jobs.db");
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  const InferFunction infer = [&](const InferRequest& r) { return (*server)->Infer(r); };
  ReanalysisWorker worker(**journal, infer, {.idle_poll = std::chrono::milliseconds(5)});
  LiveCascadeOptions pair;
  pair.fast_model = kRt;
  pair.accurate_model = "EfficientPoseI_256";
  LiveCascade cascade(pair, infer, journal->get(), &worker);
  worker.Start();
  auto answered = cascade.Infer(Request(kRt, dataset_.persons[0].person.box));
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  ASSERT_TRUE(HasKeypointOutput(*answered));
  const std::string id = std::get<std::string>(answered->parameters.at("sweetspot_job_id"));
  while ((*journal)->Stats()->pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.Stop();
  auto record = (*journal)->Lookup(std::stoll(id));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  ASSERT_EQ(record->state, JobState::kDone) << record->error;
  const nlohmann::json j = nlohmann::json::parse(JobRecordJson(*record));
  ASSERT_EQ(j["fast"]["keypoints"].size(), 1U);
  EXPECT_EQ(j["fast"]["keypoints"][0].size(), 16U);
  EXPECT_EQ(j["accurate"]["keypoints"][0].size(), 16U);
  ASSERT_TRUE(record->keypoint_agreement.has_value());
  const KeypointAnswerAgreement& a = *record->keypoint_agreement;
  std::printf("RT vs I on one MPII person: %lld joints compared, %lld within 0.1 scale, mean %.1f px\n",
              static_cast<long long>(a.compared), static_cast<long long>(a.within), a.mean_distance_px);
  EXPECT_GT(a.compared, 0);
  EXPECT_EQ(j["agreement"]["compared"], a.compared);
  EXPECT_EQ(j["agree"], a.agree());
}

TEST(ServedKeypoints, AgreementCountsJointsConfidentInBothWithinAlphaOfTheScale) {
  // Accurate: confident joints spanning 100 px; fast: one joint 5 px off (within
  // 0.1 * 100), one 20 px off, one unsure (not compared).
  const std::vector<std::vector<Keypoint>> accurate = {{{0, 0, 0.9F}, {100, 0, 0.9F}, {50, 50, 0.9F}, {10, 10, 0.9F}}};
  const std::vector<std::vector<Keypoint>> fast = {{{3, 4, 0.8F}, {120, 0, 0.8F}, {50, 50, 0.1F}, {10, 10, 0.5F}}};
  const KeypointAnswerAgreement a = CompareKeypointAnswers(fast, accurate);
  EXPECT_EQ(a.compared, 3);
  EXPECT_EQ(a.within, 2);
  EXPECT_DOUBLE_EQ(a.mean_distance_px, 25.0 / 3.0);
  EXPECT_DOUBLE_EQ(a.share, 2.0 / 3.0);
  EXPECT_FALSE(a.agree());
}

TEST(ServedKeypoints, OutputAndJointsReadBack) {
  KeypointSchema schema;
  schema.name = "two";
  schema.joints = {"a", "b"};
  InferResponse response;
  const std::vector<std::vector<Keypoint>> rows = {{{1.5, 2.5, 0.25F}, {3, 4, 1}}};
  response.outputs.push_back(KeypointOutput(rows, 2));
  AddKeypointParameters(schema, response.parameters);
  auto back = ReadKeypointOutput(response);
  ASSERT_TRUE(back.ok());
  EXPECT_DOUBLE_EQ((*back)[0][0].x, 1.5);
  EXPECT_FLOAT_EQ((*back)[0][1].score, 1.0F);
  EXPECT_EQ(*ReadKeypointJoints(response, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_THAT(ReadKeypointJoints(response, 3).status().message(), HasSubstr("names 2 joints"));
}

}  // namespace
}  // namespace sweetspot
