#include "backends/onnxruntime/ort_library.h"

#include <dlfcn.h>
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <sstream>

#include "sweetspot/log.h"

namespace sweetspot::ort {
namespace {
namespace fs = std::filesystem;

constexpr const char* kLibrariesVariable = "SWEETSPOT_ONNXRUNTIME_LIBRARIES";

// The same folder scripts/bootstrap and cmake/Dependencies.cmake use.
fs::path BootstrapCacheDir() {
  for (const char* variable : {"SWEETSPOT_CACHE_DIR", "XDG_CACHE_HOME", "HOME"}) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') continue;
    const fs::path dir(value);
    if (variable[0] == 'S') return dir;
    return variable[0] == 'X' ? dir / "sweetspot" : dir / ".cache" / "sweetspot";
  }
  return {};
}

// "1.30.0" before "1.4.0" would be wrong: parts compare as numbers.
bool VersionLess(const std::string& a, const std::string& b) {
  std::istringstream as(a);
  std::istringstream bs(b);
  std::string ap;
  std::string bp;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(as, ap, '.'));
    const bool more_b = static_cast<bool>(std::getline(bs, bp, '.'));
    if (!more_a || !more_b) return !more_a && more_b;
    if (ap != bp) return std::atoll(ap.c_str()) < std::atoll(bp.c_str());
  }
}

const std::regex& VersionPattern() {
  static const std::regex pattern(R"((\d+\.\d+\.\d+)$)");
  return pattern;
}

void AddCacheLibraries(std::vector<OrtLibrary>& found) {
  const fs::path cache = BootstrapCacheDir();
  std::error_code ec;
  if (cache.empty() || !fs::is_directory(cache, ec)) return;
  for (const auto& entry : fs::directory_iterator(cache, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (name.rfind("onnxruntime-", 0) != 0 || !std::regex_search(name, m, VersionPattern())) continue;
    if (m.position(1) != static_cast<std::ptrdiff_t>(std::string("onnxruntime-").size())) continue;
    const fs::path file = entry.path() / "lib" / "libonnxruntime.so";
    if (fs::exists(file, ec)) found.push_back({m[1].str(), file, OrtLibrary::Source::kCache});
  }
}

void AddListedLibraries(std::vector<OrtLibrary>& found) {
  const char* list = std::getenv(kLibrariesVariable);
  if (list == nullptr) return;
  std::istringstream entries(list);
  for (std::string entry; std::getline(entries, entry, ':');) {
    if (entry.empty()) continue;
    std::error_code ec;
    const fs::path real = fs::canonical(entry, ec);
    std::smatch m;
    const std::string name = real.filename().string();
    if (ec || !std::regex_search(name, m, VersionPattern())) {
      Log(LogLevel::kWarning, std::string(kLibrariesVariable) + ": '" + entry + "' is skipped: " +
                                  (ec ? "it does not exist" : "its file name does not end in its version"));
      continue;
    }
    found.push_back({m[1].str(), fs::path(entry), OrtLibrary::Source::kListed});
  }
}

// The library the C++ API points at, once chosen.
struct InUse {
  std::string description;  // "ONNX Runtime 1.21.0 (FILE)"
  fs::path file;            // empty: the linked library
  const OrtApiBase* base = nullptr;
};

std::mutex& InUseMutex() {
  static std::mutex mutex;
  return mutex;
}

InUse& CurrentLibrary() {
  static InUse in_use;
  return in_use;
}

std::string LinkedFile() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&OrtGetApiBase), &info) != 0 && info.dli_fname != nullptr) {
    return info.dli_fname;
  }
  return "the linked libonnxruntime";
}

std::string Describe(const std::string& version, const std::string& file) {
  return "ONNX Runtime " + version + " (" + file + ")";
}

// What to do about a library file that cannot serve: `wanted` is the
// library it should be, e.g. "ONNX Runtime's own libonnxruntime.so.VERSION".
std::string FixFor(const OrtLibrary& library, const std::string& wanted) {
  if (library.source == OrtLibrary::Source::kLinked) return "";  // the build's own: never refused
  if (library.source == OrtLibrary::Source::kListed) {
    return std::string(": take it out of ") + kLibrariesVariable + ", or list " + wanted + " there";
  }
  return ": delete the folder '" + library.file.parent_path().parent_path().string() +
         "' (scripts/bootstrap fetches ONNX Runtime into the cache)";
}

