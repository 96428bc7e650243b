// Every error message that proposes a fix is followed: one table of {a command
// that fails, what its error must say (the fix it proposes), the command with
// that fix applied}, run through the built binary. The fixed command must exit
// 0; a message whose fix does not work fails here.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/detection_fixtures.h"
#include "support/detection_oracles.h"
#include "support/serve_process.h"
#include "support/support.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/results_store.h"

namespace sweetspot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCli;
using testing::RunCliUnder;
using testing::TempDir;
namespace fs = std::filesystem;

// A .npy file of float32 zeros; `little` false writes a big-endian header.
void WriteNpy(const fs::path& path, const std::string& shape, std::size_t elements, bool little = true) {
  std::string header =
      std::string("{'descr': '") + (little ? "<" : ">") + "f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  bytes += std::string(elements * 4, '\0');
  testing::WriteFile(path, bytes);
}

// Scores of `classes` classes from a [N,C,H,W] (or NHWC) image input: the
// per-channel means times a fixed matrix (channel c votes for class c).
onnx::ModelProto ImageModel(DType dtype, const Shape& shape, const std::vector<std::string>& dim_names,
                            bool nhwc = false, int classes = 3, const std::string& metadata = "") {
  GraphBuilder b("image");
  b.Input("x", dtype, shape, dim_names);
  const std::int64_t channels = nhwc ? shape[3] : shape[1];
  std::string at = "x";
  if (dtype != DType::kFloat32) {
    b.Node("Cast", {at}, {"xf"}, {Attr("to", int64_t{ToOnnxElementType(DType::kFloat32)})});
    at = "xf";
  }
  if (nhwc) {
    b.Node("Transpose", {at}, {"xt"}, {Attr("perm", std::vector<int64_t>{0, 3, 1, 2})});
    at = "xt";
  }
  std::vector<float> w(static_cast<std::size_t>(channels * classes), 0.0F);
  for (std::int64_t c = 0; c < channels && c < classes; ++c) w[static_cast<std::size_t>(c * classes + c)] = 1.0F;
  b.Initializer("W", {channels, classes}, w);
  b.Initializer("B", {classes}, std::vector<float>(static_cast<std::size_t>(classes), 0.0F));
  b.Node("GlobalAveragePool", {at}, {"pooled"});
  b.Node("Flatten", {"pooled"}, {"flat"}, {Attr("axis", int64_t{1})});
  b.Node("Gemm", {"flat", "W", "B"}, {"scores"});
  b.Output("scores", DType::kFloat32, {-1, classes}, {"N", ""});
  if (!metadata.empty()) b.Metadata("sweetspot.preprocess", metadata);
  return b.Build();
}

// Erf of an int64 input: valid ONNX, but ONNX Runtime's CPU Erf is float only.
// `cast` first casts the input to float, the fix the error proposes.
onnx::ModelProto ErfModel(bool cast) {
  GraphBuilder b("erf");
  b.Input("x", DType::kInt64, {-1, 4}, {"N"});
  if (cast) b.Node("Cast", {"x"}, {"xf"}, {Attr("to", int64_t{ToOnnxElementType(DType::kFloat32)})});
  b.Node("Erf", {cast ? "xf" : "x"}, {"y"});
  b.Output("y", cast ? DType::kFloat32 : DType::kInt64, {-1, 4}, {"N", ""});
  return b.Build();
}

// Two Gemms, "Gemm_3" and "Gemm_4" (GraphBuilder names nodes by op and position).
onnx::ModelProto TwoGemmModel() {
  GraphBuilder b("two_gemm");
  b.Input("x", DType::kFloat32, {-1, 3, 2, 2}, {"N"});
  b.RandomInitializer("W1", {3, 4}, 1);
  b.RandomInitializer("W2", {4, 3}, 2);
  b.Node("GlobalAveragePool", {"x"}, {"pooled"});
  b.Node("Flatten", {"pooled"}, {"flat"}, {Attr("axis", int64_t{1})});
  b.Node("Gemm", {"flat", "W1"}, {"hidden"});
  b.Node("Gemm", {"hidden", "W2"}, {"scores"});
  b.Output("scores", DType::kFloat32, {-1, 3}, {"N", ""});
  return b.Build();
}

onnx::ModelProto TwoInputModel() {
  GraphBuilder b("two");
  b.Input("a", DType::kFloat32, {-1, 4}, {"N"});
  b.Input("b", DType::kFloat32, {-1, 4}, {"N"});
  b.Node("Add", {"a", "b"}, {"sum"});
  b.Output("sum", DType::kFloat32, {-1, 4}, {"N", ""});
  return b.Build();
}

struct Case {
  Case(std::string name_in, std::string fails_in, std::string error_in, std::string fixed_in,
       std::string before_in = "")
      : name(std::move(name_in)),
        fails(std::move(fails_in)),
        error(std::move(error_in)),
        fixed(std::move(fixed_in)),
        before(std::move(before_in)) {}
  std::string name;
  std::string fails;      // arguments of a command that fails ({d}: the fixture folder)
  std::string error;      // what its error line must contain: the fix it proposes
  std::string fixed;      // the same command with that fix applied
  std::string before;     // shell command run before `fixed` (a fix that is not a flag), or ""
  int exit_code = 2;      // of the failing command (2: the user's to fix)
  std::string runtime;    // skip unless this runtime is here (BackendNames()), or ""
  std::string fails_env;  // "NAME=VALUE ..." the failing command runs with, or ""
  std::string fixed_env;  // ... and the fixed one
};

