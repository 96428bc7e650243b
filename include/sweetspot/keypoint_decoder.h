// Keypoint decoders: a top-down keypoint model's raw outputs for ONE person
// crop -> one keypoint per joint, in the crop's INPUT pixels (continuous,
// keypoints.h: input column u covers [u, u + 1)); MapToImage (person_crop.h)
// takes them to the original image.
//
// Layouts (K joints, W x H the model input in pixels):
//   heatmap     one output [1, K, Hh, Wh]. Joint k is the first maximum of its
//               map (row-major); heatmap cell (i, j) covers its share of the
//               input, so its centre is ((j + 0.5) W / Wh, (i + 0.5) H / Hh).
//               Sub-pixel `refine`, per axis, when both neighbours exist:
//                 quarter   the cell index moves 0.25 towards the larger
//                           neighbour (none when they are equal): the shift of
//                           HRNet / SimpleBaseline's get_final_preds;
//                 parabola  the vertex of the parabola through the peak and
//                           its two neighbours: d = (l - r) / (2 (l - 2c + r)),
//                           limited to [-0.5, 0.5] (0 when l - 2c + r >= 0);
//                 none      the cell centre.
//               score = the peak value.
//   simcc       two outputs x [1, K, Wx] and y [1, K, Hy] (SimCC, Li et al.
//               2022; RTMPose), Wx = W * simcc_split_ratio bins: the first
//               maximum bin b -> x = (b + 0.5) / simcc_split_ratio (the bin's
//               centre, the heatmap convention in 1-D), no refinement;
//               score = the smaller of the two maxima.
//   regression  one output [1, K, 2] or [1, K, 3]: x, y in input pixels (or
//               fractions of W and H when regression_normalized), score = the
//               third value, else 1.
// Outputs must be float32 (Unsupported otherwise, naming the output).
// NaN or Inf in the values a joint reads: InvalidData naming the output and
// the joint (its index, and its name when `schema` is a built-in schema).
//
// The spec is TOML (the decoder keys below) stored in the model's
// metadata_props kKeypointMetadataKey and layered like the detection
// decoder's (DecoderLayer, detection_eval.h): defaults < metadata < layers.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/backend.h"
#include "sweetspot/detection_eval.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

enum class KeypointLayout { kHeatmap, kSimcc, kRegression };
std::string_view KeypointLayoutName(KeypointLayout);  // heatmap | simcc | regression
// InvalidArgument naming the value and listing the names.
Result<KeypointLayout> ParseKeypointLayout(std::string_view name);

inline constexpr std::string_view kKeypointMetadataKey = "sweetspot.keypoints";

struct KeypointDecoderSpec {
  KeypointLayout layout = KeypointLayout::kHeatmap;
  // The output decoded (simcc: the x output), and simcc's y output; "" = by
  // position: the first tensor output (simcc: the first two, x then y).
  std::string output;
  std::string output_y;
  std::string refine = "quarter";  // heatmap: quarter | parabola | none
  double simcc_split_ratio = 2.0;  // simcc: bins per input pixel (> 0)
  bool regression_normalized = false;
  std::string schema;  // the model's joints: a built-in schema name or a schema file ("" unknown)
  std::map<std::string, std::string> set_by;  // key -> who set it, like DetectorSpec

  // Canonical TOML of every key (set_by left out), readable by ParseKeypointDecoderToml.
  std::string ToToml() const;
  // Known refine, simcc_split_ratio > 0; InvalidArgument naming the key and who set it.
  Status Validate() const;
  // " (from dec.toml line 3)" for a key a layer set, "" for a default.
  std::string Origin(std::string_view key) const;
};

// Overlays the keys of TOML `text` (layout, output, output_y, refine,
// simcc_split_ratio, regression_normalized, schema) onto `base`, recording
// `source` in set_by. Unknown keys and wrong types: InvalidData naming the
// source, line and key. `validate` as ParseDetectorToml's.
Result<KeypointDecoderSpec> ParseKeypointDecoderToml(std::string_view text, const PreprocessSource& source,
                                                     const KeypointDecoderSpec& base = {}, bool validate = true);
Result<KeypointDecoderSpec> LoadKeypointDecoderFile(const std::filesystem::path& path,
                                                    const KeypointDecoderSpec& base = {}, bool validate = true);

// The layout the tensor outputs fit: one rank-4 output -> heatmap; two rank-3
// outputs [N, K, *] with the same K -> simcc; one rank-3 output [N, K, 2|3]
// -> regression. Otherwise InvalidArgument listing each layout tried and what
// it needs, with the fix FieldFix {"keypoint_decoder", "", {"LAYOUT"}}.
Result<KeypointLayout> DetectKeypointLayout(std::span<const TensorInfo> outputs);

// The decoder for `session`'s model: defaults < metadata_props
// kKeypointMetadataKey of `model` < `layers`; when no layer set "layout",
// DetectKeypointLayout picks it (`layout_detected` set). A set layout must fit
// the outputs it reads (their declared ranks; heatmap rank 4, simcc two of
// rank 3, regression [N, K, 2|3]): else InvalidArgument naming the model, the
// layout and who set it, and the layout that fits ("the outputs fit
// 'heatmap'", FieldFix {"keypoint_decoder", "", {"heatmap"}}), or every
// layout's need with FieldFix {"keypoint_decoder", "", {"LAYOUT"}}.
Result<KeypointDecoderSpec> ResolveKeypointDecoder(const std::filesystem::path& model,
                                                   std::span<const DecoderLayer> layers, const Session& session,
                                                   bool* layout_detected = nullptr);

// One sample's outputs (Session::Run order, batch 1) -> one keypoint per
// joint in input pixels of the input_width_px x input_height_px input (see the
// top of this file). `output_infos` (the session's tensor outputs) lets
// spec.output / output_y pick outputs by name; without it they are taken by
// position. Shapes that do not fit: InvalidArgument naming the output and the
// expected shape.
Result<std::vector<Keypoint>> DecodeKeypoints(std::span<const Tensor> outputs, const KeypointDecoderSpec& spec,
                                              int input_width_px, int input_height_px,
                                              std::span<const TensorInfo> output_infos = {});

}  // namespace sweetspot
