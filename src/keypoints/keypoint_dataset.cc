// COCO keypoint and MPII-style JSON (nlohmann-json). Errors name the JSON and
// the array element (`annotations[12] (id 345)`, `[3] (image 'x.jpg')`),
// since JSON values carry no line numbers.
#include "sweetspot/keypoint_dataset.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/label_files.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A JSON array of `size` numbers (size 0: any length).
bool IsNumberArray(const json& value, std::size_t size = 0) {
  return value.is_array() && (size == 0 || value.size() == size) &&
         std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_number(); });
}

bool AnyLabelled(const std::vector<Keypoint>& keypoints) {
  return std::any_of(keypoints.begin(), keypoints.end(), [](const Keypoint& k) { return k.score > 0.0F; });
}

// Persons left out, for the notes: how many and which elements.
struct Skipped {
  std::vector<std::string> elements;
  void AddNote(const std::string& why, std::vector<std::string>& notes) const {
    if (elements.empty()) return;
    std::string list;
    for (std::size_t i = 0; i < elements.size() && i < 5; ++i) list += (i == 0 ? "" : ", ") + elements[i];
    notes.push_back(fmt::format("{} person(s) skipped: {} ({}{})", elements.size(), why, list,
                                elements.size() > 5 ? ", ..." : ""));
  }
};

// The image `name` in `folder` with its size (`width`/`height` > 0: as given).
Result<KeypointImage> LocateImage(const fs::path& file, const fs::path& folder, const std::string& name,
                                  const std::string& element, int width, int height) {
  KeypointImage image{.id = name, .path = folder / name, .width = width, .height = height, .people = {}};
  std::error_code ec;
  if (!fs::is_regular_file(image.path, ec)) {
    return Status::NotFound(fmt::format(
        "{}: image '{}' ({}) is not in {}; add it, or set image_dir to the folder holding the images",
        SafeText(file.string()), SafeText(name), element, SafeText(folder.string())));
  }
  if (image.width <= 0 || image.height <= 0) {
    SWEETSPOT_ASSIGN_OR_RETURN(const cv::Size size, ReadImageSize(image.path));
    image.width = size.width;
    image.height = size.height;
  }
  return image;
}

// ---------------------------------------------------------------- COCO

bool IsCocoKeypoints(const json& doc) {
  if (!doc.is_object() || !doc.contains("categories") || !doc["categories"].is_array()) return false;
  const json& categories = doc["categories"];
  return std::any_of(categories.begin(), categories.end(),
                     [](const json& c) { return c.is_object() && c.contains("keypoints"); });
}

// Ids of the categories with keypoints; each must list the schema's joint count.
Result<std::set<std::int64_t>> KeypointCategories(const fs::path& file, const json& categories,
                                                  const KeypointSchema& schema) {
  std::set<std::int64_t> ids;
  for (std::size_t i = 0; i < categories.size(); ++i) {
    const json& c = categories[i];
    if (!c.is_object() || !c.contains("keypoints")) continue;
    if (!c.contains("id") || !c["id"].is_number_integer() || !c["keypoints"].is_array()) {
      return Status::InvalidData(fmt::format("{}: categories[{}] needs an integer \"id\" and a \"keypoints\" list; fix it",
                                             SafeText(file.string()), i));
    }
    if (c["keypoints"].size() != schema.size()) {
      return Status::InvalidData(fmt::format(
          "{}: categories[{}] lists {} keypoints, but {} has {}; give a COCO-17 keypoint file",
          SafeText(file.string()), i, c["keypoints"].size(), schema.name, schema.size()));
    }
    ids.insert(c["id"].get<std::int64_t>());
  }
  return ids;
}

