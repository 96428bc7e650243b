#include "report/ops_by_precision.h"

#include <algorithm>
#include <map>
#include <optional>

#include "sweetspot/onnx_model.h"

namespace sweetspot {
using nlohmann::json;

namespace {

bool IsIntegerCompute(const std::string& op_type) {
  static const char* const kOps[] = {"ConvInteger",          "MatMulInteger",         "QGemm",
                                     "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QAttention"};
  if (op_type.rfind("QLinear", 0) == 0) return true;
  return std::find(std::begin(kOps), std::end(kOps), op_type) != std::end(kOps);
}

json OpsJson(const GraphDiagnosis& diagnosis) {
  std::map<std::string, std::map<std::string, std::int64_t>> counts;  // precision -> op type -> nodes
  for (const OpCount& op : diagnosis.ops) counts[PrecisionBucket(op)][op.op_type] += op.count;
  return counts;
}

// Stable: rows of nodes the graph does not name keep their order, last.
std::vector<LayerSqnr> InGraphOrder(std::vector<LayerSqnr> rows, const onnx::GraphProto& graph) {
  std::map<std::string, int> position;
  for (int i = 0; i < graph.node_size(); ++i) position.emplace(graph.node(i).name(), i);
  const auto rank = [&position, &graph](const LayerSqnr& row) {
    const auto found = position.find(row.node);
    return found != position.end() ? found->second : graph.node_size();
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&rank](const LayerSqnr& a, const LayerSqnr& b) { return rank(a) < rank(b); });
  return rows;
}

}  // namespace

std::string PrecisionBucket(const OpCount& op) {
  if (IsIntegerCompute(op.op_type)) return "int8";
  if (op.precision == "float") return "float32";
  if (op.precision == "double") return "float64";
  if (op.precision == "uint8" || op.precision == "int8") return "int8";
  return op.precision;
}

ModelGraphFacts DescribeModelGraph(const PlannedModel& model) {
  ModelGraphFacts facts;
  facts.sqnr = model.sqnr;
  if (model.diagnosis) {
    facts.ops_by_precision = OpsJson(*model.diagnosis);
    facts.ops_source = "onnxruntime";
  }
  if (model.diagnosis && model.sqnr.empty()) return facts;
  auto loaded = LoadOnnxModel(model.path);
  if (!loaded.ok()) return facts;
  facts.sqnr = InGraphOrder(model.sqnr, loaded->graph());
  if (!model.diagnosis) {
    facts.ops_by_precision = OpsJson(DiagnoseGraph(*loaded));
    facts.ops_source = "file";
  }
  return facts;
}

}  // namespace sweetspot
