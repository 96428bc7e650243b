#include "sweetspot/isolated_keypoint_video.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

Result<IsolatedKeypointVideoResult> RunKeypointVideoIsolated(const fs::path& self_exe,
                                                             const KeypointVideoRequest& request,
                                                             const ChildLimits& limits) {
  SWEETSPOT_ASSIGN_OR_RETURN(ChildOutcome outcome,
                             RunChildProcess(self_exe, "__keypoint-video-child", ToJson(request),
                                             "running keypoint models on video '" + request.video_path + "'", limits));
  const auto malformed = [](const Status& status) {
    return Status::Internal("the keypoint video process wrote a malformed result: " + status.message());
  };
  if (!outcome.result.contains("video") || !outcome.result.contains("summary")) {
    return malformed(Status::InvalidData("no 'video' or 'summary' key"));
  }
  auto result = KeypointVideoResultFromJson(outcome.result["video"]);
  if (!result.ok()) return malformed(result.status());
  auto summary = KeypointVideoSummaryFromJson(outcome.result["summary"]);
  if (!summary.ok()) return malformed(summary.status());
  return IsolatedKeypointVideoResult{std::move(result).value(), std::move(summary).value(), outcome.wall_ms};
}

Status RunKeypointVideoChild(const fs::path& request_file, const fs::path& result_file) {
  const auto run = [&]() -> Result<json> {
    SWEETSPOT_ASSIGN_OR_RETURN(json request_json, ReadChildRequest(request_file));
    SWEETSPOT_ASSIGN_OR_RETURN(KeypointVideoRequest request, KeypointVideoRequestFromJson(request_json));
    SWEETSPOT_ASSIGN_OR_RETURN(KeypointVideoResult result, RunKeypointVideo(request));
    const KeypointVideoSummary summary =
        SummarizeKeypointVideo(result, KeypointVideoSummaryOptions::FromRequest(request));
    return json{{"video", ToJson(result)}, {"summary", ToJson(summary)}};
  };
  return WriteChildResult(result_file, run());
}

}  // namespace sweetspot
