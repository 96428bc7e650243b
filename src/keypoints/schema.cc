// The built-in keypoint schemas, schema lookup and the mapping between two
// schemas by joint name.
#include <algorithm>
#include <cassert>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sweetspot/keypoints.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

using Limb = std::pair<std::string_view, std::string_view>;

// COCO's per-joint OKS sigmas (cocoapi PythonAPI/pycocotools/cocoeval.py,
// `sigmas = np.array([.26, .25, ...]) / 10.0`), in coco17's joint order.
constexpr double kCocoSigmas[] = {.026, .025, .025, .035, .035, .079, .079, .072, .072,
                                  .062, .062, .107, .107, .087, .087, .089, .089};

// Knee and elbow flexion on both sides (a straight limb is 0 degrees) and
// hip abduction-adduction on both sides (the thigh perpendicular to the
// pelvis line is 0), as JointAngle documents; every built-in schema has the
// hips, knees, ankles, shoulders, elbows and wrists they need.
std::vector<JointAngle> StandardAngles() {
  std::vector<JointAngle> angles;
  for (const std::string side : {"l", "r"}) {
    angles.push_back({side + "_knee_flexion", side + "_hip", side + "_knee", side + "_ankle", 180.0, -1.0});
    angles.push_back({side + "_elbow_flexion", side + "_shoulder", side + "_elbow", side + "_wrist", 180.0, -1.0});
  }
  angles.push_back({"l_hip_abduction_adduction", "r_hip", "l_hip", "l_knee", 90.0, 1.0});
  angles.push_back({"r_hip_abduction_adduction", "l_hip", "r_hip", "r_knee", 90.0, 1.0});
  return angles;
}

// A built-in schema from joint names and limbs named by joint (every name
// exists: the tables below are fixed).
KeypointSchema Build(std::string name, std::initializer_list<std::string_view> joints, std::span<const Limb> limbs) {
  KeypointSchema schema;
  schema.name = std::move(name);
  for (std::string_view joint : joints) schema.joints.emplace_back(joint);
  for (const auto& [a, b] : limbs) {
    assert(schema.JointIndex(a) >= 0 && schema.JointIndex(b) >= 0);
    schema.skeleton.emplace_back(schema.JointIndex(a), schema.JointIndex(b));
  }
  schema.angles = StandardAngles();
  return schema;
}

// cocoapi's person skeleton (person_keypoints annotations' "skeleton").
constexpr Limb kCocoLimbs[] = {
    {"l_ankle", "l_knee"},    {"l_knee", "l_hip"},      {"r_ankle", "r_knee"},       {"r_knee", "r_hip"},
    {"l_hip", "r_hip"},       {"l_shoulder", "l_hip"},  {"r_shoulder", "r_hip"},     {"l_shoulder", "r_shoulder"},
    {"l_shoulder", "l_elbow"}, {"r_shoulder", "r_elbow"}, {"l_elbow", "l_wrist"},     {"r_elbow", "r_wrist"},
    {"l_eye", "r_eye"},       {"nose", "l_eye"},        {"nose", "r_eye"},           {"l_eye", "l_ear"},
    {"r_eye", "r_ear"},       {"l_ear", "l_shoulder"},  {"r_ear", "r_shoulder"}};

KeypointSchema Coco17() {
  KeypointSchema schema =
      Build("coco17",
            {"nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist",
             "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle"},
            kCocoLimbs);
  schema.sigmas.assign(std::begin(kCocoSigmas), std::end(kCocoSigmas));
  return schema;
}

// MPII's limbs: the legs and arms, pelvis-thorax-neck-head up the middle.
constexpr Limb kMpiiLimbs[] = {
    {"r_ankle", "r_knee"},      {"r_knee", "r_hip"},      {"r_hip", "pelvis"},       {"l_hip", "pelvis"},
    {"l_hip", "l_knee"},        {"l_knee", "l_ankle"},    {"pelvis", "thorax"},      {"thorax", "upper_neck"},
    {"upper_neck", "head_top"}, {"r_wrist", "r_elbow"},   {"r_elbow", "r_shoulder"}, {"r_shoulder", "thorax"},
    {"l_shoulder", "thorax"},   {"l_shoulder", "l_elbow"}, {"l_elbow", "l_wrist"}};

KeypointSchema Mpii16() {
  return Build("mpii16",
               {"r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax", "upper_neck",
                "head_top", "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist"},
               kMpiiLimbs);
}

KeypointSchema EfficientPose16() {
  return Build("efficientpose16",
               {"head_top", "upper_neck", "r_shoulder", "r_elbow", "r_wrist", "thorax", "l_shoulder", "l_elbow",
                "l_wrist", "pelvis", "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle"},
               kMpiiLimbs);
}

}  // namespace

std::vector<std::string> BuiltinSchemaNames() { return {"coco17", "mpii16", "efficientpose16"}; }

Result<KeypointSchema> BuiltinSchema(std::string_view name) {
  if (name == "coco17") return Coco17();
  if (name == "mpii16") return Mpii16();
  if (name == "efficientpose16") return EfficientPose16();
  return Status::NotFound(fmt::format("unknown keypoint schema '{}' (built-in: {}; or a schema TOML file)",
                                      SafeText(name), fmt::join(BuiltinSchemaNames(), ", ")));
}

Result<KeypointSchema> ResolveSchema(std::string_view name_or_path) {
  const auto names = BuiltinSchemaNames();
  if (std::find(names.begin(), names.end(), name_or_path) != names.end()) return BuiltinSchema(name_or_path);
  const std::filesystem::path path(name_or_path);
  std::error_code error;
  if (path.extension() == ".toml" || std::filesystem::exists(path, error)) return LoadSchemaFile(path);
  return BuiltinSchema(name_or_path);
}

Result<std::vector<int>> MapSchemas(const KeypointSchema& from, const KeypointSchema& to) {
  std::vector<int> map;
  map.reserve(to.size());
  for (const auto& joint : to.joints) map.push_back(from.JointIndex(joint));
  if (std::all_of(map.begin(), map.end(), [](int index) { return index < 0; })) {
    return Status::FromCode(
        StatusCode::kInvalidArgument,
        fmt::format("schema '{}' and schema '{}' share no joint; give a schema whose joint names match",
                    SafeText(from.name), SafeText(to.name)),
        {FieldFix{"schema", "", {}}});
  }
  return map;
}

}  // namespace sweetspot
