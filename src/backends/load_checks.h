// Checks every backend makes before it hands a model to its runtime, so that
// the same mistake reads the same whichever runtime was chosen.
#pragma once

#include <filesystem>

#include "sweetspot/backend.h"

namespace sweetspot {

// NotFound when `model_path` is not a file; InvalidArgument when a thread
// count is negative.
Status CheckLoadArguments(const std::filesystem::path& model_path, const BackendOptions& options);

}  // namespace sweetspot
