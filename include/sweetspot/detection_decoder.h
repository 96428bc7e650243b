// Detection decoders: a detector's raw outputs -> per-image detections in
// model INPUT pixels, score-filtered and NMS'd. The evaluation maps them to
// the original image with MapBoxToImage (detection.h).
//
// Layouts (N: batch, C: classes, S x S or W x H: the model input in pixels):
//   yolo          (a) one output [N, boxes, 5 + C]: box (box_format), objectness,
//                     C class scores; score = objectness x class score (YOLOv5/v7).
//   yolox         (b) one output [N, cells, 5 + C] of raw grid offsets, cells the
//                     (H/s) x (W/s) grids of `strides` concatenated in order, each
//                     row-major (grid_x fastest): cx = (raw_x + grid_x) s,
//                     cy = (raw_y + grid_y) s, w = exp(raw_w) s, h = exp(raw_h) s;
//                     objectness and class scores already sigmoided, as YOLOX's
//                     ONNX export (decode_in_inference off) writes them; score =
//                     objectness x class score (YOLOX's yolo_head.py, decode_outputs).
//   yolov8        (c) one output [N, 4 + C, boxes]: box then C class scores, no
//                     objectness (Ultralytics YOLOv8/v11).
//   boxes-scores  (d) boxes [N, K, 4] and either scores [N, K] with labels [N, K]
//                     (integer, or float holding integers) or scores [N, K, C].
//                     Roles from names ("box", "score", "label"/"class") and,
//                     failing that, shapes and dtypes.
//   nms           (e) a graph ending in ONNX NonMaxSuppression: selected_indices
//                     [M, 3] integer (batch, class, box) plus the boxes [N, B, 4]
//                     and scores [N, C, B] it selected from (NonMaxSuppression's
//                     own inputs), which the graph must also return. Each selected
//                     triple gives one detection; this decoder's NMS then runs
//                     again (a no-op when iou_threshold >= the graph's).
//   nanodet       (f) per stride s of `strides`: cls_pred_stride_<s> [N, cells, C]
//                     (sigmoided class scores, no objectness) and
//                     dis_pred_stride_<s> [N, cells, 4], distances left, top,
//                     right, bottom from the cell centre ((x + 0.5) s, (y + 0.5) s)
//                     in units of s: x1 = cx - l s, y1 = cy - t s, x2 = cx + r s,
//                     y2 = cy + b s; cells row-major over the (H/s) x (W/s) grid
//                     (NanoDet as exported by lite.ai.toolkit).
// Boxes of (a), (c), (d), (e) are in `box_format`: "cxcywh", "xyxy" or "yxyx"
// (y1 x1 y2 x2, ONNX NonMaxSuppression's center_point_box = 0 order), input
// pixels, or fractions of the input size when `normalized_boxes`.
// Scores are taken as probabilities in [0, 1]. Outputs may be float32,
// float16 or float64 (labels and selected indices also int32/int64).
//
// Candidates: each box's best class (as the reference figures of
// ../shared/data/README.md were computed: NanoDet 0.5x reproduces its
// mAP@0.5 55.55 % exactly), or with `multi_label` every (box, class) pair
// whose score reaches score_threshold (NanoDet's multiclass_nms and YOLOv5/v8
// validation; on those 100 images +0.1 to +1.6 points of mAP@0.5, and about
// 8x the decoding time at threshold 0.001: 10 ms per image, not 1.3).
// The default score_threshold 0.001 keeps nearly every candidate: AP
// integrates precision over the whole recall range, and a higher threshold
// cuts the PR curve short (lower mAP); it is what YOLOv5/v8 and mmdetection
// use for COCO mAP.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

enum class DetectionLayout {
  kBoxesObjectness,        // (a) [N, boxes, 5+C]: cx cy w h (or xyxy) in input pixels, objectness, C scores
  kGridObjectness,         // (b) same but raw grid offsets: YOLOX-style decoding over `strides`
  kBoxesScoresTransposed,  // (c) [N, 4+C, boxes], no objectness (YOLOv8-style)
  kSeparateOutputs,        // (d) boxes [N,K,4] + scores [N,K] (+ labels [N,K]) or scores [N,K,C]
  kNmsInside,              // (e) graph ends in NonMaxSuppression (selected indices [M,3] + boxes/scores)
  kPerStrideDistances      // (f) NanoDet/GFL: cls_pred_stride_s [N,cells,C] + dis_pred_stride_s [N,cells,4]
};
std::string_view DetectionLayoutName(DetectionLayout);  // yolo|yolox|yolov8|boxes-scores|nms|nanodet
// InvalidArgument naming the value and listing the names.
Result<DetectionLayout> ParseDetectionLayout(std::string_view);

