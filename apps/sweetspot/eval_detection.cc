#include "eval_detection.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "output.h"
#include "sweetspot/isolated_detection_eval.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;

std::string Pct(double fraction) { return fmt::format("{:.2f} %", 100.0 * fraction); }

std::string CiText(const stats::Interval& ci) {
  return ci.valid ? fmt::format("   95 % CI [{:.2f}, {:.2f}]", 100 * ci.lower, 100 * ci.upper) : "";
}

// -1 (no ground truth in that range, or the VOC protocol): "--".
std::string MaybePct(double fraction) { return fraction < 0 ? "--" : Pct(fraction); }

std::string ProtocolText(const DetectionMetrics& m) {
  if (m.protocol == "voc") {
    return "voc (all-point AP, IoU > t with +1-pixel widths, difficult boxes ignored)";
  }
  return "coco (101-point AP, IoU >= t, crowd boxes ignored, 100 detections per image)";
}

std::string MetricsText(const DetectionMetrics& m) {
  std::string out;
  out += fmt::format("  mAP@[.5:.95]  {:>8}{}\n", Pct(m.map50_95), CiText(m.map50_95_ci));
  out += fmt::format("  mAP@0.5       {:>8}{}\n", Pct(m.map50), CiText(m.map50_ci));
  out += fmt::format("  mAP@0.75      {:>8}\n", Pct(m.map75));
  if (m.protocol != "voc") {
    out += fmt::format("  AP small / medium / large   {} / {} / {}\n", MaybePct(m.ap_small), MaybePct(m.ap_medium),
                       MaybePct(m.ap_large));
  }
  out += fmt::format("  AR@100        {:>8}\n", Pct(m.ar100));
  return out;
}

// The per-class rows: all when they fit, else the `max_rows` worst by the
// protocol's headline AP (classes without ground truth left out).
std::string PerClassText(const DetectionMetrics& m, std::size_t max_rows) {
  std::vector<const ClassAp*> rows;
  for (const ClassAp& c : m.per_class) {
    if (c.ground_truth > 0) rows.push_back(&c);
  }
  if (max_rows == 0 || rows.empty()) return "";
  const bool voc = m.protocol == "voc";
  const auto headline = [voc](const ClassAp* c) { return voc ? c->ap50 : c->ap50_95; };
  std::string out;
  if (rows.size() > max_rows) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const ClassAp* a, const ClassAp* b) { return headline(a) < headline(b); });
    out += fmt::format("\n  the {} worst of {} classes by {} (--per-class all shows every class)\n", max_rows,
                       rows.size(), voc ? "AP@0.5" : "AP@[.5:.95]");
    rows.resize(max_rows);
  }
  std::size_t width = 5;
  for (const ClassAp* c : rows) width = std::max(width, c->name.size());
  out += fmt::format("\n  {:<{}}  {:>6}  {:>11}  {:>7}  {:>7}\n", "class", width, "boxes", "AP@[.5:.95]", "AP@0.5",
                     "AP@0.75");
  for (const ClassAp* c : rows) {
    out += fmt::format("  {:<{}}  {:>6}  {:>11.2f}  {:>7.2f}  {:>7.2f}\n", c->name, width, c->ground_truth,
                       100 * c->ap50_95, 100 * c->ap50, 100 * c->ap75);
  }
  return out;
}

std::string SpeedText(const DetectionEvalResult& r) {
  const DetectionTimeSummary t = SummarizeTimes(r.times);
  const std::string heading =
      r.batch_size == 1
          ? fmt::format("\nspeed per image (single stream, batch 1, {} thread(s), images in turn)", r.threads)
          : fmt::format("\nspeed per image (batches of {}: each image is its batch's time / its images, {} thread(s))",
                        r.batch_size, r.threads);
  return StageTimesTable(heading, {{"pre-processing", &t.preprocess_ms},
                                   {"network", &t.network_ms},
                                   {"decoding+NMS", &t.postprocess_ms},
                                   {"total", &t.total_ms}});
}

