#include "sweetspot/backend.h"

#include <string>

#include "backends/load_checks.h"

namespace sweetspot {

std::string_view GraphOptimizationName(GraphOptimization level) {
  switch (level) {
    case GraphOptimization::kDisabled: return "disabled";
    case GraphOptimization::kBasic: return "basic";
    case GraphOptimization::kExtended: return "extended";
    case GraphOptimization::kAll: return "all";
  }
  return "all";
}

Result<GraphOptimization> ParseGraphOptimization(std::string_view name) {
  for (auto level : {GraphOptimization::kDisabled, GraphOptimization::kBasic, GraphOptimization::kExtended,
                     GraphOptimization::kAll}) {
    if (GraphOptimizationName(level) == name) return level;
  }
  return Status::InvalidArgument("unknown graph optimisation level '" + std::string(name) +
                                 "' (expected disabled, basic, extended or all)");
}

std::string_view ExecutionModeName(ExecutionMode mode) {
  return mode == ExecutionMode::kSequential ? "sequential" : "parallel";
}

Result<ExecutionMode> ParseExecutionMode(std::string_view name) {
  if (name == "sequential") return ExecutionMode::kSequential;
  if (name == "parallel") return ExecutionMode::kParallel;
  return Status::InvalidArgument("unknown execution mode '" + std::string(name) +
                                 "' (expected sequential or parallel)");
}

Status CheckLoadArguments(const std::filesystem::path& model_path, const BackendOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model_path, ec)) {
    return Status::NotFound("model file '" + model_path.string() + "' does not exist; check the path");
  }
  if (options.intra_op_threads < 0 || options.inter_op_threads < 0) {
    return Status::InvalidArgument("thread counts must be >= 0 (0 = the runtime's default)");
  }
  return Status::Ok();
}

Status ValidateInputs(std::span<const TensorInfo> infos, std::span<const Tensor> tensors) {
  if (infos.size() != tensors.size()) {
    return Status::InvalidArgument("the model takes " + std::to_string(infos.size()) + " input(s), got " +
                                   std::to_string(tensors.size()));
  }
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const TensorInfo& info = infos[i];
    const Tensor& t = tensors[i];
    if (t.dtype() != info.dtype) {
      return Status::InvalidArgument("input '" + info.name + "': expected dtype " + std::string(DTypeName(info.dtype)) +
                                     ", got " + std::string(DTypeName(t.dtype())));
    }
    bool shape_ok = t.shape().size() == info.shape.size() && IsStatic(t.shape());
    for (std::size_t d = 0; shape_ok && d < info.shape.size(); ++d) {
      shape_ok = info.shape[d] < 0 || info.shape[d] == t.shape()[d];
    }
    if (!shape_ok) {
      return Status::InvalidArgument("input '" + info.name + "': expected shape " +
                                     ShapeToString(info.shape, info.dim_names) + ", got " + ShapeToString(t.shape()));
    }
  }
  return Status::Ok();
}

}  // namespace sweetspot
