// Class lists of detection models and how a model's classes score against a
// dataset's: a detector names its outputs' classes (COCO's 80 for most
// pretrained ones), a dataset has its own list (Pascal VOC's 20, a YOLO
// data.yaml's names, ...), and evaluation compares them by name.
//
// Thread-safety: pure functions; Coco80ClassNames() returns a shared
// immutable list.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/status.h"

namespace sweetspot {

// The 80 COCO detection class names in the order pretrained COCO detectors
// output them (category ids 1..90 without the 10 unused ones, as
// pycocotools/Detectron/YOLO list them): "person", "bicycle", ...,
// "toothbrush".
const std::vector<std::string>& Coco80ClassNames();

// A model's class list from a spec value: "coco80" (Coco80ClassNames()) or
// the path of a text file with one name per line (the line's position is the
// class index; surrounding whitespace and blank lines are dropped, as in the
// dataset class-name files of dataset.h). Errors: an empty value, a file
// that cannot be read or lists no name (InvalidArgument/InvalidData naming
// the file).
Result<std::vector<std::string>> LoadClassList(std::string_view value);

// For each model class, the index of the dataset class it scores as, or -1
// (not scored: its detections are dropped before scoring). Names match after
// lower-casing and the Pascal VOC -> COCO aliases (aeroplane -> airplane,
// motorbike -> motorcycle, sofa -> couch, tvmonitor -> tv, diningtable ->
// dining table, pottedplant -> potted plant), applied to both lists; a name
// listed twice in the dataset maps to its first position. Fails
// (InvalidArgument naming the first names of both lists, with a FieldFix
// "model_classes") when no class is shared: the model's list is then not the
// one its outputs follow.
Result<std::vector<int>> MapDetectionClasses(std::span<const std::string> model_classes,
                                             std::span<const std::string> dataset_classes);

}  // namespace sweetspot
