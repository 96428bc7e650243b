// Dataset: labelled images for classification, read on demand.
//
// Every reader lists its samples (id, source path, label) when opened and
// decodes an image only when asked, so memory stays bounded by the sample
// list, not by the pixels (one exception, documented on OpenIdxDataset: a
// gzipped IDX file is inflated into memory once, because gzip has no random
// access).
//
// Formats, chosen by OpenDataset from the path:
//   - a directory: image folder ROOT/<class>/<file> (.jpg/.jpeg/.png/.bmp,
//     and .webp/.tif/.pnm... where OpenCV reads them); classes are the sorted
//     names of the sub-folders holding images, or the class-name file's list
//     (in its order; each folder must be in it). Hidden entries (names
//     starting with '.', e.g. macOS `._x.png` and `.DS_Store`), files that are
//     not images or of an image type OpenCV cannot read, and empty class
//     folders are left out and counted in notes();
//   - a .csv/.tsv/.txt file: a manifest of `path,label` rows (tab-separated for
//     .tsv); an optional first row `path,label` is a header; labels are class
//     names or 0-based indices; relative paths resolve against the manifest's
//     folder. Classes come from DatasetOptions::class_names_file when given
//     (one name per line), else the sorted distinct names (or 0..max index);
//
// Text files (manifests, class-name files) may start with a UTF-8 byte-order
// mark and use CRLF line ends. Classes are identified by index: a class-name
// file may list a name twice (ImageNet's two "crane"s); such classes are
// named "crane#134" (name#index) in class_names(), and a label that uses the
// bare repeated name is an error naming both lines. Names and ids are
// SafeText (bytes that are not UTF-8 shown as \xHH); paths stay raw bytes.
//   - anything else: an IDX prefix (MNIST format, plain or .gz): PREFIX names
//     PREFIX-images-idx3-ubyte[.gz] and PREFIX-labels-idx1-ubyte[.gz], or is
//     the images file itself.
//
// Thread-safety: a Dataset is immutable after opening; Load() may be called
// concurrently from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/status.h"

namespace sweetspot {

struct SampleInfo {
  std::string id;              // stable within the dataset: relative path, or "images.idx#123"
  std::filesystem::path path;  // the file holding the image (for IDX: the images file)
  int label = 0;               // index into Dataset::class_names()
};

class Dataset {
 public:
  virtual ~Dataset() = default;

  // "image folder /data/cifar10-test", "manifest /x/val.csv", "IDX /x/t10k".
  virtual std::string description() const = 0;
  virtual std::size_t size() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  virtual const SampleInfo& sample(std::size_t index) const = 0;

  // Decodes sample `index` (< size()) into an 8-bit image: CV_8UC1 (gray, IDX)
  // or CV_8UC3 (BGR, OpenCV's order; image files go through image_decode.h's
  // ReadImage, EXIF orientation applied). An unreadable or corrupt image is an
  // InvalidData/NotFound Status naming its path.
  virtual Result<cv::Mat> Load(std::size_t index) const = 0;

  // What opening left out or found odd, one line each, for the user:
  // "skipped 12 hidden files (...)", "class folder 'x' has no images: ...".
  virtual std::vector<std::string> notes() const { return {}; }
};

struct DatasetOptions {
  // Optional class-name file (one name per line); overrides the names the
  // reader would infer (for an image folder: keeps listed classes that have no
  // images, in the file's order).
  std::filesystem::path class_names_file;
};

// Opens `path` with the reader its form calls for (see the top of this file).
// Fails with a Status naming the file (and row/field) on any bad input,
// including a dataset with zero samples.
Result<std::unique_ptr<Dataset>> OpenDataset(const std::filesystem::path& path, const DatasetOptions& options = {});

Result<std::unique_ptr<Dataset>> OpenImageFolder(const std::filesystem::path& root,
                                                 const std::filesystem::path& class_names_file = {});
Result<std::unique_ptr<Dataset>> OpenManifest(const std::filesystem::path& manifest,
                                              const std::filesystem::path& class_names_file = {});
// The class names are, in order of preference: the class-name file; the ten
// Fashion-MNIST names when the path mentions "fashion"; "0".."9" otherwise
// (MNIST digits, or as many indices as the labels need).
Result<std::unique_ptr<Dataset>> OpenIdxDataset(const std::filesystem::path& prefix,
                                                const std::filesystem::path& class_names_file = {});

// Fashion-MNIST's class names, label order.
const std::vector<std::string>& FashionMnistClassNames();

// A deterministic subset of at most `limit` sample indices, stratified by
// class (each class gets its share of `limit`, rounded by largest remainder,
// ties to the lower class index), drawn with a portable seeded shuffle (the
// same seed gives the same subset on every platform). Returned ascending. limit == 0 or >= size(): all samples.
// `exclude` (ascending dataset indices, e.g. a calibration split) is left out
// first: the subset is drawn from the other samples (with no exclusion the
// subset is the same as before exclusion existed).
std::vector<std::size_t> StratifiedSubset(const Dataset& dataset, std::size_t limit, std::uint64_t seed,
                                          std::span<const std::size_t> exclude = {});

// `count` elements of `pool` drawn uniformly without replacement by a
// portable seeded shuffle (SplitMix64 and a partial Fisher-Yates: the same
// seed gives the same draw on every platform), in draw order; all of `pool`,
// shuffled, when count >= pool.size().
std::vector<std::size_t> SeededSample(std::vector<std::size_t> pool, std::size_t count, std::uint64_t seed);

// The dataset's identity, the one both the results store and the tensor cache
// key use: SHA-256 (hex) of its class names, every sample's id and label, and
// the bytes of every file its samples live in. Renaming or moving the dataset
// keeps it; changing any image's content changes it. Reads every file once;
// a file that cannot be read enters by name (its samples are the
// evaluation's to report), so this never fails.
std::string DatasetIdentity(const Dataset& dataset);

}  // namespace sweetspot
