#include "sweetspot/dataset.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include <opencv2/imgcodecs.hpp>

#include "data/io_util.h"
#include "sweetspot/image_decode.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// What a folder entry is to an image folder.
enum class FileKind {
  kImage,            // an extension OpenCV decodes in this build
  kUnreadableImage,  // a known image type OpenCV cannot decode (here)
  kOther,            // not an image
};

FileKind ClassifyFile(const fs::path& p) {
  // Decoders OpenCV builds may lack; a build has the decoder when it has the encoder.
  static const std::set<std::string> kReadable = [] {
    std::set<std::string> out = {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".dib"};
    for (const char* ext :
         {".webp", ".tif", ".tiff", ".jp2", ".pbm", ".pgm", ".ppm", ".pnm", ".sr", ".ras", ".hdr", ".pic", ".avif"}) {
      if (cv::haveImageWriter(std::string("x") + ext)) out.insert(ext);
    }
    return out;
  }();
  static const std::set<std::string> kKnownImages = {
      ".webp", ".tif", ".tiff", ".jp2",  ".pbm", ".pgm", ".ppm", ".pnm", ".sr",  ".ras", ".hdr", ".pic",
      ".avif", ".gif", ".heic", ".heif", ".jxl", ".exr", ".svg", ".ico", ".psd", ".dng", ".cr2", ".nef"};
  const std::string ext = Lower(p.extension().string());
  if (kReadable.contains(ext)) return FileKind::kImage;
  return kKnownImages.contains(ext) ? FileKind::kUnreadableImage : FileKind::kOther;
}

bool IsHidden(const fs::path& p) { return p.filename().string().starts_with('.'); }

// Entries an image folder leaves out, by reason, so none is dropped without a word.
class SkipTally {
 public:
  enum Reason { kHidden, kUnreadableType, kNotImage, kOutsideClass, kNestedFolder, kReasons };

  void Add(Reason reason, const fs::path& relative) {
    Entry& e = entries_[reason];
    if (e.count++ == 0) e.example = SafeText(relative.string());
    const std::string ext = Lower(relative.extension().string());
    ++e.by_extension[ext.empty() ? "(none)" : ext];
  }

  // One line per reason that occurred, e.g. "skipped 12 hidden files (names starting with '.', e.g. '._a.png')".
  std::vector<std::string> Notes() const {
    static constexpr const char* kWhat[kReasons][2] = {
        {"hidden file", "hidden files"},
        {"file of an image type OpenCV cannot read in this build",
         "files of an image type OpenCV cannot read in this build"},
        {"file that is not an image", "files that are not images"},
        {"image outside class folders", "images outside class folders"},
        {"folder inside a class folder", "folders inside class folders"},
    };
    static constexpr const char* kFix[kReasons] = {"", "; convert them to PNG or JPEG to use them", "",
                                                   "; images are read from ROOT/<class>/ only",
                                                   "; images are read from ROOT/<class>/ only"};
    std::vector<std::string> notes;
    for (int r = 0; r < kReasons; ++r) {
      const Entry& e = entries_[r];
      if (e.count == 0) continue;
      std::string types = r == kHidden ? "names starting with '.'; " : "";
      if (r == kUnreadableType || r == kNotImage) {
        for (const auto& [ext, n] : e.by_extension)
          types += (types.empty() ? "" : ", ") + std::to_string(n) + " " + ext;
        types += "; ";
      }
      const char* what = kWhat[r][e.count == 1 ? 0 : 1];
      notes.push_back("skipped " + std::to_string(e.count) + " " + what + " (" + types + "e.g. '" + e.example + "')" +
                      kFix[r]);
    }
    return notes;
  }

 private:
  struct Entry {
    std::size_t count = 0;
    std::map<std::string, std::size_t> by_extension;
    std::string example;
  };
  std::array<Entry, kReasons> entries_{};
};

// ---------------------------------------------------------------- image files

