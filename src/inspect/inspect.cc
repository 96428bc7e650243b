// InspectModel: resolve dynamic dims, infer shapes, count parameters and MACs.
// The rules are documented in sweetspot/model_info.h.
#include <onnx/defs/schema.h>

#include <algorithm>
#include <exception>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "inspect/node_cost.h"
#include "inspect/shape_inference.h"
#include "sweetspot/model_info.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using inspect::ShapeTable;

constexpr std::string_view kDefaultDomainName = "ai.onnx";
// How many names a warning lists before it says "and N more".
constexpr std::size_t kNamesPerWarning = 5;

std::string DomainName(const std::string& domain) { return domain.empty() ? std::string(kDefaultDomainName) : domain; }

std::string HistogramKey(const onnx::NodeProto& node) {
  if (node.domain().empty() || node.domain() == kDefaultDomainName) return node.op_type();
  return node.domain() + "." + node.op_type();
}

std::string NodeName(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? fmt::format("{}#{}", node.op_type(), index) : node.name();
}

// "a, b, c and 4 more"
std::string ListNames(const std::vector<std::string>& names) {
  std::vector<std::string> shown(names.begin(),
                                 names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), kNamesPerWarning)));
  std::string list = fmt::format("{}", fmt::join(shown, ", "));
  if (names.size() > shown.size()) list += fmt::format(" and {} more", names.size() - shown.size());
  return list;
}

// Bytes per element of an ONNX element type; 0 for STRING and UNDEFINED.
int64_t ElementBytes(int32_t elem_type) {
  using TP = onnx::TensorProto;
  switch (elem_type) {
    case TP::BOOL:
    case TP::INT8:
    case TP::UINT8: return 1;
    case TP::INT16:
    case TP::UINT16:
    case TP::FLOAT16:
    case TP::BFLOAT16: return 2;
    case TP::INT32:
    case TP::UINT32:
    case TP::FLOAT: return 4;
    case TP::INT64:
    case TP::UINT64:
    case TP::DOUBLE:
    case TP::COMPLEX64: return 8;
    case TP::COMPLEX128: return 16;
    default: return 0;
  }
}

// Types a learned weight can have; see "Parameters" in model_info.h.
bool IsParameterType(int32_t elem_type) {
  using TP = onnx::TensorProto;
  switch (elem_type) {
    case TP::FLOAT:
    case TP::FLOAT16:
    case TP::BFLOAT16:
    case TP::DOUBLE:
    case TP::INT8:
    case TP::UINT8:
    case TP::INT16:
    case TP::UINT16:
    case TP::INT32:
    case TP::UINT32: return true;
    default: return false;
  }
}

// A tensor stored in the graph: an initializer or a Constant node's value.
struct StoredTensor {
  int32_t elem_type = 0;
  Shape dims;
  int64_t elements = 0;
  int64_t bytes = 0;
  int owner = -1;     // first node reading it as data; -1 if none
  bool used = false;  // read by any node at all
};

StoredTensor DescribeTensor(const onnx::TensorProto& tensor) {
  StoredTensor stored;
  stored.elem_type = tensor.data_type();
  stored.dims.assign(tensor.dims().begin(), tensor.dims().end());
  stored.elements = IsStatic(stored.dims) ? ElementCount(stored.dims) : 0;  // negative dims: a corrupt tensor
  if (tensor.data_type() == onnx::TensorProto::STRING) {
    for (const auto& s : tensor.string_data()) stored.bytes += static_cast<int64_t>(s.size());
  } else {
    // From the dims rather than the payload, so external data counts too.
    stored.bytes = stored.elements * ElementBytes(tensor.data_type());
  }
  return stored;
}

// The tensor a Constant node holds, described without materializing it.
std::optional<StoredTensor> ConstantTensor(const onnx::NodeProto& node) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == "value" && attr.has_t()) return DescribeTensor(attr.t());
    if (attr.name() == "value_floats" || attr.name() == "value_float") {
      StoredTensor stored;
      stored.elem_type = onnx::TensorProto::FLOAT;
      stored.elements = attr.name() == "value_float" ? 1 : attr.floats_size();
      if (attr.name() == "value_floats") stored.dims = {stored.elements};
      stored.bytes = stored.elements * 4;
      return stored;
    }
    if (attr.name() == "value_ints" || attr.name() == "value_int") {
      StoredTensor stored;
      stored.elem_type = onnx::TensorProto::INT64;
      stored.elements = attr.name() == "value_int" ? 1 : attr.ints_size();
      if (attr.name() == "value_ints") stored.dims = {stored.elements};
      stored.bytes = stored.elements * 8;
      return stored;
    }
  }
  return std::nullopt;  // sparse_value and string constants: not weights we size
}

