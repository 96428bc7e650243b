// The contract of backend.h, checked for every runtime CreateBackend knows:
// each name BackendNames() lists runs the same tests (descriptions, batches,
// values against references computed here, errors).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::LinearModel;
using testing::TempDir;
using testing::WriteModel;

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  // A process runs one ONNX Runtime version: under ctest every test has its
  // own process; a run of the whole binary skips the other versions.
  void SetUp() override {
    auto backend = CreateBackend(GetParam());
    if (!backend.ok() && backend.status().code() == StatusCode::kFailedPrecondition) {
      GTEST_SKIP() << backend.status().message();
    }
  }

  std::unique_ptr<Backend> Engine() {
    auto backend = CreateBackend(GetParam());
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    return std::move(backend).value();
  }

  std::unique_ptr<Session> LoadOrDie(const onnx::ModelProto& model, const BackendOptions& options = {}) {
    auto session = Engine()->Load(WriteModel(model, dir_ / "model.onnx"), options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? std::move(session).value() : nullptr;
  }

  TempDir dir_;
};

Tensor Filled(const Shape& shape, float start, float step) {
  Tensor t = Tensor::Owned(DType::kFloat32, shape);
  float v = start;
  for (float& x : t.values<float>()) x = (v += step);
  return t;
}

// A 3x3 convolution, stride 2, padding 1, of a [N,2,5,5] input into 3
// channels, then Relu: small enough to check against the loops below.
constexpr int64_t kCin = 2, kCout = 3, kSize = 5, kOut = 3;

std::vector<float> ConvWeights() {
  std::vector<float> w(kCout * kCin * 9);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) / 10.0F - 0.5F;
  return w;
}

onnx::ModelProto ConvModel() {
  GraphBuilder b("conv");
  b.Input("image", DType::kFloat32, {-1, kCin, kSize, kSize}, {"batch"})
      .Initializer("w", {kCout, kCin, 3, 3}, ConvWeights())
      .Initializer("bias", {kCout}, {0.5F, -0.25F, 0.0F})
      .Node("Conv", {"image", "w", "bias"}, {"c"},
            {Attr("kernel_shape", std::vector<int64_t>{3, 3}), Attr("pads", std::vector<int64_t>{1, 1, 1, 1}),
             Attr("strides", std::vector<int64_t>{2, 2})})
      .Node("Relu", {"c"}, {"features"})
      .Output("features", DType::kFloat32, {-1, kCout, kOut, kOut}, {"batch"});
  return b.Build();
}

// The same computation as ConvModel, by the definition of a convolution.
std::vector<float> ReferenceConv(const Tensor& x) {
  const auto in = x.values<float>();
  const std::vector<float> w = ConvWeights();
  const float bias[kCout] = {0.5F, -0.25F, 0.0F};
  const int64_t n = x.shape()[0];
  std::vector<float> out;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t o = 0; o < kCout; ++o) {
      for (int64_t oy = 0; oy < kOut; ++oy) {
        for (int64_t ox = 0; ox < kOut; ++ox) {
          double sum = bias[o];
          for (int64_t c = 0; c < kCin; ++c) {
            for (int64_t ky = 0; ky < 3; ++ky) {
              for (int64_t kx = 0; kx < 3; ++kx) {
                const int64_t y = oy * 2 - 1 + ky, xx = ox * 2 - 1 + kx;
                if (y < 0 || y >= kSize || xx < 0 || xx >= kSize) continue;
                sum += in[((b * kCin + c) * kSize + y) * kSize + xx] * w[((o * kCin + c) * 3 + ky) * 3 + kx];
              }
            }
          }
          out.push_back(static_cast<float>(std::max(sum, 0.0)));
        }
      }
    }
  }
  return out;
}

TEST_P(Conformance, DescribesInputsAndOutputsWithDynamicBatch) {
  auto session = LoadOrDie(testing::TinyCnn());
  ASSERT_NE(session, nullptr);
  const auto& in = session->inputs();
  ASSERT_EQ(in.size(), 1U);
  EXPECT_EQ(in[0].name, "input");
  EXPECT_EQ(in[0].dtype, DType::kFloat32);
  EXPECT_EQ(in[0].shape, (Shape{-1, 3, 32, 32}));
  EXPECT_EQ(in[0].dim_names[0], "N");
  const auto& out = session->outputs();
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].name, "logits");
  EXPECT_EQ(out[0].dtype, DType::kFloat32);
  EXPECT_EQ(out[0].shape, (Shape{-1, 10}));
}

