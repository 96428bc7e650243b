// Object detectors on every frame of a video (video_source.h), for the
// stability of their boxes over time (task_stability.h's detection
// stability: box jitter, identity flicker, boxes appearing and vanishing).
//
// Per frame and model, the evaluation's pipeline without a dataset
// (detection_eval.h): the preprocessing layered as the evaluation does
// (defaults < the model's metadata 'sweetspot.preprocess' < `layers`,
// LayerPreprocessing) and resolved against its first input, the decoder
// layered and resolved by ResolveDetector (defaults < metadata
// 'sweetspot.detection' < `decoder_layers`; the layout detected from the
// outputs when none sets it), applied to the whole BGR frame, Session::Run
// with batch 1, DecodeDetections (score filter, NMS, max_detections), each
// box mapped back to the frame's pixels (PreprocessGeometry, MapBoxToImage).
// Classes stay the model's own output indices: identity flicker compares a
// box's class with its match's in the next frame, which needs no names.
//
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct VideoDetectionRequest {
  std::vector<std::string> models;           // ONNX detectors, all fed every frame
  std::vector<std::string> engines;          // per model (CreateBackend's names); empty: onnxruntime for each
  std::vector<PreprocessLayer> layers;       // over every model's defaults and metadata, in order
  std::vector<DecoderLayer> decoder_layers;  // over every model's defaults and metadata, in order
  std::string video_path;                    // a video file or a frame folder
  std::uint64_t max_frames = 0;              // 0: the whole video
  int threads = 0;                           // inference threads; 0: DefaultThreadCount() (cpus.h)
};

struct VideoDetectionResult {
  std::string video;
  double fps = 0.0;                          // 0 when unknown
  std::vector<std::string> names;            // per model, the file's stem
  std::vector<std::string> engines;          // per model, Backend::name()
  std::vector<std::string> preprocess_toml;  // per model, the resolved spec
  std::vector<std::string> decoder_toml;     // per model, the resolved DetectorSpec
  // [model][frame]: the decoded detections, model class indices, frame pixels, best first.
  std::vector<std::vector<std::vector<Detection>>> detections;
};

// Errors name the model, the layer or the video: a model that does not load
// (on its engine), a preprocessing that does not fit its input, a decoder
// that fits no output (ResolveDetector: the layouts tried, FieldFix
// "decoder"), NaN/Inf in an output (the frame named), a video that does not
// open (VideoSource::Open). engines: empty, or one per model.
// `progress(frames done)` after each frame.
Result<VideoDetectionResult> DetectVideo(const VideoDetectionRequest& request,
                                         const std::function<void(std::size_t)>& progress = {});

}  // namespace sweetspot
