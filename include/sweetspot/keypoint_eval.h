// Keypoint evaluation: top-down keypoint models (one person per crop) over a
// labelled keypoint dataset, and several models side by side on a video.
//
// The requests are plain data with JSON forms, so the study can run them in
// a child process as it does detection's (isolated_detection_eval.h).
//
// Per person crop, both pipelines do the same:
//   1. the crop: a square of the original image (person_crop.h; outside the
//      image black): a dataset person's box padded by `padding` (COCO bbox;
//      MPII's centre/scale square), or the tracker's square on video;
//   2. the model's preprocessing, layered as classification and detection do
//      (defaults < the model's metadata 'sweetspot.preprocess' < `layers`,
//      LayerPreprocessing in evaluate.h), resolved against the model's first
//      input; the crop is resized exactly to the input (a square crop needs
//      no other resize mode: a layer that sets another is refused);
//   3. Session::Run, then DecodeKeypoints (keypoint_decoder.h; decoder layers
//      as detection's: defaults < metadata 'sweetspot.keypoints' < layers),
//      keypoints mapped back to original-image pixels (MapToImage);
//   4. the model's schema mapped onto the dataset's (or the reference
//      model's) by joint name (MapSchemas); joints the target lacks are
//      dropped, joints the model lacks get score 0.
// Times per person (dataset) or per frame and model (video), milliseconds:
// preprocess = crop + preprocessing, network = Session::Run, postprocess =
// decoding + mapping back.
//
// Thread-safety: the functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweetspot/detection_eval.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/person_tracker.h"
#include "sweetspot/status.h"

