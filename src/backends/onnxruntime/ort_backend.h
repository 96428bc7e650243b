// The ONNX Runtime backend. Internal: users reach it via CreateBackend("onnxruntime").
#pragma once

#include <memory>

#include "sweetspot/backend.h"

namespace sweetspot::ort {

std::unique_ptr<Backend> CreateOrtBackend();

}  // namespace sweetspot::ort
