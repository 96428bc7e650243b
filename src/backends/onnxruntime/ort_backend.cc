#include "backends/onnxruntime/ort_backend.h"

#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <string>
#include <unordered_map>

#include "sweetspot/cpus.h"

namespace sweetspot::ort {
namespace {

// One Ort::Env per process: ONNX Runtime requires it to outlive every session.
Ort::Env& Environment() {
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "sweetspot");
  return env;
}

// ORT messages may span lines; our errors are one line.
std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

// Maps ORT's error codes onto ours. ORT reports an operator it does not know
// as a generic failure, so the message is inspected to tell the user why.
Status FromOrtException(const Ort::Exception& e, const std::string& context, bool loading) {
  const std::string what = OneLine(e.what());
  const std::string message = context + ": " + what;
  if (what.find("is not a registered function/op") != std::string::npos ||
      what.find("Could not find an implementation") != std::string::npos) {
    return Status::Unsupported(message +
                               " (ONNX Runtime has no kernel for this operator; re-export the model "
                               "with standard ONNX operators or a supported opset)");
  }
  switch (e.GetOrtErrorCode()) {
    case ORT_NO_SUCHFILE: return Status::NotFound(message);
    case ORT_INVALID_PROTOBUF:
    case ORT_INVALID_GRAPH:
    case ORT_NO_MODEL: return Status::InvalidData(message);
    case ORT_NOT_IMPLEMENTED: return Status::Unsupported(message);
    case ORT_INVALID_ARGUMENT: return Status::InvalidArgument(message);
    // A model that fails to load is the model's problem, not the machine's.
    default: return loading ? Status::InvalidData(message) : Status::RuntimeError(message);
  }
}

Result<DType> FromOrtType(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return DType::kFloat32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return DType::kFloat16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return DType::kFloat64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return DType::kInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return DType::kUInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: return DType::kInt16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return DType::kInt32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return DType::kInt64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return DType::kBool;
    default: return Status::Unsupported("ONNX Runtime element type " + std::to_string(type) + " is not supported");
  }
}

ONNXTensorElementDataType ToOrtType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case DType::kFloat16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    case DType::kFloat64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
    case DType::kInt8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
    case DType::kUInt8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    case DType::kInt16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16;
    case DType::kInt32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case DType::kInt64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
    case DType::kBool: return ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