// A row whose fix is in the environment (e.g. SWEETSPOT_ONNXRUNTIME_LIBRARIES).
Case WithEnvironment(std::string fails_env, std::string fixed_env, Case c) {
  c.fails_env = std::move(fails_env);
  c.fixed_env = std::move(fixed_env);
  return c;
}

// A row that needs `runtime` (e.g. a second ONNX Runtime version from scripts/bootstrap).
Case Needing(const std::string& runtime, Case c) {
  c.runtime = runtime;
  return c;
}

// A failure that is not bad input (e.g. a measurement that timed out): exit 1.
Case RuntimeFailure(Case c) {
  c.exit_code = 1;
  return c;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Study specs, each a failing one and the same with the fix its error
// proposes applied to the spec: "<stem>.toml" and "<stem>_fixed.toml".
struct StudySpecPair {
  std::string stem;
  std::string models;        // the [[models]] tables of the failing spec
  std::string runtime;       // extra [runtime] keys of the failing spec
  std::string fixed_models;  // ... and of the fixed one
  std::string fixed_runtime;
};

const std::vector<StudySpecPair>& StudySpecs() {
  static const std::vector<StudySpecPair> specs = {
      {"study_gray", "[[models]]\npath = \"gray.onnx\"\n", "",
       "[[models]]\npath = \"gray.onnx\"\n[models.preprocess]\ncolor = \"gray\"\n", ""},
      {"study_gray_rgb_mean",
       "[[models]]\npath = \"gray.onnx\"\n[models.preprocess]\ncolor = \"gray\"\nmean = [0.485, 0.456, 0.406]\n"
       "std = [0.229, 0.224, 0.225]\n",
       "", "[[models]]\npath = \"gray.onnx\"\n[models.preprocess]\ncolor = \"gray\"\nmean = 0.449\nstd = 0.226\n", ""},
      {"study_u8", "[[models]]\npath = \"u8.onnx\"\n", "",
       "[[models]]\npath = \"u8.onnx\"\n[models.preprocess]\ndtype = \"uint8\"\n", ""},
      {"study_size", "[[models]]\npath = \"rgb.onnx\"\n[models.preprocess]\nsize = 64\n", "",
       "[[models]]\npath = \"rgb.onnx\"\n[models.preprocess]\nsize = [2, 2]\n", ""},
      {"study_dynamic_hw", "[[models]]\npath = \"named_hw.onnx\"\n", "",
       "[[models]]\npath = \"named_hw.onnx\"\ndims = { H = 2, W = 2 }\n", ""},
      {"study_dims_disagree",
       "[[models]]\npath = \"named_hw.onnx\"\ndims = { H = 2, W = 2 }\n[models.preprocess]\nsize = 4\n", "",
       "[[models]]\npath = \"named_hw.onnx\"\ndims = { H = 2, W = 2 }\n", ""},
      {"study_fixed_batch", "[[models]]\npath = \"batch1.onnx\"\n", "batch = [8]\n",
       "[[models]]\npath = \"batch1.onnx\"\n", "batch = [1]\n"},
      {"study_batch_in_dims", "[[models]]\npath = \"rgb.onnx\"\ndims = { N = 4 }\n", "",
       "[[models]]\npath = \"rgb.onnx\"\n", "batch = [4]\n"},
  };
  return specs;
}

// An empty results store as a sweetspot of schema version 1 wrote it.
void WriteSchema1Store(const fs::path& db) {
  ASSERT_TRUE(ResultsStore::Open(db).ok());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw, "ALTER TABLE latency_results DROP COLUMN model_rss_bytes; PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_close(raw);
}

class Fixture {
 public:
  Fixture() {
    const fs::path d = dir_.path();
    for (int i = 0; i < 3; ++i) testing::WriteBmp(d / ("data/a_red/" + std::to_string(i) + ".bmp"), 255, 0, 0);
    for (int i = 0; i < 3; ++i) testing::WriteBmp(d / ("data/b_green/" + std::to_string(i) + ".bmp"), 0, 255, 0);
    for (int i = 0; i < 3; ++i) testing::WriteBmp(d / ("data/c_blue/" + std::to_string(i) + ".bmp"), 0, 0, 255);
    fs::copy(d / "data", d / "corrupt", fs::copy_options::recursive);
    testing::WriteFile(d / "corrupt/c_blue/broken.jpg", "garbage");
    testing::WriteFile(d / "mixed.csv", "data/a_red/0.bmp,a_red\ndata/b_green/0.bmp,1\n");
    testing::WriteFile(d / "classes.txt", "a_red\nb_green\nc_blue\n");
    testing::WriteFile(d / "five_classes.txt", "a_red\nb_green\nc_blue\nd\ne\n");
    testing::WriteFile(d / "all.csv", "data/a_red/0.bmp,a_red\ndata/b_green/0.bmp,b_green\ndata/c_blue/0.bmp,c_blue\n");
    testing::WriteFile(d / "map.csv", "a_red,warm\nb_green,cold\n");
    testing::WriteFile(d / "map_fixed.csv", "a_red,warm\nb_green,cold\nc_blue,cold\n");

    const std::vector<std::string> n = {"N"};
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 3, 2, 2}, n), d / "rgb.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 1, 2, 2}, n), d / "gray.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 1, 2, 2}, n, false, 3,
                                   "mean = [0.485, 0.456, 0.406]\nstd = [0.229, 0.224, 0.225]\n"),
                        d / "gray_rgb_metadata.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 2, 2, 3}, n, true), d / "nhwc.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 3, -1, -1}, {"N", "", "H", "W"}), d / "named_hw.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 3, -1, -1}, {}), d / "unnamed_hw.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {1, 3, 2, 2}, {}), d / "batch1.onnx");
    testing::WriteModel(ImageModel(DType::kUInt8, {-1, 3, 2, 2}, n), d / "u8.onnx");
    testing::WriteModel(ImageModel(DType::kFloat64, {-1, 3, 2, 2}, n), d / "f64.onnx");
    testing::WriteModel(ImageModel(DType::kFloat32, {-1, 3, 2, 2}, n, false, 5), d / "five.onnx");
    testing::WriteModel(TwoInputModel(), d / "two.onnx");
    testing::WriteModel(TwoGemmModel(), d / "two_gemm.onnx");
    fs::create_directories(d / "taken");
    testing::WriteFile(d / "taken/rgb.int8-dynamic.onnx", "another model");
    testing::WriteModel(ErfModel(false), d / "erf_int64.onnx");
    testing::WriteModel(ErfModel(true), d / "erf_float.onnx");
    // A detection dataset and a NanoDet-layout oracle detecting its boxes exactly.
    const std::vector<testing::ShapeImage> shapes = {{"a", 64, 64, {{0, 8, 8, 40, 40}}},
                                                     {"b", 64, 64, {{1, 20, 10, 60, 50}}}};
    testing::WriteShapesDataset(d / "shapes", testing::DetectionFormat::kYolo, shapes, {"circle", "square"});
    const std::vector<std::vector<Detection>> boxes = {{{{8, 8, 40, 40}, 0, 0.9F}}, {{{20, 10, 60, 50}, 1, 0.9F}}};
    testing::WriteModel(testing::OracleDetector(DetectionLayout::kPerStrideDistances, boxes, 2, 64),
                        d / "oracle_nanodet.onnx");
    WriteNpy(d / "a.npy", "1, 4", 4);
    WriteNpy(d / "batch2.npy", "2, 3, 2, 2", 24);
    WriteNpy(d / "big_endian.npy", "1, 4", 4, false);
    fs::create_directories(d / "out");
    // What scripts/bootstrap installs for `sweetspot report`: ECharts under node_modules.
    fs::create_directories(d / "node_modules/echarts/dist");
    testing::WriteFile(d / "node_modules/echarts/dist/echarts.min.js", "var echarts = {};");
    EXPECT_TRUE(ResultsStore::Open(d / "no_study.db").ok());
    const std::string dataset = "[dataset]\npath = \"data\"\n";
    const std::string models = "[[models]]\nname = \"rgb\"\npath = \"rgb.onnx\"\n";
    const std::string runtime = "[runtime]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n";
    testing::WriteFile(d / "study.toml", "name = \"s\"\n" + dataset + models + runtime);
    testing::WriteFile(d / "no_dataset.toml", "name = \"s\"\n" + models + runtime);
    testing::WriteFile(d / "no_models.toml", "name = \"s\"\n" + dataset + runtime);
    testing::WriteFile(d / "timeout.toml", "name = \"s\"\n" + dataset + models + runtime + "timeout_s = 0.001\n");
    testing::WriteFile(d / "strict.toml",
                       "name = \"s\"\n" + dataset + models + runtime + "[constraints]\nmax_peak_memory_mb = 1\n");
    const std::string int8 = "name = \"s\"\nvariants = [\"int8-static\"]\n";
    testing::WriteFile(d / "calib_all.toml", int8 + dataset + "calibration_samples = 9\n" + models + runtime);
    testing::WriteFile(d / "calib_one.toml", int8 + dataset + "calibration_samples = 1\n" + models + runtime);
    for (const StudySpecPair& s : StudySpecs()) {
      testing::WriteFile(d / (s.stem + ".toml"),
                         "name = \"" + s.stem + "\"\n" + dataset + s.models + runtime + s.runtime);
      testing::WriteFile(d / (s.stem + "_fixed.toml"),
                         "name = \"" + s.stem + "\"\n" + dataset + s.fixed_models + runtime + s.fixed_runtime);
    }
    WriteSchema1Store(d / "old.db");
    // zlib as "ONNX Runtime 9.9.9": a copy, so that its own name carries the version.
    fs::create_directories(d / "not_ort");
    for (const char* zlib : {"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                             "/lib64/libz.so.1", "/usr/lib/libz.so.1"}) {
      if (fs::exists(zlib) && !fs::exists(d / "not_ort/libonnxruntime.so.9.9.9")) {
        fs::copy_file(zlib, d / "not_ort/libonnxruntime.so.9.9.9");
      }
    }
  }
  const fs::path& dir() const { return dir_.path(); }
  // A `sweetspot serve` of rgb.onnx for the load rows, started on first use.
  std::string url() {
    if (!serve_)
      serve_ = std::make_unique<testing::ServeProcess>(
          std::vector<std::string>{(dir() / "rgb.onnx").string(), "--http-port", "0"}, dir() / "serve.err");
    EXPECT_GT(serve_->port(), 0) << serve_->line() << serve_->Stderr();
    return serve_->url();
  }

 private:
  TempDir dir_;
  std::unique_ptr<testing::ServeProcess> serve_;
};

