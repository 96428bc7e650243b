#include "report/detection_section.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include "report/snapshot_numbers.h"
#include "report/thumbnails.h"
#include "sweetspot/image_decode.h"

namespace sweetspot {
using nlohmann::json;

namespace {

// Figures are stored to 4 decimals and boxes to 0.1 pixel (snapshot_numbers.h).
// An AP of -1 (a class without ground truth, or no such area) is null.
json Ap(double value) { return value < 0 ? json() : json(Fraction(value)); }

// Precision at recall k/100 for k = 0.. up to the last nonzero one (beyond
// the achieved recall the envelope is 0).
json PrecisionAtRecall(const std::vector<PrPoint>& pr50) {
  std::size_t end = pr50.size();
  while (end > 0 && pr50[end - 1].precision <= 0) --end;
  json out = json::array();
  for (std::size_t k = 0; k < end; ++k) out.push_back(Fraction(pr50[k].precision));
  return out;
}

json CandidateJson(const DetectionCandidateView& candidate) {
  const DetectionMetrics& m = candidate.metrics;
  json per_class = json::array();
  for (const ClassAp& c : m.per_class) {
    per_class.push_back({{"class_id", c.class_id},
                         {"name", c.name},
                         {"ground_truth", c.ground_truth},
                         {"ap50_95", Ap(c.ap50_95)},
                         {"ap50", Ap(c.ap50)},
                         {"ap75", Ap(c.ap75)},
                         {"pr50", PrecisionAtRecall(c.pr50)}});
  }
  return {{"name", candidate.name},
          {"map50_95", Ap(m.map50_95)},
          {"map50", Ap(m.map50)},
          {"map75", Ap(m.map75)},
          {"map50_95_ci95", SnapshotIntervalJson(m.map50_95_ci)},
          {"map50_ci95", SnapshotIntervalJson(m.map50_ci)},
          {"ap_small", Ap(m.ap_small)},
          {"ap_medium", Ap(m.ap_medium)},
          {"ap_large", Ap(m.ap_large)},
          {"ar100", Fraction(m.ar100)},
          {"ground_truth", m.ground_truth},
          {"detections", m.detections},
          {"boxes_kept", !candidate.detections.empty()},
          {"per_class", per_class}};
}

json BoxJson(const Box& box) {
  return {RoundTo(box.x1, 10), RoundTo(box.y1, 10), RoundTo(box.x2, 10), RoundTo(box.y2, 10)};
}

bool Ignored(const GroundTruthBox& truth) { return truth.crowd || truth.difficult; }

// The outcomes of `candidate`'s detections on image `i`.
std::vector<BoxOutcome> Outcomes(const DetectionReportSection& section, std::size_t candidate, std::size_t i) {
  const DisplayMatching matching = DisplayMatching::ForProtocol(section.candidates[candidate].metrics.protocol);
  return MatchForDisplay(section.images[i], section.candidates[candidate].detections[i], matching);
}

// The candidate's boxes on image `i` scoring at least kDetectionShownScore, best first.
json ShownBoxes(const DetectionReportSection& section, std::size_t candidate, std::size_t i) {
  const std::vector<Detection>& detections = section.candidates[candidate].detections[i];
  const std::vector<BoxOutcome> outcomes = Outcomes(section, candidate, i);
  std::vector<std::size_t> order(detections.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return detections[a].score > detections[b].score; });
  json out = json::array();
  for (const std::size_t k : order) {
    const Detection& d = detections[k];
    if (d.score < kDetectionShownScore) break;
    out.push_back({{"box", BoxJson(d.box)},
                   {"class", d.class_id},
                   {"score", Fraction(d.score)},
                   {"outcome", BoxOutcomeName(outcomes[k])}});
  }
  return out;
}

double F1Of(const DetectionReportSection& section, std::size_t candidate, std::size_t i) {
  return ImageF1(section.images[i], section.candidates[candidate].detections[i], Outcomes(section, candidate, i),
                 kDetectionExampleScore);
}

// The example's thumbnail, or null with a note when its file cannot be read.
json Thumbnail(const DetectionImage& image, const DetectionSectionOptions& options, json* notes) {
  const Result<std::string> uri = [&]() -> Result<std::string> {
    // The view the boxes are in: the dataset's Load() decodes the same way.
    SWEETSPOT_ASSIGN_OR_RETURN(const LabelledImage pixels, ReadLabelledImage(image.path, image.width, image.height));
    return JpegDataUri(pixels.pixels, options.thumbnail_px, options.jpeg_quality);
  }();
  if (uri.ok()) return *uri;
  notes->push_back(fmt::format("no picture of example {}: {}", image.id, uri.status().message()));
  return json();
}

json ExampleJson(const DetectionReportSection& section, std::size_t i, const DetectionSectionOptions& options,
                 json* notes) {
  const DetectionImage& image = section.images[i];
  json truth = json::array();
  for (const GroundTruthBox& t : image.objects) {
    truth.push_back({{"box", BoxJson(t.box)}, {"class", t.class_id}, {"ignored", Ignored(t)}});
  }
  return {{"image", i},
          {"id", image.id},
          {"width", image.width},
          {"height", image.height},
          {"thumbnail", Thumbnail(image, options, notes)},
          {"f1", {Fraction(F1Of(section, section.fast, i)), Fraction(F1Of(section, section.accurate, i))}},
          {"truth", truth},
          {"boxes", {ShownBoxes(section, section.fast, i), ShownBoxes(section, section.accurate, i)}}};
}

bool HasBoxes(const DetectionReportSection& section, std::size_t candidate) {
  return candidate < section.candidates.size() &&
         section.candidates[candidate].detections.size() == section.images.size();
}

}  // namespace