// ORT's provider names, e.g. "CPUExecutionProvider" <-> our short "cpu".
std::string ShortProviderName(const std::string& ort_name) {
  std::string name = ort_name;
  const std::string suffix = "ExecutionProvider";
  if (name.size() > suffix.size() && name.ends_with(suffix)) name.resize(name.size() - suffix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

Result<TensorInfo> DescribeTensor(const std::string& name, const Ort::TypeInfo& type_info) {
  if (type_info.GetONNXType() != ONNX_TYPE_TENSOR) {
    return Status::Unsupported("model input/output '" + name +
                               "' is not a tensor (sequences and maps are not supported)");
  }
  auto tensor_info = type_info.GetTensorTypeAndShapeInfo();
  TensorInfo info;
  info.name = name;
  SWEETSPOT_ASSIGN_OR_RETURN(info.dtype, FromOrtType(tensor_info.GetElementType()));
  info.shape = tensor_info.GetShape();
  std::vector<const char*> symbolic(info.shape.size(), nullptr);
  tensor_info.GetSymbolicDimensions(symbolic.data(), symbolic.size());
  for (const char* s : symbolic) info.dim_names.emplace_back(s != nullptr ? s : "");
  return info;
}

class OrtSession final : public Session {
 public:
  OrtSession(Ort::Session session, std::vector<TensorInfo> inputs, std::vector<TensorInfo> outputs)
      : session_(std::move(session)), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
    for (const auto& i : inputs_) input_names_.push_back(i.name.c_str());
    for (const auto& o : outputs_) output_names_.push_back(o.name.c_str());
  }

  const std::vector<TensorInfo>& inputs() const override { return inputs_; }
  const std::vector<TensorInfo>& outputs() const override { return outputs_; }

  Result<std::vector<Tensor>> Run(std::span<const Tensor> inputs) override {
    SWEETSPOT_RETURN_IF_ERROR(ValidateInputs(inputs_, inputs));
    try {
      // Inputs are wrapped, not copied: ORT reads the caller's buffers.
      std::vector<Ort::Value> values;
      values.reserve(inputs.size());
      for (const Tensor& t : inputs) {
        values.push_back(Ort::Value::CreateTensor(memory_info_, const_cast<void*>(t.data()), t.size_bytes(),
                                                  t.shape().data(), t.shape().size(), ToOrtType(t.dtype())));
      }
      auto outputs = session_.Run(run_options_, input_names_.data(), values.data(), values.size(), output_names_.data(),
                                  output_names_.size());
      std::vector<Tensor> result;
      result.reserve(outputs.size());
      for (auto& value : outputs) {
        auto shape_info = value.GetTensorTypeAndShapeInfo();
        SWEETSPOT_ASSIGN_OR_RETURN(DType dtype, FromOrtType(shape_info.GetElementType()));
        Shape shape = shape_info.GetShape();
        // The Ort::Value owns the output buffer; the tensor keeps it alive.
        auto owner = std::make_shared<Ort::Value>(std::move(value));
        void* data = owner->GetTensorMutableRawData();
        result.push_back(Tensor::Borrowed(dtype, std::move(shape), data, owner));
      }
      return result;
    } catch (const Ort::Exception& e) {
      return FromOrtException(e, "inference failed", /*loading=*/false);
    }
  }

 private:
  Ort::Session session_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  std::vector<const char*> input_names_;
  std::vector<const char*> output_names_;
  Ort::MemoryInfo memory_info_ = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::RunOptions run_options_{nullptr};
};

GraphOptimizationLevel ToOrtLevel(GraphOptimization level) {
  switch (level) {
    case GraphOptimization::kDisabled: return ORT_DISABLE_ALL;
    case GraphOptimization::kBasic: return ORT_ENABLE_BASIC;
    case GraphOptimization::kExtended: return ORT_ENABLE_EXTENDED;
    case GraphOptimization::kAll: return ORT_ENABLE_ALL;
  }
  return ORT_ENABLE_ALL;
}

class OrtBackend final : public Backend {
 public:
  std::string name() const override { return "onnxruntime"; }
  std::string version() const override { return Ort::GetVersionString(); }

  std::vector<std::string> AvailableProviders() const override {
    std::vector<std::string> names;
    for (const auto& p : Ort::GetAvailableProviders()) names.push_back(ShortProviderName(p));
    return names;
  }

  Result<std::unique_ptr<Session>> Load(const std::filesystem::path& model_path,
                                        const BackendOptions& options) override {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(model_path, ec)) {
      return Status::NotFound("model file '" + model_path.string() + "' does not exist; check the path");
    }
    if (options.intra_op_threads < 0 || options.inter_op_threads < 0) {
      return Status::InvalidArgument("thread counts must be >= 0 (0 = the runtime's default)");
    }
    const auto providers = AvailableProviders();
    if (std::find(providers.begin(), providers.end(), options.execution_provider) == providers.end()) {
      std::string available;
      for (const auto& p : providers) available += (available.empty() ? "" : ", ") + p;
      return Status::Unsupported("execution provider '" + options.execution_provider +
                                 "' is not in this ONNX Runtime build (available: " + available + ")");
    }
    try {
      Ort::SessionOptions so;
      // ONNX Runtime's own default counts the machine's cores, not the ones this process may use.
      so.SetIntraOpNumThreads(options.intra_op_threads > 0 ? options.intra_op_threads : DefaultThreadCount());
      so.SetInterOpNumThreads(options.inter_op_threads);
      so.SetGraphOptimizationLevel(ToOrtLevel(options.graph_optimization));
      so.SetExecutionMode(options.execution_mode == ExecutionMode::kParallel ? ORT_PARALLEL : ORT_SEQUENTIAL);
      if (options.execution_provider == "cuda") {
        OrtCUDAProviderOptionsV2* cuda = nullptr;
        Ort::ThrowOnError(Ort::GetApi().CreateCUDAProviderOptions(&cuda));
        std::unique_ptr<OrtCUDAProviderOptionsV2, decltype(Ort::GetApi().ReleaseCUDAProviderOptions)> guard(
            cuda, Ort::GetApi().ReleaseCUDAProviderOptions);
        so.AppendExecutionProvider_CUDA_V2(*cuda);
      } else if (options.execution_provider != "cpu") {
        so.AppendExecutionProvider(options.execution_provider, std::unordered_map<std::string, std::string>{});
      }
      Ort::Session session(Environment(), model_path.c_str(), so);

      std::vector<TensorInfo> inputs;
      std::vector<TensorInfo> outputs;
      Ort::AllocatorWithDefaultOptions allocator;
      for (std::size_t i = 0; i < session.GetInputCount(); ++i) {
        std::string name = session.GetInputNameAllocated(i, allocator).get();
        SWEETSPOT_ASSIGN_OR_RETURN(auto info, DescribeTensor(name, session.GetInputTypeInfo(i)));
        inputs.push_back(std::move(info));
      }
      for (std::size_t i = 0; i < session.GetOutputCount(); ++i) {
        std::string name = session.GetOutputNameAllocated(i, allocator).get();
        SWEETSPOT_ASSIGN_OR_RETURN(auto info, DescribeTensor(name, session.GetOutputTypeInfo(i)));
        outputs.push_back(std::move(info));
      }
      return std::unique_ptr<Session>(
          std::make_unique<OrtSession>(std::move(session), std::move(inputs), std::move(outputs)));
    } catch (const Ort::Exception& e) {
      return FromOrtException(e, "cannot load model '" + model_path.string() + "'", /*loading=*/true);
    }
  }
};

}  // namespace

std::unique_ptr<Backend> CreateOrtBackend() { return std::make_unique<OrtBackend>(); }

}  // namespace sweetspot::ort
