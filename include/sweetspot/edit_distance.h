// The Levenshtein distance between two strings, for naming what a misspelt
// flag or name was meant to be ("--thread" -> "--threads", "r_kne" -> "r_knee").
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace sweetspot {

// The fewest single-byte insertions, deletions and substitutions that turn
// `a` into `b` (Levenshtein 1966; the two-row dynamic programme). Bytes, not
// code points: a non-ASCII character counts as several. O(|a| x |b|) time.
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace sweetspot
