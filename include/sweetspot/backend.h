// Backend: the runtime abstraction every measurement goes through.
//
// A Backend loads a model file into a Session. A Session describes its
// inputs and outputs (with dynamic dimensions marked negative) and runs a
// batch. Runtime exceptions never cross this interface: they come back as
// Status.
//
// Thread-safety: Backend::Load may be called from any thread. Session::Run may
// be called concurrently from several threads on one Session; ONNX Runtime
// runs such calls in parallel, OpenCV DNN one after the other (a cv::dnn::Net
// holds its inputs and buffers, so its Session locks). A Session's
// description accessors are immutable after load.
//
// Runtimes ("engines"):
//   "onnxruntime", "onnxruntime@1.30.0"  ONNX Runtime, every option below
//     honoured; several versions, one per process (see BackendNames()).
//   "opencv-dnn", "opencv-dnn@4.6.0"  OpenCV's DNN module, CPU only. It takes
//     float32 inputs only (a model with another input type fails to load,
//     Unsupported) and returns outputs converted to their declared dtype.
//     Input and output descriptions come from the ONNX file (OpenCV does not
//     expose them). What OpenCV cannot honour:
//       intra_op_threads  cv::setNumThreads is process-global: the sessions of
//                         one process share the count of the last one that
//                         loaded or ran;
//       inter_op_threads, execution_mode  ignored (OpenCV runs layers in order);
//       graph_optimization  kDisabled turns OpenCV's layer fusion off, every
//                         other level leaves it on;
//       optimized_model_path  Unsupported when set (OpenCV keeps no ONNX form
//                         of its optimised graph).
//     A model OpenCV cannot import fails to load with Unsupported, one line:
//     "opencv-dnn cannot import 'm.onnx': <OpenCV's reason, naming the node>".
//     One it imports but cannot run (OpenCV sizes and runs its layers only at
//     the first forward) fails in Run with Unsupported, one line: "opencv-dnn
//     cannot run 'm.onnx' at layer 'Add_1' (Scale): <OpenCV's reason>".
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
  // Idle intra-/inter-op pool threads busy-wait for the next work item:
  // lower latency between operators, but CPU time burnt while waiting.
  bool allow_spinning = true;
  // The runtime's CPU memory arena: pooled allocations reused across runs
  // (false: each allocation goes to the system allocator).
  bool memory_arena = true;
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

  // Where the runtime runs part of the model on a slower path than asked
  // (nodes the requested execution provider left to a fallback one, layers a
  // target cannot run), one line each with the figure: measurement hygiene
  // warnings (hygiene.h). Empty when everything runs as asked, or when the
  // runtime does not say. Neither runtime has one to report: ONNX Runtime's
  // CPU provider runs every node it is given (its slower path, the QDQ
  // patterns of a quantized model it did not fuse, shows only in its
  // optimised graph: RunBench reads it, graph_diagnosis.h UnfusedQdqNoteOf),
  // and OpenCV DNN runs every layer on its own CPU code (opencv_backend.h).
  virtual std::vector<std::string> FallbackNotes() const { return {}; }
};

class Backend {
 public:
  virtual ~Backend() = default;

  // The engine's canonical name with the loaded library's version:
  // "onnxruntime@1.30.0", "opencv-dnn@4.6.0". Callers use it as the runtime's label.
  virtual std::string name() const = 0;
  virtual std::string version() const = 0;  // of the loaded runtime library, e.g. "1.30.0"
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

// Every name CreateBackend accepts, e.g. {"onnxruntime", "onnxruntime@1.21.0",
// "onnxruntime@1.30.0", "opencv-dnn", "opencv-dnn@4.6.0"}:
//   "onnxruntime"          the ONNX Runtime the build links (the configured one);
//   "onnxruntime@VERSION"  that version: the linked one, or a libonnxruntime.so
//                          loaded at run time, found (only the versions present are listed)
//                          - in the bootstrap cache ($SWEETSPOT_CACHE_DIR, else
//                            $XDG_CACHE_HOME/sweetspot, else ~/.cache/sweetspot) as
//                            onnxruntime-VERSION/lib/libonnxruntime.so (scripts/bootstrap
//                            puts 1.21.0 and 1.30.0 there);
//                          - in SWEETSPOT_ONNXRUNTIME_LIBRARIES: ':'-separated library files
//                            whose name, after symlinks, ends in the version
//                            (libonnxruntime.so.1.30.0), as ONNX Runtime's releases name them.
// A process runs ONE ONNX Runtime version (its C++ API has one global): the first
// CreateBackend of an ONNX Runtime name picks it; measuring children each pick theirs.
std::vector<std::string> BackendNames();
// Ok when `name` is one of BackendNames() (or "ort", the same as "onnxruntime"), without
// loading any library; else InvalidArgument, one line listing BackendNames() (and, for an
// ONNX Runtime version, where other versions are found).
Status CheckBackendName(std::string_view name);
// Errors: InvalidArgument for an unknown name or version (CheckBackendName);
// InvalidData for a library file that does not load, is not ONNX Runtime or is
// another version than its name says; Unsupported for one older than the API
// version this build uses; FailedPrecondition when the process already runs
// another ONNX Runtime version. Each one line naming the file.
Result<std::unique_ptr<Backend>> CreateBackend(std::string_view name);

// Checks that `tensors` match `infos` (count, dtype, rank, static dims).
// Names the first mismatch, e.g. "input 'x': expected shape [?,3,32,32], got [1,3,28,28]".
Status ValidateInputs(std::span<const TensorInfo> infos, std::span<const Tensor> tensors);

}  // namespace sweetspot
