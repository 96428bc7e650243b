#include "sweetspot/float16.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/core.h>

#include "graph_types.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kHalf = onnx::TensorProto::FLOAT16;

// onnxconverter-common's default block list (ops whose float16 kernels are
// missing or lose indices), plus the quantization ops, whose scales are
// float32 by definition before opset 19.
const std::set<std::string> kFloat32ByDefault = {"NonMaxSuppression",
                                                 "TopK",
                                                 "RoiAlign",
                                                 "Resize",
                                                 "Range",
                                                 "CumSum",
                                                 "Min",
                                                 "Max",
                                                 "Upsample",
                                                 "QuantizeLinear",
                                                 "DequantizeLinear",
                                                 "DynamicQuantizeLinear"};

// IEEE 754 binary32 -> binary16, rounding to nearest even. Finite values
// beyond the half range saturate to +-65504 and non-zero values below its
// smallest subnormal become that subnormal, so a weight keeps its sign and
// stays finite and non-zero (onnxconverter-common clamps for the same reason).
uint16_t FloatToHalf(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000U);
  const uint32_t magnitude = bits & 0x7FFFFFFFU;
  if (magnitude >= 0x7F800000U) return sign | (magnitude > 0x7F800000U ? 0x7E00U : 0x7C00U);  // NaN, inf
  if (magnitude == 0) return sign;
  const int exponent = static_cast<int>(magnitude >> 23) - 127;
  if (exponent > 15) return sign | 0x7BFFU;
  if (exponent < -25) return sign | 0x0001U;
  const uint32_t significand = (magnitude & 0x7FFFFFU) | 0x800000U;  // value = significand * 2^(exponent-23)
  // Normal halves keep 10 fraction bits; subnormals count units of 2^-24.
  const int shift = exponent >= -14 ? 13 : -(exponent + 1);
  uint32_t half = significand >> shift;
  const uint32_t rest = significand & ((1U << shift) - 1);
  const uint32_t halfway = 1U << (shift - 1);
  if (rest > halfway || (rest == halfway && (half & 1U) != 0)) ++half;
  // A carry out of the fraction moves into the exponent field, which is exact.
  if (exponent >= -14) half = (static_cast<uint32_t>(exponent + 14) << 10) + half;
  if (half >= 0x7C00U) half = 0x7BFFU;
  return static_cast<uint16_t>(sign | std::max<uint32_t>(half, 1U));
}

Result<std::vector<float>> FloatValues(const onnx::TensorProto& tensor) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    return Status::Unsupported("tensor '" + tensor.name() +
                               "' keeps its data in an external file: float16 conversion needs the weights inside "
                               "the model (save it with the external data loaded)");
  }
  if (!tensor.raw_data().empty()) {
    std::vector<float> values(tensor.raw_data().size() / sizeof(float));
    std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(float));
    return values;
  }
  return std::vector<float>(tensor.float_data().begin(), tensor.float_data().end());
}

Status ToHalf(onnx::TensorProto* tensor) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<float> values, FloatValues(*tensor));
  std::string raw(values.size() * sizeof(uint16_t), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    const uint16_t half = FloatToHalf(values[i]);
    raw[2 * i] = static_cast<char>(half & 0xFFU);  // ONNX raw data is little-endian
    raw[2 * i + 1] = static_cast<char>(half >> 8);
  }
  tensor->clear_float_data();
  tensor->set_raw_data(std::move(raw));
  tensor->set_data_type(kHalf);
  return Status::Ok();
}

bool IsDefaultDomain(const onnx::NodeProto& node) { return node.domain().empty() || node.domain() == "ai.onnx"; }

// Inputs that stay float32 even on a float16 node: their schema allows no other type.
bool Float32OnlyInput(const onnx::NodeProto& node, int slot) {
  return (node.op_type() == "Resize" && slot == 2) || (node.op_type() == "Upsample" && slot == 1);
}

bool HasTensorValue(const onnx::NodeProto& node) {
  return std::any_of(node.attribute().begin(), node.attribute().end(),
                     [](const auto& attr) { return attr.name() == "value" && attr.has_t(); });
}

Status CheckConvertible(const onnx::GraphProto& graph) {
  for (int i = 0; i < graph.node_size(); ++i) {
    for (const auto& attr : graph.node(i).attribute()) {
      if (attr.has_g() || attr.graphs_size() > 0) {
        return Status::Unsupported(
            fmt::format("node '{}' ({}) has subgraphs: float16 conversion handles graphs "
                        "without control flow only",
                        variants::NodeLabel(graph.node(i), i), graph.node(i).op_type()));
      }
    }
  }
  return Status::Ok();
}

