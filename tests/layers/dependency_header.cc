// Positive control for the layering test: a source compiled as part of the
// store module sees the public headers of store and of core, its dependency.
#include "sweetspot/environment.h"
#include "sweetspot/results_store.h"
#include "sweetspot/status.h"

namespace sweetspot {
Status LayerCheckDependencyHeader() { return Status::Ok(); }
}  // namespace sweetspot
