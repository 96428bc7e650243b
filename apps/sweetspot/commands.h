// Subcommands of the `sweetspot` tool, one file each. A Register function adds
// its subcommand (options and help) to the root app; when the user picks it,
// the subcommand stores its action in `*selected`, which main runs.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "sweetspot/status.h"

namespace sweetspot::cli {

using Action = std::function<Status()>;

void RegisterBench(CLI::App& root, Action* selected);
void RegisterInspect(CLI::App& root, Action* selected);
void RegisterEval(CLI::App& root, Action* selected);
void RegisterTrain(CLI::App& root, Action* selected);
void RegisterStudy(CLI::App& root, Action* selected);
void RegisterResults(CLI::App& root, Action* selected);
void RegisterOptimize(CLI::App& root, Action* selected);

}  // namespace sweetspot::cli
