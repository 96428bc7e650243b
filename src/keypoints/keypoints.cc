#include "sweetspot/keypoints.h"

#include <algorithm>

namespace sweetspot {

int KeypointSchema::JointIndex(std::string_view joint) const {
  const auto it = std::find(joints.begin(), joints.end(), joint);
  return it == joints.end() ? -1 : static_cast<int>(it - joints.begin());
}

}  // namespace sweetspot
