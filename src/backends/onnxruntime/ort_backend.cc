#include "backends/onnxruntime/ort_backend.h"

#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backends/load_checks.h"
#include "backends/onnxruntime/ort_library.h"
#include "sweetspot/cpus.h"
#include "sweetspot/log.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot::ort {
namespace {

// ONNX Runtime's log goes through ours: no colour codes, our prefix, our
// threshold. Its errors are dropped to debug because each one also comes back
// as an exception, which LoadFailure/FromOrtException turn into one line.
// A model exported with its weights also listed as graph inputs (older
// PyTorch exporters, the shared NanoDet models) draws one warning per
// initializer at every load, 150 lines for one model: the first is shown, as
// the hint it carries (constant folding is off for such weights) matters to
// a speed measurement, and the rest go to debug.
bool RepeatsInitializerWarning(std::string_view message) {
  static std::atomic<bool> shown{false};
  if (message.find("appears in graph inputs and will not be treated as constant") == std::string_view::npos) {
    return false;
  }
  return shown.exchange(true);
}

void ORT_API_CALL ForwardOrtLog(void* /*param*/, OrtLoggingLevel severity, const char* /*category*/,
                                const char* /*logid*/, const char* /*code_location*/, const char* message) {
  LogLevel level = severity == ORT_LOGGING_LEVEL_WARNING ? LogLevel::kWarning : LogLevel::kDebug;
  if (level == LogLevel::kWarning && RepeatsInitializerWarning(message)) level = LogLevel::kDebug;
  Log(level, std::string("onnxruntime: ") + message);
}

OrtLoggingLevel OrtThreshold() {
  switch (LogThreshold()) {
    case LogLevel::kDebug: return ORT_LOGGING_LEVEL_INFO;
    case LogLevel::kInfo:
    case LogLevel::kWarning: return ORT_LOGGING_LEVEL_WARNING;
    case LogLevel::kError: return ORT_LOGGING_LEVEL_ERROR;
  }
  return ORT_LOGGING_LEVEL_WARNING;
}

// One Ort::Env per process: ONNX Runtime requires it to outlive every session.
Ort::Env& Environment() {
  static Ort::Env env(OrtThreshold(), "sweetspot", ForwardOrtLog, nullptr);
  return env;
}

// Drops the source locations and C++ signatures ONNX Runtime puts in its
// messages ("/onnxruntime_src/.../model.cc:181 onnxruntime::Model::Model(...) "):
// they help its developers, not our users.
std::string WithoutSourceLocations(const std::string& text) {
  static const std::regex location(R"(\S+\.(cc|h|cpp):\d+ )");
  std::string out;
  std::size_t from = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), location), end; it != end; ++it) {
    const auto at = static_cast<std::size_t>(it->position());
    if (at < from) continue;
    out += text.substr(from, at - from);
    // Skip the signature: up to its balanced closing parenthesis and a trailing " const".
    std::size_t i = at + static_cast<std::size_t>(it->length());
    const std::size_t open = text.find('(', i);
    if (open == std::string::npos) {
      from = i;
      continue;
    }
    int depth = 0;
    for (i = open; i < text.size(); ++i) {
      depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
      if (depth == 0) break;
    }
    from = std::min(text.size(), i + 1);
    if (text.compare(from, 6, " const") == 0) from += 6;
    while (from < text.size() && text[from] == ' ') ++from;
  }
  return out + text.substr(std::min(from, text.size()));
}

// ORT messages may span lines; our errors are one line, without the
// "[ONNXRuntimeError] : 1 : FAIL : " its nested errors carry.
std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  static const std::regex prefix(R"(\[ONNXRuntimeError\] : \d+ : \w+ : )");
  return std::regex_replace(text, prefix, "");
}

// What ONNX Runtime says when it has no kernel for a node: "com.example:
// Frobnicate(-1) is not a registered function/op" (an operator it does not
// know), or "Could not find an implementation for Erf(13) node with name
// 'e'" (one it knows, but not for this version or these input types).
struct MissingKernel {
  std::string op;          // with its domain when ORT names one ("com.example:Frobnicate")
  std::string version;     // the operator's opset version as ORT gives it
  std::string node_name;   // "" when ORT names no node or the node has no name
  bool registered = true;  // false: ORT does not know the operator at all
};

std::optional<MissingKernel> FindMissingKernel(const std::string& what) {
  std::smatch m;
  if (std::regex_search(what, m, std::regex(R"(([\w.]+:)?(\w+)\((-?\d+)\) is not a registered function/op)"))) {
    return MissingKernel{m[1].str() + m[2].str(), m[3].str(), "", false};
  }
  if (std::regex_search(
          what, m,
          std::regex(R"(Could not find an implementation for (\w+)\((\d+)\)(?: node with name '([^']*)')?)"))) {
    return MissingKernel{m[1].str(), m[2].str(), m[3].str(), true};
  }
  return std::nullopt;
}

