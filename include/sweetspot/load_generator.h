// The load generator of `sweetspot load`: requests built from a labelled
// dataset, sent to an Open Inference Protocol server at a sweep of load
// levels, each level reduced to plain figures (LevelResult). Runners fill the
// structs; load_report.h renders them (as google/benchmark separates its
// runners from its reporters).
//
// Two ways to load a server:
//  - closed loop: `concurrency` client threads, each sending its next request
//    as soon as the previous answer arrived; latency is send -> answer.
//  - open loop: requests arrive as a Poisson process of `rate_per_s`
//    (PoissonArrivals, fixed seed) and a scheduler hands each to an idle
//    in-flight slot at its intended time (the slot freed last, so the fewest
//    keep-alive connections carry the load). Latency is measured from the
//    intended send time, not from when a slot took it, so a server that falls
//    behind shows its queueing instead of hiding it (coordinated omission:
//    Gil Tene, "How NOT to Measure Latency", and wrk2's constant-throughput
//    correction). An arrival that finds every slot busy is counted as dropped,
//    never as a latency.
// Each level runs `warmup_s` (answers discarded), then `duration_s` measured:
// throughput and latencies count the answers that arrive within the measured
// span. With `one_pass`, a closed-loop level instead sends each request
// exactly once after its warm-up and ends when all are answered, so its top-1
// covers the whole subset, as `sweetspot eval` scores it. Failed requests are counted by status code
// (inference_client.h maps the protocol's errors to codes) and never enter the latencies.
//
// Answers are scored: the top class of the scored output's row (argmax,
// ties to the lower class) against the label of the request's sample. A
// detection dataset's requests (BuildDetectionLoadRequests) are scored by
// their boxes instead: with `one_pass`, the detections of every answer
// (served_detections.h: `detections`, `detection_count`), mapped to the
// dataset's classes, give the level's DetectionMetrics (EvaluateDetections,
// the requests' protocol), as `sweetspot eval` scores the same subset. A
// keypoint dataset's requests (BuildKeypointLoadRequests) are scored by their
// keypoints: with `one_pass`, every answer's `keypoints` (served_keypoints.h),
// mapped onto the dataset's schema by the joint names the answer carries,
// give the level's KeypointMetrics as `sweetspot eval` summarises its result
// (SummarizeKeypointEval, keypoint_eval_summary.h: the dataset joints the
// model has are scored).
//
// Thread-safety: RunLoad and the Run*Level functions start their own threads,
// each with its own client from the factory; they may be called from any
// thread, one call at a time per LoadRequests (it is only read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sweetspot/dataset.h"
#include "sweetspot/detection.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/detection_metrics.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/inference_client.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/keypoint_metrics.h"
#include "sweetspot/load_stats.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

// How a request carries its image: `kImages` sends the encoded image (the
// file's bytes, or PNG for images that have no file of their own, e.g. IDX)
// as a BYTES element for the server to decode and preprocess (sweetspot
// serve's image extension, docs/serve.md); `kTensors` preprocesses it here,
// exactly as `sweetspot eval` does, and sends the model's input tensor.
enum class RequestForm { kImages, kTensors };
std::string_view RequestFormName(RequestForm form);  // images|tensors

struct RequestOptions {
  RequestForm form = RequestForm::kImages;
  std::uint64_t limit = 0;  // a stratified subset of this many samples (StratifiedSubset); 0: all
  std::uint64_t seed = 0;   // of the subset
  // kTensors: the preprocessing, layered as eval layers it (LayerPreprocessing):
  // defaults < `model_file`'s metadata_props (when given) < `layers`; resolved
  // against the server's description of the model's first input.
  std::string model_file;
  std::vector<PreprocessLayer> layers;
  TensorCacheOptions cache;
};

