// The keypoint requests' JSON forms (keypoint_eval.h).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweetspot/keypoint_eval.h"

namespace sweetspot {
using nlohmann::json;

namespace {

json ModelJson(const KeypointModelRequest& m) {
  json layers = json::array();
  for (const PreprocessLayer& l : m.layers) layers.push_back(LayerToJson(l));
  json decoder_layers = json::array();
  for (const DecoderLayer& l : m.decoder_layers) decoder_layers.push_back(LayerToJson(l));
  return {{"model_path", m.model_path},       {"name", m.name},    {"schema", m.schema}, {"layers", layers},
          {"decoder_layers", decoder_layers}, {"engine", m.engine}};
}

KeypointModelRequest ModelFromJson(const json& j) {
  KeypointModelRequest m;
  m.model_path = j.at("model_path").get<std::string>();
  m.name = j.at("name").get<std::string>();
  m.schema = j.at("schema").get<std::string>();
  for (const json& l : j.at("layers")) m.layers.push_back(PreprocessLayerFromJson(l));
  for (const json& l : j.at("decoder_layers")) m.decoder_layers.push_back(DecoderLayerFromJson(l));
  m.engine = j.at("engine").get<std::string>();
  return m;
}

}  // namespace

json ToJson(const KeypointEvalRequest& r) {
  return {{"model", ModelJson(r.model)},
          {"dataset_path", r.dataset_path},
          {"image_dir", r.image_dir},
          {"padding", r.padding},
          {"limit", r.limit},
          {"pck_alphas", r.pck_alphas},
          {"pck_normalization", r.pck_normalization},
          {"bootstrap_replicates", r.bootstrap_replicates},
          {"seed", r.seed},
          {"threads", r.threads},
          {"engine", r.engine}};
}

Result<KeypointEvalRequest> KeypointEvalRequestFromJson(const json& j) {
  try {
    KeypointEvalRequest r;
    r.model = ModelFromJson(j.at("model"));
    r.dataset_path = j.at("dataset_path").get<std::string>();
    r.image_dir = j.at("image_dir").get<std::string>();
    r.padding = j.at("padding").get<double>();
    r.limit = j.at("limit").get<std::uint64_t>();
    r.pck_alphas = j.at("pck_alphas").get<std::vector<double>>();
    r.pck_normalization = j.at("pck_normalization").get<std::string>();
    r.bootstrap_replicates = j.at("bootstrap_replicates").get<std::uint64_t>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.threads = j.at("threads").get<int>();
    r.engine = j.at("engine").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("keypoint evaluation request: ") + e.what());
  }
}

json ToJson(const KeypointVideoRequest& r) {
  json models = json::array();
  for (const KeypointModelRequest& m : r.models) models.push_back(ModelJson(m));
  return {{"models", models},
          {"reference", r.reference},
          {"video_path", r.video_path},
          {"initial", {{"cx_px", r.initial.cx_px}, {"cy_px", r.initial.cy_px}, {"side_px", r.initial.side_px}}},
          {"tracker",
           {{"score_threshold", r.tracker.score_threshold},
            {"min_joints", r.tracker.min_joints},
            {"padding", r.tracker.padding},
            {"smoothing", r.tracker.smoothing},
            {"memory_frames", r.tracker.memory_frames}}},
          {"max_frames", r.max_frames},
          {"min_confidence", r.min_confidence},
          {"agreement_threshold", r.agreement_threshold},
          {"bootstrap_replicates", r.bootstrap_replicates},
          {"seed", r.seed},
          {"threads", r.threads},
          {"engine", r.engine}};
}

