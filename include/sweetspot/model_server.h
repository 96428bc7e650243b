// ModelServer: the engine behind `sweetspot serve`'s front ends (HTTP, gRPC).
//
// It serves several models, each with `sessions` runtime sessions, a bounded
// request queue and one worker thread per session. A worker takes the oldest
// queued requests as one batch (dynamic batching): up to
// BatchingOptions::max_batch_size rows, waiting at most max_queue_delay after
// the oldest request was queued for more to arrive, and running at once when
// the rows queued reach max_batch_size or one of preferred_batch_sizes. The
// batch's inputs are concatenated along axis 0 (a request may carry several
// rows itself; a request bigger than max_batch_size runs alone), run, and the
// outputs split back per request. Requests are answered in no particular
// order; a request's rows are never split across batches.
//
// Requests use the Open Inference Protocol's types (inference_protocol.h).
// Each input is checked against the model: name, datatype (converted never,
// except the image extension below) and shape (rank, static dims).
//
// Image extension: an input sent as BYTES for a model input that is a float
// image tensor ([N,C,H,W] or [N,H,W,C]) holds encoded images (JPEG, PNG, ...;
// shape [N] or [N,1]; each element a 4-byte little-endian length and the
// file's bytes). Each is decoded by OpenCV (as 8-bit colour, like eval's
// image files) and preprocessed with the model's PreprocessSpec: from
// ServedModelOptions::preprocess, else the model's metadata_props
// 'sweetspot.preprocess' (preprocess.h), resolved against the input. Decoding
// and preprocessing run on the calling thread, so they run in parallel
// across callers while the workers run the model.
//
// Detection: a model whose metadata_props hold 'sweetspot.detection', or
// served with ServedModelOptions::decoder_layers, is a detector: its answers
// gain the outputs `detections` and `detection_count` (served_detections.h),
// decoded by DecodeDetections (NMS included) on the calling thread after the
// batch ran, and its metadata lists them first. A request that names no
// output gets those two only; the raw outputs are still given by name. Boxes
// are in the original image's pixels for an image (BYTES) input
// (PreprocessGeometry, MapBoxToImage), else in the input tensor's pixels.
// Errors: Create fails when the decoder does not fit the outputs (the layouts
// tried) or the class list does not load; Infer fails with InvalidData when
// an output holds NaN/Inf (naming it).
//
// Keypoints: a model whose metadata_props hold 'sweetspot.keypoints', or
// served with ServedModelOptions::keypoint_schema or keypoint_decoder_layers,
// is a top-down keypoint model (served_keypoints.h): its preprocessing,
// decoder and schema are resolved as `sweetspot eval` resolves them
// (ResolveKeypointModel, keypoint_model.h); each image sent as BYTES is
// cropped around its `person_box` row (or the whole image) before the
// preprocessing, and the answers gain the output `keypoints` (original-image
// pixels; a tensor input: its pixels), listed first in its metadata, with the
// schema in the response parameters. A request that names no output gets that
// one only. Errors: Create fails when the model is given both a detection
// decoder and a keypoint schema, names no schema, or the decoder does not
// fit; Infer fails with InvalidArgument for a person_box of the wrong shape,
// outside its image, or sent with a tensor instead of an image.
//
// Response parameters (extensions): sweetspot_queue_us (double: queued until
// a worker took the batch), sweetspot_preprocess_us (double: request
// conversion, image decoding and preprocessing), sweetspot_inference_us
// (double: the batch's Session::Run), sweetspot_batch_size (int64: rows in
// the batch that answered), for detectors and keypoint models
// sweetspot_postprocess_us (double: decoding, NMS and mapping back), for
// keypoint models sweetspot_keypoint_schema and sweetspot_keypoint_joints.
//
// Metrics (metrics()): sweetspot_requests_total{model,code} (code: the HTTP
// status HttpStatusFor gives; requests for a model not served count under
// model="", so clients cannot add series), sweetspot_queue_depth{model},
// sweetspot_batch_size{model} (rows per batch run) and
// sweetspot_stage_seconds{model,stage} histograms, stage one of queue,
// preprocess, inference (recorded here) and serialize (the front ends report
// it through RecordSerializeTime).
//
// Thread-safety: every method may be called from any thread, concurrently.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/detection_eval.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/serve_metrics.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct BatchingOptions {
  int max_batch_size = 1;                          // rows per run; 1 = no dynamic batching
  std::chrono::microseconds max_queue_delay{500};  // longest the oldest request waits for a batch to fill; <= 1 h
  std::vector<int> preferred_batch_sizes;          // run at once when the queued rows reach one; each <= max_batch_size
};

