#include "sweetspot/inspect_report.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <fmt/format.h>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

// Longest node name shown in tables; longer ones keep their end, which is the
// informative part of exporter paths like "/layer3/layer3.2/conv2/Conv".
constexpr std::size_t kMaxNameWidth = 44;
constexpr std::size_t kTopNodes = 10;

// 1234567 -> "1,234,567"
std::string Grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return value < 0 ? "-" + digits : digits;
}

// 40813824 -> "40.82 M": millions (papers quote params and MACs in M) or
// billions; counts under 10,000 exactly, where "0.00 M" would say nothing.
std::string Scaled(int64_t value) {
  const auto v = static_cast<double>(value);
  if (value >= 1'000'000'000) return fmt::format("{:.2f} G", v / 1e9);
  if (value >= 10'000) return fmt::format("{:.2f} M", v / 1e6);
  return Grouped(value);
}

std::string Bytes(int64_t bytes) {
  const auto v = static_cast<double>(bytes);
  if (bytes >= (int64_t{1} << 30)) return fmt::format("{:.2f} GiB", v / (1 << 30));
  if (bytes >= (int64_t{1} << 20)) return fmt::format("{:.2f} MiB", v / (1 << 20));
  if (bytes >= (int64_t{1} << 10)) return fmt::format("{:.1f} KiB", v / (1 << 10));
  return fmt::format("{} B", bytes);
}

std::string Shorten(const std::string& name) {
  if (name.size() <= kMaxNameWidth) return name;
  return "..." + name.substr(name.size() - (kMaxNameWidth - 3));
}

std::string OpLabel(const NodeCost& node) {
  return node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
}

std::string TensorLine(const TensorInfo& tensor, std::size_t name_width) {
  if (!tensor.is_tensor()) return fmt::format("{:<{}}  {}", tensor.name, name_width, tensor.value_type);
  return fmt::format("{:<{}}  {:<8} {}", tensor.name, name_width, DTypeName(tensor.dtype),
                     ShapeToString(tensor.shape, tensor.dim_names));
}

std::string NodeCostText(const NodeCost& node) {
  if (!node.shape_known) return "?";
  switch (node.kind) {
    case CostKind::kMacs: return Scaled(node.macs);
    case CostKind::kElementwise: return Scaled(node.elementwise_ops) + " ew";
    case CostKind::kFree: return "-";
  }
  return "?";
}

std::string NodeTable(const std::vector<const NodeCost*>& nodes, int64_t total_macs) {
  std::size_t name_width = 4;
  std::size_t op_width = 2;
  for (const NodeCost* node : nodes) {
    name_width = std::max(name_width, Shorten(node->name).size());
    op_width = std::max(op_width, OpLabel(*node).size());
  }
  std::string out = fmt::format("  {:<{}}  {:<{}}  {:>11}  {:>6}  {:>9}  {}\n", "node", name_width, "op", op_width,
                                "cost", "share", "params", "output");
  for (const NodeCost* node : nodes) {
    const std::string share =
        node->kind == CostKind::kMacs && total_macs > 0
            ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(node->macs) / static_cast<double>(total_macs))
            : "";
    out += fmt::format("  {:<{}}  {:<{}}  {:>11}  {:>6}  {:>9}  {}\n", Shorten(node->name), name_width, OpLabel(*node),
                       op_width, NodeCostText(*node), share, node->params > 0 ? Grouped(node->params) : "",
                       ShapeToString(node->output_shape));
  }
  return out;
}

// Every node in graph order, or the kTopNodes costliest by MACs; "" when none is shown.
std::string NodesSection(const ModelInfo& info, bool all_nodes, std::string_view all_nodes_option) {
  std::vector<const NodeCost*> shown;
  for (const auto& node : info.nodes) shown.push_back(&node);
  std::string out;
  if (all_nodes) {
    out = "\nall nodes (cost: MACs, or \"ew\" elementwise ops; params read by the node)\n";
  } else {
    std::erase_if(shown, [](const NodeCost* node) { return node->macs == 0; });
    std::stable_sort(shown.begin(), shown.end(),
                     [](const NodeCost* a, const NodeCost* b) { return a->macs > b->macs; });
    if (shown.size() > kTopNodes) shown.resize(kTopNodes);
    out = fmt::format("\ntop {} nodes by MACs ({} lists all)\n", shown.size(), all_nodes_option);
  }
  return shown.empty() ? "" : out + NodeTable(shown, info.total_macs);
}

}  // namespace

std::string RenderInspectText(const ModelInfo& info, bool all_nodes, std::string_view all_nodes_option) {
  std::string out = fmt::format("{}\n", info.path.empty() ? info.graph_name : info.path.filename().string());
  auto row = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<12} {}\n", label, value);
  };
  if (info.file_bytes > 0) row("file", fmt::format("{} ({} bytes)", Bytes(info.file_bytes), Grouped(info.file_bytes)));
  std::vector<std::string> opsets;
  for (const auto& [domain, version] : info.opsets) opsets.push_back(fmt::format("{} {}", domain, version));
  row("format", fmt::format("ONNX IR {}, opset {}", info.ir_version, fmt::join(opsets, ", ")));
  if (!info.producer_name.empty()) {
    row("producer", info.producer_version.empty() ? info.producer_name
                                                  : fmt::format("{} {}", info.producer_name, info.producer_version));
  }

  std::size_t name_width = 0;
  for (const auto& t : info.inputs) name_width = std::max(name_width, t.name.size());
  for (const auto& t : info.outputs) name_width = std::max(name_width, t.name.size());
  for (std::size_t i = 0; i < info.inputs.size(); ++i) {
    row(i == 0 ? "inputs" : "", TensorLine(info.inputs[i], name_width));
  }
  for (std::size_t i = 0; i < info.outputs.size(); ++i) {
    row(i == 0 ? "outputs" : "", TensorLine(info.outputs[i], name_width));
  }
  std::vector<std::string> resolved;
  for (const auto& [name, value] : info.resolved_dims) resolved.push_back(fmt::format("{}={}", name, value));
  row("batch", resolved.empty() ? fmt::format("{} (fixed by the model)", info.batch_size)
                                : fmt::format("{} ({})", info.batch_size, fmt::join(resolved, ", ")));

  row("params", fmt::format("{} ({})", Scaled(info.param_count), Grouped(info.param_count)));
  row("weights", fmt::format("{} stored", Bytes(info.weight_bytes)));
  std::string macs =
      fmt::format("{} ({}) per batch of {}", Scaled(info.total_macs), Grouped(info.total_macs), info.batch_size);
  if (info.batch_size > 1) macs += fmt::format(", {} per sample", Scaled(info.total_macs / info.batch_size));
  row("MACs", macs);
  row("elementwise", fmt::format("{} ops (not in MACs)", Scaled(info.elementwise_ops)));

  std::vector<std::pair<std::string, int64_t>> ops(info.op_histogram.begin(), info.op_histogram.end());
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> op_counts;
  for (const auto& [op, count] : ops) op_counts.push_back(fmt::format("{} {}", op, count));
  row("nodes", fmt::format("{}: {}", info.nodes.size(), fmt::join(op_counts, ", ")));

  out += NodesSection(info, all_nodes, all_nodes_option);
  if (!info.warnings.empty()) {
    out += "\nwarnings\n";
    for (const auto& warning : info.warnings) out += fmt::format("  - {}\n", warning);
  }
  return SafeText(out);
}

}  // namespace sweetspot