TEST_P(Conformance, ComputesAGemmForBatchOneAndN) {
  auto session = LoadOrDie(LinearModel());
  ASSERT_NE(session, nullptr);
  Tensor x = Tensor::Owned(DType::kFloat32, {2, 2});
  auto xv = x.values<float>();
  xv[0] = 1, xv[1] = 1, xv[2] = 2, xv[3] = -1;
  auto out = session->Run({&x, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1U);
  EXPECT_EQ((*out)[0].dtype(), DType::kFloat32);
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
  const std::vector<float> expected{13, 27, 41, 10, 22, 34};
  const auto y = (*out)[0].values<float>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;

  Tensor one = Tensor::Owned(DType::kFloat32, {1, 2});
  one.values<float>()[0] = 2, one.values<float>()[1] = -1;
  auto single = session->Run({&one, 1});
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  EXPECT_EQ((*single)[0].shape(), (Shape{1, 3}));
  EXPECT_FLOAT_EQ((*single)[0].values<float>()[2], 34);
}

// One session, the batch changing between runs (1, 4, 2): each result equals
// the convolution computed by hand.
TEST_P(Conformance, ComputesAConvolutionAtEveryBatchOfOneSession) {
  auto session = LoadOrDie(ConvModel());
  ASSERT_NE(session, nullptr);
  for (int64_t batch : {1, 4, 2}) {
    SCOPED_TRACE(batch);
    const Tensor x = Filled({batch, kCin, kSize, kSize}, -1.0F, 0.037F);
    auto out = session->Run({&x, 1});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ((*out)[0].shape(), (Shape{batch, kCout, kOut, kOut}));
    const std::vector<float> expected = ReferenceConv(x);
    const auto y = (*out)[0].values<float>();
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-4) << i;
  }
}

