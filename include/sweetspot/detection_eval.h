// Detection evaluation: an object detector over a labelled detection dataset,
// image by image, into detections in the dataset's classes and COCO or VOC
// metrics, with the time of each stage.
//
// EvaluateDetector(DetectionEvalRequest) is the one pipeline `sweetspot eval`
// (on a detection dataset) and the study's accuracy child call:
//   1. open the dataset (OpenDetectionDataset) and take the subset
//      (DetectionSubset(limit, seed));
//   2. layer the preprocessing exactly as classification does (defaults < the
//      model's metadata_props 'sweetspot.preprocess' < `layers`:
//      LayerPreprocessing, evaluate.h) and resolve it against the first input;
//   3. layer the decoder (ResolveDetector below: defaults < the model's
//      metadata_props 'sweetspot.detection' < `decoder_layers`; the layout is
//      detected from the outputs when no layer set it);
//   4. resolve the model's classes (`model_classes`: "coco80" or a file, else
//      the decoder's `classes` or class_names) and map them onto the
//      dataset's classes by name (MapDetectionClasses, detection_classes.h);
//   5. per image, sequentially: decode + preprocess (preprocess_ms),
//      Session::Run (network_ms), DecodeDetections + MapBoxToImage with
//      PreprocessGeometry + the class mapping (postprocess_ms);
//   6. score with DetectionMetricOptions::Coco() or ::Voc() (`protocol`).
// With batch_size 1 (the default) each image is its own Session::Run, and the
// three times are that image's single-stream times. With batch_size B > 1 (a
// model with a dynamic batch dimension only) B images run together and each
// image is given its batch's times divided by the images in it: the figures
// then describe throughput, not single-stream latency. Images are decoded
// sequentially on purpose: decoding in parallel with the network would make
// the network's and the preprocessing's times share the CPUs.
//
// Errors (one line each, naming the model, file or request field): a dataset
// that does not open ("dataset '<path>'" context), a decoder that does not fit
// the outputs (the layouts tried), NaN/Inf in an output (the image named), no
// class shared between the model and the dataset (both lists' first names),
// an image that does not load (unless allow_corrupt: it is then left out of
// the scoring and listed in `excluded`), nothing left to evaluate.
//
// Thread-safety: the functions are reentrant; progress callbacks run on the
// calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/detection.h"
#include "sweetspot/detection_decoder.h"
#include "sweetspot/detection_metrics.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/stats.h"
#include "sweetspot/status.h"

namespace sweetspot {

// One layer of decoder keys (detection_decoder.h's TOML): TOML text and the
// source errors name ("--decoder", "spec.toml [detection]"), or a TOML file.
struct DecoderLayer {
  PreprocessSource source;
  std::string toml;
  std::string file;  // when set, the keys are read from this file and `toml` is unused
};

// `base` with the TOML of metadata_props[metadata_key] of `model` (its source
// "MODEL metadata_props 'KEY'") and then `layers` overlaid in order, none
// validated: `parse(text, source, spec)` overlays TOML text, `load(file,
// spec)` a layer's file (a decoder's Parse...Toml / Load...File with
// validate false). Shared by every task's decoder spec (detection, keypoints).
template <typename Spec, typename Parse, typename Load>
Result<Spec> OverlayDecoderLayers(const std::filesystem::path& model, std::string_view metadata_key,
                                  std::span<const DecoderLayer> layers, Spec spec, Parse parse, Load load) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::optional<std::string> metadata, ReadModelMetadata(model, metadata_key));
  if (metadata) {
    const PreprocessSource source(model.string() + " metadata_props '" + std::string(metadata_key) + "'");
    SWEETSPOT_ASSIGN_OR_RETURN(spec, parse(*metadata, source, spec));
  }
  for (const DecoderLayer& layer : layers) {
    SWEETSPOT_ASSIGN_OR_RETURN(spec, layer.file.empty() ? parse(layer.toml, layer.source, spec)
                                                        : load(std::filesystem::path(layer.file), spec));
  }
  return spec;
}

