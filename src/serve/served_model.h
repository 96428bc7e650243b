// One served model inside ModelServer: its sessions, queue, workers and
// metric series, and the request conversion around them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "serve/batcher.h"
#include "sweetspot/backend.h"
#include "sweetspot/detection_decoder.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/keypoint_model.h"
#include "sweetspot/model_server.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/serve_metrics.h"

namespace sweetspot {

struct ServedModel {
  ServedModelOptions options;  // name filled in
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;  // tensor outputs only: what Session::Run returns
  // Per input: the resolved spec for BYTES images, or why there is none.
  std::vector<std::optional<PreprocessSpec>> image_specs;
  std::vector<std::string> image_unavailable;
  // A detector (model_server.h, "Detection"): its decoder and class names.
  std::optional<DetectorSpec> detector;
  std::vector<std::string> class_names;
  // A keypoint model (model_server.h, "Keypoints"): its crop preprocessing, decoder and schema.
  std::optional<KeypointModelSpec> keypoints;
  std::unique_ptr<RequestQueue> queue;
  std::vector<std::thread> workers;

  Histogram* queue_seconds = nullptr;
  Histogram* preprocess_seconds = nullptr;
  Histogram* inference_seconds = nullptr;
  Histogram* serialize_seconds = nullptr;
  Histogram* postprocess_seconds = nullptr;  // detectors and keypoint models only
  Histogram* batch_rows = nullptr;

  // "model 'name'": how messages name it.
  std::string Label() const { return "model '" + options.name + "'"; }
};

// Where a decoded image (image extension) came from: its size and how
// preprocessing placed it in the input (for mapping boxes back); a keypoint
// model's person crop (for mapping keypoints back).
struct ImageOrigin {
  int width = 0, height = 0;
  ImageGeometry geometry;
  CropGeometry crop;
};

// The request's inputs as tensors in the model's input order (borrowing the
// request's bytes; BYTES images decoded and preprocessed), checked against
// the model. InvalidArgument naming the model and input otherwise. `origins`
// (may be null) receives one entry per image of the first input sent as
// BYTES images, none for a tensor.
Result<std::vector<Tensor>> RequestTensors(const ServedModel& model, const InferRequest& request,
                                           std::vector<ImageOrigin>* origins = nullptr);

// The outputs the server adds (a detector's two, a keypoint model's one; none
// otherwise): SelectOutputs numbers them past model.outputs, in this order.
std::vector<TensorMetadata> AddedOutputs(const ServedModel& model);

// The index (into model.outputs, or past it for the AddedOutputs) of each
// output the request asks for, in its order; when it names none, every
// output (a detector or keypoint model: its added ones).
// InvalidArgument for an unknown name.
Result<std::vector<std::size_t>> SelectOutputs(const ServedModel& model, const InferRequest& request);

// Resolves the image preprocessing for each of the model's rank-4 inputs
// (model_server.h, image extension), filling image_specs/image_unavailable.
void ResolveImageSpecs(ServedModel& model);

// A worker's loop: runs the batches of model.queue on `session` until the
// queue is closed and drained.
void RunWorker(ServedModel& model, Session& session);

}  // namespace sweetspot
