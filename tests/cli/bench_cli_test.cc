// End-to-end tests of `sweetspot bench` through the built binary: bad input
// gets one line and exit code 2, JSON follows docs/bench-result.schema.json,
// and the peak RSS agrees with /usr/bin/time.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/cpus.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::RunCli;
using testing::TempDir;

constexpr const char* kFast = " --duration-s 0.2 --max-duration-s 1 --min-count 20 -q";

std::size_t Lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override { model_ = testing::WriteModel(testing::TinyCnn(), dir_ / "tiny.onnx").string(); }

  // Asserts exit code 2 and a single stderr line containing `needle`.
  void ExpectUsageError(const std::string& args, const std::string& needle) {
    const auto r = RunCli("bench " + args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(Lines(r.err), 1U) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
  }

  TempDir dir_;
  std::string model_;
};

TEST_F(BenchCli, MissingModelFile) { ExpectUsageError((dir_ / "absent.onnx").string(), "absent.onnx' does not exist"); }

TEST_F(BenchCli, FileThatIsNotOnnx) {
  testing::WriteFile(dir_ / "readme.onnx", "# not a model\n");
  ExpectUsageError((dir_ / "readme.onnx").string() + kFast, "readme.onnx");
}

TEST_F(BenchCli, TruncatedOnnxFile) {
  const std::string bytes = testing::TinyCnn().SerializeAsString();
  testing::WriteFile(dir_ / "cut.onnx", bytes.substr(0, bytes.size() * 2 / 3));
  ExpectUsageError((dir_ / "cut.onnx").string() + kFast, "cut.onnx");
}

TEST_F(BenchCli, OperatorTheRuntimeCannotRun) {
  GraphBuilder b("custom");
  b.Input("x", DType::kFloat32, {1, 4})
      .Node("Frobnicate", {"x"}, {"y"}, {}, "com.example")
      .Output("y", DType::kFloat32);
  testing::WriteModel(b.Build(), dir_ / "custom.onnx");
  ExpectUsageError((dir_ / "custom.onnx").string() + kFast, "Frobnicate");
}

TEST_F(BenchCli, InputFileOfTheWrongShape) {
  // A valid .npy of float32 shape (1, 3, 28, 28): not the model's [N,3,32,32].
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 28, 28), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  bytes += std::string(3 * 28 * 28 * 4, '\0');
  testing::WriteFile(dir_ / "x.npy", bytes);
  ExpectUsageError(model_ + " --input " + (dir_ / "x.npy").string() + kFast, "has shape [1,3,28,28]");
}

TEST_F(BenchCli, BatchZero) { ExpectUsageError(model_ + " --batch 0" + kFast, "--batch: 0 is not a positive integer"); }

// The batch dimension is set by --batch alone: a --dim for it would run
// batches of another size than the report says; a --dim naming nothing is a typo.
TEST_F(BenchCli, DimNamingTheBatchOrNoDimensionIsAnError) {
  ExpectUsageError(model_ + " --batch 8 --dim N=64" + kFast,
                   "'N' is the batch dimension, set by the batch size: pass --batch 64");
  ExpectUsageError(model_ + " --dim input:0=64" + kFast, "pass --batch 64");
  ExpectUsageError(model_ + " --dim Q=3" + kFast, "no dynamic dimension other than the batch");
}

// [?,3,?,?]: unnamed dimensions are set as INPUT:AXIS, or come from the shape
// of the --input array.
TEST_F(BenchCli, UnnamedDimensionsFromInputAxisOrTheInputArray) {
  GraphBuilder b("unnamed");
  b.Input("x", DType::kFloat32, {-1, 3, -1, -1}).Node("GlobalAveragePool", {"x"}, {"y"}).Output("y", DType::kFloat32);
  const std::string model = testing::WriteModel(b.Build(), dir_ / "unnamed.onnx").string();
  ExpectUsageError(model + kFast, "--dim x:2=VALUE --dim x:3=VALUE");
  ExpectUsageError(model + " --dim x:2=8 --dim H=8" + kFast, "no dynamic dimension named 'H' (it has: x:2, x:3)");
  auto r = RunCli("bench " + model + " --dim x:2=8 --dim x:3=6 --json -" + kFast);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 5, 7), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  bytes += std::string(3 * 5 * 7 * 4, '\0');
  testing::WriteFile(dir_ / "x.npy", bytes);
  r = RunCli("bench " + model + " --batch 2 --input " + (dir_ / "x.npy").string() + kFast);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A malformed shape in the .npy header once escaped as an exception from
