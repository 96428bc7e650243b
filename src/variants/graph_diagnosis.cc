#include "sweetspot/graph_diagnosis.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "graph_types.h"
#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// Node counts by (domain, op type, precision), the default domain as "".
using OpCounts = std::map<std::tuple<std::string, std::string, std::string>, int64_t>;

std::tuple<std::string, std::string, std::string> OpKey(const onnx::NodeProto& node, const std::string& precision) {
  return {IsDefaultDomain(node.domain()) ? "" : node.domain(), node.op_type(), precision};
}

// ONNX Runtime's contrib ops as the ONNX op that has their shapes (and, for
// the MAC-carrying ones, their MAC rule in model_info.h): fused activations
// and sums cost no MACs, and the quantized forms compute on the same shapes.
// `inputs` are the slots the ONNX op reads, in order.
struct StandardOp {
  std::string op_type;
  std::vector<int> inputs;
};

const StandardOp* ContribAsStandard(const onnx::NodeProto& node) {
  static const std::map<std::string, StandardOp> kOps = {
      {"FusedConv", {"Conv", {0, 1, 2}}},
      {"FusedGemm", {"Gemm", {0, 1, 2}}},
      {"FusedMatMul", {"MatMul", {0, 1}}},
      {"QGemm", {"Gemm", {0, 3}}},
      {"MatMulIntegerToFloat", {"MatMul", {0, 1}}},
      {"DynamicQuantizeMatMul", {"MatMul", {0, 1}}},
      {"QLinearConv", {"QLinearConv", {0, 1, 2, 3, 4, 5, 6, 7, 8}}},
      {"QLinearAdd", {"Add", {0, 3}}},
      {"QLinearMul", {"Mul", {0, 3}}},
      {"QLinearGlobalAveragePool", {"GlobalAveragePool", {0}}},
      {"QLinearAveragePool", {"AveragePool", {0}}},
      {"QLinearLeakyRelu", {"Identity", {0}}},
      {"QLinearSigmoid", {"Identity", {0}}},
      {"QLinearSoftmax", {"Identity", {0}}},
      {"Gelu", {"Identity", {0}}},
      {"QuickGelu", {"Identity", {0}}},
  };
  if (node.domain() != "com.microsoft") return nullptr;
  const auto it = kOps.find(node.op_type());
  return it == kOps.end() ? nullptr : &it->second;
}

bool CarriesMacs(const std::string& standard_op) {
  static const std::set<std::string> kOps = {"Conv", "ConvInteger", "QLinearConv",   "ConvTranspose",
                                             "Gemm", "MatMul",      "MatMulInteger", "QLinearMatMul"};
  return kOps.contains(standard_op);
}

// A copy of the runtime's graph in ONNX ops (see ContribAsStandard), with
// every symbolic dim taken as 1 (the MAC share does not depend on the batch),
// for shape inference and InspectModel; node i is still node i.
onnx::ModelProto AsStandardOnnx(const onnx::ModelProto& optimized) {
  onnx::ModelProto copy = optimized;
  auto* graph = copy.mutable_graph();
  for (auto& node : *graph->mutable_node()) {
    const StandardOp* standard = ContribAsStandard(node);
    if (standard == nullptr) continue;
    std::vector<std::string> inputs;
    for (int slot : standard->inputs) inputs.push_back(slot < node.input_size() ? node.input(slot) : "");
    node.clear_input();
    for (auto& input : inputs) node.add_input(std::move(input));
    node.set_op_type(standard->op_type);
    node.clear_domain();
    auto* attrs = node.mutable_attribute();
    const bool identity = standard->op_type == "Identity";
    attrs->erase(std::remove_if(attrs->begin(), attrs->end(),
                                [identity](const auto& attr) {
                                  return identity || attr.name().starts_with("activation") ||
                                         attr.name() == "channels_last";
                                }),
                 attrs->end());
  }
  auto fix = [](onnx::ValueInfoProto& info) {
    if (!info.type().has_tensor_type()) return;
    for (auto& dim : *info.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
      if (!dim.has_dim_value()) dim.set_dim_value(1);
    }
  };
  for (auto& info : *graph->mutable_input()) fix(info);
  for (auto& info : *graph->mutable_value_info()) fix(info);
  for (auto& info : *graph->mutable_output()) fix(info);
  return copy;
}

// Precision of a node: the element type of its first input (of its first
// output for a node without inputs).
std::string Precision(const onnx::NodeProto& node, const std::unordered_map<std::string, int32_t>& types) {
  const std::string& value = node.input_size() > 0 ? node.input(0) : node.output_size() > 0 ? node.output(0) : "";
  const auto it = types.find(value);
  return it == types.end() ? "unknown" : OnnxElementTypeName(it->second);
}