Status ReadCocoImages(const fs::path& file, const json& doc, const fs::path& folder, KeypointDataset& out,
                      std::unordered_map<std::int64_t, std::size_t>& image_of_id) {
  if (!doc.contains("images") || !doc["images"].is_array()) {
    return Status::InvalidData(fmt::format("{}: no \"images\" array; fix the file", SafeText(file.string())));
  }
  const json& images = doc["images"];
  for (std::size_t i = 0; i < images.size(); ++i) {
    const json& image = images[i];
    if (!image.is_object() || !image.contains("id") || !image["id"].is_number_integer() ||
        !image.contains("file_name") || !image["file_name"].is_string()) {
      return Status::InvalidData(fmt::format(
          "{}: images[{}] needs an integer \"id\" and a string \"file_name\"; fix it", SafeText(file.string()), i));
    }
    const int width = image.value("width", json(0)).is_number_integer() ? image.value("width", 0) : 0;
    const int height = image.value("height", json(0)).is_number_integer() ? image.value("height", 0) : 0;
    SWEETSPOT_ASSIGN_OR_RETURN(KeypointImage entry,
                               LocateImage(file, folder, image["file_name"].get<std::string>(),
                                           fmt::format("images[{}]", i), width, height));
    if (!image_of_id.emplace(image["id"].get<std::int64_t>(), out.images.size()).second) {
      return Status::InvalidData(fmt::format("{}: images[{}] repeats image id {}; give each image its own id",
                                             SafeText(file.string()), i, image["id"].get<std::int64_t>()));
    }
    out.images.push_back(std::move(entry));
  }
  return Status::Ok();
}

// The person of annotation `a` (where: "file: annotations[i] (id n)").
Result<LabelledPerson> CocoPerson(const json& a, const std::string& where, const KeypointSchema& schema,
                                  const std::unordered_map<std::int64_t, std::size_t>& image_of_id,
                                  const std::vector<KeypointImage>& images) {
  if (!a.contains("image_id") || !a["image_id"].is_number_integer() || !a.contains("bbox") ||
      !IsNumberArray(a["bbox"], 4) || !a.contains("keypoints") || !IsNumberArray(a["keypoints"])) {
    return Status::InvalidData(where +
                               ": needs an integer \"image_id\", \"bbox\": [x, y, width, height] and "
                               "\"keypoints\": [x, y, v, ...]; fix it");
  }
  const json& values = a["keypoints"];
  if (values.size() != 3 * schema.size()) {
    return Status::InvalidData(fmt::format("{}: \"keypoints\" holds {} values, but {} needs {} ({} x [x, y, v]); fix it",
                                           where, values.size(), schema.name, 3 * schema.size(), schema.size()));
  }
  const auto image = image_of_id.find(a["image_id"].get<std::int64_t>());
  if (image == image_of_id.end()) {
    return Status::InvalidData(fmt::format("{}: image_id {} is not among the file's images; fix the id", where,
                                           a["image_id"].get<std::int64_t>()));
  }
  LabelledPerson out{.image = image->second, .person = {}};
  const json& bbox = a["bbox"];
  const double x = bbox[0].get<double>(), y = bbox[1].get<double>();
  out.person.box = {x, y, x + bbox[2].get<double>(), y + bbox[3].get<double>()};
  const KeypointImage& target = images[image->second];
  if (const std::string problem = PixelBoxProblem(out.person.box, target.width, target.height); !problem.empty()) {
    return Status::InvalidData(where + ": " + problem);
  }
  out.person.area = a.contains("area") && a["area"].is_number() ? a["area"].get<double>() : out.person.box.area();
  for (std::size_t j = 0; j < schema.size(); ++j) {
    out.person.keypoints.push_back({values[3 * j].get<double>(), values[3 * j + 1].get<double>(),
                                    values[3 * j + 2].get<float>()});
  }
  return out;
}