namespace sweetspot {

// One keypoint model and how to run it.
struct KeypointModelRequest {
  std::string model_path;
  std::string name;  // as reports name it; "" -> the file's stem
  // The model's joints: a built-in schema name or a schema TOML file
  // (ResolveSchema); "" -> the decoder's `schema` key.
  std::string schema;
  std::vector<PreprocessLayer> layers;       // over the defaults and the model's metadata, in order
  std::vector<DecoderLayer> decoder_layers;  // over the defaults and the model's metadata, in order
  // The backend that runs this model (a name CreateBackend takes, backend.h);
  // "" -> the request's `engine`. Two models of one request may need two:
  // ONNX Runtime refuses EfficientPose I, which opencv-dnn runs.
  std::string engine;
};

// One model over a labelled keypoint dataset (keypoint_dataset.h).
struct KeypointEvalRequest {
  KeypointModelRequest model;
  std::string dataset_path;  // COCO keypoint JSON or MPII-style JSON list
  std::string image_dir;     // "" -> the JSON's folder
  double padding = 1.25;     // crop side / the person box's longer side
  std::uint64_t limit = 0;   // the first this many persons; 0: all
  std::vector<double> pck_alphas = {0.2, 0.1, 0.05};
  std::string pck_normalization = "box";  // box | head
  std::uint64_t bootstrap_replicates = 1000;
  std::uint64_t seed = 0;              // of the bootstrap
  int threads = 0;                     // inference threads; 0: DefaultThreadCount() (cpus.h)
  std::string engine = "onnxruntime";  // a name CreateBackend takes (backend.h); the model's own `engine` wins
};
nlohmann::json ToJson(const KeypointEvalRequest& request);
Result<KeypointEvalRequest> KeypointEvalRequestFromJson(const nlohmann::json& json);

// Per person (dataset) or per frame (video), milliseconds, in result order.
struct KeypointStageTimes {
  std::vector<double> preprocess_ms;   // crop + preprocessing
  std::vector<double> network_ms;      // Session::Run
  std::vector<double> postprocess_ms;  // decoding + mapping back
};

struct KeypointEvalResult {
  std::string model;           // path as given
  std::string model_name;      // KeypointModelRequest::name or the file's stem
  std::string dataset;         // the JSON read
  std::string dataset_format;  // coco | mpii
  std::vector<std::string> dataset_notes;
  std::string model_schema;                      // the model's schema name
  KeypointSchema schema;                         // the dataset's: truth and predictions are in it
  std::vector<int> joint_map;                    // per dataset joint: the model joint it is, -1 none
  std::string preprocess_toml;                   // the resolved PreprocessSpec
  std::string decoder_toml;                      // the resolved KeypointDecoderSpec
  std::string engine;                            // the engine that ran the model (the model's, else the request's)
  std::vector<Person> truth;                     // the persons evaluated, labels (score = visibility)
  std::vector<std::string> image_ids;            // each person's image id, same order
  std::vector<std::vector<Keypoint>> predicted;  // same order, the dataset's schema, original pixels
  KeypointStageTimes times;                      // per person
};

// One model over a labelled dataset (steps at the top of this file). Errors
// name the model, the dataset file or the field: a dataset that does not open
// ("dataset '<path>'"), a model and dataset schema sharing no joint
// (MapSchemas), a model output that does not decode.
Result<KeypointEvalResult> EvaluateKeypoints(const KeypointEvalRequest& request);

// The result as JSON (schema "sweetspot.keypoint-eval-result/1"): every
// field; the schema by name and joints, keypoints as [x, y, score] rows,
// person boxes as [x1, y1, x2, y2]. FromJson: InvalidData naming the key.
nlohmann::json ToJson(const KeypointEvalResult& result);
Result<KeypointEvalResult> KeypointEvalResultFromJson(const nlohmann::json& json);

// Several models on one video, tracked by the reference model's keypoints
// (person_tracker.h), every model fed the same crop of each frame.
struct KeypointVideoRequest {
  std::vector<KeypointModelRequest> models;
  // The model the tracker follows and every other model is compared with:
  // its index in `models`; -1 -> the last.
  int reference = -1;
  std::string video_path;  // a video file or a frame folder (video_source.h)
  // The person's square in the first frame (TrackSquare::AroundBox for a
  // box), original-image pixels; its centre must lie inside frame 0.
  TrackSquare initial;
  PersonTrackerOptions tracker;
  std::uint64_t max_frames = 0;       // stop after this many frames; 0: the whole video
  float min_confidence = 0.3F;        // stability and agreement: jointly confident joints only (stability.h)
  double agreement_threshold = 0.05;  // normalised by the crop side (stability.h's AgreementOptions)
  std::uint64_t bootstrap_replicates = 1000;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string engine = "onnxruntime";  // for every model whose own `engine` is ""
};
nlohmann::json ToJson(const KeypointVideoRequest& request);
Result<KeypointVideoRequest> KeypointVideoRequestFromJson(const nlohmann::json& json);

// One model's run on the video's tracked frames.
struct KeypointVideoModel {
  std::string model;  // path as given
  std::string name;
  std::string model_schema;  // the model's own schema
  std::string engine;        // the engine that ran it (the model's, else the request's)
  int input_px = 0;
  // frames[t][j]: joint j of the reference schema (the model's joints mapped
  // by name; a joint it lacks has score 0), original-image pixels.
  std::vector<std::vector<Keypoint>> frames;
  KeypointStageTimes times;  // per frame; preprocess includes the shared crop's time
};

struct KeypointVideoResult {
  std::string video;               // path as given
  double fps = 0.0;                // 0 when unknown
  std::size_t reference = 0;       // index in `models`: the tracked model
  KeypointSchema schema;           // the reference model's: every model's frames are in it
  std::vector<TrackSquare> crops;  // per tracked frame, the square every model was fed
  std::vector<KeypointVideoModel> models;
  // Set when the track was lost: the frame at which the reference model had
  // too few confident joints; frames before it are kept, it and later ones are not.
  std::optional<std::size_t> lost_at_frame;
  std::string note;  // why the run ended before the video did ("" otherwise)
};

// Several models on one video (steps at the top of this file). Per frame:
// the tracker's square is cut ONCE (CropPerson at the largest model input)
// and that crop is resized exactly to each model's input, so every model sees
// the same pixels; the reference model runs first and its keypoints move the
// tracker. A lost track ends the run with `lost_at_frame` and `note` set, the
// frames before it kept; losing it on the first frame is an error (nothing
// measured: give a better initial square). Errors name the request field, the
// video or the model: no models, a reference out of range, tracker options
// (PersonTrackerOptions::Validate), a non-positive initial side, a video that
// does not open, an initial centre outside frame 0 (InvalidArgument "video V:
// the initial square's centre (x, y) lies outside frame 0 (W x H px)", with
// the FieldFix {"initial", "", {W, H}}: a centre inside 0..W x 0..H), a model
// whose schema shares no joint with the reference's.
//
// `progress(frames_done, frames_expected)` is called after each tracked
// frame, on the calling thread: frames_done counts from 1; frames_expected is
// max_frames, or the video's frame count when it is smaller or max_frames is
// 0 (a container's count is an estimate: never below frames_done), 0 when
// neither is known. A lost track ends the calls early.
using KeypointVideoProgress = std::function<void(std::size_t frames_done, std::size_t frames_expected)>;
Result<KeypointVideoResult> RunKeypointVideo(const KeypointVideoRequest& request,
                                             const KeypointVideoProgress& progress = {});

// The result as JSON (schema "sweetspot.keypoint-video/1"), as above; crops
// as [cx, cy, side] rows; lost_at_frame null when the track was kept.
nlohmann::json ToJson(const KeypointVideoResult& result);
Result<KeypointVideoResult> KeypointVideoResultFromJson(const nlohmann::json& json);

}  // namespace sweetspot