std::string_view BoxOutcomeName(BoxOutcome outcome) {
  switch (outcome) {
    case BoxOutcome::kCorrect: return "correct";
    case BoxOutcome::kFalsePositive: return "false-positive";
    case BoxOutcome::kIgnored: return "ignored";
  }
  return "";
}

DisplayMatching DisplayMatching::ForProtocol(std::string_view protocol) {
  const bool voc = protocol == "voc";
  return {.iou = kDetectionExampleIou, .inclusive_pixels = voc, .iou_strictly_greater = voc};
}

std::vector<BoxOutcome> MatchForDisplay(const DetectionImage& image, std::span<const Detection> detections,
                                        const DisplayMatching& matching) {
  std::vector<std::size_t> order(detections.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return detections[a].score > detections[b].score; });
  std::vector<bool> taken(image.objects.size(), false);
  std::vector<BoxOutcome> out(detections.size(), BoxOutcome::kFalsePositive);
  const auto fits = [&](double iou) {
    return matching.iou_strictly_greater ? iou > matching.iou : iou >= matching.iou;
  };
  for (const std::size_t k : order) {
    std::ptrdiff_t best = -1;
    double best_iou = -1;
    bool ignored_fits = false;
    for (std::size_t g = 0; g < image.objects.size(); ++g) {
      const GroundTruthBox& truth = image.objects[g];
      if (truth.class_id != detections[k].class_id) continue;
      const double iou = IntersectionOverUnion(detections[k].box, truth.box, matching.inclusive_pixels);
      if (!fits(iou)) continue;
      if (Ignored(truth)) {
        ignored_fits = true;
      } else if (!taken[g] && iou > best_iou) {
        best = static_cast<std::ptrdiff_t>(g);
        best_iou = iou;
      }
    }
    if (best >= 0) {
      taken[static_cast<std::size_t>(best)] = true;
      out[k] = BoxOutcome::kCorrect;
    } else if (ignored_fits) {
      out[k] = BoxOutcome::kIgnored;
    }
  }
  return out;
}

double ImageF1(const DetectionImage& image, std::span<const Detection> detections, std::span<const BoxOutcome> outcomes,
               double min_score) {
  const auto to_find =
      std::count_if(image.objects.begin(), image.objects.end(), [](const GroundTruthBox& t) { return !Ignored(t); });
  std::ptrdiff_t correct = 0, wrong = 0;
  for (std::size_t k = 0; k < detections.size(); ++k) {
    if (detections[k].score < min_score) continue;
    correct += outcomes[k] == BoxOutcome::kCorrect ? 1 : 0;
    wrong += outcomes[k] == BoxOutcome::kFalsePositive ? 1 : 0;
  }
  const double denominator = static_cast<double>(2 * correct + wrong + (to_find - correct));
  return denominator > 0 ? 2.0 * static_cast<double>(correct) / denominator : 1.0;
}

std::vector<std::size_t> DisagreementExamples(const DetectionReportSection& section, std::size_t count) {
  if (!HasBoxes(section, section.fast) || !HasBoxes(section, section.accurate)) return {};
  std::vector<double> gap(section.images.size());
  for (std::size_t i = 0; i < gap.size(); ++i) {
    gap[i] = std::abs(F1Of(section, section.fast, i) - F1Of(section, section.accurate, i));
  }
  std::vector<std::size_t> order(gap.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (gap[a] != gap[b]) return gap[a] > gap[b];
    return section.images[a].objects.size() > section.images[b].objects.size();
  });
  order.resize(std::min(count, order.size()));
  return order;
}

json DetectionSectionJson(const DetectionReportSection& section, const DetectionSectionOptions& options) {
  json candidates = json::array();
  for (const DetectionCandidateView& c : section.candidates) candidates.push_back(CandidateJson(c));
  json notes = json::array();
  json examples = json::array();
  for (const std::size_t i : DisagreementExamples(section, options.examples)) {
    examples.push_back(ExampleJson(section, i, options, &notes));
  }
  if (examples.empty() && !section.images.empty()) {
    notes.push_back("no example images: the study kept no boxes of the two detectors shown");
  }
  const std::string protocol = section.candidates.empty() ? "" : section.candidates.front().metrics.protocol;
  return {{"dataset", section.dataset},
          {"description", section.description},
          {"protocol", protocol},
          {"classes", section.class_names},
          {"images", section.images.size()},
          {"candidates", candidates},
          {"fast", section.fast},
          {"accurate", section.accurate},
          {"example_rule",
           {{"count", options.examples},
            {"iou", kDetectionExampleIou},
            {"score", kDetectionExampleScore},
            {"shown_score", kDetectionShownScore}}},
          {"examples", examples},
          {"notes", notes}};
}

}  // namespace sweetspot