// A preprocessing or decoder layer as JSON {"source", "source_has_lines",
// "toml", "file"}, for requests that cross a process boundary. The FromJson
// forms throw nlohmann::json::exception on a missing or mistyped key, for the
// caller to report as an error of its whole request.
nlohmann::json LayerToJson(const PreprocessLayer& layer);
nlohmann::json LayerToJson(const DecoderLayer& layer);
PreprocessLayer PreprocessLayerFromJson(const nlohmann::json& json);
DecoderLayer DecoderLayerFromJson(const nlohmann::json& json);

// Everything EvaluateDetector needs, plain data (it crosses process boundaries).
struct DetectionEvalRequest {
  std::string model_path;
  std::string dataset_path;
  std::string classes_file;  // the dataset's class names (DetectionDatasetOptions); "" for the format's own
  // The model's classes in output order: "coco80" | a file (one name per
  // line) | "": the decoder's `classes`, else its class_names, else model
  // class i is the dataset's class i.
  std::string model_classes;
  std::vector<PreprocessLayer> layers;        // over the defaults and the model's metadata, in order
  std::vector<DecoderLayer> decoder_layers;   // over the defaults and the model's metadata, in order
  std::uint64_t limit = 0;                    // DetectionSubset of this many images; 0: all
  std::uint64_t seed = 0;                     // of the subset
  int batch_size = 1;                         // > 1: batched, per-image times are batch times / images (above)
  int threads = 0;                            // inference threads; 0: DefaultThreadCount() (cpus.h)
  std::string engine = "onnxruntime";         // a name CreateBackend takes (backend.h)
  std::string protocol = "coco";              // coco | voc (DetectionMetricOptions::Coco / Voc)
  std::uint64_t bootstrap_replicates = 1000;  // of the metric intervals; 0: none
  bool allow_corrupt = false;                 // leave unreadable images out instead of failing
};
nlohmann::json ToJson(const DetectionEvalRequest& request);
Result<DetectionEvalRequest> DetectionEvalRequestFromJson(const nlohmann::json& json);

// The metric options `protocol` names ("coco" or "voc"), with
// `bootstrap_replicates`. InvalidArgument naming the field otherwise.
Result<DetectionMetricOptions> DetectionProtocolOptions(std::string_view protocol, std::uint64_t bootstrap_replicates);

// Per image, milliseconds, same order as DetectionEvalResult::images.
struct DetectionStageTimes {
  std::vector<double> preprocess_ms;   // image decode + preprocessing
  std::vector<double> network_ms;      // Session::Run
  std::vector<double> postprocess_ms;  // DecodeDetections (score filter, NMS) + map back to the image and classes
};

struct DetectionEvalResult {
  std::string model;           // path as given
  std::string dataset;         // DetectionDataset::description()
  std::string dataset_format;  // voc | coco | yolo
  std::vector<std::string> dataset_notes;
  std::vector<std::string> class_names;        // the dataset's (scoring) classes
  std::vector<std::string> model_class_names;  // the model's output classes (indices as names when unknown)
  std::vector<int> class_map;                  // per model class: its dataset class, -1 not scored
  PreprocessSpec spec;                         // resolved
  DetectorSpec detector;                       // resolved
  bool layout_detected = false;                // no layer set the layout: DetectDetectorLayout chose it
  std::string engine;                          // Backend::name()
  int threads = 0;
  int batch_size = 1;
  std::vector<std::string> excluded;               // "id: reason" of images left out (allow_corrupt)
  std::vector<std::size_t> indices;                // dataset indices evaluated, in order
  std::vector<DetectionImage> images;              // their labels, same order
  std::vector<std::vector<Detection>> detections;  // dataset classes, original pixels, same order
  DetectionMetricOptions metric_options;           // what `metrics` was scored with
  DetectionMetrics metrics;
  DetectionStageTimes times;
};

