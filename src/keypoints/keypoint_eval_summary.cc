#include "sweetspot/keypoint_eval_summary.h"

#include <utility>

#include <fmt/format.h>

namespace sweetspot {

namespace {

// `schema` and persons restricted to the joints `keep` marks (sigmas,
// skeleton and angles whose joints are all kept, re-indexed).
struct ScoredPersons {
  KeypointSchema schema;
  std::vector<Person> truth;
  std::vector<Person> predicted;
};

KeypointSchema SubSchema(const KeypointSchema& schema, const std::vector<bool>& keep) {
  KeypointSchema out;
  out.name = schema.name;
  std::vector<int> index(schema.size(), -1);
  for (std::size_t j = 0; j < schema.size(); ++j) {
    if (!keep[j]) continue;
    index[j] = static_cast<int>(out.joints.size());
    out.joints.push_back(schema.joints[j]);
    if (!schema.sigmas.empty()) out.sigmas.push_back(schema.sigmas[j]);
  }
  for (const auto& [a, b] : schema.skeleton) {
    if (index[a] >= 0 && index[b] >= 0) out.skeleton.emplace_back(index[a], index[b]);
  }
  for (const JointAngle& angle : schema.angles) {
    if (out.JointIndex(angle.a) >= 0 && out.JointIndex(angle.vertex) >= 0 && out.JointIndex(angle.c) >= 0) {
      out.angles.push_back(angle);
    }
  }
  return out;
}

Person Restricted(const Person& person, const std::vector<bool>& keep) {
  Person out = person;
  out.keypoints.clear();
  for (std::size_t j = 0; j < keep.size(); ++j) {
    if (keep[j]) out.keypoints.push_back(person.keypoints[j]);
  }
  return out;
}

ScoredPersons Scored(const KeypointEvalResult& result, const std::vector<bool>& keep) {
  ScoredPersons out;
  out.schema = SubSchema(result.schema, keep);
  for (std::size_t i = 0; i < result.truth.size(); ++i) {
    out.truth.push_back(Restricted(result.truth[i], keep));
    Person predicted = result.truth[i];
    predicted.keypoints = result.predicted[i];
    out.predicted.push_back(Restricted(predicted, keep));
  }
  return out;
}

std::vector<bool> MappedJoints(const KeypointEvalResult& result) {
  std::vector<bool> keep(result.joint_map.size());
  for (std::size_t j = 0; j < keep.size(); ++j) keep[j] = result.joint_map[j] >= 0;
  return keep;
}

// A refused option named as the request's field.
Status WithRequestField(const Status& status) {
  const std::string& message = status.message();
  if (message.starts_with("normalization")) return status.WithContext("pck_normalization");
  if (message.find("alpha") != std::string::npos) return status.WithContext("pck_alphas");
  return status;
}

Status CheckSamePersons(const KeypointEvalResult& model, const KeypointEvalResult& reference) {
  const bool same = model.dataset == reference.dataset && model.image_ids == reference.image_ids &&
                    model.truth.size() == reference.truth.size() && model.schema.joints == reference.schema.joints;
  if (same) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "model '{}' evaluated {} persons of {}, reference '{}' {} of {}; give both models the same dataset, padding and "
      "limit",
      model.model_name, model.truth.size(), model.dataset, reference.model_name, reference.truth.size(),
      reference.dataset));
}

// Head-normalised PCK needs head sizes, which COCO files do not carry.
Status CheckNormalization(const KeypointEvalResult& result, const KeypointMetricOptions& options) {
  if (options.normalization != "head") return Status::Ok();
  for (const Person& person : result.truth) {
    if (person.head_size > 0.0) return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("pck_normalization head: no person of {} has a head size ({} files carry "
                                             "none); normalise by the box",
                                             result.dataset, result.dataset_format))
      .WithFix({.field = "pck_normalization", .key = "", .values = {"box"}});
}

}  // namespace

KeypointMetricOptions MetricOptionsOf(const KeypointEvalRequest& request) {
  KeypointMetricOptions options;
  options.pck_alphas = request.pck_alphas;
  options.normalization = request.pck_normalization;
  options.bootstrap_replicates = request.bootstrap_replicates;
  options.seed = request.seed;
  return options;
}

Result<KeypointEvalSummary> SummarizeKeypointEval(const KeypointEvalResult& result,
                                                  const KeypointMetricOptions& options) {
  KeypointEvalSummary s;
  s.model = result.model;
  s.model_name = result.model_name;
  s.model_schema = result.model_schema;
  s.engine = result.engine;
  s.dataset = result.dataset;
  s.dataset_format = result.dataset_format;
  s.dataset_notes = result.dataset_notes;
  s.dataset_schema = result.schema.name;
  s.preprocess_toml = result.preprocess_toml;
  s.decoder_toml = result.decoder_toml;
  s.bootstrap_replicates = options.bootstrap_replicates;
  SWEETSPOT_RETURN_IF_ERROR(CheckNormalization(result, options));
  const ScoredPersons scored = Scored(result, MappedJoints(result));
  s.joints = scored.schema.joints;
  auto metrics = ComputeKeypointMetrics(scored.schema, scored.truth, scored.predicted, options);
  if (!metrics.ok()) return WithRequestField(metrics.status());
  s.metrics = std::move(metrics).value();
  s.times = SummarizeTimes({result.times.preprocess_ms, result.times.network_ms, result.times.postprocess_ms});
  return s;
}

Result<KeypointModelComparison> CompareKeypointResults(const KeypointEvalResult& model,
                                                       const KeypointEvalResult& reference,
                                                       const KeypointMetricOptions& options) {
  SWEETSPOT_RETURN_IF_ERROR(CheckSamePersons(model, reference));
  KeypointModelComparison out;
  out.model = model.model_name;
  out.reference = reference.model_name;
  const std::vector<bool> model_joints = MappedJoints(model);
  const std::vector<bool> reference_joints = MappedJoints(reference);
  std::vector<bool> both(model_joints.size());
  for (std::size_t j = 0; j < both.size(); ++j) both[j] = model_joints[j] && reference_joints[j];
  const ScoredPersons a = Scored(model, both);
  const ScoredPersons b = Scored(reference, both);
  if (a.schema.joints.empty()) {
    return Status::InvalidArgument(fmt::format(
        "model '{}' and reference '{}' score no dataset joint in common; give schemas whose joint names match",
        model.model_name, reference.model_name));
  }
  out.joints = a.schema.joints;
  auto accuracy = CompareKeypointModels(a.schema, a.truth, a.predicted, b.predicted, options);
  if (!accuracy.ok()) return WithRequestField(accuracy.status());
  out.accuracy = std::move(accuracy).value();
  const ScoredPersons own = Scored(model, model_joints);
  const ScoredPersons ref = Scored(reference, reference_joints);
  SWEETSPOT_ASSIGN_OR_RETURN(out.confidence,
                             CompareConfidence(ref.schema, ref.predicted, own.schema, own.predicted, options));
  return out;
}

}  // namespace sweetspot
