#include "sweetspot/tensor_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include "data/io_util.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/cpus.h"

namespace sweetspot {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[8] = {'S', 'W', 'S', 'P', 'T', 'N', 'S', '1'};

struct Mapping {
  void* addr = nullptr;
  std::size_t length = 0;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  Mapping(void* a, std::size_t l) : addr(a), length(l) {}
  ~Mapping() {
    if (addr != nullptr) ::munmap(addr, length);
  }
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string Errno() { return std::strerror(errno); }

Status WriteAll(int fd, const void* data, std::size_t size, const std::string& what) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IoError("cannot write " + what + ": " + Errno());
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

class TrailerWriter {
 public:
  template <typename T>
  void Put(const T& value) {
    const auto* p = reinterpret_cast<const char*>(&value);
    bytes_.append(p, sizeof(T));
  }
  void PutString(std::string_view s) {
    Put<std::uint64_t>(s.size());
    bytes_.append(s);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class TrailerReader {
 public:
  TrailerReader(const std::byte* begin, const std::byte* end) : p_(begin), end_(end) {}
  template <typename T>
  bool Get(T* value) {
    if (static_cast<std::size_t>(end_ - p_) < sizeof(T)) return false;
    std::memcpy(value, p_, sizeof(T));
    p_ += sizeof(T);
    return true;
  }
  bool GetString(std::string* s) {
    std::uint64_t n = 0;
    if (!Get(&n) || static_cast<std::uint64_t>(end_ - p_) < n) return false;
    s->assign(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }

 private:
  const std::byte* p_;
  const std::byte* end_;
};

std::string Trailer(const std::string& key, const PreparedTensors& t) {
  TrailerWriter w;
  w.PutString(key);
  w.Put<std::uint64_t>(t.requested);
  w.Put<std::uint64_t>(t.indices.size());
  for (auto i : t.indices) w.Put<std::uint64_t>(i);
  for (auto l : t.labels) w.Put<std::int32_t>(l);
  w.Put<std::uint64_t>(t.excluded.size());
  for (const auto& e : t.excluded) {
    w.Put<std::uint64_t>(e.index);
    w.PutString(e.path);
    w.PutString(e.reason);
  }
  w.Put<std::uint32_t>(static_cast<std::uint32_t>(t.dtype));
  w.Put<std::uint32_t>(static_cast<std::uint32_t>(t.sample_shape.size()));
  for (auto d : t.sample_shape) w.Put<std::int64_t>(d);
  return w.bytes();
}

// Maps `fd` (size `length`) and parses its trailer into `out`; false when the
// file is not a complete cache file for `key`.
bool MapAndParse(int fd, std::size_t length, const std::string& key, std::size_t sample_bytes, PreparedTensors* out) {
  if (length < 16) return false;
  void* addr = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) return false;
  auto mapping = std::make_shared<Mapping>(addr, length);
  const auto* base = static_cast<const std::byte*>(addr);
  if (std::memcmp(base + length - 8, kMagic, 8) != 0) return false;
  std::uint64_t trailer_offset = 0;
  std::memcpy(&trailer_offset, base + length - 16, 8);
  if (trailer_offset > length - 16) return false;
  TrailerReader r(base + trailer_offset, base + length - 16);
  std::string stored_key;
  std::uint64_t requested = 0;
  std::uint64_t kept = 0;
  if (!r.GetString(&stored_key) || stored_key != key || !r.Get(&requested) || !r.Get(&kept)) return false;
  if (kept * sample_bytes > trailer_offset) return false;
  out->requested = requested;
  out->indices.resize(kept);
  out->labels.resize(kept);
  for (auto& i : out->indices) {
    std::uint64_t v = 0;
    if (!r.Get(&v)) return false;
    i = v;
  }
  for (auto& l : out->labels) {
    std::int32_t v = 0;
    if (!r.Get(&v)) return false;
    l = v;
  }
  std::uint64_t excluded = 0;
  if (!r.Get(&excluded) || excluded > requested) return false;
  out->excluded.resize(excluded);
  for (auto& e : out->excluded) {
    std::uint64_t index = 0;
    if (!r.Get(&index) || !r.GetString(&e.path) || !r.GetString(&e.reason)) return false;
    e.index = index;
  }
  std::uint32_t dtype = 0;
  std::uint32_t rank = 0;
  if (!r.Get(&dtype) || !r.Get(&rank) || rank > 8) return false;
  out->dtype = static_cast<DType>(dtype);
  out->sample_shape.resize(rank);
  for (auto& d : out->sample_shape) {
    if (!r.Get(&d)) return false;
  }
  out->data = base;
  out->mapping = std::move(mapping);
  return true;
}

struct Slot {
  bool ok = false;
  std::string reason;
};

}  // namespace

fs::path DefaultTensorCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "sweetspot" / "tensors";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "sweetspot" / "tensors";
  }
  return fs::temp_directory_path() / "sweetspot-cache" / "tensors";
}

std::size_t PreparedTensors::sample_size_bytes() const {
  return static_cast<std::size_t>(ElementCount(sample_shape)) * DTypeSizeBytes(dtype);
}

Tensor PreparedTensors::Batch(std::size_t begin, std::size_t count) const {
  assert(begin + count <= size());
  Shape shape{static_cast<std::int64_t>(count)};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  // The mapping is private copy-on-write, so handing out a mutable pointer
  // can never change the cache file.
  auto* p = const_cast<std::byte*>(data + begin * sample_size_bytes());  // NOLINT
  return Tensor::Borrowed(dtype, std::move(shape), p, mapping);
}

std::string TensorCacheKey(const Dataset& dataset, std::span<const std::size_t> indices,
                           const PreprocessSpec& resolved_spec) {
  const std::string_view index_bytes(reinterpret_cast<const char*>(indices.data()), indices.size_bytes());
  return "sweetspot tensor cache v2\ndataset " + DatasetIdentity(dataset) + "\nsamples " +
         std::to_string(indices.size()) + " " + Sha256Hex(index_bytes) + "\n" + resolved_spec.ToToml();
}

namespace {

Result<PreparedTensors> PrepareOnce(const Dataset& dataset, std::span<const std::size_t> indices,
                                    const PreprocessSpec& spec, const TensorCacheOptions& options,
                                    const PrepareProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  if (spec.width <= 0 || spec.height <= 0) return Status::Internal("PrepareTensors needs a resolved spec");
  const std::size_t sample_bytes = spec.SampleSizeBytes();
  const std::string key = TensorCacheKey(dataset, indices, spec);

  fs::path final_path;
  fs::path temp_path;
  int raw_fd = -1;
  if (options.enabled) {
    const fs::path dir = options.dir.empty() ? DefaultTensorCacheDir() : options.dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      return Status::IoError("cannot create tensor cache folder " + dir.string() + ": " + ec.message());
    }
    final_path = dir / (Sha256Hex(key).substr(0, 32) + ".tensors");
    const int cached_fd = ::open(final_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (cached_fd >= 0) {
      FileDescriptor fd(cached_fd);
      struct stat st {};
      PreparedTensors cached;
      if (::fstat(fd.get(), &st) == 0 &&
          MapAndParse(fd.get(), static_cast<std::size_t>(st.st_size), key, sample_bytes, &cached)) {
        cached.from_cache = true;
        cached.cache_file = final_path;
        cached.prepare_ms = elapsed_ms();
        return cached;
      }
    }
    std::random_device rd;
    temp_path = final_path;
    temp_path += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
    raw_fd = ::open(temp_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (raw_fd < 0) {
      return Status::IoError("cannot create a file in tensor cache folder " + final_path.parent_path().string() + ": " +
                             Errno());
    }
  } else {
    std::string pattern = (fs::temp_directory_path() / "sweetspot-tensors-XXXXXX").string();
    raw_fd = ::mkstemp(pattern.data());
    if (raw_fd < 0) return Status::IoError("cannot create a temporary file in " + fs::temp_directory_path().string());
    ::unlink(pattern.c_str());  // the mapping keeps it alive; nothing to clean up
  }
  FileDescriptor fd(raw_fd);
  struct TempRemover {
    fs::path path;
    ~TempRemover() {
      if (!path.empty()) {
        std::error_code ec;
        fs::remove(path, ec);
      }
    }
  } remover{temp_path};

  PreparedTensors out;
  out.dtype = spec.dtype;
  out.sample_shape = spec.SampleShape();
  out.requested = indices.size();
  // Names the folder, not the temporary file, so repeated failures read alike.
  const std::string what = options.enabled ? "a file in tensor cache folder " + final_path.parent_path().string()
                                           : std::string("a temporary tensor file");

  const int threads = options.threads > 0 ? options.threads : DefaultThreadCount();
  const std::size_t chunk = std::max<std::size_t>(64, static_cast<std::size_t>(threads) * 64);
  std::vector<std::byte> buffer(chunk * sample_bytes);
  std::vector<Slot> slots(chunk);
  if (progress) progress(0, indices.size());
  for (std::size_t begin = 0; begin < indices.size(); begin += chunk) {
    const std::size_t count = std::min(chunk, indices.size() - begin);
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i = next++; i < count; i = next++) {
        const std::size_t index = indices[begin + i];
        Slot& slot = slots[i];
        auto image = dataset.Load(index);
        if (!image.ok()) {
          slot = {false, image.status().message()};
          continue;
        }
        const Status s = ApplyPreprocess(spec, *image, std::span(buffer.data() + i * sample_bytes, sample_bytes));
        slot = s.ok() ? Slot{true, {}} : Slot{false, dataset.sample(index).path.string() + ": " + s.message()};
      }
    };
    std::vector<std::thread> pool;
    const std::size_t extra = std::min<std::size_t>(static_cast<std::size_t>(threads), count) - 1;
    for (std::size_t t = 0; t < extra; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t index = indices[begin + i];
      if (!slots[i].ok) {
        out.excluded.push_back({index, dataset.sample(index).path.string(), slots[i].reason});
        continue;
      }
      SWEETSPOT_RETURN_IF_ERROR(WriteAll(fd.get(), buffer.data() + i * sample_bytes, sample_bytes, what));
      out.indices.push_back(index);
      out.labels.push_back(dataset.sample(index).label);
    }
    if (progress) progress(begin + count, indices.size());
  }

