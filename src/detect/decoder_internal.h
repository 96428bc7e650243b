// Private pieces of the detection decoders (detection_decoder.h): which
// output plays which role in each layout, reading outputs as floats, and the
// per-layout decoders that turn one batch into candidate detections (before
// score filtering of the pairs they skip and before NMS).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/detection_decoder.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot::detect_internal {

// Positions (in the outputs given to MatchLayout) of each role; -1: absent.
struct LayoutOutputs {
  int rows = -1;      // yolo, yolox, yolov8: the one output of box rows
  int boxes = -1;     // boxes-scores, nms
  int scores = -1;    // boxes-scores, nms
  int labels = -1;    // boxes-scores: [N,K] labels (absent with [N,K,C] scores)
  int selected = -1;  // nms: selected_indices [M,3]
  // nanodet: (cls_pred, dis_pred) per stride, in `strides` order.
  std::vector<int> strides;
  std::vector<std::pair<int, int>> per_stride;
};

// The roles of `outputs` in `layout`, or InvalidArgument saying why they do
// not fit (naming the output and the expected shape). Unknown dimensions
// (negative) fit any value; width/height <= 0 are unknown. nanodet's strides
// come from the output names, checked against spec.strides when
// `strides_fixed`.
Result<LayoutOutputs> MatchLayout(DetectionLayout layout, std::span<const TensorInfo> outputs, const DetectorSpec& spec,
                                  int width, int height, bool strides_fixed);

// An output's values as float32: a view of a float32 tensor, a converted copy
// of float64 and integer ones.
class FloatValues {
 public:
  static Result<FloatValues> Of(const std::string& name, const Tensor& tensor);
  std::span<const float> values() const { return converted_ ? std::span<const float>(owned_) : view_; }

 private:
  bool converted_ = false;
  std::vector<float> owned_;
  std::span<const float> view_;
};

// InvalidData "output 'NAME' item I: ..." for the first NaN/Inf of each of
// the `items` equal slices of `values`.
Status CheckFinite(const std::string& name, std::span<const float> values, std::int64_t items);

// A box from four numbers in spec.box_format (scaled by the input size when
// spec.normalized_boxes).
Box MakeBox(const DetectorSpec& spec, float a, float b, float c, float d, int width, int height);

// Appends the candidates of one box: score = multiplier x class_scores[c],
// every class reaching spec.score_threshold (multi_label) or the best one.
void AddCandidates(const DetectorSpec& spec, const Box& box, std::span<const float> class_scores, float multiplier,
                   std::vector<Detection>& out);

// InvalidArgument when spec.class_names is given and has another count.
Status CheckClassCount(const DetectorSpec& spec, const std::string& output, std::int64_t classes);

struct DecodeInput {
  const DetectorSpec& spec;
  std::span<const TensorInfo> infos;  // names with the tensors' actual shapes
  std::span<const Tensor> tensors;
  const LayoutOutputs& roles;
  int width;
  int height;
};
using Candidates = std::vector<std::vector<Detection>>;  // per batch item

Result<Candidates> DecodeBoxRows(const DecodeInput& in);    // yolo, yolox, yolov8
Result<Candidates> DecodeSeparate(const DecodeInput& in);   // boxes-scores
Result<Candidates> DecodeSelected(const DecodeInput& in);   // nms
Result<Candidates> DecodePerStride(const DecodeInput& in);  // nanodet

}  // namespace sweetspot::detect_internal
