// The ONNX Runtime libraries this build can run, and the one this process uses.
//
// The build links one ONNX Runtime (the configured one, named "onnxruntime").
// Other versions are loaded at run time (dlopen) from their libonnxruntime.so;
// the C++ API (Ort::) is built with ORT_API_MANUAL_INIT and pointed at the
// chosen library's OrtApi (API version ORT_API_VERSION of the headers: a newer
// library serves the older API versions too). Ort:: keeps that pointer in one
// global, so a process uses ONE library: the first UseOrtLibrary picks it, and
// a later one for another library fails.
//
// Thread-safety: every function here may be called from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sweetspot/status.h"

struct OrtApiBase;

namespace sweetspot::ort {

struct OrtLibrary {
  std::string version;         // "1.30.0"
  std::filesystem::path file;  // empty: the library this build links
  // Where it was found: errors about the file say what to change there.
  enum class Source { kLinked, kCache, kListed } source = Source::kLinked;
};

// The library this build links.
OrtLibrary LinkedOrtLibrary();

// The linked library, then the others by ascending version; a version found
// twice keeps the one found first (the linked library wins). Others are found:
//   - in the bootstrap cache ($SWEETSPOT_CACHE_DIR, else $XDG_CACHE_HOME/sweetspot,
//     else ~/.cache/sweetspot), as onnxruntime-<version>/lib/libonnxruntime.so;
//   - in SWEETSPOT_ONNXRUNTIME_LIBRARIES, ':'-separated library files whose
//     name, after symlinks, ends in their version (libonnxruntime.so.1.30.0).
// Files are not opened: a wrong one is reported when it is used.
std::vector<OrtLibrary> FindOrtLibraries();

// Where FindOrtLibraries looks, in one phrase for error messages.
std::string OrtLibrarySearchPlaces();

// Points the C++ API at `library` (loading it first unless it is the linked
// one) and returns its OrtApiBase. Errors, each one line naming the file and
// what to do (for a listed file: list another in SWEETSPOT_ONNXRUNTIME_LIBRARIES;
// for one in the cache: delete its folder): InvalidData when it does not load,
// is not ONNX Runtime (no OrtGetApiBase) or is another version than its name
// says; Unsupported when it is older than the headers' API version
// (GetApi(ORT_API_VERSION) is null); FailedPrecondition when this process
// already uses another library.
Result<const OrtApiBase*> UseOrtLibrary(const OrtLibrary& library);

// Keeps the library this process uses, else picks the linked one: for code
// that needs the C++ API without choosing a version.
void EnsureOrtApi();

}  // namespace sweetspot::ort
