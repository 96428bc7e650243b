// `sweetspot stability`: how much models' outputs shake from frame to frame
// on video, and the internal `__keypoint-video-child` of the study's isolated
// keypoint video runs (isolated_keypoint_video.h).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "sweetspot/isolated_keypoint_video.h"

namespace sweetspot::cli {
namespace {

void RegisterKeypointVideoChild(CLI::App& root, Action* selected) {
  auto child_args = std::make_shared<std::vector<std::string>>();
  CLI::App* child = root.add_subcommand("__keypoint-video-child", "");
  child->group("");  // hidden from --help
  child->add_option("files", *child_args)->expected(2)->required();
  child->callback([child_args, selected] {
    *selected = [child_args]() -> Status {
      const Status status = RunKeypointVideoChild((*child_args)[0], (*child_args)[1]);
      // The result file says everything; skip the runtime's teardown.
      std::fflush(nullptr);
      _exit(status.ok() ? 0 : 1);
    };
  });
}

}  // namespace

void RegisterStability(CLI::App& root, Action* selected) { RegisterKeypointVideoChild(root, selected); }

}  // namespace sweetspot::cli