TEST_P(Conformance, HonoursThreadAndOptimisationOptionsWithTheSameValues) {
  const Tensor x = Filled({3, kCin, kSize, kSize}, 0.5F, -0.021F);
  BackendOptions options;
  options.intra_op_threads = 2;
  options.graph_optimization = GraphOptimization::kDisabled;
  options.execution_mode = ExecutionMode::kParallel;
  auto session = LoadOrDie(ConvModel(), options);
  ASSERT_NE(session, nullptr);
  auto out = session->Run({&x, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::vector<float> expected = ReferenceConv(x);
  const auto y = (*out)[0].values<float>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-4) << i;
}

TEST_P(Conformance, RunIsSafeFromSeveralThreadsOnOneSession) {
  auto session = LoadOrDie(LinearModel());
  ASSERT_NE(session, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Tensor x = Tensor::Owned(DType::kFloat32, {1, 2});
      x.values<float>()[0] = static_cast<float>(t);
      for (int i = 0; i < 100; ++i) {
        auto out = session->Run({&x, 1});
        if (!out.ok() || (*out)[0].values<float>()[0] != static_cast<float>(t) + 10) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// A model input that is not float32: a backend that loads it describes its
// dtype and runs it; one that cannot says so, naming the input.
TEST_P(Conformance, DescribesAnInt64InputOrRefusesItByName) {
  GraphBuilder b("cast");
  b.Input("ids", DType::kInt64, {-1, 3}, {"N"})
      .Node("Cast", {"ids"}, {"y"}, {Attr("to", int64_t{onnx::TensorProto::FLOAT})})
      .Output("y", DType::kFloat32, {-1, 3}, {"N"});
  auto session = Engine()->Load(WriteModel(b.Build(), dir_ / "cast.onnx"), {});
  if (!session.ok()) {
    EXPECT_EQ(session.status().code(), StatusCode::kUnsupported) << session.status().ToString();
    EXPECT_NE(session.status().message().find("input 'ids' is int64"), std::string::npos) << session.status().message();
    return;
  }
  EXPECT_EQ((*session)->inputs()[0].dtype, DType::kInt64);
  Tensor ids = Tensor::Owned(DType::kInt64, {1, 3});
  ids.values<int64_t>()[2] = 7;
  auto out = (*session)->Run({&ids, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FLOAT_EQ((*out)[0].values<float>()[2], 7.0F);
}

TEST_P(Conformance, WrongInputsAreInvalidArgumentNamingTheInput) {
  auto session = LoadOrDie(testing::TinyCnn());
  ASSERT_NE(session, nullptr);
  const Tensor small = Tensor::Owned(DType::kFloat32, {1, 3, 28, 28});
  auto shape = session->Run({&small, 1});
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(shape.status().message(), "input 'input': expected shape [N,3,32,32], got [1,3,28,28]");

  const Tensor doubles = Tensor::Owned(DType::kFloat64, {1, 3, 32, 32});
  auto dtype = session->Run({&doubles, 1});
  ASSERT_FALSE(dtype.ok());
  EXPECT_EQ(dtype.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dtype.status().message(), "input 'input': expected dtype float32, got float64");

  const std::vector<Tensor> two(2, Tensor::Owned(DType::kFloat32, {1, 3, 32, 32}));
  auto count = session->Run(two);
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(count.status().message(), "the model takes 1 input(s), got 2");
}

TEST_P(Conformance, MissingFileIsNotFoundNamingIt) {
  auto session = Engine()->Load("/nonexistent/model.onnx", {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kNotFound);
  EXPECT_NE(session.status().message().find("/nonexistent/model.onnx"), std::string::npos);
}

TEST_P(Conformance, NonOnnxAndTruncatedFilesAreInvalidDataInOneLine) {
  testing::WriteFile(dir_ / "notes.onnx", "this is not a model\n");
  const std::string bytes = testing::TinyCnn().SerializeAsString();
  testing::WriteFile(dir_ / "cut.onnx", bytes.substr(0, bytes.size() / 2));
  for (const char* name : {"notes.onnx", "cut.onnx"}) {
    SCOPED_TRACE(name);
    auto session = Engine()->Load(dir_ / name, {});
    ASSERT_FALSE(session.ok());
    EXPECT_EQ(session.status().code(), StatusCode::kInvalidData) << session.status().ToString();
    EXPECT_NE(session.status().message().find(name), std::string::npos) << session.status().message();
    EXPECT_EQ(session.status().message().find('\n'), std::string::npos) << session.status().message();
  }
}

TEST_P(Conformance, AnOperatorNoRuntimeKnowsIsUnsupportedInOneLineNamingIt) {
  GraphBuilder b("custom");
  b.Input("x", DType::kFloat32, {1, 4})
      .Node("Frobnicate", {"x"}, {"y"}, {}, "com.example")
      .Output("y", DType::kFloat32, {1, 4});
  auto session = Engine()->Load(WriteModel(b.Build(), dir_ / "custom.onnx"), {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported) << session.status().ToString();
  const std::string& message = session.status().message();
  EXPECT_NE(message.find("Frobnicate"), std::string::npos) << message;
  EXPECT_NE(message.find("custom.onnx"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST_P(Conformance, OffersCpuAndRefusesAnUnknownProviderListingTheOthers) {
  auto backend = Engine();
  const auto providers = backend->AvailableProviders();
  EXPECT_NE(std::find(providers.begin(), providers.end(), "cpu"), providers.end());
  EXPECT_TRUE(backend->CheckProvider("cpu").ok());
  BackendOptions options;
  options.execution_provider = "nosuchaccelerator";
  auto session = backend->Load(WriteModel(LinearModel(), dir_ / "linear.onnx"), options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(session.status().message().find("available: "), std::string::npos) << session.status().message();
  EXPECT_NE(session.status().message().find("use execution provider 'cpu'"), std::string::npos);
  EXPECT_EQ(backend->CheckProvider("nosuchaccelerator").code(), StatusCode::kUnsupported);
}

// name() is a label CreateBackend takes back, for the same runtime.
TEST_P(Conformance, NameResolvesToTheSameEngine) {
  auto backend = Engine();
  EXPECT_FALSE(backend->version().empty());
  auto again = CreateBackend(backend->name());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->name(), backend->name());
  EXPECT_EQ((*again)->version(), backend->version());
}

// The real model: a batch of 4 gives, row by row, what each image gives alone.
TEST_P(Conformance, RunsTheRealResNet20ConsistentlyAcrossBatches) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "cifar10-resnet/resnet20_cifar10.onnx");
  auto session = Engine()->Load(model, {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const Tensor x = Filled({4, 3, 32, 32}, -2.0F, 4.0F / (4 * 3 * 32 * 32));
  auto batch = (*session)->Run({&x, 1});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ((*batch)[0].shape(), (Shape{4, 10}));
  const auto all = (*batch)[0].values<float>();
  const std::size_t image_floats = 3 * 32 * 32;
  for (std::size_t i = 0; i < 4; ++i) {
    Tensor one = Tensor::Owned(DType::kFloat32, {1, 3, 32, 32});
    std::copy_n(x.values<float>().begin() + static_cast<std::ptrdiff_t>(i * image_floats), image_floats,
                one.values<float>().begin());
    auto alone = (*session)->Run({&one, 1});
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    for (std::size_t c = 0; c < 10; ++c) EXPECT_NEAR((*alone)[0].values<float>()[c], all[i * 10 + c], 1e-3) << i;
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(EveryBackend, Conformance, ::testing::ValuesIn(BackendNames()), ParamName);

TEST(BackendRegistry, UnknownNameIsInvalidArgumentListingTheKnownOnes) {
  auto backend = CreateBackend("tensorrt-of-the-future");
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kInvalidArgument);
  for (const std::string& name : BackendNames()) {
    EXPECT_NE(backend.status().message().find(name), std::string::npos) << backend.status().message();
    auto created = CreateBackend(name);
    // Another ONNX Runtime version than the one this process runs is refused.
    EXPECT_TRUE(created.ok() || created.status().code() == StatusCode::kFailedPrecondition) << name;
  }
}

}  // namespace
}  // namespace sweetspot
