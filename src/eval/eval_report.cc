#include "sweetspot/eval_report.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using nlohmann::json;

json IntervalJson(const stats::Interval& interval) { return json::array({interval.lower, interval.upper}); }

json MetricsJson(const ClassificationMetrics& m) {
  json per_class = json::array();
  for (const auto& c : m.per_class) {
    per_class.push_back({{"name", c.name},
                         {"support", c.support},
                         {"predicted", c.predicted},
                         {"true_positives", c.true_positives},
                         {"precision", c.precision},
                         {"recall", c.recall},
                         {"f1", c.f1}});
  }
  return {{"count", m.count},
          {"top1", m.top1},
          {"top1_correct", m.top1_correct},
          {"top1_ci95", IntervalJson(m.top1_ci)},
          {"top5", m.top5},
          {"top5_correct", m.top5_correct},
          {"top5_ci95", IntervalJson(m.top5_ci)},
          {"macro_f1", m.macro_f1},
          {"mean_confidence", m.mean_confidence},
          {"median_confidence", m.median_confidence},
          {"ece", m.ece},
          {"ece_bins", kCalibrationBins},
          {"per_class", per_class},
          {"confusion", m.confusion}};
}

json SpecJson(const PreprocessSpec& s) {
  json out = {{"color", ColorOrderName(s.color)},
              {"resize", ResizeModeName(s.resize)},
              {"width", s.width},
              {"height", s.height},
              {"crop_fraction", s.crop_fraction},
              {"interpolation", InterpolationName(s.interpolation)},
              {"scale", s.scale},
              {"mean", s.mean},
              {"std", s.std},
              {"layout", LayoutName(s.layout)},
              {"dtype", DTypeName(s.dtype)}};
  // As ToToml: the letterbox keys only where they change something.
  if (s.resize == ResizeMode::kLetterbox) {
    out["pad"] = s.pad;
    out["letterbox_align"] = LetterboxAlignName(s.letterbox_align);
  }
  if (s.stride > 0) out["stride"] = s.stride;
  return out;
}

json ResultJson(const EvalResult& r) {
  json excluded = json::array();
  for (const auto& e : r.excluded) excluded.push_back({{"index", e.index}, {"path", e.path}, {"reason", e.reason}});
  json out = {{"model", r.model},
              {"dataset",
               {{"description", r.dataset},
                {"classes", r.class_names},
                {"requested", r.requested},
                {"evaluated", r.indices.size()},
                {"excluded_count", r.excluded.size()},
                {"excluded", excluded},
                {"notes", r.dataset_notes}}},
              {"preprocess", SpecJson(r.spec)},
              {"input", r.input_name},
              {"output", r.output_name},
              {"batch_size", r.batch_size},
              {"threads", r.threads},
              {"engine", r.engine},
              {"output_kind", OutputKindName(r.output_kind)},
              {"output_kind_detected", r.output_kind_detected},
              {"metrics", MetricsJson(r.metrics)},
              {"timing",
               {{"prepare_ms", r.prepare_ms},
                {"inference_ms", r.inference_ms},
                {"cache_hit", r.cache_hit},
                {"cache_file", r.cache_file}}}};
  if (r.coarse_metrics && r.label_map) {
    out["coarse"] = {{"classes", r.label_map->coarse_names}, {"metrics", MetricsJson(*r.coarse_metrics)}};
  } else {
    out["coarse"] = nullptr;
  }
  return out;
}

std::string Pct(double fraction) { return fmt::format("{:.2f} %", 100.0 * fraction); }

// Rows of the per-class table: all when they fit in `max_rows`, else the
// `max_rows` worst by F1 (ties: lower recall, then class order).
std::vector<const ClassMetrics*> ShownClasses(const ClassificationMetrics& m, std::size_t max_rows) {
  std::vector<const ClassMetrics*> rows;
  for (const auto& c : m.per_class) rows.push_back(&c);
  if (rows.size() <= max_rows) return rows;
  std::stable_sort(rows.begin(), rows.end(), [](const ClassMetrics* a, const ClassMetrics* b) {
    return a->f1 != b->f1 ? a->f1 < b->f1 : a->recall < b->recall;
  });
  rows.resize(max_rows);
  return rows;
}

