// The study spec: every key read, and each bad input of the study issue gives
// one line naming the file, the table and the key.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/study.h"

namespace sweetspot {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

class SpecTest : public ::testing::Test {
 protected:
  SpecTest() {
    fs::create_directories(dir_ / "images");
    testing::WriteFile(dir_ / "a.onnx", "x");
    testing::WriteFile(dir_ / "b.onnx", "x");
  }

  Result<StudySpec> Parse(const std::string& text) { return ParseStudySpec(text, dir_ / "study.toml"); }

  // A valid spec plus `extra`: top-level keys go first (TOML puts keys after
  // a table header into that table), tables last.
  Result<StudySpec> ParseWith(const std::string& extra) {
    const std::string body = "[dataset]\npath = \"images\"\n[[models]]\npath = \"a.onnx\"\n";
    return Parse(!extra.empty() && extra[0] != '[' ? extra + body : body + extra);
  }

  TempDir dir_;
};

TEST_F(SpecTest, ReadsEveryKey) {
  auto spec = Parse(R"(
name = "demo"
objective = "max-accuracy"
reference = "big"
variants = ["identity"]

[dataset]
path = "images"
limit = 100
seed = 7
[dataset.preprocess]
mean = [0.5, 0.5, 0.5]

[[models]]
path = "a.onnx"

[[models]]
name = "big"
path = "b.onnx"
[models.preprocess]
std = 0.25

[runtime]
scenario = ["single-stream", "offline"]
batch = [1, 8]
threads = 2
duration_s = 0.5
max_duration_s = 3
min_count = 50
target_ci = 0.05
eval_batch = 16
eval_threads = 1
timeout_s = 60

[constraints]
min_top1 = 0.82
max_p50_ms = 5
max_p99_ms = 9.5
min_items_per_s = 100
max_peak_memory_mb = 250
max_model_memory_mb = 40
max_size_mb = 4.5
)");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "demo");
  EXPECT_EQ(spec->objective, Objective::kMaxAccuracy);
  EXPECT_EQ(spec->reference, "big");
  EXPECT_EQ(spec->dataset_path, dir_.path() / "images");
  EXPECT_EQ(spec->limit, 100U);
  EXPECT_EQ(spec->seed, 7U);
  EXPECT_THAT(spec->dataset_preprocess_toml, HasSubstr("mean = [ 0.5, 0.5, 0.5 ]"));
  ASSERT_EQ(spec->models.size(), 2U);
  EXPECT_EQ(spec->models[0].name, "a");  // the file's stem
  EXPECT_EQ(spec->models[0].path, dir_.path() / "a.onnx");
  EXPECT_TRUE(spec->models[0].preprocess_toml.empty());
  EXPECT_THAT(spec->models[1].preprocess_toml, HasSubstr("std = 0.25"));
  ASSERT_EQ(spec->settings.size(), 4U);
  EXPECT_EQ(spec->settings[0].Label(), "single-stream b1 t2");
  EXPECT_EQ(spec->settings[3].Label(), "offline b8 t2");
  EXPECT_EQ(spec->duration_s, 0.5);
  EXPECT_EQ(spec->max_duration_s, 3.0);
  EXPECT_EQ(spec->min_count, 50U);
  EXPECT_EQ(spec->target_ci, 0.05);
  EXPECT_EQ(spec->eval_batch, 16);
  EXPECT_EQ(spec->eval_threads, 1);
  EXPECT_EQ(spec->timeout_s, 60.0);
  EXPECT_EQ(spec->constraints.min_top1, 0.82);
  EXPECT_EQ(spec->constraints.max_p50_ms, 5.0);
  EXPECT_EQ(spec->constraints.max_p99_ms, 9.5);
  EXPECT_EQ(spec->constraints.min_items_per_s, 100.0);
  EXPECT_EQ(spec->constraints.max_peak_memory_bytes, 250'000'000);
  EXPECT_EQ(spec->constraints.max_model_memory_bytes, 40'000'000);
  EXPECT_EQ(spec->constraints.max_size_bytes, 4'500'000);
}

TEST_F(SpecTest, DefaultsForAMinimalSpec) {
  auto spec = ParseWith("");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "study");  // the spec file's stem
  EXPECT_EQ(spec->objective, Objective::kMaxThroughput);
  ASSERT_EQ(spec->settings.size(), 1U);
  EXPECT_EQ(spec->settings[0].Label(), "single-stream b1 t1");
  EXPECT_FALSE(spec->constraints.min_top1.has_value());
  EXPECT_FALSE(spec->cascade.has_value());

  StudySpec quick = *spec;
  MakeQuick(quick);
  EXPECT_EQ(quick.limit, kQuickLimit);
  EXPECT_LE(quick.duration_s, 0.3);
}

