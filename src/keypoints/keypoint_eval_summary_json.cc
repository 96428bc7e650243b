// The JSON forms of keypoint_eval_summary.h.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/keypoint_eval_summary.h"

namespace sweetspot {
using nlohmann::json;

namespace {

constexpr const char* kSummarySchema = "sweetspot.keypoint-eval-summary/1";
constexpr const char* kComparisonSchema = "sweetspot.keypoint-comparison/1";

Status CheckSchema(const json& j, const char* schema, const char* what) {
  if (j.at("schema").get<std::string>() == schema) return Status::Ok();
  return Status::InvalidData(std::string(what) + ": schema is " + j.at("schema").dump() + ", not " + schema);
}

}  // namespace

json ToJson(const KeypointEvalSummary& s) {
  return {{"schema", kSummarySchema},
          {"model", s.model},
          {"model_name", s.model_name},
          {"model_schema", s.model_schema},
          {"engine", s.engine},
          {"dataset", s.dataset},
          {"dataset_format", s.dataset_format},
          {"dataset_notes", s.dataset_notes},
          {"dataset_schema", s.dataset_schema},
          {"joints", s.joints},
          {"preprocess_toml", s.preprocess_toml},
          {"decoder_toml", s.decoder_toml},
          {"bootstrap_replicates", s.bootstrap_replicates},
          {"metrics", ToJson(s.metrics)},
          {"times", ToJson(s.times)}};
}

Result<KeypointEvalSummary> KeypointEvalSummaryFromJson(const json& j) {
  try {
    SWEETSPOT_RETURN_IF_ERROR(CheckSchema(j, kSummarySchema, "keypoint evaluation summary"));
    KeypointEvalSummary s;
    s.model = j.at("model").get<std::string>();
    s.model_name = j.at("model_name").get<std::string>();
    s.model_schema = j.at("model_schema").get<std::string>();
    s.engine = j.at("engine").get<std::string>();
    s.dataset = j.at("dataset").get<std::string>();
    s.dataset_format = j.at("dataset_format").get<std::string>();
    s.dataset_notes = j.at("dataset_notes").get<std::vector<std::string>>();
    s.dataset_schema = j.at("dataset_schema").get<std::string>();
    s.joints = j.at("joints").get<std::vector<std::string>>();
    s.preprocess_toml = j.at("preprocess_toml").get<std::string>();
    s.decoder_toml = j.at("decoder_toml").get<std::string>();
    s.bootstrap_replicates = j.at("bootstrap_replicates").get<std::uint64_t>();
    SWEETSPOT_ASSIGN_OR_RETURN(s.metrics, KeypointMetricsFromJson(j.at("metrics")));
    SWEETSPOT_ASSIGN_OR_RETURN(s.times, DetectionTimeSummaryFromJson(j.at("times")));
    return s;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("keypoint evaluation summary: ") + e.what());
  }
}

json ToJson(const KeypointModelComparison& c) {
  return {{"schema", kComparisonSchema},    {"model", c.model},
          {"reference", c.reference},       {"joints", c.joints},
          {"accuracy", ToJson(c.accuracy)}, {"confidence", ToJson(c.confidence)}};
}

Result<KeypointModelComparison> KeypointModelComparisonFromJson(const json& j) {
  try {
    SWEETSPOT_RETURN_IF_ERROR(CheckSchema(j, kComparisonSchema, "keypoint comparison"));
    KeypointModelComparison c;
    c.model = j.at("model").get<std::string>();
    c.reference = j.at("reference").get<std::string>();
    c.joints = j.at("joints").get<std::vector<std::string>>();
    SWEETSPOT_ASSIGN_OR_RETURN(c.accuracy, KeypointComparisonFromJson(j.at("accuracy")));
    SWEETSPOT_ASSIGN_OR_RETURN(c.confidence, ConfidenceDropFromJson(j.at("confidence")));
    return c;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("keypoint comparison: ") + e.what());
  }
}

}  // namespace sweetspot