inline constexpr std::string_view kDetectionMetadataKey = "sweetspot.detection";

struct DetectorSpec {  // TOML in the model's metadata_props kDetectionMetadataKey
  DetectionLayout layout = DetectionLayout::kBoxesObjectness;
  std::vector<int> strides = {8, 16, 32};  // (b), (f)
  std::string box_format = "cxcywh";       // (a), (c), (d), (e): cxcywh | xyxy | yxyx
  bool normalized_boxes = false;           // (d), (e): boxes in [0,1] of the input size
  int label_offset = 0;                    // (d), (e): subtract from labels (background at 0)
  std::vector<std::string> class_names;    // the model's classes, output order ("" → indices)
  // The TOML key `classes` as written: "coco80" or a class-list file (one
  // name per line); the caller resolves it into class_names
  // (LoadClassList, detection_classes.h). "" when not given.
  std::string classes;
  double score_threshold = 0.001;  // keep scores >= this (0.001 for mAP)
  double iou_threshold = 0.6;      // class-wise NMS: suppress IoU > this
  int max_detections = 100;        // per image, after NMS, best scores first
  bool class_agnostic_nms = false;
  bool multi_label = true;                    // every class reaching the threshold, else each box's best
  std::map<std::string, std::string> set_by;  // key -> who set it, like PreprocessSpec

  // Canonical TOML text of every key (set_by left out), readable by ParseDetectorToml.
  std::string ToToml() const;
  // Positive strides, known box_format, thresholds in [0, 1], max_detections
  // > 0, label_offset >= 0; InvalidArgument naming the key and who set it.
  Status Validate() const;
  // " (from dec.toml line 3)" for a key a layer set, "" for a default.
  std::string Origin(std::string_view key) const;
};

// Overlays the keys of TOML `text` onto `base`, recording `source` in set_by.
// Keys: layout, strides, box_format, normalized_boxes, label_offset,
// class_names (array of strings), classes (string), score_threshold,
// iou_threshold, max_detections, class_agnostic_nms, multi_label. Unknown keys
// and wrong types are InvalidData naming the source, line and key; `validate`
// as ParsePreprocessToml's.
Result<DetectorSpec> ParseDetectorToml(std::string_view text, const PreprocessSource& source,
                                       const DetectorSpec& base = {}, bool validate = true);
// ParseDetectorToml of a file (errors name the path).
Result<DetectorSpec> LoadDetectorFile(const std::filesystem::path& path, const DetectorSpec& base = {},
                                      bool validate = true);

// Picks the layout from output names/shapes/dtypes when `base` does not set
// it (set_by has no "layout"); else checks the set layout fits. Fills strides
// of nanodet from the output names (unless set). The error (InvalidArgument)
// lists every layout tried and why each did not fit, with the fix as a
// FieldFix on "decoder" (the decoder key `layout`): when a set layout does
// not fit but the outputs fit another, the message names it ("the outputs
// fit 'nanodet'") and the fix is {"decoder", "", {"nanodet"}}; otherwise
// {"decoder", "", {"LAYOUT"}}.
// `input` is the image input ([N,C,H,W] or [N,H,W,C]; its H and W size grids).
Result<DetectorSpec> DetectDetectorLayout(std::span<const TensorInfo> outputs, const TensorInfo& input,
                                          DetectorSpec base = {});

// Decodes one batch's outputs (Session::Run order: `output_infos` are the
// session's outputs(), non-tensor values skipped to line up with `outputs`)
// into per-item detections in INPUT pixel coordinates (input_width x
// input_height), score-filtered, NMS'd (spec thresholds), at most
// max_detections, best first. NaN/Inf in an output: InvalidData naming the
// output and the item. Shapes that do not fit the layout: InvalidArgument
// naming the output and the expected shape.
Result<std::vector<std::vector<Detection>>> DecodeDetections(const DetectorSpec& spec,
                                                             std::span<const TensorInfo> output_infos,
                                                             std::span<const Tensor> outputs, int input_width,
                                                             int input_height);

// Greedy class-wise (or agnostic) NMS: in descending score order (ties: the
// lower index first), a detection is dropped when its IoU with a kept one of
// the same class (any class when agnostic) exceeds iou_threshold; stops at
// max_detections kept (<= 0: no limit). Returns the kept, best score first.
std::vector<Detection> NonMaxSuppression(std::vector<Detection> detections, double iou_threshold, int max_detections,
                                         bool class_agnostic = false);

}  // namespace sweetspot
