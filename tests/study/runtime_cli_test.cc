// Real-world model files through every subcommand (issue 8, kinds 1, 4 and 5,
// and "memory a user can compare"): broken files get the same single line in
// inspect, bench, eval and study; float16 and ZipMap models are benched and
// evaluated; a model without class scores is named before any image is
// decoded; bench reports each model's own memory. All on the real binary.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/eval_fixtures.h"
#include "support/support.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCli;
using testing::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFastBench = " --duration-s 0.05 --max-duration-s 0.3 --min-count 5 -q";

std::size_t Lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The classifier of eval_fixtures.h with its weights W kept in `data_file` beside it.
onnx::ModelProto WithExternalWeights(onnx::ModelProto model, const fs::path& data_file) {
  auto* w = model.mutable_graph()->mutable_initializer(0);
  const std::string raw = w->raw_data();
  testing::WriteFile(data_file, raw);
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"location", data_file.filename().string()}, {"offset", "0"}, {"length", std::to_string(raw.size())}}) {
    auto* entry = w->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  }
  return model;
}

onnx::ModelProto WithOpset(onnx::ModelProto model, int64_t opset) {
  model.mutable_opset_import(0)->set_version(opset);
  return model;
}

// The classifier with a float16 input and output (Casts around the float32 body).
onnx::ModelProto Float16Model() {
  onnx::ModelProto m = testing::ChannelModel();
  auto* g = m.mutable_graph();
  g->mutable_input(0)->set_name("input16");
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT16);
  g->mutable_output(0)->set_name("output16");
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT16);
  onnx::ModelProto head = GraphBuilder("cast")
                              .Node("Cast", {"input16"}, {"input"}, {Attr("to", int64_t{onnx::TensorProto::FLOAT})})
                              .Node("Cast", {"output"}, {"output16"}, {Attr("to", int64_t{onnx::TensorProto::FLOAT16})})
                              .Build();
  auto nodes = g->node();
  g->clear_node();
  *g->add_node() = head.graph().node(0);
  for (const auto& n : nodes) *g->add_node() = n;
  *g->add_node() = head.graph().node(1);
  return m;
}

// The classifier's probabilities plus a scikit-learn style ZipMap of them: seq(map(int64,float)).
onnx::ModelProto ZipMapModel() {
  onnx::ModelProto m = testing::ChannelModel({-1, 3, 2, 2}, 3, /*softmax=*/true);
  onnx::ModelProto zip = GraphBuilder("zip")
                             .Node("ZipMap", {"output"}, {"output_probability"},
                                   {Attr("classlabels_int64s", std::vector<int64_t>{0, 1, 2})}, "ai.onnx.ml")
                             .Build();
  *m.mutable_graph()->add_node() = zip.graph().node(0);
  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(1);
  auto* out = m.mutable_graph()->add_output();
  out->set_name("output_probability");
  auto* map = out->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_map_type();
  map->set_key_type(onnx::TensorProto::INT64);
  map->mutable_value_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return m;
}

// The classifier followed by `op` over its scores: ArgMax -> int64 [N] labels, ReduceSum -> a float scalar.
onnx::ModelProto NoScoresModel(const std::string& op) {
  onnx::ModelProto m = testing::ChannelModel();
  auto* g = m.mutable_graph();
  g->mutable_output(0)->set_name("scores");
  onnx::ModelProto tail = op == "ArgMax" ? GraphBuilder("t")
                                               .Node("ArgMax", {"output"}, {"label"},
                                                     {Attr("axis", int64_t{1}), Attr("keepdims", int64_t{0})})
                                               .Output("label", DType::kInt64, {-1}, {"N"})
                                               .Build()
                                         : GraphBuilder("t")
                                               .Node("ReduceSum", {"output"}, {"total"}, {Attr("keepdims", int64_t{0})})
                                               .Output("total", DType::kFloat32)
                                               .Build();
  *g->add_node() = tail.graph().node(0);
  g->clear_output();
  *g->add_output() = tail.graph().output(0);
  return m;
}

