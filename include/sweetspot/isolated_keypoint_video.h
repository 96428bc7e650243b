// Keypoint models on a video measured in a child process: `sweetspot
// __keypoint-video-child REQUEST RESULT` runs RunKeypointVideo
// (keypoint_eval.h) and SummarizeKeypointVideo (keypoint_video_summary.h,
// options from the request), so a crash in a runtime or a model that hangs
// costs only that measurement (the parent kills it after a timeout). The
// keypoint counterpart of RunDetectionEvalIsolated (isolated_detection_eval.h)
// for `sweetspot study`.
//
// Thread-safety: reentrant; `limits.cancel` may be set from a signal handler.
#pragma once

#include <filesystem>

#include "sweetspot/child_process.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/keypoint_video_summary.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct IsolatedKeypointVideoResult {
  KeypointVideoResult result;    // every model's frames, the crops, the loss
  KeypointVideoSummary summary;  // its figures
  double wall_ms = 0.0;          // of the whole child process
};

// Parent side: runs `self_exe __keypoint-video-child` (child_process.h). A
// crash, a timeout or an error in the child (RunKeypointVideo's, e.g. a video
// that does not open or a track lost at frame 0) comes back as a Status
// naming the video.
Result<IsolatedKeypointVideoResult> RunKeypointVideoIsolated(const std::filesystem::path& self_exe,
                                                             const KeypointVideoRequest& request,
                                                             const ChildLimits& limits);

// Child side: reads REQUEST, runs and summarises, writes RESULT as
// {"result": {"video": <KeypointVideoResult>, "summary": <KeypointVideoSummary>}}
// or {"error": {...}}. Returns the Status it wrote.
Status RunKeypointVideoChild(const std::filesystem::path& request_file, const std::filesystem::path& result_file);

}  // namespace sweetspot
