// A top-down keypoint model's meaning, resolved against its loaded session:
// the crop's preprocessing, the decoder and the schema (keypoint_eval.h's
// steps 2-3), shared by the evaluation, the video run and `sweetspot serve`,
// so that a served model answers exactly what `sweetspot eval` measures.
//
// Preprocessing: `preprocess` is the layered, unresolved spec (defaults <
// the model's metadata 'sweetspot.preprocess' < layers: LayerPreprocessing,
// evaluate.h), resolved against the model's first input. A crop is square and
// resized exactly, so a resize mode other than exact is refused (naming the
// key and who set it), as is a non-square input.
// Decoder: defaults < metadata 'sweetspot.keypoints' < `decoder_layers`
// (ResolveKeypointDecoder). Schema: `schema` (a built-in name or a schema
// TOML file), else the decoder's `schema` key; neither is an error naming the
// model with the fix (its schema, e.g. efficientpose16).
//
// Thread-safety: plain values and pure functions (the session is only read).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/keypoint_decoder.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/person_crop.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

struct KeypointModelSpec {
  std::string model_path;
  PreprocessSpec preprocess;  // resolved: width == height == the crop's input side
  KeypointDecoderSpec decoder;
  KeypointSchema schema;                 // the model's joints, output order
  std::vector<TensorInfo> output_infos;  // the session's tensor outputs (picks outputs by name)

  int input_px() const { return preprocess.width; }
};

// The spec of `session`'s model (above). Errors name the model and the key,
// layer or field: a resize other than exact, a non-square input, a decoder
// that does not fit the outputs, no schema or an unknown one.
Result<KeypointModelSpec> ResolveKeypointModel(const std::filesystem::path& model, const PreprocessSpec& preprocess,
                                               std::span<const DecoderLayer> decoder_layers, const std::string& schema,
                                               const Session& session);

// One crop's outputs (Session::Run order, batch 1) -> the model's joints in
// original-image pixels (DecodeKeypoints, then MapToImage with `crop`).
// Errors: those of DecodeKeypoints (naming the model), and a joint count
// other than the schema's (InvalidArgument: give the model's schema).
Result<std::vector<Keypoint>> DecodeKeypointsToImage(const KeypointModelSpec& spec, std::span<const Tensor> outputs,
                                                     const CropGeometry& crop);

// keypoints (in `from`'s order) re-ordered into `to` by map (MapSchemas(from,
// to)): a joint mapped from -1 gets score 0 at (0, 0).
std::vector<Keypoint> MapKeypoints(const std::vector<Keypoint>& keypoints, const std::vector<int>& map);

}  // namespace sweetspot
