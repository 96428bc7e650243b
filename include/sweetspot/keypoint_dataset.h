// Labelled keypoint datasets: the persons of a COCO keypoint JSON or of an
// MPII-style JSON list, in the dataset's schema, as one flat list.
//
// Formats (told apart by content, not by name):
//  - COCO keypoints: a JSON object whose "categories" list "keypoints"
//    (person_keypoints_*.json). Schema "coco17"; each annotation of a keypoint
//    category is a person: bbox [x, y, w, h] -> Person::box, "area" ->
//    Person::area (the box's area when absent), keypoints [x, y, v] * 17 ->
//    Person::keypoints (score = v). head_size = 0 (COCO has no head boxes).
//    Image sizes come from the JSON (read from the image when absent).
//  - MPII-style: a JSON list of {"image", "joints": [[x, y]] * 16,
//    "joints_vis": [16], "center": [x, y], "scale"} (mmpose's MPII files).
//    Schema "mpii16"; score = 2 where joints_vis is 1, else 0. The person box
//    is the square of side scale * 200 px (MPII's scale: the person's height
//    over 200 px) centred on "center"; crops add the usual 1.25 padding
//    around it, as around a COCO box (side scale * 250 px). The box may
//    extend past the image (MPII's often do); its centre must lie inside it.
//    head_size = |head_top - upper_neck| when both are labelled, else 0:
//    the files carry no head boxes, so this is the head segment's length,
//    not MPII's 0.6 x head-box diagonal; "head"-normalised PCK on these files
//    is PCK over the head segment, close to but not the published PCKh.
// Images are looked for in `image_dir` when set, else beside the JSON.
// Persons without any labelled joint (all v = 0) are skipped and counted in
// `notes`; COCO crowd annotations are skipped likewise.
//
// Errors (one line naming the file and the element, with the fix):
// malformed JSON, a file in neither format, a joint count that does not
// match the schema, a person box outside its image, an image that does not
// exist or does not decode.
//
// Thread-safety: OpenKeypointDataset is reentrant; the result is a value.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sweetspot/keypoints.h"
#include "sweetspot/status.h"

namespace sweetspot {

struct KeypointDatasetOptions {
  std::filesystem::path image_dir;  // the images' folder; empty: the JSON's folder
};

// One labelled person: images[image] of its dataset.
struct LabelledPerson {
  std::size_t image = 0;
  Person person;
};

struct KeypointDataset {
  std::string format;                   // "coco" | "mpii"
  std::filesystem::path file;           // the JSON read
  KeypointSchema schema;                // coco17 | mpii16
  std::vector<KeypointImage> images;    // in file order; `people` left empty (the persons are below)
  std::vector<LabelledPerson> persons;  // in file order, skipped ones left out
  std::vector<std::string> notes;       // e.g. "2 persons skipped: no labelled joint (annotations[3], ...)"
};

Result<KeypointDataset> OpenKeypointDataset(const std::filesystem::path& path,
                                            const KeypointDatasetOptions& options = {});

// True when `path` is a JSON file in one of the two formats above (told
// apart as OpenKeypointDataset does; nothing else is checked): how `eval`
// picks the keypoint task. A COCO instances file without "keypoints" is not.
bool IsKeypointDataset(const std::filesystem::path& path);

}  // namespace sweetspot
