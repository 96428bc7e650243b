// Must not compile: store does not depend on eval, so a source compiled as
// part of the store module cannot see eval's public headers.
#include "sweetspot/evaluate.h"
#include "sweetspot/results_store.h"