// Why a listed node or op stays float32, when the runtime found out.
using Reasons = std::map<std::string, std::string>;

// Which nodes stay float32, and why (in graph order).
std::vector<bool> KeptNodes(const onnx::GraphProto& graph, const Float16Options& options, const Reasons& why,
                            Float16Report* report) {
  const std::set<std::string> ops(options.keep_float32_ops.begin(), options.keep_float32_ops.end());
  const std::set<std::string> names(options.keep_float32_nodes.begin(), options.keep_float32_nodes.end());
  std::vector<bool> kept(static_cast<std::size_t>(graph.node_size()), false);
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    const std::string label = variants::NodeLabel(node, i);
    std::string reason;
    if (names.contains(label)) {
      reason = why.contains(label) ? why.at(label) : "listed";
    } else if (ops.contains(node.op_type())) {
      reason = why.contains(node.op_type()) ? why.at(node.op_type()) : "listed op " + node.op_type();
    } else if (!IsDefaultDomain(node)) {
      reason = "op of domain " + node.domain() + " (its float16 support is unknown)";
    } else if (kFloat32ByDefault.contains(node.op_type())) {
      reason = "float32 by default (" + node.op_type() + " is on the float16 converters' block list)";
    }
    if (reason.empty()) continue;
    kept[static_cast<std::size_t>(i)] = true;
    report->float32_nodes.push_back(label);
    report->float32_op_types.push_back(node.op_type());
    report->reasons.push_back(std::move(reason));
  }
  return kept;
}

// The conversion of one graph: element types before and after, and the Casts
// that bridge a value to a consumer that needs the other precision.
class Float16Rewrite {
 public:
  Float16Rewrite(onnx::GraphProto* graph, std::unordered_map<std::string, int32_t> types, std::vector<bool> kept,
                 bool keep_io_float32)
      : graph_(*graph), types_(std::move(types)), kept_(std::move(kept)), keep_io_float32_(keep_io_float32) {}

  // Rewrites the graph; counts the Casts it inserted and the nodes left computing in float16.
  Status Run(int* cast_nodes, int* float16_nodes);

 private:
  bool IsFloat(const std::string& value) const {
    const auto it = types_.find(value);
    return !value.empty() && it != types_.end() && it->second == kFloat;
  }
  int32_t Required(const onnx::NodeProto& node, int node_index, int slot) const {
    return kept_[static_cast<std::size_t>(node_index)] || Float32OnlyInput(node, slot) ? kFloat : kHalf;
  }
  void DecideTypes();
  void RenameMismatchedOutputs();
  std::string CastOf(const std::string& value, int32_t to, std::vector<onnx::NodeProto>* nodes);
  Status ConvertNode(onnx::NodeProto* node, bool kept);
  Status ConvertStoredTensors();
  void UpdateDeclaredTypes();
  std::string UniqueName(const std::string& base);

  onnx::GraphProto& graph_;
  const std::unordered_map<std::string, int32_t> types_;  // before conversion
  const std::vector<bool> kept_;
  const bool keep_io_float32_;
  std::unordered_map<std::string, int32_t> new_types_;  // float32 values only: their type after
  std::map<std::pair<std::string, int32_t>, std::string> casts_;
  std::vector<onnx::NodeProto> output_casts_;
  std::unordered_set<std::string> names_;
};