// Opens `library.file` and checks it is the ONNX Runtime its name says.
Result<const OrtApiBase*> OpenLibrary(const OrtLibrary& library) {
  const std::string file = library.file.string();
  const std::string fix = FixFor(library, "ONNX Runtime's own libonnxruntime.so." + library.version);
  // Never closed: the C++ API and every session use it until the process ends.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::InvalidData("cannot load ONNX Runtime library '" + file + "' (" + (why ? why : "dlopen failed") +
                               ")" + fix);
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto get_api_base = reinterpret_cast<GetApiBaseFn>(dlsym(handle, "OrtGetApiBase"));
  if (get_api_base == nullptr) {
    return Status::InvalidData("'" + file + "' is not ONNX Runtime (it has no OrtGetApiBase)" + fix);
  }
  const OrtApiBase* base = get_api_base();
  const std::string version = base->GetVersionString();
  if (version != library.version) {
    return Status::InvalidData("'" + file + "' is ONNX Runtime " + version + ", not the " + library.version +
                               " its name says" + fix);
  }
  return base;
}

}  // namespace

OrtLibrary LinkedOrtLibrary() { return {OrtGetApiBase()->GetVersionString(), {}}; }

std::vector<OrtLibrary> FindOrtLibraries() {
  std::vector<OrtLibrary> others;
  AddCacheLibraries(others);
  AddListedLibraries(others);
  std::stable_sort(others.begin(), others.end(),
                   [](const OrtLibrary& a, const OrtLibrary& b) { return VersionLess(a.version, b.version); });
  std::vector<OrtLibrary> found = {LinkedOrtLibrary()};
  for (auto& library : others) {
    const bool seen =
        std::any_of(found.begin(), found.end(), [&](const OrtLibrary& f) { return f.version == library.version; });
    if (!seen) found.push_back(std::move(library));
  }
  return found;
}

std::string OrtLibrarySearchPlaces() {
  return (BootstrapCacheDir() / "onnxruntime-VERSION" / "lib" / "libonnxruntime.so").string() + " and " +
         kLibrariesVariable;
}

Result<const OrtApiBase*> UseOrtLibrary(const OrtLibrary& library) {
  const std::lock_guard lock(InUseMutex());
  InUse& current = CurrentLibrary();
  const OrtApiBase* linked = OrtGetApiBase();
  // Ort::InitApi() (as bench/ programs call it) picks the linked library.
  if (current.base == nullptr && Ort::Global<void>::api_ != nullptr) {
    current = {Describe(linked->GetVersionString(), LinkedFile()), {}, linked};
  }
  if (current.base != nullptr) {
    if (current.file == library.file) return current.base;
    const std::string wanted = library.file.empty() ? Describe(library.version, LinkedFile())
                                                    : Describe(library.version, library.file.string());
    return Status::FailedPrecondition("this process already uses " + current.description +
                                      "; one process runs one ONNX Runtime version, so " + wanted +
                                      " must run in another process");
  }
  const OrtApiBase* base = linked;
  if (!library.file.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(base, OpenLibrary(library));
  }
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  const std::string file = library.file.empty() ? LinkedFile() : library.file.string();
  if (api == nullptr) {
    const std::string minimum = "ONNX Runtime 1." + std::to_string(ORT_API_VERSION);
    return Status::Unsupported("'" + file + "' is ONNX Runtime " + base->GetVersionString() +
                               ", older than the API version " + std::to_string(ORT_API_VERSION) +
                               " this build uses (" + minimum + " or newer)" +
                               FixFor(library, "the libonnxruntime.so.VERSION of " + minimum + " or newer"));
  }
  Ort::InitApi(api);
  current = {Describe(base->GetVersionString(), file), library.file, base};
  return base;
}

void EnsureOrtApi() {
  {
    const std::lock_guard lock(InUseMutex());
    if (CurrentLibrary().base != nullptr) return;
  }
  // Only fails when another thread picked a library meanwhile: that one stays.
  (void)UseOrtLibrary(LinkedOrtLibrary());
}

}  // namespace sweetspot::ort