Result<KeypointVideoRequest> KeypointVideoRequestFromJson(const json& j) {
  try {
    KeypointVideoRequest r;
    for (const json& m : j.at("models")) r.models.push_back(ModelFromJson(m));
    r.reference = j.at("reference").get<int>();
    r.video_path = j.at("video_path").get<std::string>();
    const json& initial = j.at("initial");
    r.initial = {initial.at("cx_px").get<double>(), initial.at("cy_px").get<double>(),
                 initial.at("side_px").get<double>()};
    const json& tracker = j.at("tracker");
    r.tracker.score_threshold = tracker.at("score_threshold").get<float>();
    r.tracker.min_joints = tracker.at("min_joints").get<int>();
    r.tracker.padding = tracker.at("padding").get<double>();
    r.tracker.smoothing = tracker.at("smoothing").get<double>();
    r.tracker.memory_frames = tracker.at("memory_frames").get<int>();
    r.max_frames = j.at("max_frames").get<std::uint64_t>();
    r.min_confidence = j.at("min_confidence").get<float>();
    r.agreement_threshold = j.at("agreement_threshold").get<double>();
    r.bootstrap_replicates = j.at("bootstrap_replicates").get<std::uint64_t>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.threads = j.at("threads").get<int>();
    r.engine = j.at("engine").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("keypoint video request: ") + e.what());
  }
}

namespace {

constexpr const char* kEvalSchema = "sweetspot.keypoint-eval-result/1";
constexpr const char* kVideoSchema = "sweetspot.keypoint-video/1";

json KeypointsJson(const std::vector<Keypoint>& keypoints) {
  json rows = json::array();
  for (const Keypoint& k : keypoints) rows.push_back({k.x, k.y, k.score});
  return rows;
}

std::vector<Keypoint> KeypointsFromJson(const json& rows) {
  std::vector<Keypoint> out;
  for (const json& r : rows) out.push_back({r.at(0).get<double>(), r.at(1).get<double>(), r.at(2).get<float>()});
  return out;
}

json TimesJson(const KeypointStageTimes& t) {
  return {{"preprocess_ms", t.preprocess_ms}, {"network_ms", t.network_ms}, {"postprocess_ms", t.postprocess_ms}};
}

KeypointStageTimes TimesFromJson(const json& j) {
  return {j.at("preprocess_ms").get<std::vector<double>>(), j.at("network_ms").get<std::vector<double>>(),
          j.at("postprocess_ms").get<std::vector<double>>()};
}

// The schema as its name and joints (a built-in one is fully named by them;
// the report needs the joint names).
json SchemaJson(const KeypointSchema& schema) { return {{"name", schema.name}, {"joints", schema.joints}}; }

KeypointSchema SchemaFromJson(const json& j) {
  KeypointSchema schema;
  schema.name = j.at("name").get<std::string>();
  schema.joints = j.at("joints").get<std::vector<std::string>>();
  auto builtin = BuiltinSchema(schema.name);
  if (builtin.ok() && builtin->joints == schema.joints) return std::move(builtin).value();
  return schema;
}

json PersonJson(const Person& p) {
  return {{"box", {p.box.x1, p.box.y1, p.box.x2, p.box.y2}},
          {"keypoints", KeypointsJson(p.keypoints)},
          {"area", p.area},
          {"head_size", p.head_size}};
}

Person PersonFromJson(const json& j) {
  Person p;
  const json& b = j.at("box");
  p.box = {b.at(0).get<double>(), b.at(1).get<double>(), b.at(2).get<double>(), b.at(3).get<double>()};
  p.keypoints = KeypointsFromJson(j.at("keypoints"));
  p.area = j.at("area").get<double>();
  p.head_size = j.at("head_size").get<double>();
  return p;
}

}  // namespace

json ToJson(const KeypointEvalResult& r) {
  json truth = json::array();
  for (const Person& p : r.truth) truth.push_back(PersonJson(p));
  json predicted = json::array();
  for (const auto& k : r.predicted) predicted.push_back(KeypointsJson(k));
  return {{"schema", kEvalSchema},
          {"model", r.model},
          {"model_name", r.model_name},
          {"dataset", r.dataset},
          {"dataset_format", r.dataset_format},
          {"dataset_notes", r.dataset_notes},
          {"model_schema", r.model_schema},
          {"keypoint_schema", SchemaJson(r.schema)},
          {"joint_map", r.joint_map},
          {"preprocess_toml", r.preprocess_toml},
          {"decoder_toml", r.decoder_toml},
          {"engine", r.engine},
          {"truth", truth},
          {"image_ids", r.image_ids},
          {"predicted", predicted},
          {"times", TimesJson(r.times)}};
}

