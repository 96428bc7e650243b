// Tensor cache: a dataset subset decoded and preprocessed once, kept on disk.
//
// PrepareTensors decodes the requested samples in parallel (std::thread),
// applies a resolved PreprocessSpec and writes the tensors, contiguous and in
// order, to one file; the file is then memory-mapped, so a batch is a view
// into the mapping (no copy) and memory stays bounded by the OS page cache,
// not by the dataset size.
//
// With the cache enabled the file lives in the cache folder under a name
// derived from a hash of (DatasetIdentity, which follows the images' content
// and labels; the spec's canonical TOML; the subset's indices), and a later call
// with the same key maps it without decoding anything. The full key text is
// stored in the file and compared on load, so a hash collision or a stale or
// truncated file is a cache miss, never wrong data. Files are written under a
// temporary name and renamed into place, so concurrent runs never see half a
// file. With the cache disabled the file is an unlinked temporary file.
//
// Unreadable or corrupt images are excluded and listed (by dataset index,
// path and reason), and the list is cached with the tensors, so a cached run
// reports the same exclusions. Deciding whether too many were excluded is
// the caller's business (see evaluate.h).
//
// Thread-safety: PreparedTensors is immutable once returned; batches may be
// read concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sweetspot/dataset.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

struct TensorCacheOptions {
  bool enabled = true;
  std::filesystem::path dir;  // empty: DefaultTensorCacheDir()
  int threads = 0;            // decode threads; 0: DefaultThreadCount() (cpus.h)
};

// ${XDG_CACHE_HOME:-$HOME/.cache}/sweetspot/tensors.
std::filesystem::path DefaultTensorCacheDir();

struct ExcludedSample {
  std::size_t index = 0;  // in the dataset
  std::string path;
  std::string reason;
};

struct PreparedTensors {
  DType dtype = DType::kFloat32;
  Shape sample_shape;                    // one sample, e.g. [3,32,32]
  std::size_t requested = 0;             // samples asked for
  std::vector<std::size_t> indices;      // dataset indices of the kept samples, in order
  std::vector<int> labels;               // their labels
  std::vector<ExcludedSample> excluded;  // the samples that could not be decoded
  bool from_cache = false;               // true: nothing was decoded
  std::filesystem::path cache_file;      // empty when the cache is disabled or could not be written
  std::string cache_warning;             // non-empty: the cache could not be written, so it was skipped (why)
  double prepare_ms = 0.0;               // wall time to decode (or to map the cache)

  std::size_t size() const { return indices.size(); }
  std::size_t sample_size_bytes() const;
  // A [count, sample_shape...] view of kept samples [begin, begin+count),
  // valid while any copy of this PreparedTensors (or of the view) lives.
  Tensor Batch(std::size_t begin, std::size_t count) const;

  std::shared_ptr<void> mapping;  // owns the memory map (internal)
  const std::byte* data = nullptr;
};

// Called on the calling thread with (samples done, samples requested) as
// decoding goes; not called on a cache hit (nothing is decoded).
using PrepareProgress = std::function<void(std::size_t done, std::size_t total)>;

// The cache key text for this data, spec and subset (what the file name hashes).
std::string TensorCacheKey(const Dataset& dataset, std::span<const std::size_t> indices,
                           const PreprocessSpec& resolved_spec);

// Decodes and preprocesses `indices` of `dataset` with `resolved_spec` (its
// size set, see Resolve), or maps them from the cache. The cache only saves
// time: when its folder or file cannot be written (unwritable, not a folder,
// disk full) the samples are prepared again without it and `cache_warning`
// says why. Fails only for I/O errors on the uncached temporary file; bad
// images are excluded, not errors.
Result<PreparedTensors> PrepareTensors(const Dataset& dataset, std::span<const std::size_t> indices,
                                       const PreprocessSpec& resolved_spec, const TensorCacheOptions& options,
                                       const PrepareProgress& progress = {});

}  // namespace sweetspot
