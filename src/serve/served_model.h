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
#include "sweetspot/inference_protocol.h"
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
  std::unique_ptr<RequestQueue> queue;
  std::vector<std::thread> workers;

  Histogram* queue_seconds = nullptr;
  Histogram* preprocess_seconds = nullptr;
  Histogram* inference_seconds = nullptr;
  Histogram* serialize_seconds = nullptr;
  Histogram* batch_rows = nullptr;

  // "model 'name'": how messages name it.
  std::string Label() const { return "model '" + options.name + "'"; }
};

// The request's inputs as tensors in the model's input order (borrowing the
// request's bytes; BYTES images decoded and preprocessed), checked against
// the model. InvalidArgument naming the model and input otherwise.
Result<std::vector<Tensor>> RequestTensors(const ServedModel& model, const InferRequest& request);

// The index (into model.outputs) of each output the request asks for, in its
// order; every output when it names none. InvalidArgument for an unknown name.
Result<std::vector<std::size_t>> SelectOutputs(const ServedModel& model, const InferRequest& request);

// Resolves the image preprocessing for each of the model's rank-4 inputs
// (model_server.h, image extension), filling image_specs/image_unavailable.
void ResolveImageSpecs(ServedModel& model);

// A worker's loop: runs the batches of model.queue on `session` until the
// queue is closed and drained.
void RunWorker(ServedModel& model, Session& session);

}  // namespace sweetspot