TEST_F(SpecTest, CascadeNamesTwoCandidates) {
  auto spec = ParseWith("[cascade]\nfast = \"a\"\naccurate = \"a/int8-static:entropy\"\nmax_drop_points = 0.5\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_TRUE(spec->cascade.has_value());
  EXPECT_EQ(spec->cascade->fast, "a");
  EXPECT_EQ(spec->cascade->accurate, "a/int8-static:entropy");
  EXPECT_DOUBLE_EQ(spec->cascade->max_drop_points, 0.5);
  auto defaults = ParseWith("[cascade]\nfast = \"a/fp16\"\naccurate = \"a\"\n");
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_DOUBLE_EQ(defaults->cascade->max_drop_points, kDefaultMaxDropPoints);
}

struct BadSpec {
  std::string extra;
  StatusCode code;
  std::vector<std::string> fragments;
};

TEST_F(SpecTest, BadInputNamesTheFileTableAndKey) {
  const std::vector<BadSpec> cases = {
      {"[runtime]\nthread = 2\n", StatusCode::kInvalidData, {"[runtime]", "unknown key 'thread'", "threads"}},
      {"colour = 1\n", StatusCode::kInvalidData, {"(top level)", "unknown key 'colour'"}},
      {"[[models]]\npath = \"missing.onnx\"\n",
       StatusCode::kNotFound,
       {"[[models]] #2 path", "missing.onnx' does not exist"}},
      {"[[models]]\nname = \"a\"\npath = \"b.onnx\"\n", StatusCode::kInvalidData, {"'a' names two models"}},
      {"objective = \"fastest\"\n", StatusCode::kInvalidData, {"objective", "unknown objective 'fastest'"}},
      {"reference = \"zzz\"\n", StatusCode::kInvalidData, {"reference", "'zzz' is not a model name"}},
      {"variants = [\"int8\"]\n", StatusCode::kInvalidData, {"variants", "variant 'int8': unknown transform 'int8'"}},
      {"[constraints]\nmin_top1 = 82\n", StatusCode::kInvalidData, {"[constraints] min_top1", "write 0.82 for 82 %"}},
      {"[constraints]\nmax_p99_ms = -1\n", StatusCode::kInvalidData, {"[constraints] max_p99_ms", "must be > 0"}},
      {"[runtime]\nscenario = \"concurrent\"\n", StatusCode::kInvalidData, {"not a study scenario"}},
      {"[runtime]\nbatch = 0\n", StatusCode::kInvalidData, {"[runtime] batch", ">= 1"}},
      {"[models.preprocess]\ncolor = \"purple\"\n",
       StatusCode::kInvalidArgument,
       {"[[models]] #1 preprocess line 6", "purple"}},
      {"name = \n", StatusCode::kInvalidData, {"study.toml line 1"}},
      {"[cascade]\nfast = \"zzz\"\naccurate = \"a\"\n",
       StatusCode::kInvalidData,
       {"[cascade] fast", "'zzz' is not a model name (names: a)"}},
      {"[cascade]\nfast = \"a\"\n", StatusCode::kInvalidData, {"[cascade] accurate", "is missing"}},
      {"[cascade]\nfast = \"a\"\naccurate = \"a\"\n", StatusCode::kInvalidData, {"[cascade] accurate", "pick two"}},
      {"[cascade]\nfast = \"a\"\naccurate = \"a/fp16\"\nmax_drop_points = -1\n",
       StatusCode::kInvalidData,
       {"[cascade] max_drop_points", "must be >= 0"}},
      {"[cascade]\nfast = \"a\"\nslow = \"a\"\n", StatusCode::kInvalidData, {"[cascade]", "unknown key 'slow'"}},
  };
  for (const auto& c : cases) {
    auto spec = ParseWith(c.extra);
    ASSERT_FALSE(spec.ok()) << c.extra;
    EXPECT_EQ(spec.status().code(), c.code) << c.extra << " -> " << spec.status().ToString();
    EXPECT_THAT(spec.status().message(), HasSubstr("study.toml")) << c.extra;
    EXPECT_EQ(spec.status().message().find('\n'), std::string::npos) << c.extra;
    for (const auto& f : c.fragments) EXPECT_THAT(spec.status().message(), HasSubstr(f)) << c.extra;
  }
}

// Equal runtime values would make identical candidates ranked on timing noise.
TEST_F(SpecTest, ARuntimeValueListedTwiceIsRefused) {
  for (const std::string runtime : {"threads = [1, 1]", "batch = [8, 1, 8]", "scenario = [\"offline\", \"offline\"]"}) {
    auto spec = ParseWith("[runtime]\n" + runtime + "\n");
    ASSERT_FALSE(spec.ok()) << runtime;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << runtime;
    EXPECT_THAT(spec.status().message(), HasSubstr("study.toml line 6 [runtime]")) << runtime;
    EXPECT_THAT(spec.status().message(), HasSubstr("twice; list each value once")) << runtime;
  }
  auto fixed = ParseWith("[runtime]\nthreads = [1, 2]\n");  // the fix: each value once
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->settings.size(), 2u);
}

