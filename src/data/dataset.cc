#include "sweetspot/dataset.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include <opencv2/imgcodecs.hpp>

#include "data/io_util.h"

namespace sweetspot {
namespace fs = std::filesystem;
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsImageExtension(const fs::path& p) {
  const std::string ext = Lower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

// "size:mtime" of a file, for fingerprints; "missing" if it cannot be stat'ed.
std::string FileStamp(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) return "missing";
  const auto mtime = fs::last_write_time(p, ec);
  if (ec) return "missing";
  return std::to_string(size) + ":" + std::to_string(mtime.time_since_epoch().count());
}

// Decodes an encoded image file into 8-bit BGR; errors name the path.
Result<cv::Mat> DecodeImageFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read image " + path.string() + " (missing or unreadable)");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return Status::InvalidData("image " + path.string() + " is empty");
  try {
    cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
    if (image.empty()) {
      return Status::InvalidData("image " + path.string() + " cannot be decoded (corrupt or not JPEG/PNG/BMP)");
    }
    return image;
  } catch (const cv::Exception& e) {
    return Status::InvalidData("image " + path.string() + " cannot be decoded: " + e.what());
  }
}

// ---------------------------------------------------------------- image files

// An image folder or a manifest: a list of image files with labels, decoded
// on demand. Only where the list came from differs.
class ImageFileDataset final : public Dataset {
 public:
  ImageFileDataset(std::string description, std::vector<std::string> classes, std::vector<SampleInfo> samples,
                   std::string fingerprint)
      : description_(std::move(description)),
        classes_(std::move(classes)),
        samples_(std::move(samples)),
        fingerprint_(std::move(fingerprint)) {}

  std::string description() const override { return description_; }
  std::size_t size() const override { return samples_.size(); }
  const std::vector<std::string>& class_names() const override { return classes_; }
  const SampleInfo& sample(std::size_t index) const override { return samples_.at(index); }
  Result<cv::Mat> Load(std::size_t index) const override { return DecodeImageFile(samples_.at(index).path); }
  std::string Fingerprint() const override { return fingerprint_; }

 private:
  std::string description_;
  std::vector<std::string> classes_;
  std::vector<SampleInfo> samples_;
  std::string fingerprint_;
};

// Splits one CSV/TSV line; double quotes group a field and "" is a quote.
std::vector<std::string> SplitRow(std::string_view line, char delimiter) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  for (auto& f : fields) f = std::string(Trim(f));
  return fields;
}

std::optional<long long> ParseIndex(std::string_view s) {
  long long value = 0;
  const auto* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
  return value;
}

Result<std::vector<std::string>> ReadClassNamesFile(const fs::path& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  std::vector<std::string> names;
  std::istringstream lines(text);
  std::string line;
  std::set<std::string> seen;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    const std::string name(Trim(line));
    if (name.empty()) continue;
    if (!seen.insert(name).second) {
      return Status::InvalidData("class-name file " + path.string() + " line " + std::to_string(line_no) + ": class '" +
                                 name + "' is listed twice");
    }
    names.push_back(name);
  }
  if (names.empty()) {
    return Status::InvalidData("class-name file " + path.string() + " lists no class (one name per line)");
  }
  return names;
}

// ---------------------------------------------------------------- IDX

struct IdxImages {
  fs::path path;
  bool gzipped = false;
  std::size_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<unsigned char> inflated;  // whole file, gzipped input only
  int fd = -1;                          // plain input only
  ~IdxImages() {
    if (fd >= 0) ::close(fd);
  }
};

class IdxDataset final : public Dataset {
 public:
  IdxDataset(fs::path prefix, std::shared_ptr<IdxImages> images, std::vector<std::string> classes,
             std::vector<SampleInfo> samples, std::string fingerprint)
      : prefix_(std::move(prefix)),
        images_(std::move(images)),
        classes_(std::move(classes)),
        samples_(std::move(samples)),
        fingerprint_(std::move(fingerprint)) {}

  std::string description() const override { return "IDX " + prefix_.string(); }
  std::size_t size() const override { return samples_.size(); }
  const std::vector<std::string>& class_names() const override { return classes_; }
  const SampleInfo& sample(std::size_t index) const override { return samples_.at(index); }
  std::string Fingerprint() const override { return fingerprint_; }

