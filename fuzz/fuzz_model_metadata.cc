// libFuzzer target: ParseModelMetadata on any text. Metadata that parses re-encodes to
// text that parses to the same metadata.
#include <string>

#include "fuzz_input.h"
#include "sweetspot/inference_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sweetspot;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto metadata = ParseModelMetadata(text);
  if (!metadata.ok()) {
    fuzz::CheckError(metadata.status());
    return 0;
  }
  auto again = ParseModelMetadata(EncodeModelMetadata(*metadata));
  fuzz::Check(again.ok() && *again == *metadata);
  return 0;
}