// Each runtime axis is a value or a list; the settings are every combination,
// labelled by what differs from the defaults.
TEST_F(SpecTest, RuntimeAxesMakeEveryCombination) {
  auto spec = ParseWith("[runtime]\nthreads = [1, 2]\ngraph_optimization = [\"basic\", \"all\"]\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  std::vector<std::string> labels;
  for (const RuntimeSetting& s : spec->settings) labels.push_back(s.Label());
  EXPECT_THAT(labels, ::testing::ElementsAre("single-stream b1 t1 opt:basic", "single-stream b1 t1",
                                             "single-stream b1 t2 opt:basic", "single-stream b1 t2"));

  auto every = ParseWith(
      "[runtime]\nengine = \"onnxruntime\"\ninter_op_threads = 2\nexecution_mode = \"parallel\"\n"
      "spinning = false\nmemory_arena = [true, false]\nbatch = 8\nscenario = \"offline\"\n");
  ASSERT_TRUE(every.ok()) << every.status().ToString();
  ASSERT_EQ(every->settings.size(), 2u);
  const RuntimeSetting& s = every->settings[1];
  EXPECT_EQ(s.engine, "onnxruntime");
  EXPECT_EQ(s.inter_op_threads, 2);
  EXPECT_EQ(s.execution_mode, ExecutionMode::kParallel);
  EXPECT_FALSE(s.allow_spinning);
  EXPECT_FALSE(s.memory_arena);
  EXPECT_EQ(s.Label(), "offline b8 t1 inter2 mode:parallel spin:off arena:off");
  EXPECT_EQ(every->settings[0].Label(), "offline b8 t1 inter2 mode:parallel spin:off");

  RuntimeSetting other;
  other.engine = "onnxruntime@1.30.0";
  EXPECT_EQ(other.Label(), "onnxruntime@1.30.0 single-stream b1 t1");
}

TEST_F(SpecTest, BadRuntimeAxesNameTheKeyAndTheValues) {
  const std::vector<BadSpec> cases = {
      {"[runtime]\nengine = \"tensorflow\"\n",
       StatusCode::kInvalidArgument,
       {"line 6 [runtime] engine", "unknown engine 'tensorflow'; use one of: onnxruntime"}},
      {"[runtime]\ngraph_optimization = \"max\"\n",
       StatusCode::kInvalidData,
       {"[runtime] graph_optimization", "'max'", "disabled, basic, extended or all"}},
      {"[runtime]\nexecution_mode = [\"fast\"]\n",
       StatusCode::kInvalidData,
       {"[runtime] execution_mode", "sequential or parallel"}},
      {"[runtime]\nspinning = \"off\"\n", StatusCode::kInvalidData, {"[runtime] spinning", "true, false"}},
      {"[runtime]\nmemory_arena = [true, true]\n", StatusCode::kInvalidArgument, {"[runtime] memory_arena", "twice"}},
      {"[runtime]\ninter_op_threads = -1\n", StatusCode::kInvalidData, {"[runtime] inter_op_threads", ">= 0"}},
  };
  for (const auto& c : cases) {
    auto spec = ParseWith(c.extra);
    ASSERT_FALSE(spec.ok()) << c.extra;
    EXPECT_EQ(spec.status().code(), c.code) << c.extra << " -> " << spec.status().ToString();
    EXPECT_EQ(spec.status().message().find('\n'), std::string::npos) << c.extra;
    for (const auto& f : c.fragments) EXPECT_THAT(spec.status().message(), HasSubstr(f)) << c.extra;
  }
  // The fix the engine error proposes: a name it lists.
  for (const std::string& name : BackendNames()) {
    auto fixed = ParseWith("[runtime]\nengine = \"" + name + "\"\n");
    ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
    EXPECT_EQ(fixed->settings.front().engine, name);
  }
}

// Valid TOML is valid: an inline preprocess table reads like the dotted form.
TEST_F(SpecTest, InlinePreprocessTableIsRead) {
  auto inline_form = ParseWith("[[models]]\npath = \"b.onnx\"\npreprocess = { mean = [0.5, 0.5, 0.5], size = 32 }\n");
  ASSERT_TRUE(inline_form.ok()) << inline_form.status().ToString();
  auto dotted = ParseWith("[[models]]\npath = \"b.onnx\"\npreprocess.mean = [0.5, 0.5, 0.5]\npreprocess.size = 32\n");
  ASSERT_TRUE(dotted.ok()) << dotted.status().ToString();
  EXPECT_EQ(inline_form->models[1].preprocess_toml, dotted->models[1].preprocess_toml);
  auto parsed = ParsePreprocessToml(inline_form->models[1].preprocess_toml, "round trip");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->mean, (std::vector<double>{0.5, 0.5, 0.5}));
  EXPECT_EQ(parsed->width, 32);

  auto in_dataset = ParseWith("[dataset.preprocess]\ncolor = \"bgr\"\n");
  ASSERT_TRUE(in_dataset.ok()) << in_dataset.status().ToString();
  EXPECT_THAT(in_dataset->dataset_preprocess_toml, HasSubstr("bgr"));
}