Status ReadCocoPersons(const fs::path& file, const json& doc, const std::set<std::int64_t>& categories,
                       const std::unordered_map<std::int64_t, std::size_t>& image_of_id, KeypointDataset& out) {
  static const json kNone = json::array();
  const json& annotations = doc.contains("annotations") ? doc["annotations"] : kNone;
  Skipped unlabelled, crowd;
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    const json& a = annotations[i];
    const std::string element =
        fmt::format("annotations[{}]{}", i, a.is_object() && a.contains("id") ? " (id " + a["id"].dump() + ")" : "");
    if (!a.is_object() || !a.contains("category_id") || !a["category_id"].is_number_integer()) {
      return Status::InvalidData(SafeText(file.string()) + ": " + element + " needs an integer \"category_id\"; fix it");
    }
    if (!categories.contains(a["category_id"].get<std::int64_t>())) continue;
    SWEETSPOT_ASSIGN_OR_RETURN(LabelledPerson person, CocoPerson(a, SafeText(file.string()) + ": " + element,
                                                                 out.schema, image_of_id, out.images));
    if (a.contains("iscrowd") && a["iscrowd"].is_number() && a["iscrowd"].get<double>() != 0.0) {
      crowd.elements.push_back(element);
    } else if (!AnyLabelled(person.person.keypoints)) {
      unlabelled.elements.push_back(element);
    } else {
      out.persons.push_back(std::move(person));
    }
  }
  unlabelled.AddNote("no labelled joint", out.notes);
  crowd.AddNote("crowd annotation", out.notes);
  return Status::Ok();
}

Result<KeypointDataset> ReadCoco(const fs::path& file, const json& doc, const fs::path& folder) {
  KeypointDataset out{.format = "coco", .file = file, .schema = {}, .images = {}, .persons = {}, .notes = {}};
  SWEETSPOT_ASSIGN_OR_RETURN(out.schema, BuiltinSchema("coco17"));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::set<std::int64_t> categories,
                             KeypointCategories(file, doc["categories"], out.schema));
  std::unordered_map<std::int64_t, std::size_t> image_of_id;
  SWEETSPOT_RETURN_IF_ERROR(ReadCocoImages(file, doc, folder, out, image_of_id));
  SWEETSPOT_RETURN_IF_ERROR(ReadCocoPersons(file, doc, categories, image_of_id, out));
  return out;
}

// ---------------------------------------------------------------- MPII

bool IsMpii(const json& doc) {
  return doc.is_array() && !doc.empty() && doc[0].is_object() && doc[0].contains("joints");
}

Status CheckMpiiEntry(const json& e, const std::string& where, const KeypointSchema& schema) {
  if (!e.is_object() || !e.contains("image") || !e["image"].is_string() || !e.contains("joints") ||
      !e["joints"].is_array() || !e.contains("joints_vis") || !IsNumberArray(e["joints_vis"]) ||
      !e.contains("center") || !IsNumberArray(e["center"], 2) || !e.contains("scale") || !e["scale"].is_number() ||
      !(e["scale"].get<double>() > 0.0)) {
    return Status::InvalidData(where +
                               ": needs \"image\", \"joints\": [[x, y], ...], \"joints_vis\", \"center\": [x, y] "
                               "and \"scale\" > 0; fix it");
  }
  const json& joints = e["joints"];
  if (joints.size() != schema.size() || e["joints_vis"].size() != schema.size()) {
    return Status::InvalidData(fmt::format(
        "{}: \"joints\" holds {} and \"joints_vis\" {} entries, but {} needs {}; fix them", where, joints.size(),
        e["joints_vis"].size(), schema.name, schema.size()));
  }
  if (!std::all_of(joints.begin(), joints.end(), [](const json& j) { return IsNumberArray(j, 2); })) {
    return Status::InvalidData(where + ": every \"joints\" entry must be [x, y]; fix it");
  }
  return Status::Ok();
}

// The head segment |head_top - upper_neck| when both are labelled, else 0.
double HeadSegment(const std::vector<Keypoint>& keypoints, const KeypointSchema& schema) {
  const int top = schema.JointIndex("head_top"), neck = schema.JointIndex("upper_neck");
  if (top < 0 || neck < 0) return 0.0;
  const Keypoint& a = keypoints[static_cast<std::size_t>(top)];
  const Keypoint& b = keypoints[static_cast<std::size_t>(neck)];
  return a.score > 0.0F && b.score > 0.0F ? std::hypot(a.x - b.x, a.y - b.y) : 0.0;
}

