// The keypoint requests' JSON forms (keypoint_eval.h).
#include <string>

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
  return {{"model_path", m.model_path},
          {"name", m.name},
          {"schema", m.schema},
          {"layers", layers},
          {"decoder_layers", decoder_layers}};
}

KeypointModelRequest ModelFromJson(const json& j) {
  KeypointModelRequest m;
  m.model_path = j.at("model_path").get<std::string>();
  m.name = j.at("name").get<std::string>();
  m.schema = j.at("schema").get<std::string>();
  for (const json& l : j.at("layers")) m.layers.push_back(PreprocessLayerFromJson(l));
  for (const json& l : j.at("decoder_layers")) m.decoder_layers.push_back(DecoderLayerFromJson(l));
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
            {"smoothing", r.tracker.smoothing}}},
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

}  // namespace sweetspot