std::string Float16Rewrite::UniqueName(const std::string& base) {
  std::string name = base;
  for (int i = 1; names_.contains(name); ++i) name = base + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

// A value's type after conversion: a node's outputs follow the node; stored
// tensors (initializers, Constants) become float16 when a float16 consumer
// reads them; graph inputs follow keep_io_float32.
void Float16Rewrite::DecideTypes() {
  std::unordered_set<std::string> read_as_half;
  for (int i = 0; i < graph_.node_size(); ++i) {
    const auto& node = graph_.node(i);
    for (int slot = 0; slot < node.input_size(); ++slot) {
      if (Required(node, i, slot) == kHalf) read_as_half.insert(node.input(slot));
    }
  }
  const int32_t io_type = keep_io_float32_ ? kFloat : kHalf;
  for (const auto& input : graph_.input()) {
    if (IsFloat(input.name())) new_types_[input.name()] = io_type;
  }
  for (const auto& init : graph_.initializer()) {
    if (IsFloat(init.name())) new_types_[init.name()] = read_as_half.contains(init.name()) ? kHalf : kFloat;
  }
  for (int i = 0; i < graph_.node_size(); ++i) {
    const auto& node = graph_.node(i);
    const bool kept = kept_[static_cast<std::size_t>(i)];
    for (const auto& output : node.output()) {
      if (!IsFloat(output)) continue;
      // A Constant without a `value` tensor (value_float, ...) can only make float32.
      const bool stored = node.op_type() == "Constant" && !kept && HasTensorValue(node);
      if (node.op_type() == "Constant" && !stored) {
        new_types_[output] = kFloat;
        continue;
      }
      new_types_[output] = (stored ? read_as_half.contains(output) : !kept) ? kHalf : kFloat;
    }
  }
}

// A graph output keeps its name and declared precision: the node that makes
// it writes to a new name, and a Cast at the end writes the output.
void Float16Rewrite::RenameMismatchedOutputs() {
  std::unordered_set<std::string> inputs;
  for (const auto& input : graph_.input()) inputs.insert(input.name());
  const int32_t io_type = keep_io_float32_ ? kFloat : kHalf;
  for (auto& output : *graph_.mutable_output()) {
    const std::string name = output.name();
    const auto it = new_types_.find(name);
    if (it == new_types_.end() || it->second == io_type || inputs.contains(name)) continue;
    const int32_t type = it->second;
    const std::string inner = UniqueName(name + (type == kHalf ? "_float16" : "_float32"));
    for (auto& node : *graph_.mutable_node()) {
      for (auto& value : *node.mutable_input()) value = value == name ? inner : value;
      for (auto& value : *node.mutable_output()) value = value == name ? inner : value;
    }
    for (auto& init : *graph_.mutable_initializer()) {
      if (init.name() == name) init.set_name(inner);
    }
    new_types_[inner] = type;
    new_types_[name] = io_type;
    onnx::NodeProto cast;
    cast.set_op_type("Cast");
    cast.set_name(UniqueName(name + "_cast_output"));
    cast.add_input(inner);
    cast.add_output(name);
    *cast.add_attribute() = Attr("to", static_cast<int64_t>(io_type));
    output_casts_.push_back(std::move(cast));
  }
}

std::string Float16Rewrite::CastOf(const std::string& value, int32_t to, std::vector<onnx::NodeProto>* nodes) {
  const auto key = std::make_pair(value, to);
  if (const auto it = casts_.find(key); it != casts_.end()) return it->second;
  const std::string suffix = to == kHalf ? "_float16" : "_float32";
  onnx::NodeProto cast;
  cast.set_op_type("Cast");
  cast.set_name(UniqueName(value + "_cast" + suffix));
  cast.add_input(value);
  cast.add_output(UniqueName(value + suffix));
  *cast.add_attribute() = Attr("to", static_cast<int64_t>(to));
  casts_[key] = cast.output(0);
  nodes->push_back(std::move(cast));
  return casts_[key];
}

// A float16 node computes in float16: a Cast to float32 casts to float16, a
// dtype asks for float16, and float tensors in its attributes are float16.
Status Float16Rewrite::ConvertNode(onnx::NodeProto* node, bool kept) {
  if (kept) return Status::Ok();
  const bool is_constant = node->op_type() == "Constant";
  for (auto& attr : *node->mutable_attribute()) {
    if ((attr.name() == "to" && node->op_type() == "Cast") || attr.name() == "dtype") {
      if (attr.i() == kFloat) attr.set_i(kHalf);
    }
    if (attr.has_t() && attr.t().data_type() == kFloat) {
      // A Constant's value follows the type decided for its output.
      const bool half = !is_constant || new_types_[node->output(0)] == kHalf;
      if (half) SWEETSPOT_RETURN_IF_ERROR(ToHalf(attr.mutable_t()));
    }
  }
  return Status::Ok();
}

Status Float16Rewrite::ConvertStoredTensors() {
  for (auto& init : *graph_.mutable_initializer()) {
    const auto it = new_types_.find(init.name());
    if (it != new_types_.end() && it->second == kHalf) SWEETSPOT_RETURN_IF_ERROR(ToHalf(&init));
  }
  return Status::Ok();
}

void Float16Rewrite::UpdateDeclaredTypes() {
  auto update = [&](onnx::ValueInfoProto& info) {
    const auto it = new_types_.find(info.name());
    if (it != new_types_.end() && info.type().has_tensor_type()) {
      info.mutable_type()->mutable_tensor_type()->set_elem_type(it->second);
    }
  };
  for (auto& info : *graph_.mutable_input()) update(info);
  for (auto& info : *graph_.mutable_output()) update(info);
  for (auto& info : *graph_.mutable_value_info()) update(info);
}

Status Float16Rewrite::Run(int* cast_nodes, int* float16_nodes) {
  for (const auto& node : graph_.node()) {
    names_.insert(node.name());
    names_.insert(node.output().begin(), node.output().end());
  }
  for (const auto& input : graph_.input()) names_.insert(input.name());
  for (const auto& init : graph_.initializer()) names_.insert(init.name());
  DecideTypes();
  RenameMismatchedOutputs();
  std::vector<onnx::NodeProto> nodes;
  for (int i = 0; i < graph_.node_size(); ++i) {
    onnx::NodeProto node = graph_.node(i);
    bool half = std::any_of(node.output().begin(), node.output().end(), [&](const std::string& value) {
      return new_types_.contains(value) && new_types_[value] == kHalf;
    });
    for (int slot = 0; slot < node.input_size(); ++slot) {
      const auto it = new_types_.find(node.input(slot));
      if (it == new_types_.end()) continue;
      const int32_t required = Required(node, i, slot);
      half = half || required == kHalf;
      if (it->second != required) node.set_input(slot, CastOf(node.input(slot), required, &nodes));
    }
    *float16_nodes += half && !kept_[static_cast<std::size_t>(i)] ? 1 : 0;
    SWEETSPOT_RETURN_IF_ERROR(ConvertNode(&node, kept_[static_cast<std::size_t>(i)]));
    nodes.push_back(std::move(node));
  }
  *cast_nodes = static_cast<int>(casts_.size() + output_casts_.size());
  for (auto& cast : output_casts_) nodes.push_back(std::move(cast));
  graph_.clear_node();
  for (auto& node : nodes) *graph_.add_node() = std::move(node);
  SWEETSPOT_RETURN_IF_ERROR(ConvertStoredTensors());
  UpdateDeclaredTypes();
  return Status::Ok();
}

// What the runtime made of a float16 model: the op it has no kernel for at
// all (the load failed), or the converted nodes it runs in float32.
struct RuntimeVerdict {
  std::string missing_op;
  std::vector<std::string> float32_nodes;
};

// ONNX Runtime reports a node it has no kernel for as "Could not find an
// implementation for Relu(14) node with name '...'" (the backend rewords it as
// "no kernel for operator Relu (version 14)"), and a type its schema refuses
// as "Type (tensor(float16)) of input parameter (X) of operator (Relu) ...".
std::string OpWithoutFloat16Kernel(const std::string& message) {
  std::smatch match;
  for (const char* pattern : {R"(no kernel for operator (\w+))", R"(Could not find an implementation for (\w+)\()",
                              R"(\(tensor\(float16\)\) of input parameter \([^)]*\) of operator \((\w+)\))"}) {
    if (std::regex_search(message, match, std::regex(pattern))) return match[1].str();
  }
  return "";
}

// Nodes that read a float16 value in `converted` but a float32 one in the
// runtime's graph (unoptimised, so names are kept).
std::vector<std::string> NodesRunInFloat32(const onnx::ModelProto& converted, const onnx::ModelProto& runtime) {
  const auto converted_types = variants::ElementTypes(converted);
  const auto runtime_types = variants::ElementTypes(runtime);
  std::unordered_map<std::string, const onnx::NodeProto*> by_name;
  for (const auto& node : converted.graph().node()) {
    if (!node.name().empty()) by_name[node.name()] = &node;
  }
  auto type_of = [](const auto& types, const std::string& value) {
    const auto it = types.find(value);
    return it == types.end() ? 0 : it->second;
  };
  std::vector<std::string> nodes;
  for (const auto& node : runtime.graph().node()) {
    const auto it = by_name.find(node.name());
    if (node.op_type() == "Cast" || it == by_name.end() || it->second->input_size() != node.input_size()) continue;
    for (int slot = 0; slot < node.input_size(); ++slot) {
      if (type_of(converted_types, it->second->input(slot)) == kHalf &&
          type_of(runtime_types, node.input(slot)) == kFloat) {
        nodes.push_back(node.name());
        break;
      }
    }
  }
  return nodes;
}

// Loads the model twice: as the caller will (so a failure is theirs to see),
// then unoptimised with the runtime's graph saved, where a node the provider
// cannot run in float16 sits between the Casts ONNX Runtime inserted for it
// with float32 inputs, under its own name.
Result<RuntimeVerdict> AskRuntime(Backend& backend, const BackendOptions& options, const Float16Options& kept,
                                  const onnx::ModelProto& converted, const std::filesystem::path& path) {
  RuntimeVerdict verdict;
  auto session = backend.Load(path, options);
  if (!session.ok()) {
    verdict.missing_op = OpWithoutFloat16Kernel(session.status().message());
    const auto& ops = kept.keep_float32_ops;
    if (verdict.missing_op.empty() || std::find(ops.begin(), ops.end(), verdict.missing_op) != ops.end()) {
      return session.status().WithContext("the float16 model does not load");
    }
    return verdict;
  }
  BackendOptions probe = options;
  probe.graph_optimization = GraphOptimization::kDisabled;
  probe.optimized_model_path = path.parent_path() / "runtime.onnx";
  SWEETSPOT_RETURN_IF_ERROR(backend.Load(path, probe).status());
  SWEETSPOT_ASSIGN_OR_RETURN(const onnx::ModelProto runtime, LoadOnnxModel(probe.optimized_model_path));
  verdict.float32_nodes = NodesRunInFloat32(converted, runtime);
  return verdict;
}

Result<onnx::ModelProto> Convert(const onnx::ModelProto& model, const Float16Options& options, const Reasons& why,
                                 Float16Report* report) {
  SWEETSPOT_RETURN_IF_ERROR(CheckConvertible(model.graph()));
  auto types = variants::ElementTypes(model);
  if (std::none_of(types.begin(), types.end(), [](const auto& entry) { return entry.second == kFloat; })) {
    return Status::InvalidArgument("nothing to convert: the model has no float32 tensors");
  }
  Float16Report local;
  Float16Report& out = report != nullptr ? *report : local;
  out = Float16Report{};
  onnx::ModelProto converted = model;
  std::vector<bool> kept = KeptNodes(model.graph(), options, why, &out);
  Float16Rewrite rewrite(converted.mutable_graph(), std::move(types), std::move(kept), options.keep_io_float32);
  SWEETSPOT_RETURN_IF_ERROR(rewrite.Run(&out.cast_nodes, &out.float16_nodes));
  return converted;
}

}  // namespace

