#include "sweetspot/keypoint_eval.h"

#include <memory>
#include <utility>

#include <fmt/format.h>
#include <opencv2/core.hpp>

#include "keypoints/keypoint_runner.h"
#include "sweetspot/elapsed.h"
#include "sweetspot/image_decode.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/person_crop.h"

namespace sweetspot {

namespace {

Status CheckRequest(const KeypointEvalRequest& request) {
  if (!(request.padding >= 1.0)) {
    return Status::InvalidArgument(fmt::format("padding is {}; give 1 or more (1.25 is usual)", request.padding));
  }
  return Status::Ok();
}

// One person: crop, run, map onto the dataset's schema.
Status EvaluatePerson(KeypointRunner& runner, const cv::Mat& image, const LabelledPerson& person,
                      const KeypointEvalRequest& request, KeypointEvalResult& result) {
  KeypointStageSample times;
  const auto start = SteadyClock::now();
  const CropGeometry geometry = SquareCropAround(person.person.box, request.padding, runner.input_px());
  SWEETSPOT_ASSIGN_OR_RETURN(cv::Mat crop, CropPerson(image, geometry));
  times.preprocess_ms = MillisecondsSince(start);
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<Keypoint> keypoints, runner.Run(crop, geometry, times));
  const auto map_start = SteadyClock::now();
  result.predicted.push_back(MapKeypoints(keypoints, result.joint_map));
  times.postprocess_ms += MillisecondsSince(map_start);
  result.truth.push_back(person.person);
  result.times.preprocess_ms.push_back(times.preprocess_ms);
  result.times.network_ms.push_back(times.network_ms);
  result.times.postprocess_ms.push_back(times.postprocess_ms);
  return Status::Ok();
}

}  // namespace

Result<KeypointEvalResult> EvaluateKeypoints(const KeypointEvalRequest& request) {
  SWEETSPOT_RETURN_IF_ERROR(CheckRequest(request));
  KeypointDatasetOptions options;
  options.image_dir = request.image_dir;
  auto opened = OpenKeypointDataset(request.dataset_path, options);
  if (!opened.ok()) return opened.status().WithContext(fmt::format("dataset '{}'", request.dataset_path));
  const KeypointDataset& dataset = *opened;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<KeypointRunner> runner,
                             KeypointRunner::Open(request.model, request.engine, request.threads));
  KeypointEvalResult result;
  result.model = request.model.model_path;
  result.model_name = runner->name();
  result.dataset = dataset.file.string();
  result.dataset_format = dataset.format;
  result.dataset_notes = dataset.notes;
  result.model_schema = runner->schema().name;
  result.schema = dataset.schema;
  auto map = MapSchemas(runner->schema(), dataset.schema);
  if (!map.ok()) return map.status().WithContext("model '" + request.model.model_path + "'");
  result.joint_map = std::move(map).value();
  result.preprocess_toml = runner->preprocess().ToToml();
  result.decoder_toml = runner->decoder().ToToml();
  result.engine = runner->engine();
  const std::size_t count =
      request.limit == 0 ? dataset.persons.size() : std::min<std::size_t>(request.limit, dataset.persons.size());
  std::size_t loaded_image = dataset.images.size();
  cv::Mat image;
  for (std::size_t i = 0; i < count; ++i) {
    const LabelledPerson& person = dataset.persons[i];
    const KeypointImage& info = dataset.images[person.image];
    if (person.image != loaded_image) {
      SWEETSPOT_ASSIGN_OR_RETURN(LabelledImage labelled, ReadLabelledImage(info.path, info.width, info.height));
      image = std::move(labelled.pixels);
      loaded_image = person.image;
    }
    SWEETSPOT_RETURN_IF_ERROR(EvaluatePerson(*runner, image, person, request, result));
    result.image_ids.push_back(info.id);
  }
  return result;
}

}  // namespace sweetspot