// std::stoll and terminated the process; now it is one line and exit 2.
TEST_F(BenchCli, InputFileWithAMalformedHeaderShape) {
  for (const std::string shape : {"(1, x3, 32, 32)", "(99999999999999999999999, 3, 32, 32)", "(1, -3, 32, 32)"}) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    const std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
    testing::WriteFile(dir_ / "bad.npy", bytes + std::string(64, '\0'));
    ExpectUsageError(model_ + " --input " + (dir_ / "bad.npy").string() + kFast, "bad.npy");
  }
}

TEST_F(BenchCli, UnknownScenario) { ExpectUsageError(model_ + " --scenario burst" + kFast, "burst"); }

TEST_F(BenchCli, UnknownFlag) { ExpectUsageError(model_ + " --frobnicate", "frobnicate"); }

TEST_F(BenchCli, HelpExplainsTheScenarios) {
  const auto r = RunCli("bench --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("single-stream"), std::string::npos);
  EXPECT_NE(r.out.find("--target-ci"), std::string::npos);
}

// --runtime picks the engine the measuring child loads; the result names it.
TEST_F(BenchCli, RuntimeChoosesTheEngineAndAnUnknownOneListsTheOthers) {
  const auto r = RunCli("bench " + model_ + " --runtime opencv-dnn --json -" + kFast);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["results"][0]["backend"], "opencv-dnn@4.6.0") << r.out;
  EXPECT_EQ(doc["results"][0]["backend_version"], "4.6.0");
  ExpectUsageError(model_ + " --runtime tensorflow" + kFast, "--runtime: unknown backend 'tensorflow' (available: ");
  EXPECT_NE(RunCli("bench " + model_ + " --runtime tensorflow" + kFast).err.find("opencv-dnn"), std::string::npos);
}

// A model one runtime cannot import fails there with its one-line reason.
TEST_F(BenchCli, AModelOpenCvCannotImportFailsInOneLineNamingTheNode) {
  GraphBuilder b("hardmax");
  b.Input("x", DType::kFloat32, {-1, 4}, {"N"})
      .Node("Hardmax", {"x"}, {"y"})
      .Output("y", DType::kFloat32, {-1, 4}, {"N"});
  const std::string path = testing::WriteModel(b.Build(), dir_ / "hardmax.onnx").string();
  ExpectUsageError(path + " --runtime opencv-dnn" + kFast, "node 'Hardmax_1': OpenCV DNN has no Hardmax layer");
  const auto ort = RunCli("bench " + path + kFast);
  EXPECT_EQ(ort.exit_code, 0) << ort.err;
}

bool HasRuntime(const std::string& name) {
  const auto names = BackendNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Several --runtime values in one run: each runtime runs in children of its
// own (a process holds one ONNX Runtime version), one result per runtime,
// labelled by its engine name.
TEST_F(BenchCli, SeveralRuntimesInOneRunGiveOneResultEachNamedByItsEngine) {
  if (!HasRuntime("onnxruntime@1.30.0")) GTEST_SKIP() << "ONNX Runtime 1.30.0 is missing: run scripts/bootstrap";
  auto linked = CreateBackend("onnxruntime");
  ASSERT_TRUE(linked.ok()) << linked.status().ToString();
  if ((*linked)->name() == "onnxruntime@1.30.0") GTEST_SKIP() << "the build links 1.30.0: no second version";
  const std::string runtimes = " --runtime onnxruntime --runtime onnxruntime@1.30.0,opencv-dnn";
  const auto r = RunCli("bench " + model_ + runtimes + " --json -" + kFast);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["results"].size(), 3U) << r.out;
  EXPECT_EQ(doc["results"][0]["backend"], (*linked)->name());
  EXPECT_EQ(doc["results"][1]["backend"], "onnxruntime@1.30.0");
  EXPECT_EQ(doc["results"][1]["backend_version"], "1.30.0");
  EXPECT_EQ(doc["results"][2]["backend"], "opencv-dnn@4.6.0");
  for (const auto& result : doc["results"]) {
    EXPECT_EQ(result["model_path"], model_);
    EXPECT_GT(result["memory"]["runtime_baseline_rss_bytes"].get<int64_t>(), 0);  // each runtime weighed alone
  }
  EXPECT_TRUE(doc["failures"].empty());

  const auto text = RunCli("bench " + model_ + runtimes + " --duration-s 0.2 --max-duration-s 1 --min-count 20");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto first = text.out.find("runtime    " + (*linked)->name() + " ");
  const auto second = text.out.find("runtime    onnxruntime@1.30.0 1.30.0");
  const auto third = text.out.find("runtime    opencv-dnn@4.6.0 4.6.0");
  ASSERT_NE(first, std::string::npos) << text.out;
  EXPECT_LT(first, second) << text.out;
  EXPECT_LT(second, third) << text.out;
  EXPECT_NE(third, std::string::npos) << text.out;
}

