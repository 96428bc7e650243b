#include "eval_keypoints.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "output.h"
#include "sweetspot/isolated_keypoint_eval.h"
#include "sweetspot/keypoint_eval_summary.h"
#include "sweetspot/stability.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {

std::string CiText(const stats::Interval& ci, double scale, std::string_view spec = "{:.1f}") {
  if (!ci.valid) return "";
  return fmt::format(fmt::runtime(fmt::format("  [{}, {}]", spec, spec)), scale * ci.lower, scale * ci.upper);
}

std::string EstimateText(const Estimate& e, double scale, std::string_view spec) {
  return fmt::format(fmt::runtime(std::string(spec)), scale * e.value) + CiText(e.ci, scale, spec);
}

std::string HeaderText(const KeypointEvalSummary& s, const KeypointEvalRequest& request) {
  std::string out;
  out += fmt::format("model        {} ({}, engine {}, schema {})\n", s.model_name, s.model, s.engine, s.model_schema);
  out += fmt::format("data         {} ({}, schema {}, {} persons scored)\n", s.dataset, s.dataset_format,
                     s.dataset_schema, s.metrics.persons);
  for (const auto& note : s.dataset_notes) out += fmt::format("  note       {}\n", note);
  out += fmt::format("joints       {} scored (the dataset's joints the model has): {}\n", s.joints.size(),
                     fmt::join(s.joints, ", "));
  out += fmt::format("crops        square, the person box's longer side x {:g} (--person-padding)\n", request.padding);
  out += fmt::format("intervals    95 %, percentile bootstrap over persons ({} replicates)\n", s.bootstrap_replicates);
  return out;
}

std::string MetricsText(const KeypointMetrics& m) {
  std::string out;
  const std::string norm = m.normalization == "head" ? "head size" : "box side";
  for (const PckAt& p : m.pck) {
    out += fmt::format("  PCK@{:<6g}     {:.1f} %{}  (within {:g} x the {})\n", p.alpha, 100 * p.pck.value,
                       CiText(p.pck.ci, 100), p.alpha, norm);
  }
  if (m.oks.value >= 0.0) {
    out += fmt::format("  OKS            {}\n", EstimateText(m.oks, 1, "{:.3f}"));
    out +=
        fmt::format("  AP / AP50 / AP75   {:.1f} / {:.1f} / {:.1f} %  (COCO keypoint AP, one prediction per person)\n",
                    100 * m.ap.value, 100 * m.ap50.value, 100 * m.ap75.value);
  } else {
    out += "  OKS            -- (the dataset's schema has no sigmas)\n";
  }
  out += fmt::format("  confidence     {}  mean of the joints' scores (median {:.3f})\n",
                     EstimateText(m.confidence_mean, 1, "{:.3f}"), m.confidence_median.value);
  return out;
}

std::string JointsText(const KeypointMetrics& m) {
  std::size_t width = 5;
  for (const JointError& j : m.joints) width = std::max(width, j.joint.size());
  std::string out = fmt::format("\n  {:<{}}  {:>7}  {:>8}  {:<16}  {:>9}\n", "joint", width, "persons", "error px",
                                "[95 % CI]", m.normalization == "head" ? "error/head" : "error/box");
  for (const JointError& j : m.joints) {
    out += fmt::format("  {:<{}}  {:>7}  {:>8.1f}  {:<16}  {:>9.3f}\n", j.joint, width, j.persons, j.error_px.value,
                       CiText(j.error_px.ci, 1).substr(j.error_px.ci.valid ? 2 : 0), j.error_norm.value);
  }
  return out;
}

std::string SpeedText(const DetectionTimeSummary& t) {
  return StageTimesTable("\nspeed per person (one crop at a time)", {{"crop+preprocess", &t.preprocess_ms},
                                                                     {"network", &t.network_ms},
                                                                     {"decoding", &t.postprocess_ms},
                                                                     {"total", &t.total_ms}});
}

// The test of a paired difference over `persons`: below stability.h's
// kMinTestedMeasurements a bootstrap of a few persons who agree in sign
// reports p ~ 2/(B+1) (one person: "significant, p = 0.002"), so none is made.
std::string TestText(double p, std::int64_t persons, std::size_t resamples) {
  if (persons < kMinTestedMeasurements) {
    return fmt::format("too few persons to test ({}; at least {})", persons, kMinTestedMeasurements);
  }
  return SignificanceText(p, resamples);
}

// Without bootstrap replicates (--bootstrap 0) there is no interval and no p.
std::string DiffText(std::string_view what, const Estimate& diff, double p, std::int64_t persons,
                     std::size_t resamples, double scale, std::string_view unit) {
  const int digits = scale == 1 ? 3 : 1;
  std::string out = fmt::format("  {:<14} {:+.{}f}{}", what, scale * diff.value, digits, unit);
  if (diff.ci.valid) {
    out += fmt::format("  [{:+.{}f}, {:+.{}f}]   {}", scale * diff.ci.lower, digits, scale * diff.ci.upper, digits,
                       TestText(p, persons, resamples));
  }
  return out + "\n";
}

