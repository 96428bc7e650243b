// ToJson(ModelInfo): presentation kept apart from measurement, so the CLI and
// any report that embeds model facts write the same keys.
#include <nlohmann/json.hpp>

#include "sweetspot/model_info.h"

namespace sweetspot {
namespace {

// A non-tensor value has only its type: {"name", "type": "seq(map(int64,float))"}.
nlohmann::json TensorJson(const TensorInfo& tensor) {
  if (!tensor.is_tensor()) return {{"name", tensor.name}, {"type", tensor.value_type}};
  return {{"name", tensor.name},
          {"dtype", std::string(DTypeName(tensor.dtype))},
          {"shape", tensor.shape},
          {"dim_names", tensor.dim_names}};
}

}  // namespace

nlohmann::json ToJson(const ModelInfo& info) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& tensor : info.inputs) inputs.push_back(TensorJson(tensor));
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& tensor : info.outputs) outputs.push_back(TensorJson(tensor));
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& node : info.nodes) {
    nodes.push_back({{"name", node.name},
                     {"op_type", node.op_type},
                     {"domain", node.domain},
                     {"kind", std::string(CostKindName(node.kind))},
                     {"macs", node.macs},
                     {"elementwise_ops", node.elementwise_ops},
                     {"params", node.params},
                     {"output_shape", node.output_shape},
                     {"shape_known", node.shape_known}});
  }
  return {{"path", info.path.string()},
          {"file_bytes", info.file_bytes},
          {"ir_version", info.ir_version},
          {"producer_name", info.producer_name},
          {"producer_version", info.producer_version},
          {"graph_name", info.graph_name},
          {"opsets", info.opsets},
          {"inputs", std::move(inputs)},
          {"outputs", std::move(outputs)},
          {"resolved_dims", info.resolved_dims},
          {"batch_size", info.batch_size},
          {"param_count", info.param_count},
          {"weight_bytes", info.weight_bytes},
          {"total_macs", info.total_macs},
          {"elementwise_ops", info.elementwise_ops},
          {"op_histogram", info.op_histogram},
          {"nodes", std::move(nodes)},
          {"warnings", info.warnings}};
}

}  // namespace sweetspot