bool IsFloatPrecision(const std::string& precision) { return precision == "float" || precision == "double"; }

std::vector<OpCount> MostFrequentFirst(const OpCounts& ops) {
  std::vector<OpCount> sorted;
  for (const auto& [key, count] : ops) {
    sorted.push_back(
        {.domain = std::get<0>(key), .op_type = std::get<1>(key), .precision = std::get<2>(key), .count = count});
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
  return sorted;
}

bool IsIntegerPrecision(const std::string& precision) {
  return precision.starts_with("int") || precision.starts_with("uint");
}

// Values a DequantizeLinear of the graph produces (ONNX's, or com.microsoft's,
// which ONNX Runtime writes for 16-bit types).
std::set<std::string> DequantizedValues(const onnx::GraphProto& graph) {
  std::set<std::string> values;
  for (const auto& node : graph.node()) {
    if (node.op_type() == "DequantizeLinear") values.insert(node.output().begin(), node.output().end());
  }
  return values;
}

// Its data input (the first) dequantized: the QDQ pattern that asks for
// integer compute. Dequantized weights alone store a float layer smaller.
bool ReadsDequantizedData(const onnx::NodeProto& node, const std::set<std::string>& dequantized) {
  return node.input_size() > 0 && dequantized.contains(node.input(0));
}

// Counts the MAC-carrying nodes by precision; MACs from InspectModel on the
// standard copy (every node 0 when it cannot cost the graph: the counts stay,
// the shares are then 0).
void CountMacs(const onnx::ModelProto& optimized, const onnx::ModelProto& standard,
               const std::vector<std::string>& precisions, GraphDiagnosis* diagnosis) {
  auto costs = InspectModel(standard);
  const bool costed = costs.ok() && costs->nodes.size() == static_cast<std::size_t>(optimized.graph().node_size());
  const std::set<std::string> dequantized = DequantizedValues(optimized.graph());
  int64_t total = 0;
  int64_t in_float = 0;
  int64_t unfused = 0;
  OpCounts float_ops;
  OpCounts unfused_ops;
  for (int i = 0; i < optimized.graph().node_size(); ++i) {
    const auto& node = optimized.graph().node(i);
    if (!CarriesMacs(standard.graph().node(i).op_type())) continue;
    const std::string& precision = precisions[static_cast<std::size_t>(i)];
    const int64_t macs = costed ? costs->nodes[static_cast<std::size_t>(i)].macs : 0;
    total += macs;
    if (IsIntegerPrecision(precision)) ++diagnosis->quantized_mac_nodes;
    if (!IsFloatPrecision(precision)) continue;
    in_float += macs;
    diagnosis->float_mac_nodes.push_back(variants::NodeLabel(node, i));
    ++float_ops[OpKey(node, precision)];
    if (!ReadsDequantizedData(node, dequantized)) continue;
    ++diagnosis->quantized_mac_nodes;
    ++diagnosis->unfused_qdq_nodes;
    unfused += macs;
    ++unfused_ops[OpKey(node, precision)];
  }
  const auto share = [total](int64_t part) {
    return total > 0 ? static_cast<double>(part) / static_cast<double>(total) : 0.0;
  };
  diagnosis->float_mac_fraction = share(in_float);
  diagnosis->float_mac_ops = MostFrequentFirst(float_ops);
  diagnosis->unfused_qdq_mac_fraction = share(unfused);
  diagnosis->unfused_qdq_ops = MostFrequentFirst(unfused_ops);
}

// "Conv x12, com.microsoft.FusedConv x3": the most frequent first, three at most.
std::string OpList(const std::vector<OpCount>& ops) {
  std::string list;
  for (std::size_t i = 0; i < std::min<std::size_t>(ops.size(), 3); ++i) {
    const std::string op = ops[i].domain.empty() ? ops[i].op_type : ops[i].domain + "." + ops[i].op_type;
    list += fmt::format("{}{} x{}", i == 0 ? "" : ", ", op, ops[i].count);
  }
  return list;
}

}  // namespace