struct ServedModelOptions {
  std::string name;  // URL name; "" = the file's stem
  std::string version = "1";
  std::filesystem::path path;
  std::string engine = "onnxruntime";  // a name CreateBackend takes (backend.h)
  int sessions = 1;                    // sessions run in parallel, one worker thread each
  int threads_per_session = 1;         // BackendOptions::intra_op_threads
  BatchingOptions batching;
  std::size_t max_queue_size = 256;          // requests waiting; beyond: ResourceExhausted
  std::optional<PreprocessSpec> preprocess;  // for image (BYTES) inputs; default: model metadata
  // Detection (above): decoder layers over the model's 'sweetspot.detection'
  // metadata (ResolveDetector, detection_eval.h); with neither, the model is
  // served as it is.
  std::vector<DecoderLayer> decoder_layers;
  // The model's classes: "coco80" | a file of names | "": the decoder's
  // `classes`, else its class_names, else none (ids only).
  std::string model_classes;
  // Keypoints (above): the model's joints (a built-in schema name or a schema
  // TOML file; "" = the decoder's `schema` key) and decoder layers over the
  // model's 'sweetspot.keypoints' metadata (ResolveKeypointDecoder).
  std::string keypoint_schema;
  std::vector<DecoderLayer> keypoint_decoder_layers;
  double person_padding = 1.25;  // crop side / the person box's longer side; >= 1
};

// Where one request's time went, in microseconds; batch_size: rows in the
// batch that answered it (0 when it never ran).
struct StageTimes {
  double queue_us = 0, preprocess_us = 0, inference_us = 0;
  double postprocess_us = 0;  // detectors, keypoint models: decoding (NMS) and mapping back
  int batch_size = 0;
};

// The HTTP status a front end answers for `status`: 200 OK, 404 NotFound,
// 400 InvalidArgument, 503 ResourceExhausted and Unavailable, 500 otherwise.
int HttpStatusFor(const Status& status);

class ModelServer {
 public:
  // Loads every model (`sessions` sessions each) and starts the workers.
  // Errors, one line naming the model: InvalidArgument for bad options (an
  // empty path, a (name, version) given twice, sessions, threads_per_session,
  // max_batch_size or max_queue_size below 1, max_queue_delay outside [0, 1 h],
  // a preferred batch size outside
  // [1, max_batch_size], max_batch_size > 1 for a model whose batch dimension
  // is fixed: with the FieldFix "max_batch" = 1); the runtime's load errors
  // (backend.h) otherwise, a model ONNX Runtime finds invalid with the
  // FieldFix "runtime" = opencv-dnn keyed by the model's name.
  static Result<std::unique_ptr<ModelServer>> Create(std::vector<ServedModelOptions> models);
  // Finishes the queued work (BeginShutdown, WaitIdle) and stops the workers.
  ~ModelServer();
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  // Per the protocol: name, versions, platform "onnxruntime_onnx", inputs
  // and outputs (name, datatype, shape with -1 for a dynamic dimension).
  // Sorted by name, then version.
  std::vector<ModelMetadata> Models() const;
  // Version "" = the latest (the largest number; else the last in text order).
  // NotFound naming the model (or version) and the ones served.
  Result<ModelMetadata> Metadata(std::string_view name, std::string_view version) const;
  bool Live() const;   // always true while the object exists
  bool Ready() const;  // false once BeginShutdown was called
  bool ModelReady(std::string_view name, std::string_view version) const;

  // Runs one request through its model's queue and batcher; blocks until it
  // is answered. request.outputs (empty: every output) picks and orders the
  // outputs. Errors, one line: NotFound (model/version); InvalidArgument (an
  // input missing, unknown or given twice, wrong datatype or shape, an
  // unknown output, an image that does not decode); ResourceExhausted (the
  // model's queue holds max_queue_size requests: with the FieldFix
  // "max_queue" = twice that); Unavailable (shutting
  // down); RuntimeError (the runtime failed the batch). `times`, when given,
  // receives the request's stage times (also on errors, as far as it got).
  Result<InferResponse> Infer(const InferRequest& request, StageTimes* times = nullptr);

  // The front ends report the time they spent encoding a response (the
  // "serialize" stage) for model `name`.
  void RecordSerializeTime(std::string_view name, double serialize_us);

  ServerMetrics& metrics();

  void BeginShutdown();  // Ready() false; new Infer calls get Unavailable; queued work finishes
  void WaitIdle();       // returns when no Infer call is queued or running

 private:
  struct Impl;
  explicit ModelServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweetspot
