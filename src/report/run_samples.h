// The per-sample arrays of a `sweetspot.report-run/1` document: each accuracy
// entry's `predictions`, and the dataset `indices` and `labels` it was scored
// on, written once per run in `shared_samples` when every entry has the same
// ones (the usual case: every candidate is scored on the same subset).
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

namespace sweetspot {

// Moves `indices` and `labels` out of every entry of run["accuracy"] into
// run["shared_samples"] = {"indices", "labels"} when all entries hold the same
// (null when they differ or there is no entry: the entries keep their own).
void ShareSamples(nlohmann::json* run);

// How many numbers the run's per-sample arrays hold, shared ones once.
std::size_t SampleNumbers(const nlohmann::json& run);

// Sets every per-sample array of the run to null (shared_samples included):
// the confusion matrices, cell and flipped samples stay.
void DropSampleArrays(nlohmann::json* run);

}  // namespace sweetspot
