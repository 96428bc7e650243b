#include "sweetspot/detection_classes.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "detect/detection_dataset_readers.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

// Pascal VOC's spellings of the COCO classes they share (the other 14 VOC
// classes have COCO's names).
const std::map<std::string, std::string, std::less<>>& VocToCocoAliases() {
  static const std::map<std::string, std::string, std::less<>> aliases = {
      {"aeroplane", "airplane"}, {"motorbike", "motorcycle"},     {"sofa", "couch"},
      {"tvmonitor", "tv"},       {"diningtable", "dining table"}, {"pottedplant", "potted plant"}};
  return aliases;
}

std::string CanonicalName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto alias = VocToCocoAliases().find(lower);
  return alias == VocToCocoAliases().end() ? lower : alias->second;
}

// "'a', 'b', 'c', ... (N in all)": enough of a list to recognise it.
std::string FirstNames(std::span<const std::string> names) {
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) shown.push_back("'" + SafeText(names[i]) + "'");
  return fmt::format("{}{} ({} in all)", fmt::join(shown, ", "), names.size() > 3 ? ", ..." : "", names.size());
}

}  // namespace

const std::vector<std::string>& Coco80ClassNames() {
  static const std::vector<std::string> names = {
      "person",         "bicycle",    "car",           "motorcycle",    "airplane",     "bus",           "train",
      "truck",          "boat",       "traffic light", "fire hydrant",  "stop sign",    "parking meter", "bench",
      "bird",           "cat",        "dog",           "horse",         "sheep",        "cow",           "elephant",
      "bear",           "zebra",      "giraffe",       "backpack",      "umbrella",     "handbag",       "tie",
      "suitcase",       "frisbee",    "skis",          "snowboard",     "sports ball",  "kite",          "baseball bat",
      "baseball glove", "skateboard", "surfboard",     "tennis racket", "bottle",       "wine glass",    "cup",
      "fork",           "knife",      "spoon",         "bowl",          "banana",       "apple",         "sandwich",
      "orange",         "broccoli",   "carrot",        "hot dog",       "pizza",        "donut",         "cake",
      "chair",          "couch",      "potted plant",  "bed",           "dining table", "toilet",        "tv",
      "laptop",         "mouse",      "remote",        "keyboard",      "cell phone",   "microwave",     "oven",
      "toaster",        "sink",       "refrigerator",  "book",          "clock",        "vase",          "scissors",
      "teddy bear",     "hair drier", "toothbrush"};
  return names;
}

Result<std::vector<std::string>> LoadClassList(std::string_view value) {
  if (value.empty()) {
    return Status::InvalidArgument("the model's class list is empty: give coco80 or a file with one name per line");
  }
  if (value == "coco80") return Coco80ClassNames();
  // The same reader as a dataset's class-name file: one name per line, blank
  // lines skipped, a name listed twice refused (it would map ambiguously).
  auto names = ReadClassNames(std::string(value));
  if (!names.ok()) return names.status().WithContext("model class list (coco80 or a file with one name per line)");
  return names;
}

Result<std::vector<int>> MapDetectionClasses(std::span<const std::string> model_classes,
                                             std::span<const std::string> dataset_classes) {
  std::map<std::string, int> dataset_index;
  for (std::size_t i = 0; i < dataset_classes.size(); ++i) {
    dataset_index.emplace(CanonicalName(dataset_classes[i]), static_cast<int>(i));
  }
  std::vector<int> mapping;
  mapping.reserve(model_classes.size());
  bool shared = false;
  for (const std::string& name : model_classes) {
    const auto it = dataset_index.find(CanonicalName(name));
    mapping.push_back(it == dataset_index.end() ? -1 : it->second);
    shared = shared || it != dataset_index.end();
  }
  if (!shared) {
    return Status::InvalidArgument(
               fmt::format("the model's classes {} share no name with the dataset's classes {}; give "
                           "the model's class list in the order of its outputs",
                           FirstNames(model_classes), FirstNames(dataset_classes)))
        .WithFix({"model_classes", "", {"FILE"}});
  }
  return mapping;
}

}  // namespace sweetspot
