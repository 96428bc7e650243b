// Renderings of an EvalResult: the JSON document (--json), the per-sample
// predictions CSV (--predictions) and the human-readable tables. Formats are
// described in docs/eval.md; they are pure functions of the result.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "sweetspot/evaluate.h"
#include "sweetspot/metrics.h"
#include "sweetspot/status.h"

namespace sweetspot {

// JSON text (2-space indent), every string SafeText (so it always parses).
// `reference`/`comparison` may be null.
std::string RenderEvalJson(const EvalResult& result, const EvalResult* reference, const Comparison* comparison);

// CSV with header `sample,id,path,label,prediction,confidence,top5`: sample
// is the dataset index, label/prediction are class names, confidence the
// top-1 probability (6 decimals), top5 `class:prob` pairs joined by ';'.
std::string RenderPredictionsCsv(const EvalResult& result);

// Results table(s) for a terminal: summary (with the dataset's notes),
// per-class table, coarse classes, comparison and the first flips. The
// per-class table has at most `per_class_rows` rows: every class when they
// fit, else that many worst by F1 (0: no table). Names that are not UTF-8 are
// shown as SafeText; the JSON and CSV always hold every class.
inline constexpr std::size_t kDefaultPerClassRows = 10;
std::string RenderEvalText(const EvalResult& result, const EvalResult* reference, const Comparison* comparison,
                           std::size_t per_class_rows = kDefaultPerClassRows);

}  // namespace sweetspot
