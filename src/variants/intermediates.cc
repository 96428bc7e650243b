#include "variants/intermediates.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include <fmt/core.h>

#include "sweetspot/onnx_model.h"

namespace sweetspot::variants {
namespace {

namespace fs = std::filesystem;

// Graph inputs that are not initializers (before IR 4, weights were listed
// as inputs too).
std::vector<std::string> FedInputs(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> initializers;
  for (const auto& init : graph.initializer()) initializers.insert(init.name());
  std::vector<std::string> names;
  for (const auto& input : graph.input()) {
    if (!initializers.contains(input.name())) names.push_back(input.name());
  }
  return names;
}

Status CheckNamesExist(const onnx::GraphProto& graph, std::span<const std::string> tensors) {
  const auto inputs = FedInputs(graph);
  std::unordered_set<std::string> known(inputs.begin(), inputs.end());
  for (const auto& node : graph.node()) known.insert(node.output().begin(), node.output().end());
  for (const auto& name : tensors) {
    if (!known.contains(name)) {
      return Status::InvalidArgument(
          fmt::format("the model has no tensor '{}' (expected a graph input or a node output)", name));
    }
  }
  return Status::Ok();
}

// Element type of every value the graph declares a tensor type for.
std::unordered_map<std::string, int32_t> DeclaredTypes(const onnx::GraphProto& graph) {
  std::unordered_map<std::string, int32_t> types;
  for (const auto* infos : {&graph.input(), &graph.output(), &graph.value_info()}) {
    for (const auto& info : *infos) {
      if (info.type().has_tensor_type()) types[info.name()] = info.type().tensor_type().elem_type();
    }
  }
  return types;
}

// Declared types, completed by libonnx's shape inference when some are
// missing (its failures only leave those types unknown).
std::unordered_map<std::string, int32_t> KnownTypes(const onnx::ModelProto& model,
                                                    std::span<const std::string> tensors) {
  auto types = DeclaredTypes(model.graph());
  if (std::all_of(tensors.begin(), tensors.end(), [&](const auto& name) { return types.contains(name); })) {
    return types;
  }
  onnx::ModelProto inferred = model;
  try {
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance());
  } catch (const std::exception&) {
    return types;
  }
  return DeclaredTypes(inferred.graph());
}

Status CheckFloatTensors(const onnx::ModelProto& model, std::span<const std::string> tensors) {
  const auto types = KnownTypes(model, tensors);
  for (const auto& name : tensors) {
    const auto it = types.find(name);
    if (it == types.end()) {
      return Status::InvalidArgument(
          fmt::format("cannot tell the element type of tensor '{}': shape inference does not reach it", name));
    }
    if (it->second != onnx::TensorProto::FLOAT) {
      return Status::InvalidArgument(fmt::format("tensor '{}' is {}, not float: only float activations can be read",
                                                 name, OnnxElementTypeName(it->second)));
    }
  }
  return Status::Ok();
}

// The copy with every requested tensor that is not already a graph input or
// output added as an output of element type float, shape left unknown.
onnx::ModelProto WithOutputs(const onnx::ModelProto& model, std::span<const std::string> tensors,
                             const std::string& input) {
  onnx::ModelProto copy = model;
  std::unordered_set<std::string> outputs{input};
  for (const auto& output : copy.graph().output()) outputs.insert(output.name());
  for (const auto& name : tensors) {
    if (!outputs.insert(name).second) continue;
    auto* output = copy.mutable_graph()->add_output();
    output->set_name(name);
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  return copy;
}

// A uniquely named file in the temporary folder, deleted with this object.
class TemporaryFile {
 public:
  static Result<TemporaryFile> Create() {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-intermediates-XXXXXX.onnx").string();
    const int fd = ::mkstemps(pattern.data(), 5);
    if (fd < 0) return Status::IoError("cannot create a temporary file in " + fs::temp_directory_path().string());
    ::close(fd);
    return TemporaryFile(pattern);
  }
  TemporaryFile(TemporaryFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TemporaryFile(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

Result<std::unique_ptr<Session>> LoadCopy(Backend& backend, const onnx::ModelProto& copy,
                                          const BackendOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(TemporaryFile file, TemporaryFile::Create());
  SWEETSPOT_RETURN_IF_ERROR(SaveOnnxModel(copy, file.path()));
  auto session = backend.Load(file.path(), options);
  if (!session.ok()) return session.status().WithContext("the model with its intermediate tensors as outputs");
  return session;
}

}  // namespace

Result<IntermediateRunner> IntermediateRunner::Load(Backend& backend, const onnx::ModelProto& model,
                                                    std::span<const std::string> tensors,
                                                    const BackendOptions& options) {
  const auto inputs = FedInputs(model.graph());
  if (inputs.size() != 1) {
    return Status::InvalidArgument(
        fmt::format("the model has {} graph inputs; reading its intermediate tensors feeds one", inputs.size()));
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckNamesExist(model.graph(), tensors));
  SWEETSPOT_RETURN_IF_ERROR(CheckFloatTensors(model, tensors));
  SWEETSPOT_ASSIGN_OR_RETURN(auto session, LoadCopy(backend, WithOutputs(model, tensors, inputs[0]), options));
  std::unordered_map<std::string, std::ptrdiff_t> output_index;  // among the tensor outputs Run returns
  std::ptrdiff_t next_index = 0;
  for (const auto& output : session->outputs()) {
    if (output.is_tensor()) output_index.emplace(output.name, next_index++);
  }
  std::vector<std::ptrdiff_t> sources;
  for (const auto& name : tensors) {
    if (name == inputs[0]) {
      sources.push_back(kInputBatch);
      continue;
    }
    const auto it = output_index.find(name);
    if (it == output_index.end()) return Status::Internal("the runtime dropped the output '" + name + "'");
    sources.push_back(it->second);
  }
  return IntermediateRunner(std::move(session), std::move(sources));
}

Result<std::vector<Tensor>> IntermediateRunner::Run(const Tensor& batch) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto outputs, session_->Run(std::span<const Tensor>(&batch, 1)));
  std::vector<Tensor> tensors;
  tensors.reserve(sources_.size());
  for (const auto source : sources_) {
    tensors.push_back(source == kInputBatch ? batch : outputs[static_cast<std::size_t>(source)]);
  }
  return tensors;
}

}  // namespace sweetspot::variants
