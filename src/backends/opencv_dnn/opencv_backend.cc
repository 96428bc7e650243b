#include "backends/opencv_dnn/opencv_backend.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include "backends/load_checks.h"
#include "sweetspot/cpus.h"
#include "sweetspot/log.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot::opencv_dnn {
namespace {

// OpenCV's reason in one line: its "OpenCV(4.6.0) file.cpp:123: error: (-2:...)"
// prefixes, " in function '...'" suffixes and "> " continuation marks are for
// its developers. The node it names stays, in our words: "node 'Hardmax_1':
// OpenCV DNN has no Hardmax layer"; a failed internal check names the check.
std::string Reason(const cv::Exception& e) {
  std::string text = e.err.empty() ? e.what() : e.err;
  if (e.code == cv::Error::StsAssert) text = "OpenCV's check '" + text + "' failed in " + e.func;
  static const std::regex nested_check(
      R"re(OpenCV\([^)]*\) \S+:\d+: error: \(-215:Assertion failed\) (.*) in function '([^']*)')re");
  text = std::regex_replace(text, nested_check, "OpenCV's check '$1' failed in $2");
  static const std::regex noise(R"(OpenCV\([^)]*\) \S+:\d+: error: \(-?\d+:[^)]*\) | in function '[^']*'|(^|\n)> ?)");
  text = std::regex_replace(text, noise, " ");
  static const std::regex node(R"(Node \[[^\]]*\]:\(onnx_node!([^)]*)\) parse error: )");
  text = std::regex_replace(text, node, "node '$1': ");
  static const std::regex no_layer(R"re(Can't create layer "[^"]*" of type "([^"]*)")re");
  text = std::regex_replace(text, no_layer, "OpenCV DNN has no $1 layer");
  static const std::regex spaces(R"(\s+)");
  text = std::regex_replace(text, spaces, " ");
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  return first == std::string::npos ? "OpenCV gave no reason" : text.substr(first, last - first + 1);
}

// OpenCV logs each import error besides throwing it, and 4.6 offers no hook
// to route its log through ours: it stays silent unless we debug, and its
// errors reach the user once, as our Status.
void QuietOpenCvLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    cv::utils::logging::setLogLevel(LogThreshold() == LogLevel::kDebug ? cv::utils::logging::LOG_LEVEL_INFO
                                                                       : cv::utils::logging::LOG_LEVEL_SILENT);
  });
}

// cv::setNumThreads is process-global and, with the TBB build Debian ships,
// rebuilds its task arena on every call: set only when the count changes.
void UseThreads(int threads) {
  static std::atomic<int> current{0};
  if (current.exchange(threads) != threads) cv::setNumThreads(threads);
}

int ToCvDepth(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return CV_32F;
    case DType::kFloat16: return CV_16F;
    case DType::kFloat64: return CV_64F;
    case DType::kInt8: return CV_8S;
    case DType::kUInt8: return CV_8U;
    case DType::kInt16: return CV_16S;
    case DType::kInt32: return CV_32S;
    case DType::kInt64:
    case DType::kBool: return -1;  // no cv::Mat depth
  }
  return -1;
}

// The output's shape: OpenCV's when its rank matches the declared one, else
// the declared shape with its one dynamic dim (if any) taken from the element
// count (OpenCV keeps at least two dims, so a 1-D output comes back 2-D).
Shape OutputShape(const cv::Mat& mat, const Shape& declared) {
  Shape shape(mat.size.p, mat.size.p + mat.dims);
  if (declared.empty() || declared.size() == shape.size()) return shape;
  int64_t known = 1;
  int dynamic = 0;
  for (int64_t d : declared) {
    if (d < 0)
      ++dynamic;
    else
      known *= d;
  }
  if (dynamic > 1 || known == 0) return shape;
  Shape resolved = declared;
  for (int64_t& d : resolved) {
    if (d < 0) d = static_cast<int64_t>(mat.total()) / known;
  }
  return ElementCount(resolved) == static_cast<int64_t>(mat.total()) ? resolved : shape;
}