// The version of the ONNX Runtime this build links.
std::string LinkedOrtVersion() {
  auto backend = CreateBackend("onnxruntime");
  return backend.ok() ? (*backend)->version() : "";
}

// {d}: the fixture folder; {cli}: the sweetspot binary (for `before`); {fake_ort}:
// a library that calls itself ONNX Runtime 1.10.0 and serves no usable API;
// {ort_library}: the linked ONNX Runtime's file (libonnxruntime.so.VERSION);
// {ort_version}: its version; {url}: the fixture's `sweetspot serve` of rgb.onnx.
std::string Expand(std::string text, Fixture& fixture) {
  static const std::string ort_library = fs::canonical(SWEETSPOT_ORT_LIBRARY).string();
  static const std::string ort_version = LinkedOrtVersion();
  const std::string url = text.find("{url}") != std::string::npos ? fixture.url() : "";
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"{d}", fixture.dir().string()},
                                   std::pair<std::string, std::string>{"{url}", url},
                                   std::pair<std::string, std::string>{"{cli}", SWEETSPOT_CLI_PATH},
                                   std::pair<std::string, std::string>{"{fake_ort}", SWEETSPOT_FAKE_ORT_LIBRARY},
                                   std::pair<std::string, std::string>{"{ort_library}", ort_library},
                                   std::pair<std::string, std::string>{"{ort_version}", ort_version}}) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at))
      text.replace(at, key.size(), value);
  }
  return text;
}

