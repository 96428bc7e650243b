// ArchSpec as JSON (private to src/train): the cost file's "arch", the
// training child's result, and the parent a pruned model starts from.
#pragma once

#include <nlohmann/json.hpp>

#include "sweetspot/status.h"
#include "sweetspot/train_family.h"

namespace sweetspot {

nlohmann::json ArchToJson(const ArchSpec& arch);
// Throws nlohmann::json::exception on a missing key or wrong type.
Result<ArchSpec> ArchFromJson(const nlohmann::json& json);

}  // namespace sweetspot
