// ONNX shape inference as InspectModel needs it: exception-free, and able to
// see through the dynamic-shape idioms exporters write.
#pragma once

#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace sweetspot::inspect {

// Infers the shapes of `model`'s values in place (graph value_info and
// outputs). Never throws: a failure of libonnx becomes a line in `warnings`
// and leaves the shapes it could not infer unset.
void InferShapes(onnx::ModelProto* model, std::vector<std::string>* warnings);

}  // namespace sweetspot::inspect
