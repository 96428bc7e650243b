// The OpenCV DNN backend. Internal: users reach it via CreateBackend("opencv-dnn").
//
// Its sessions have no fallback notes (Session::FallbackNotes): they ask for
// OpenCV's own backend on the CPU target (DNN_BACKEND_OPENCV,
// DNN_TARGET_CPU), the implementation every layer OpenCV imports has. OpenCV
// moves layers to the CPU only from another backend or target (CUDA,
// OpenVINO, Vulkan), which this one never requests; a layer it cannot run at
// all fails the import (Load), not the run.
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
