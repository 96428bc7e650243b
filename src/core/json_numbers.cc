#include "sweetspot/json_numbers.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace sweetspot {
namespace {

std::optional<std::string> Find(const nlohmann::json& json, const nlohmann::json::json_pointer& where) {
  if (json.is_number_float()) {
    if (std::isfinite(json.get<double>())) return std::nullopt;
    return where.to_string();
  }
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) {
      if (auto found = Find(value, where / key)) return found;
    }
  } else if (json.is_array()) {
    for (std::size_t i = 0; i < json.size(); ++i) {
      if (auto found = Find(json[i], where / i)) return found;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FirstNonFiniteNumber(const nlohmann::json& json) { return Find(json, nlohmann::json::json_pointer()); }

}  // namespace sweetspot
