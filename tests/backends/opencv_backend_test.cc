// What only the OpenCV DNN backend does; the contract every backend meets is
// in conformance_test.cc.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "support/support.h"
#include "support/tiny_models.h"
#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

using testing::TempDir;
using testing::WriteModel;

std::unique_ptr<Backend> OpenCv() {
  auto backend = CreateBackend("opencv-dnn");
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return std::move(backend).value();
}

TEST(OpenCvBackend, IsNamedWithTheOpenCvVersion) {
  auto backend = OpenCv();
  EXPECT_EQ(backend->version(), CV_VERSION);
  EXPECT_EQ(backend->name(), std::string("opencv-dnn@") + CV_VERSION);
  auto versioned = CreateBackend(std::string("opencv-dnn@") + CV_VERSION);
  ASSERT_TRUE(versioned.ok()) << versioned.status().ToString();
  EXPECT_EQ((*versioned)->name(), backend->name());
  EXPECT_EQ(backend->AvailableProviders(), std::vector<std::string>{"cpu"});
}

// Hardmax is standard ONNX that ONNX Runtime runs and OpenCV 4.6 lacks.
TEST(OpenCvBackend, AnOperatorOpenCvLacksNamesTheNodeAndItsOpInOneLine) {
  TempDir dir;
  GraphBuilder b("hardmax");
  b.Input("x", DType::kFloat32, {2, 4}).Node("Hardmax", {"x"}, {"y"}).Output("y", DType::kFloat32, {2, 4});
  const auto path = WriteModel(b.Build(), dir / "hardmax.onnx");
  auto session = OpenCv()->Load(path, {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(session.status().message(),
            "opencv-dnn cannot import '" + path.string() + "': node 'Hardmax_1': OpenCV DNN has no Hardmax layer");
  auto ort = CreateBackend("onnxruntime");
  ASSERT_TRUE(ort.ok());
  EXPECT_TRUE((*ort)->Load(path, {}).ok()) << "pick a standard operator ONNX Runtime runs";
}

// A check inside OpenCV's importer fails (4.6 reads a Gemm's bias wrongly
// without transB): the node and the check, without OpenCV's source locations.
TEST(OpenCvBackend, AFailedImporterCheckNamesTheNodeAndTheCheckInOneLine) {
  TempDir dir;
  GraphBuilder b("gemm");
  b.Input("x", DType::kFloat32, {-1, 2}, {"N"})
      .Initializer("W", {2, 3}, {1, 2, 3, 4, 5, 6})
      .Initializer("b", {3}, {10, 20, 30})
      .Node("Gemm", {"x", "W", "b"}, {"y"})
      .Output("y", DType::kFloat32, {-1, 3}, {"N"});
  const auto path = WriteModel(b.Build(), dir / "gemm.onnx");
  auto session = OpenCv()->Load(path, {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  const std::string& message = session.status().message();
  EXPECT_EQ(message.rfind("opencv-dnn cannot import '" + path.string() + "': node 'Gemm_1': OpenCV's check '", 0), 0U)
      << message;
  EXPECT_EQ(message.find("OpenCV("), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// Valid ONNX that OpenCV imports but cannot run: its Scale layer (an Add of a
// [N,3,4] and a [4] input) fails inside the first forward(). One line naming
// the layer, Unsupported like an operator it lacks; ONNX Runtime runs it.
TEST(OpenCvBackend, AFailureAtTheFirstForwardNamesTheLayerInOneLine) {
  TempDir dir;
  GraphBuilder b("broadcast");
  b.Input("a", DType::kFloat32, {-1, 3, 4}, {"N"})
      .Input("b", DType::kFloat32, {4})
      .Node("Add", {"a", "b"}, {"y"})
      .Output("y", DType::kFloat32, {-1, 3, 4}, {"N"});
  const auto path = WriteModel(b.Build(), dir / "broadcast.onnx");
  std::vector<Tensor> inputs;
  inputs.push_back(Tensor::Owned(DType::kFloat32, {2, 3, 4}));
  inputs.push_back(Tensor::Owned(DType::kFloat32, {4}));
  auto session = OpenCv()->Load(path, {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto outputs = (*session)->Run(inputs);
  ASSERT_FALSE(outputs.ok());
  EXPECT_EQ(outputs.status().code(), StatusCode::kUnsupported);
  const std::string& message = outputs.status().message();
  EXPECT_EQ(
      message.rfind("opencv-dnn cannot run '" + path.string() + "' at layer 'Add_1' (Scale): OpenCV's check '", 0), 0U)
      << message;
  EXPECT_EQ(message.find("OpenCV("), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  auto ort = CreateBackend("onnxruntime");
  ASSERT_TRUE(ort.ok());
  auto ort_session = (*ort)->Load(path, {});
  ASSERT_TRUE(ort_session.ok()) << ort_session.status().ToString();
  EXPECT_TRUE((*ort_session)->Run(inputs).ok());
}

// The message's fix, "use another runtime": ONNX Runtime runs the model.
TEST(OpenCvBackend, ANonFloatInputIsRefusedAndAnotherRuntimeRunsIt) {
  TempDir dir;
  GraphBuilder b("cast");
  b.Input("ids", DType::kInt64, {-1, 3}, {"N"})
      .Node("Cast", {"ids"}, {"y"}, {Attr("to", int64_t{onnx::TensorProto::FLOAT})})
      .Output("y", DType::kFloat32, {-1, 3}, {"N"});
  const auto path = WriteModel(b.Build(), dir / "cast.onnx");
  auto session = OpenCv()->Load(path, {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().message(), "opencv-dnn cannot import '" + path.string() +
                                            "': input 'ids' is int64, and OpenCV DNN takes float32 inputs only: "
                                            "use another runtime");
  auto ort = CreateBackend("onnxruntime");
  ASSERT_TRUE(ort.ok());
  EXPECT_TRUE((*ort)->Load(path, {}).ok());
}

TEST(OpenCvBackend, AnOptimisedGraphFileIsUnsupportedAndLoadsWithoutIt) {
  TempDir dir;
  const auto path = WriteModel(testing::LinearModel(), dir / "linear.onnx");
  BackendOptions options;
  options.optimized_model_path = dir / "optimised.onnx";
  auto session = OpenCv()->Load(path, options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(session.status().message().find("optimized_model_path"), std::string::npos);
  options.optimized_model_path.clear();
  EXPECT_TRUE(OpenCv()->Load(path, options).ok());
}

// cv::setNumThreads is process-global: a session sets its count when it runs.
TEST(OpenCvBackend, EachSessionRunsWithItsThreadCount) {
  TempDir dir;
  const auto path = WriteModel(testing::LinearModel(), dir / "linear.onnx");
  BackendOptions two;
  two.intra_op_threads = 2;
  BackendOptions one;
  one.intra_op_threads = 1;
  auto with_two = OpenCv()->Load(path, two);
  auto with_one = OpenCv()->Load(path, one);
  ASSERT_TRUE(with_two.ok() && with_one.ok());
  EXPECT_EQ(cv::getNumThreads(), 1);
  Tensor x = Tensor::Owned(DType::kFloat32, {1, 2});
  ASSERT_TRUE((*with_two)->Run({&x, 1}).ok());
  EXPECT_EQ(cv::getNumThreads(), 2);
  ASSERT_TRUE((*with_one)->Run({&x, 1}).ok());
  EXPECT_EQ(cv::getNumThreads(), 1);
}

// OpenCV computes in float32; an output declared int64 comes back int64.
TEST(OpenCvBackend, OutputsComeBackInTheirDeclaredDtype) {
  TempDir dir;
  GraphBuilder b("argmax");
  b.Input("x", DType::kFloat32, {-1, 4}, {"N"})
      .Node("ArgMax", {"x"}, {"index"}, {Attr("axis", int64_t{1}), Attr("keepdims", int64_t{1})})
      .Output("index", DType::kInt64, {-1, 1}, {"N"});
  auto session = OpenCv()->Load(WriteModel(b.Build(), dir / "argmax.onnx"), {});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor x = Tensor::Owned(DType::kFloat32, {2, 4});
  auto xv = x.values<float>();
  xv[2] = 5, xv[4] = 9;
  auto out = (*session)->Run({&x, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ((*out)[0].dtype(), DType::kInt64);
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 1}));
  EXPECT_EQ((*out)[0].values<int64_t>()[0], 2);
  EXPECT_EQ((*out)[0].values<int64_t>()[1], 0);
}

}  // namespace
}  // namespace sweetspot