std::string MetricsText(const ClassificationMetrics& m, std::size_t per_class_rows, const EvalTextHints& hints) {
  std::string out;
  out += fmt::format("  top-1        {:>8}   95 % CI [{:.2f}, {:.2f}]   ({} / {})\n", Pct(m.top1),
                     100 * m.top1_ci.lower, 100 * m.top1_ci.upper, m.top1_correct, m.count);
  out += fmt::format("  top-5        {:>8}   95 % CI [{:.2f}, {:.2f}]\n", Pct(m.top5), 100 * m.top5_ci.lower,
                     100 * m.top5_ci.upper);
  out += fmt::format("  macro-F1     {:8.4f}\n", m.macro_f1);
  out += fmt::format("  confidence   mean {:.4f}, median {:.4f}; ECE ({} bins) {:.4f}\n", m.mean_confidence,
                     m.median_confidence, kCalibrationBins, m.ece);
  if (per_class_rows == 0 || m.per_class.empty()) return out;
  const std::vector<const ClassMetrics*> rows = ShownClasses(m, per_class_rows);
  std::size_t width = 5;
  for (const ClassMetrics* c : rows) width = std::max(width, c->name.size());
  if (rows.size() < m.per_class.size()) {
    out += fmt::format("\n  the {} worst of {} classes by F1 ({} shows every class; {} has all)\n", rows.size(),
                       m.per_class.size(), hints.every_class, hints.full_result);
  }
  out +=
      fmt::format("\n  {:<{}}  {:>8}  {:>9}  {:>7}  {:>6}\n", "class", width, "support", "precision", "recall", "F1");
  for (const ClassMetrics* c : rows) {
    out += fmt::format("  {:<{}}  {:>8}  {:>9.4f}  {:>7.4f}  {:>6.4f}\n", c->name, width, c->support, c->precision,
                       c->recall, c->f1);
  }
  return out;
}

// The same line for the model and its reference: each may have its own spec.
std::string PreprocessLine(const PreprocessSpec& spec) {
  return fmt::format("preprocess   {} {}x{} {}, scale {:g}, mean {}, std {}, {} {}\n", ColorOrderName(spec.color),
                     spec.width, spec.height, ResizeModeName(spec.resize), spec.scale, fmt::join(spec.mean, "/"),
                     fmt::join(spec.std, "/"), LayoutName(spec.layout), DTypeName(spec.dtype));
}

}  // namespace

std::string RenderEvalJson(const EvalResult& result, const EvalResult* reference, const Comparison* comparison) {
  json doc = {{"schema", "sweetspot.eval/1"}};
  doc.update(ResultJson(result));
  doc["reference"] = reference != nullptr ? ResultJson(*reference) : json(nullptr);
  if (comparison != nullptr) {
    json flips = json::array();
    for (const auto& f : comparison->flips) {
      const auto& names = result.class_names;
      flips.push_back({{"sample", result.indices[f.position]},
                       {"id", result.samples[f.position].id},
                       {"label", names[static_cast<std::size_t>(f.label)]},
                       {"model_prediction", names[static_cast<std::size_t>(f.model_prediction)]},
                       {"reference_prediction", names[static_cast<std::size_t>(f.reference_prediction)]},
                       {"model_confidence", f.model_confidence},
                       {"reference_confidence", f.reference_confidence}});
    }
    doc["comparison"] = {{"count", comparison->count},
                         {"agreements", comparison->agreements},
                         {"agreement", comparison->agreement},
                         {"both_correct", comparison->both_correct},
                         {"only_model_correct", comparison->only_model_correct},
                         {"only_reference_correct", comparison->only_reference_correct},
                         {"both_wrong", comparison->both_wrong},
                         {"top1_delta", comparison->top1_delta},
                         {"mcnemar_p", comparison->mcnemar_p},
                         {"mean_confidence_delta", comparison->mean_confidence_delta},
                         {"relative_confidence_change", comparison->relative_confidence_change},
                         {"flip_count", comparison->flips.size()},
                         {"flips", flips}};
  } else {
    doc["comparison"] = nullptr;
  }
  return DumpJson(doc, 2) + "\n";
}