std::string HeaderText(const DetectionEvalResult& r) {
  std::string out;
  out += fmt::format("model        {}\n", r.model);
  out += fmt::format("data         {} ({} images evaluated, {} classes)\n", r.dataset, r.images.size(),
                     r.class_names.size());
  for (const auto& note : r.dataset_notes) out += fmt::format("  note       {}\n", note);
  for (const auto& excluded : r.excluded) out += fmt::format("  excluded   {}\n", excluded);
  const auto scored = std::count_if(r.class_map.begin(), r.class_map.end(), [](int c) { return c >= 0; });
  out +=
      fmt::format("classes      {} model classes, {} scored as dataset classes\n", r.model_class_names.size(), scored);
  out += fmt::format("decoder      {}{}, score >= {:g}, NMS IoU {:g}, at most {} per image\n",
                     DetectionLayoutName(r.detector.layout), r.layout_detected ? " (detected)" : "",
                     r.detector.score_threshold, r.detector.iou_threshold, r.detector.max_detections);
  out += fmt::format("preprocess   {} {}x{} {}, scale {:g}, mean {}, std {}\n", ColorOrderName(r.spec.color),
                     r.spec.width, r.spec.height, ResizeModeName(r.spec.resize), r.spec.scale,
                     fmt::join(r.spec.mean, "/"), fmt::join(r.spec.std, "/"));
  out += fmt::format("protocol     {}\n", ProtocolText(r.metrics));
  out += fmt::format("boxes        {} to find, {} detections\n\n", r.metrics.ground_truth, r.metrics.detections);
  return out;
}

// `resamples`: the bootstrap replicates behind c.p_value.
std::string ComparisonText(const DetectionEvalResult& reference, const DetectionComparison& c,
                           std::size_t resamples) {
  const bool voc = c.metric == "map50";
  const double diff = voc ? c.map50_diff : c.map50_95_diff;
  const stats::Interval& ci = voc ? c.map50_diff_ci : c.map50_95_diff_ci;
  std::string out = fmt::format("\nreference    {}\n", reference.model);
  out += MetricsText(reference.metrics);
  out += fmt::format("\ncomparison   model - reference over {} images (paired bootstrap)\n", c.images);
  out += fmt::format("  {:<13} {:+.2f} points", voc ? "mAP@0.5" : "mAP@[.5:.95]", 100 * diff);
  if (ci.valid) out += fmt::format("   95 % CI [{:+.2f}, {:+.2f}]", 100 * ci.lower, 100 * ci.upper);
  out += "   " + SignificanceText(c.p_value, resamples) + "\n";
  const double other = voc ? c.map50_95_diff : c.map50_diff;
  const stats::Interval& other_ci = voc ? c.map50_95_diff_ci : c.map50_diff_ci;
  out += fmt::format("  {:<13} {:+.2f} points", voc ? "mAP@[.5:.95]" : "mAP@0.5", 100 * other);
  if (other_ci.valid) out += fmt::format("   95 % CI [{:+.2f}, {:+.2f}]", 100 * other_ci.lower, 100 * other_ci.upper);
  return out + "\n";
}

std::string RenderText(const DetectionEvalResult& r, const DetectionEvalResult* reference,
                       const DetectionComparison* comparison, std::size_t per_class_rows) {
  std::string out = HeaderText(r);
  out += MetricsText(r.metrics);
  out += PerClassText(r.metrics, per_class_rows);
  out += SpeedText(r);
  if (reference != nullptr && comparison != nullptr) {
    out += ComparisonText(*reference, *comparison, r.metric_options.bootstrap_replicates);
  }
  out += "\n# the resolved decoder (--print-decoder prints it alone; save it as a --decoder FILE)\n";
  return out + r.detector.ToToml();
}

nlohmann::json ComparisonJson(const DetectionComparison& c) {
  const auto interval = [](const stats::Interval& i) {
    return nlohmann::json{{"lower", i.lower}, {"upper", i.upper}, {"valid", i.valid}};
  };
  return {{"images", c.images},
          {"metric", c.metric},
          {"p_value", c.p_value},
          {"map50_95_diff", c.map50_95_diff},
          {"map50_95_diff_ci", interval(c.map50_95_diff_ci)},
          {"map50_diff", c.map50_diff},
          {"map50_diff_ci", interval(c.map50_diff_ci)}};
}