// A model one runtime cannot import fails under that runtime only: one line
// naming the model, the runtime and the reason; the other runtime's result is
// printed and written; the exit status is the failure's (2: OpenCV lacks an
// operator of valid input).
TEST_F(BenchCli, AModelOneRuntimeCannotLoadFailsOnlyUnderThatRuntime) {
  GraphBuilder b("hardmax");
  b.Input("x", DType::kFloat32, {-1, 4}, {"N"})
      .Node("Hardmax", {"x"}, {"y"})
      .Output("y", DType::kFloat32, {-1, 4}, {"N"});
  const std::string path = testing::WriteModel(b.Build(), dir_ / "hardmax.onnx").string();
  const auto r = RunCli("bench " + path + " --runtime onnxruntime,opencv-dnn --json -" + kFast);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["results"].size(), 1U) << r.out;
  EXPECT_EQ(doc["results"][0]["backend"].get<std::string>().rfind("onnxruntime@", 0), 0U);
  ASSERT_EQ(doc["failures"].size(), 1U) << r.out;
  EXPECT_EQ(doc["failures"][0]["model_path"], path);
  EXPECT_EQ(doc["failures"][0]["runtime"], "opencv-dnn");
  EXPECT_EQ(doc["failures"][0]["code"], "unsupported");
  const std::string line =
      "sweetspot: error: opencv-dnn cannot import '" + path + "': node 'Hardmax_1': OpenCV DNN has no Hardmax layer\n";
  EXPECT_EQ(r.err, line + "sweetspot: error: 1 of 2 model/runtime pairs failed (each named above)\n");

  const auto text = RunCli("bench " + path + " --runtime onnxruntime,opencv-dnn --duration-s 0.2 --min-count 20");
  EXPECT_EQ(text.exit_code, 2) << text.err;
  EXPECT_NE(text.out.find("runtime    onnxruntime@"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("p50"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("opencv-dnn@"), std::string::npos) << text.out;
  EXPECT_NE(text.err.find(line), std::string::npos) << text.err;
}

// OpenCV imports this Add of a [N,3,4] and a [N,1,4] input but fails inside
// the first forward(): one line naming the layer, exit 2; ONNX Runtime measures it.
TEST_F(BenchCli, AModelOpenCvFailsToRunNamesTheLayerInOneLine) {
  GraphBuilder b("broadcast");
  b.Input("a", DType::kFloat32, {-1, 3, 4}, {"N"})
      .Input("b", DType::kFloat32, {-1, 1, 4}, {"N"})
      .Node("Add", {"a", "b"}, {"y"})
      .Output("y", DType::kFloat32, {-1, 3, 4}, {"N"});
  const std::string path = testing::WriteModel(b.Build(), dir_ / "broadcast.onnx").string();
  const auto r = RunCli("bench " + path + " --runtime onnxruntime,opencv-dnn --json -" + kFast);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["results"].size(), 1U) << r.out;
  ASSERT_EQ(doc["failures"].size(), 1U) << r.out;
  const std::string message = doc["failures"][0]["message"];
  EXPECT_EQ(message.rfind("opencv-dnn cannot run '" + path + "' at layer 'Add_1' (Scale): OpenCV's check '", 0), 0U)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(Lines(r.err), 2U) << r.err;  // its line and the count of failures
}