std::string RenderPredictionsCsv(const EvalResult& result) {
  std::string out = "sample,id,path,label,prediction,confidence,top5\n";
  const auto& names = result.class_names;
  for (std::size_t i = 0; i < result.predictions.size(); ++i) {
    const Prediction& p = result.predictions[i];
    std::string top;
    for (int j = 0; j < p.k; ++j) {
      if (j > 0) top += ";";
      top += fmt::format("{}:{:.6f}", names[static_cast<std::size_t>(p.top_class[static_cast<std::size_t>(j)])],
                         p.top_probability[static_cast<std::size_t>(j)]);
    }
    out += fmt::format("{},{},{},{},{},{:.6f},{}\n", result.indices[i], CsvField(result.samples[i].id),
                       CsvField(result.samples[i].path.string()), CsvField(names[static_cast<std::size_t>(p.label)]),
                       CsvField(names[static_cast<std::size_t>(p.predicted())]), p.confidence(), CsvField(top));
  }
  return out;
}

std::string RenderEvalText(const EvalResult& r, const EvalResult* reference, const Comparison* comparison,
                           std::size_t per_class_rows, const EvalTextHints& hints) {
  std::string out;
  out += fmt::format("model        {}\n", r.model);
  out += fmt::format("data         {} ({} classes)\n", r.dataset, r.class_names.size());
  for (const auto& note : r.dataset_notes) out += fmt::format("  note       {}\n", note);
  out += fmt::format("samples      {} evaluated of {} requested; {} excluded\n", r.indices.size(), r.requested,
                     r.excluded.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(r.excluded.size(), 5); ++i) {
    out += fmt::format("  excluded   {}\n", r.excluded[i].reason);
  }
  if (r.excluded.size() > 5)
    out += fmt::format("  excluded   ... and {} more (see {})\n", r.excluded.size() - 5, hints.full_result);
  out += PreprocessLine(r.spec);
  out += fmt::format("outputs      {} ({}), batch {}\n", OutputKindName(r.output_kind),
                     r.output_kind_detected ? "detected" : "given", r.batch_size);
  if (r.output_kind == OutputKind::kSigmoid && r.output_kind_detected) {
    // Said aloud: logits that happen to lie in [0, 1] read the same way.
    out += fmt::format(
        "             (every score is in [0, 1] and rows do not sum to 1: independent sigmoids, each class's\n"
        "             confidence its own score; {} if they are logits)\n",
        hints.logits);
  }
  out += fmt::format("time         prepare {:.0f} ms ({}), inference {:.0f} ms, {} thread(s) of {}\n\n", r.prepare_ms,
                     r.cache_hit ? "tensor cache hit" : "decoded", r.inference_ms, r.threads, r.engine);
  out += MetricsText(r.metrics, per_class_rows, hints);
  if (r.coarse_metrics && r.label_map) {
    out += fmt::format("\ncoarse classes ({})\n", hints.label_map);
    out += MetricsText(*r.coarse_metrics, per_class_rows, hints);
  }
  if (reference != nullptr && comparison != nullptr) {
    out += fmt::format("\nreference    {}\n", reference->model);
    out += PreprocessLine(reference->spec);
    out += MetricsText(reference->metrics, 0, hints);
    const Comparison& c = *comparison;
    out += fmt::format("\ncomparison   model vs reference over {} samples\n", c.count);
    out += fmt::format("  top-1 delta  {:+.2f} points\n", 100.0 * c.top1_delta);
    out += fmt::format("  agreement    {} ({} flips)\n", Pct(c.agreement), c.flips.size());
    out += fmt::format("  McNemar      only model right {}, only reference right {}: exact p = {:.4g}{}\n",
                       c.only_model_correct, c.only_reference_correct, c.mcnemar_p,
                       c.mcnemar_p < 0.05 ? " (significant at 5 %)" : " (not significant at 5 %)");
    out += fmt::format("  confidence   mean change {:+.4f} ({:+.1f} %)\n", c.mean_confidence_delta,
                       100.0 * c.relative_confidence_change);
    const std::size_t shown = std::min<std::size_t>(c.flips.size(), 10);
    if (shown > 0) out += fmt::format("  first {} flips (sample: label, model -> reference):\n", shown);
    for (std::size_t i = 0; i < shown; ++i) {
      const Flip& f = c.flips[i];
      out += fmt::format("    {}: {}, {} ({:.2f}) -> {} ({:.2f})\n", r.samples[f.position].id,
                         r.class_names[static_cast<std::size_t>(f.label)],
                         r.class_names[static_cast<std::size_t>(f.model_prediction)], f.model_confidence,
                         r.class_names[static_cast<std::size_t>(f.reference_prediction)], f.reference_confidence);
    }
  }
  return SafeText(out);
}

}  // namespace sweetspot
