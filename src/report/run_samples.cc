#include "report/run_samples.h"

#include <string_view>

namespace sweetspot {
using nlohmann::json;

namespace {

constexpr const char* kShared[] = {"indices", "labels"};
constexpr const char* kPerEntry[] = {"indices", "labels", "predictions"};

std::size_t ArraySize(const json& holder, const char* key) {
  return holder.is_object() && holder.contains(key) && holder[key].is_array() ? holder[key].size() : 0;
}

bool HasAccuracy(const json& run) { return run.contains("accuracy") && run["accuracy"].is_array(); }

}  // namespace

void ShareSamples(json* run) {
  (*run)["shared_samples"] = nullptr;
  if (!HasAccuracy(*run) || (*run)["accuracy"].empty()) return;
  json& entries = (*run)["accuracy"];
  const json& first = entries.front();
  for (const json& entry : entries) {
    for (const char* key : kShared) {
      if (!entry.contains(key) || !entry[key].is_array() || entry[key] != first[key]) return;
    }
  }
  (*run)["shared_samples"] = {{"indices", first["indices"]}, {"labels", first["labels"]}};
  for (json& entry : entries) {
    for (const char* key : kShared) entry.erase(key);
  }
}

std::size_t SampleNumbers(const json& run) {
  std::size_t total = 0;
  if (run.contains("shared_samples")) {
    for (const char* key : kShared) total += ArraySize(run["shared_samples"], key);
  }
  if (!HasAccuracy(run)) return total;
  for (const json& entry : run["accuracy"]) {
    for (const char* key : kPerEntry) total += ArraySize(entry, key);
  }
  return total;
}

void DropSampleArrays(json* run) {
  if (run->contains("shared_samples")) (*run)["shared_samples"] = nullptr;
  if (!HasAccuracy(*run)) return;
  for (json& entry : (*run)["accuracy"]) {
    for (const char* key : kPerEntry) {
      if (entry.contains(key) || std::string_view(key) == "predictions") entry[key] = nullptr;
    }
  }
}

}  // namespace sweetspot
