// libFuzzer target: ParseInferResponse on any body and header. A response that parses
// re-encodes (outputs as JSON, and all binary) to one that parses to the same response.
#include "fuzz_input.h"
#include "sweetspot/inference_protocol.h"

namespace sweetspot::fuzz {
namespace {

void CheckRoundTrip(const InferResponse& response, bool binary_outputs) {
  InferRequest request;
  if (binary_outputs) request.parameters["binary_data_output"] = true;
  const HttpBody encoded = EncodeInferResponse(response, request);
  auto again = ParseInferResponse(encoded.body, encoded.json_header_bytes);
  Check(again.ok());
  Check(again->model_name == response.model_name && again->model_version == response.model_version);
  Check(again->id == response.id);
  Check(again->outputs == response.outputs);
  Check(again->parameters == response.parameters);
}

}  // namespace
}  // namespace sweetspot::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sweetspot;
  const fuzz::FuzzBody input = fuzz::SplitFuzzInput(data, size);
  auto response = ParseInferResponse(input.body, input.json_header_bytes);
  if (!response.ok()) {
    fuzz::CheckError(response.status());
    return 0;
  }
  for (const InferTensor& tensor : response->outputs) (void)NumericValues(tensor);
  fuzz::CheckRoundTrip(*response, false);
  fuzz::CheckRoundTrip(*response, true);
  return 0;
}
