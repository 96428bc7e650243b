#include <string>

#include "backends/onnxruntime/ort_backend.h"
#include "backends/opencv_dnn/opencv_backend.h"
#include "sweetspot/backend.h"

namespace sweetspot {

std::vector<std::string> BackendNames() {
  return {"onnxruntime", std::string(opencv_dnn::kEngine), opencv_dnn::CanonicalName()};
}

Result<std::unique_ptr<Backend>> CreateBackend(std::string_view name) {
  if (name == "onnxruntime" || name == "ort") return ort::CreateOrtBackend();
  if (name == opencv_dnn::kEngine || name == opencv_dnn::CanonicalName()) return opencv_dnn::CreateOpenCvBackend();
  std::string available;
  for (const auto& n : BackendNames()) available += (available.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("unknown backend '" + std::string(name) + "' (available: " + available + ")");
}

}  // namespace sweetspot