  const std::uint64_t trailer_offset = out.indices.size() * sample_bytes;
  const std::string trailer = Trailer(key, out);
  SWEETSPOT_RETURN_IF_ERROR(WriteAll(fd.get(), trailer.data(), trailer.size(), what));
  SWEETSPOT_RETURN_IF_ERROR(WriteAll(fd.get(), &trailer_offset, sizeof(trailer_offset), what));
  SWEETSPOT_RETURN_IF_ERROR(WriteAll(fd.get(), kMagic, sizeof(kMagic), what));
  const std::size_t length = trailer_offset + trailer.size() + 16;

  PreparedTensors mapped;
  if (!MapAndParse(fd.get(), length, key, sample_bytes, &mapped)) {
    return Status::IoError("cannot map " + what + " back into memory: " + Errno());
  }
  if (options.enabled) {
    std::error_code ec;
    fs::rename(temp_path, final_path, ec);
    if (ec) {
      return Status::IoError("cannot move " + what + " into place: " + ec.message());
    }
    remover.path.clear();
    mapped.cache_file = final_path;
  }
  mapped.from_cache = false;
  mapped.prepare_ms = elapsed_ms();
  return mapped;
}

}  // namespace

Result<PreparedTensors> PrepareTensors(const Dataset& dataset, std::span<const std::size_t> indices,
                                       const PreprocessSpec& spec, const TensorCacheOptions& options,
                                       const PrepareProgress& progress) {
  auto prepared = PrepareOnce(dataset, indices, spec, options, progress);
  if (prepared.ok() || !options.enabled || prepared.status().code() != StatusCode::kIoError) return prepared;
  TensorCacheOptions uncached = options;
  uncached.enabled = false;
  auto retried = PrepareOnce(dataset, indices, spec, uncached, progress);
  if (!retried.ok()) return retried;
  retried->cache_warning = "the tensor cache could not be written (" + prepared.status().message() +
                           "), so this run did without it; later runs decode the images again";
  return retried;
}

}  // namespace sweetspot