// An image folder or a manifest: a list of image files with labels, decoded
// on demand. Only where the list came from differs.
class ImageFileDataset final : public Dataset {
 public:
  ImageFileDataset(std::string description, std::vector<std::string> classes, std::vector<SampleInfo> samples,
                   std::vector<std::string> notes = {})
      : description_(std::move(description)),
        classes_(std::move(classes)),
        samples_(std::move(samples)),
        notes_(std::move(notes)) {}

  std::string description() const override { return description_; }
  std::size_t size() const override { return samples_.size(); }
  const std::vector<std::string>& class_names() const override { return classes_; }
  const SampleInfo& sample(std::size_t index) const override { return samples_.at(index); }
  Result<cv::Mat> Load(std::size_t index) const override { return ReadImage(samples_.at(index).path); }
  std::vector<std::string> notes() const override { return notes_; }

 private:
  std::string description_;
  std::vector<std::string> classes_;
  std::vector<SampleInfo> samples_;
  std::vector<std::string> notes_;
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

// A class list. Classes are identified by index; names may repeat (ImageNet
// has two "crane"s), so displays use "crane#134" for a repeated name.
struct ClassList {
  std::vector<std::string> names;                   // display names, unique
  fs::path file;                                    // the class-name file, if the names came from one
  std::vector<int> lines;                           // each class's line in `file`
  std::map<std::string, std::vector<int>> by_name;  // listed and display name -> class indices

  void Add(const std::string& name, int line) {
    const int index = static_cast<int>(names.size());
    names.push_back(name);
    lines.push_back(line);
    by_name[name].push_back(index);
  }

  // Renames repeated names to "name#index" and makes those forms findable too.
  void Disambiguate() {
    for (auto& [name, indices] : std::map(by_name)) {
      if (indices.size() < 2) continue;
      for (int i : indices) {
        names[static_cast<std::size_t>(i)] = name + "#" + std::to_string(i);
        by_name[names[static_cast<std::size_t>(i)]].push_back(i);
      }
    }
  }

  // The class a name-based label means; nullopt when none; an error naming
  // both lines when the name is listed twice. `where` prefixes errors.
  Result<std::optional<int>> Find(const std::string& name, const std::string& where) const {
    const auto it = by_name.find(name);
    if (it == by_name.end()) return std::optional<int>();
    const std::vector<int>& found = it->second;
    if (found.size() == 1) return std::optional<int>(found.front());
    const auto a = static_cast<std::size_t>(found[0]);
    const auto b = static_cast<std::size_t>(found[1]);
    return Status::InvalidData(where + ": class '" + name + "' is ambiguous: class-name file " +
                               SafeText(file.string()) + " lists it on lines " + std::to_string(lines[a]) + " and " +
                               std::to_string(lines[b]) + "; use '" + names[a] + "' or '" + names[b] +
                               "' (or the class index)");
  }
};

Result<ClassList> ReadClassNamesFile(const fs::path& path) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  ClassList classes;
  classes.file = path;
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    const std::string name = SafeText(Trim(line));
    if (!name.empty()) classes.Add(name, line_no);
  }
  if (classes.names.empty()) {
    return Status::InvalidData("class-name file " + SafeText(path.string()) + " lists no class (one name per line)");
  }
  classes.Disambiguate();
  return classes;
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
             std::vector<SampleInfo> samples)
      : prefix_(std::move(prefix)),
        images_(std::move(images)),
        classes_(std::move(classes)),
        samples_(std::move(samples)) {}

  std::string description() const override { return "IDX " + prefix_.string(); }
  std::size_t size() const override { return samples_.size(); }
  const std::vector<std::string>& class_names() const override { return classes_; }
  const SampleInfo& sample(std::size_t index) const override { return samples_.at(index); }

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

