#include "sweetspot/onnx_model.h"

#include <onnx/defs/attr_proto_util.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <unordered_set>

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

// `git clone` without Git LFS leaves a small text file where the model should be.
bool IsGitLfsPointer(const std::string& bytes) { return bytes.starts_with("version https://git-lfs"); }

// The opset the model imports for the default ONNX domain (0 if none).
int64_t DefaultDomainOpset(const onnx::ModelProto& model) {
  for (const auto& op : model.opset_import()) {
    if (op.domain().empty() || op.domain() == "ai.onnx") return op.version();
  }
  return 0;
}

Status CheckOpset(const onnx::ModelProto& model, const fs::path& path) {
  if (model.ir_version() > kMaxRuntimeIrVersion) {
    return Status::Unsupported("model '" + path.string() + "' has ONNX IR version " +
                               std::to_string(model.ir_version()) + ", newer than ONNX Runtime reads (up to " +
                               std::to_string(kMaxRuntimeIrVersion) + "): re-export it with ir_version " +
                               std::to_string(kMaxRuntimeIrVersion) + " or lower (an older onnx package)");
  }
  const int64_t opset = DefaultDomainOpset(model);
  if (opset > kMaxRuntimeOpset) {
    return Status::Unsupported("model '" + path.string() + "' uses ONNX opset " + std::to_string(opset) +
                               ", newer than ONNX Runtime supports (up to " + std::to_string(kMaxRuntimeOpset) +
                               "): re-export it with opset " + std::to_string(kMaxRuntimeOpset) + " or lower");
  }
  if (opset > 0 && opset < kMinRuntimeOpset) {
    return Status::Unsupported("model '" + path.string() + "' uses ONNX opset " + std::to_string(opset) +
                               ", older than ONNX Runtime supports (" + std::to_string(kMinRuntimeOpset) +
                               " or newer): convert it with onnx.version_converter to opset " +
                               std::to_string(kMinRuntimeOpset) + " or newer");
  }
  return Status::Ok();
}

// External weights live in files named relative to the model's folder.
Status CheckExternalData(const onnx::ModelProto& model, const fs::path& path) {
  for (const auto& init : model.graph().initializer()) {
    if (init.data_location() != onnx::TensorProto::EXTERNAL) continue;
    for (const auto& entry : init.external_data()) {
      if (entry.key() != "location") continue;
      std::error_code ec;
      if (!fs::is_regular_file(path.parent_path() / entry.value(), ec)) {
        return Status::NotFound("model '" + path.string() + "' keeps its weights in '" + entry.value() +
                                "', which is missing: put that file beside the model, as it was exported");
      }
    }
  }
  return Status::Ok();
}

// Element type names of every typed value of `graph`, by value name.
std::map<std::string, std::string> ValueTypes(const onnx::GraphProto& graph) {
  std::map<std::string, std::string> types;
  for (const auto& init : graph.initializer()) types[init.name()] = OnnxElementTypeName(init.data_type());
  for (const auto* values : {&graph.input(), &graph.value_info(), &graph.output()}) {
    for (const auto& v : *values) {
      if (v.type().has_tensor_type()) types[v.name()] = OnnxElementTypeName(v.type().tensor_type().elem_type());
    }
  }
  return types;
}

}  // namespace

std::optional<NodeInputTypes> FindNodeInputTypes(const onnx::ModelProto& model, std::string_view op_type,
                                                 std::string_view node_name) {
  const auto& nodes = model.graph().node();
  const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const onnx::NodeProto& n) {
    return n.op_type() == op_type && (node_name.empty() || n.name() == node_name);
  });
  if (node == nodes.end()) return std::nullopt;
  onnx::ModelProto inferred = model;
  try {
    // Lenient: a node it cannot infer leaves its outputs untyped.
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(false, 0, false));
  } catch (const std::exception&) {
    // What the graph itself declares is still known.
  }
  const std::map<std::string, std::string> types = ValueTypes(inferred.graph());
  NodeInputTypes out{node->name(), node->op_type(), node->domain(), {}, {}};
  for (const std::string& input : node->input()) {
    const auto it = types.find(input);
    out.input_names.push_back(input);
    out.input_types.push_back(it != types.end() ? it->second : "");
  }
  return out;
}

Result<onnx::ModelProto> LoadOnnxModel(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::NotFound("model file '" + path.string() + "' does not exist; check the path");
  }
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument("'" + path.string() + "' is a folder; give the path of an .onnx file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open model file '" + path.string() + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  if (bytes.empty()) {
    return Status::InvalidData("model file '" + path.string() + "' is empty; re-export the model");
  }
  if (IsGitLfsPointer(bytes)) {
    return Status::InvalidData("'" + path.string() +
                               "' is a Git LFS pointer, not the model: run `git lfs pull` in its repository "
                               "(or download the file itself)");
  }
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    return Status::InvalidData("'" + path.string() +
                               "' is not a valid ONNX model (protobuf parse failed: truncated or not ONNX); "
                               "re-export or re-download it");
  }
  if (!model.has_graph() || model.graph().node_size() == 0 || model.opset_import_size() == 0) {
    return Status::InvalidData("'" + path.string() +
                               "' parsed as protobuf but holds no ONNX graph (no nodes or no opset); "
                               "is it really an .onnx model?");
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckOpset(model, path));
  SWEETSPOT_RETURN_IF_ERROR(CheckExternalData(model, path));
  return model;
}