// input x [1,2048] -> MatMul with 32 MiB of weights -> y [1,4096].
onnx::ModelProto BigModel() {
  return GraphBuilder("big")
      .Input("x", DType::kFloat32, {1, 2048})
      .RandomInitializer("W", {2048, 4096}, 7)
      .Node("MatMul", {"x", "W"}, {"y"})
      .Output("y", DType::kFloat32, {1, 4096})
      .Build();
}

class RuntimeCli : public ::testing::Test {
 protected:
  RuntimeCli() { testing::WriteRgbFolder(dir_ / "images"); }

  fs::path Model(const onnx::ModelProto& model, const std::string& name) {
    return testing::WriteModel(model, dir_ / name);
  }

  CommandResult Inspect(const fs::path& m) { return RunCli("inspect '" + m.string() + "'"); }
  CommandResult Bench(const fs::path& m, const std::string& more = "") {
    return RunCli("bench '" + m.string() + "'" + kFastBench + more);
  }
  CommandResult Eval(const fs::path& m, const std::string& more = "", const std::string& data = "images") {
    return RunCli("eval '" + m.string() + "' --data '" + (dir_ / data).string() + "' --no-cache" + more);
  }
  CommandResult Study(const fs::path& m, const std::string& constraints = "") {
    const fs::path spec = dir_ / "study.toml";
    testing::WriteFile(spec, "name = \"one\"\n[dataset]\npath = \"images\"\n[[models]]\nname = \"m\"\npath = \"" +
                                 m.filename().string() +
                                 "\"\n[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 5\n" +
                                 constraints);
    return RunCli("study '" + spec.string() + "' --db '" + (dir_ / "s.db").string() + "' --cache-dir '" +
                  (dir_ / "cache").string() + "'");
  }

  // Every subcommand: exit 2, `message` on stderr, one line, no colour codes
  // and none of ONNX Runtime's C++ signatures.
  void ExpectSameLineEverywhere(const fs::path& model, const std::string& message) {
    for (const auto& [name, run] : std::vector<std::pair<std::string, CommandResult>>{
             {"inspect", Inspect(model)}, {"bench", Bench(model)}, {"eval", Eval(model)}, {"study", Study(model)}}) {
      SCOPED_TRACE(name);
      EXPECT_EQ(run.exit_code, 2) << run.err;
      EXPECT_THAT(run.err, HasSubstr(message));
      EXPECT_EQ(Lines(run.err), 1U) << run.err;
      EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;
      EXPECT_THAT(run.err, Not(HasSubstr("onnxruntime::")));
      EXPECT_THAT(run.err, Not(HasSubstr(".cc:")));
    }
  }

  TempDir dir_;
};

TEST_F(RuntimeCli, OpsetTooNewIsOneLineEverywhereAndItsFixWorks) {
  const fs::path m = Model(WithOpset(testing::ChannelModel(), 99), "opset99.onnx");
  ExpectSameLineEverywhere(m, "model '" + m.string() +
                                  "' uses ONNX opset 99, newer than ONNX Runtime supports (up to 22): re-export it "
                                  "with opset 22 or lower");
  Model(WithOpset(testing::ChannelModel(), 22), "opset99.onnx");
  EXPECT_EQ(Eval(m).exit_code, 0);
}

TEST_F(RuntimeCli, OpsetTooOldIsOneLineEverywhere) {
  const fs::path m = Model(WithOpset(testing::ChannelModel(), 5), "opset5.onnx");
  ExpectSameLineEverywhere(m, "model '" + m.string() + "' uses ONNX opset 5, older than ONNX Runtime supports");
}

TEST_F(RuntimeCli, IrVersionTooNewIsOneLineEverywhereAndItsFixWorks) {
  onnx::ModelProto model = testing::ChannelModel();
  model.set_ir_version(11);
  const fs::path m = Model(model, "ir11.onnx");
  ExpectSameLineEverywhere(m, "model '" + m.string() +
                                  "' has ONNX IR version 11, newer than ONNX Runtime reads (up to 10): re-export it "
                                  "with ir_version 10 or lower");
  model.set_ir_version(10);
  Model(model, "ir11.onnx");
  EXPECT_EQ(Eval(m).exit_code, 0);
}

