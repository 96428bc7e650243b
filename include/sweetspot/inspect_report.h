// Human-readable rendering of a ModelInfo: what `sweetspot inspect` prints.
// A pure function of the struct (nothing is read or run); thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "sweetspot/model_info.h"

namespace sweetspot {

// A multi-line report: the file (its name, or the graph name from memory),
// format, inputs and outputs, the batch the figures are for, parameters,
// stored weight bytes, MACs (per batch and per sample), elementwise ops and
// the op histogram; then a node table (with `all_nodes` every node in graph
// order, else the 10 costliest by MACs) and the warnings. Counts of 10,000 or
// more are shown in M or G with the exact figure beside them; node names
// longer than 44 characters keep their end. Text that is not UTF-8 comes out
// as SafeText (text_file.h), so the result is always printable.
// `all_nodes_option` is how the caller names the option that lists every node
// (inspect passes "--nodes").
std::string RenderInspectText(const ModelInfo& info, bool all_nodes, std::string_view all_nodes_option = "all_nodes");

}  // namespace sweetspot