Status SaveOnnxModel(const onnx::ModelProto& model, const fs::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out)) {
    return Status::IoError("cannot write model file '" + path.string() + "'");
  }
  return Status::Ok();
}

int32_t ToOnnxElementType(DType dtype) {
  using TP = onnx::TensorProto;
  switch (dtype) {
    case DType::kFloat32: return TP::FLOAT;
    case DType::kFloat16: return TP::FLOAT16;
    case DType::kFloat64: return TP::DOUBLE;
    case DType::kInt8: return TP::INT8;
    case DType::kUInt8: return TP::UINT8;
    case DType::kInt16: return TP::INT16;
    case DType::kInt32: return TP::INT32;
    case DType::kInt64: return TP::INT64;
    case DType::kBool: return TP::BOOL;
  }
  return TP::UNDEFINED;
}

Result<DType> FromOnnxElementType(int32_t element_type) {
  using TP = onnx::TensorProto;
  switch (element_type) {
    case TP::FLOAT: return DType::kFloat32;
    case TP::FLOAT16: return DType::kFloat16;
    case TP::DOUBLE: return DType::kFloat64;
    case TP::INT8: return DType::kInt8;
    case TP::UINT8: return DType::kUInt8;
    case TP::INT16: return DType::kInt16;
    case TP::INT32: return DType::kInt32;
    case TP::INT64: return DType::kInt64;
    case TP::BOOL: return DType::kBool;
    default: return Status::Unsupported("ONNX element type " + std::to_string(element_type) + " is not supported");
  }
}

std::string OnnxElementTypeName(int32_t element_type) {
  std::string name = onnx::TensorProto_DataType_IsValid(element_type)
                         ? onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(element_type))
                         : "type" + std::to_string(element_type);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string OnnxTypeName(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType: return OnnxElementTypeName(type.tensor_type().elem_type());
    case onnx::TypeProto::kSparseTensorType:
      return "sparse_tensor(" + OnnxElementTypeName(type.sparse_tensor_type().elem_type()) + ")";
    case onnx::TypeProto::kSequenceType: return "seq(" + OnnxTypeName(type.sequence_type().elem_type()) + ")";
    case onnx::TypeProto::kMapType:
      return "map(" + OnnxElementTypeName(type.map_type().key_type()) + "," +
             OnnxTypeName(type.map_type().value_type()) + ")";
    case onnx::TypeProto::kOptionalType: return "optional(" + OnnxTypeName(type.optional_type().elem_type()) + ")";
    default: return "unknown";
  }
}

namespace {

TensorInfo DescribeValue(const onnx::ValueInfoProto& value, std::vector<std::string>* warnings) {
  TensorInfo info;
  info.name = value.name();
  if (!value.type().has_tensor_type()) {
    info.value_type = OnnxTypeName(value.type());
    return info;
  }
  const auto& tensor_type = value.type().tensor_type();
  const Result<DType> dtype = FromOnnxElementType(tensor_type.elem_type());
  if (dtype.ok()) {
    info.dtype = *dtype;
  } else {
    warnings->push_back("'" + value.name() + "' has element type " + OnnxElementTypeName(tensor_type.elem_type()) +
                        ", which sweetspot cannot represent; shown as float32");
  }
  for (const auto& dim : tensor_type.shape().dim()) {
    const bool known = dim.has_dim_value() && dim.dim_value() >= 0;
    info.shape.push_back(known ? dim.dim_value() : -1);
    info.dim_names.push_back(known ? "" : dim.dim_param());
  }
  return info;
}

}  // namespace

DeclaredValues DescribeGraph(const onnx::GraphProto& graph) {
  DeclaredValues values;
  std::unordered_set<std::string> initializer_names;
  for (const auto& init : graph.initializer()) initializer_names.insert(init.name());
  for (const auto& input : graph.input()) {
    // Before IR 4 every initializer was also listed as an input; those are weights, not inputs.
    if (!initializer_names.contains(input.name())) values.inputs.push_back(DescribeValue(input, &values.warnings));
  }
  for (const auto& output : graph.output()) values.outputs.push_back(DescribeValue(output, &values.warnings));
  return values;
}

