#include "sweetspot/served_detections.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include <fmt/format.h>

namespace sweetspot {
namespace {

constexpr std::int64_t kColumns = 6;  // x1 y1 x2 y2 score class

const InferTensor* FindOutput(const InferResponse& response, std::string_view name) {
  const auto it = std::find_if(response.outputs.begin(), response.outputs.end(),
                               [&](const InferTensor& t) { return t.name == name; });
  return it == response.outputs.end() ? nullptr : &*it;
}

template <typename T>
std::vector<T> Values(const InferTensor& tensor) {
  std::vector<T> values(tensor.data.size() / sizeof(T));
  std::memcpy(values.data(), tensor.data.data(), values.size() * sizeof(T));
  return values;
}

// The shapes the server sends: detections [B, K, 6] FP32, detection_count [B] INT32.
Status CheckShapes(const InferTensor& boxes, const InferTensor& counts) {
  const bool boxes_ok = boxes.datatype == WireType::kFp32 && boxes.shape.size() == 3 && boxes.shape[2] == kColumns &&
                        boxes.ElementCount() >= 0 &&
                        boxes.data.size() == static_cast<std::size_t>(boxes.ElementCount()) * sizeof(float);
  if (!boxes_ok) {
    return Status::InvalidData(fmt::format("output '{}' is {} {}: it should be FP32 [B, K, 6]", kDetectionsOutput,
                                           WireTypeName(boxes.datatype), ShapeToString(boxes.shape)));
  }
  const bool counts_ok = counts.datatype == WireType::kInt32 && counts.shape.size() == 1 &&
                         counts.shape[0] == boxes.shape[0] &&
                         counts.data.size() == static_cast<std::size_t>(counts.shape[0]) * sizeof(std::int32_t);
  if (!counts_ok) {
    return Status::InvalidData(fmt::format("output '{}' is {} {}: it should be INT32 [{}]", kDetectionCountOutput,
                                           WireTypeName(counts.datatype), ShapeToString(counts.shape), boxes.shape[0]));
  }
  return Status::Ok();
}

// Greedy one-to-one matching of one image (the header's definition).
void MatchImage(std::span<const Detection> fast, std::span<const Detection> accurate, double min_score, double min_iou,
                DetectionAgreement& out) {
  std::vector<const Detection*> reference, candidates;
  for (const Detection& d : accurate) {
    if (d.score >= min_score) reference.push_back(&d);
  }
  for (const Detection& d : fast) {
    if (d.score >= min_score) candidates.push_back(&d);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Detection* a, const Detection* b) { return a->score > b->score; });
  std::vector<bool> taken(reference.size(), false);
  for (const Detection* c : candidates) {
    int best = -1;
    double best_iou = min_iou;
    for (std::size_t r = 0; r < reference.size(); ++r) {
      if (taken[r] || reference[r]->class_id != c->class_id) continue;
      const double iou = IntersectionOverUnion(c->box, reference[r]->box);
      if (iou > best_iou || (best < 0 && iou >= best_iou)) {
        best = static_cast<int>(r);
        best_iou = iou;
      }
    }
    if (best >= 0) {
      taken[static_cast<std::size_t>(best)] = true;
      ++out.matched;
    }
  }
  out.reference += static_cast<std::int64_t>(reference.size());
  out.candidates += static_cast<std::int64_t>(candidates.size());
}

double Ratio(std::int64_t numerator, std::int64_t denominator) {
  return denominator == 0 ? 1.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

std::vector<InferTensor> DetectionOutputs(std::span<const std::vector<Detection>> images, int max_detections) {
  const auto rows = static_cast<std::int64_t>(images.size());
  const std::int64_t k = max_detections;
  std::vector<float> boxes(static_cast<std::size_t>(rows * k * kColumns), 0.0F);
  std::vector<std::int32_t> counts(images.size(), 0);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::size_t n = std::min(images[i].size(), static_cast<std::size_t>(k));
    counts[i] = static_cast<std::int32_t>(n);
    for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) {
      float* row = &boxes[(i * static_cast<std::size_t>(k) + j) * kColumns];
      if (j >= n) {
        row[5] = -1.0F;
        continue;
      }
      const Detection& d = images[i][j];
      const float values[kColumns] = {static_cast<float>(d.box.x1),
                                      static_cast<float>(d.box.y1),
                                      static_cast<float>(d.box.x2),
                                      static_cast<float>(d.box.y2),
                                      d.score,
                                      static_cast<float>(d.class_id)};
      std::copy(std::begin(values), std::end(values), row);
    }
  }
  InferTensor detections;
  detections.name = kDetectionsOutput;
  detections.datatype = WireType::kFp32;
  detections.shape = {rows, k, kColumns};
  detections.data.assign(reinterpret_cast<const char*>(boxes.data()), boxes.size() * sizeof(float));
  InferTensor count;
  count.name = kDetectionCountOutput;
  count.datatype = WireType::kInt32;
  count.shape = {rows};
  count.data.assign(reinterpret_cast<const char*>(counts.data()), counts.size() * sizeof(std::int32_t));
  return {std::move(detections), std::move(count)};
}

