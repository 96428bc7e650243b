#include "sweetspot/onnx_model.h"

#include <onnx/defs/attr_proto_util.h>

#include <fstream>
#include <random>
#include <sstream>

namespace sweetspot {
namespace fs = std::filesystem;

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
    default:
      return Status::Unsupported("ONNX element type " + std::to_string(element_type) + " is not supported");
  }
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

GraphBuilder& GraphBuilder::RandomInitializer(const std::string& name, const Shape& shape, uint32_t seed,
                                              float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> values(static_cast<std::size_t>(ElementCount(shape)));
  for (auto& v : values) v = dist(rng);
  return Initializer(name, shape, std::move(values));
}

GraphBuilder& GraphBuilder::Int64Initializer(const std::string& name, const Shape& shape,
                                             std::vector<int64_t> values) {
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
                                 const std::vector<std::string>& outputs,
                                 std::initializer_list<Attribute> attributes, const std::string& domain) {
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
