// A library that calls itself ONNX Runtime 1.10.0 and serves no API version
// this build can use: OrtGetApiBase()->GetApi(ORT_API_VERSION) returns null,
// as a real release older than the headers' API version does. The CLI tests
// list it in SWEETSPOT_ONNXRUNTIME_LIBRARIES (built as libonnxruntime.so.1.10.0).
#include <onnxruntime_c_api.h>

namespace {

const OrtApi* NoApi(uint32_t /*version*/) noexcept { return nullptr; }

const char* Version() noexcept { return "1.10.0"; }

const OrtApiBase kBase = {NoApi, Version};

}  // namespace

// Exported although the rest of the library is hidden (CXX_VISIBILITY_PRESET).
__attribute__((visibility("default"))) const OrtApiBase* ORT_API_CALL OrtGetApiBase(void) NO_EXCEPTION {
  return &kBase;
}