// `resamples`: the bootstrap replicates behind each p-value.
std::string ComparisonText(const KeypointModelComparison& c, std::size_t resamples) {
  std::string out = fmt::format("\ncomparison   {} - {} over {} persons, {} joints both score (paired bootstrap)\n",
                                c.model, c.reference, c.accuracy.persons, c.joints.size());
  for (const KeypointComparison::PckDiff& d : c.accuracy.pck) {
    out += DiffText(fmt::format("PCK@{:g}", d.alpha), d.diff, d.p_value, c.accuracy.persons, resamples, 100,
                    " points");
  }
  if (c.accuracy.oks_diff.value != -1.0) {
    out += DiffText("OKS", c.accuracy.oks_diff, c.accuracy.oks_p_value, c.accuracy.persons, resamples, 1, "");
  }
  const ConfidenceDrop& drop = c.confidence;
  out += fmt::format("  confidence drop of {} against {}: {:.1f} %", c.model, c.reference, drop.drop_percent.value);
  if (drop.drop_percent.ci.valid) {
    out += fmt::format("{}   {}", CiText(drop.drop_percent.ci, 1), TestText(drop.p_value, c.accuracy.persons, resamples));
  }
  out += "\n";
  out += fmt::format("    mean confidence {:.3f} vs {:.3f} on the {} joints both models have\n", drop.model_mean,
                     drop.reference_mean, drop.joints.size());
  return out;
}

std::string ModelText(const KeypointEvalSummary& s) {
  return MetricsText(s.metrics) + JointsText(s.metrics) + SpeedText(s.times);
}

std::string RenderText(const KeypointEvalSummary& s, const KeypointEvalRequest& request,
                       const KeypointEvalSummary* reference, const KeypointModelComparison* comparison) {
  std::string out = HeaderText(s, request) + "\n" + ModelText(s);
  if (reference != nullptr) {
    out += fmt::format("\nreference    {} ({}, engine {}, schema {})\n", reference->model_name, reference->model,
                       reference->engine, reference->model_schema);
    out += ModelText(*reference);
  }
  if (comparison != nullptr) out += ComparisonText(*comparison, s.bootstrap_replicates);
  out += "\n# the resolved decoder (save it as a --keypoint-decoder FILE)\n" + s.decoder_toml;
  return out.ends_with('\n') ? out : out + "\n";
}

std::string RenderJson(const KeypointEvalSummary& s, const KeypointEvalSummary* reference,
                       const KeypointModelComparison* comparison) {
  nlohmann::json out = {{"schema", "sweetspot.keypoint-eval/1"}, {"result", ToJson(s)}};
  out["reference"] = reference != nullptr ? ToJson(*reference) : nlohmann::json(nullptr);
  out["comparison"] = comparison != nullptr ? ToJson(*comparison) : nlohmann::json(nullptr);
  return DumpJson(out, 2) + "\n";
}

// The library names request fields; the user typed flags. The reference's
// engine is --reference-runtime.
Status WithFlags(const Status& status, bool reference) {
  std::string message = status.message();
  const std::string dataset = "dataset '";
  if (message.starts_with(dataset)) message = "--data: " + message.substr(dataset.size() - 1);
  for (const auto& [field, flag] : {std::pair<std::string, std::string>{"pck_normalization", "--pck-norm"},
                                    {"pck_alphas", "--pck-alpha"},
                                    {"padding", "--person-padding"}}) {
    if (message.starts_with(field)) message = flag + message.substr(field.size());
  }
  std::vector<FieldFix> fixes = status.fixes();
  for (FieldFix& fix : fixes) {
    if (reference && fix.field == "engine") fix.field = "reference_runtime";
  }
  return Status::FromCode(status.code(), message, fixes);
}

Result<KeypointEvalSummary> Run(const KeypointEvalRequest& request, ProgressBar& bar, KeypointEvalResult& result) {
  bar.Update("keypoints", -1.0, request.model.model_path);
  auto evaluated = EvaluateKeypoints(request);
  if (!evaluated.ok()) return evaluated.status();
  result = std::move(evaluated).value();
  SWEETSPOT_ASSIGN_OR_RETURN(KeypointEvalSummary summary, SummarizeKeypointEval(result, MetricOptionsOf(request)));
  bar.Print(fmt::format("keypoints: {}: {} persons, network p50 {:.2f} ms", summary.model_name, result.truth.size(),
                        summary.times.network_ms.p50));
  return summary;
}

}  // namespace

Status RunKeypointEval(const KeypointEvalCommand& command) {
  ProgressBar bar;
  KeypointEvalResult result;
  auto summary = Run(command.request, bar, result);
  if (!summary.ok()) return WithFlags(summary.status(), false);
  std::optional<KeypointEvalSummary> reference;
  std::optional<KeypointModelComparison> comparison;
  if (command.reference) {
    KeypointEvalRequest request = command.request;
    request.model = *command.reference;
    KeypointEvalResult reference_result;
    auto ran = Run(request, bar, reference_result);
    if (!ran.ok()) return WithFlags(ran.status(), true).WithContext("--reference");
    reference = std::move(ran).value();
    auto compared = CompareKeypointResults(result, reference_result, MetricOptionsOf(command.request));
    if (!compared.ok()) return WithFlags(compared.status(), false);
    comparison = std::move(compared).value();
  }
  const KeypointEvalSummary* ref_ptr = reference ? &*reference : nullptr;
  const KeypointModelComparison* cmp_ptr = comparison ? &*comparison : nullptr;
  if (command.json == "-") {
    std::cout << RenderJson(*summary, ref_ptr, cmp_ptr);
    return Status::Ok();
  }
  if (!command.json.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(command.json, RenderJson(*summary, ref_ptr, cmp_ptr), "--json"));
  }
  std::cout << SafeText(RenderText(*summary, command.request, ref_ptr, cmp_ptr));
  return Status::Ok();
}

void RegisterKeypointEvalChild(CLI::App& root, Action* selected) {
  RegisterChildCommand(root, selected, "__keypoint-eval-child", RunKeypointEvalChild);
}

}  // namespace sweetspot::cli