// The image files of one class folder, sorted; what else it holds goes to `skipped`.
Result<std::vector<fs::path>> ListImages(const fs::path& folder, SkipTally& skipped) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path relative = folder.filename() / it->path().filename();
    if (IsHidden(it->path())) {
      skipped.Add(SkipTally::kHidden, relative);
    } else if (it->is_directory(ec)) {
      skipped.Add(SkipTally::kNestedFolder, relative);
    } else if (const FileKind kind = ClassifyFile(it->path()); kind == FileKind::kImage) {
      files.push_back(it->path());
    } else {
      skipped.Add(kind == FileKind::kUnreadableImage ? SkipTally::kUnreadableType : SkipTally::kNotImage, relative);
    }
  }
  if (ec) return Status::IoError("cannot list " + SafeText(folder.string()) + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// The class folders of `root` (name -> images), skipping hidden entries and
// counting files that lie in `root` itself.
Result<std::map<std::string, std::vector<fs::path>>> ListClassFolderFiles(const fs::path& root, SkipTally& skipped) {
  std::error_code ec;
  std::map<std::string, std::vector<fs::path>> folders;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path name = it->path().filename();
    if (IsHidden(name)) {
      if (!it->is_directory(ec)) skipped.Add(SkipTally::kHidden, name);
    } else if (it->is_directory(ec)) {
      SWEETSPOT_ASSIGN_OR_RETURN(folders[name.string()], ListImages(it->path(), skipped));
    } else {
      skipped.Add(ClassifyFile(name) == FileKind::kOther ? SkipTally::kNotImage : SkipTally::kOutsideClass, name);
    }
  }
  if (ec) return Status::IoError("cannot list image folder " + SafeText(root.string()) + ": " + ec.message());
  return folders;
}

struct LabelledFolder {
  int label = 0;
  std::vector<fs::path> files;
};

// An image folder's classes and the label of each class folder, ascending.
// Without a class-name file: the sorted names of the folders holding images;
// an empty folder is left out (and noted), so it cannot shift the labels.
// With one: its list, in its order; a listed class may have no images, an
// unlisted folder with images is an error.
Result<ClassList> FolderClasses(const fs::path& root, const fs::path& class_names_file,
                                std::map<std::string, std::vector<fs::path>>& by_folder,
                                std::vector<LabelledFolder>& labelled, std::vector<std::string>& notes) {
  ClassList classes;
  if (class_names_file.empty()) {
    for (auto& [name, files] : by_folder) {
      if (files.empty()) {
        notes.push_back("class folder '" + SafeText(name) +
                        "' has no images: left out of the classes (list it in a class-name file to keep it as "
                        "a class)");
        continue;
      }
      labelled.push_back({static_cast<int>(classes.names.size()), std::move(files)});
      classes.Add(SafeText(name), 0);
    }
    return classes;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(classes, ReadClassNamesFile(class_names_file));
  const std::string where = "image folder " + SafeText(root.string());
  std::vector<bool> has_images(classes.names.size(), false);
  for (auto& [name, files] : by_folder) {
    const std::string shown = SafeText(name);
    SWEETSPOT_ASSIGN_OR_RETURN(std::optional<int> label, classes.Find(shown, where + ", folder '" + shown + "'"));
    if (!label && files.empty()) continue;
    if (!label) {
      return Status::InvalidData(where + ": class folder '" + shown + "' is not in the class-name file " +
                                 SafeText(class_names_file.string()) + " (add it there, or move the folder out)");
    }
    has_images[static_cast<std::size_t>(*label)] = has_images[static_cast<std::size_t>(*label)] || !files.empty();
    labelled.push_back({*label, std::move(files)});
  }
  for (std::size_t c = 0; c < has_images.size(); ++c) {
    if (!has_images[c]) notes.push_back("class '" + classes.names[c] + "' has no images");
  }
  std::sort(labelled.begin(), labelled.end(),
            [](const LabelledFolder& a, const LabelledFolder& b) { return a.label < b.label; });
  return classes;
}

struct ManifestRow {
  int line = 0;
  std::string path;   // as written (bytes)
  std::string label;  // SafeText of the label field
};

// The `path,label` rows of a manifest (tab-separated for .tsv or a first line
// with tabs and no comma), without the optional header and `#` comments.
Result<std::vector<ManifestRow>> ReadManifestRows(const fs::path& manifest, const std::string& where) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(manifest));
  char delimiter = Lower(manifest.extension().string()) == ".tsv" ? '\t' : ',';
  const std::string first = text.substr(0, text.find('\n'));
  if (first.find('\t') != std::string::npos && first.find(',') == std::string::npos) delimiter = '\t';
  std::vector<ManifestRow> rows;
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (Trim(line).empty() || Trim(line).front() == '#') continue;
    auto fields = SplitRow(line, delimiter);
    if (rows.empty() && fields.size() >= 2 && Lower(fields[0]) == "path" && Lower(fields[1]) == "label") continue;
    if (fields.size() < 2 || fields[0].empty() || fields[1].empty()) {
      return Status::InvalidData(where + " line " + std::to_string(line_no) + ": expected `path" +
                                 (delimiter == '\t' ? "<TAB>" : ",") + "label`, got '" + SafeText(line) + "'");
    }
    rows.push_back({line_no, fields[0], SafeText(fields[1])});
  }
  if (rows.empty()) return Status::InvalidData(where + " has zero samples (expected `path,label` rows)");
  return rows;
}