Result<onnx::ModelProto> ConvertToFloat16(const onnx::ModelProto& model, const Float16Options& options,
                                          Float16Report* report) {
  return Convert(model, options, {}, report);
}

Result<onnx::ModelProto> ConvertToFloat16ForRuntime(Backend& backend, const BackendOptions& backend_options,
                                                    const onnx::ModelProto& model, Float16Options options,
                                                    Float16Report* report) {
  const variants::ScratchDir scratch;
  if (scratch.path().empty()) return Status::IoError("cannot create a temporary folder for the float16 model");
  const std::filesystem::path path = scratch.path() / "float16.onnx";
  Reasons runtime_reasons;  // op type or node name -> why
  Float16Report attempt;
  // Each round keeps at least one more node in float32, so the rounds end.
  while (true) {
    SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto converted, Convert(model, options, runtime_reasons, &attempt));
    SWEETSPOT_RETURN_IF_ERROR(SaveOnnxModel(converted, path));
    SWEETSPOT_ASSIGN_OR_RETURN(const RuntimeVerdict verdict,
                               AskRuntime(backend, backend_options, options, converted, path));
    if (verdict.missing_op.empty() && verdict.float32_nodes.empty()) {
      if (report != nullptr) *report = std::move(attempt);
      return converted;
    }
    const std::string& provider = backend_options.execution_provider;
    if (!verdict.missing_op.empty()) {
      options.keep_float32_ops.push_back(verdict.missing_op);
      runtime_reasons[verdict.missing_op] = "no float16 kernel in execution provider " + provider;
    }
    for (const auto& node : verdict.float32_nodes) {
      options.keep_float32_nodes.push_back(node);
      runtime_reasons[node] = "run in float32 by ONNX Runtime's " + provider + " provider, between Casts it inserts";
    }
  }
}

}  // namespace sweetspot