// Errors point at the line of the key in the spec as written.
TEST_F(SpecTest, ErrorsNameTheKeyPathAndTheRealLine) {
  // Lines 1-4 are the base spec; the inline table is on line 7.
  auto spec = ParseWith("[[models]]\npath = \"b.onnx\"\npreprocess = { mean = \"grey\" }\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), HasSubstr("study.toml [[models]] #2 preprocess line 7: 'mean' must be"));
  auto dotted = ParseWith("[[models]]\npath = \"b.onnx\"\n\npreprocess.color = \"purple\"\n");
  ASSERT_FALSE(dotted.ok());
  EXPECT_THAT(dotted.status().message(), HasSubstr("preprocess line 8"));
  auto runtime = ParseWith("[runtime]\n\nduration_s = \"long\"\n");
  ASSERT_FALSE(runtime.ok());
  EXPECT_THAT(runtime.status().message(), HasSubstr("study.toml line 7 [runtime] duration_s: must be a number"));
}

TEST_F(SpecTest, ModelDimsTable) {
  auto spec = ParseWith("[[models]]\npath = \"b.onnx\"\ndims = { seq = 128, \"input:2\" = 32 }\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->models[1].dims, (std::map<std::string, std::int64_t>{{"input:2", 32}, {"seq", 128}}));
  auto bad = ParseWith("[[models]]\npath = \"b.onnx\"\ndims = { seq = 0 }\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("line 7 [[models]] #2 dims.seq: must be an integer >= 1"));
}

TEST_F(SpecTest, MissingDatasetOrModelsOrFile) {
  auto no_dataset = Parse("[[models]]\npath = \"a.onnx\"\n");
  EXPECT_THAT(no_dataset.status().message(), HasSubstr("[dataset]: missing"));
  auto missing_dataset = Parse("[dataset]\npath = \"nowhere\"\n[[models]]\npath = \"a.onnx\"\n");
  EXPECT_EQ(missing_dataset.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing_dataset.status().message(), AllOf(HasSubstr("[dataset] path"), HasSubstr("nowhere")));
  auto no_models = Parse("[dataset]\npath = \"images\"\n");
  EXPECT_THAT(no_models.status().message(), HasSubstr("no candidate models"));
  auto no_file = LoadStudySpec(dir_ / "nope.toml");
  EXPECT_EQ(no_file.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_file.status().message(), HasSubstr("nope.toml' does not exist"));
}

// A library error's fixes, named as the spec's keys: one table per kind of
// key, enum values quoted, lists and sizes as TOML arrays; what a spec cannot
// set (an input file) left out.
TEST(WithSpecFixes, NamesSpecKeysNeverFlags) {
  const Status status = Status::InvalidArgument("bad").WithFixes({{"color", "", {"gray"}},
                                                                  {"size", "", {"2", "2"}},
                                                                  {"mean", "", {"C1", "C2", "C3"}},
                                                                  {"dims", "H", {"VALUE"}},
                                                                  {"dims", "W", {"VALUE"}},
                                                                  {"batch", "", {"1"}},
                                                                  {"input", "NAME", {"a.npy"}}});
  const Status rendered = WithSpecFixes(status);
  EXPECT_EQ(rendered.message(),
            "bad: set [models.preprocess] color = \"gray\", size = [2, 2], mean = [C1, C2, C3] and [[models]] dims = "
            "{ H = VALUE, W = VALUE } and [runtime] batch = [1]");
  EXPECT_TRUE(rendered.fixes().empty());
  EXPECT_EQ(WithSpecFixes(Status::InvalidArgument("bad").WithFix({"input", "NAME", {"a.npy"}})).message(), "bad");
  // A decoder's layout is the model's decoder table's key, not a preprocessing one.
  EXPECT_EQ(WithSpecFixes(Status::InvalidArgument("bad").WithFix({"decoder", "", {"nanodet"}})).message(),
            "bad: set [models.detection] layout = \"nanodet\"");
  EXPECT_EQ(WithSpecFixes(Status::InvalidArgument("bad").WithFix({"keypoint_decoder", "", {"heatmap"}})).message(),
            "bad: set [models.keypoints] layout = \"heatmap\"");
}

}  // namespace
}  // namespace sweetspot