// Every value name a node's subgraphs read (If/Loop/Scan bodies can read
// outer-scope tensors, which then count as read by the node itself).
void CollectSubgraphInputs(const onnx::NodeProto& node, std::vector<std::string>* names) {
  auto visit = [names](const onnx::GraphProto& graph) {
    for (const auto& inner : graph.node()) {
      for (const auto& input : inner.input()) names->push_back(input);
      CollectSubgraphInputs(inner, names);
    }
  };
  for (const auto& attr : node.attribute()) {
    if (attr.has_g()) visit(attr.g());
    for (const auto& graph : attr.graphs()) visit(graph);
  }
}

bool HasSubgraph(const onnx::NodeProto& node) {
  for (const auto& attr : node.attribute()) {
    if (attr.has_g() || attr.graphs_size() > 0) return true;
  }
  return false;
}

bool IsDynamic(const onnx::TensorShapeProto_Dimension& dim) { return !dim.has_dim_value() || dim.dim_value() < 0; }

std::string AxisKey(const std::string& input, int axis) { return fmt::format("{}:{}", input, axis); }

// Checks every dim_values key names a dynamic dimension of an input other
// than its batch (the first dynamic one), and returns the batch symbols.
Result<std::set<std::string>> CheckDimValues(const onnx::GraphProto& graph,
                                             const std::unordered_set<std::string>& initializer_names,
                                             const InspectOptions& options) {
  // Every key a user may set, and the keys of some input's batch (set by
  // batch_size only, so the figures say which batch they are for).
  std::set<std::string> settable;
  std::set<std::string> batch_keys;
  for (const auto& input : graph.input()) {
    if (initializer_names.contains(input.name()) || !input.type().tensor_type().has_shape()) continue;
    bool first = true;
    const auto& dims = input.type().tensor_type().shape().dim();
    for (int axis = 0; axis < dims.size(); ++axis) {
      if (!IsDynamic(dims[axis])) continue;
      std::set<std::string>& into = first ? batch_keys : settable;
      into.insert(AxisKey(input.name(), axis));
      if (!dims[axis].dim_param().empty()) into.insert(dims[axis].dim_param());
      first = false;
    }
  }
  for (const auto& [name, value] : options.dim_values) {
    if (value < 1) {
      return Status::InvalidArgument(fmt::format("dimension '{}' must be at least 1, got {}", name, value));
    }
    if (batch_keys.contains(name)) {
      return Status::InvalidArgument(fmt::format("dimension '{}' is the batch, set by the batch size", name))
          .WithFix({"batch", "", {std::to_string(value)}});
    }
    if (settable.contains(name)) continue;
    std::vector<std::string> symbols;
    for (const auto& key : settable) {
      if (key.find(':') == std::string::npos) symbols.push_back(key);
    }
    return Status::InvalidArgument(
        settable.empty() ? fmt::format("no input has a dynamic dimension named '{}' besides the batch", name)
                         : fmt::format("no input has a dynamic dimension named '{}'; the model's are: {}", name,
                                       symbols.empty() ? "unnamed (set them as INPUT:AXIS)"
                                                       : fmt::format("{}", fmt::join(symbols, ", "))));
  }
  std::set<std::string> batch_symbols;
  for (const auto& key : batch_keys) {
    if (key.find(':') == std::string::npos) batch_symbols.insert(key);
  }
  return batch_symbols;
}

// Gives every dynamic dim of the graph inputs a value (see "Dynamic
// dimensions" in model_info.h), in place, and records what it chose.
Status ResolveInputDims(onnx::GraphProto* graph, const std::unordered_set<std::string>& initializer_names,
                        const InspectOptions& options, ModelInfo* info) {
  if (options.batch_size < 1) {
    return Status::InvalidArgument(fmt::format("batch size must be at least 1, got {}", options.batch_size));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const std::set<std::string> batch_symbols,
                             CheckDimValues(*graph, initializer_names, options));
  bool batch_applied = false;
  std::vector<std::string> names;  // dimensions still without a value
  std::vector<FieldFix> fixes;
  for (auto& input : *graph->mutable_input()) {
    if (initializer_names.contains(input.name())) continue;
    if (!input.type().tensor_type().has_shape()) {
      info->warnings.push_back(
          fmt::format("input '{}' declares no shape; nodes that depend on it are not costed", input.name()));
      continue;
    }
    bool first = true;
    auto& dims = *input.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim();
    for (int axis = 0; axis < dims.size(); ++axis) {
      auto& dim = dims[axis];
      if (!IsDynamic(dim)) continue;
      const std::string symbol = dim.dim_param();
      const std::string key = symbol.empty() ? AxisKey(input.name(), axis) : symbol;
      int64_t value = 0;
      if (auto it = options.dim_values.find(symbol); !symbol.empty() && it != options.dim_values.end()) {
        value = it->second;
      } else if (auto at = options.dim_values.find(AxisKey(input.name(), axis)); at != options.dim_values.end()) {
        value = at->second;
      } else if (symbol.empty() ? first : batch_symbols.contains(symbol)) {
        value = options.batch_size;
        batch_applied = true;
      } else {
        names.push_back(symbol.empty() ? fmt::format("axis {} of '{}'", axis, input.name()) : "'" + symbol + "'");
        fixes.push_back({"dims", key, {"VALUE"}});
        continue;
      }
      info->resolved_dims[key] = value;
      dim.set_dim_value(value);  // replaces dim_param (a oneof)
      first = false;
    }
  }
  if (!names.empty()) {
    Status status = Status::InvalidArgument(
        fmt::format("dynamic dimension(s) {} need values for MACs (only each input's first dynamic dimension is taken "
                    "as the batch)",
                    fmt::join(names, ", ")));
    return status.WithFixes(fixes);
  }
  if (!batch_applied && options.batch_size != 1) {
    info->warnings.push_back(
        fmt::format("batch size {} ignored: the model has no dynamic batch dimension left to set (figures are for its "
                    "declared shapes)",
                    options.batch_size));
  }
  return Status::Ok();
}

