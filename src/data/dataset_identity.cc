#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sweetspot/content_hash.h"
#include "sweetspot/dataset.h"

namespace sweetspot {

std::string DatasetIdentity(const Dataset& dataset) {
  Sha256 hash;
  // Length-prefixed fields, so no two different datasets serialise alike.
  const auto field = [&hash](std::string_view text) {
    hash.Update(std::to_string(text.size()) + ":");
    hash.Update(text);
  };
  field("classes");
  for (const auto& name : dataset.class_names()) field(name);
  field("samples");
  std::vector<std::filesystem::path> files;
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const SampleInfo& sample = dataset.sample(i);
    field(sample.id);
    field(std::to_string(sample.label));
    if (seen.insert(sample.path.string()).second) files.push_back(sample.path);
  }
  field("files");
  for (const auto& file : files) {
    // An unreadable file is the evaluation's to report (as an excluded
    // sample); here it only has to make the identity differ from the
    // readable file's.
    if (!hash.UpdateWithFile(file).ok()) field("unreadable " + file.filename().string());
  }
  return hash.HexDigest();
}

}  // namespace sweetspot