// The decoder for `session`'s model: defaults < metadata_props
// kDetectionMetadataKey of `model` < `layers`, in order; when no layer set
// "layout", DetectDetectorLayout picks it from the outputs (`layout_detected`
// set), else it checks the set one fits. Errors name the layer at fault, or
// list the layouts tried (with the FieldFix "decoder").
Result<DetectorSpec> ResolveDetector(const std::filesystem::path& model, std::span<const DecoderLayer> layers,
                                     const Session& session, bool* layout_detected = nullptr);

// The whole pipeline (see the top of this file).
Result<DetectionEvalResult> EvaluateDetector(const DetectionEvalRequest& request,
                                             const std::function<void(const EvalProgress&)>& progress = {});

// `a` − `b` over the images both evaluated (matched by dataset index), scored
// with a's metric options (paired bootstrap, CompareDetections). Fails when
// they share no image, or when they were scored under different protocols or
// class lists.
Result<DetectionComparison> CompareDetectionResults(const DetectionEvalResult& a, const DetectionEvalResult& b);

// Per stage: stats::Summarize of the per-image times (p50/p90/p99 with
// distribution-free 95 % intervals, mean), milliseconds.
struct DetectionTimeSummary {
  stats::Summary preprocess_ms;
  stats::Summary network_ms;
  stats::Summary postprocess_ms;
  stats::Summary total_ms;  // of each image's sum of the three
};
DetectionTimeSummary SummarizeTimes(const DetectionStageTimes& times);
// Per stage {"count", "mean", "stddev", "min", "max", "p50", "p90", "p95",
// "p99", "p50_ci", "p90_ci", "p99_ci"}; FromJson: InvalidData naming the key.
// Keypoint evaluation summaries use the same form.
nlohmann::json ToJson(const DetectionTimeSummary& times);
Result<DetectionTimeSummary> DetectionTimeSummaryFromJson(const nlohmann::json& json);

// What an evaluation found, for the study's accuracy child (schema
// "sweetspot.detection-eval-summary/1"): the metrics (with per-class AP and
// PR envelope), the stage-time summaries, and per image its dataset index,
// labels and detections, enough for paired comparisons
// (CompareDetectionSummaries) and report images without the dataset.
struct DetectionEvalSummary {
  std::string model;
  std::string dataset;  // description
  std::string dataset_format;
  std::string preprocess_toml;  // PreprocessSpec::ToToml of the resolved spec
  std::string detector_toml;    // DetectorSpec::ToToml of the resolved decoder
  bool layout_detected = false;
  std::string engine;
  int threads = 0;
  int batch_size = 1;
  std::vector<std::string> class_names;        // the dataset's
  std::vector<std::string> model_class_names;  // the model's
  std::vector<std::string> excluded;
  std::uint64_t bootstrap_replicates = 0;  // of the metrics' intervals (the protocol is metrics.protocol)
  DetectionMetrics metrics;
  DetectionTimeSummary times;
  std::vector<std::int64_t> image_indices;         // dataset indices, evaluation order
  std::vector<DetectionImage> images;              // same order (id, path, size, labels)
  std::vector<std::vector<Detection>> detections;  // same order, dataset classes, original pixels
};
DetectionEvalSummary SummarizeDetection(const DetectionEvalResult& result);
// `include_images` false leaves out the per-image arrays (images, detections).
// Per image, detections are rows [class_id, score, x1, y1, x2, y2] and labels
// rows [class_id, x1, y1, x2, y2, crowd, difficult, area].
nlohmann::json ToJson(const DetectionEvalSummary& summary, bool include_images = true);
Result<DetectionEvalSummary> DetectionEvalSummaryFromJson(const nlohmann::json& json);

// The paired comparison of two summaries with their per-image arrays, over
// the images both hold (matched by dataset index), with a's protocol and
// bootstrap replicates. Fails as CompareDetectionResults.
Result<DetectionComparison> CompareDetectionSummaries(const DetectionEvalSummary& a, const DetectionEvalSummary& b);

}  // namespace sweetspot
