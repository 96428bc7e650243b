// libFuzzer target: ParseInferRequest on any body and header. A request that parses
// re-encodes (JSON and binary) to one that parses to the same request.
#include "fuzz_input.h"
#include "sweetspot/inference_protocol.h"

namespace sweetspot::fuzz {
namespace {

void CheckRoundTrip(const InferRequest& request, bool binary_inputs) {
  const HttpBody encoded = EncodeInferRequest(request, binary_inputs, false);
  auto again = ParseInferRequest(encoded.body, encoded.json_header_bytes);
  Check(again.ok());
  Check(again->id == request.id);
  Check(again->inputs == request.inputs);
  Check(again->outputs == request.outputs);
  Check(again->parameters == request.parameters);
}

}  // namespace
}  // namespace sweetspot::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sweetspot;
  const fuzz::FuzzBody input = fuzz::SplitFuzzInput(data, size);
  auto request = ParseInferRequest(input.body, input.json_header_bytes);
  if (!request.ok()) {
    fuzz::CheckError(request.status());
    return 0;
  }
  for (const InferTensor& tensor : request->inputs) {
    fuzz::Check(tensor.ElementCount() >= 0);
    // The data holds whole elements of the datatype.
    if (tensor.datatype == WireType::kBytes) {
      auto elements = BytesElements(tensor.data);
      fuzz::Check(elements.ok() && static_cast<std::int64_t>(elements->size()) == tensor.ElementCount());
    } else {
      fuzz::Check(tensor.data.size() ==
                  static_cast<std::size_t>(tensor.ElementCount()) * WireTypeSizeBytes(tensor.datatype));
    }
  }
  fuzz::CheckRoundTrip(*request, false);
  fuzz::CheckRoundTrip(*request, true);
  return 0;
}
