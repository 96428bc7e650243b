#include <string>

#include "backends/onnxruntime/ort_backend.h"
#include "sweetspot/backend.h"

namespace sweetspot {

std::vector<std::string> BackendNames() { return {"onnxruntime"}; }

Result<std::unique_ptr<Backend>> CreateBackend(std::string_view name) {
  if (name == "onnxruntime" || name == "ort") return ort::CreateOrtBackend();
  return Status::InvalidArgument("unknown backend '" + std::string(name) + "' (available: onnxruntime)");
}

}  // namespace sweetspot