// A runtime that cannot run fails before any model is measured, naming it.
TEST_F(BenchCli, AnUnknownRuntimeAmongSeveralFailsBeforeMeasuring) {
  const auto r = RunCli("bench " + model_ + " --runtime onnxruntime,onnxruntime@0.0.1 --json -" + kFast);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Lines(r.err), 1U) << r.err;
  EXPECT_NE(r.err.find("--runtime: unknown backend 'onnxruntime@0.0.1' (available: onnxruntime, "), std::string::npos)
      << r.err;
}

TEST_F(BenchCli, PrintsAReadableTable) {
  const auto r = RunCli("bench " + model_ + " --duration-s 0.2 --max-duration-s 1 --min-count 20");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("single-stream, batch 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p50"), std::string::npos);
  EXPECT_NE(r.out.find("peak RSS"), std::string::npos);
}

// The hygiene warning proposes a thread count in bench's flags; applying it
// removes the warning.
TEST_F(BenchCli, ThreadsOverCoresWarningProposesAFlagThatRemovesIt) {
  const int usable = UsableCpuCount();
  const std::string run = "bench " + model_ + " --duration-s 0.1 --max-duration-s 0.5 --min-count 10 --threads ";
  const auto over = RunCli(run + std::to_string(usable + 1));
  ASSERT_EQ(over.exit_code, 0) << over.err;
  const std::string advice = "lower --threads to " + std::to_string(usable);
  EXPECT_NE(over.out.find("WARNING    " + std::to_string(usable + 1) + " runtime threads"), std::string::npos)
      << over.out;
  EXPECT_NE(over.out.find(advice), std::string::npos) << over.out;
  const auto fixed = RunCli(run + std::to_string(usable) + " --json -");
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  const auto doc = nlohmann::json::parse(fixed.out);  // outlives the loop
  for (const auto& w : doc["results"][0]["warnings"]) {
    EXPECT_NE(w["code"], "threads-over-cores") << fixed.out;
  }
}

// A QDQ ConvTranspose, which ONNX Runtime has no integer kernel for, runs in
// float: the JSON carries the note; quantized as the runtime fuses it (a QDQ
// Conv), the warning is gone.
TEST_F(BenchCli, AnUnfusedQdqLayerIsARuntimeFallbackWarning) {
  const auto fallbacks = [&](const std::string& op) {
    const std::string path = testing::WriteModel(testing::QdqLayerModel(op), dir_ / (op + ".onnx")).string();
    const auto r = RunCli("bench " + path + " --json -" + kFast);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    std::vector<std::string> messages;
    for (const auto& w : doc["results"][0]["warnings"]) {
      if (w["code"] == "runtime-fallback") messages.push_back(w["message"]);
    }
    return messages;
  };
  const auto unfused = fallbacks("ConvTranspose");
  ASSERT_EQ(unfused.size(), 1U);
  EXPECT_NE(unfused[0].find(" runs 1 of 1 quantized Conv/Gemm/MatMul nodes in float (DequantizeLinear -> "
                            "ConvTranspose x1 not fused): 100 % of MACs"),
            std::string::npos)
      << unfused[0];
  EXPECT_TRUE(unfused[0].starts_with("onnxruntime@")) << unfused[0];
  EXPECT_TRUE(fallbacks("Conv").empty());
}

// Validates with Debian's python3-jsonschema (installed by scripts/bootstrap).
TEST_F(BenchCli, JsonValidatesAgainstTheDocumentedSchema) {
  if (std::system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) {  // NOLINT
    GTEST_SKIP() << "python3-jsonschema is missing: run scripts/bootstrap";
  }
  const auto json_path = dir_ / "out.json";
  const auto r =
      RunCli("bench " + model_ + " --scenario all --batch 1,2 --concurrency 2 --json " + json_path.string() + kFast);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string schema = std::string(SWEETSPOT_TEST_DIR) + "/../docs/bench-result.schema.json";
  const std::string cmd =
      "/usr/bin/python3 -c \"import json,sys,jsonschema; s=json.load(open(sys.argv[1])); "
      "jsonschema.Draft202012Validator.check_schema(s); "
      "jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[2])))\" '" +
      schema + "' '" + json_path.string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);  // NOLINT
  // A document that breaks the schema must fail, or the check proves nothing.
  std::ifstream in(json_path);
  auto doc = nlohmann::json::parse(in);
  doc["results"][0]["load_ms"] = "fast";
  std::ofstream(dir_ / "broken.json") << doc.dump();
  const std::string broken = cmd.substr(0, cmd.rfind('\'', cmd.size() - 2) + 1) + (dir_ / "broken.json").string() + "'";
  EXPECT_NE(std::system((broken + " 2>/dev/null").c_str()), 0);  // NOLINT
}

