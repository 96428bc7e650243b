#include "sweetspot/text_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

Status WriteError(const fs::path& path, int error) {
  if (error == ENOSPC || error == EDQUOT || error == EFBIG) {
    return Status::FailedPrecondition("cannot write '" + path.string() + "': " + std::strerror(error) +
                                      "; free some space or write it elsewhere");
  }
  if (error == ENOENT) {
    return Status::IoError("cannot write '" + path.string() + "': its folder does not exist");
  }
  return Status::IoError("cannot write '" + path.string() + "': " + std::strerror(error));
}

// Length of the valid UTF-8 sequence starting at text[at], or 0 when the
// bytes there are not one (overlong forms, surrogates and code points above
// U+10FFFF are invalid, as for nlohmann::json).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

nlohmann::json SafeJson(const nlohmann::json& doc) {
  if (doc.is_string()) return SafeText(doc.get_ref<const std::string&>());
  if (doc.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : doc) out.push_back(SafeJson(element));
    return out;
  }
  if (doc.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : doc.items()) out[SafeText(key)] = SafeJson(value);
    return out;
  }
  return doc;
}

}  // namespace

Result<std::string> ReadTextFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("file " + SafeText(path.string()) + " does not exist");
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(SafeText(path.string()) + " is a folder, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + SafeText(path.string()) + " (permission denied?)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError("error while reading " + SafeText(path.string()));
  return NormalizeText(text.str());
}

std::string NormalizeText(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out += text[i];
    } else if (i + 1 >= text.size() || text[i + 1] != '\n') {
      out += '\n';  // a lone CR (old Mac line end)
    }
  }
  return out;
}

std::string SafeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto b = static_cast<unsigned char>(text[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string DumpJson(const nlohmann::json& doc, int indent) { return SafeJson(doc).dump(indent); }

Status WriteTextFile(const fs::path& path, std::string_view text) {
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return WriteError(path, errno);
  int error = 0;
  std::size_t written = 0;
  while (written < text.size() && error == 0) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) written += static_cast<std::size_t>(n);
  }
  // Without fsync a crash after the rename could leave an empty file under the final name.
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return WriteError(path, error);
  }
  return Status::Ok();
}

std::string CsvField(const std::string& raw) {
  const std::string field = SafeText(raw);
  if (field.find_first_of(",\"\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace sweetspot
