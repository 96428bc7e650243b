// Keypoints in Open Inference Protocol answers (docs/serve.md, "Keypoint
// models"): what `sweetspot serve` adds for a top-down keypoint model, read
// back by `sweetspot load` and the job journal, and the agreement of two
// keypoint models' answers (fast now, accurate later).
//
// Request: the image on the model's input as BYTES (the image extension),
// shape [B] or [B,1], and optionally the input `person_box` FP32 [B, 4]
// (x1, y1, x2, y2, original-image pixels, one box per image). The server
// crops the square of side max(w, h) * padding centred on the box
// (SquareCropAround, person_crop.h; padding 1.25 by default, as `sweetspot
// eval`), or without a box the square of side max(width, height) centred on
// the whole image; outside the image the crop is black. A box may reach past
// the image (MPII's do) but needs a positive area and its centre in the image.
//
// Output of a keypoint model, per request of B rows and K joints of its schema:
//   keypoints  FP32  [B, K, 3]  rows x, y, score, joints in the schema's order.
// x and y are pixels of the ORIGINAL image when it was sent as BYTES, else of
// the model input tensor; continuous coordinates: pixel column i covers
// [i, i + 1), its centre is i + 0.5 (keypoints.h). score is the model's
// confidence (a heatmap's peak value).
// Response parameters: sweetspot_keypoint_schema (string: the schema's name)
// and sweetspot_keypoint_joints (string: the joint names in output order,
// comma-separated).
//
// Agreement of a fast and an accurate answer (per row, pooled over the rows):
// the joints confident in both (score >= min_score) are compared; the scale
// of a row is the longer side of the bounding box of the accurate answer's
// confident joints (at least 1 px); a joint agrees when the two locations are
// within alpha * scale. share = agreeing / compared (1 when none is
// compared); agree: share >= kKeypointAgreementShare.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/inference_protocol.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/status.h"

namespace sweetspot {

inline constexpr std::string_view kKeypointsOutput = "keypoints";
inline constexpr std::string_view kPersonBoxInput = "person_box";
inline constexpr std::string_view kKeypointSchemaParameter = "sweetspot_keypoint_schema";
inline constexpr std::string_view kKeypointJointsParameter = "sweetspot_keypoint_joints";

// The output for `rows` (each `joints` keypoints long).
InferTensor KeypointOutput(std::span<const std::vector<Keypoint>> rows, int joints);
// Its metadata: keypoints [-1, K, 3] FP32.
TensorMetadata KeypointOutputMetadata(int joints);
// The two parameters above for `schema`, added to `parameters`.
void AddKeypointParameters(const KeypointSchema& schema, Parameters& parameters);

// True when `response` holds the output.
bool HasKeypointOutput(const InferResponse& response);
// The keypoints of every row of `response`. InvalidData naming the output
// when it is missing, of the wrong datatype or shape.
Result<std::vector<std::vector<Keypoint>>> ReadKeypointOutput(const InferResponse& response);
// The joint names of sweetspot_keypoint_joints; InvalidData naming the
// parameter when it is missing or its count differs from `joints`.
Result<std::vector<std::string>> ReadKeypointJoints(const InferResponse& response, std::size_t joints);

inline constexpr double kKeypointAgreementMinScore = 0.3;
inline constexpr double kKeypointAgreementAlpha = 0.1;
inline constexpr double kKeypointAgreementShare = 0.8;

struct KeypointAnswerAgreement {
  std::int64_t compared = 0;      // joints confident in both answers
  std::int64_t within = 0;        // of those, within alpha * scale
  double mean_distance_px = 0.0;  // over the compared joints (0 when none)
  double share = 1.0;             // within / compared
  bool agree() const { return share >= kKeypointAgreementShare; }
};
// Pooled over the rows (fast[i] and accurate[i] the same crop, one schema);
// rows missing from the shorter list, and joints past the shorter row, are not compared.
KeypointAnswerAgreement CompareKeypointAnswers(std::span<const std::vector<Keypoint>> fast,
                                               std::span<const std::vector<Keypoint>> accurate,
                                               double min_score = kKeypointAgreementMinScore,
                                               double alpha = kKeypointAgreementAlpha);

}  // namespace sweetspot
