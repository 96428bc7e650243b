#include "sweetspot/served_keypoints.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sweetspot {
namespace {

constexpr std::int64_t kColumns = 3;  // x y score

const InferTensor* FindOutput(const InferResponse& response, std::string_view name) {
  const auto it = std::find_if(response.outputs.begin(), response.outputs.end(),
                               [&](const InferTensor& t) { return t.name == name; });
  return it == response.outputs.end() ? nullptr : &*it;
}

// The longer side of the box around the row's joints with score >= min_score (at least 1 px).
double ConfidentScale(const std::vector<Keypoint>& row, double min_score) {
  double x1 = INFINITY, y1 = INFINITY, x2 = -INFINITY, y2 = -INFINITY;
  for (const Keypoint& k : row) {
    if (k.score < min_score) continue;
    x1 = std::min(x1, k.x);
    y1 = std::min(y1, k.y);
    x2 = std::max(x2, k.x);
    y2 = std::max(y2, k.y);
  }
  return x2 < x1 ? 1.0 : std::max({x2 - x1, y2 - y1, 1.0});
}

}  // namespace

InferTensor KeypointOutput(std::span<const std::vector<Keypoint>> rows, int joints) {
  const std::size_t k = static_cast<std::size_t>(joints);
  std::vector<float> values(rows.size() * k * kColumns, 0.0F);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < std::min(k, rows[i].size()); ++j) {
      float* row = &values[(i * k + j) * kColumns];
      row[0] = static_cast<float>(rows[i][j].x);
      row[1] = static_cast<float>(rows[i][j].y);
      row[2] = rows[i][j].score;
    }
  }
  InferTensor out;
  out.name = kKeypointsOutput;
  out.datatype = WireType::kFp32;
  out.shape = {static_cast<std::int64_t>(rows.size()), joints, kColumns};
  out.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return out;
}

TensorMetadata KeypointOutputMetadata(int joints) {
  return {std::string(kKeypointsOutput), WireType::kFp32, {-1, joints, kColumns}};
}

void AddKeypointParameters(const KeypointSchema& schema, Parameters& parameters) {
  parameters[std::string(kKeypointSchemaParameter)] = schema.name;
  parameters[std::string(kKeypointJointsParameter)] = fmt::format("{}", fmt::join(schema.joints, ","));
}

bool HasKeypointOutput(const InferResponse& response) { return FindOutput(response, kKeypointsOutput) != nullptr; }

Result<std::vector<std::vector<Keypoint>>> ReadKeypointOutput(const InferResponse& response) {
  const InferTensor* t = FindOutput(response, kKeypointsOutput);
  if (t == nullptr) {
    return Status::InvalidData(
        fmt::format("the answer has no output '{}': the model is not served as a keypoint model", kKeypointsOutput));
  }
  const bool ok = t->datatype == WireType::kFp32 && t->shape.size() == 3 && t->shape[2] == kColumns &&
                  t->ElementCount() >= 0 &&
                  t->data.size() == static_cast<std::size_t>(t->ElementCount()) * sizeof(float);
  if (!ok) {
    return Status::InvalidData(fmt::format("output '{}' is {} {}: it should be FP32 [B, K, 3]", kKeypointsOutput,
                                           WireTypeName(t->datatype), ShapeToString(t->shape)));
  }
  std::vector<float> values(t->data.size() / sizeof(float));
  std::memcpy(values.data(), t->data.data(), t->data.size());
  const auto rows = static_cast<std::size_t>(t->shape[0]);
  const auto k = static_cast<std::size_t>(t->shape[1]);
  std::vector<std::vector<Keypoint>> out(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      const float* v = &values[(i * k + j) * kColumns];
      out[i].push_back({v[0], v[1], v[2]});
    }
  }
  return out;
}

Result<std::vector<std::string>> ReadKeypointJoints(const InferResponse& response, std::size_t joints) {
  const auto it = response.parameters.find(std::string(kKeypointJointsParameter));
  const std::string* text = it == response.parameters.end() ? nullptr : std::get_if<std::string>(&it->second);
  if (text == nullptr) {
    return Status::InvalidData(
        fmt::format("the answer has no string parameter '{}' naming its joints", kKeypointJointsParameter));
  }
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= text->size();) {
    const std::size_t comma = std::min(text->find(',', start), text->size());
    names.push_back(text->substr(start, comma - start));
    start = comma + 1;
  }
  if (names.size() != joints) {
    return Status::InvalidData(fmt::format("parameter '{}' names {} joints, the output '{}' holds {}",
                                           kKeypointJointsParameter, names.size(), kKeypointsOutput, joints));
  }
  return names;
}

KeypointAnswerAgreement CompareKeypointAnswers(std::span<const std::vector<Keypoint>> fast,
                                               std::span<const std::vector<Keypoint>> accurate, double min_score,
                                               double alpha) {
  KeypointAnswerAgreement out;
  double distance_sum = 0.0;
  for (std::size_t i = 0; i < std::min(fast.size(), accurate.size()); ++i) {
    const double scale = ConfidentScale(accurate[i], min_score);
    for (std::size_t j = 0; j < std::min(fast[i].size(), accurate[i].size()); ++j) {
      const Keypoint& f = fast[i][j];
      const Keypoint& a = accurate[i][j];
      if (f.score < min_score || a.score < min_score) continue;
      const double d = std::hypot(f.x - a.x, f.y - a.y);
      ++out.compared;
      distance_sum += d;
      if (d <= alpha * scale) ++out.within;
    }
  }
  if (out.compared > 0) {
    out.mean_distance_px = distance_sum / static_cast<double>(out.compared);
    out.share = static_cast<double>(out.within) / static_cast<double>(out.compared);
  }
  return out;
}

}  // namespace sweetspot
