#include "sweetspot/text_file.h"

#include <unistd.h>

#include <fstream>

namespace sweetspot {
namespace fs = std::filesystem;

Status WriteTextFile(const fs::path& path, const std::string& text) {
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return Status::IoError("cannot write '" + path.string() + "' (does its folder exist and is it writable?)");
    }
    out << text;
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(temp, ignored);
      return Status::IoError("error while writing '" + path.string() + "' (is the disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return Status::IoError("cannot move the new file into place at '" + path.string() + "'");
  }
  return Status::Ok();
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace sweetspot
