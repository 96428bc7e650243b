// How a p-value is printed: `sweetspot eval`'s paired comparisons of
// detectors and keypoint models use it, so that a bootstrap p at its floor
// reads as the bound it is. JSON outputs keep the raw number.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string>

namespace sweetspot {

// "p = 0.034": two significant digits ("p = 0.5", "p = 1", "p = 0.0012").
// A bootstrap p (`resamples` = B > 0 replicates, stats::PairedBootstrapPValue)
// at its floor 2 / (B + 1), where no replicate crossed zero, is a bound: "p <
// 0.002" for B = 1000, "p < 0.001" for B = 2000 (the floor rounded up to one
// significant digit), since B replicates cannot show a smaller p; it never
// prints "p = 0.000". An exact p (`resamples` 0, e.g. McNemar's) below 0.0001
// is "p < 0.0001". `p` is a probability in [0, 1].
std::string PValueText(double p, std::size_t resamples);

// The same without "p": "0.034", "< 0.002" (a table cell under a "p" header).
std::string PValueFigure(double p, std::size_t resamples);

}  // namespace sweetspot