  Result<cv::Mat> Load(std::size_t index) const override {
    const IdxImages& im = *images_;
    const std::size_t pixels = static_cast<std::size_t>(im.rows) * static_cast<std::size_t>(im.cols);
    const std::size_t offset = 16 + index * pixels;
    cv::Mat image(im.rows, im.cols, CV_8UC1);
    if (im.gzipped) {
      std::copy_n(im.inflated.data() + offset, pixels, image.data);
      return image;
    }
    std::size_t done = 0;
    while (done < pixels) {
      const ssize_t n = ::pread(im.fd, image.data + done, pixels - done, static_cast<off_t>(offset + done));
      if (n <= 0) {
        return Status::IoError("cannot read image " + std::to_string(index) + " of " + im.path.string() +
                               " (file shrank or unreadable)");
      }
      done += static_cast<std::size_t>(n);
    }
    return image;
  }

 private:
  fs::path prefix_;
  std::shared_ptr<IdxImages> images_;
  std::vector<std::string> classes_;
  std::vector<SampleInfo> samples_;
  std::string fingerprint_;
};

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

Result<std::vector<unsigned char>> ReadMaybeGzipped(const fs::path& path, bool gzipped) {
  if (!gzipped) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
    return std::vector<unsigned char>(text.begin(), text.end());
  }
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return Status::NotFound("cannot open " + path.string());
  std::vector<unsigned char> out;
  std::array<unsigned char, 1 << 16> buffer{};
  for (;;) {
    const int n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int errnum = 0;
      const std::string message = gzerror(file, &errnum);
      gzclose(file);
      return Status::InvalidData(path.string() + " is not valid gzip data (" + message + ")");
    }
    if (n == 0) break;
    out.insert(out.end(), buffer.data(), buffer.data() + n);
  }
  gzclose(file);
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Finds the images and labels files of an IDX prefix (or images file).
std::optional<std::pair<fs::path, fs::path>> FindIdxFiles(const fs::path& prefix) {
  std::error_code ec;
  const std::string p = prefix.string();
  if (fs::is_regular_file(prefix, ec)) {
    const std::string name = prefix.filename().string();
    for (std::string_view tag : {"images-idx3", "images.idx3"}) {
      const auto at = name.find(tag);
      if (at == std::string::npos) continue;
      std::string labels = name;
      labels.replace(at, tag.size(), tag[6] == '.' ? "labels.idx1" : "labels-idx1");
      return std::make_pair(prefix, prefix.parent_path() / labels);
    }
    return std::nullopt;
  }
  for (std::string_view sep : {"-", ".", ""}) {
    for (std::string_view gz : {"", ".gz"}) {
      const fs::path images = p + std::string(sep) + "images-idx3-ubyte" + std::string(gz);
      if (!fs::is_regular_file(images, ec)) continue;
      fs::path labels = p + std::string(sep) + "labels-idx1-ubyte" + std::string(gz);
      if (!fs::is_regular_file(labels, ec)) labels = p + std::string(sep) + "labels-idx1-ubyte";
      if (!fs::is_regular_file(labels, ec)) labels = p + std::string(sep) + "labels-idx1-ubyte.gz";
      return std::make_pair(images, labels);
    }
  }
  return std::nullopt;
}

std::string StripTrailingSeparators(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

const std::vector<std::string>& FashionMnistClassNames() {
  static const std::vector<std::string> kNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return kNames;
}

Result<std::unique_ptr<Dataset>> OpenImageFolder(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Status::NotFound("image folder " + root.string() + " does not exist");
  std::vector<fs::path> class_dirs;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && it->path().filename().string().front() != '.') class_dirs.push_back(it->path());
  }
  if (ec) return Status::IoError("cannot list image folder " + root.string() + ": " + ec.message());
  std::sort(class_dirs.begin(), class_dirs.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
  if (class_dirs.empty()) {
    return Status::InvalidData("image folder " + root.string() +
                               " has no class sub-folders (expected ROOT/<class>/<image>.jpg|png|bmp)");
  }
  std::vector<std::string> classes;
  std::vector<SampleInfo> samples;
  std::string fingerprint = "image-folder\n";
  for (std::size_t c = 0; c < class_dirs.size(); ++c) {
    classes.push_back(class_dirs[c].filename().string());
    std::vector<fs::path> files;
    for (fs::directory_iterator it(class_dirs[c], ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && IsImageExtension(it->path())) files.push_back(it->path());
    }
    if (ec) return Status::IoError("cannot list " + class_dirs[c].string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      SampleInfo s;
      s.id = classes.back() + "/" + f.filename().string();
      s.path = f;
      s.label = static_cast<int>(c);
      fingerprint += s.id + "|" + FileStamp(f) + "|" + std::to_string(c) + "\n";
      samples.push_back(std::move(s));
    }
  }
  if (samples.empty()) {
    return Status::InvalidData("image folder " + root.string() +
                               " has zero images (expected ROOT/<class>/<image>.jpg|jpeg|png|bmp)");
  }
  return std::unique_ptr<Dataset>(new ImageFileDataset("image folder " + root.string(), std::move(classes),
                                                       std::move(samples), std::move(fingerprint)));
}

