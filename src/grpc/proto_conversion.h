// Conversion between the gRPC messages of kserve_v2.proto and the codec's
// types (inference_protocol.h), for both the server and the client.
//
// A tensor travels either as typed contents (InferTensorContents: one
// repeated field per datatype family; FP16 has none) or as raw bytes
// (raw_input_contents / raw_output_contents, one entry per tensor in order:
// row-major little-endian elements; BYTES: a 4-byte little-endian length
// before each element's bytes), which is exactly InferTensor::data.
// Everything read from the wire is checked: errors are InvalidArgument, one
// line naming the message field (e.g. "inputs[0].contents.fp32_contents: 783
// elements, shape [1,784] holds 784").
#pragma once

#include <grpcpp/support/status.h>

#include "kserve_v2.pb.h"
#include "sweetspot/inference_protocol.h"
#include "sweetspot/status.h"

namespace sweetspot::grpc_conversion {

// Server side. Checks datatypes, shapes (no negative dimension) and that each
// input's elements match its shape; model name/version come from the message.
Result<InferRequest> RequestFromProto(const inference::ModelInferRequest& proto);
// True when the answer should carry raw_output_contents: the request sent
// raw_input_contents (Triton's clients do), or asked for binary data (request
// parameter binary_data_output, or an output's binary_data parameter).
bool WantsRawOutputs(const inference::ModelInferRequest& proto);
// `raw`: every output in raw_output_contents; else typed contents, except
// when an output is FP16 (no typed field): then all raw, as the protocol
// allows no mix.
void ResponseToProto(const InferResponse& response, bool raw, inference::ModelInferResponse* proto);

// Client side, the mirror images. `raw`: inputs in raw_input_contents (FP16
// inputs force it).
void RequestToProto(const InferRequest& request, bool raw, inference::ModelInferRequest* proto);
Result<InferResponse> ResponseFromProto(const inference::ModelInferResponse& proto);

void MetadataToProto(const ModelMetadata& metadata, inference::ModelMetadataResponse* proto);
// Checks datatypes and dimensions (-1 or more).
Result<ModelMetadata> MetadataFromProto(const inference::ModelMetadataResponse& proto);

// Status codes across the wire: InvalidArgument <-> INVALID_ARGUMENT,
// NotFound <-> NOT_FOUND, ResourceExhausted <-> RESOURCE_EXHAUSTED,
// Unavailable <-> UNAVAILABLE (and DEADLINE_EXCEEDED -> Unavailable on the
// client: the server did not answer in time), every other code <-> INTERNAL /
// Internal. Messages are made one line.
grpc::Status ToGrpcStatus(const Status& status);
Status FromGrpcStatus(const grpc::Status& status, std::string_view context);

}  // namespace sweetspot::grpc_conversion