TEST_F(BenchCli, PeakRssAgreesWithUsrBinTime) {
  if (!std::filesystem::exists("/usr/bin/time")) GTEST_SKIP() << "/usr/bin/time is missing: run scripts/bootstrap";
  const auto json_path = dir_ / "out.json";
  const auto time_path = dir_ / "time.txt";
  const std::string cmd = "/usr/bin/time -v -o '" + time_path.string() + "' '" + SWEETSPOT_CLI_PATH + "' bench " +
                          model_ + " --json " + json_path.string() + kFast;
  ASSERT_EQ(std::system(cmd.c_str()), 0);  // NOLINT
  std::ifstream time_in(time_path);
  std::string text((std::istreambuf_iterator<char>(time_in)), std::istreambuf_iterator<char>());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(Maximum resident set size \(kbytes\): (\d+))"))) << text;
  const double time_bytes = std::stod(m[1]) * 1024;
  std::ifstream json_in(json_path);
  const auto memory = nlohmann::json::parse(json_in)["results"][0]["memory"];
  EXPECT_TRUE(memory["isolated"].get<bool>());
  // /usr/bin/time's figure is the largest process in the tree: the child.
  EXPECT_NEAR(memory["process_peak_rss_bytes"].get<double>(), time_bytes, 0.05 * time_bytes);
  EXPECT_NEAR(memory["peak_rss_bytes"].get<double>(), time_bytes, 0.05 * time_bytes);
  EXPECT_GT(memory["growth_bytes"].get<double>(), 0);
}

// In one process only the first model's memory is its own: the second (the
// same model again) would read a fraction of it, so it is marked, not given.
TEST_F(BenchCli, NoIsolateMeasuresOnlyTheFirstModel) {
  const auto r = RunCli("bench " + model_ + " " + model_ + " --no-isolate --json -" + kFast);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["results"].size(), 2U);
  const auto& first = doc["results"][0]["memory"];
  const auto& second = doc["results"][1]["memory"];
  EXPECT_TRUE(first["measured"].get<bool>());
  EXPECT_GT(first["model_rss_bytes"].get<std::int64_t>(), 0);
  EXPECT_FALSE(second["measured"].get<bool>());
  EXPECT_EQ(second["model_rss_bytes"].get<std::int64_t>(), 0);
  EXPECT_EQ(second["growth_bytes"].get<std::int64_t>(), 0);
  const auto text =
      RunCli("bench " + model_ + " " + model_ + " --no-isolate --duration-s 0.2 --max-duration-s 1 --min-count 20");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("memory     not measured: this process loaded another model before"), std::string::npos)
      << text.out;
}

TEST_F(BenchCli, KeepsMeasuredResultsWhenAnotherModelFails) {
  testing::WriteFile(dir_ / "bad.onnx", "garbage");
  const auto json_path = dir_ / "out.json";
  const auto r =
      RunCli("bench " + model_ + " " + (dir_ / "bad.onnx").string() + " --json " + json_path.string() + kFast);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  std::ifstream in(json_path);
  const auto doc = nlohmann::json::parse(in);
  ASSERT_EQ(doc["results"].size(), 1U);
  EXPECT_EQ(doc["results"][0]["model_path"], model_);
  ASSERT_EQ(doc["failures"].size(), 1U);
  EXPECT_NE(doc["failures"][0]["message"].get<std::string>().find("bad.onnx"), std::string::npos);
}