const std::string kEval = "eval --no-cache --data {d}/data ";
const std::string kDetect = "eval {d}/oracle_nanodet.onnx --data {d}/shapes --color bgr --bootstrap 0 ";
const std::string kBench = "bench -q --duration-s 0.05 --max-duration-s 0.2 --min-count 5 --no-isolate ";
const std::string kTrainCommon =
    "train --data {d}/data --val-data {d}/data --width 4 --presets nano --epochs 1 --batch 4 --threads 1 --no-cache "
    "--size 8 --out {d}/out ";
const std::string kTrain = kTrainCommon + "--family cnn ";
const std::string kServe = "serve --check --http-port 0 ";
const std::string kLoadArgs = "--dataset {d}/data --concurrency 1 --duration-s 0.2 --warmup-s 0 --window-s 0.1 ";
const std::string kLoad = "load {url} --model rgb " + kLoadArgs;

// The build's own ONNX Runtime listed in the variable, with no bootstrap cache.
const std::string kOrtListed = "SWEETSPOT_CACHE_DIR={d}/no_cache SWEETSPOT_ONNXRUNTIME_LIBRARIES={ort_library}";
const std::string kStudy = "study -q --cache-dir {d}/cache --db {d}/study.db ";
const std::string kOptimize = "optimize {d}/rgb.onnx --cache-dir {d}/cache --out {d}/out ";

