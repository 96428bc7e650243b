#include <string>

#include "backends/onnxruntime/ort_backend.h"
#include "backends/onnxruntime/ort_library.h"
#include "backends/opencv_dnn/opencv_backend.h"
#include "sweetspot/backend.h"

namespace sweetspot {
namespace {

constexpr std::string_view kOrtPrefix = "onnxruntime@";

}  // namespace

std::vector<std::string> BackendNames() {
  std::vector<std::string> names = {"onnxruntime"};
  for (const auto& library : ort::FindOrtLibraries()) names.push_back(std::string(kOrtPrefix) + library.version);
  names.emplace_back(opencv_dnn::kEngine);
  names.push_back(opencv_dnn::CanonicalName());
  return names;
}

Result<std::unique_ptr<Backend>> CreateBackend(std::string_view name) {
  if (name == "onnxruntime" || name == "ort") return ort::CreateOrtBackend(ort::LinkedOrtLibrary());
  const bool ort_version = name.starts_with(kOrtPrefix);
  if (ort_version) {
    for (const auto& library : ort::FindOrtLibraries()) {
      if (name.substr(kOrtPrefix.size()) == library.version) return ort::CreateOrtBackend(library);
    }
  }
  if (name == opencv_dnn::kEngine || name == opencv_dnn::CanonicalName()) return opencv_dnn::CreateOpenCvBackend();
  std::string available;
  for (const auto& n : BackendNames()) available += (available.empty() ? "" : ", ") + n;
  std::string message = "unknown backend '" + std::string(name) + "' (available: " + available + ")";
  if (ort_version) message += "; other ONNX Runtime versions are found in " + ort::OrtLibrarySearchPlaces();
  return Status::InvalidArgument(message);
}

}  // namespace sweetspot