// A --dim applies to the models that have that dimension, fails only when
// none has it, and every message about one of several models names its file.
TEST_F(BenchCli, DimAppliesToTheModelsThatHaveIt) {
  GraphBuilder b("symbolic");
  b.Input("x", DType::kFloat32, {-1, 3, -1, -1}, {"N", "", "H", "W"})
      .Node("GlobalAveragePool", {"x"}, {"y"})
      .Output("y", DType::kFloat32);
  const std::string symbolic = testing::WriteModel(b.Build(), dir_ / "symbolic.onnx").string();
  const std::string both = model_ + " " + symbolic;
  const auto ok = RunCli("bench " + both + " --dim H=8 --dim W=8 --json -" + kFast);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["results"].size(), 2U);

  ExpectUsageError(both + " --dim Q=3" + kFast, "--dim: dimension 'Q' = 3 is a dynamic dimension of no model (" +
                                                    model_ + ": none besides the batch; " + symbolic +
                                                    ": H, W, x:2, x:3)");
  const auto missing = RunCli("bench " + both + kFast);
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("error: " + symbolic + ": input 'x'"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("pass --dim H=VALUE --dim W=VALUE"), std::string::npos) << missing.err;
}

// An output that cannot be written fails before anything is measured, and
// the fix the message proposes works.
TEST_F(BenchCli, UnwritableJsonFailsBeforeMeasuringAndTheFixWorks) {
  testing::WriteFile(dir_ / "somefile", "x");
  const std::string blocked = (dir_ / "somefile" / "b.json").string();
  ExpectUsageError(model_ + kFast + " --json '" + blocked + "'",
                   "--json: '" + (dir_ / "somefile").string() + "' is a file, not a folder");
  ExpectUsageError(model_ + kFast + " --json /proc/b.json", "--json: cannot create files in folder '/proc'");
  const std::string missing = (dir_ / "new" / "b.json").string();
  ExpectUsageError(model_ + kFast + " --json '" + missing + "'", "mkdir -p '" + (dir_ / "new").string() + "'");

  std::filesystem::create_directories(dir_ / "new");
  const auto r = RunCli("bench " + model_ + kFast + " --json '" + missing + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(missing));
}

// "--threads 0" means the CPUs this process may use (or OMP_NUM_THREADS),
// and the report records the count used and the facts behind it.
// --no-spinning and --no-arena reach the runtime and the report; CPU time is reported.
TEST_F(BenchCli, SpinningAndArenaFlagsAreRecordedWithTheCpuTime) {
  const auto r = RunCli("bench " + model_ + kFast + " --threads 2 --no-spinning --no-arena --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto result = nlohmann::json::parse(r.out)["results"][0];
  EXPECT_EQ(result["options"]["allow_spinning"], false);
  EXPECT_EQ(result["options"]["memory_arena"], false);
  EXPECT_GT(result["single_stream"]["cpu_ms_per_inference"].get<double>(), 0);
  const auto text =
      RunCli("bench " + model_ + " --duration-s 0.2 --max-duration-s 1 --min-count 20 --no-spinning --no-arena");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(", no spinning, no memory arena"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("CPUs busy"), std::string::npos) << text.out;
}

TEST_F(BenchCli, ZeroThreadsFollowTheAffinityMaskAndOmpNumThreads) {
  auto r = testing::RunCliUnder("taskset -c 0", "bench " + model_ + kFast + " --threads 0 --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = nlohmann::json::parse(r.out)["results"][0];
  EXPECT_EQ(result["options"]["intra_op_threads"], 1);
  EXPECT_EQ(result["environment"]["usable_cpus"], 1);
  EXPECT_EQ(result["environment"]["affinity"], nlohmann::json::array({0}));

  r = testing::RunCliUnder("env OMP_NUM_THREADS=3", "bench " + model_ + kFast + " --threads 0 --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  result = nlohmann::json::parse(r.out)["results"][0];
  EXPECT_EQ(result["options"]["intra_op_threads"], 3);
  EXPECT_EQ(result["environment"]["omp_num_threads"], 3);
}

// The shared NanoDet models list their 150 weights as graph inputs too:
// ONNX Runtime warns once per weight at every load; one line carries the hint.
TEST(BenchCliLog, InitializersListedAsInputsWarnOnce) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "voc100-nanodet/models/nanodet_m.onnx");
  const testing::CommandResult run =
      RunCli("bench " + model.string() + " --duration-s 0.2 --max-duration-s 1 --min-count 20");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::size_t warnings = 0;
  for (std::size_t at = run.err.find("appears in graph inputs"); at != std::string::npos;
       at = run.err.find("appears in graph inputs", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1U) << run.err;
}

}  // namespace
}  // namespace sweetspot