// A manifest's classes without a class-name file: 0..max when every label is
// an index, the sorted distinct names when none is.
Result<ClassList> InferClasses(const std::vector<ManifestRow>& rows, const std::string& where) {
  bool all_indices = true;
  const ManifestRow* first_index = nullptr;
  long long max_index = -1;
  for (const auto& r : rows) {
    const auto idx = ParseIndex(r.label);
    all_indices = all_indices && idx.has_value();
    if (idx && first_index == nullptr) first_index = &r;
    if (idx) max_index = std::max(max_index, *idx);
  }
  ClassList classes;
  if (all_indices) {
    for (long long i = 0; i <= max_index; ++i) classes.Add(std::to_string(i), 0);
  } else if (first_index == nullptr) {
    std::set<std::string> names;
    for (const auto& r : rows) names.insert(r.label);
    for (const auto& name : names) classes.Add(name, 0);
  } else {
    return Status::InvalidData(where + " line " + std::to_string(first_index->line) +
                               ": labels mix class names and indices; use one kind, or give a class-name "
                               "file so indices refer to it")
        .WithFix({"classes", "", {"FILE"}});
  }
  return classes;
}

// The class a manifest row's label means: a class name, or a 0-based index.
Result<int> ResolveLabel(const ManifestRow& r, const ClassList& classes, const std::string& where) {
  const std::string at = where + " line " + std::to_string(r.line);
  SWEETSPOT_ASSIGN_OR_RETURN(std::optional<int> by_name, classes.Find(r.label, at));
  if (by_name) return *by_name;
  const auto idx = ParseIndex(r.label);
  if (!idx) {
    return Status::InvalidData(at + ": label '" + r.label + "' is not in the class list" +
                               (classes.file.empty() ? std::string() : " of " + SafeText(classes.file.string())));
  }
  if (*idx < 0 || *idx >= static_cast<long long>(classes.names.size())) {
    return Status::InvalidData(at + ": label " + r.label + " is outside the class list (" +
                               std::to_string(classes.names.size()) + " classes, indices 0.." +
                               std::to_string(classes.names.size() - 1) + ")");
  }
  return static_cast<int>(*idx);
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

Result<std::unique_ptr<Dataset>> OpenImageFolder(const fs::path& root, const fs::path& class_names_file) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound("image folder " + SafeText(root.string()) + " does not exist");
  }
  SkipTally skipped;
  SWEETSPOT_ASSIGN_OR_RETURN(auto by_folder, ListClassFolderFiles(root, skipped));
  if (by_folder.empty()) {
    return Status::InvalidData("image folder " + SafeText(root.string()) +
                               " has no class sub-folders (expected ROOT/<class>/<image>.jpg|png|bmp)");
  }
  std::vector<std::string> notes;
  std::vector<LabelledFolder> folders;
  SWEETSPOT_ASSIGN_OR_RETURN(ClassList classes, FolderClasses(root, class_names_file, by_folder, folders, notes));
  std::vector<SampleInfo> samples;
  for (const auto& [label, files] : folders) {
    for (const auto& f : files) {
      SampleInfo s;
      s.id = SafeText((f.parent_path().filename() / f.filename()).string());
      s.path = f;
      s.label = label;
      samples.push_back(std::move(s));
    }
  }
  if (samples.empty()) {
    return Status::InvalidData("image folder " + SafeText(root.string()) +
                               " has zero images (expected ROOT/<class>/<image>.jpg|jpeg|png|bmp)");
  }
  for (auto& note : skipped.Notes()) notes.push_back(std::move(note));
  return std::unique_ptr<Dataset>(new ImageFileDataset("image folder " + SafeText(root.string()),
                                                       std::move(classes.names), std::move(samples), std::move(notes)));
}