Result<std::unique_ptr<Dataset>> OpenManifest(const fs::path& manifest, const fs::path& class_names_file) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(manifest));
  const std::string where = "manifest " + manifest.string();
  char delimiter = Lower(manifest.extension().string()) == ".tsv" ? '\t' : ',';
  {
    const std::string first = text.substr(0, text.find('\n'));
    if (first.find('\t') != std::string::npos && first.find(',') == std::string::npos) delimiter = '\t';
  }

  std::vector<std::string> classes;
  const bool have_class_file = !class_names_file.empty();
  if (have_class_file) {
    SWEETSPOT_ASSIGN_OR_RETURN(classes, ReadClassNamesFile(class_names_file));
  }
  std::map<std::string, int> class_index;
  for (std::size_t i = 0; i < classes.size(); ++i) class_index[classes[i]] = static_cast<int>(i);

  struct Row {
    int line;
    std::string path;
    std::string label;
  };
  std::vector<Row> rows;
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty() || Trim(line).front() == '#') continue;
    auto fields = SplitRow(line, delimiter);
    if (rows.empty() && fields.size() >= 2 && Lower(fields[0]) == "path" && Lower(fields[1]) == "label") continue;
    if (fields.size() < 2 || fields[0].empty() || fields[1].empty()) {
      return Status::InvalidData(where + " line " + std::to_string(line_no) + ": expected `path" +
                                 (delimiter == '\t' ? "<TAB>" : ",") + "label`, got '" + line + "'");
    }
    rows.push_back({line_no, fields[0], fields[1]});
  }
  if (rows.empty()) return Status::InvalidData(where + " has zero samples (expected `path,label` rows)");

  if (!have_class_file) {
    bool all_indices = true;
    bool any_index = false;
    long long max_index = -1;
    for (const auto& r : rows) {
      const auto idx = ParseIndex(r.label);
      all_indices = all_indices && idx.has_value();
      any_index = any_index || idx.has_value();
      if (idx) max_index = std::max(max_index, *idx);
    }
    if (all_indices) {
      for (long long i = 0; i <= max_index; ++i) classes.push_back(std::to_string(i));
    } else if (!any_index) {
      std::set<std::string> names;
      for (const auto& r : rows) names.insert(r.label);
      classes.assign(names.begin(), names.end());
    } else {
      const auto it =
          std::find_if(rows.begin(), rows.end(), [](const Row& r) { return ParseIndex(r.label).has_value(); });
      return Status::InvalidData(where + " line " + std::to_string(it->line) +
                                 ": labels mix class names and indices; use one kind, or give a class-name "
                                 "file (--classes) so indices refer to it");
    }
    for (std::size_t i = 0; i < classes.size(); ++i) class_index[classes[i]] = static_cast<int>(i);
  }

  const fs::path base = manifest.parent_path();
  std::vector<SampleInfo> samples;
  samples.reserve(rows.size());
  std::string fingerprint = "manifest\n";
  for (const auto& r : rows) {
    SampleInfo s;
    s.id = r.path;
    const fs::path p(r.path);
    s.path = p.is_absolute() ? p : base / p;
    const auto by_name = class_index.find(r.label);
    if (by_name != class_index.end()) {
      s.label = by_name->second;
    } else if (const auto idx = ParseIndex(r.label); idx.has_value()) {
      if (*idx < 0 || *idx >= static_cast<long long>(classes.size())) {
        return Status::InvalidData(where + " line " + std::to_string(r.line) + ": label " + r.label +
                                   " is outside the class list (" + std::to_string(classes.size()) +
                                   " classes, indices 0.." + std::to_string(classes.size() - 1) + ")");
      }
      s.label = static_cast<int>(*idx);
    } else {
      return Status::InvalidData(where + " line " + std::to_string(r.line) + ": label '" + r.label +
                                 "' is not in the class list" +
                                 (have_class_file ? " of " + class_names_file.string() : std::string()));
    }
    const std::string stamp = FileStamp(s.path);
    if (stamp == "missing") {
      return Status::NotFound(where + " line " + std::to_string(r.line) + ": image '" + r.path +
                              "' does not exist (looked for " + s.path.string() + ")");
    }
    fingerprint += s.path.string() + "|" + stamp + "|" + std::to_string(s.label) + "\n";
    samples.push_back(std::move(s));
  }
  return std::unique_ptr<Dataset>(new ImageFileDataset("manifest " + manifest.string(), std::move(classes),
                                                       std::move(samples), std::move(fingerprint)));
}