GraphDiagnosis DiagnoseGraph(const onnx::ModelProto& optimized) {
  GraphDiagnosis diagnosis;
  const onnx::ModelProto standard = AsStandardOnnx(optimized);
  const auto types = variants::ElementTypes(standard);
  OpCounts ops;
  std::vector<std::string> precisions;
  for (const auto& node : optimized.graph().node()) {
    precisions.push_back(Precision(node, types));
    ++ops[OpKey(node, precisions.back())];
    if (!IsDefaultDomain(node.domain())) continue;
    diagnosis.cast_nodes += node.op_type() == "Cast" ? 1 : 0;
    diagnosis.quantize_nodes += node.op_type() == "QuantizeLinear" || node.op_type() == "DynamicQuantizeLinear" ? 1 : 0;
    diagnosis.dequantize_nodes += node.op_type() == "DequantizeLinear" ? 1 : 0;
  }
  diagnosis.node_count = optimized.graph().node_size();
  diagnosis.ops = MostFrequentFirst(ops);
  CountMacs(optimized, standard, precisions, &diagnosis);
  return diagnosis;
}

Result<GraphDiagnosis> DiagnoseOptimizedGraph(Backend& backend, const std::filesystem::path& model,
                                              BackendOptions options, const std::filesystem::path& optimized_path) {
  if (optimized_path.empty()) {
    return Status::InvalidArgument("optimized_path is empty: give the .onnx file the runtime's graph is saved to");
  }
  options.optimized_model_path = optimized_path;
  // Level all only relays the layout (NCHWc blocks, NHWC around integer
  // convs), which changes no precision but hides shapes from ONNX's inference.
  if (options.graph_optimization == GraphOptimization::kAll) options.graph_optimization = GraphOptimization::kExtended;
  SWEETSPOT_RETURN_IF_ERROR(backend.Load(model, options).status());
  SWEETSPOT_ASSIGN_OR_RETURN(const onnx::ModelProto optimized, LoadOnnxModel(optimized_path));
  return DiagnoseGraph(optimized);
}

std::string SlowerVariantVerdict(const GraphDiagnosis& variant, const GraphDiagnosis& parent) {
  const int64_t extra_qdq =
      variant.quantize_nodes + variant.dequantize_nodes - parent.quantize_nodes - parent.dequantize_nodes;
  const int64_t extra_casts = variant.cast_nodes - parent.cast_nodes;
  // A variant that changed precision (it converts values its parent did not,
  // or computes fewer MACs in float) gains only where its MACs left float:
  // the rest still runs at the parent's cost, plus the conversions.
  const bool changed_precision =
      extra_qdq > 0 || extra_casts > 0 || variant.float_mac_fraction < parent.float_mac_fraction;
  std::vector<std::string> parts;
  if (changed_precision && variant.float_mac_fraction >= kFloatMacShareWorthNaming) {
    parts.push_back(fmt::format("{:.0f} % of MACs still float ({})", 100.0 * variant.float_mac_fraction,
                                OpList(variant.float_mac_ops)));
  }
  if (extra_qdq > 0) parts.push_back(fmt::format("{} extra QuantizeLinear/DequantizeLinear", extra_qdq));
  if (extra_casts > 0) parts.push_back(fmt::format("{} extra Cast", extra_casts));
  std::string verdict;
  for (const auto& part : parts) verdict += (verdict.empty() ? "" : "; ") + part;
  return verdict;
}

std::string UnfusedQdqNote(const GraphDiagnosis& diagnosis, std::string_view engine) {
  if (diagnosis.unfused_qdq_nodes == 0) return "";
  return fmt::format(
      "{} runs {} of {} quantized Conv/Gemm/MatMul nodes in float (DequantizeLinear -> {} not fused): {:.0f} % "
      "of MACs",
      engine, diagnosis.unfused_qdq_nodes, diagnosis.quantized_mac_nodes, OpList(diagnosis.unfused_qdq_ops),
      100.0 * diagnosis.unfused_qdq_mac_fraction);
}

Result<std::string> UnfusedQdqNoteOf(Backend& backend, const std::filesystem::path& model,
                                     const BackendOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const onnx::ModelProto source, LoadOnnxModel(model));
  const auto& nodes = source.graph().node();
  const bool qdq = std::any_of(nodes.begin(), nodes.end(),
                               [](const onnx::NodeProto& node) { return node.op_type() == "DequantizeLinear"; });
  if (!qdq) return std::string();
  const variants::ScratchDir scratch;
  if (scratch.path().empty()) return Status::IoError("cannot create a temporary folder for the optimised graph");
  auto diagnosis = DiagnoseOptimizedGraph(backend, model, options, scratch.path() / "optimized.onnx");
  if (!diagnosis.ok() && diagnosis.status().code() == StatusCode::kUnsupported) return std::string();
  if (!diagnosis.ok()) return diagnosis.status();
  return UnfusedQdqNote(*diagnosis, backend.name());
}

}  // namespace sweetspot
