// A custom keypoint schema from a TOML file (LoadSchemaFile, keypoints.h).
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sweetspot/edit_distance.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/preprocess_toml.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

constexpr std::string_view kKnownKeys = "name, joints, skeleton, sigmas, angles";
constexpr std::string_view kKnownAngleKeys = "name, a, vertex, c, offset_deg, sign";

// "schema.toml line 3: 'joints'" for errors about `key` at `node`.
std::string Where(const std::string& file, const toml::node& node, std::string_view key) {
  return fmt::format("{} line {}: '{}'", file, node.source().begin.line, key);
}

Result<std::vector<std::string>> Strings(const std::string& file, const toml::node& node, std::string_view key) {
  const auto* array = node.as_array();
  if (array == nullptr || array->empty() || !array->is_homogeneous<std::string>()) {
    return Status::InvalidData(Where(file, node, key) + " must be a non-empty array of strings");
  }
  std::vector<std::string> out;
  for (const auto& element : *array) out.push_back(*element.value<std::string>());
  return out;
}

// A joint name of `key` that must be one of the schema's joints. A name
// within 2 edits of a listed one is a typo: adding it to 'joints' would give
// the schema one joint more than the model has.
Result<int> Joint(const KeypointSchema& schema, const std::string& file, const toml::node& node,
                  std::string_view key, const std::string& joint) {
  const int index = schema.JointIndex(joint);
  if (index >= 0) return index;
  const auto closest = std::min_element(schema.joints.begin(), schema.joints.end(), [&](const auto& x, const auto& y) {
    return EditDistance(joint, x) < EditDistance(joint, y);
  });
  const std::string fix = closest != schema.joints.end() && EditDistance(joint, *closest) <= 2
                              ? fmt::format("write '{}' (a listed joint), or add '{}' to 'joints'", *closest,
                                            SafeText(joint))
                              : "add it to 'joints'";
  return Status::InvalidData(fmt::format("{} names joint '{}', which 'joints' does not list; {}",
                                         Where(file, node, key), SafeText(joint), fix));
}

Status ReadSkeleton(KeypointSchema& schema, const std::string& file, const toml::node& node) {
  const auto* limbs = node.as_array();
  if (limbs == nullptr) return Status::InvalidData(Where(file, node, "skeleton") + " must be an array of [a, b]");
  for (const auto& limb : *limbs) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::vector<std::string> ends, Strings(file, limb, "skeleton"));
    if (ends.size() != 2) {
      return Status::InvalidData(Where(file, limb, "skeleton") + " limbs are pairs of joint names [a, b]");
    }
    SWEETSPOT_ASSIGN_OR_RETURN(int a, Joint(schema, file, limb, "skeleton", ends[0]));
    SWEETSPOT_ASSIGN_OR_RETURN(int b, Joint(schema, file, limb, "skeleton", ends[1]));
    schema.skeleton.emplace_back(a, b);
  }
  return Status::Ok();
}

Status ReadSigmas(KeypointSchema& schema, const std::string& file, const toml::node& node) {
  const auto* array = node.as_array();
  const auto bad = [&] {
    return Status::InvalidData(fmt::format("{} must be {} positive numbers, one per joint", Where(file, node, "sigmas"),
                                           schema.size()));
  };
  if (array == nullptr || array->size() != schema.size()) return bad();
  for (const auto& element : *array) {
    const auto sigma = element.value<double>();
    if (!sigma || !(*sigma > 0.0)) return bad();
    schema.sigmas.push_back(*sigma);
  }
  return Status::Ok();
}

Status ReadAngle(KeypointSchema& schema, const std::string& file, const toml::table& table) {
  JointAngle angle;
  for (auto&& [key_node, node] : table) {
    const std::string_view key = key_node.str();
    const auto text = node.value<std::string>();
    const auto number = node.value<double>();
    if (key == "name" || key == "a" || key == "vertex" || key == "c") {
      if (!text) return Status::InvalidData(Where(file, node, fmt::format("angles.{}", key)) + " must be a string");
      if (key != "name") SWEETSPOT_RETURN_IF_ERROR(Joint(schema, file, node, fmt::format("angles.{}", key), *text).status());
      (key == "name" ? angle.name : key == "a" ? angle.a : key == "vertex" ? angle.vertex : angle.c) = *text;
    } else if (key == "offset_deg" || key == "sign") {
      if (!number) return Status::InvalidData(Where(file, node, fmt::format("angles.{}", key)) + " must be a number");
      (key == "sign" ? angle.sign : angle.offset_deg) = *number;
    } else {
      return Status::InvalidData(fmt::format("{} is unknown (known: {})", Where(file, node, fmt::format("angles.{}", key)),
                                             kKnownAngleKeys));
    }
  }
  if (angle.name.empty() || angle.a.empty() || angle.vertex.empty() || angle.c.empty()) {
    return Status::InvalidData(fmt::format("{} line {}: an [[angles]] entry needs name, a, vertex and c", file,
                                           table.source().begin.line));
  }
  schema.angles.push_back(std::move(angle));
  return Status::Ok();
}

Status ReadAngles(KeypointSchema& schema, const std::string& file, const toml::node& node) {
  const auto* tables = node.as_array();
  if (tables == nullptr || !tables->is_homogeneous<toml::table>()) {
    return Status::InvalidData(Where(file, node, "angles") + " must be [[angles]] tables");
  }
  for (const auto& table : *tables) SWEETSPOT_RETURN_IF_ERROR(ReadAngle(schema, file, *table.as_table()));
  return Status::Ok();
}

// `joints` first: the other keys name joints.
Status ReadJoints(KeypointSchema& schema, const std::string& file, const toml::table& table) {
  const toml::node* node = table.get("joints");
  if (node == nullptr) return Status::InvalidData(file + ": 'joints' is missing; list the joint names in output order");
  SWEETSPOT_ASSIGN_OR_RETURN(schema.joints, Strings(file, *node, "joints"));
  std::set<std::string> seen;
  for (const auto& joint : schema.joints) {
    if (!seen.insert(joint).second) {
      return Status::InvalidData(fmt::format("{} lists '{}' twice; joint names must be unique",
                                             Where(file, *node, "joints"), SafeText(joint)));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<KeypointSchema> LoadSchemaFile(const std::filesystem::path& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status().WithContext("keypoint schema file");
  const std::string file = SafeText(path.string());
  SWEETSPOT_ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(*text, file));
  KeypointSchema schema;
  SWEETSPOT_RETURN_IF_ERROR(ReadJoints(schema, file, table));
  for (auto&& [key_node, node] : table) {
    const std::string_view key = key_node.str();
    if (key == "name") {
      const auto name = node.value<std::string>();
      if (!name || name->empty()) return Status::InvalidData(Where(file, node, key) + " must be a non-empty string");
      schema.name = *name;
    } else if (key == "skeleton") {
      SWEETSPOT_RETURN_IF_ERROR(ReadSkeleton(schema, file, node));
    } else if (key == "sigmas") {
      SWEETSPOT_RETURN_IF_ERROR(ReadSigmas(schema, file, node));
    } else if (key == "angles") {
      SWEETSPOT_RETURN_IF_ERROR(ReadAngles(schema, file, node));
    } else if (key != "joints") {
      return Status::InvalidData(fmt::format("{} is unknown (known: {})", Where(file, node, key), kKnownKeys));
    }
  }
  if (schema.name.empty()) return Status::InvalidData(file + ": 'name' is missing; give the schema a name");
  return schema;
}

}  // namespace sweetspot