// The input types of the node ORT has no kernel for, when they explain it:
// a standard operator whose inputs are not all float32 (int64 Erf, float16
// on the CPU provider) lacks a kernel for those types, not for the opset.
std::optional<std::string> UnsupportedInputTypes(const MissingKernel& missing, const onnx::ModelProto* model) {
  if (model == nullptr || !missing.registered) return std::nullopt;
  const auto node = FindNodeInputTypes(*model, missing.op, missing.node_name);
  if (!node || !(node->domain.empty() || node->domain == "ai.onnx")) return std::nullopt;
  std::string types;
  bool all_float32 = true;
  for (const std::string& type : node->input_types) {
    if (type.empty()) continue;
    all_float32 = all_float32 && type == "float";
    if (types.find(type) == std::string::npos) types += (types.empty() ? "" : ", ") + type;
  }
  if (types.empty() || all_float32) return std::nullopt;
  const std::string name =
      node->node_name.empty() ? "an unnamed " + node->op_type + " node" : "node '" + node->node_name + "'";
  return "ONNX Runtime has no " + node->op_type + " kernel for " + types + " inputs (" + name + ", op " +
         node->op_type + " version " + missing.version +
         "): cast those inputs to float (or export the model with "
         "float32 tensors there)";
}

// Maps ORT's error codes onto ours. ORT reports an operator it does not know
// as a generic failure, so the message is inspected to tell the user why.
// `model`, when given, tells a missing kernel for an input type from one for
// an opset.
Status FromOrtException(const Ort::Exception& e, const std::string& context, bool loading,
                        const onnx::ModelProto* model = nullptr) {
  const std::string what = WithoutSourceLocations(OneLine(e.what()));
  if (const auto missing = FindMissingKernel(what)) {
    if (const auto by_type = UnsupportedInputTypes(*missing, model)) {
      return Status::Unsupported(context + ": " + *by_type);
    }
    const std::string op = missing->registered ? missing->op + " (version " + missing->version + ")" : missing->op;
    return Status::Unsupported(context + ": ONNX Runtime has no kernel for operator " + op +
                               ": re-export the model with standard ONNX operators (opset " +
                               std::to_string(kMinRuntimeOpset) + " to " + std::to_string(kMaxRuntimeOpset) + ")");
  }
  const std::string message = context + ": " + what;
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

// A model ONNX Runtime cannot load is diagnosed by the ONNX loader first (Git
// LFS pointer, bad protobuf, opset, missing external data), so every
// subcommand words the same problem the same way; what it finds fine is
// left to ONNX Runtime's own message.
Status LoadFailure(const Ort::Exception& e, const std::filesystem::path& model_path) {
  auto parsed = LoadOnnxModel(model_path);
  if (!parsed.ok()) return parsed.status();
  return FromOrtException(e, "cannot load model '" + model_path.string() + "'", /*loading=*/true, &*parsed);
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

// The name of a type as ONNX writes it, tensors by element type inside containers:
// "seq(map(int64,float))", "optional(float)", "sparse_tensor(float)".
std::string TypeName(const Ort::ConstTypeInfo& type) {
  switch (type.GetONNXType()) {
    case ONNX_TYPE_TENSOR: return OnnxElementTypeName(type.GetTensorTypeAndShapeInfo().GetElementType());
    case ONNX_TYPE_SPARSETENSOR:
      return "sparse_tensor(" + OnnxElementTypeName(type.GetTensorTypeAndShapeInfo().GetElementType()) + ")";
    case ONNX_TYPE_SEQUENCE: {
      const Ort::TypeInfo element = type.GetSequenceTypeInfo().GetSequenceElementType();
      return "seq(" + TypeName(element.GetConst()) + ")";
    }
    case ONNX_TYPE_MAP: {
      const auto map = type.GetMapTypeInfo();
      const Ort::TypeInfo value = map.GetMapValueType();
      return "map(" + OnnxElementTypeName(map.GetMapKeyType()) + "," + TypeName(value.GetConst()) + ")";
    }
    case ONNX_TYPE_OPTIONAL: {
      const Ort::TypeInfo element = type.GetOptionalTypeInfo().GetOptionalElementType();
      return "optional(" + TypeName(element.GetConst()) + ")";
    }
    default: return "unknown";
  }
}

// A dense tensor becomes dtype + shape; anything else keeps only its type name.
Result<TensorInfo> Describe(const std::string& name, const Ort::TypeInfo& type_info) {
  TensorInfo info;
  info.name = name;
  if (type_info.GetONNXType() != ONNX_TYPE_TENSOR) {
    info.value_type = TypeName(type_info.GetConst());
    return info;
  }
  auto tensor_info = type_info.GetTensorTypeAndShapeInfo();
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
    // Only tensor outputs are fetched: ONNX Runtime then skips what computes
    // the others alone (a ZipMap after the scores, say).
    for (const auto& o : outputs_) {
      if (o.is_tensor()) output_names_.push_back(o.name.c_str());
    }
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

// Short names we accept -> ONNX Runtime's names. `ort_name` is what
// Ort::GetAvailableProviders lists; `append_name` is what
// SessionOptions::AppendExecutionProvider accepts ("" where the provider has
// an append function of its own, or none is needed).
struct ProviderName {
  std::string_view short_name;
  std::string_view ort_name;
  std::string_view append_name;
};

constexpr ProviderName kProviderNames[] = {
    {"cpu", "CPUExecutionProvider", ""},
    {"cuda", "CUDAExecutionProvider", ""},
    {"tensorrt", "TensorrtExecutionProvider", ""},
    {"openvino", "OpenVINOExecutionProvider", "OpenVINO"},
    {"qnn", "QNNExecutionProvider", "QNN"},
    {"snpe", "SNPEExecutionProvider", "SNPE"},
    {"xnnpack", "XnnpackExecutionProvider", "XNNPACK"},
    {"webgpu", "WebGpuExecutionProvider", "WebGPU"},
    {"azure", "AzureExecutionProvider", "AZURE"},
    {"vitisai", "VitisAIExecutionProvider", "VitisAI"},
    {"coreml", "CoreMLExecutionProvider", "CoreML"},
};

const ProviderName* FindProvider(std::string_view short_name) {
  for (const auto& p : kProviderNames) {
    if (p.short_name == short_name) return &p;
  }
  return nullptr;
}

Status AppendProvider(Ort::SessionOptions& so, const ProviderName& provider) {
  if (provider.short_name == "cpu") return Status::Ok();
  if (provider.short_name == "cuda") {
    OrtCUDAProviderOptionsV2* cuda = nullptr;
    Ort::ThrowOnError(Ort::GetApi().CreateCUDAProviderOptions(&cuda));
    std::unique_ptr<OrtCUDAProviderOptionsV2, decltype(Ort::GetApi().ReleaseCUDAProviderOptions)> guard(
        cuda, Ort::GetApi().ReleaseCUDAProviderOptions);
    so.AppendExecutionProvider_CUDA_V2(*cuda);
    return Status::Ok();
  }
  if (provider.short_name == "tensorrt") {
    OrtTensorRTProviderOptionsV2* trt = nullptr;
    Ort::ThrowOnError(Ort::GetApi().CreateTensorRTProviderOptions(&trt));
    std::unique_ptr<OrtTensorRTProviderOptionsV2, decltype(Ort::GetApi().ReleaseTensorRTProviderOptions)> guard(
        trt, Ort::GetApi().ReleaseTensorRTProviderOptions);
    so.AppendExecutionProvider_TensorRT_V2(*trt);
    return Status::Ok();
  }
  so.AppendExecutionProvider(std::string(provider.append_name), std::unordered_map<std::string, std::string>{});
  return Status::Ok();
}

// ONNX Runtime's reason a provider cannot be enabled, in one line of ours:
// the shared library that did not load, else its text without the prefix.
std::string ProviderFailureReason(const std::string& what) {
  const std::string text = WithoutSourceLocations(OneLine(what));
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(([^\s:/]+\.so[.\d]*): cannot open shared object file)"))) {
    return "its library " + m[1].str() + " is not installed beside libonnxruntime";
  }
  if (std::regex_search(text, m, std::regex(R"(Failed to load library ([^\s]+))"))) {
    return "its library " + m[1].str() + " does not load";
  }
  return text;
}

// Checks `short_name` is listed, then enables it on `so`.
Status EnableProvider(Ort::SessionOptions& so, const std::string& short_name,
                      const std::vector<std::string>& available) {
  if (std::find(available.begin(), available.end(), short_name) == available.end()) {
    std::string names;
    for (const auto& p : available) names += (names.empty() ? "" : ", ") + p;
    return Status::Unsupported("execution provider '" + short_name +
                               "' is not in this ONNX Runtime build (available: " + names + ")");
  }
  try {
    return AppendProvider(so, *FindProvider(short_name));
  } catch (const Ort::Exception& e) {
    // Builds list providers whose libraries ship separately (CUDA, TensorRT).
    return Status::Unsupported("execution provider '" + short_name +
                               "' cannot be enabled: " + ProviderFailureReason(e.what()));
  }
}

class OrtBackend final : public Backend {
 public:
  // `base` is the library UseOrtLibrary pointed the C++ API at.
  explicit OrtBackend(const OrtApiBase* base) : version_(base->GetVersionString()) {}

  std::string name() const override { return "onnxruntime@" + version_; }
  // Not Ort::GetVersionString(): that asks the linked library, whichever one runs.
  std::string version() const override { return version_; }

  std::vector<std::string> AvailableProviders() const override {
    std::vector<std::string> names;
    for (const auto& p : Ort::GetAvailableProviders()) {
      const std::string short_name = ShortProviderName(p);
      if (!short_name.empty()) names.push_back(short_name);
    }
    return names;
  }

  Status CheckProvider(const std::string& name) const override {
    Ort::SessionOptions so;
    return EnableProvider(so, name, AvailableProviders());
  }

  Result<std::unique_ptr<Session>> Load(const std::filesystem::path& model_path,
                                        const BackendOptions& options) override {
    SWEETSPOT_RETURN_IF_ERROR(CheckLoadArguments(model_path, options));
    Ort::SessionOptions so;
    // ONNX Runtime's own default counts the machine's cores, not the ones this process may use.
    so.SetIntraOpNumThreads(options.intra_op_threads > 0 ? options.intra_op_threads : DefaultThreadCount());
    so.SetInterOpNumThreads(options.inter_op_threads);
    so.SetGraphOptimizationLevel(ToOrtLevel(options.graph_optimization));
    so.SetExecutionMode(options.execution_mode == ExecutionMode::kParallel ? ORT_PARALLEL : ORT_SEQUENTIAL);
    if (!options.allow_spinning) {  // keys of onnxruntime_session_options_config_keys.h
      so.AddConfigEntry("session.intra_op.allow_spinning", "0");
      so.AddConfigEntry("session.inter_op.allow_spinning", "0");
    }
    if (!options.memory_arena) so.DisableCpuMemArena();
    if (!options.optimized_model_path.empty()) {
      so.SetOptimizedModelFilePath(options.optimized_model_path.c_str());
    }
    if (Status enabled = EnableProvider(so, options.execution_provider, AvailableProviders()); !enabled.ok()) {
      return Status::FromCode(enabled.code(), enabled.message() + ": use execution provider 'cpu'");
    }
    try {
      Ort::Session session(Environment(), model_path.c_str(), so);
      return Describe(std::move(session));
    } catch (const Ort::Exception& e) {
      return LoadFailure(e, model_path);
    }
  }

 private:
  static Result<std::unique_ptr<Session>> Describe(Ort::Session session) {
    std::vector<TensorInfo> inputs;
    std::vector<TensorInfo> outputs;
    Ort::AllocatorWithDefaultOptions allocator;
    for (std::size_t i = 0; i < session.GetInputCount(); ++i) {
      std::string name = session.GetInputNameAllocated(i, allocator).get();
      SWEETSPOT_ASSIGN_OR_RETURN(auto info, sweetspot::ort::Describe(name, session.GetInputTypeInfo(i)));
      if (!info.is_tensor()) {
        return Status::Unsupported("model input '" + name + "' is " + info.value_type +
                                   ", not a tensor: sweetspot feeds tensors only");
      }
      inputs.push_back(std::move(info));
    }
    for (std::size_t i = 0; i < session.GetOutputCount(); ++i) {
      std::string name = session.GetOutputNameAllocated(i, allocator).get();
      SWEETSPOT_ASSIGN_OR_RETURN(auto info, sweetspot::ort::Describe(name, session.GetOutputTypeInfo(i)));
      outputs.push_back(std::move(info));
    }
    return std::unique_ptr<Session>(
        std::make_unique<OrtSession>(std::move(session), std::move(inputs), std::move(outputs)));
  }

  std::string version_;
};

}  // namespace

std::string ShortProviderName(std::string_view ort_name) {
  for (const auto& p : kProviderNames) {
    if (p.ort_name == ort_name) return std::string(p.short_name);
  }
  return "";
}

std::vector<std::string> ProviderTable() {
  std::vector<std::string> names;
  for (const auto& p : kProviderNames) names.emplace_back(p.short_name);
  return names;
}

std::string OrtProviderName(std::string_view short_name) {
  const ProviderName* p = FindProvider(short_name);
  return p != nullptr ? std::string(p->ort_name) : "";
}

Status AppendProviderForTest(std::string_view short_name) {
  const ProviderName* provider = FindProvider(short_name);
  if (provider == nullptr) return Status::InvalidArgument("no such provider in the table");
  EnsureOrtApi();
  try {
    Ort::SessionOptions so;
    return AppendProvider(so, *provider);
  } catch (const Ort::Exception& e) {
    return Status::Unsupported(OneLine(e.what()));
  }
}

Result<std::unique_ptr<Backend>> CreateOrtBackend(const OrtLibrary& library) {
  SWEETSPOT_ASSIGN_OR_RETURN(const OrtApiBase* base, UseOrtLibrary(library));
  return std::unique_ptr<Backend>(std::make_unique<OrtBackend>(base));
}

}  // namespace sweetspot::ort
