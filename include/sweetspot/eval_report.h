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

// How the text report points to the options that show more, in the caller's
// vocabulary (eval passes its flags: "--per-class all", "--json", "pass
// --output-kind logits", "--label-map"). The defaults name the arguments and
// request fields.
struct EvalTextHints {
  std::string every_class = "a larger per_class_rows";  // shows every class's row
  std::string full_result = "the JSON rendering";       // holds every class and excluded sample
  std::string logits = "set output_kind to logits";     // declares the outputs logits
  std::string label_map = "label_map_file";             // the fine-to-coarse class map
};

// Results table(s) for a terminal: summary (with the dataset's notes),
// per-class table, coarse classes, comparison and the first flips. The
// per-class table has at most `per_class_rows` rows: every class when they
// fit, else that many worst by F1 (0: no table). Names that are not UTF-8 are
// shown as SafeText; the JSON and CSV always hold every class.
inline constexpr std::size_t kDefaultPerClassRows = 10;
std::string RenderEvalText(const EvalResult& result, const EvalResult* reference, const Comparison* comparison,
                           std::size_t per_class_rows = kDefaultPerClassRows, const EvalTextHints& hints = {});

}  // namespace sweetspot