Result<KeypointEvalResult> KeypointEvalResultFromJson(const json& j) {
  try {
    if (j.at("schema").get<std::string>() != kEvalSchema) {
      return Status::InvalidData(std::string("keypoint evaluation result: schema is not ") + kEvalSchema);
    }
    KeypointEvalResult r;
    r.model = j.at("model").get<std::string>();
    r.model_name = j.at("model_name").get<std::string>();
    r.dataset = j.at("dataset").get<std::string>();
    r.dataset_format = j.at("dataset_format").get<std::string>();
    r.dataset_notes = j.at("dataset_notes").get<std::vector<std::string>>();
    r.model_schema = j.at("model_schema").get<std::string>();
    r.schema = SchemaFromJson(j.at("keypoint_schema"));
    r.joint_map = j.at("joint_map").get<std::vector<int>>();
    r.preprocess_toml = j.at("preprocess_toml").get<std::string>();
    r.decoder_toml = j.at("decoder_toml").get<std::string>();
    r.engine = j.at("engine").get<std::string>();
    for (const json& p : j.at("truth")) r.truth.push_back(PersonFromJson(p));
    r.image_ids = j.at("image_ids").get<std::vector<std::string>>();
    for (const json& k : j.at("predicted")) r.predicted.push_back(KeypointsFromJson(k));
    r.times = TimesFromJson(j.at("times"));
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("keypoint evaluation result: ") + e.what());
  }
}

json ToJson(const KeypointVideoResult& r) {
  json crops = json::array();
  for (const TrackSquare& s : r.crops) crops.push_back({s.cx_px, s.cy_px, s.side_px});
  json models = json::array();
  for (const KeypointVideoModel& m : r.models) {
    json frames = json::array();
    for (const auto& f : m.frames) frames.push_back(KeypointsJson(f));
    models.push_back({{"model", m.model},
                      {"name", m.name},
                      {"model_schema", m.model_schema},
                      {"engine", m.engine},
                      {"input_px", m.input_px},
                      {"frames", frames},
                      {"times", TimesJson(m.times)}});
  }
  return {{"schema", kVideoSchema},
          {"video", r.video},
          {"fps", r.fps},
          {"reference", r.reference},
          {"keypoint_schema", SchemaJson(r.schema)},
          {"crops", crops},
          {"models", models},
          {"lost_at_frame", r.lost_at_frame.has_value() ? json(*r.lost_at_frame) : json(nullptr)},
          {"note", r.note}};
}

Result<KeypointVideoResult> KeypointVideoResultFromJson(const json& j) {
  try {
    if (j.at("schema").get<std::string>() != kVideoSchema) {
      return Status::InvalidData(std::string("keypoint video result: schema is not ") + kVideoSchema);
    }
    KeypointVideoResult r;
    r.video = j.at("video").get<std::string>();
    r.fps = j.at("fps").get<double>();
    r.reference = j.at("reference").get<std::size_t>();
    r.schema = SchemaFromJson(j.at("keypoint_schema"));
    for (const json& c : j.at("crops"))
      r.crops.push_back({c.at(0).get<double>(), c.at(1).get<double>(), c.at(2).get<double>()});
    for (const json& m : j.at("models")) {
      KeypointVideoModel& model = r.models.emplace_back();
      model.model = m.at("model").get<std::string>();
      model.name = m.at("name").get<std::string>();
      model.model_schema = m.at("model_schema").get<std::string>();
      model.engine = m.at("engine").get<std::string>();
      model.input_px = m.at("input_px").get<int>();
      for (const json& f : m.at("frames")) model.frames.push_back(KeypointsFromJson(f));
      model.times = TimesFromJson(m.at("times"));
    }
    if (!j.at("lost_at_frame").is_null()) r.lost_at_frame = j.at("lost_at_frame").get<std::size_t>();
    r.note = j.at("note").get<std::string>();
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("keypoint video result: ") + e.what());
  }
}

}  // namespace sweetspot
