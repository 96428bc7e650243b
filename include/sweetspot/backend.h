// Backend: the runtime abstraction every measurement goes through.
//
// A Backend loads a model file into a Session. A Session describes its
// inputs and outputs (with dynamic dimensions marked negative) and runs a
// batch. Runtime exceptions never cross this interface: they come back as
// Status.
//
// Thread-safety: Backend::Load may be called from any thread. Session::Run may
// be called concurrently from several threads on one Session (the runtimes we
// wrap allow it); a Session's description accessors are immutable after load.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

enum class GraphOptimization { kDisabled, kBasic, kExtended, kAll };
enum class ExecutionMode { kSequential, kParallel };

std::string_view GraphOptimizationName(GraphOptimization level);
Result<GraphOptimization> ParseGraphOptimization(std::string_view name);  // disabled|basic|extended|all
std::string_view ExecutionModeName(ExecutionMode mode);
Result<ExecutionMode> ParseExecutionMode(std::string_view name);  // sequential|parallel

struct BackendOptions {
  int intra_op_threads = 1;  // 0 = DefaultThreadCount() (cpus.h): the CPUs this process may use
  int inter_op_threads = 1;  // 0 = the runtime's default
  GraphOptimization graph_optimization = GraphOptimization::kAll;
  ExecutionMode execution_mode = ExecutionMode::kSequential;
  std::string execution_provider = "cpu";  // see Backend::AvailableProviders()
  // When set, the runtime writes the graph it optimised for this session to
  // this .onnx file at load (graph_diagnosis.h reads it).
  std::filesystem::path optimized_model_path;
};

class Session {
 public:
  virtual ~Session() = default;

  virtual const std::vector<TensorInfo>& inputs() const = 0;
  virtual const std::vector<TensorInfo>& outputs() const = 0;

  // inputs() are all tensors (a model with another kind of input fails to
  // load); outputs() may hold non-tensor values (TensorInfo::is_tensor()).
  // Runs one batch. `inputs` are matched to inputs() by position and must have
  // static shapes compatible with them. Returns the tensor outputs, in the
  // order of outputs() with the non-tensor ones left out.
  virtual Result<std::vector<Tensor>> Run(std::span<const Tensor> inputs) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string name() const = 0;     // "onnxruntime"
  virtual std::string version() const = 0;  // of the runtime library
  // Execution providers this build of the runtime lists, e.g. {"cpu"}. A
  // listed provider may still fail to enable (its libraries ship apart).
  virtual std::vector<std::string> AvailableProviders() const = 0;
  // Ok when execution provider `name` can be enabled here; else Unsupported,
  // one line naming the provider and why (not in this build, with the ones
  // that are; or the library that is missing), without a fix: the caller
  // knows the field or flag that chose it. Load fails the same way.
  virtual Status CheckProvider(const std::string& name) const = 0;

  virtual Result<std::unique_ptr<Session>> Load(const std::filesystem::path& model_path,
                                                const BackendOptions& options) = 0;
};

// Backends compiled in: "onnxruntime".
std::vector<std::string> BackendNames();
Result<std::unique_ptr<Backend>> CreateBackend(std::string_view name);

// Checks that `tensors` match `infos` (count, dtype, rank, static dims).
// Names the first mismatch, e.g. "input 'x': expected shape [?,3,32,32], got [1,3,28,28]".
Status ValidateInputs(std::span<const TensorInfo> infos, std::span<const Tensor> tensors);

}  // namespace sweetspot