// A row for a spec of StudySpecs(): its own database, so that nothing stored is reused.
Case StudyCase(const std::string& name, const std::string& stem, const std::string& error) {
  const std::string study = "study -q --cache-dir {d}/cache --db {d}/" + stem + ".db {d}/" + stem;
  return {name, study + ".toml", error, study + "_fixed.toml"};
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // eval: preprocessing that does not fit the model.
      {"EvalGrayModel", kEval + "{d}/gray.onnx", "pass --color gray", kEval + "{d}/gray.onnx --color gray"},
      {"EvalDetectionDecoderDoesNotFit", kDetect + "--decoder yolov8",
       "the outputs fit 'nanodet': pass --decoder nanodet", kDetect + "--decoder nanodet"},
      {"EvalDetectionNoSharedClass", kDetect + "--model-classes coco80", "pass --model-classes FILE",
       kDetect + "--model-classes {d}/shapes/classes.txt"},
      {"EvalGrayModelWithRgbMetadata", kEval + "{d}/gray_rgb_metadata.onnx --color gray",
       "pass --mean 0.449 --std 0.226", kEval + "{d}/gray_rgb_metadata.onnx --color gray --mean 0.449 --std 0.226"},
      {"EvalNhwcModel", kEval + "{d}/nhwc.onnx", "pass --layout nhwc", kEval + "{d}/nhwc.onnx --layout nhwc"},
      {"EvalDynamicSize", kEval + "{d}/named_hw.onnx", "pass --size WIDTHxHEIGHT",
       kEval + "{d}/named_hw.onnx --size 2x2"},
      {"EvalSizeOfAFixedModel", kEval + "{d}/rgb.onnx --size 64", "pass --size 2x2", kEval + "{d}/rgb.onnx --size 2x2"},
      {"EvalUint8Model", kEval + "{d}/u8.onnx", "pass --dtype uint8", kEval + "{d}/u8.onnx --dtype uint8"},
      {"EvalUint8ModelWithAFloatScale", kEval + "{d}/u8.onnx --dtype uint8 --scale 0.00392156862745098",
       "pass --scale 1 --mean 0 --std 1", kEval + "{d}/u8.onnx --dtype uint8 --scale 1 --mean 0 --std 1"},
      {"EvalModelOfOtherClasses", kEval + "{d}/five.onnx", "--classes",
       "eval --no-cache --data {d}/all.csv --classes {d}/five_classes.txt {d}/five.onnx"},
      {"EvalFloat64Model", kEval + "{d}/f64.onnx", "pass --dtype float64", kEval + "{d}/f64.onnx --dtype float64"},
      {"EvalMeanOfTwoValues", kEval + "{d}/rgb.onnx --mean 0.5,0.5", "pass --mean C1,C2,C3",
       kEval + "{d}/rgb.onnx --mean 0.5,0.5,0.5"},
      {"EvalUint8ModelWithAFractionalMean", kEval + "{d}/u8.onnx --dtype uint8 --mean 0.5",
       "pass --scale 1 --mean 0 --std 1", kEval + "{d}/u8.onnx --dtype uint8 --scale 1 --mean 0 --std 1"},
      {"EvalUnknownResizeMode", kEval + "{d}/rgb.onnx --resize letterbx",
       "--resize: unknown resize mode 'letterbx' (expected exact, shorter-crop, central-crop, letterbox)",
       kEval + "{d}/rgb.onnx --resize letterbox"},
      {"EvalUnknownLetterboxAlign", kEval + "{d}/rgb.onnx --resize letterbox --letterbox-align middle",
       "--letterbox-align: unknown letterbox alignment 'middle' (expected center, top-left)",
       kEval + "{d}/rgb.onnx --resize letterbox --letterbox-align top-left"},
      {"EvalPadOutOfRange", kEval + "{d}/rgb.onnx --resize letterbox --pad 300",
       "--pad: 'pad' must be an integer pixel value in 0..255", kEval + "{d}/rgb.onnx --resize letterbox --pad 114"},
      {"EvalNegativeStride", kEval + "{d}/named_hw.onnx --size 3x3 --stride -2",
       "--stride: 'stride' must be a non-negative integer (0: off)", kEval + "{d}/named_hw.onnx --size 3x3 --stride 2"},
      {"EvalUnknownOutputKind", kEval + "{d}/rgb.onnx --output-kind logit",
       "--output-kind: unknown output kind 'logit' (expected auto, logits",
       kEval + "{d}/rgb.onnx --output-kind logits"},
      // eval: data.
      {"EvalCorruptImages", "eval --no-cache --data {d}/corrupt {d}/rgb.onnx", "--allow-corrupt",
       "eval --no-cache --data {d}/corrupt {d}/rgb.onnx --allow-corrupt"},
      {"EvalLabelsMixNamesAndIndices", "eval --no-cache --data {d}/mixed.csv {d}/rgb.onnx", "--classes",
       "eval --no-cache --data {d}/mixed.csv {d}/rgb.onnx --classes {d}/classes.txt"},
      {"EvalLabelMapMissesAClass", kEval + "{d}/rgb.onnx --label-map {d}/map.csv", "add a line `c_blue,",
       kEval + "{d}/rgb.onnx --label-map {d}/map_fixed.csv"},
      // bench: input shapes.
      {"BenchTargetCiOutOfRange", kBench + "{d}/rgb.onnx --target-ci 2", "--target-ci must be in (0, 1), e.g. 0.02",
       kBench + "{d}/rgb.onnx --target-ci 0.02"},
      {"BenchFixedBatch", kBench + "{d}/batch1.onnx --batch 8", "pass --batch 1", kBench + "{d}/batch1.onnx --batch 1"},
      {"BenchNamedDynamicDims", kBench + "{d}/named_hw.onnx", "--dim H=VALUE --dim W=VALUE",
       kBench + "{d}/named_hw.onnx --dim H=8 --dim W=8"},
      {"BenchUnnamedDynamicDims", kBench + "{d}/unnamed_hw.onnx", "--dim x:2=VALUE --dim x:3=VALUE",
       kBench + "{d}/unnamed_hw.onnx --dim x:2=8 --dim x:3=8"},
      {"BenchDimNamesTheBatch", kBench + "{d}/rgb.onnx --batch 8 --dim N=64", "pass --batch 64",
       kBench + "{d}/rgb.onnx --batch 64"},
      // Several models: a --dim is for those that have the dimension; one that none has lists theirs.
      {"BenchDimOfNoModel", kBench + "{d}/rgb.onnx {d}/named_hw.onnx --dim Q=8", "{d}/named_hw.onnx: H, W, x:2, x:3)",
       kBench + "{d}/rgb.onnx {d}/named_hw.onnx --dim H=8 --dim W=8"},
      {"BenchUnnamedInputFile", kBench + "{d}/two.onnx --input {d}/a.npy",
       "--input NAME=", kBench + "{d}/two.onnx --input a={d}/a.npy"},
      {"BenchInputFileOfAnotherBatch", kBench + "{d}/rgb.onnx --input {d}/batch2.npy", "pass --batch 2",
       kBench + "{d}/rgb.onnx --input {d}/batch2.npy --batch 2"},
      {"BenchBigEndianInputFile", kBench + "{d}/two.onnx --input a={d}/big_endian.npy", "save it little-endian",
       kBench + "{d}/two.onnx --input a={d}/a.npy"},
      {"BenchUnknownScenario", kBench + "{d}/rgb.onnx --scenario offlin",
       "--scenario: unknown scenario 'offlin' (expected single-stream, offline or concurrent)",
       kBench + "{d}/rgb.onnx --scenario offline"},
      // bench: a detector's pipeline (--data DIR).
      {"BenchDetectionConcurrent",
       kBench + "{d}/oracle_nanodet.onnx --data {d}/shapes --color bgr --scenario concurrent",
       "use --scenario single-stream,offline",
       kBench + "{d}/oracle_nanodet.onnx --data {d}/shapes --color bgr --scenario single-stream,offline"},
      {"BenchDetectionFixedBatch", kBench + "{d}/oracle_nanodet.onnx --data {d}/shapes --color bgr --batch 2",
       "pass --batch 1", kBench + "{d}/oracle_nanodet.onnx --data {d}/shapes --color bgr --batch 1"},
      {"BenchDetectionFlagsWithoutData", kBench + "{d}/oracle_nanodet.onnx --color bgr",
       "add --data DIR or --task detection", kBench + "{d}/oracle_nanodet.onnx --color bgr --data {d}/shapes"},
      {"BenchDetectionWithInputFiles",
       kBench + "{d}/oracle_nanodet.onnx --data {d}/shapes --color bgr --input {d}/a.npy", "drop them",
       kBench + "{d}/oracle_nanodet.onnx --data {d}/shapes --color bgr"},
      {"BenchDetectionDataForAClassifier", kBench + "{d}/rgb.onnx --data {d}/shapes --task classification",
       "drop --data or --task", kBench + "{d}/rgb.onnx --task classification"},
      // bench: the runtime. This ONNX Runtime build lists CUDA without its libraries.
      {"BenchProviderWithoutItsLibraries", kBench + "{d}/rgb.onnx --provider cuda", "use --provider cpu",
       kBench + "{d}/rgb.onnx --provider cpu"},
      {"BenchUnknownRuntimeVersion", kBench + "{d}/rgb.onnx --runtime onnxruntime@0.0.1", "(available: onnxruntime, ",
       kBench + "{d}/rgb.onnx --runtime onnxruntime"},
      // One process holds one ONNX Runtime version: the children of an isolated run each load theirs.
      Needing("onnxruntime@1.30.0",
              {"BenchTwoOnnxRuntimeVersionsInOneProcess",
               kBench + "{d}/rgb.onnx --runtime onnxruntime,onnxruntime@1.30.0", "drop --no-isolate",
               "bench -q --duration-s 0.05 --max-duration-s 0.2 --min-count 5 {d}/rgb.onnx "
               "--runtime onnxruntime,onnxruntime@1.30.0"}),
      // A library listed as an ONNX Runtime version that is none, or one too old for this build.
      WithEnvironment("SWEETSPOT_ONNXRUNTIME_LIBRARIES={d}/not_ort/libonnxruntime.so.9.9.9", kOrtListed,
                      {"BenchLibraryThatIsNotOnnxRuntime", kBench + "{d}/rgb.onnx --runtime onnxruntime@9.9.9",
                       "libonnxruntime.so.9.9.9' is not ONNX Runtime (it has no OrtGetApiBase): take it out of "
                       "SWEETSPOT_ONNXRUNTIME_LIBRARIES, or list ONNX Runtime's own libonnxruntime.so.9.9.9 there",
                       kBench + "{d}/rgb.onnx --runtime onnxruntime@{ort_version}"}),
      WithEnvironment("SWEETSPOT_ONNXRUNTIME_LIBRARIES={fake_ort}", kOrtListed,
                      {"BenchOnnxRuntimeTooOld", kBench + "{d}/rgb.onnx --runtime onnxruntime@1.10.0",
                       "' is ONNX Runtime 1.10.0, older than the API version",
                       kBench + "{d}/rgb.onnx --runtime onnxruntime@{ort_version}"}),
      {"BenchNoKernelForTheInputType", kBench + "{d}/erf_int64.onnx", "cast those inputs to float",
       kBench + "{d}/erf_float.onnx"},
      // the command line itself (CLI11's errors in our words).
      {"BenchMisspeltOption", kBench + "{d}/rgb.onnx --thread 1", "use --threads", kBench + "{d}/rgb.onnx --threads 1"},
      {"EvalWithoutData", "eval --no-cache {d}/rgb.onnx", "--data is required: pass --data", kEval + "{d}/rgb.onnx"},
      // inspect.
      {"InspectNamedDynamicDims", "inspect {d}/named_hw.onnx", "--dim H=VALUE --dim W=VALUE",
       "inspect {d}/named_hw.onnx --dim H=8 --dim W=8"},
      {"InspectUnnamedDynamicDims", "inspect {d}/unnamed_hw.onnx", "--dim x:2=VALUE --dim x:3=VALUE",
       "inspect {d}/unnamed_hw.onnx --dim x:2=8 --dim x:3=8"},
      {"InspectDimNamesTheBatch", "inspect {d}/rgb.onnx --dim N=8", "pass --batch 8", "inspect {d}/rgb.onnx --batch 8"},
      // train.
      {"TrainImageTooSmall",
       "train --data {d}/data --val-data {d}/data --family cnn --width 4 --presets nano --epochs 1 --batch 4 "
       "--threads 1 --no-cache --out {d}/out",
       "pass --size 8x8", kTrain},
      {"TrainTooFewToHoldOut",
       "train --data {d}/data --family cnn --width 4 --presets nano --epochs 1 --batch 4 --threads 1 --no-cache "
       "--size 8 --out {d}/out",
       "pass --val-data", kTrain},
      {"TrainBadValFraction",
       "train --data {d}/data --val-fraction 1 --family cnn --width 4 --presets nano --epochs 1 --batch 4 "
       "--threads 1 --no-cache --size 8 --out {d}/out",
       "pass --val-data", kTrain},
      {"TrainMissingOutFolder",
       "train --data {d}/data --val-data {d}/data --family cnn --width 4 --presets nano --epochs 1 --batch 4 "
       "--threads 1 --no-cache --size 8 --out {d}/new_out",
       "mkdir -p",
       "train --data {d}/data --val-data {d}/data --family cnn --width 4 --presets nano --epochs 1 --batch 4 "
       "--threads 1 --no-cache --size 8 --out {d}/new_out",
       "mkdir -p {d}/new_out"},
      {"TrainUnknownOptimizer", kTrain + "--optimizer adam", "use adamw or sgd", kTrain + "--optimizer adamw"},
      {"TrainUnknownFamily", kTrainCommon + "--family vgg", "use cnn or resnet", kTrainCommon + "--family cnn"},
      {"TrainTwoChannels", kTrain + "--channels 2", "use 1 (gray) or 3 (RGB)", kTrain + "--channels 3"},
      {"TrainDepthOfCnn", kTrain + "--depth 2", "pass --family resnet", kTrainCommon + "--depth 1 --family resnet"},
      // study and results.
      {"StudySpecMissing", kStudy + "{d}/nope.toml", "pass the path of a study TOML file", kStudy + "{d}/study.toml"},
      {"StudyWithoutDataset", kStudy + "{d}/no_dataset.toml", "add [dataset] with path", kStudy + "{d}/study.toml"},
      {"StudyWithoutModels", kStudy + "{d}/no_models.toml", "add one [[models]] table", kStudy + "{d}/study.toml"},
      // Its own database: the stored results of study.toml's model would be reused, not timed out.
      RuntimeFailure({"StudyTimeout", "study -q --cache-dir {d}/cache --db {d}/timeout.db {d}/timeout.toml",
                      "raise [runtime] timeout_s",
                      "study -q --cache-dir {d}/cache --db {d}/timeout.db {d}/study.toml"}),
      {"StudyConstraintsNobodyMeets", kStudy + "{d}/strict.toml", "relax [constraints]", kStudy + "{d}/study.toml"},
      {"StudyCalibrationSplitTakesEverything", kStudy + "{d}/calib_all.toml", "ask for fewer",
       kStudy + "{d}/calib_one.toml"},
      // optimize.
      {"OptimizeNoTransform", kOptimize, "pass exactly one of --int8 static|dynamic", kOptimize + "--int8 dynamic"},
      {"OptimizeStaticWithoutData", kOptimize + "--int8 static", "add --data DIR",
       kOptimize + "--int8 static --data {d}/data"},
      {"OptimizeMoreSamplesThanData", kOptimize + "--int8 static --data {d}/data --samples 50", "ask for at most 9",
       kOptimize + "--int8 static --data {d}/data --samples 9"},
      {"OptimizeMethodOfDynamicInt8", kOptimize + "--int8 dynamic --method entropy", "--method does not apply",
       kOptimize + "--int8 dynamic"},
      {"OptimizeBudgetOfStaticInt8", kOptimize + "--int8 static --data {d}/data --budget 0.3",
       "--budget does not apply", kOptimize + "--int8 static --data {d}/data"},
      {"OptimizeStructuredWithoutPrune", kOptimize + "--int8 dynamic --structured", "--structured does not apply",
       kOptimize + "--int8 dynamic"},
      {"OptimizeExcludeOfNoNode",
       "optimize {d}/two_gemm.onnx --cache-dir {d}/cache --out {d}/out --int8 dynamic --exclude Gemm_9",
       "name one of its quantizable nodes: Gemm_3, Gemm_4",
       "optimize {d}/two_gemm.onnx --cache-dir {d}/cache --out {d}/out --int8 dynamic --exclude Gemm_4"},
      {"OptimizeOutputHoldsAnotherModel", "optimize {d}/rgb.onnx --cache-dir {d}/cache --out {d}/taken --int8 dynamic",
       "pass --force to replace it, or another --out",
       "optimize {d}/rgb.onnx --cache-dir {d}/cache --out {d}/taken --int8 dynamic --force"},
      // study: the fix is a key of the spec (a study has no preprocessing or --dim flags).
      StudyCase("StudyGrayModel", "study_gray", "set [models.preprocess] color = \"gray\""),
      StudyCase("StudyGrayModelWithRgbMean", "study_gray_rgb_mean",
                "set [models.preprocess] mean = 0.449, std = 0.226"),
      StudyCase("StudyUint8Model", "study_u8", "set [models.preprocess] dtype = \"uint8\""),
      StudyCase("StudySizeOfAFixedModel", "study_size", "set [models.preprocess] size = [2, 2]"),
      StudyCase("StudyDynamicSize", "study_dynamic_hw", "set [[models]] dims = { H = VALUE, W = VALUE }"),
      StudyCase("StudyDimsDisagreeWithSize", "study_dims_disagree", "dims H = 2 but the preprocessing"),
      StudyCase("StudyFixedBatch", "study_fixed_batch", "set [runtime] batch = [1]"),
      StudyCase("StudyDimNamesTheBatch", "study_batch_in_dims", "set [runtime] batch = [4]"),
      {"ResultsWithoutDatabase", "results --db {d}/none.db", "--db: no results database", "results --db {d}/made.db",
       "{cli} study -q --cache-dir {d}/cache --db {d}/made.db {d}/study.toml"},
      WithEnvironment("SWEETSPOT_NODE_MODULES={d}/no_modules", "SWEETSPOT_NODE_MODULES={d}/node_modules",
                      {"ReportWithoutEcharts", "report --db {d}/reported.db --out {d}/out/report.html",
                       "echarts not found under {d}/no_modules: run scripts/bootstrap",
                       "report --db {d}/reported.db --out {d}/out/report.html",
                       "{cli} study -q --cache-dir {d}/cache --db {d}/reported.db {d}/study.toml"}),
      WithEnvironment(
          "SWEETSPOT_NODE_MODULES={d}/node_modules", "SWEETSPOT_NODE_MODULES={d}/node_modules",
          {"ReportOfAStoreWithoutStudy", "report --db {d}/no_study.db --out {d}/out/none.html",
           "run `sweetspot study SPEC.toml --db FILE` first", "report --db {d}/no_study.db --out {d}/out/none.html",
           "{cli} study -q --cache-dir {d}/cache --db {d}/no_study.db {d}/study.toml"}),
      {"MergeOlderSchema", "results merge {d}/old.db --into {d}/merged.db",
       "upgrade it in place first with `sweetspot results upgrade {d}/old.db`",
       "results merge {d}/old.db --into {d}/merged.db", "{cli} results upgrade {d}/old.db"},
      // serve: --check loads, binds and exits (the port-in-use row is in serve_cli_test.cc).
      {"ServeMissingModel", kServe + "{d}/nope.onnx", "pass the path of an ONNX model", kServe + "{d}/rgb.onnx"},
      {"ServeMoreNamesThanModels", kServe + "{d}/rgb.onnx --name a --name b", "pass at most one per model",
       kServe + "{d}/rgb.onnx --name a"},
      {"ServeTwoModelsOneName", kServe + "{d}/rgb.onnx {d}/rgb.onnx", "give each its own --name",
       kServe + "{d}/rgb.onnx {d}/rgb.onnx --name a --name b"},
      {"ServePreferredBatchAboveMax", kServe + "{d}/rgb.onnx --max-batch 4 --preferred-batch 8",
       "raise --max-batch to 8", kServe + "{d}/rgb.onnx --max-batch 8 --preferred-batch 8"},
      {"ServeDetectionDecoderDoesNotFit", kServe + "{d}/oracle_nanodet.onnx --decoder yolov8",
       "the outputs fit 'nanodet': pass --decoder nanodet", kServe + "{d}/oracle_nanodet.onnx --decoder nanodet"},
      {"ServeBatchesOfAFixedBatchModel", kServe + "{d}/batch1.onnx --max-batch 4", "pass --max-batch 1",
       kServe + "{d}/batch1.onnx --max-batch 1"},
      {"ServeQueueDelayOverAnHour", kServe + "{d}/rgb.onnx --max-queue-delay-us 4000000000", "pass at most 3600000000",
       kServe + "{d}/rgb.onnx --max-queue-delay-us 3600000000"},
      // load: against the fixture's server ({url}).
      {"LoadUnreachableServer", "load http://127.0.0.1:1 --model rgb " + kLoadArgs,
       "start one with `sweetspot serve MODEL.onnx --http-port PORT`", kLoad},
      {"LoadUnknownModel", "load {url} --model nope " + kLoadArgs,
       "pass --model (and --version) as the server names them", kLoad},
      {"LoadDbWithoutStudy", kLoad + "--db {d}/out/load.db", "pass --study NAME too",
       kLoad + "--db {d}/out/load.db --study serving"},
      {"LoadOnceWithRate", kLoad + "--once --rate 50", "drop one", kLoad + "--once"},
      {"LoadModelFileWithoutTensors", kLoad + "--model-file {d}/rgb.onnx", "add --tensors",
       kLoad + "--model-file {d}/rgb.onnx --tensors"},
      {"LoadTensorsWithoutModelFile", kLoad + "--tensors", "pass --model-file MODEL.onnx",
       kLoad + "--tensors --model-file {d}/rgb.onnx"},
      {"ServeHostNotAnAddress", kServe + "{d}/rgb.onnx --host 999.1.1.1", "pass an IP address of this host",
       kServe + "{d}/rgb.onnx --host 127.0.0.1"},
      {"ServeNoModel", kServe, "pass MODEL.onnx (one or more), or --fast and --accurate", kServe + "{d}/rgb.onnx"},
      // serve's fast/accurate pair (serve_journal.cc).
      {"ServeFastWithoutAccurate", kServe + "--fast {d}/rgb.onnx --journal {d}/jobs1.db", "pass both models",
       kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx --journal {d}/jobs1.db"},
      {"ServePairWithoutJournalOrThreshold", kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx",
       "--cascade-threshold T (defer unsure requests): pass one",
       kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx --cascade-threshold 0.5"},
      {"ServeJournalModeWithoutJournal",
       kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx --cascade-threshold 0.5 --cascade-mode journal",
       "pass it, or --cascade-mode sync",
       kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx --cascade-threshold 0.5 --cascade-mode sync"},
      {"ServePairOneName", kServe + "--fast {d}/rgb.onnx --accurate {d}/copy/rgb.onnx --cascade-threshold 0.5",
       "copy or rename one model file",
       kServe + "--fast {d}/rgb.onnx --accurate {d}/rgb_copy.onnx --cascade-threshold 0.5",
       "cp {d}/rgb.onnx {d}/rgb_copy.onnx"},
      {"ServeJournalOfAnotherKind", kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx --journal {d}/no_study.db",
       "use another journal file", kServe + "--fast {d}/rgb.onnx --accurate {d}/gray.onnx --journal {d}/jobs2.db"},
  };
  return cases;
}

class ErrorFix : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { fixture_ = new Fixture(); }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }
  static Fixture* fixture_;
};
Fixture* ErrorFix::fixture_ = nullptr;

