// Classifiers on every frame of a video (video_source.h), for the stability
// of their top-1 class over time (task_stability.h's flicker).
//
// Per frame and model: the model's preprocessing layered as the evaluation
// does (defaults < the model's metadata 'sweetspot.preprocess' < `layers`,
// LayerPreprocessing in evaluate.h) and resolved against its first input
// (Resolve, preprocess.h), applied to the whole BGR frame (ApplyPreprocess),
// Session::Run with batch 1, the top-1 the index of the largest value of the
// first output (logits and probabilities rank alike).
//
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sweetspot/evaluate.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct VideoClassificationRequest {
  std::vector<std::string> models;      // ONNX classifiers, all fed every frame
  std::vector<PreprocessLayer> layers;  // over every model's defaults and metadata, in order
  std::string video_path;               // a video file or a frame folder
  std::uint64_t max_frames = 0;         // 0: the whole video
  int threads = 0;                      // inference threads; 0: DefaultThreadCount() (cpus.h)
  std::string engine = "onnxruntime";   // a name CreateBackend takes (backend.h)
};

struct VideoClassificationResult {
  std::string video;
  double fps = 0.0;                          // 0 when unknown
  std::vector<std::string> names;            // per model, the file's stem
  std::vector<std::string> preprocess_toml;  // per model, the resolved spec
  std::vector<std::vector<int>> top1;        // [model][frame]
};

// Errors name the model, the layer or the video: a model that does not
// load, a preprocessing that does not fit its input, a video that does not
// open (VideoSource::Open), an output that is not a float tensor.
// `progress(frames done)` after each frame.
Result<VideoClassificationResult> ClassifyVideo(const VideoClassificationRequest& request,
                                                const std::function<void(std::size_t)>& progress = {});

}  // namespace sweetspot
