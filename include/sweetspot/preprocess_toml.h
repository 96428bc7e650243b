// Preprocessing keys read from a TOML table that is already parsed, such as a
// study spec's [dataset.preprocess] or [[models]] preprocess table (dotted or
// inline). Kept apart from preprocess.h so that only the parsers of TOML files
// compile toml++.
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"

namespace sweetspot {

// `text` (NormalizeText'ed) parsed as TOML; a syntax error is InvalidData
// "<source> line N: <what toml++ says>" (no line when the source has none).
Result<toml::table> ParseTomlText(std::string_view text, const PreprocessSource& source);

// Overlays the keys of `table` onto `base`, as ParsePreprocessToml does; errors
// name `source` and (if it has lines) the line of the offending key.
Result<PreprocessSpec> ParsePreprocessTable(const toml::table& table, const PreprocessSource& source,
                                            const PreprocessSpec& base = {}, bool validate = true);

}  // namespace sweetspot
