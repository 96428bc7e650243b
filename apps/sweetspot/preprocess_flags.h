// The preprocessing flags of eval, load and optimize (--color, --size, --mean, ...):
// their declaration and the TOML layers they make, one per flag given, over
// --preprocess FILE (evaluate.h PreprocessLayer), so errors name the flag
// that set a value (PreprocessSpec::set_by).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sweetspot/evaluate.h"
#include "sweetspot/status.h"

namespace sweetspot::cli {

// Empty/unset: not given.
struct PreprocessFlags {
  std::string color, resize, size, interpolation, layout, dtype, letterbox_align;
  std::vector<double> mean, std_dev;
  std::optional<double> crop_fraction, scale;
  std::optional<int> pad, stride;
};

// Declares the flags on `cmd`; `resize_mode` false leaves out --resize (a
// command whose --resize means something else; the mode stays settable in
// --preprocess FILE).
void AddPreprocessFlags(CLI::App* cmd, PreprocessFlags* flags, bool resize_mode = true);

// One layer per flag given, in a fixed order. Errors: an enum value or
// --size that does not parse, naming the flag.
Result<std::vector<PreprocessLayer>> FlagLayers(const PreprocessFlags& flags);

// The layers a command's --preprocess FILE ("" for none) and flags make, in
// that order (the flags over the file). Errors: FlagLayers'.
Result<std::vector<PreprocessLayer>> PreprocessLayers(const std::string& preprocess_file, const PreprocessFlags& flags);

}  // namespace sweetspot::cli