// One request per sample (batch 1), in the subset's order.
struct LoadRequests {
  std::vector<InferRequest> requests;
  std::vector<int> labels;           // per request: the class its answer is scored against
  std::vector<std::size_t> indices;  // per request: its dataset index
  std::vector<std::string> class_names;
  std::string dataset;      // Dataset::description()
  std::string output_name;  // the scored output: the model's first
  // Detection datasets only (else empty): per request its image and labels,
  // per model class the dataset class it scores as (-1: not scored), and
  // how the boxes are scored.
  std::vector<DetectionImage> truth;
  std::vector<int> class_map;
  DetectionMetricOptions metric_options;
  // Keypoint datasets only (else empty): per request its labelled person
  // (the dataset's schema), and how the answers are scored.
  std::vector<Person> keypoint_truth;
  KeypointSchema keypoint_schema;
  KeypointMetricOptions keypoint_metric_options;
};

struct DetectionRequestOptions {
  std::uint64_t limit = 0;  // DetectionSubset of this many images (eval's); 0: all
  std::uint64_t seed = 0;
  // The model's classes in output order; empty: the server's metadata
  // (ModelMetadata::detection_classes), else model class i is dataset class i.
  std::vector<std::string> model_classes;
  DetectionMetricOptions metric_options = DetectionMetricOptions::Coco();
};

// One request per image (batch 1, the encoded file as a BYTES element: the
// image extension, so the server answers in the image's pixels) of
// `dataset`'s subset. Each image is decoded once here (image_decode.h's
// ReadLabelledImage): when its labels are on the stored bitmap of an
// EXIF-rotated JPEG, that bitmap is sent as PNG instead of the file, so the
// server sees the pixels the labels describe. Errors: a model with no inputs,
// or whose metadata lists no `detections` output (not served as a detector:
// the fix names --decoder), no class shared between the model's and the
// dataset's (MapDetectionClasses), an image that cannot be read or decoded.
Result<LoadRequests> BuildDetectionLoadRequests(const ModelMetadata& metadata, const std::string& version,
                                                const DetectionDataset& dataset,
                                                const DetectionRequestOptions& options);

struct KeypointRequestOptions {
  std::uint64_t limit = 0;               // the first this many persons (eval's --limit); 0: all
  KeypointMetricOptions metric_options;  // `sweetspot load` passes eval's (MetricOptionsOf)
};

// One request per labelled person (batch 1): its image's file as a BYTES
// element (or the stored bitmap as PNG, as for detection: the pixels the
// labels describe, as `sweetspot eval` decodes them) and its box as
// `person_box` FP32 [1, 4] (served_keypoints.h), so the server crops it as
// `sweetspot eval` does and answers in the image's pixels. Errors: a model
// with no inputs, or whose metadata lists no `keypoints` output (not served as
// a keypoint model: the fix names --schema), an image that cannot be read or
// decoded, no person.
Result<LoadRequests> BuildKeypointLoadRequests(const ModelMetadata& metadata, const std::string& version,
                                               const KeypointDataset& dataset, const KeypointRequestOptions& options);

// Builds the requests for `model` (its name and version go into each
// request) from `metadata` (the server's description: the first input's name,
// datatype and shape). Errors: an empty subset, an image that cannot be read
// (naming it), a model with no inputs or outputs, a preprocessing that does
// not fit the input (naming the key and who set it, with the fixes).
Result<LoadRequests> BuildLoadRequests(const ModelMetadata& metadata, const std::string& version,
                                       const Dataset& dataset, const RequestOptions& options);

enum class LoadMode { kClosed, kOpen };
std::string_view LoadModeName(LoadMode mode);  // closed|open

struct LevelTiming {
  double warmup_s = 2.0;
  double duration_s = 30.0;
  double window_s = 5.0;   // stability windows
  double tolerance = 0.1;  // relative, WindowsStable
};

struct LoadOptions {
  std::string url;      // http://host:port or grpc://host:port
  std::string model;    // the served model's name
  std::string version;  // "": the server's latest
  RequestForm form = RequestForm::kImages;
  std::vector<int> concurrency = {1, 2, 4, 8, 16};  // closed-loop levels
  std::vector<double> rates_per_s;                  // open-loop levels, after the closed ones
  LevelTiming timing;
  int max_in_flight = 64;         // open loop: in-flight slots (threads, one client each)
  std::uint64_t seed = 20261201;  // of the open loop's arrivals
  // Closed-loop levels send each request exactly once (RunClosedPass) and
  // timing.duration_s is unused; RunLoad refuses it with open-loop levels.
  bool one_pass = false;
};