Result<std::unique_ptr<Dataset>> OpenIdxDataset(const fs::path& prefix_in, const fs::path& class_names_file) {
  const fs::path prefix = StripTrailingSeparators(prefix_in.string());
  const auto files = FindIdxFiles(prefix);
  if (!files) {
    return Status::NotFound("no dataset at " + prefix.string() +
                            ": expected an image folder, a .csv/.tsv manifest, or an IDX prefix with " +
                            prefix.string() + "-images-idx3-ubyte[.gz] and -labels-idx1-ubyte[.gz]");
  }
  const auto& [images_path, labels_path] = *files;
  std::error_code ec;
  if (!fs::is_regular_file(labels_path, ec)) {
    return Status::NotFound("IDX labels file " + labels_path.string() + " (for " + images_path.string() +
                            ") does not exist");
  }

  // Labels are small: read them whole.
  const bool labels_gz = EndsWith(labels_path.string(), ".gz");
  SWEETSPOT_ASSIGN_OR_RETURN(auto labels, ReadMaybeGzipped(labels_path, labels_gz));
  if (labels.size() < 8 || BigEndian32(labels.data()) != 0x00000801) {
    return Status::InvalidData("IDX labels file " + labels_path.string() +
                               " has a bad header (expected magic 0x00000801: unsigned bytes, 1 dimension)");
  }
  const std::size_t label_count = BigEndian32(labels.data() + 4);
  if (labels.size() < 8 + label_count) {
    return Status::InvalidData("IDX labels file " + labels_path.string() + " is truncated (header says " +
                               std::to_string(label_count) + " labels)");
  }

  auto images = std::make_shared<IdxImages>();
  images->path = images_path;
  images->gzipped = EndsWith(images_path.string(), ".gz");
  std::array<unsigned char, 16> header{};
  if (images->gzipped) {
    SWEETSPOT_ASSIGN_OR_RETURN(images->inflated, ReadMaybeGzipped(images_path, true));
    if (images->inflated.size() >= 16) std::copy_n(images->inflated.data(), 16, header.data());
  } else {
    images->fd = ::open(images_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (images->fd < 0) return Status::NotFound("cannot open IDX images file " + images_path.string());
    if (::pread(images->fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
      header.fill(0);
    }
  }
  if (BigEndian32(header.data()) != 0x00000803) {
    return Status::InvalidData("IDX images file " + images_path.string() +
                               " has a bad header (expected magic 0x00000803: unsigned bytes, 3 dimensions)");
  }
  images->count = BigEndian32(header.data() + 4);
  images->rows = static_cast<int>(BigEndian32(header.data() + 8));
  images->cols = static_cast<int>(BigEndian32(header.data() + 12));
  const std::size_t file_bytes =
      images->gzipped ? images->inflated.size() : static_cast<std::size_t>(fs::file_size(images_path, ec));
  const std::size_t need =
      16 + images->count * static_cast<std::size_t>(images->rows) * static_cast<std::size_t>(images->cols);
  if (images->rows <= 0 || images->cols <= 0 || file_bytes < need) {
    return Status::InvalidData("IDX images file " + images_path.string() + " is truncated or malformed (header says " +
                               std::to_string(images->count) + " images of " + std::to_string(images->rows) + "x" +
                               std::to_string(images->cols) + ")");
  }
  if (images->count != label_count) {
    return Status::InvalidData("IDX files disagree: " + images_path.string() + " has " + std::to_string(images->count) +
                               " images but " + labels_path.string() + " has " + std::to_string(label_count) +
                               " labels");
  }
  if (images->count == 0) return Status::InvalidData("IDX dataset " + images_path.string() + " has zero samples");

  std::vector<std::string> classes;
  std::string class_source;
  if (!class_names_file.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(classes, ReadClassNamesFile(class_names_file));
    class_source = " of " + class_names_file.string();
  } else if (Lower(images_path.string()).find("fashion") != std::string::npos) {
    classes = FashionMnistClassNames();
    class_source = " (Fashion-MNIST's ten classes)";
  } else {
    const int max_label = *std::max_element(labels.begin() + 8, labels.begin() + 8 + static_cast<long>(label_count));
    for (int i = 0; i <= std::max(max_label, 9); ++i) classes.push_back(std::to_string(i));
  }

  std::vector<SampleInfo> samples(label_count);
  const std::string stem = images_path.filename().string();
  for (std::size_t i = 0; i < label_count; ++i) {
    const int label = labels[8 + i];
    if (label >= static_cast<int>(classes.size())) {
      return Status::InvalidData("IDX labels file " + labels_path.string() + ": sample " + std::to_string(i) +
                                 " has label " + std::to_string(label) + ", outside the class list" + class_source +
                                 " (" + std::to_string(classes.size()) + " classes)");
    }
    samples[i].id = stem + "#" + std::to_string(i);
    samples[i].path = images_path;
    samples[i].label = label;
  }
  std::string fingerprint = "idx\n" + images_path.string() + "|" + FileStamp(images_path) + "\n" +
                            labels_path.string() + "|" + FileStamp(labels_path) + "\n";
  for (const auto& c : classes) fingerprint += c + "\n";
  return std::unique_ptr<Dataset>(
      new IdxDataset(prefix, std::move(images), std::move(classes), std::move(samples), std::move(fingerprint)));
}

Result<std::unique_ptr<Dataset>> OpenDataset(const fs::path& path, const DatasetOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (!options.class_names_file.empty()) {
      return Status::InvalidArgument(
          "--classes applies to manifests and IDX data; an image folder's classes are "
          "its sub-folder names (" +
          path.string() + ")");
    }
    return OpenImageFolder(path);
  }
  const std::string ext = Lower(path.extension().string());
  if (ext == ".csv" || ext == ".tsv" || ext == ".txt") {
    if (!fs::exists(path, ec)) return Status::NotFound("manifest " + path.string() + " does not exist");
    return OpenManifest(path, options.class_names_file);
  }
  return OpenIdxDataset(path, options.class_names_file);
}

std::vector<std::size_t> StratifiedSubset(const Dataset& dataset, std::size_t limit, std::uint64_t seed) {
  const std::size_t n = dataset.size();
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  if (limit == 0 || limit >= n) return all;

  const std::size_t classes = dataset.class_names().size();
  std::vector<std::vector<std::size_t>> by_class(classes);
  for (std::size_t i = 0; i < n; ++i) by_class[static_cast<std::size_t>(dataset.sample(i).label)].push_back(i);

  std::vector<std::size_t> quota(classes);
  std::vector<std::pair<std::size_t, std::size_t>> remainders;  // (remainder, class)
  std::size_t given = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    const std::uint64_t scaled = static_cast<std::uint64_t>(limit) * by_class[c].size();
    quota[c] = static_cast<std::size_t>(scaled / n);
    remainders.emplace_back(static_cast<std::size_t>(scaled % n), c);
    given += quota[c];
  }
  std::sort(remainders.begin(), remainders.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (std::size_t i = 0; given < limit && i < remainders.size(); ++i) {
    const std::size_t c = remainders[i].second;
    if (quota[c] < by_class[c].size()) {
      ++quota[c];
      ++given;
    }
  }

  std::vector<std::size_t> out;
  out.reserve(limit);
  for (std::size_t c = 0; c < classes; ++c) {
    auto& members = by_class[c];
    SplitMix64 rng(seed ^ (0x9E3779B97F4A7C15ULL * (c + 1)));
    // Partial Fisher-Yates: the first quota[c] positions get a uniform sample.
    for (std::size_t i = 0; i < quota[c]; ++i) {
      const std::size_t j = i + static_cast<std::size_t>(rng.Next() % (members.size() - i));
      std::swap(members[i], members[j]);
      out.push_back(members[i]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sweetspot
