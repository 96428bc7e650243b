#include <gtest/gtest.h>

#include <thread>

#include "onnxruntime/ort_backend.h"
#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::TempDir;
using testing::WriteModel;

std::unique_ptr<Backend> Ort() {
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return std::move(backend).value();
}

// y = x * W^T + b with W = [[1,2],[3,4],[5,6]], b = [10,20,30]; x: [N,2].
onnx::ModelProto LinearModel() {
  GraphBuilder b("linear");
  b.Input("x", DType::kFloat32, {-1, 2}, {"N"})
      .Initializer("W", {3, 2}, {1, 2, 3, 4, 5, 6})
      .Initializer("b", {3}, {10, 20, 30})
      .Node("Gemm", {"x", "W", "b"}, {"y"}, {Attr("transB", int64_t{1})})
      .Output("y", DType::kFloat32, {-1, 3}, {"N"});
  return b.Build();
}

TEST(OrtBackend, DescribesInputsAndOutputsWithDynamicBatch) {
  TempDir dir;
  auto session = Ort()->Load(WriteModel(testing::TinyCnn(), dir / "tiny.onnx"), {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const auto& in = (*session)->inputs();
  ASSERT_EQ(in.size(), 1U);
  EXPECT_EQ(in[0].name, "input");
  EXPECT_EQ(in[0].dtype, DType::kFloat32);
  EXPECT_EQ(in[0].shape, (Shape{-1, 3, 32, 32}));
  EXPECT_EQ(in[0].dim_names[0], "N");
  const auto& out = (*session)->outputs();
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].name, "logits");
  EXPECT_EQ(out[0].shape, (Shape{-1, 10}));
}

