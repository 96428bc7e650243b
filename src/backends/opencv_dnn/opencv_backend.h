// The OpenCV DNN backend. Internal: users reach it via CreateBackend("opencv-dnn").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sweetspot/backend.h"

namespace sweetspot::opencv_dnn {

inline constexpr std::string_view kEngine = "opencv-dnn";

// "opencv-dnn@4.6.0": the engine with the version of the OpenCV it was built against.
std::string CanonicalName();

std::unique_ptr<Backend> CreateOpenCvBackend();

}  // namespace sweetspot::opencv_dnn