namespace {

void SetValueInfo(onnx::ValueInfoProto* info, const std::string& name, DType dtype, const Shape& shape,
                  const std::vector<std::string>& dim_names) {
  info->set_name(name);
  auto* tensor_type = info->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(ToOnnxElementType(dtype));
  if (shape.empty()) return;
  auto* out_shape = tensor_type->mutable_shape();
  for (std::size_t i = 0; i < shape.size(); ++i) {
    auto* dim = out_shape->add_dim();
    if (shape[i] >= 0) {
      dim->set_dim_value(shape[i]);
    } else if (i < dim_names.size() && !dim_names[i].empty()) {
      dim->set_dim_param(dim_names[i]);
    }
  }
}

onnx::TensorProto* AddInitializer(onnx::ModelProto* model, const std::string& name, const Shape& shape,
                                  int32_t element_type) {
  auto* init = model->mutable_graph()->add_initializer();
  init->set_name(name);
  init->set_data_type(element_type);
  for (auto d : shape) init->add_dims(d);
  return init;
}

}  // namespace

GraphBuilder::GraphBuilder(std::string graph_name, int64_t opset) {
  model_.set_ir_version(onnx::IR_VERSION_2019_3_18);  // IR 6: readable by every runtime we target
  model_.set_producer_name("sweetspot");
  auto* op = model_.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model_.mutable_graph()->set_name(std::move(graph_name));
}

GraphBuilder& GraphBuilder::Input(const std::string& name, DType dtype, const Shape& shape,
                                  const std::vector<std::string>& dim_names) {
  SetValueInfo(model_.mutable_graph()->add_input(), name, dtype, shape, dim_names);
  return *this;
}

GraphBuilder& GraphBuilder::Output(const std::string& name, DType dtype, const Shape& shape,
                                   const std::vector<std::string>& dim_names) {
  SetValueInfo(model_.mutable_graph()->add_output(), name, dtype, shape, dim_names);
  return *this;
}

GraphBuilder& GraphBuilder::Initializer(const std::string& name, const Shape& shape, std::vector<float> values) {
  assert(static_cast<int64_t>(values.size()) == ElementCount(shape));
  auto* init = AddInitializer(&model_, name, shape, onnx::TensorProto::FLOAT);
  init->set_raw_data(values.data(), values.size() * sizeof(float));
  return *this;
}

GraphBuilder& GraphBuilder::RandomInitializer(const std::string& name, const Shape& shape, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> values(static_cast<std::size_t>(ElementCount(shape)));
  for (auto& v : values) v = dist(rng);
  return Initializer(name, shape, std::move(values));
}

GraphBuilder& GraphBuilder::Int64Initializer(const std::string& name, const Shape& shape, std::vector<int64_t> values) {
  assert(static_cast<int64_t>(values.size()) == ElementCount(shape));
  auto* init = AddInitializer(&model_, name, shape, onnx::TensorProto::INT64);
  init->set_raw_data(values.data(), values.size() * sizeof(int64_t));
  return *this;
}

GraphBuilder& GraphBuilder::Int8Initializer(const std::string& name, DType dtype, const Shape& shape,
                                            std::vector<int32_t> values) {
  assert(dtype == DType::kInt8 || dtype == DType::kUInt8);
  assert(static_cast<int64_t>(values.size()) == ElementCount(shape));
  auto* init = AddInitializer(&model_, name, shape, ToOnnxElementType(dtype));
  std::string raw(values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) raw[i] = static_cast<char>(values[i]);
  init->set_raw_data(raw);
  return *this;
}

GraphBuilder& GraphBuilder::Node(const std::string& op_type, const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs, std::initializer_list<Attribute> attributes,
                                 const std::string& domain) {
  auto* node = model_.mutable_graph()->add_node();
  node->set_op_type(op_type);
  node->set_name(op_type + "_" + std::to_string(model_.graph().node_size()));
  if (!domain.empty()) {
    node->set_domain(domain);
    bool known = false;
    for (const auto& op : model_.opset_import()) known = known || op.domain() == domain;
    if (!known) {
      auto* op = model_.add_opset_import();
      op->set_domain(domain);
      op->set_version(1);
    }
  }
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& out : outputs) node->add_output(out);
  for (const auto& attr : attributes) *node->add_attribute() = attr;
  return *this;
}

GraphBuilder& GraphBuilder::Metadata(const std::string& key, const std::string& value) {
  for (auto& prop : *model_.mutable_metadata_props()) {
    if (prop.key() == key) {
      prop.set_value(value);
      return *this;
    }
  }
  auto* prop = model_.add_metadata_props();
  prop->set_key(key);
  prop->set_value(value);
  return *this;
}

onnx::ModelProto GraphBuilder::Build() const { return model_; }

template <typename T>
onnx::AttributeProto Attr(const std::string& name, const T& value) {
  return onnx::MakeAttribute(name, value);
}

template onnx::AttributeProto Attr(const std::string&, const float&);
template onnx::AttributeProto Attr(const std::string&, const int64_t&);
template onnx::AttributeProto Attr(const std::string&, const std::string&);
template onnx::AttributeProto Attr(const std::string&, const std::vector<int64_t>&);
template onnx::AttributeProto Attr(const std::string&, const std::vector<float>&);

}  // namespace sweetspot
