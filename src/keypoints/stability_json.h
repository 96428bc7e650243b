// Private: the JSON forms of stability.h's building blocks (intervals,
// figures, paired figures), shared by the stability and summary JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "sweetspot/stability.h"

namespace sweetspot {

namespace stats {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, lower, upper, valid)
}  // namespace stats

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StabilityFigure, value, ci)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PairedStability, name, count, a, b, diff, diff_ci, p_value, verdict)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointStabilityComparison, model_a, model_b, schema, frames, block_length,
                                   replicates, min_confidence, jitter_px, overall_jitter_px, angle_noise_deg)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JointAgreement, joint, frames, distance_px, distance, beyond_share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeypointAgreement, model_a, model_b, schema, frames, threshold, joints, distance,
                                   frames_measured, any_beyond_share)

}  // namespace sweetspot