TEST(OrtBackend, RunsABatchAndComputesTheRightValues) {
  TempDir dir;
  auto session = Ort()->Load(WriteModel(LinearModel(), dir / "linear.onnx"), {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = Tensor::Owned(DType::kFloat32, {2, 2});
  auto xv = x.values<float>();
  xv[0] = 1, xv[1] = 1, xv[2] = 2, xv[3] = -1;
  auto out = (*session)->Run({&x, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1U);
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
  const auto y = (*out)[0].values<float>();
  const std::vector<float> expected{13, 27, 41, 10, 22, 34};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;
}

TEST(OrtBackend, RunIsSafeFromSeveralThreadsOnOneSession) {
  TempDir dir;
  auto loaded = Ort()->Load(WriteModel(LinearModel(), dir / "linear.onnx"), {});
  ASSERT_TRUE(loaded.ok());
  Session& session = **loaded;
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Tensor x = Tensor::Owned(DType::kFloat32, {1, 2});
      x.values<float>()[0] = static_cast<float>(t);
      for (int i = 0; i < 200; ++i) {
        auto out = session.Run({&x, 1});
        if (!out.ok() || (*out)[0].values<float>()[0] != static_cast<float>(t) + 10) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(OrtBackend, ReportsVersionAndCpuProvider) {
  auto backend = Ort();
  EXPECT_EQ(backend->version(), "1.21.0");
  const auto providers = backend->AvailableProviders();
  EXPECT_NE(std::find(providers.begin(), providers.end(), "cpu"), providers.end());
}

TEST(OrtBackend, HonoursThreadAndOptimisationOptions) {
  TempDir dir;
  BackendOptions options;
  options.intra_op_threads = 2;
  options.graph_optimization = GraphOptimization::kDisabled;
  options.execution_mode = ExecutionMode::kParallel;
  auto session = Ort()->Load(WriteModel(testing::TinyCnn(), dir / "tiny.onnx"), options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = Tensor::Owned(DType::kFloat32, {3, 3, 32, 32});
  auto out = (*session)->Run({&x, 1});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 10}));
}

TEST(OrtBackend, MissingFileIsNotFound) {
  auto session = Ort()->Load("/nonexistent/model.onnx", {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kNotFound);
  EXPECT_NE(session.status().message().find("/nonexistent/model.onnx"), std::string::npos);
}

TEST(OrtBackend, NonOnnxFileIsInvalidData) {
  TempDir dir;
  testing::WriteFile(dir / "notes.onnx", "this is not a model\n");
  auto session = Ort()->Load(dir / "notes.onnx", {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidData) << session.status().ToString();
  EXPECT_EQ(session.status().message().find('\n'), std::string::npos);
}

TEST(OrtBackend, TruncatedModelIsInvalidData) {
  TempDir dir;
  const std::string bytes = testing::TinyCnn().SerializeAsString();
  testing::WriteFile(dir / "cut.onnx", bytes.substr(0, bytes.size() / 2));
  auto session = Ort()->Load(dir / "cut.onnx", {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidData) << session.status().ToString();
}

TEST(OrtBackend, UnknownOperatorIsUnsupported) {
  TempDir dir;
  GraphBuilder b("custom");
  b.Input("x", DType::kFloat32, {1, 4})
      .Node("Frobnicate", {"x"}, {"y"}, {}, "com.example")
      .Output("y", DType::kFloat32, {1, 4});
  auto session = Ort()->Load(WriteModel(b.Build(), dir / "custom.onnx"), {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported) << session.status().ToString();
  EXPECT_NE(session.status().message().find("Frobnicate"), std::string::npos) << session.status().ToString();
  EXPECT_NE(session.status().message().find("re-export the model with standard ONNX operators"), std::string::npos);
}

// A standard operator ONNX allows on int64 but ONNX Runtime implements for
// float only: the input type is the problem, not the opset. The type of an
// intermediate value comes from ONNX type inference.
TEST(OrtBackend, MissingKernelForAnInputTypeNamesNodeOpAndType) {
  TempDir dir;
  GraphBuilder b("erf");
  b.Input("x", DType::kInt64, {-1, 4}, {"N"})
      .Node("Add", {"x", "x"}, {"doubled"})
      .Node("Erf", {"doubled"}, {"y"})
      .Output("y", DType::kInt64, {-1, 4}, {"N", ""});
  auto session = Ort()->Load(WriteModel(b.Build(), dir / "erf.onnx"), {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  const std::string& message = session.status().message();
  EXPECT_NE(message.find("no Erf kernel for int64 inputs (node 'Erf_2', op Erf version 13)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("cast those inputs to float"), std::string::npos) << message;
  EXPECT_EQ(message.find("opset"), std::string::npos) << message;
  EXPECT_EQ(message.find("ONNXRuntimeError"), std::string::npos) << message;
}

TEST(OrtBackend, WrongInputShapeIsInvalidArgument) {
  TempDir dir;
  auto session = Ort()->Load(WriteModel(testing::TinyCnn(), dir / "tiny.onnx"), {});
  ASSERT_TRUE(session.ok());
  Tensor x = Tensor::Owned(DType::kFloat32, {1, 3, 28, 28});
  auto out = (*session)->Run({&x, 1});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "input 'input': expected shape [N,3,32,32], got [1,3,28,28]");
}

TEST(OrtBackend, UnavailableProviderIsUnsupported) {
  TempDir dir;
  BackendOptions options;
  options.execution_provider = "nosuchaccelerator";
  auto session = Ort()->Load(WriteModel(testing::TinyCnn(), dir / "tiny.onnx"), options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(session.status().message().find("available: "), std::string::npos);
  EXPECT_NE(session.status().message().find("cpu"), std::string::npos);
}

TEST(OrtBackend, UnknownBackendNameIsInvalidArgument) {
  auto backend = CreateBackend("tensorrt-of-the-future");
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(backend.status().message().find("available: onnxruntime"), std::string::npos);
}

TEST(OrtBackend, RunsTheRealResNet20) {
  SWEETSPOT_REQUIRE_SHARED_DATA(model, "cifar10-resnet/resnet20_cifar10.onnx");
  auto session = Ort()->Load(model, {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = Tensor::Owned(DType::kFloat32, {4, 3, 32, 32});
  auto out = (*session)->Run({&x, 1});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{4, 10}));
}

}  // namespace
}  // namespace sweetspot

namespace sweetspot {
namespace {

// Every provider this build lists maps to a short name and back, and either
// loads a model or says the provider cannot be enabled (this build lists CUDA
// and TensorRT, whose libraries ship separately): never "Unknown provider name".
TEST(OrtProviderNames, EveryAvailableProviderRoundTripsAndLoads) {
  TempDir dir;
  const auto model = WriteModel(LinearModel(), dir / "linear.onnx");
  for (const std::string& name : Ort()->AvailableProviders()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(ort::ShortProviderName(ort::OrtProviderName(name)), name);
    BackendOptions options;
    options.execution_provider = name;
    auto session = Ort()->Load(model, options);
    if (name == "cpu") {
      EXPECT_TRUE(session.ok()) << session.status().ToString();
    }
    const Status checked = Ort()->CheckProvider(name);
    EXPECT_EQ(checked.ok(), session.ok()) << checked.message();
    if (session.ok()) continue;
    EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
    EXPECT_NE(session.status().message().find("execution provider '" + name + "' cannot be enabled"), std::string::npos)
        << session.status().message();
    EXPECT_EQ(session.status().message().find("Unknown provider name"), std::string::npos);
    // One line of ours: the library that is missing, not ONNX Runtime's text.
    EXPECT_EQ(checked.message().find("ONNXRuntimeError"), std::string::npos) << checked.message();
    EXPECT_EQ(checked.message().find('\n'), std::string::npos) << checked.message();
    EXPECT_NE(session.status().message().find("use execution provider 'cpu'"), std::string::npos);
  }
  const std::string unknown = Ort()->CheckProvider("nosuchaccelerator").message();
  EXPECT_NE(unknown.find("not in this ONNX Runtime build (available: "), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("cpu"), std::string::npos) << unknown;
  EXPECT_EQ(ort::OrtProviderName("cpu"), "CPUExecutionProvider");
  EXPECT_EQ(ort::OrtProviderName("cuda"), "CUDAExecutionProvider");
  EXPECT_EQ(ort::ShortProviderName("TensorrtExecutionProvider"), "tensorrt");
  EXPECT_EQ(ort::ShortProviderName("NoSuchExecutionProvider"), "");
}

// The runtime recognises every name the table passes to it: a provider this
// build lacks is "not supported in this build", never "Unknown provider name".
TEST(OrtProviderNames, RuntimeKnowsEveryNameInTheTable) {
  for (const std::string& name : ort::ProviderTable()) {
    SCOPED_TRACE(name);
    const Status appended = ort::AppendProviderForTest(name);
    EXPECT_EQ(appended.message().find("Unknown provider name"), std::string::npos) << appended.message();
  }
}

// kMinRuntimeOpset..kMaxRuntimeOpset (onnx_model.h) is what this runtime runs.
TEST(OrtBackend, OpsetRangeMatchesTheRuntime) {
  TempDir dir;
  for (int64_t opset : {kMinRuntimeOpset, kMaxRuntimeOpset}) {
    onnx::ModelProto model = LinearModel();
    model.mutable_opset_import(0)->set_version(opset);
    auto session = Ort()->Load(WriteModel(model, dir / "m.onnx"), {});
    EXPECT_TRUE(session.ok()) << opset << ": " << session.status().ToString();
  }
  onnx::ModelProto newer_ir = LinearModel();
  newer_ir.set_ir_version(kMaxRuntimeIrVersion);
  auto ir_session = Ort()->Load(WriteModel(newer_ir, dir / "m.onnx"), {});
  EXPECT_TRUE(ir_session.ok()) << ir_session.status().ToString();
  newer_ir.set_ir_version(kMaxRuntimeIrVersion + 1);
  EXPECT_FALSE(Ort()->Load(WriteModel(newer_ir, dir / "m.onnx"), {}).ok()) << "raise kMaxRuntimeIrVersion";

  onnx::ModelProto model = LinearModel();
  model.mutable_opset_import(0)->set_version(kMaxRuntimeOpset + 1);
  auto session = Ort()->Load(WriteModel(model, dir / "m.onnx"), {});
  ASSERT_FALSE(session.ok()) << "ONNX Runtime runs opset " << kMaxRuntimeOpset + 1 << ": raise kMaxRuntimeOpset";
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
}

TEST(OrtBackend, NonTensorOutputsAreDescribedAndNotFetched) {
  TempDir dir;
  GraphBuilder b("zip");
  b.Input("x", DType::kFloat32, {-1, 2}, {"N"})
      .Node("Softmax", {"x"}, {"probs"}, {Attr("axis", int64_t{1})})
      .Node("ZipMap", {"probs"}, {"zip"}, {Attr("classlabels_int64s", std::vector<int64_t>{4, 7})}, "ai.onnx.ml")
      .Output("probs", DType::kFloat32, {-1, 2}, {"N"});
  onnx::ModelProto model = b.Build();
  auto* out = model.mutable_graph()->add_output();
  out->set_name("zip");
  auto* map = out->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_map_type();
  map->set_key_type(onnx::TensorProto::INT64);
  map->mutable_value_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto session = Ort()->Load(WriteModel(model, dir / "zip.onnx"), {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const auto& outputs = (*session)->outputs();
  ASSERT_EQ(outputs.size(), 2U);
  EXPECT_TRUE(outputs[0].is_tensor());
  EXPECT_EQ(outputs[1].value_type, "seq(map(int64,float))");
  Tensor x = Tensor::Owned(DType::kFloat32, {2, 2});
  auto ran = (*session)->Run({&x, 1});
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  ASSERT_EQ(ran->size(), 1U);
  EXPECT_FLOAT_EQ((*ran)[0].values<float>()[0], 0.5F);
}

}  // namespace
}  // namespace sweetspot
