// Keypoint models under load, over real sockets on loopback: EfficientPose RT
// served with its schema answers each COCO person (image + box) with the
// keypoints `sweetspot eval` finds, so one pass of `load` gives the PCK and
// OKS that EvaluateKeypoints + its summary give on the same
// persons (SummarizeKeypointEval; REST and gRPC). Skipped without the shared kit. No timing assertions.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "load/loopback_servers.h"
#include "support/support.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/keypoint_eval_summary.h"
#include "sweetspot/keypoint_metrics.h"
#include "sweetspot/load_generator.h"
#include "sweetspot/rest_client.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;

KeypointMetricOptions MetricOptions() {
  KeypointMetricOptions options;
  options.bootstrap_replicates = 200;
  return options;
}

// One pass of `load` (concurrency 2) of the dataset's persons: the level.
Result<LevelResult> LoadOnce(const std::string& url, const std::string& model, const fs::path& dataset_path) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto client, ConnectClient(url));
  SWEETSPOT_ASSIGN_OR_RETURN(const ModelMetadata metadata, client->Metadata(model, ""));
  SWEETSPOT_ASSIGN_OR_RETURN(const KeypointDataset dataset, OpenKeypointDataset(dataset_path));
  KeypointRequestOptions options;
  options.metric_options = MetricOptions();
  SWEETSPOT_ASSIGN_OR_RETURN(const LoadRequests requests, BuildKeypointLoadRequests(metadata, "", dataset, options));
  SWEETSPOT_ASSIGN_OR_RETURN(const LoadRun run, RunLoad([url] { return ConnectClient(url); }, requests,
                                                        testing::OnePassOptions(url, model, 2)));
  return run.levels.front();
}

// The evaluation's figures, as `sweetspot eval` summarises them.
Result<KeypointMetrics> EvalMetrics(const KeypointEvalResult& eval) {
  SWEETSPOT_ASSIGN_OR_RETURN(KeypointEvalSummary summary, SummarizeKeypointEval(eval, MetricOptions()));
  return summary.metrics;
}

TEST(KeypointLoadAcceptanceTest, ServedEfficientPoseRtGivesEvalsPckAndOks) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  const fs::path model = root / "models" / "EfficientPoseRT_224.onnx";
  const fs::path coco = root / "data" / "coco" / "test_coco.json";
  KeypointEvalRequest request;
  request.model.model_path = model.string();
  request.model.schema = "efficientpose16";
  request.dataset_path = coco.string();
  request.threads = 1;
  auto eval = EvaluateKeypoints(request);
  ASSERT_TRUE(eval.ok()) << eval.status().ToString();
  auto expected = EvalMetrics(*eval);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();

  ServedModelOptions served;
  served.path = model;
  served.keypoint_schema = "efficientpose16";
  testing::LoopbackServers servers({served});
  ASSERT_FALSE(servers.urls().empty());
  for (const std::string& url : servers.urls()) {
    auto level = LoadOnce(url, "EfficientPoseRT_224", coco);
    ASSERT_TRUE(level.ok()) << level.status().ToString();
    ASSERT_TRUE(level->keypoints.has_value()) << url;
    EXPECT_EQ(level->error_count(), 0) << level->first_error;
    const KeypointMetrics& got = *level->keypoints;
    EXPECT_EQ(got.persons, expected->persons);
    ASSERT_EQ(got.pck.size(), expected->pck.size());
    for (std::size_t i = 0; i < got.pck.size(); ++i) {
      std::printf("%s: PCK@%g eval %.4f [%.4f, %.4f], served + load --once %.4f [%.4f, %.4f]\n", url.c_str(),
                  got.pck[i].alpha, expected->pck[i].pck.value, expected->pck[i].pck.ci.lower,
                  expected->pck[i].pck.ci.upper, got.pck[i].pck.value, got.pck[i].pck.ci.lower,
                  got.pck[i].pck.ci.upper);
      EXPECT_NEAR(got.pck[i].pck.value, expected->pck[i].pck.value, 1e-9);
      EXPECT_NEAR(got.pck[i].pck.ci.lower, expected->pck[i].pck.ci.lower, 1e-9);
    }
    std::printf("%s: OKS eval %.4f, served %.4f; AP eval %.4f, served %.4f; confidence eval %.4f, served %.4f\n",
                url.c_str(), expected->oks.value, got.oks.value, expected->ap.value, got.ap.value,
                expected->confidence_mean.value, got.confidence_mean.value);
    // The answers travel as float32 pixels: OKS and confidence agree to that precision.
    EXPECT_NEAR(got.oks.value, expected->oks.value, 1e-5);
    EXPECT_NEAR(got.ap.value, expected->ap.value, 1e-5);
    EXPECT_NEAR(got.confidence_mean.value, expected->confidence_mean.value, 1e-6);
  }
}

TEST(KeypointLoadAcceptanceTest, AModelNotServedAsAKeypointModelIsRefusedNamingTheFix) {
  SWEETSPOT_REQUIRE_SHARED_DATA(root, "pose-efficientpose");
  ServedModelOptions plain;
  plain.path = root / "models" / "EfficientPoseRT_224.onnx";
  const fs::path coco = root / "data" / "coco" / "test_coco.json";
  {
    testing::LoopbackServers servers({plain});
    ASSERT_FALSE(servers.urls().empty());
    auto refused = LoadOnce(servers.urls().front(), "EfficientPoseRT_224", coco);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("serve it with --schema"), std::string::npos)
        << refused.status().message();
  }
  plain.keypoint_schema = "efficientpose16";  // the fix: serve --schema efficientpose16
  testing::LoopbackServers fixed({plain});
  ASSERT_FALSE(fixed.urls().empty());
  auto level = LoadOnce(fixed.urls().front(), "EfficientPoseRT_224", coco);
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_TRUE(level->keypoints.has_value());
}

}  // namespace
}  // namespace sweetspot
