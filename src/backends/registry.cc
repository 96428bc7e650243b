#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

Status CheckBackendName(std::string_view name) {
  const auto names = BackendNames();
  if (name == "ort" || std::find(names.begin(), names.end(), name) != names.end()) return Status::Ok();
  std::string message = fmt::format("unknown backend '{}' (available: {})", name, fmt::join(names, ", "));
  if (name.starts_with(kOrtPrefix)) {
    message += "; other ONNX Runtime versions are found in " + ort::OrtLibrarySearchPlaces();
  }
  return Status::InvalidArgument(message);
}

Result<std::unique_ptr<Backend>> CreateBackend(std::string_view name) {
  SWEETSPOT_RETURN_IF_ERROR(CheckBackendName(name));
  if (name == "onnxruntime" || name == "ort") return ort::CreateOrtBackend(ort::LinkedOrtLibrary());
  if (name == opencv_dnn::kEngine || name == opencv_dnn::CanonicalName()) return opencv_dnn::CreateOpenCvBackend();
  for (const auto& library : ort::FindOrtLibraries()) {
    if (name.substr(kOrtPrefix.size()) == library.version) return ort::CreateOrtBackend(library);
  }
  return Status::Internal("backend '" + std::string(name) + "' is listed but not created");
}

}  // namespace sweetspot
