#include <gtest/gtest.h>

#include "onnxruntime/ort_backend.h"
#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::LinearModel;
using testing::TempDir;
using testing::WriteModel;

std::unique_ptr<Backend> Ort() {
  auto backend = CreateBackend("onnxruntime");
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return std::move(backend).value();
}

TEST(OrtBackend, ReportsVersionAndCpuProvider) {
  auto backend = Ort();
  EXPECT_EQ(backend->version(), "1.21.0");
  const auto providers = backend->AvailableProviders();
  EXPECT_NE(std::find(providers.begin(), providers.end(), "cpu"), providers.end());
}

// Spinning and the memory arena change how the runtime waits and allocates,
// never the values.
TEST(OrtBackend, SpinningAndArenaOffComputeTheSameValues) {
  TempDir dir;
  const auto model = WriteModel(testing::TinyCnn(), dir / "tiny.onnx");
  BackendOptions off;
  off.intra_op_threads = 2;
  off.allow_spinning = false;
  off.memory_arena = false;
  auto plain = Ort()->Load(model, BackendOptions{});
  auto quiet = Ort()->Load(model, off);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_TRUE(quiet.ok()) << quiet.status().ToString();
  Tensor x = Tensor::Owned(DType::kFloat32, {2, 3, 32, 32});
  const auto values = x.values<float>();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 17) / 17.0f;
  auto expected = (*plain)->Run({&x, 1});
  auto got = (*quiet)->Run({&x, 1});
  ASSERT_TRUE(expected.ok() && got.ok());
  const auto e = (*expected)[0].values<float>();
  const auto g = (*got)[0].values<float>();
  ASSERT_EQ(g.size(), e.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(g[i], e[i]) << i;
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
