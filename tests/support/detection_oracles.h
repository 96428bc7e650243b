// Oracle detectors: ONNX models whose outputs hold given boxes in each
// detection layout's form, so decoders, NMS and the whole evaluation can be
// checked against known answers with the real ONNX Runtime.
#pragma once

#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/detection.h"
#include "sweetspot/detection_decoder.h"

namespace sweetspot::testing {

// Input "images" float32 [1,3,S,S] (S = input_size, a multiple of 32). The
// model reads pixel (0,0) of channel 0 times 255, rounded, as the image's
// index i into `boxes_per_image` (WriteShapesDataset puts it there; read with
// preprocessing bgr, scale 1/255, exact resize) and Gathers image i's
// constant boxes into the outputs `layout` has, as DetectorSpec's defaults
// read them (box_format cxcywh, strides 8, 16, 32):
//   yolo          "output" [1, 3 * cells, 5+C] (three rows per grid cell, as
//                 YOLOv5's anchors), box j in row j, objectness 1;
//   yolox         "output" [1, cells, 5+C] raw offsets, box j in stride 8's cell j;
//   yolov8        "output0" [1, 4+C, cells], box j in column j;
//   boxes-scores  "boxes" [1,K,4], "scores" [1,K], "labels" [1,K] int64;
//   nms           "selected_indices" [M,3] from a real NonMaxSuppression
//                 (IoU threshold 1: it keeps every box of score > 0),
//                 "boxes" [1,K,4] and "scores" [1,C,K];
//   nanodet       cls_pred_stride_s [1, cells_s, C] and dis_pred_stride_s
//                 [1, cells_s, 4] for s = 8, 16, 32, box j in stride 8's cell j.
// cells = the sum over the strides of (S/s)^2; K = the most boxes of an image.
// Each box's class score is its Detection::score (other classes 0), so
// decoding returns exactly the boxes (in input pixels of the S x S input),
// classes and scores given, up to float rounding (yolox: exp/log, ~1e-4 px).
// Requires at most (S/8)^2 boxes per image and class ids in [0, classes).
onnx::ModelProto OracleDetector(DetectionLayout layout, const std::vector<std::vector<Detection>>& boxes_per_image,
                                int classes, int input_size);

}  // namespace sweetspot::testing