// OpenCV computes in float32; an output declared with another type is
// converted to it so callers get the dtype outputs() promises.
Tensor ToTensor(const cv::Mat& mat, const TensorInfo& info) {
  Tensor tensor = Tensor::Owned(info.dtype, OutputShape(mat, info.shape));
  cv::Mat dense = mat.isContinuous() ? mat : mat.clone();
  const int depth = ToCvDepth(info.dtype);
  if (depth == dense.depth()) {
    std::memcpy(tensor.data(), dense.data, tensor.size_bytes());
  } else if (depth >= 0) {
    cv::Mat converted;
    dense.reshape(1, 1).convertTo(converted, depth);
    std::memcpy(tensor.data(), converted.data, tensor.size_bytes());
  } else {
    cv::Mat wide;
    dense.reshape(1, 1).convertTo(wide, CV_64F);
    const double* from = wide.ptr<double>();
    if (info.dtype == DType::kInt64) {
      for (auto& v : tensor.values<int64_t>()) v = static_cast<int64_t>(*from++);
    } else {
      for (auto& v : tensor.values<bool>()) v = *from++ != 0;
    }
  }
  return tensor;
}

class OpenCvSession final : public Session {
 public:
  OpenCvSession(cv::dnn::Net net, std::string model, int threads, DeclaredValues declared,
                std::vector<std::string> output_layers)
      : net_(std::move(net)),
        model_(std::move(model)),
        threads_(threads),
        inputs_(std::move(declared.inputs)),
        outputs_(std::move(declared.outputs)),
        output_layers_(std::move(output_layers)) {}

  const std::vector<TensorInfo>& inputs() const override { return inputs_; }
  const std::vector<TensorInfo>& outputs() const override { return outputs_; }

  Result<std::vector<Tensor>> Run(std::span<const Tensor> inputs) override {
    SWEETSPOT_RETURN_IF_ERROR(ValidateInputs(inputs_, inputs));
    // A cv::dnn::Net keeps its inputs and buffers inside: one batch at a time.
    std::lock_guard<std::mutex> lock(mutex_);
    UseThreads(threads_);
    try {
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        const Shape& shape = inputs[i].shape();
        const std::vector<int> sizes(shape.begin(), shape.end());
        // Wrapped, not copied: setInput copies the blob into the net.
        const cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F, const_cast<void*>(inputs[i].data()));
        net_.setInput(blob, inputs_[i].name);
      }
      std::vector<cv::Mat> mats;
      net_.forward(mats, output_layers_);
      std::vector<Tensor> result;
      std::size_t next = 0;
      for (const TensorInfo& info : outputs_) {
        if (info.is_tensor()) result.push_back(ToTensor(mats[next++], info));
      }
      return result;
    } catch (const cv::Exception& e) {
      // OpenCV infers its layers' shapes at the first forward(), not at
      // import: a layer it cannot size for these inputs is valid input it
      // cannot run, like an operator it lacks.
      return Status::Unsupported("opencv-dnn cannot run '" + model_ + "'" + FailingLayer() + ": " + Reason(e));
    }
  }

 private:
  // " at layer 'Add_1' (Scale)": the first layer, in OpenCV's order, whose
  // forward() fails with the inputs already set (OpenCV's own log names it,
  // but 4.6 offers no hook to read that log); "" when none fails alone.
  // Each try runs the layers before it again: this costs time on failure only.
  std::string FailingLayer() {
    for (const std::string& name : net_.getLayerNames()) {
      try {
        net_.forward(name);
      } catch (const cv::Exception&) {
        static const std::regex node_prefix("^onnx_node!");
        return " at layer '" + std::regex_replace(name, node_prefix, "") + "' (" +
               net_.getLayer(net_.getLayerId(name))->type + ")";
      }
    }
    return "";
  }

  std::mutex mutex_;
  cv::dnn::Net net_;
  std::string model_;
  int threads_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  std::vector<std::string> output_layers_;  // OpenCV's layer per tensor output, in order
};

