// Keypoints: the plain value types every part of the keypoint task shares
// (schemas, person crops, decoders, datasets, metrics, video tracking,
// stability, the study, the report and the server).
//
// Coordinates are pixels of the ORIGINAL image (before any crop or resize),
// x to the right, y down, continuous: pixel column i covers [i, i + 1) and
// its centre is i + 0.5 (COCO's keypoint convention for annotations is the
// same continuous frame; MPII's joints are taken as given).
//
// A KeypointSchema names a model's or a dataset's joints in their order, the
// skeleton drawn between them, the per-joint OKS sigmas (COCO only) and the
// joint angles derived from them. Two schemas are compared on the joints they
// share by name (MapSchemas); the built-in ones use one naming so COCO-17,
// MPII-16 and EfficientPose-16 map onto each other (shoulders, elbows,
// wrists, hips, knees, ankles; MPII and EfficientPose also share head_top,
// upper_neck, thorax and pelvis).
//
// Thread-safety: plain value types; the functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweetspot/detection.h"
#include "sweetspot/status.h"

namespace sweetspot {

// One joint's location and confidence. `score` is the model's confidence for
// predictions (a heatmap's peak value, ~0..1) and, for labels, the
// visibility flag (COCO v: 0 not labelled, 1 labelled but occluded, 2
// visible; MPII joints_vis 0/1 mapped to 0/2).
struct Keypoint {
  double x = 0.0;
  double y = 0.0;
  float score = 0.0F;
};

// A derived joint angle, in degrees, from three joints named in the schema:
// the interior angle at `vertex` between the rays vertex->a and vertex->c
// (0..180), then value = sign * (interior - offset_deg). Knee flexion is
// (hip, knee, ankle) with offset 180, sign -1 (a straight leg is 0); hip
// abduction-adduction in the frontal plane is (other hip, hip, knee) with
// offset 90, sign +1 (the thigh perpendicular to the pelvis line is 0).
// 2-D angles only: they are the projections the image shows.
struct JointAngle {
  std::string name;  // "r_knee_flexion"
  std::string a;
  std::string vertex;
  std::string c;
  double offset_deg = 180.0;
  double sign = -1.0;
};

struct KeypointSchema {
  std::string name;                          // "coco17", "mpii16", "efficientpose16" or a custom schema's
  std::vector<std::string> joints;           // names in output/label order
  std::vector<std::pair<int, int>> skeleton;  // limbs as joint index pairs, for drawing
  // Per-joint OKS sigmas (COCO's published values for coco17, Ronchi & Perona
  // 2017 / cocoapi); empty when the schema has none (OKS is then undefined).
  std::vector<double> sigmas;
  std::vector<JointAngle> angles;  // the angles stability measures; joints named must exist

  int JointIndex(std::string_view joint) const;  // -1 when absent
  std::size_t size() const { return joints.size(); }
};

// The built-in schemas: "coco17", "mpii16" (MPII's order: r_ankle .. l_wrist),
// "efficientpose16" (EfficientPose's output order, see ../shared/data's
// README). Each declares knee and elbow flexion (left and right) and, where it
// has both hips and knees, hip abduction-adduction, named
// {l,r}_knee_flexion, {l,r}_elbow_flexion, {l,r}_hip_abduction_adduction.
// coco17's skeleton is cocoapi's; mpii16's and efficientpose16's are MPII's
// legs, arms, shoulders and the pelvis-thorax-neck-head line. Unknown name:
// NotFound listing the built-in names.
Result<KeypointSchema> BuiltinSchema(std::string_view name);
std::vector<std::string> BuiltinSchemaNames();

// A schema from a TOML file: name = "...", joints = [...], skeleton =
// [[a, b], ...] (joint names), sigmas = [...] (optional, one per joint),
// [[angles]] name/a/vertex/c/offset_deg/sign. Errors name the file, line and key.
Result<KeypointSchema> LoadSchemaFile(const std::filesystem::path& path);
// A built-in name, else a TOML file path (a name ending in .toml or an
// existing file); anything else is BuiltinSchema's NotFound.
Result<KeypointSchema> ResolveSchema(std::string_view name_or_path);

// For each joint of `to`, the index of the joint of `from` with the same
// name, or -1. InvalidArgument when no joint is shared ("schema 'a' and
// schema 'b' share no joint; give a schema whose joint names match", with
// the FieldFix {"schema"}).
Result<std::vector<int>> MapSchemas(const KeypointSchema& from, const KeypointSchema& to);

// One person: the box it was found in and its keypoints in a schema's order.
struct Person {
  Box box;                           // original-image pixels (a COCO bbox, an MPII centre/scale square, a track)
  std::vector<Keypoint> keypoints;   // labels (score = visibility) or predictions (score = confidence)
  double area = 0.0;                 // OKS's object area (COCO's annotation area; else the box's area)
  // PCKh's head size in pixels when the dataset gives one (MPII: 0.6 x the
  // head box diagonal; from head_top/upper_neck when no head box), else 0.
  double head_size = 0.0;
};

// One labelled image: its people in the dataset's schema.
struct KeypointImage {
  std::string id;              // stable within the dataset (relative path + person index for crops)
  std::filesystem::path path;  // the image file
  int width = 0;
  int height = 0;
  std::vector<Person> people;
};

}  // namespace sweetspot