std::string RenderJson(const DetectionEvalResult& r, const DetectionEvalResult* reference,
                       const DetectionComparison* comparison) {
  nlohmann::json out = {{"schema", "sweetspot.detection-eval/1"}, {"result", ToJson(SummarizeDetection(r))}};
  out["reference"] = reference != nullptr ? ToJson(SummarizeDetection(*reference)) : nlohmann::json(nullptr);
  out["comparison"] = comparison != nullptr ? ComparisonJson(*comparison) : nlohmann::json(nullptr);
  return DumpJson(out, 2) + "\n";
}

// --print-preprocess / --print-decoder: what the evaluation would use, nothing evaluated.
Status PrintResolved(const DetectionEvalCommand& command) {
  const DetectionEvalRequest& request = command.request;
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend(request.engine));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, backend->Load(request.model_path, BackendOptions{}));
  if (session->inputs().empty()) return Status::InvalidData("model " + request.model_path + " has no inputs");
  if (command.print_preprocess) {
    SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(request.model_path, request.layers));
    SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec resolved, Resolve(spec, session->inputs().front()));
    std::cout << "# preprocessing for " << SafeText(request.model_path) << " (metadata_props key '"
              << kPreprocessMetadataKey << "')\n"
              << resolved.ToToml();
  }
  if (command.print_decoder) {
    bool detected = false;
    SWEETSPOT_ASSIGN_OR_RETURN(DetectorSpec detector,
                               ResolveDetector(request.model_path, request.decoder_layers, *session, &detected));
    std::cout << "# decoder for " << SafeText(request.model_path) << (detected ? " (layout detected)" : "")
              << " (save as a --decoder file, or store under the\n# model's metadata_props key '"
              << kDetectionMetadataKey << "')\n"
              << detector.ToToml();
  }
  return Status::Ok();
}

// The library names request fields; the user typed flags.
Status WithFlags(const Status& status) {
  std::string message = status.message();
  const std::string dataset = "dataset '";
  if (message.rfind(dataset, 0) == 0) message = "--data: " + message.substr(dataset.size() - 1);
  const std::string model_classes = "model_classes: ";
  if (message.rfind(model_classes, 0) == 0) message = "--model-classes: " + message.substr(model_classes.size());
  return Status::FromCode(status.code(), message, status.fixes());
}

Result<DetectionEvalResult> Run(const DetectionEvalRequest& request, ProgressBar& bar) {
  auto evaluated = EvaluateDetector(request, [&bar](const EvalProgress& p) { bar.Update("detect", p.done, p.total); });
  if (!evaluated.ok()) return WithFlags(evaluated.status());
  bar.Print(fmt::format("detect: {} images, {} detections", evaluated->images.size(), evaluated->metrics.detections));
  return evaluated;
}

}  // namespace

Status RunDetectionEval(const DetectionEvalCommand& command) {
  if (command.print_preprocess || command.print_decoder) return WithFlags(PrintResolved(command));
  ProgressBar bar;
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionEvalResult result, Run(command.request, bar));
  std::optional<DetectionEvalResult> reference;
  std::optional<DetectionComparison> comparison;
  if (!command.reference.empty()) {
    DetectionEvalRequest request = command.request;
    request.model_path = command.reference;
    auto ran = Run(request, bar);
    if (!ran.ok()) return ran.status().WithContext("--reference");
    reference = std::move(ran).value();
    SWEETSPOT_ASSIGN_OR_RETURN(comparison, CompareDetectionResults(result, *reference));
  }
  const DetectionEvalResult* ref_ptr = reference ? &*reference : nullptr;
  const DetectionComparison* cmp_ptr = comparison ? &*comparison : nullptr;
  if (command.json == "-") {
    std::cout << RenderJson(result, ref_ptr, cmp_ptr);
    return Status::Ok();
  }
  if (!command.json.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(command.json, RenderJson(result, ref_ptr, cmp_ptr), "--json"));
  }
  std::cout << SafeText(RenderText(result, ref_ptr, cmp_ptr, command.per_class_rows));
  return Status::Ok();
}

void RegisterDetectionEvalChild(CLI::App& root, Action* selected) {
  RegisterChildCommand(root, selected, "__detection-eval-child", RunDetectionEvalChild);
}

}  // namespace sweetspot::cli