Result<Person> MpiiPerson(const json& e, const std::string& where, const KeypointSchema& schema,
                          const KeypointImage& image) {
  const double cx = e["center"][0].get<double>(), cy = e["center"][1].get<double>();
  if (!(cx >= 0.0 && cx <= image.width && cy >= 0.0 && cy <= image.height)) {
    return Status::InvalidData(fmt::format(
        "{}: the person box centred on ({}, {}) lies outside the {}x{} image; fix \"center\"", where, cx, cy,
        image.width, image.height));
  }
  const double half = e["scale"].get<double>() * 100.0;
  Person person;
  person.box = {cx - half, cy - half, cx + half, cy + half};
  person.area = person.box.area();
  for (std::size_t j = 0; j < schema.size(); ++j) {
    const json& joint = e["joints"][j];
    const float score = e["joints_vis"][j].get<double>() > 0.0 ? 2.0F : 0.0F;
    person.keypoints.push_back({joint[0].get<double>(), joint[1].get<double>(), score});
  }
  person.head_size = HeadSegment(person.keypoints, schema);
  return person;
}

Result<KeypointDataset> ReadMpii(const fs::path& file, const json& doc, const fs::path& folder) {
  KeypointDataset out{.format = "mpii", .file = file, .schema = {}, .images = {}, .persons = {}, .notes = {}};
  SWEETSPOT_ASSIGN_OR_RETURN(out.schema, BuiltinSchema("mpii16"));
  std::map<std::string, std::size_t> image_of_name;
  Skipped unlabelled;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const json& e = doc[i];
    const bool named = e.is_object() && e.contains("image") && e["image"].is_string();
    const std::string name = named ? e["image"].get<std::string>() : "";
    const std::string where = fmt::format("{}: [{}]{}", SafeText(file.string()), i,
                                          named ? " (image '" + SafeText(name) + "')" : "");
    SWEETSPOT_RETURN_IF_ERROR(CheckMpiiEntry(e, where, out.schema));
    auto [it, added] = image_of_name.emplace(name, out.images.size());
    if (added) {
      SWEETSPOT_ASSIGN_OR_RETURN(KeypointImage image, LocateImage(file, folder, name, fmt::format("[{}]", i), 0, 0));
      out.images.push_back(std::move(image));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(Person person, MpiiPerson(e, where, out.schema, out.images[it->second]));
    if (!AnyLabelled(person.keypoints)) {
      unlabelled.elements.push_back(fmt::format("[{}]", i));
      continue;
    }
    out.persons.push_back({.image = it->second, .person = std::move(person)});
  }
  unlabelled.AddNote("no labelled joint", out.notes);
  return out;
}

}  // namespace

bool IsKeypointDataset(const fs::path& path) {
  std::error_code ec;
  if (path.extension() != ".json" || !fs::is_regular_file(path, ec)) return false;
  const auto doc = ParseJsonFile(path);
  return doc.ok() && (IsCocoKeypoints(*doc) || IsMpii(*doc));
}

Result<KeypointDataset> OpenKeypointDataset(const fs::path& path, const KeypointDatasetOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(const json doc, ParseJsonFile(path));
  const fs::path folder = options.image_dir.empty() ? path.parent_path() : options.image_dir;
  if (IsCocoKeypoints(doc)) return ReadCoco(path, doc, folder);
  if (IsMpii(doc)) return ReadMpii(path, doc, folder);
  return Status::InvalidData(fmt::format(
      "{}: neither COCO keypoints (an object whose \"categories\" list \"keypoints\") nor MPII-style (a list of "
      "{{\"image\", \"joints\", \"joints_vis\", \"center\", \"scale\"}}); give a keypoint file in one of these formats",
      SafeText(path.string())));
}

}  // namespace sweetspot