// Means over a level's answers, microseconds (inference_client.h ClientTimes).
struct ClientBreakdown {
  double serialize_us = 0.0, wait_us = 0.0, parse_us = 0.0;
};

// Means of the server's own figures over the answers that carried them (the
// sweetspot_queue_us/_preprocess_us/_inference_us/_batch_size response
// parameters); `answers` 0: the server reported none (e.g. Triton).
struct ServerTimes {
  std::int64_t answers = 0;
  double queue_us = 0.0, preprocess_us = 0.0, inference_us = 0.0, batch_size = 0.0;
};

struct LevelResult {
  LoadMode mode = LoadMode::kClosed;
  int concurrency = 0;                         // closed loop: client threads
  double rate_per_s = 0.0;                     // open loop: intended arrivals per second
  double duration_s = 0.0;                     // measured span
  std::int64_t completed = 0;                  // answers within the measured span
  std::int64_t dropped = 0;                    // open loop: arrivals that found every slot busy
  std::map<std::string, std::int64_t> errors;  // failed requests by StatusCodeName
  std::string first_error;                     // the first failure's message ("" when none)
  double throughput_per_s = 0.0;               // completed / duration_s
  LatencyStats latency;                        // of the completed requests only
  ClientBreakdown client;
  ServerTimes server;
  // Scoring: answers whose top class could be read, and how many matched the label.
  std::int64_t scored = 0;
  std::int64_t top1_correct = 0;
  double top1 = 0.0;        // top1_correct / scored (0 when none)
  stats::Interval top1_ci;  // Wilson, 95 %
  // Detection requests with one_pass: the answers' metrics over the whole
  // subset (a failed request counts as an image with no detection).
  std::optional<DetectionMetrics> detection;
  // Keypoint requests with one_pass: the answers' metrics over every person (a
  // failed request or unreadable answer counts as a person with no joint found).
  std::optional<KeypointMetrics> keypoints;
  std::vector<double> window_throughputs;  // per whole window, answers/s
  bool stable = false;                     // WindowsStable(window_throughputs, tolerance)

  std::int64_t error_count() const;
};

struct LoadRun {
  LoadOptions options;
  std::string dataset;  // description
  std::int64_t samples = 0;
  std::vector<LevelResult> levels;
};

using ClientFactory = std::function<Result<std::unique_ptr<InferenceClient>>()>;

// One closed-loop level of `concurrency` threads over `requests` (taken in
// turn, round robin across threads). Errors: a client that cannot be created.
Result<LevelResult> RunClosedLevel(const ClientFactory& connect, const LoadRequests& requests, int concurrency,
                                   const LevelTiming& timing);
// One closed-loop level that sends each of `requests` exactly once: the
// threads first send `timing.warmup_s` of requests (answers discarded), wait
// for each other, then share one next-request index until every request is
// answered. duration_s is the measured span (from then to the last answer),
// timing.duration_s is unused; scored == requests - errors - unreadable answers.
// Detection requests: `detection` holds the metrics of the pass.
// Errors: a client that cannot be created.
Result<LevelResult> RunClosedPass(const ClientFactory& connect, const LoadRequests& requests, int concurrency,
                                  const LevelTiming& timing);
// One open-loop level at `rate_per_s` with `max_in_flight` slots.
Result<LevelResult> RunOpenLevel(const ClientFactory& connect, const LoadRequests& requests, double rate_per_s,
                                 int max_in_flight, std::uint64_t seed, const LevelTiming& timing);

// Every level of `options`, closed ones first; `on_level` (may be empty) is
// called on the calling thread after each, e.g. to print progress. Errors: no
// requests, one_pass with open-loop levels (rates_per_s), a failed level.
Result<LoadRun> RunLoad(const ClientFactory& connect, const LoadRequests& requests, const LoadOptions& options,
                        const std::function<void(const LevelResult&)>& on_level = {});

// The top class of row 0 of the output named `output_name` in `response`
// (argmax, ties to the lower index). Errors: no such output, an empty or
// non-numeric (BYTES) one.
Result<int> TopClass(const InferResponse& response, const std::string& output_name);

}  // namespace sweetspot
