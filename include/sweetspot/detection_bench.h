// Speed of an object detector end to end, split into its stages:
// pre-processing (resize/letterbox + normalise of an already decoded image
// into the input tensor), the network (Session::Run) and post-processing
// (DecodeDetections: score filter + NMS, then each box mapped back to the
// original image). Reading and decoding the image file is data loading, done
// once before anything is timed, and is not part of any stage.
//
// MeasureDetectionPipeline runs bench's scenarios (measure.h
// MeasureSingleStream / MeasureOffline: the same warm-up, stopping rule and
// CPU-time figures) over a query that runs the three stages on the next
// image(s) of the dataset, cycling through them, with a clock read before and
// after each stage. Stages follow each other without a gap, so an image's
// end-to-end time is exactly the sum of its three (no harness time is left
// out or counted twice).
//  - single-stream: one image per query (batch 1): per-image times of each
//    stage and of their sum; the stopping rule judges the sum's p50.
//  - offline: for each batch size, a query is a batch of that many images
//    (pre-processed one after the other into one input tensor, one
//    Session::Run, one DecodeDetections): per-batch times, and items/s of each
//    stage alone and of the whole pipeline.
// Without a dataset, the images are seeded random 8-bit BGR images of the
// model's input size (the network and pre-processing times are realistic; the
// post-processing time depends on how many candidates the model finds in noise).
//
// The preprocessing and the decoder are layered and resolved exactly as the
// evaluation does (LayerPreprocessing, evaluate.h; ResolveDetector,
// detection_eval.h), so the speed measured is the pipeline that was scored.
//
// Thread-safety: reentrant; progress callbacks run on the calling thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/bench_json.h"
#include "sweetspot/child_process.h"
#include "sweetspot/detection_decoder.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/measure.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"

namespace sweetspot {

// Everything MeasureDetectionPipeline needs, plain data (it crosses process
// boundaries: ToJson / DetectionBenchRequestFromJson).
struct DetectionBenchRequest {
  // The model, the dataset ("" for synthetic images), its class file, the
  // subset (limit, seed), the preprocessing and decoder layers and the engine,
  // as the evaluation takes them. Not used here: its batch_size and threads
  // (`config.batch_sizes` and `options` say), protocol, bootstrap_replicates,
  // model_classes (no scoring, so no class mapping) and allow_corrupt (an
  // image that does not load fails the run).
  DetectionEvalRequest pipeline;
  BackendOptions options;
  // Scenarios single-stream and offline only; offline runs each batch size.
  MeasureConfig config;
  std::uint32_t synthetic_seed = 42;   // of the synthetic images
  std::uint32_t synthetic_images = 8;  // how many distinct ones are cycled
};
nlohmann::json ToJson(const DetectionBenchRequest& request);
Result<DetectionBenchRequest> DetectionBenchRequestFromJson(const nlohmann::json& json);
// True when `json` is a DetectionBenchRequest's (not a BenchRequest's): how
// the `__bench-child` process tells which measurement it was asked for.
bool IsDetectionBenchRequest(const nlohmann::json& json);

// One scenario's split. Each record's raw_ms is in the order of the
// scenario's own end-to-end record (SingleStreamResult::latency or
// OfflineResult::batch_latency), one entry per query: per image in
// single-stream, per batch offline; raw_ms[i] of the three stages sum to the
// end-to-end raw_ms[i].
struct DetectionStageRecords {
  int64_t batch_size = 1;
  LatencyRecord preprocess;
  LatencyRecord network;
  LatencyRecord postprocess;  // DecodeDetections (score filter + NMS) + mapping back
  // Items per second of each stage alone: batch_size x queries / the stage's
  // total time (offline's figures; single-stream's too, for batch 1).
  double preprocess_items_per_s = 0;
  double network_items_per_s = 0;
  double postprocess_items_per_s = 0;
};

struct DetectionBenchResult {
  // The figures bench reports for any model, of the whole pipeline:
  // single_stream and offline time pre-processing + network +
  // post-processing per query; concurrent is empty; memory is measured only
  // in a child process (RunDetectionBenchIsolated: its peak RSS).
  BenchResult bench;
  std::string dataset;         // DetectionDataset::description(), or "synthetic WxH images"
  std::string dataset_format;  // voc | coco | yolo; "" for synthetic
  std::size_t images = 0;      // distinct images cycled through
  PreprocessSpec spec;         // resolved
  DetectorSpec detector;       // resolved
  bool layout_detected = false;
  double detections_per_image = 0;  // mean over the single-stream queries (after NMS)
  std::optional<DetectionStageRecords> single_stream;
  std::vector<DetectionStageRecords> offline;  // one per bench.offline entry, same order
};

// Loads the model with `backend`, opens the dataset (or makes the synthetic
// images), decodes the images, then runs the configured scenarios. Errors:
// those of the evaluation's set-up (a dataset that does not open, a layer at
// fault, a decoder that does not fit the outputs), an image that does not
// load (its id named), a model with other than one input, a batch size the
// model's fixed batch dimension refuses (FieldFix "batch"), the concurrent
// scenario (InvalidArgument naming config.scenarios), and DecodeDetections'.
Result<DetectionBenchResult> MeasureDetectionPipeline(Backend& backend, const DetectionBenchRequest& request,
                                                      const ProgressFn& progress = {});

// JSON: ToJson(result.bench) with a "detection" block (docs/bench.md,
// docs/bench-result.schema.json). `include_raw` also writes every raw time.
nlohmann::json ToJson(const DetectionBenchResult& result, bool include_raw = true);
Result<DetectionBenchResult> DetectionBenchResultFromJson(const nlohmann::json& json);
// The `--json` document of `sweetspot bench` (BenchDocument) over detection results.
nlohmann::json DetectionBenchDocument(const std::vector<DetectionBenchResult>& results,
                                      const std::vector<BenchFailure>& failures, bool include_raw = true);

// The split as a table: per stage and end to end, single-stream p50 with its
// interval, p99, mean and share of the end-to-end mean, then offline items/s
// of each stage and end to end per batch size. RenderBenchText(result.bench)
// gives the rest.
std::string RenderDetectionSplit(const DetectionBenchResult& result);

// Measures in a child process (`self_exe __bench-child`, the process
// RunBenchIsolated uses; child_process.h): a crash or a hang costs only this
// measurement, and memory.process_peak_rss_bytes is the child's (wait4).
Result<DetectionBenchResult> RunDetectionBenchIsolated(const std::filesystem::path& self_exe,
                                                       const DetectionBenchRequest& request,
                                                       const ChildLimits& limits = {},
                                                       const ChildOptions& options = {});

// The child's side for a detection request: reads REQUEST, creates the
// engine (request.pipeline.engine), runs MeasureDetectionPipeline, writes RESULT.
Status RunDetectionBenchChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file,
                              const ProgressFn& progress = {});

}  // namespace sweetspot
