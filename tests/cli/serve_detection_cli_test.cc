// Detectors through the built binaries: `sweetspot serve --fast A --accurate B
// --journal F --preprocess P --decoder D` answers an image with boxes, GET
// /v2/jobs/ID returns both detectors' answers and their agreement, the
// agreement gauge follows, and `sweetspot load --data DIR --once` scores the
// served answers (mAP 1.0 for the exact oracle).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "analysed_job.h"
#include "serve/detection_test_util.h"
#include "support/serve_process.h"
#include "support/support.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/results_store.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST(ServeDetectionCli, JournalPairOfDetectorsAndLoadOnce) {
  TempDir dir;
  const std::vector<testing::ShapeImage> shapes = testing::ShapeImages();
  const fs::path data =
      testing::WriteShapesDataset(dir / "shapes", testing::DetectionFormat::kVoc, shapes, testing::ShapeClasses());
  const fs::path fast = testing::OracleServed(dir.path(), "fast", testing::OracleBoxes(shapes, 8.0)).path;
  const fs::path accurate = testing::OracleServed(dir.path(), "accurate", testing::OracleBoxes(shapes)).path;
  testing::WriteFile(dir / "prep.toml", testing::kOraclePreprocessToml);
  testing::WriteFile(dir / "dec.toml", testing::kOracleDecoderToml);
  testing::ServeProcess serve({"--http-port", "0", "--grpc-port", "0", "--fast", fast.string(), "--accurate",
                               accurate.string(), "--journal", (dir / "jobs.db").string(), "--preprocess",
                               (dir / "prep.toml").string(), "--decoder", (dir / "dec.toml").string()},
                              dir / "serve.log");
  ASSERT_GT(serve.port(), 0) << serve.Stderr();
  const std::string grpc_url = std::regex_replace(serve.NextLine(), std::regex("^serving |\\s+$"), "");
  httplib::Client client("127.0.0.1", serve.port());

  InferRequest request;
  InferTensor image;
  image.name = "images";
  image.datatype = WireType::kBytes;
  image.shape = {1};
  AppendBytesElement(image.data, testing::FileBytes(data / "JPEGImages" / "square.png"));
  request.inputs.push_back(image);
  const HttpBody body = EncodeInferRequest(request, /*binary_inputs=*/true, /*binary_outputs=*/false);
  const auto posted = client.Post("/v2/models/fast/infer",
                                  {{"Inference-Header-Content-Length", std::to_string(body.json_header_bytes.value())}},
                                  body.body, body.content_type);
  ASSERT_TRUE(posted && posted->status == 200) << (posted ? posted->body : "no answer") << serve.Stderr();
  const auto answer = nlohmann::json::parse(posted->body);
  EXPECT_EQ(answer["outputs"][0]["name"], "detections");
  EXPECT_EQ(answer["outputs"][1]["data"][0], 3);
  const std::string id = answer["parameters"]["sweetspot_job_id"];

  const nlohmann::json job = testing::AnalysedJob(client, id);
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["fast"]["detections"][0].size(), 3U);
  EXPECT_EQ(job["accurate"]["detections"][0].size(), 3U);
  EXPECT_EQ(job["agreement"]["matched"], 1) << "8 px apart, only the 70-px box keeps IoU >= 0.5";
  EXPECT_EQ(job["agree"], false);
  const auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics->body, m, std::regex("\nsweetspot_agreement_ratio ([^\n]+)")));
  EXPECT_EQ(std::stod(m[1]), 0.0);

  const fs::path db = dir / "results.db";
  const testing::CommandResult load =
      testing::RunCli("load " + serve.url() + " --model accurate --data " + data.string() +
                      " --once --concurrency 1 --warmup-s 0 --json - --db " + db.string() + " --study serving");
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const auto doc = nlohmann::json::parse(load.out);
  EXPECT_EQ(doc["levels"][0]["detection"]["map50_95"], 1.0)
      << "classes mapped by the names the server's metadata gives";
  EXPECT_EQ(doc["levels"][0]["detection"]["images"], 4);
  // The store keeps the level's metrics inside its levels JSON: load_runs needs no other column.
  auto store = ResultsStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto runs = (*store)->StudyLoadRuns("serving");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1U);
  EXPECT_EQ(nlohmann::json::parse(runs->front().levels_json)[0]["detection"]["map50_95"], 1.0);

  // Over gRPC the metadata carries no class names: load says so, and the fix it proposes works.
  const std::string load_grpc = "load " + grpc_url + " --model accurate --data " + data.string() +
                                " --once --concurrency 1 --warmup-s 0 --json -";
  const testing::CommandResult unnamed = testing::RunCli(load_grpc);
  ASSERT_EQ(unnamed.exit_code, 0) << unnamed.err;
  EXPECT_NE(unnamed.err.find("pass --model-classes"), std::string::npos) << unnamed.err;
  EXPECT_LT(nlohmann::json::parse(unnamed.out)["levels"][0]["detection"]["map50_95"].get<double>(), 1.0);
  std::string names;
  for (const std::string& name : testing::ShapeClasses()) names += name + "\n";
  testing::WriteFile(dir / "classes.txt", names);
  const testing::CommandResult named =
      testing::RunCli(load_grpc + " --model-classes " + (dir / "classes.txt").string());
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.err.find("pass --model-classes"), std::string::npos) << named.err;
  EXPECT_EQ(nlohmann::json::parse(named.out)["levels"][0]["detection"]["map50_95"], 1.0);
  // A detection dataset is always sent as images: --tensors is refused with exit 2.
  const testing::CommandResult tensors =
      testing::RunCli("load " + serve.url() + " --model accurate --data " + data.string() +
                      " --once --tensors --model-file " + accurate.string());
  EXPECT_EQ(tensors.exit_code, 2) << tensors.err;
  EXPECT_NE(tensors.err.find("--tensors: a detection dataset is always sent as images"), std::string::npos)
      << tensors.err;
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0) << serve.Stderr();
}

}  // namespace
}  // namespace sweetspot
