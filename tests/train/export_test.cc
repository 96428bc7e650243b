// The exported ONNX model computes what the trained libtorch network computes
// (ONNX Runtime vs libtorch in eval mode, within 1e-4 on 64 inputs), with
// BatchNorm folded from non-trivial running statistics; and saving never
// leaves a half-written model.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/support.h"
#include "sweetspot/backend.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/train.h"
#include "sweetspot/train_export.h"
#include "train/train_fixtures.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::SyntheticTensors;
using testing::TempDir;

constexpr int kSize = 16;
constexpr int kClasses = 5;

PreprocessSpec SpecFor(const ArchSpec& arch, const ChannelStats& norm) {
  PreprocessSpec spec;
  spec.color = arch.channels == 1 ? ColorOrder::kGray : ColorOrder::kRgb;
  spec.width = arch.image_width;
  spec.height = arch.image_height;
  spec.mean = norm.mean;
  spec.std = norm.std;
  return spec;
}

// Inputs as the preprocessing would produce them: roughly zero-mean, unit-variance.
Tensor RandomInputs(int count, const ArchSpec& arch, std::uint32_t seed) {
  Tensor t = Tensor::Owned(DType::kFloat32, {count, arch.channels, arch.image_height, arch.image_width});
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  for (float& v : t.values<float>()) v = normal(rng);
  return t;
}

// Largest |bias| over the folded convolutions: 0 when BatchNorm still has its
// initial statistics (mean 0, var 1, shift 0).
float MaxFoldedBias(const onnx::ModelProto& model) {
  float max_abs = 0.0F;
  for (const auto& init : model.graph().initializer()) {
    const std::string& name = init.name();
    if (name == "fc.bias" || !name.ends_with(".bias")) continue;
    std::vector<float> values(init.raw_data().size() / sizeof(float));
    std::memcpy(values.data(), init.raw_data().data(), values.size() * sizeof(float));
    for (const float v : values) max_abs = std::max(max_abs, std::abs(v));
  }
  return max_abs;
}

struct ParityCase {
  ModelFamily family;
  int width;
  int depth;
  int channels;
};

class ExportParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(ExportParity, OnnxRuntimeMatchesLibtorchOn64Inputs) {
  const ParityCase c = GetParam();
  ArchSpec arch = *PresetArch(c.family, "nano");
  arch.width = c.width;
  arch.depth = c.depth;
  arch.channels = c.channels;
  arch.classes = kClasses;
  arch.image_width = arch.image_height = kSize;

  const PreparedTensors train = SyntheticTensors(160, c.channels, kSize, kClasses, 1);
  const PreparedTensors val = SyntheticTensors(20, c.channels, kSize, kClasses, 2);
  const ChannelStats norm = ComputeChannelStats(train);
  auto network = Network::Create(arch, 7);
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  TrainOptions options;
  options.epochs = 1;
  options.batch_size = 32;  // 5 steps: BatchNorm's running statistics move off their initial values
  options.threads = 1;
  auto report = TrainNetwork(*network, train, val, norm, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  const PreprocessSpec spec = SpecFor(arch, norm);
  auto model = ExportOnnx(*network, spec);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT(MaxFoldedBias(*model), 1e-3F) << "BatchNorm statistics are still trivial; the fold is not exercised";
  TempDir dir;
  const fs::path path = dir / "model.onnx";
  ASSERT_TRUE(SaveModelAtomically(*model, path).ok());

  auto backend = CreateBackend("onnxruntime");
  ASSERT_TRUE(backend.ok());
  auto session = (*backend)->Load(path, BackendOptions{});
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  const Tensor inputs = RandomInputs(64, arch, 3);
  auto expected = network->Forward(inputs);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  auto actual = (*session)->Run(std::span<const Tensor>(&inputs, 1));
  ASSERT_TRUE(actual.ok()) << actual.status().ToString();
  ASSERT_EQ((*actual)[0].shape(), (Shape{64, kClasses}));
  const auto want = expected->values<float>();
  const auto got = (*actual)[0].values<float>();
  float max_diff = 0.0F;
  float max_logit = 0.0F;
  for (std::size_t i = 0; i < want.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(want[i] - got[i]));
    max_logit = std::max(max_logit, std::abs(want[i]));
  }
  EXPECT_LT(max_diff, 1e-4F);
  EXPECT_GT(max_logit, 0.1F) << "logits are near zero, so the comparison proves little";