TEST_P(ErrorFix, TheProposedFixWorks) {
  const Case& c = GetParam();
  if (!c.runtime.empty()) {
    const auto names = BackendNames();
    if (std::find(names.begin(), names.end(), c.runtime) == names.end()) {
      GTEST_SKIP() << c.runtime << " is missing here: run scripts/bootstrap";
    }
  }
  const std::string proposal = Expand(c.error, *fixture_);
  const auto failed = RunCliUnder("env " + Expand(c.fails_env, *fixture_), Expand(c.fails, *fixture_));
  EXPECT_EQ(failed.exit_code, c.exit_code) << failed.err;
  EXPECT_THAT(failed.err, HasSubstr(proposal));
  EXPECT_EQ(std::count(failed.err.begin(), failed.err.end(), '\n'), 1) << failed.err;
  if (!c.before.empty()) {
    ASSERT_EQ(std::system(Expand(c.before, *fixture_).c_str()), 0) << c.before;
  }
  const auto fixed = RunCliUnder("env " + Expand(c.fixed_env, *fixture_), Expand(c.fixed, *fixture_));
  EXPECT_EQ(fixed.exit_code, 0) << Expand(c.fixed, *fixture_) << "\n" << fixed.err;
  EXPECT_THAT(fixed.out + fixed.err, Not(HasSubstr(proposal)));
}

INSTANTIATE_TEST_SUITE_P(EveryProposedFix, ErrorFix, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace sweetspot