// OpenCV names a layer after its node's first output, so a graph output is
// normally a layer of that name; a single output it renamed while fusing is
// the one unconnected layer left.
Result<std::vector<std::string>> OutputLayers(const cv::dnn::Net& net, const std::vector<TensorInfo>& outputs,
                                              const std::string& context) {
  const std::vector<std::string> unconnected = net.getUnconnectedOutLayersNames();
  std::vector<std::string> layers;
  for (const TensorInfo& info : outputs) {
    if (!info.is_tensor()) continue;
    if (net.getLayerId(info.name) >= 0) {
      layers.push_back(info.name);
    } else if (outputs.size() == 1 && unconnected.size() == 1) {
      layers.push_back(unconnected.front());
    } else {
      return Status::Unsupported(context + ": OpenCV has no layer for output '" + info.name + "'");
    }
  }
  return layers;
}

// Only float32 inputs: OpenCV DNN computes in float32 and would reinterpret
// anything else.
Status CheckInputs(const DeclaredValues& declared, const std::string& context) {
  if (!declared.warnings.empty()) return Status::Unsupported(context + ": " + declared.warnings.front());
  for (const TensorInfo& input : declared.inputs) {
    if (!input.is_tensor()) {
      return Status::Unsupported(context + ": input '" + input.name + "' is " + input.value_type +
                                 ", not a tensor: sweetspot feeds tensors only");
    }
    if (input.dtype != DType::kFloat32) {
      return Status::Unsupported(context + ": input '" + input.name + "' is " + std::string(DTypeName(input.dtype)) +
                                 ", and OpenCV DNN takes float32 inputs only: use another runtime");
    }
  }
  return Status::Ok();
}

class OpenCvBackend final : public Backend {
 public:
  std::string name() const override { return CanonicalName(); }
  std::string version() const override { return CV_VERSION; }
  std::vector<std::string> AvailableProviders() const override { return {"cpu"}; }

  Status CheckProvider(const std::string& name) const override {
    if (name == "cpu") return Status::Ok();
    return Status::Unsupported("execution provider '" + name + "' is not offered by opencv-dnn (available: cpu)");
  }

  Result<std::unique_ptr<Session>> Load(const std::filesystem::path& model_path,
                                        const BackendOptions& options) override {
    SWEETSPOT_RETURN_IF_ERROR(CheckLoadArguments(model_path, options));
    if (Status provider = CheckProvider(options.execution_provider); !provider.ok()) {
      return Status::FromCode(provider.code(), provider.message() + ": use execution provider 'cpu'");
    }
    if (!options.optimized_model_path.empty()) {
      return Status::Unsupported(
          "opencv-dnn cannot write the graph it optimised (optimized_model_path): "
          "OpenCV keeps no ONNX form of it");
    }
    // The project's reader diagnoses the file first (LFS pointer, not ONNX,
    // opset), and declares the inputs OpenCV does not describe.
    SWEETSPOT_ASSIGN_OR_RETURN(const onnx::ModelProto model, LoadOnnxModel(model_path));
    const std::string context = "opencv-dnn cannot import '" + model_path.string() + "'";
    DeclaredValues declared = DescribeGraph(model.graph());
    SWEETSPOT_RETURN_IF_ERROR(CheckInputs(declared, context));
    QuietOpenCvLog();
    const int threads = options.intra_op_threads > 0 ? options.intra_op_threads : DefaultThreadCount();
    UseThreads(threads);
    try {
      cv::dnn::Net net = cv::dnn::readNetFromONNX(model_path.string());
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      net.enableFusion(options.graph_optimization != GraphOptimization::kDisabled);
      SWEETSPOT_ASSIGN_OR_RETURN(std::vector<std::string> layers, OutputLayers(net, declared.outputs, context));
      return std::unique_ptr<Session>(std::make_unique<OpenCvSession>(std::move(net), model_path.string(), threads,
                                                                      std::move(declared), std::move(layers)));
    } catch (const cv::Exception& e) {
      return Status::Unsupported(context + ": " + Reason(e));
    }
  }
};

}  // namespace

std::string CanonicalName() { return std::string(kEngine) + "@" + CV_VERSION; }

std::unique_ptr<Backend> CreateOpenCvBackend() { return std::make_unique<OpenCvBackend>(); }

}  // namespace sweetspot::opencv_dnn