TEST_F(RuntimeCli, MissingExternalDataIsOneLineEverywhereAndItsFixWorks) {
  const fs::path m = Model(WithExternalWeights(testing::ChannelModel(), dir_ / "model.onnx.data"), "model.onnx");
  ASSERT_EQ(Bench(m).exit_code, 0);  // with its data file, the model is fine
  const std::string data = [&] {
    std::ifstream in(dir_ / "model.onnx.data", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  fs::remove(dir_ / "model.onnx.data");
  ExpectSameLineEverywhere(m, "model '" + m.string() +
                                  "' keeps its weights in 'model.onnx.data', which is missing: put that file beside "
                                  "the model");
  testing::WriteFile(dir_ / "model.onnx.data", data);
  EXPECT_EQ(Eval(m).exit_code, 0);
}

TEST_F(RuntimeCli, GitLfsPointerIsOneLineEverywhere) {
  const fs::path m = dir_ / "lfs.onnx";
  testing::WriteFile(m,
                     "version https://git-lfs.github.com/spec/v1\noid "
                     "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 102400\n");
  ExpectSameLineEverywhere(m, "'" + m.string() + "' is a Git LFS pointer, not the model: run `git lfs pull`");
}

TEST_F(RuntimeCli, GarbageBytesAreOneLineEverywhere) {
  const fs::path m = dir_ / "garbage.onnx";
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 7919 + 13) % 251);
  testing::WriteFile(m, bytes);
  ExpectSameLineEverywhere(m, "'" + m.string() + "' is not a valid ONNX model");
}

TEST_F(RuntimeCli, Float16ModelIsEvaluatedLikeItsFloat32TwinAndBenched) {
  const fs::path m16 = Model(Float16Model(), "half.onnx");
  const fs::path m32 = Model(testing::ChannelModel(), "single.onnx");
  // The error proposes --dtype float16; following it works.
  const auto refused = Eval(m16);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("pass --dtype float16"));
  const auto half = Eval(m16, " --dtype float16 --json -");
  ASSERT_EQ(half.exit_code, 0) << half.err;
  const auto single = Eval(m32, " --json -");
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_EQ(json::parse(half.out)["metrics"]["top1_correct"], 8);
  EXPECT_EQ(json::parse(half.out)["metrics"]["top1_correct"], json::parse(single.out)["metrics"]["top1_correct"]);
  const auto bench = Bench(m16, " --json -");
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_EQ(json::parse(bench.out)["results"][0]["outputs"][0]["dtype"], "float16");
}

TEST_F(RuntimeCli, ZipMapModelIsDescribedBenchedAndEvaluated) {
  const fs::path m = Model(ZipMapModel(), "zipmap.onnx");
  const auto inspect = Inspect(m);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_THAT(inspect.out, HasSubstr("seq(map(int64,float))"));
  EXPECT_THAT(inspect.out, Not(HasSubstr("float32 []")));
  const auto inspect_json = RunCli("inspect '" + m.string() + "' --json -");
  ASSERT_EQ(inspect_json.exit_code, 0) << inspect_json.err;
  EXPECT_EQ(json::parse(inspect_json.out)["outputs"][1]["type"], "seq(map(int64,float))");

  const auto bench = Bench(m, " --json -");
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_EQ(json::parse(bench.out)["results"][0]["outputs"][1]["value_type"], "seq(map(int64,float))");
  const auto eval = Eval(m, " --json -");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(json::parse(eval.out)["metrics"]["top1_correct"], 8);
}

TEST_F(RuntimeCli, ModelWithoutScoresIsNamedBeforeAnyImageIsDecoded) {
  // Unreadable images: decoding first would blame the dataset.
  for (const std::string cls : {"a", "b"}) {
    fs::create_directories(dir_ / "broken" / cls);
    for (int i = 0; i < 2; ++i) testing::WriteFile(dir_ / "broken" / cls / (std::to_string(i) + ".png"), "not a png");
  }
  for (const auto& [op, declared] : std::vector<std::pair<std::string, std::string>>{
           {"ArgMax", "output 'label' is int64 [N] (labels or indices, not scores)"},
           {"ReduceSum", "output 'total' is float32 [] (a scalar)"}}) {
    SCOPED_TRACE(op);
    const fs::path m = Model(NoScoresModel(op), op + ".onnx");
    const auto r = Eval(m, "", "broken");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("model '" + m.string() + "': " + declared));
    EXPECT_THAT(r.err, Not(HasSubstr("could be read")));
  }
}