void WarnAboutOpsets(const onnx::ModelProto& model, std::vector<std::string>* warnings) {
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (const auto& opset : model.opset_import()) {
    const auto it = known.find(opset.domain());
    if (it != known.end() && opset.version() > it->second.second) {
      warnings->push_back(fmt::format(
          "opset {} {} is newer than this build's ONNX library knows ({}); shapes of ops changed since may be missing",
          DomainName(opset.domain()), opset.version(), it->second.second));
    }
  }
}

// Grouped "op (count)" names for a warning, e.g. "LSTM (2 nodes)".
std::string CountedOps(const std::map<std::string, int>& ops) {
  std::vector<std::string> parts;
  for (const auto& [op, count] : ops) parts.push_back(fmt::format("{} ({} node{})", op, count, count == 1 ? "" : "s"));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

std::string_view CostKindName(CostKind kind) {
  switch (kind) {
    case CostKind::kMacs: return "macs";
    case CostKind::kElementwise: return "elementwise";
    case CostKind::kFree: return "free";
  }
  return "unknown";
}

Result<ModelInfo> InspectModel(const onnx::ModelProto& model, const InspectOptions& options) {
  ModelInfo info;
  info.ir_version = model.ir_version();
  info.producer_name = model.producer_name();
  info.producer_version = model.producer_version();
  info.graph_name = model.graph().name();
  for (const auto& opset : model.opset_import()) info.opsets[DomainName(opset.domain())] = opset.version();

  const onnx::GraphProto& declared = model.graph();
  std::unordered_set<std::string> initializer_names;
  for (const auto& init : declared.initializer()) initializer_names.insert(init.name());
  DeclaredValues values = DescribeGraph(declared);
  info.inputs = std::move(values.inputs);
  info.outputs = std::move(values.outputs);
  info.warnings = std::move(values.warnings);

  onnx::ModelProto resolved = model;
  SWEETSPOT_RETURN_IF_ERROR(ResolveInputDims(resolved.mutable_graph(), initializer_names, options, &info));
  WarnAboutOpsets(model, &info.warnings);
  inspect::InferShapes(&resolved, &info.warnings);
  const onnx::GraphProto& graph = resolved.graph();

  ShapeTable shapes;
  for (const auto& value : graph.input()) shapes.SetFrom(value);
  for (const auto& value : graph.value_info()) shapes.SetFrom(value);
  for (const auto& value : graph.output()) shapes.SetFrom(value);

  for (const auto& input : graph.input()) {
    if (initializer_names.contains(input.name())) continue;
    const auto shape = inspect::ShapeOf(input);
    info.batch_size = shape && !shape->empty() ? (*shape)[0] : 0;
    break;
  }

  // Stored tensors by name. Initializers may be shadowed by a Constant of the
  // same name only in invalid models; the first one wins.
  std::unordered_map<std::string, StoredTensor> stored;
  for (const auto& init : graph.initializer()) {
    StoredTensor tensor = DescribeTensor(init);
    shapes.Set(init.name(), tensor.dims);
    stored.emplace(init.name(), std::move(tensor));
  }
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Constant" || node.output_size() == 0) continue;
    if (auto tensor = ConstantTensor(node)) {
      shapes.Set(node.output(0), tensor->dims);
      stored.emplace(node.output(0), std::move(*tensor));
    }
  }
  for (const auto& [name, tensor] : stored) info.weight_bytes += tensor.bytes;

  // Who reads each stored tensor, and as data or as metadata.
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    auto mark = [&](const std::string& name, bool metadata) {
      const auto it = stored.find(name);
      if (it == stored.end()) return;
      it->second.used = true;
      if (!metadata && it->second.owner < 0) it->second.owner = i;
    };
    for (int slot = 0; slot < node.input_size(); ++slot) mark(node.input(slot), inspect::IsMetadataInput(node, slot));
    std::vector<std::string> inner;
    CollectSubgraphInputs(node, &inner);
    for (const auto& name : inner) mark(name, false);
  }
  std::vector<int64_t> node_params(static_cast<std::size_t>(graph.node_size()), 0);
  std::vector<std::string> unused;
  for (const auto& [name, tensor] : stored) {
    if (!tensor.used) unused.push_back(name);
    if (tensor.owner < 0 || !IsParameterType(tensor.elem_type) || tensor.elements <= 1) continue;
    node_params[static_cast<std::size_t>(tensor.owner)] += tensor.elements;
    info.param_count += tensor.elements;
  }
  if (!unused.empty()) {
    std::sort(unused.begin(), unused.end());
    info.warnings.push_back(
        fmt::format("{} stored tensor{} no node reads (counted in weight bytes, not in "
                    "parameters): {}",
                    unused.size(), unused.size() == 1 ? "" : "s", ListNames(unused)));
  }

  std::vector<std::string> unknown_shapes;
  std::map<std::string, int> no_schema;
  std::map<std::string, int> heavy;
  std::map<std::string, int> with_subgraphs;
  const auto opset_versions = [&] {
    std::unordered_map<std::string, int> versions;
    for (const auto& opset : model.opset_import()) versions[opset.domain()] = static_cast<int>(opset.version());
    return versions;
  }();
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    NodeCost cost;
    cost.name = NodeName(node, i);
    cost.op_type = node.op_type();
    cost.domain = node.domain();
    cost.params = node_params[static_cast<std::size_t>(i)];
    const inspect::CostEstimate estimate = inspect::EstimateCost(node, shapes);
    cost.kind = estimate.kind;
    cost.macs = estimate.macs;
    cost.elementwise_ops = estimate.elementwise_ops;
    cost.shape_known = estimate.shape_known;
    if (node.output_size() > 0) {
      if (const Shape* shape = shapes.Find(node.output(0))) cost.output_shape = *shape;
    }

    ++info.op_histogram[HistogramKey(node)];
    info.total_macs += cost.macs;
    info.elementwise_ops += cost.elementwise_ops;
    if (!cost.shape_known) unknown_shapes.push_back(cost.name);
    if (inspect::IsHeavyWithoutRule(node)) ++heavy[HistogramKey(node)];
    if (HasSubgraph(node)) ++with_subgraphs[HistogramKey(node)];
    const std::string domain = node.domain() == kDefaultDomainName ? "" : node.domain();
    const auto version = opset_versions.find(domain);
    if (version == opset_versions.end() ||
        onnx::OpSchemaRegistry::Schema(node.op_type(), version->second, domain) == nullptr) {
      ++no_schema[HistogramKey(node)];
    }
    info.nodes.push_back(std::move(cost));
  }

  if (!no_schema.empty()) {
    info.warnings.push_back(
        fmt::format("the ONNX library has no schema for {}: their output shapes are not inferred, which also hides the "
                    "shapes of nodes after them",
                    CountedOps(no_schema)));
  }
  if (!heavy.empty()) {
    info.warnings.push_back(fmt::format(
        "no MAC rule for {}: counted as elementwise, so total MACs understate the model", CountedOps(heavy)));
  }
  if (!with_subgraphs.empty()) {
    info.warnings.push_back(
        fmt::format("the subgraphs of {} are not costed: total MACs leave them out", CountedOps(with_subgraphs)));
  }
  if (!unknown_shapes.empty()) {
    info.warnings.push_back(fmt::format("{} node{} had shapes that could not be inferred and count as 0: {}",
                                        unknown_shapes.size(), unknown_shapes.size() == 1 ? "" : "s",
                                        ListNames(unknown_shapes)));
  }
  return info;
}

Result<std::vector<TensorInfo>> DeclaredInputs(const fs::path& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(const onnx::ModelProto model, LoadOnnxModel(path));
  // An unrepresentable element type (a warning of DescribeGraph) does not matter here.
  return DescribeGraph(model.graph()).inputs;
}

Result<ModelInfo> InspectModel(const fs::path& path, const InspectOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const onnx::ModelProto model, LoadOnnxModel(path));
  Result<ModelInfo> info = InspectModel(model, options);
  if (!info.ok()) return info.status().WithContext(path.string());
  info->path = path;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  info->file_bytes = ec ? 0 : static_cast<int64_t>(size);
  for (const auto& init : model.graph().initializer()) {
    if (init.data_location() == onnx::TensorProto::EXTERNAL) {
      info->warnings.push_back("weights are stored in external data files; the file size leaves them out");
      break;
    }
  }
  return info;
}

}  // namespace sweetspot
