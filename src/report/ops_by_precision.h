// What a variant's graph computes in which precision, and its SQNR rows in
// graph order, for the report snapshot (report_run.cc).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/graph_diagnosis.h"
#include "sweetspot/sqnr.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {

struct ModelGraphFacts {
  // {"int8": {"QLinearConv": 57, ...}, "float32": {...}, ...}: nodes by the
  // precision they compute in and their op type; {} when the graph is unknown.
  nlohmann::json ops_by_precision = nlohmann::json::object();
  std::string ops_source;       // "onnxruntime" (its optimised graph), "file" (the model file), "" unknown
  std::vector<LayerSqnr> sqnr;  // the model's SQNR rows in the order of its graph's nodes
};

// From the study's diagnosis when it has one, else from the model's file
// (DiagnoseGraph of it as saved); a file that cannot be read leaves the ops
// empty and the SQNR rows in the plan's order.
ModelGraphFacts DescribeModelGraph(const PlannedModel& model);

// "int8" for the integer-compute op types (QLinear*, ConvInteger,
// MatMulInteger, QGemm, ...) whatever their input type; else the element
// type `precision` names: "float" -> "float32", "double" -> "float64",
// "uint8"/"int8" -> "int8", others as they are.
std::string PrecisionBucket(const OpCount& op);

}  // namespace sweetspot
