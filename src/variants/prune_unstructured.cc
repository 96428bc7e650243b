#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "sweetspot/prune.h"
#include "variants/prune_common.h"

namespace sweetspot {
namespace {

// Initializers that hold the weights of Conv (input 1), Gemm (input 1) and
// MatMul (either input), by name.
std::set<std::string> WeightNames(const onnx::GraphProto& graph) {
  std::set<std::string> initializers;
  for (const auto& init : graph.initializer()) initializers.insert(init.name());
  std::set<std::string> weights;
  for (const auto& node : graph.node()) {
    std::vector<int> slots;
    if (node.op_type() == "Conv" || node.op_type() == "Gemm") slots = {1};
    if (node.op_type() == "MatMul") slots = {0, 1};
    for (const int slot : slots) {
      if (slot < node.input_size() && initializers.contains(node.input(slot))) weights.insert(node.input(slot));
    }
  }
  return weights;
}

// Zeroes exactly floor(sparsity * n) of the smallest |w| (ties broken by
// position, so the count is exact).
void ZeroSmallest(std::vector<float>* values, double sparsity) {
  const auto count = static_cast<std::size_t>(sparsity * static_cast<double>(values->size()));
  if (count == 0) return;
  std::vector<std::size_t> order(values->size());
  std::iota(order.begin(), order.end(), 0);
  const auto smaller = [&](std::size_t a, std::size_t b) {
    const float x = std::abs((*values)[a]);
    const float y = std::abs((*values)[b]);
    return x < y || (x == y && a < b);
  };
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count - 1), order.end(), smaller);
  for (std::size_t i = 0; i < count; ++i) (*values)[order[i]] = 0.0F;
}

}  // namespace

Result<onnx::ModelProto> PruneUnstructured(const onnx::ModelProto& model, double sparsity, PruneReport* report) {
  if (!(sparsity >= 0.0 && sparsity < 1.0)) {
    return Status::InvalidArgument(fmt::format("sparsity must be in [0, 1), got {}", sparsity));
  }
  onnx::ModelProto pruned = model;
  const std::set<std::string> weights = WeightNames(pruned.graph());
  std::int64_t total = 0;
  std::int64_t zeros = 0;
  for (auto& init : *pruned.mutable_graph()->mutable_initializer()) {
    if (!weights.contains(init.name())) continue;
    auto values = prune::ReadFloats(init);
    if (!values.ok()) continue;  // an int8 or external weight stays as it is
    ZeroSmallest(&values.value(), sparsity);
    prune::WriteFloats(&init, *values);
    total += static_cast<std::int64_t>(values->size());
    zeros += static_cast<std::int64_t>(std::count(values->begin(), values->end(), 0.0F));
  }
  if (total == 0) {
    return Status::InvalidArgument(
        "the model has no float32 Conv, Gemm or MatMul weight stored as an initializer: nothing to prune");
  }
  SWEETSPOT_RETURN_IF_ERROR(prune::CheckRewritten(pruned, "unstructured pruning"));
  if (report != nullptr) {
    *report = PruneReport{};
    report->params_before = prune::CountParameters(model.graph(), false);
    report->params_after = prune::CountParameters(pruned.graph(), true);
    SWEETSPOT_ASSIGN_OR_RETURN(report->compressed_bytes_before, prune::CompressedBytes(model));
    SWEETSPOT_ASSIGN_OR_RETURN(report->compressed_bytes_after, prune::CompressedBytes(pruned));
    report->achieved_sparsity = static_cast<double>(zeros) / static_cast<double>(total);
  }
  return pruned;
}

}  // namespace sweetspot