  // The batch dimension is dynamic: 3 samples give the first 3 rows.
  Tensor three = Tensor::Owned(DType::kFloat32, {3, arch.channels, kSize, kSize});
  std::memcpy(three.data(), inputs.data(), three.size_bytes());
  auto small = (*session)->Run(std::span<const Tensor>(&three, 1));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  ASSERT_EQ((*small)[0].shape(), (Shape{3, kClasses}));
  for (std::size_t i = 0; i < 3 * kClasses; ++i) EXPECT_NEAR((*small)[0].values<float>()[i], got[i], 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Families, ExportParity,
                         ::testing::Values(ParityCase{ModelFamily::kCnn, 8, 1, 1},
                                           ParityCase{ModelFamily::kResnet, 8, 2, 3}),
                         [](const auto& test_info) { return std::string(ModelFamilyName(test_info.param.family)); });

TEST(ExportOnnx, StoresPreprocessingAndDeclaresADynamicBatch) {
  ArchSpec arch = *PresetArch(ModelFamily::kResnet, "nano");
  arch.image_width = 12;
  arch.image_height = 8;
  auto network = Network::Create(arch, 1);
  ASSERT_TRUE(network.ok());
  PreprocessSpec spec;
  spec.color = ColorOrder::kGray;
  spec.width = 12;
  spec.height = 8;
  spec.mean = {0.25};
  spec.std = {0.5};
  auto model = ExportOnnx(*network, spec);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  TempDir dir;
  const fs::path path = dir / "m.onnx";
  ASSERT_TRUE(SaveModelAtomically(*model, path).ok());

  auto metadata = ReadModelMetadata(path, kPreprocessMetadataKey);
  ASSERT_TRUE(metadata.ok() && metadata->has_value());
  auto parsed = ParsePreprocessToml(**metadata, "metadata");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->ToToml(), spec.ToToml());

  auto info = InspectModel(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_GE(info->opsets.at("ai.onnx"), 13);
  ASSERT_EQ(info->inputs.size(), 1U);
  EXPECT_EQ(info->inputs[0].shape, (Shape{-1, 1, 8, 12}));
  EXPECT_EQ(info->inputs[0].dim_names.at(0), "N");
  EXPECT_EQ(info->op_histogram.count("BatchNormalization"), 0U);
  EXPECT_TRUE(info->warnings.empty()) << info->warnings.front();
  // Folding trades BatchNorm's two vectors per conv for one conv bias.
  EXPECT_LT(info->param_count, network->ParameterCount());
}

TEST(ExportOnnx, RejectsASpecThatDoesNotFitTheNetwork) {
  ArchSpec arch = *PresetArch(ModelFamily::kCnn, "nano");
  auto network = Network::Create(arch, 1);
  ASSERT_TRUE(network.ok());
  PreprocessSpec spec;  // RGB 32x32: the network takes gray 28x28
  spec.width = spec.height = 32;
  auto model = ExportOnnx(*network, spec);
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("does not match"));
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A model of about 400 KB.
onnx::ModelProto BigModel() {
  GraphBuilder g("big");
  g.Input("x", DType::kFloat32, {1, 100000});
  g.RandomInitializer("w", {1, 100000}, 1);
  g.Node("Add", {"x", "w"}, {"y"});
  g.Output("y", DType::kFloat32, {1, 100000});
  return g.Build();
}

TEST(SaveModelAtomically, AFullDiskLeavesThePreviousFileAndNoPartialOne) {
  TempDir dir;
  const fs::path path = dir / "model.onnx";
  testing::WriteFile(path, "previous model");
  const onnx::ModelProto model = BigModel();
  // A file-size limit fails the write the way a full disk does (EFBIG rather
  // than ENOSPC), without needing a small filesystem.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    const Status status = SaveModelAtomically(model, path);
    const bool as_expected = status.code() == StatusCode::kFailedPrecondition &&
                             status.message().find("choose another output folder") != std::string::npos &&
                             status.message().find(path.string()) != std::string::npos;
    _exit(as_expected ? 0 : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(pid, &wait_status, 0), pid);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0) << "expected a FailedPrecondition naming the path and the fix";
  EXPECT_EQ(ReadAll(path), "previous model");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) names.push_back(entry.path().filename().string());
  EXPECT_THAT(names, ::testing::ElementsAre("model.onnx"));

  // Without the limit the same call replaces the file with the whole model.
  ASSERT_TRUE(SaveModelAtomically(model, path).ok());
  auto loaded = LoadOnnxModel(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->graph().initializer(0).raw_data().size(), 100000 * sizeof(float));
}

TEST(SaveModelAtomically, AMissingFolderIsAnErrorNamingThePath) {
  TempDir dir;
  const fs::path path = dir / "missing" / "model.onnx";
  const Status status = SaveModelAtomically(BigModel(), path);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_THAT(status.message(), HasSubstr(path.string()));
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace sweetspot
