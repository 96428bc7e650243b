// Guarding JSON written from doubles: nlohmann::json writes NaN and infinity
// as `null`, which a reader expecting a number then fails on with a type
// error far from the cause. Writers check with FirstNonFiniteNumber first.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace sweetspot {

// The JSON pointer ("/report/epochs/0/train_loss") of the first NaN or
// infinite number in `json`, depth first; nullopt when every number is finite.
// Thread-safety: reentrant.
std::optional<std::string> FirstNonFiniteNumber(const nlohmann::json& json);

}  // namespace sweetspot