std::vector<TensorMetadata> DetectionOutputMetadata(int max_detections) {
  return {{std::string(kDetectionsOutput), WireType::kFp32, {-1, max_detections, kColumns}},
          {std::string(kDetectionCountOutput), WireType::kInt32, {-1}}};
}

bool HasDetectionOutputs(const InferResponse& response) {
  return FindOutput(response, kDetectionsOutput) != nullptr && FindOutput(response, kDetectionCountOutput) != nullptr;
}

Result<std::vector<std::vector<Detection>>> ReadDetectionOutputs(const InferResponse& response) {
  const InferTensor* boxes = FindOutput(response, kDetectionsOutput);
  const InferTensor* counts = FindOutput(response, kDetectionCountOutput);
  if (boxes == nullptr || counts == nullptr) {
    return Status::InvalidData(fmt::format("the answer has no output '{}': the model is not served as a detector",
                                           boxes == nullptr ? kDetectionsOutput : kDetectionCountOutput));
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckShapes(*boxes, *counts));
  const std::vector<float> values = Values<float>(*boxes);
  const std::vector<std::int32_t> count = Values<std::int32_t>(*counts);
  const std::int64_t k = boxes->shape[1];
  std::vector<std::vector<Detection>> images(count.size());
  for (std::size_t i = 0; i < count.size(); ++i) {
    if (count[i] < 0 || count[i] > k) {
      return Status::InvalidData(
          fmt::format("output '{}'[{}] is {}, outside [0, {}]", kDetectionCountOutput, i, count[i], k));
    }
    for (std::int32_t j = 0; j < count[i]; ++j) {
      const float* row = &values[(i * static_cast<std::size_t>(k) + static_cast<std::size_t>(j)) * kColumns];
      images[i].push_back({{row[0], row[1], row[2], row[3]}, static_cast<int>(row[5]), row[4]});
    }
  }
  return images;
}

DetectionAgreement CompareDetectionAnswers(std::span<const std::vector<Detection>> fast,
                                           std::span<const std::vector<Detection>> accurate, double min_score,
                                           double min_iou) {
  DetectionAgreement out;
  const std::vector<Detection> none;
  for (std::size_t i = 0; i < std::max(fast.size(), accurate.size()); ++i) {
    MatchImage(i < fast.size() ? fast[i] : none, i < accurate.size() ? accurate[i] : none, min_score, min_iou, out);
  }
  out.recall = Ratio(out.matched, out.reference);
  out.precision = Ratio(out.matched, out.candidates);
  out.f1 = Ratio(2 * out.matched, out.reference + out.candidates);
  return out;
}

}  // namespace sweetspot