// The peak mark is reset before each model, so the big model's weights do not
// show in the next one's peak; but only the first model's share is its own
// (the runtime keeps what the first made it allocate), so the second's is not given.
TEST_F(RuntimeCli, NoIsolatePeakIsResetAndALaterModelsShareIsNotGiven) {
  const fs::path big = Model(BigModel(), "big.onnx");
  const fs::path tiny = Model(testing::ChannelModel(), "tiny.onnx");
  const auto r = RunCli("bench '" + big.string() + "' '" + tiny.string() + "' --no-isolate --json -" + kFastBench);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  const json& first = doc["results"][0]["memory"];
  const json& second = doc["results"][1]["memory"];
  ASSERT_TRUE(first["measured"].get<bool>());
  EXPECT_GT(first["model_rss_bytes"].get<std::int64_t>(), 16 << 20);
  EXPECT_FALSE(second["measured"].get<bool>());
  EXPECT_EQ(second["model_rss_bytes"].get<std::int64_t>(), 0);
  // The 32 MiB of weights show in the first model's peak and not in the second's.
  EXPECT_LT(second["peak_rss_bytes"].get<std::int64_t>(), first["peak_rss_bytes"].get<std::int64_t>() - (16 << 20));
}

TEST_F(RuntimeCli, BenchReportsTheModelsOwnMemoryBesideThePeak) {
  const fs::path big = Model(BigModel(), "big.onnx");
  const fs::path tiny = Model(testing::ChannelModel(), "tiny.onnx");
  const auto r = RunCli("bench '" + big.string() + "' '" + tiny.string() + "' --json -" + kFastBench);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  const json& big_memory = doc["results"][0]["memory"];
  const json& tiny_memory = doc["results"][1]["memory"];
  const auto baseline = big_memory["runtime_baseline_rss_bytes"].get<std::int64_t>();
  EXPECT_GT(baseline, 10 << 20);                                   // the runtime and the tool, without any model
  EXPECT_EQ(tiny_memory["runtime_baseline_rss_bytes"], baseline);  // measured once per run
  for (const json* m : {&big_memory, &tiny_memory}) {
    EXPECT_EQ((*m)["model_rss_bytes"].get<std::int64_t>(),
              (*m)["process_peak_rss_bytes"].get<std::int64_t>() - baseline);
  }
  // The runtime's per-session cost (arena, thread pool) is the tiny model's
  // share; the big one adds its 32 MiB of weights on top.
  EXPECT_GT(big_memory["model_rss_bytes"].get<std::int64_t>(),
            tiny_memory["model_rss_bytes"].get<std::int64_t>() + (24 << 20));
  EXPECT_LT(tiny_memory["model_rss_bytes"].get<std::int64_t>(), 64 << 20);

  const auto text = RunCli("bench '" + tiny.string() + "' --duration-s 0.05 --max-duration-s 0.3 --min-count 5");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("the same process without a model"));
}

TEST_F(RuntimeCli, StudyShowsAndConstrainsTheModelsOwnMemory) {
  const fs::path m = Model(testing::ChannelModel(), "tiny.onnx");
  const auto r = Study(m, "[constraints]\nmax_model_memory_mb = 0.001\n");
  EXPECT_THAT(r.out, HasSubstr("model MB"));
  EXPECT_THAT(r.out, HasSubstr("fails model memory <= 0.001 MB by"));
  const auto loose = Study(m, "[constraints]\nmax_model_memory_mb = 500\n");
  ASSERT_EQ(loose.exit_code, 0) << loose.err;
  EXPECT_THAT(loose.out, HasSubstr("Recommended: m"));
  EXPECT_THAT(loose.out, HasSubstr("model memory"));
}

}  // namespace
}  // namespace sweetspot