Result<std::unique_ptr<Dataset>> OpenManifest(const fs::path& manifest, const fs::path& class_names_file) {
  const std::string where = "manifest " + SafeText(manifest.string());
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<ManifestRow> rows, ReadManifestRows(manifest, where));
  ClassList classes;
  if (!class_names_file.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(classes, ReadClassNamesFile(class_names_file));
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(classes, InferClasses(rows, where));
  }
  const fs::path base = manifest.parent_path();
  std::vector<SampleInfo> samples;
  samples.reserve(rows.size());
  for (const auto& r : rows) {
    SampleInfo s;
    s.id = SafeText(r.path);
    const fs::path p(r.path);
    s.path = p.is_absolute() ? p : base / p;
    SWEETSPOT_ASSIGN_OR_RETURN(s.label, ResolveLabel(r, classes, where));
    std::error_code ec;
    if (!fs::exists(s.path, ec)) {
      return Status::NotFound(where + " line " + std::to_string(r.line) + ": image '" + s.id +
                              "' does not exist (looked for " + SafeText(s.path.string()) + ")");
    }
    samples.push_back(std::move(s));
  }
  return std::unique_ptr<Dataset>(new ImageFileDataset(where, std::move(classes.names), std::move(samples)));
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
    SWEETSPOT_ASSIGN_OR_RETURN(ClassList listed, ReadClassNamesFile(class_names_file));
    classes = std::move(listed.names);
    class_source = " of " + SafeText(class_names_file.string());
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
  return std::unique_ptr<Dataset>(new IdxDataset(prefix, std::move(images), std::move(classes), std::move(samples)));
}

Result<std::unique_ptr<Dataset>> OpenDataset(const fs::path& path, const DatasetOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return OpenImageFolder(path, options.class_names_file);
  }
  const std::string ext = Lower(path.extension().string());
  if (ext == ".csv" || ext == ".tsv" || ext == ".txt") {
    if (!fs::exists(path, ec)) return Status::NotFound("manifest " + SafeText(path.string()) + " does not exist");
    return OpenManifest(path, options.class_names_file);
  }
  return OpenIdxDataset(path, options.class_names_file);
}

std::vector<std::size_t> StratifiedSubset(const Dataset& dataset, std::size_t limit, std::uint64_t seed,
                                          std::span<const std::size_t> exclude) {
  std::vector<std::size_t> all;
  all.reserve(dataset.size());
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    if (!std::binary_search(exclude.begin(), exclude.end(), i)) all.push_back(i);
  }
  const std::size_t n = all.size();
  if (limit == 0 || limit >= n) return all;

  const std::size_t classes = dataset.class_names().size();
  std::vector<std::vector<std::size_t>> by_class(classes);
  for (std::size_t i : all) by_class[static_cast<std::size_t>(dataset.sample(i).label)].push_back(i);

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
    const std::vector<std::size_t> drawn =
        SeededSample(std::move(by_class[c]), quota[c], seed ^ (0x9E3779B97F4A7C15ULL * (c + 1)));
    out.insert(out.end(), drawn.begin(), drawn.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::size_t> SeededSample(std::vector<std::size_t> pool, std::size_t count, std::uint64_t seed) {
  count = std::min(count, pool.size());
  SplitMix64 rng(seed);
  // Partial Fisher-Yates: the first `count` positions get a uniform sample.
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.Next() % (pool.size() - i));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(count);
  return pool;
}

}  // namespace sweetspot
